/**
 * Two Worker instances (two "processes" of one consumer group) sharing in-process adapters: the queue, the thread
 * memory and the incident lease, each with its own Pipeline and delivery owner, answering in the local Slack
 * stand-in. The first investigation is held open (a fake handler gate in front of the real Pipeline) so the
 * storm overlaps it deterministically; nothing is timed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../src/observability/registry.js';
import { FixedClock } from '../../../src/kernel/clock.js';
import { silentLogger } from '../../../src/kernel/logger.js';
import type { QueuedSignal } from '../../../src/kernel/signal.js';
import { InProcessKeyValue } from '../../../src/memory/in-process.js';
import { InProcessIncidentLease, incidentLeaseKey } from '../../../src/memory/lease.js';
import { ThreadMemory } from '../../../src/memory/store.js';
import { ProviderRegistry } from '../../../src/providers/registry.js';
import { InProcessQueue } from '../../../src/queue/memory.js';
import { SlackClient } from '../../../src/slack/client.js';
import { SlackDelivery } from '../../../src/slack/delivery.js';
import { startSlackStandin, type SlackStandin } from '../../../src/lab/standins/slack.js';
import { workerMetrics, type WorkerMetrics } from '../../../src/worker/metrics.js';
import { Pipeline, type PipelineEvent } from '../../../src/worker/pipeline.js';
import { workerSettings, type WorkerSettings } from '../../../src/worker/settings.js';
import { Worker, type HandleContext, type HandleOutcome, type SignalHandler } from '../../../src/worker/worker.js';
import { eventually, makeSignal } from '../../conformance/queue-conformance.js';
import { seriesValue } from '../../support/metrics.js';

const until = (cond: () => boolean | Promise<boolean>, what: string) =>
  eventually(async () => ((await cond()) ? true : undefined), what, 60_000);
const INCIDENT = 'datadog:monitor:77:env:prod,service:search';

/** The real Pipeline behind a gate: while `held`, every call waits until open() (a fake in front of the real thing). */
class HeldPipeline implements SignalHandler {
  calls: QueuedSignal[] = [];
  private waiters: Array<() => void> = [];
  held = true;
  constructor(private readonly pipeline: Pipeline) {}
  async handle(signal: QueuedSignal, ctx: HandleContext): Promise<HandleOutcome> {
    this.calls.push(signal);
    if (this.held) await new Promise<void>((r) => this.waiters.push(r));
    return this.pipeline.handle(signal, ctx);
  }
  waiting(): number {
    return this.waiters.length;
  }
  open(): void {
    this.held = false;
    for (const w of this.waiters.splice(0)) w();
  }
}

let standin: SlackStandin;
beforeAll(async () => {
  standin = await startSlackStandin({ token: 'xoxb-distributed', teamId: 'T0DIST' });
});
afterAll(async () => {
  await standin.stop();
});

interface Node {
  worker: Worker;
  handler: HeldPipeline;
  metrics: WorkerMetrics;
}

interface Cluster {
  clock: FixedClock;
  queue: InProcessQueue;
  memory: ThreadMemory;
  lease: InProcessIncidentLease;
  events: PipelineEvent[];
  channel: string;
  nodes: Node[];
}

const clusters: Cluster[] = [];
let channelNo = 0;

function cluster(): Cluster {
  const clock = new FixedClock(Date.parse('2026-11-21T10:05:00Z'));
  channelNo += 1;
  const c: Cluster = {
    clock,
    queue: new InProcessQueue(clock, { maxDeliveries: 5 }),
    memory: new ThreadMemory(new InProcessKeyValue(clock), clock),
    lease: new InProcessIncidentLease(clock),
    events: [],
    channel: `C0DIST${channelNo}`,
    nodes: [],
  };
  clusters.push(c);
  return c;
}

function node(c: Cluster, consumer: string, settings: Partial<WorkerSettings> = {}): Node {
  const metrics = workerMetrics(new MetricsRegistry());
  const client = new SlackClient({ token: standin.token, apiUrl: standin.apiUrl, sleep: () => Promise.resolve() });
  const pipeline = new Pipeline({
    registry: new ProviderRegistry(),
    memory: c.memory,
    delivery: new SlackDelivery({ client, memory: c.memory, clock: c.clock, owner: consumer }),
    teamId: standin.teamId,
    defaultChannel: c.channel,
    clock: c.clock,
    refireWindowMs: 1_800_000,
    onEvent: (e) => c.events.push(e),
  });
  const handler = new HeldPipeline(pipeline);
  const worker = new Worker({
    queue: c.queue,
    handler,
    clock: c.clock,
    logger: silentLogger(),
    metrics,
    settings: workerSettings({
      consumer,
      concurrency: 4,
      blockMs: 20,
      reclaimIdleMs: 60_000,
      reclaimIntervalMs: 10,
      shutdownGraceMs: 2000,
      incidentWaitPollMs: 5,
      ...settings,
    }),
    coordination: { lease: c.lease, teamId: standin.teamId },
  });
  const n = { worker, handler, metrics };
  c.nodes.push(n);
  return n;
}

afterEach(async () => {
  for (const c of clusters.splice(0)) {
    for (const n of c.nodes) n.handler.open();
    for (const n of c.nodes) await n.worker.stop(200);
    await c.queue.close();
  }
});

const sum = (c: Cluster, f: (n: Node) => number) => c.nodes.reduce((a, n) => a + f(n), 0);
const outcome = (n: Node, o: string, kind = 'alert') => seriesValue(n.metrics.signals, { kind, outcome: o });
const roots = (c: Cluster) => standin.messages(c.channel).filter((m) => m.threadTs === undefined);
/**
 * A storm delivery: the same Datadog notification (event 5000) delivered again under its own delivery id (as the
 * Datadog app's message in many channels is), or, for `recovered`, the monitor's recovery notification.
 */
const storm = (i: number, state: 'triggered' | 'recovered' = 'triggered') =>
  makeSignal(i, {
    incidentKey: INCIDENT,
    state,
    sourceIds: { eventId: state === 'triggered' ? '5000' : '5001' },
    firedAt: new Date(Date.parse('2026-11-21T10:00:00Z') + (state === 'triggered' ? 0 : i * 1000)).toISOString(),
  });

describe('two workers sharing the queue, memory and incident lease', () => {
  it('an alert storm of 200 deliveries of one notification across both workers: they wait for the one investigation, then none is investigated again', async () => {
    const c = cluster();
    const a = node(c, 'w-a', { concurrency: 2 });
    const b = node(c, 'w-b');
    b.handler.held = false;
    await c.queue.append(storm(0));
    a.worker.start();
    await until(() => a.handler.waiting() === 1, 'worker A holding the first investigation');
    expect(await c.lease.holder(incidentLeaseKey(standin.teamId, INCIDENT))).toMatch(/#1@w-a$/);
    b.worker.start();
    for (let i = 1; i < 200; i++) await c.queue.append(storm(i));
    // Worker B waits on the lease (nothing is acked before the answer it would point to exists).
    await until(
      () => seriesValue(b.metrics.incidentLeases, { result: 'waited' }) > 0,
      'worker B waiting for the incident',
    );
    expect(b.handler.calls).toHaveLength(0);
    expect(sum(c, (n) => outcome(n, 'coalesced'))).toBe(0);
    a.handler.open();
    await until(
      async () => sum(c, (n) => outcome(n, 'coalesced')) === 199 && (await c.queue.stats()).pending === 0,
      '199 deliveries coalesced after the answer',
    );
    expect(sum(c, (n) => outcome(n, 'answered'))).toBe(1);
    expect(c.events.filter((e) => e.stage === 'investigating')).toHaveLength(1);
    expect(roots(c)).toHaveLength(1);
    expect(await c.lease.holder(incidentLeaseKey(standin.teamId, INCIDENT))).toBeUndefined();
    expect((await c.queue.stats()).deadLetters).toBe(0);
  });

  it('a Recovered on the other worker waits for the running investigation, then updates its thread', async () => {
    const c = cluster();
    const a = node(c, 'w-a', { concurrency: 1 });
    const b = node(c, 'w-b');
    b.handler.held = false;
    await c.queue.append(storm(0));
    a.worker.start();
    await until(() => a.handler.waiting() === 1, 'worker A investigating');
    b.worker.start();
    await c.queue.append(storm(1, 'recovered'));
    await until(() => seriesValue(b.metrics.incidentLeases, { result: 'waited' }) === 1, 'worker B waiting');
    expect(b.handler.calls).toHaveLength(0);
    a.handler.open();
    await until(
      async () => outcome(b, 'updated') === 1 && (await c.queue.stats()).pending === 0,
      'the recovery posted after the answer',
    );
    const [root] = roots(c);
    expect(root).toBeDefined();
    const thread = standin.thread(c.channel, root?.ts ?? '');
    expect(thread.at(-1)?.text).toContain('Recovered');
  });

  it('a Recovered still blocked after INCIDENT_WAIT_MS is left pending (never dropped) and handled on a later reclaim', async () => {
    const c = cluster();
    const b = node(c, 'w-b', { incidentWaitMs: 20 });
    b.handler.held = false;
    const key = incidentLeaseKey(standin.teamId, INCIDENT);
    expect(await c.lease.acquire(key, 'other-entry#1@w-x', 60_000)).toBe(true); // a stuck investigation elsewhere
    await c.queue.append(storm(1, 'recovered'));
    b.worker.start();
    await until(() => outcome(b, 'retry') === 1, 'left pending');
    expect(seriesValue(b.metrics.incidentLeases, { result: 'wait_expired' })).toBe(1);
    expect((await c.queue.stats()).pending).toBe(1);
    expect(b.handler.calls).toHaveLength(0);
    await c.lease.release(key, 'other-entry#1@w-x');
    c.clock.advanceMs(60_000);
    await until(
      async () => outcome(b, 'ignored') === 1 && (await c.queue.stats()).pending === 0,
      'handled on the reclaim',
    );
    expect(seriesValue(b.metrics.reclaimed)).toBe(1);
  });

  it('a reclaimed entry whose crashed earlier delivery still holds the lease takes it over and proceeds; a duplicate waits, then is coalesced', async () => {
    const c = cluster();
    const { id } = await c.queue.append(storm(0));
    // Worker "w-dead" read the entry, took the lease and crashed: the entry is pending, the lease not yet expired.
    await c.queue.read({ consumer: 'w-dead', count: 1 });
    const key = incidentLeaseKey(standin.teamId, INCIDENT);
    expect(await c.lease.acquire(key, `${id}#1@w-dead`, 600_000)).toBe(true);
    const b = node(c, 'w-b');
    b.handler.held = false;
    b.worker.start();
    await c.queue.append(storm(1)); // a duplicate during the crash window: it waits for the (dead) holder's incident
    await until(() => seriesValue(b.metrics.incidentLeases, { result: 'waited' }) === 1, 'the duplicate waiting');
    c.clock.advanceMs(60_000);
    await until(
      async () =>
        outcome(b, 'answered') === 1 && outcome(b, 'coalesced') === 1 && (await c.queue.stats()).pending === 0,
      'the reclaimed entry answered, the duplicate coalesced',
    );
    expect(seriesValue(b.metrics.incidentLeases, { result: 'taken_over' })).toBe(1);
    expect(seriesValue(b.metrics.reclaimed)).toBe(1);
    expect(roots(c)).toHaveLength(1);
    expect(await c.lease.holder(key)).toBeUndefined();
  });
});
