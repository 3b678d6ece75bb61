import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { investigateScenario, loadScenario, scenarioSignal } from '../../../src/cli/commands/investigate-scenario.js';
import { startEnqueueSpans } from '../../../src/ingress/gate-trace.js';
import { MetricsRegistry } from '../../../src/observability/registry.js';
import { systemClock } from '../../../src/kernel/clock.js';
import { silentLogger } from '../../../src/kernel/logger.js';
import type { QueuedSignal } from '../../../src/kernel/signal.js';
import { startSelfTracing, tracingObserver, type SelfTracing } from '../../../src/observability/tracing.js';
import { InProcessQueue } from '../../../src/queue/memory.js';
import { workerMetrics } from '../../../src/worker/metrics.js';
import { workerSettings } from '../../../src/worker/settings.js';
import { Worker } from '../../../src/worker/worker.js';

const SCENARIO = resolve(import.meta.dirname, '../../../scenarios/nezha-ob-2022-08-22-0726');

interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes?: Array<{ key: string; value: { stringValue?: string; intValue?: number | string } }>;
}

/** OTLP/JSON ids are hex; tolerate base64 too. */
function hex(id: string | undefined): string {
  if (!id) return '';
  return /^[0-9a-f]+$/.test(id) ? id : Buffer.from(id, 'base64').toString('hex');
}

let server: Server;
let endpoint: string;
const bodies: Array<{ contentType: string | undefined; json: unknown }> = [];
let tracing: SelfTracing | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString('utf8')));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') bodies.push({ contentType: req.headers['content-type'], json: JSON.parse(data) as unknown });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  endpoint = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});

afterAll(async () => {
  await tracing?.shutdown();
  await new Promise((r) => server.close(r));
});

function spansOf(): Array<OtlpSpan & { resource: Record<string, string> }> {
  const out: Array<OtlpSpan & { resource: Record<string, string> }> = [];
  for (const b of bodies) {
    const rs = (b.json as { resourceSpans?: Array<{ resource?: { attributes?: OtlpSpan['attributes'] }; scopeSpans?: Array<{ spans?: OtlpSpan[] }> }> }).resourceSpans ?? [];
    for (const r of rs) {
      const resource = Object.fromEntries((r.resource?.attributes ?? []).map((x) => [x.key, String(x.value.stringValue ?? x.value.intValue ?? '')]));
      for (const ss of r.scopeSpans ?? []) for (const s of ss.spans ?? []) out.push({ ...s, traceId: hex(s.traceId), spanId: hex(s.spanId), parentSpanId: hex(s.parentSpanId), resource });
    }
  }
  return out;
}

describe("Flipturn's own traces over OTLP/HTTP", () => {
  it('is off (no SDK) without an endpoint', () => {
    expect(startSelfTracing({ endpoint: undefined, serviceVersion: '0' })).toBeUndefined();
    expect(startSelfTracing({ endpoint: '  ', serviceVersion: '0' })).toBeUndefined();
  });

  it('one alert is one trace: gate request -> enqueue -> worker handle -> investigate -> stages -> provider calls', async () => {
    tracing = startSelfTracing({ endpoint, serviceVersion: '1.2.3', scheduledDelayMillis: 50 });
    expect(tracing?.endpoint).toBe(`${endpoint}/v1/traces`);
    const scenario = await loadScenario(SCENARIO);
    const signals: QueuedSignal[] = [scenarioSignal(scenario)];
    const gate = startEnqueueSpans('datadog_webhook', signals);
    const traced = signals[0] as QueuedSignal;
    expect(traced.trace?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const queue = new InProcessQueue(systemClock);
    await queue.append(traced);
    gate.end([{ idempotencyKey: traced.idempotencyKey }]);

    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const worker = new Worker({
      queue,
      clock: systemClock,
      logger: silentLogger(),
      metrics: workerMetrics(new MetricsRegistry()),
      settings: workerSettings({ consumer: 't1', blockMs: 20, reclaimIdleMs: 60_000 }),
      handler: {
        async handle() {
          // The queued signal round-tripped through the queue (zod) with its trace context.
          await investigateScenario(scenario, { wallClock: systemClock, observer: tracingObserver() });
          done();
          return 'answered';
        },
      },
    });
    worker.start();
    await finished;
    await worker.stop(1000);
    await tracing?.flush();

    const spans = spansOf();
    expect(bodies.every((b) => b.contentType?.startsWith('application/json'))).toBe(true);
    const byName = (n: string) => spans.filter((s) => s.name === n);
    const one = (n: string) => {
      const list = byName(n);
      expect(list, n).toHaveLength(1);
      return list[0] as OtlpSpan;
    };
    const request = one('flipturn.gate.request');
    const enqueue = one('flipturn.gate.enqueue');
    const handle = one('flipturn.worker.handle');
    const inv = one('flipturn.investigate');
    expect(spans.every((s) => s.resource['service.name'] === 'flipturn' && s.resource['service.version'] === '1.2.3')).toBe(true);
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    expect(enqueue.parentSpanId).toBe(request.spanId);
    expect(handle.parentSpanId).toBe(enqueue.spanId);
    expect(inv.parentSpanId).toBe(handle.spanId);
    for (const stage of ['correlate', 'prefetch', 'analyze']) expect(one(`flipturn.${stage}`).parentSpanId, stage).toBe(inv.spanId);
    const prefetch = one('flipturn.prefetch');
    const calls = byName('flipturn.provider.call');
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) {
      expect(c.parentSpanId).toBe(prefetch.spanId);
      const attrs = Object.fromEntries((c.attributes ?? []).map((a) => [a.key, a.value.stringValue]));
      expect(attrs['flipturn.provider']).toBe('otlp-file');
      expect(['traces', 'logs', 'metrics', 'errors']).toContain(attrs['flipturn.signal']);
      expect(['ok', 'no_data', 'unsupported', 'retryable', 'failed', 'skipped_budget']).toContain(attrs['flipturn.outcome']);
    }
    const enqAttrs = Object.fromEntries((enqueue.attributes ?? []).map((a) => [a.key, a.value.stringValue]));
    expect(enqAttrs['flipturn.source']).toBe('datadog_webhook');
    expect(enqAttrs['flipturn.idempotency_key_hash']).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(bodies)).not.toContain(traced.idempotencyKey);
  });
});
