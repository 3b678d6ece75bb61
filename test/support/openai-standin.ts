/**
 * The local OpenAI-compatible stand-in for tests (the implementation lives in src/lab/standins/openai.ts so
 * that `flipturn demo` can start it too). Helpers build the scripted steps tests use most.
 */
import type { StandinStep } from '../../src/lab/standins/openai.js';

export { startOpenAIStandin, type OpenAIStandin, type StandinStep } from '../../src/lab/standins/openai.js';

/** A model answer with these sections (each sentence: text + cites). */
function answer(
  sections: ReadonlyArray<{ title: string; sentences: ReadonlyArray<{ text: string; cites: readonly string[] }> }>,
): StandinStep {
  return { content: JSON.stringify({ sections }) };
}

/** One section, one call. */
export function sentences(...list: ReadonlyArray<readonly [string, readonly string[]]>): StandinStep {
  return answer([{ title: 'What happened', sentences: list.map(([text, cites]) => ({ text, cites })) }]);
}

export function toolCalls(...calls: ReadonlyArray<readonly [string, Record<string, unknown>]>): StandinStep {
  return { toolCalls: calls.map(([name, args]) => ({ name, args })) };
}
