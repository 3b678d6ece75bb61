import type { FastifyInstance } from 'fastify';
import { FixedClock } from '../../../src/kernel/clock.js';
import { FlipturnError } from '../../../src/kernel/errors.js';
import { silentLogger } from '../../../src/kernel/logger.js';
import type { QueuedSignal } from '../../../src/kernel/signal.js';
import { buildGate } from '../../../src/ingress/gate.js';
import type { GateSettings } from '../../../src/ingress/gate-support.js';
import { MetricsRegistry } from '../../../src/observability/registry.js';
import { signSlackBody } from '../../../src/ingress/slack-verify.js';
import { InProcessIdempotencyStore, InProcessQueue } from '../../../src/queue/memory.js';
import type { DurabilityMonitor } from '../../../src/queue/durability.js';
import type { IdempotencyStore, SignalQueue } from '../../../src/queue/port.js';

export const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
export const DD_TOKEN = 'dd-token-0123456789abcdef';
export const AM_TOKEN = 'am-token-0123456789abcdef';
export const NOW_MS = Date.parse('2025-11-21T09:31:00Z');

export const SETTINGS: GateSettings = {
  slackSigningSecret: SLACK_SECRET,
  datadogToken: DD_TOKEN,
  alertmanagerToken: AM_TOKEN,
  slackBotUserId: 'U0FLIPBOT',
  slackBotId: 'B0FLIPBOT',
};

export interface TestGate {
  app: FastifyInstance;
  queue: SignalQueue;
  /** The key space the gate's appendOnce claims in (the in-process queue's store unless a queue was given). */
  idempotency: IdempotencyStore;
  clock: FixedClock;
  metrics: MetricsRegistry;
}

export function makeGate(
  opts: {
    settings?: GateSettings;
    queue?: SignalQueue;
    idempotency?: InProcessIdempotencyStore | IdempotencyStore;
    clock?: FixedClock;
    durability?: DurabilityMonitor;
  } = {},
): TestGate {
  const clock = opts.clock ?? new FixedClock(NOW_MS);
  const idempotency = opts.idempotency ?? new InProcessIdempotencyStore(clock);
  const queue =
    opts.queue ??
    new InProcessQueue(clock, {}, idempotency instanceof InProcessIdempotencyStore ? idempotency : undefined);
  const metrics = new MetricsRegistry();
  const app = buildGate({
    settings: opts.settings ?? SETTINGS,
    clock,
    logger: silentLogger(),
    queue,
    metrics,
    ...(opts.durability ? { durability: opts.durability } : {}),
  });
  return { app, queue, idempotency, clock, metrics };
}

export function slackHeaders(body: string, nowMs = NOW_MS, secret = SLACK_SECRET): Record<string, string> {
  const ts = Math.floor(nowMs / 1000);
  return {
    'content-type': 'application/json',
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': signSlackBody(secret, ts, body),
  };
}

/** A queue whose backend is down: every call rejects FT_QUEUE_UNAVAILABLE (a fake of the port, not a mock). */
export class DownQueue implements SignalQueue {
  appended = 0;
  private fail(): Promise<never> {
    return Promise.reject(new FlipturnError('FT_QUEUE_UNAVAILABLE', 'queue append failed: connection refused'));
  }
  append(_signal: QueuedSignal) {
    this.appended += 1;
    return this.fail();
  }
  appendOnce(_signal: QueuedSignal, _ttlMs: number) {
    this.appended += 1;
    return this.fail();
  }
  read() {
    return this.fail();
  }
  ack() {
    return this.fail();
  }
  reclaim() {
    return this.fail();
  }
  deadLetter() {
    return this.fail();
  }
  deadLetters() {
    return this.fail();
  }
  findDeadLetter() {
    return this.fail();
  }
  redrive() {
    return this.fail();
  }
  stats() {
    return this.fail();
  }
  ping() {
    return this.fail();
  }
  close() {
    return Promise.resolve();
  }
}
