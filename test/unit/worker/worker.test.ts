import { afterEach, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../src/observability/registry.js';
import { FixedClock } from '../../../src/kernel/clock.js';
import { FlipturnError } from '../../../src/kernel/errors.js';
import { silentLogger } from '../../../src/kernel/logger.js';
import type { QueuedSignal } from '../../../src/kernel/signal.js';
import { InProcessQueue } from '../../../src/queue/memory.js';
import { workerMetrics, type WorkerMetrics } from '../../../src/worker/metrics.js';
import { workerSettings, type WorkerSettings } from '../../../src/worker/settings.js';
import { Worker, type HandleContext, type HandleOutcome, type SignalHandler } from '../../../src/worker/worker.js';
import { eventually, makeSignal } from '../../conformance/queue-conformance.js';
import { seriesValue } from '../../support/metrics.js';

const until = (cond: () => boolean | Promise<boolean>, what: string) =>
  eventually(async () => ((await cond()) ? true : undefined), what);

/** A handler whose calls can be held open and released one by one (a fake, not a mock). */
class GatedHandler implements SignalHandler {
  readonly calls: Array<{ signal: QueuedSignal; ctx: HandleContext }> = [];
  private gates: Array<{ key: string; open: () => void }> = [];
  active = 0;
  maxActive = 0;
  hold = false;
  failWith: ((signal: QueuedSignal, deliveries: number) => Error | undefined) | undefined;

  async handle(signal: QueuedSignal, ctx: HandleContext): Promise<HandleOutcome> {
    this.calls.push({ signal, ctx });
    this.active += 1;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      if (this.hold) {
        await new Promise<void>((resolve, reject) => {
          this.gates.push({ key: signal.idempotencyKey, open: resolve });
          ctx.signal.addEventListener('abort', () => reject(new FlipturnError('FT_INVESTIGATION_ABORTED', 'aborted')), {
            once: true,
          });
        });
      }
      const err = this.failWith?.(signal, ctx.deliveries);
      if (err) throw err;
      return 'answered';
    } finally {
      this.active -= 1;
    }
  }

  waiting(): number {
    return this.gates.length;
  }

  release(key?: string): void {
    const i = key === undefined ? 0 : this.gates.findIndex((g) => g.key === key);
    const [g] = this.gates.splice(i, 1);
    g?.open();
  }

  releaseAll(): void {
    this.hold = false;
    for (const g of this.gates.splice(0)) g.open();
  }
}

/** The in-process queue with a scripted outage of its reads. */
class FlakyQueue extends InProcessQueue {
  failReads = 0;
  override read(options: Parameters<InProcessQueue['read']>[0]): ReturnType<InProcessQueue['read']> {
    if (this.failReads > 0) {
      this.failReads -= 1;
      return Promise.reject(new FlipturnError('FT_QUEUE_UNAVAILABLE', 'connection refused'));
    }
    return super.read(options);
  }
}

interface Rig {
  clock: FixedClock;
  queue: FlakyQueue;
  handler: GatedHandler;
  metrics: WorkerMetrics;
  worker: Worker;
}

const rigs: Rig[] = [];

function rig(settings: Partial<WorkerSettings> = {}, maxDeliveries = 3): Rig {
  const clock = new FixedClock(Date.parse('2026-11-21T10:00:00Z'));
  const queue = new FlakyQueue(clock, { maxDeliveries });
  const handler = new GatedHandler();
  const metrics = workerMetrics(new MetricsRegistry());
  const worker = new Worker({
    queue,
    handler,
    clock,
    logger: silentLogger(),
    metrics,
    settings: workerSettings({
      consumer: 'w1',
      concurrency: 4,
      blockMs: 20,
      reclaimIdleMs: 60_000,
      reclaimIntervalMs: 10,
      shutdownGraceMs: 2000,
      ...settings,
    }),
  });
  const r = { clock, queue, handler, metrics, worker };
  rigs.push(r);
  return r;
}

afterEach(async () => {
  for (const r of rigs.splice(0)) {
    r.handler.releaseAll();
    await r.worker.stop(100);
    await r.queue.close();
  }
});

const outcome = (r: Rig, kind: string, o: string) => seriesValue(r.metrics.signals, { kind, outcome: o });

describe('Worker', () => {
  it('handles queued signals and acks them', async () => {
    const r = rig();
    await r.queue.append(makeSignal(1));
    await r.queue.append(makeSignal(2));
    r.worker.start();
    await until(() => outcome(r, 'alert', 'answered') === 2, 'two answers');
    expect((await r.queue.stats()).pending).toBe(0);
    expect(r.handler.calls.map((c) => c.signal.idempotencyKey).sort()).toEqual([
      'datadog:event:1001',
      'datadog:event:1002',
    ]);
  });

  it('never runs more than `concurrency` signals at once', async () => {
    const r = rig({ concurrency: 2 });
    r.handler.hold = true;
    for (let i = 0; i < 5; i++) await r.queue.append(makeSignal(i));
    r.worker.start();
    await until(() => r.handler.waiting() === 2, 'two held');
    // Only two were taken from the group: the rest is still undelivered.
    expect((await r.queue.stats()).pending).toBe(2);
    for (let done = 0; done < 5; done++) {
      await until(() => r.handler.waiting() > 0, 'a held call');
      r.handler.release();
    }
    await until(() => outcome(r, 'alert', 'answered') === 5, 'five answers');
    expect(r.handler.maxActive).toBe(2);
  });

  it('an alert storm on one incident waits for the running investigation and reaches the handler one at a time, after it', async () => {
    const r = rig();
    r.handler.hold = true;
    const incidentKey = 'datadog:monitor:7:service:search';
    await r.queue.append(makeSignal(1, { incidentKey }));
    r.worker.start();
    await until(() => r.handler.waiting() === 1, 'first investigation running');
    await r.queue.append(makeSignal(2, { incidentKey }));
    await r.queue.append(makeSignal(3, { incidentKey, state: 'retriggered' }));
    await until(async () => (await r.queue.stats()).pending === 3, 'all three delivered');
    // Nothing is acked before the answer it would point to exists: the two wait, unhandled.
    expect(r.handler.calls).toHaveLength(1);
    expect(outcome(r, 'alert', 'coalesced')).toBe(0);
    r.handler.releaseAll();
    await until(async () => r.handler.calls.length === 3 && (await r.queue.stats()).pending === 0, 'all three handled');
    expect(r.handler.calls.map((c) => c.signal.idempotencyKey)).toEqual([
      'datadog:event:1001',
      'datadog:event:1002',
      'datadog:event:1003',
    ]);
    expect(r.handler.maxActive).toBe(1);
  });

  it('Warn, No Data and unknown alerts are handed to the handler at once, without waiting for their incident', async () => {
    const r = rig();
    r.handler.hold = true;
    const incidentKey = 'datadog:monitor:8:service:search';
    await r.queue.append(makeSignal(1, { incidentKey }));
    r.worker.start();
    await until(() => r.handler.waiting() === 1, 'investigation running');
    r.handler.hold = false;
    await r.queue.append(makeSignal(2, { incidentKey, state: 'warn' }));
    await until(
      () => r.handler.calls.length === 2 && outcome(r, 'alert', 'answered') === 1,
      'the warn recorded while the investigation runs',
    );
    r.handler.releaseAll();
    await until(() => outcome(r, 'alert', 'answered') === 2, 'both done');
  });

  it('a recovered update and a follow-up in the thread wait for the running investigation instead of coalescing', async () => {
    const r = rig();
    r.handler.hold = true;
    const incidentKey = 'datadog:monitor:7:service:search';
    const slack = { teamId: 'T1', channel: 'C1', threadTs: '1.000100', messageTs: '1.000100' };
    await r.queue.append(makeSignal(1, { incidentKey, slack }));
    r.worker.start();
    await until(() => r.handler.waiting() === 1, 'investigation running');
    await r.queue.append(makeSignal(2, { incidentKey, state: 'recovered' }));
    await r.queue.append({
      schemaVersion: 1,
      kind: 'followup',
      idempotencyKey: 'slack:q1',
      receivedAt: '2026-11-21T10:00:05.000Z',
      question: 'why?',
      slack: { ...slack, messageTs: '1.000200' },
    });
    await until(async () => (await r.queue.stats()).pending === 3, 'all three delivered');
    expect(r.handler.calls).toHaveLength(1);
    r.handler.hold = false;
    r.handler.release();
    await until(
      async () => r.handler.calls.length === 3 && (await r.queue.stats()).pending === 0,
      'all handled in order',
    );
    expect(r.handler.calls.map((c) => c.signal.idempotencyKey)).toEqual([
      'datadog:event:1001',
      'datadog:event:1002',
      'slack:q1',
    ]);
    expect(outcome(r, 'alert', 'coalesced')).toBe(0);
  });

  it('leaves a transient failure pending; the reclaim after the idle timeout retries it', async () => {
    const r = rig();
    r.handler.failWith = (_s, deliveries) =>
      deliveries === 1 ? new FlipturnError('FT_SLACK_DELIVERY_FAILED', 'Slack 503') : undefined;
    await r.queue.append(makeSignal(1));
    r.worker.start();
    await until(() => outcome(r, 'alert', 'retry') === 1, 'a retry');
    expect((await r.queue.stats()).pending).toBe(1);
    r.clock.advanceMs(60_000);
    await until(() => outcome(r, 'alert', 'answered') === 1, 'answered on redelivery');
    expect(seriesValue(r.metrics.reclaimed)).toBe(1);
    expect(r.handler.calls.map((c) => c.ctx.deliveries)).toEqual([1, 2]);
    expect((await r.queue.stats()).pending).toBe(0);
  });

  it('dead-letters a poison signal at once with its error code', async () => {
    const r = rig();
    r.handler.failWith = () => new FlipturnError('FT_CONFIG_INVALID', 'no SLACK_DEFAULT_CHANNEL: nowhere to answer');
    await r.queue.append(makeSignal(1));
    r.worker.start();
    await until(() => outcome(r, 'alert', 'dead_letter') === 1, 'dead-lettered');
    const [dead] = await r.queue.deadLetters();
    expect(dead?.reason).toBe('FT_CONFIG_INVALID: no SLACK_DEFAULT_CHANNEL: nowhere to answer');
    expect(seriesValue(r.metrics.deadLetters, { code: 'FT_CONFIG_INVALID' })).toBe(1);
    expect((await r.queue.stats()).pending).toBe(0);
  });

  it('a signal that keeps failing transiently is dead-lettered after MAX_DELIVERIES', async () => {
    const r = rig({}, 2);
    r.handler.failWith = () => new FlipturnError('FT_MEMORY_UNAVAILABLE', 'redis down');
    await r.queue.append(makeSignal(1));
    r.worker.start();
    for (let delivery = 1; delivery <= 2; delivery++) {
      await until(() => outcome(r, 'alert', 'retry') === delivery, `failure ${delivery}`);
      r.clock.advanceMs(60_000);
    }
    await until(async () => (await r.queue.stats()).deadLetters === 1, 'dead letter');
    const [dead] = await r.queue.deadLetters();
    expect(dead?.reason).toBe('exceeded 2 deliveries');
    expect(r.handler.calls).toHaveLength(2);
  });

  it('does not reprocess its own slow entry when a reclaim picks it up', async () => {
    const r = rig();
    r.handler.hold = true;
    await r.queue.append(makeSignal(1));
    r.worker.start();
    await until(() => r.handler.waiting() === 1, 'running');
    r.clock.advanceMs(120_000);
    await until(async () => (await r.queue.stats()).pending === 1, 'still pending');
    // Give the reclaim loop (10 ms interval) chances to run; then the slow call finishes.
    await until(() => r.handler.calls.length === 1 && r.worker.status().inFlight === 1, 'no second call');
    r.handler.release();
    await until(() => outcome(r, 'alert', 'answered') === 1, 'answered');
    expect(r.handler.calls).toHaveLength(1);
    expect(seriesValue(r.metrics.reclaimed)).toBe(0);
  });

  it('stop() lets in-flight work finish within the grace period', async () => {
    const r = rig();
    r.handler.hold = true;
    await r.queue.append(makeSignal(1));
    r.worker.start();
    await until(() => r.handler.waiting() === 1, 'running');
    const stopping = r.worker.stop(10_000);
    await r.queue.append(makeSignal(2)); // appended after stop: not read
    r.handler.release();
    await stopping;
    expect(outcome(r, 'alert', 'answered')).toBe(1);
    expect(r.handler.calls).toHaveLength(1);
    // Entry 2 is either unread or was read by the last blocking read and handed back (pending): never worked on.
    const stats = await r.queue.stats();
    expect((stats.lag ?? 0) + stats.pending).toBe(1);
    expect(outcome(r, 'alert', 'handed_back')).toBe(stats.pending);
  });

  it('stop() aborts work that outlives the grace period and hands it back (left pending)', async () => {
    const r = rig();
    r.handler.hold = true;
    await r.queue.append(makeSignal(1));
    r.worker.start();
    await until(() => r.handler.waiting() === 1, 'running');
    await r.worker.stop(30);
    expect(outcome(r, 'alert', 'handed_back')).toBe(1);
    expect((await r.queue.stats()).pending).toBe(1);
    expect(r.worker.status().running).toBe(false);
  });

  it('stop() hands back work that was still waiting for its incident, without starting it', async () => {
    const r = rig();
    r.handler.hold = true;
    const slack = { teamId: 'T1', channel: 'C1', threadTs: '1.000100', messageTs: '1.000100' };
    await r.queue.append(makeSignal(1, { slack }));
    r.worker.start();
    await until(() => r.handler.waiting() === 1, 'alert running');
    await r.queue.append({
      schemaVersion: 1,
      kind: 'followup',
      idempotencyKey: 'slack:q2',
      receivedAt: '2026-11-21T10:00:05.000Z',
      question: 'why?',
      slack,
    });
    await until(async () => (await r.queue.stats()).pending === 2, 'follow-up read and waiting');
    await r.worker.stop(30);
    expect(r.handler.calls).toHaveLength(1);
    expect([outcome(r, 'alert', 'handed_back'), outcome(r, 'followup', 'handed_back')]).toEqual([1, 1]);
    expect((await r.queue.stats()).pending).toBe(2);
  });

  it('keeps reading after the queue fails and recovers', async () => {
    const r = rig({ errorBackoffMs: 10 });
    r.queue.failReads = 3;
    await r.queue.append(makeSignal(1));
    r.worker.start();
    await until(() => outcome(r, 'alert', 'answered') === 1, 'answered after the outage');
    expect(seriesValue(r.metrics.queueErrors, { op: 'read' })).toBe(3);
  });
});
