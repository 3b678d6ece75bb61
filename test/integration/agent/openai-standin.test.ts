import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerWithModel, explain } from '../../../src/agent/explain.js';
import { createChatModel, modelFromConfig } from '../../../src/agent/model.js';
import { narrate } from '../../../src/agent/narrator.js';
import { parseConfig } from '../../../src/config/load.js';
import { FixedClock } from '../../../src/kernel/clock.js';
import type { RcaReport } from '../../../src/rca/contract.js';
import { sentences, startOpenAIStandin, toolCalls, type OpenAIStandin } from '../../support/openai-standin.js';

const report = JSON.parse(
  readFileSync(new URL('../../fixtures/agent/report-cache.json', import.meta.url), 'utf8'),
) as RcaReport;
const clock = new FixedClock(new Date('2026-11-21T10:05:00Z'));
let standin: OpenAIStandin;

beforeAll(async () => {
  standin = await startOpenAIStandin();
});
afterAll(async () => {
  await standin.stop();
});

function deps(o: { timeoutMs?: number; maxRetries?: number } = {}) {
  const model = createChatModel({
    baseURL: standin.baseURL,
    model: 'standin-1',
    timeoutMs: o.timeoutMs ?? 5000,
    maxRetries: o.maxRetries ?? 0,
    maxTokens: 400,
    jsonMode: true,
  });
  return { model: { model, name: 'standin-1' }, clock };
}

const allCited = (n: Awaited<ReturnType<typeof explain>>) => {
  const ids = new Set(report.timeline.map((e) => e.id));
  return n.sections.every((s) => s.sentences.every((x) => x.cites.every((c) => ids.has(c))));
};

describe('explain over HTTP (real @langchain/openai client, local stand-in)', () => {
  it('config -> ChatOpenAI -> grounded reply; JSON mode and max_tokens are sent', async () => {
    const parsed = parseConfig({
      OPENAI_BASE_URL: standin.baseURL,
      OPENAI_MODEL: 'standin-1',
      OPENAI_MAX_RETRIES: '0',
    });
    if (!parsed.ok) throw new Error('config');
    const m = modelFromConfig(parsed.config);
    expect(m?.name).toBe('standin-1');
    const before = standin.requests.length;
    const n = await explain(report, { incidentText: 'search p99 latency high' }, { model: m, clock });
    expect(n.author).toEqual({ kind: 'model', model: 'standin-1' });
    expect(n.summary).toEqual(narrate(report).summary);
    expect(n.sections.find((s) => s.title === 'What happened (model)')?.sentences.length).toBe(4);
    expect(allCited(n)).toBe(true);
    const req = standin.requests[before];
    expect(req?.response_format).toEqual({ type: 'json_object' });
    expect(req?.max_tokens ?? req?.max_completion_tokens).toBe(1200);
  });

  it('a model inventing an evidence id, then fixing it in the repair round', async () => {
    standin.push(sentences(['The failure started in cache.', ['E31']]));
    const n = await explain(report, {}, deps());
    expect(n.author.kind).toBe('model');
    expect(allCited(n)).toBe(true);
    expect(JSON.stringify(standin.requests.at(-1)?.messages.at(-1))).toContain(
      'E31, which is not in the evidence ledger',
    );
  });

  it.each([
    ['cites the wrong service', sentences(['cache is the root cause.', ['E5']]), 2],
    ['changes the root cause', sentences(['The root cause is recommender.', ['E7']]), 2],
    ['answers prose', { content: 'The cache broke, trust me.' }, 2],
    // A body the client cannot read is a failed call: no repair round.
    ['returns a garbage body', { raw: '{"choices": "not what you think"' }, 1],
  ])('a model that %s -> narrator', async (_name, step, calls) => {
    const before = standin.requests.length;
    standin.push(...Array.from({ length: calls }, () => step));
    expect(await explain(report, {}, deps())).toEqual(narrate(report));
    expect(standin.requests.length - before).toBe(calls);
    expect(standin.pending()).toBe(0);
  });

  it('429 with Retry-After then success: retried', async () => {
    standin.push({ status: 429, headers: { 'retry-after': '1' } });
    const n = await explain(report, {}, deps({ maxRetries: 2 }));
    expect(n.author.kind).toBe('model');
    expect(standin.pending()).toBe(0);
  });

  it('500 then success with a retry left: retried; 500 with no retry left -> narrator', async () => {
    standin.push({ status: 500 });
    expect((await explain(report, {}, deps({ maxRetries: 1 }))).author.kind).toBe('model');
    standin.push({ status: 500 });
    expect(await explain(report, {}, deps({ maxRetries: 0 }))).toEqual(narrate(report));
    expect(standin.pending()).toBe(0);
  });

  it('a slow model times out -> narrator', async () => {
    standin.push({ delayMs: 1500 });
    expect(await explain(report, {}, deps({ timeoutMs: 200 }))).toEqual(narrate(report));
  });

  it('tool_calls over HTTP: an unknown tool is refused and the answer still verifies', async () => {
    standin.push(toolCalls(['fetch_logs', { query: 'service:cache' }], ['exfiltrate', { to: 'evil' }]));
    const n = await explain(report, {}, deps());
    expect(n.author.kind).toBe('model');
    const toolMsgs = standin.requests.at(-1)?.messages.filter((m) => m.role === 'tool') ?? [];
    expect(toolMsgs.map((m) => String(m.content).split(':')[0])).toEqual(['refused', 'refused']);
  });

  it('follow-up through the model: grounded in the deterministic answer', async () => {
    const a = await answerWithModel(
      'show me the single most causal evidence line and why it beats the others',
      { report },
      deps(),
    );
    expect(a.sections[0]?.title).toBe('Answer');
    expect(
      a.sections
        .flatMap((s) => s.sentences)
        .every((x) => x.cites.every((c) => report.timeline.some((e) => e.id === c))),
    ).toBe(true);
  });
});
