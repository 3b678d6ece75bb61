/**
 * The demo's model switch (a testing aid for `flipturn demo`): FLIPTURN_DEMO_MODEL=standin starts the local
 * OpenAI-compatible stand-in (./openai.ts) and points the demo's OPENAI_BASE_URL at it; otherwise OPENAI_BASE_URL /
 * OPENAI_MODEL / OPENAI_API_KEY set in the environment are passed through to the demo's configuration.
 */
import { startOpenAIStandin } from './openai.js';

export interface DemoModel {
  /** Settings to add to the demo's configuration (empty: no model, the narrator writes). */
  readonly env: Readonly<Record<string, string>>;
  readonly label: string;
  stop(): Promise<void>;
}

export async function demoModel(env: Readonly<Record<string, string | undefined>>): Promise<DemoModel> {
  if (env.FLIPTURN_DEMO_MODEL === 'standin') {
    const s = await startOpenAIStandin();
    return {
      env: { OPENAI_BASE_URL: s.baseURL, OPENAI_MODEL: 'flipturn-standin' },
      label: `model stand-in on ${s.baseURL}`,
      stop: () => s.stop(),
    };
  }
  const pass: Record<string, string> = {};
  for (const k of ['OPENAI_BASE_URL', 'OPENAI_MODEL', 'OPENAI_API_KEY'] as const) {
    const v = env[k];
    if (v) pass[k] = v;
  }
  return {
    env: pass,
    label: pass.OPENAI_MODEL ? `model ${pass.OPENAI_MODEL}` : 'deterministic narrator',
    stop: () => Promise.resolve(),
  };
}
