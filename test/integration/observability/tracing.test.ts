/**
 * Flipturn's own traces in process, configured by the standard OTEL_* variables (read by the SDK from the
 * environment, stubbed here): one alert is one trace through the queue, with the default resource.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { investigateScenario, loadScenario, scenarioSignal } from '../../../src/cli/commands/investigate-scenario.js';
import { startEnqueueSpans } from '../../../src/ingress/gate-trace.js';
import { MetricsRegistry } from '../../../src/observability/registry.js';
import { systemClock } from '../../../src/kernel/clock.js';
import { silentLogger } from '../../../src/kernel/logger.js';
import type { QueuedSignal } from '../../../src/kernel/signal.js';
import {
  startSelfTracing,
  tracingObserver,
  tracingWanted,
  type SelfTracing,
} from '../../../src/observability/tracing.js';
import { InProcessQueue } from '../../../src/queue/memory.js';
import { workerMetrics } from '../../../src/worker/metrics.js';
import { workerSettings } from '../../../src/worker/settings.js';
import { Worker } from '../../../src/worker/worker.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../support/otlp-receiver.js';

const SCENARIO = resolve(import.meta.dirname, '../../../scenarios/nezha-ob-2022-08-22-0726');

let receiver: OtlpReceiver;
let tracing: SelfTracing | undefined;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
});

afterAll(async () => {
  await tracing?.shutdown();
  vi.unstubAllEnvs();
  await receiver.stop();
});

describe("Flipturn's own traces over OTLP/HTTP", () => {
  it('is off (no SDK) without an exporter, when disabled, and with OTEL_TRACES_EXPORTER=none', () => {
    const o = { role: 'worker', serviceVersion: '0' };
    expect(startSelfTracing({}, o)).toBeUndefined();
    expect(startSelfTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }, o)).toBeUndefined();
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: true })).toBe(
      false,
    );
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(
      false,
    );
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' })).toBe(true);
    expect(tracingWanted({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: false })).toBe(
      true,
    );
  });

  it('one alert is one trace: gate request -> enqueue -> worker handle -> investigate -> stages -> provider calls', async () => {
    // What the SDK reads: the endpoint (it appends /v1/traces), JSON over HTTP, a short batch delay; no service name.
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', receiver.endpoint);
    vi.stubEnv('OTEL_EXPORTER_OTLP_PROTOCOL', 'http/json');
    vi.stubEnv('OTEL_BSP_SCHEDULE_DELAY', '50');
    vi.stubEnv('OTEL_SERVICE_NAME', undefined);
    vi.stubEnv('OTEL_RESOURCE_ATTRIBUTES', undefined);
    tracing = startSelfTracing(
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint },
      { role: 'start', serviceVersion: '1.2.3' },
    );
    expect(tracing?.destination).toBe(receiver.endpoint);
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
    // The handle span ends after the handler returns (ack, metrics): stop waits for the entry in flight, with a grace
    // long enough for a loaded machine (it returns as soon as the entry is done).
    await worker.stop(60_000);
    await tracing?.flush();

    const spans = receiver.spans.filter((x) => x.scope === 'flipturn');
    expect(receiver.refused).toBe(0);
    const byName = (n: string) => spans.filter((s) => s.name === n);
    const one = (n: string) => {
      const list = byName(n);
      expect(list, n).toHaveLength(1);
      return list[0] as ReceivedSpan;
    };
    const request = one('flipturn.gate.request');
    const enqueue = one('flipturn.gate.enqueue');
    const handle = one('flipturn.worker.handle');
    const inv = one('flipturn.investigate');
    expect(
      spans.every(
        (s) =>
          s.resource['service.name'] === 'flipturn' &&
          s.resource['service.version'] === '1.2.3' &&
          s.resource['flipturn.role'] === 'start',
      ),
    ).toBe(true);
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    expect(enqueue.parentSpanId).toBe(request.spanId);
    expect(handle.parentSpanId).toBe(enqueue.spanId);
    expect(inv.parentSpanId).toBe(handle.spanId);
    for (const stage of ['correlate', 'prefetch', 'analyze'])
      expect(one(`flipturn.${stage}`).parentSpanId, stage).toBe(inv.spanId);
    const prefetch = one('flipturn.prefetch');
    const calls = byName('flipturn.provider.call');
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) {
      expect(c.parentSpanId).toBe(prefetch.spanId);
      const attrs = c.attributes;
      expect(attrs['flipturn.provider']).toBe('otlp-file');
      expect(['traces', 'logs', 'metrics', 'errors', 'topology']).toContain(attrs['flipturn.signal']);
      expect(['ok', 'no_data', 'unsupported', 'retryable', 'failed', 'skipped_budget']).toContain(
        attrs['flipturn.outcome'],
      );
    }
    const enqAttrs = enqueue.attributes;
    expect(enqAttrs['flipturn.source']).toBe('datadog_webhook');
    expect(enqAttrs['flipturn.idempotency_key_hash']).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(receiver.spans)).not.toContain(traced.idempotencyKey);
  });
});
