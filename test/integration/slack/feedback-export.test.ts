/**
 * `flipturn feedback export --json` against a private redis-server: the records the worker stores (zod-checked on
 * read; a corrupt one is counted, not trusted) come out as expected.json labels, the latest per incident.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/kernel/clock.js';
import { FeedbackStore, feedbackRecord } from '../../../src/memory/feedback.js';
import { RedisKeyValue } from '../../../src/memory/redis.js';
import { runCliCaptured } from '../../support/cli-runner.js';
import { skipRedisTests, startRedisServer, type RedisServerHandle } from '../../support/redis-server.js';
import { smallReport } from '../../unit/agent/report-builders.js';
import type { IncidentMemory } from '../../../src/memory/port.js';
import type { UniversalIncidentSignal } from '../../../src/kernel/signal.js';

const clock = new FixedClock(new Date('2026-11-22T01:00:00Z'));
let redis: RedisServerHandle | undefined;

const signal = (title: string): UniversalIncidentSignal => ({
  schemaVersion: 1,
  kind: 'alert',
  source: 'datadog_webhook',
  idempotencyKey: `k-${title}`,
  incidentKey: `m-${title}`,
  state: 'triggered',
  title,
  description: '',
  severity: 'high',
  firedAt: '2026-11-22T00:45:20.000Z',
  receivedAt: '2026-11-22T00:45:21.000Z',
  tags: {},
  sourceIds: {},
  links: [],
  hints: { traceIds: [], spanIds: [], requestIds: [], correlationIds: [], runIds: [] },
});

function mem(
  incidentId: string,
  title: string,
): Pick<IncidentMemory, 'teamId' | 'incidentId' | 'version' | 'report' | 'signal'> {
  return { teamId: 'T1', incidentId, version: 1, report: smallReport(), signal: signal(title) };
}

describe.skipIf(skipRedisTests())('flipturn feedback export', () => {
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('writes the labelled incidents in the expected.json shape', async () => {
    const kv = new RedisKeyValue({ url: redis?.url ?? '' });
    expect(await kv.waitReady(5000)).toBe(true);
    const store = new FeedbackStore(kv, clock);
    await store.record(
      feedbackRecord(mem('inc_a', 'search p99'), 'correct', '2026-11-22T00:50:00.000Z', { user: 'U1' }),
    );
    await store.record(feedbackRecord(mem('inc_b', 'checkout errors'), 'wrong', '2026-11-22T00:51:00.000Z'));
    await store.record(
      feedbackRecord(mem('inc_b', 'checkout errors'), 'wrong', '2026-11-22T00:52:00.000Z', {
        realCause: { text: 'the real cause was db', service: 'db' },
      }),
    );
    await store.record(feedbackRecord(mem('inc_c', 'cart slow'), 'wrong', '2026-11-22T00:53:00.000Z'));
    await kv.push('flipturn:feedback:log', '{"not":"a record"}', 60_000, 10);
    await kv.close();
    const run = await runCliCaptured(['feedback', 'export', '--json'], { clock, env: { REDIS_URL: redis?.url ?? '' } });
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.out) as {
      incidents: Array<Record<string, unknown>>;
      unlabelled: unknown[];
      invalid: number;
    };
    expect(out.invalid).toBe(1);
    expect(out.incidents.map((i) => [i.incidentId, i.feedback, i.expected])).toEqual([
      [
        'inc_a',
        'correct',
        {
          rootCause: { service: 'cache', operation: 'serialize' },
          propagation: ['search'],
          bottleneck: 'db',
          symptom: 'frontend',
          abstain: false,
        },
      ],
      ['inc_b', 'wrong', { rootCause: { service: 'db' }, symptom: 'frontend', abstain: false }],
    ]);
    expect(out.unlabelled).toEqual([{ teamId: 'T1', incidentId: 'inc_c', title: 'cart slow' }]);
  });

  it('needs REDIS_URL', async () => {
    const run = await runCliCaptured(['feedback', 'export', '--json'], { clock, env: {} });
    expect(run.code).not.toBe(0);
    expect(run.err).toMatch(/REDIS_URL/);
  });
});
