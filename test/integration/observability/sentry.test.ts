import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../src/observability/registry.js';
import { systemClock } from '../../../src/kernel/clock.js';
import { FlipturnError } from '../../../src/kernel/errors.js';
import { silentLogger } from '../../../src/kernel/logger.js';
import { SecretScrubber } from '../../../src/kernel/secrets.js';
import type { QueuedSignal } from '../../../src/kernel/signal.js';
import { startSelfErrors, type SelfErrors } from '../../../src/observability/sentry.js';
import { InProcessQueue } from '../../../src/queue/memory.js';
import { workerMetrics } from '../../../src/worker/metrics.js';
import { workerSettings } from '../../../src/worker/settings.js';
import { Worker } from '../../../src/worker/worker.js';

const SECRET = 'xoxb-4242-very-secret-bot-token';
const PAYLOAD = 'telemetry-payload-line-do-not-send';

let server: Server;
let port = 0;
const envelopes: Array<{ url: string; text: string }> = [];
let errors: SelfErrors | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      envelopes.push({ url: req.url ?? '', text });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  port = typeof a === 'object' && a ? a.port : 0;
});

afterAll(async () => {
  await errors?.close();
  await new Promise((r) => server.close(r));
});

const alert: QueuedSignal = {
  schemaVersion: 1,
  kind: 'alert',
  source: 'datadog_webhook',
  idempotencyKey: 'dd:evt-1',
  incidentKey: 'dd:monitor-7',
  state: 'triggered',
  title: 'p99 latency on search',
  description: PAYLOAD,
  severity: 'high',
  firedAt: '2026-11-21T10:00:00Z',
  receivedAt: '2026-11-21T10:00:01Z',
  tags: { service: 'search' },
  sourceIds: {},
  links: [],
  hints: { traceIds: [], spanIds: [], requestIds: [], correlationIds: [], runIds: [] },
};

describe("Flipturn's own errors to Sentry", () => {
  it('is off without a DSN', () => {
    expect(startSelfErrors({ dsn: undefined, scrubber: new SecretScrubber(), release: '0' })).toBeUndefined();
  });

  it('an unexpected worker failure becomes one envelope that carries the ids, not the secret or the payload', async () => {
    errors = startSelfErrors({
      dsn: `http://public@127.0.0.1:${port}/1`,
      scrubber: new SecretScrubber().register(SECRET),
      release: '1.2.3',
    });
    const queue = new InProcessQueue(systemClock);
    await queue.append(alert);
    let failed!: () => void;
    const thrown = new Promise<void>((r) => (failed = r));
    const worker = new Worker({
      queue,
      clock: systemClock,
      logger: silentLogger(),
      metrics: workerMetrics(new MetricsRegistry()),
      settings: workerSettings({ consumer: 't1', blockMs: 20, reclaimIdleMs: 60_000 }),
      reporter: errors,
      handler: {
        handle(signal) {
          setTimeout(failed, 50);
          const cause = new Error(
            `vendor body: ${signal.kind === 'alert' ? signal.description : ''} Authorization: Bearer ${SECRET}`,
          );
          return Promise.reject(
            new FlipturnError('FT_INTERNAL', `provider answered with token ${SECRET} in the error`, { cause }),
          );
        },
      },
    });
    worker.start();
    await thrown;
    // stop returns once the entry in flight is settled; the grace only bounds a loaded machine.
    await worker.stop(60_000);
    expect((await queue.stats()).deadLetters).toBe(1);
    await errors?.close(5000);
    errors = undefined;

    const events = envelopes.filter((e) => e.url.startsWith('/api/1/envelope') && e.text.includes('"type":"event"'));
    expect(events).toHaveLength(1);
    const text = events[0]?.text ?? '';
    expect(text).toContain('FT_INTERNAL');
    expect(text).toContain('[REDACTED]');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(PAYLOAD);
    // The event line is JSON with the ids as tags.
    const event = JSON.parse(text.split('\n').find((l) => l.includes('"exception"')) ?? '{}') as {
      tags?: Record<string, string>;
      release?: string;
    };
    expect(event.tags).toMatchObject({ role: 'worker', code: 'FT_INTERNAL', kind: 'alert' });
    expect(event.release).toBe('flipturn@1.2.3');
  });
});
