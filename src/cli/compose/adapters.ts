/**
 * Adapters from configuration: Redis (queue, idempotency, thread memory, incident lease) when REDIS_URL is set,
 * otherwise the in-process implementations of the same ports (one process only: `flipturn start` or `flipturn demo`).
 */
import type { Config } from '../../config/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { FlipturnError } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import { createMemoryBackend, createThreadMemory } from '../../memory/factory.js';
import { FeedbackStore } from '../../memory/feedback.js';
import { InProcessIncidentLease, type IncidentLease } from '../../memory/lease.js';
import { RedisIncidentLease } from '../../memory/lease-redis.js';
import type { ThreadMemory } from '../../memory/store.js';
import { InProcessIdempotencyStore, InProcessQueue } from '../../queue/memory.js';
import type { IdempotencyStore, SignalQueue } from '../../queue/port.js';
import { RedisSignalQueue } from '../../queue/redis.js';

export type AdapterMode = 'redis' | 'in-process';

export interface Adapters {
  readonly mode: AdapterMode;
  readonly queue: SignalQueue;
  readonly idempotency: IdempotencyStore;
  readonly memory: ThreadMemory;
  /** Feedback on replies (Correct / Wrong cause), on the memory's backend. */
  readonly feedback: FeedbackStore;
  /** One investigation per incident across worker processes (src/worker/coordination.ts). */
  readonly lease: IncidentLease;
  close(): Promise<void>;
}

export interface AdapterOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The role: in-process adapters cannot be shared, so `serve` or `worker` alone without Redis is refused. */
  readonly role: 'serve' | 'worker' | 'start';
}

export function buildAdapters(config: Config, options: AdapterOptions): Adapters {
  const { clock, logger } = options;
  const url = config.REDIS_URL;
  if (url === undefined) {
    if (options.role !== 'start') {
      throw new FlipturnError(
        'FT_CONFIG_INVALID',
        `flipturn ${options.role} needs REDIS_URL: without Redis the queue lives inside one process, so use \`flipturn start\` (gate and worker together)`,
      );
    }
    // One key space: the gate's appendOnce claims in the store that adapters.idempotency exposes.
    const idempotency = new InProcessIdempotencyStore(clock);
    const queue = new InProcessQueue(clock, { maxDeliveries: config.MAX_DELIVERIES }, idempotency);
    const kv = createMemoryBackend({ clock, logger });
    const memory = createThreadMemory({ clock, ttlSeconds: config.MEMORY_TTL_SECONDS, logger }, kv);
    const feedback = new FeedbackStore(kv, clock);
    const lease = new InProcessIncidentLease(clock);
    return {
      mode: 'in-process',
      queue,
      idempotency,
      memory,
      feedback,
      lease,
      close: () => closeAll(queue, memory, lease),
    };
  }
  const queue = new RedisSignalQueue({
    url,
    clock,
    logger,
    settings: { maxDeliveries: config.MAX_DELIVERIES, maxLen: config.QUEUE_MAX_LENGTH },
    replicaAcks: config.QUEUE_REPLICA_ACKS,
  });
  const idempotency = queue.idempotencyStore();
  const kv = createMemoryBackend({ redisUrl: url, clock, logger });
  const memory = createThreadMemory({ redisUrl: url, clock, ttlSeconds: config.MEMORY_TTL_SECONDS, logger }, kv);
  const feedback = new FeedbackStore(kv, clock);
  const lease = new RedisIncidentLease({ url, logger });
  return { mode: 'redis', queue, idempotency, memory, feedback, lease, close: () => closeAll(queue, memory, lease) };
}

async function closeAll(queue: SignalQueue, memory: ThreadMemory, lease: IncidentLease): Promise<void> {
  await Promise.allSettled([queue.close(), memory.close(), lease.close()]);
}
