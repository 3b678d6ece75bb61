/**
 * One-line wiring for composition roots: the agent's dependencies from the frozen Config, and the demo's model
 * switch. `agentFromConfig` gives `model: undefined` when no model is configured, so explain/answerWithModel
 * return the deterministic narrator and follow-up answers unchanged.
 *
 * Demo (a testing aid): FLIPTURN_DEMO_MODEL=standin starts the local OpenAI-compatible stand-in
 * (./standin.ts) and points the demo's OPENAI_BASE_URL at it; OPENAI_BASE_URL / OPENAI_MODEL / OPENAI_API_KEY set
 * in the environment are passed through to the demo's configuration otherwise.
 */
import type { Config } from '../config/schema.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { AgentDeps } from './explain.js';
import { limitsFromConfig, modelFromConfig } from './model.js';
import { startOpenAIStandin } from './standin.js';

export function agentFromConfig(config: Config, o: { readonly clock: Clock; readonly registry?: ProviderRegistry; readonly logger?: Logger; readonly knownSecrets?: (text: string) => string }): AgentDeps {
  const model = modelFromConfig(config);
  return {
    clock: o.clock,
    limits: limitsFromConfig(config),
    ...(model ? { model } : {}),
    ...(o.registry ? { registry: o.registry } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.knownSecrets ? { knownSecrets: o.knownSecrets } : {}),
  };
}

export interface DemoModel {
  /** Settings to add to the demo's configuration (empty: no model, the narrator writes). */
  readonly env: Readonly<Record<string, string>>;
  readonly label: string;
  stop(): Promise<void>;
}

export async function demoModel(env: Readonly<Record<string, string | undefined>>): Promise<DemoModel> {
  if (env.FLIPTURN_DEMO_MODEL === 'standin') {
    const s = await startOpenAIStandin();
    return { env: { OPENAI_BASE_URL: s.baseURL, OPENAI_MODEL: 'flipturn-standin' }, label: `model stand-in on ${s.baseURL}`, stop: () => s.stop() };
  }
  const pass: Record<string, string> = {};
  for (const k of ['OPENAI_BASE_URL', 'OPENAI_MODEL', 'OPENAI_API_KEY'] as const) {
    const v = env[k];
    if (v) pass[k] = v;
  }
  return { env: pass, label: pass.OPENAI_MODEL ? `model ${pass.OPENAI_MODEL}` : 'deterministic narrator', stop: () => Promise.resolve() };
}
