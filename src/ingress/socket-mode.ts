/**
 * Socket Mode intake (installs behind a firewall: no public HTTP endpoint). When SLACK_APP_TOKEN (xapp-...) is set,
 * @slack/bolt's SocketModeReceiver opens the connection (apps.connections.open with the app token, then the
 * WebSocket it names) and hands every envelope over; each goes into the same normalizer, idempotency claim and
 * queue as the HTTP routes (normalizeAlert + enqueueSignals):
 *   events_api   -> the Events API body (event_callback), as POST /api/v1/webhooks/slack/events receives it;
 *   interactive  -> the interaction payload (block_actions), as POST /api/v1/webhooks/slack/interactions does;
 *   anything else (slash_commands, ...) is acknowledged and ignored.
 * The envelope is acknowledged only once its signals are in the queue (or were duplicates, or are ignored): when
 * the queue is down or not durable it is left unacknowledged and Slack redelivers it (retry_attempt), and the
 * idempotency key (event_id, or the click) makes the redelivery a duplicate. Signatures are not checked here:
 * the connection itself was opened with the app token, which is the trust.
 *
 * Bolt's receiver is used without a bolt App (no listeners, no authorize step): `init()` takes anything with
 * processEvent(), which is all the receiver calls. Events keep Flipturn's own pipeline rather than bolt middleware.
 */
import { LogLevel, SocketModeReceiver, type App, type Logger as BoltLogger, type ReceiverEvent } from '@slack/bolt';
import type { Clock } from '../kernel/clock.js';
import { errorMessage } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { QueuedSignal } from '../kernel/signal.js';
import type { SignalQueue } from '../queue/port.js';
import type { DurabilityMonitor } from '../queue/durability.js';
import { DEFAULT_IDEMPOTENCY_TTL_MS, enqueueSignals } from './gate-support.js';
import { normalizeAlert, type NormalizeOptions, type NormalizeSource } from './normalize/index.js';

export interface SocketModeDeps {
  /** SLACK_APP_TOKEN (xapp-..., scope connections:write). */
  readonly appToken: string;
  /** SLACK_API_URL: where apps.connections.open is called (a local stand-in in tests). */
  readonly apiUrl: string;
  readonly queue: SignalQueue;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The bot's own ids (learned from auth.test): its own messages are ignored, as on the HTTP route. */
  readonly normalizeOptions?: NormalizeOptions;
  readonly idempotencyTtlMs?: number;
  readonly durability?: DurabilityMonitor;
  /** Counts each envelope by what became of it. */
  readonly onEnvelope?: (
    source: NormalizeSource | 'other',
    outcome: 'queued' | 'duplicate' | 'ignored' | 'rejected' | 'unavailable',
  ) => void;
}

export interface SocketModeIntake {
  stop(): Promise<void>;
}

/** What one envelope became; `ack: false` leaves it for Slack to redeliver. */
export interface EnvelopeOutcome {
  readonly ack: boolean;
  readonly outcome: 'queued' | 'duplicate' | 'ignored' | 'rejected' | 'unavailable';
  readonly queued: number;
}

/** The body bolt hands over for an envelope: the Events API body, or the interaction payload. */
function sourceOf(body: unknown): NormalizeSource | undefined {
  const type = typeof body === 'object' && body !== null ? (body as { type?: unknown }).type : undefined;
  if (type === 'event_callback') return 'slack_event';
  if (type === 'block_actions' || type === 'view_submission' || type === 'message_action' || type === 'shortcut')
    return 'slack_interaction';
  return undefined;
}

/** Normalizes and enqueues one envelope's body (no socket involved: the unit under test). */
export async function handleEnvelope(deps: SocketModeDeps, body: unknown): Promise<EnvelopeOutcome> {
  const source = sourceOf(body);
  const count = (outcome: EnvelopeOutcome['outcome']) => deps.onEnvelope?.(source ?? 'other', outcome);
  if (!source) {
    count('ignored');
    return { ack: true, outcome: 'ignored', queued: 0 };
  }
  const result = normalizeAlert(source, body, deps.clock, deps.normalizeOptions ?? {});
  if (!result.ok) {
    // A body Slack will send the same way again: acknowledged (a redelivery would be rejected too), logged.
    deps.logger.warn(
      { source, code: result.rejection.code, path: result.rejection.path },
      `socket mode envelope rejected: ${result.rejection.message}`,
    );
    count('rejected');
    return { ack: true, outcome: 'rejected', queued: 0 };
  }
  const signals: QueuedSignal[] = [...result.signals, ...result.followUps, ...(result.interactions ?? [])];
  if (signals.length === 0) {
    count('ignored');
    return { ack: true, outcome: 'ignored', queued: 0 };
  }
  if (deps.durability?.blocksWrites) {
    deps.logger.warn(
      { source },
      'socket mode envelope left unacknowledged: the queue is not durable (Slack redelivers it)',
    );
    count('unavailable');
    return { ack: false, outcome: 'unavailable', queued: 0 };
  }
  try {
    const out = await enqueueSignals(signals, {
      queue: deps.queue,
      ttlMs: deps.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS,
    });
    const outcome = out.queued.length > 0 ? 'queued' : 'duplicate';
    deps.logger.info(
      { source, queued: out.queued.length, duplicates: out.duplicates, via: 'socket_mode' },
      'socket mode envelope accepted',
    );
    count(outcome);
    return { ack: true, outcome, queued: out.queued.length };
  } catch (e) {
    deps.logger.warn(
      { source, err: errorMessage(e) },
      'socket mode envelope left unacknowledged: the queue is unreachable (Slack redelivers it)',
    );
    count('unavailable');
    return { ack: false, outcome: 'unavailable', queued: 0 };
  }
}

/** Bolt's logger interface on Flipturn's logger (bolt logs at warn and above only). */
function boltLogger(logger: Logger): BoltLogger {
  let level = LogLevel.WARN;
  const log =
    (fn: 'debug' | 'info' | 'warn' | 'error') =>
    (...msg: unknown[]) =>
      logger[fn]({ component: 'socket_mode' }, msg.map((m) => (typeof m === 'string' ? m : errorMessage(m))).join(' '));
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: log('warn'),
    error: log('error'),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

/** Opens the Socket Mode connection; resolves once Slack said hello. */
export async function startSocketMode(deps: SocketModeDeps): Promise<SocketModeIntake> {
  const receiver = new SocketModeReceiver({
    appToken: deps.appToken,
    logger: boltLogger(deps.logger),
    logLevel: LogLevel.WARN,
    installerOptions: { clientOptions: { slackApiUrl: deps.apiUrl.endsWith('/') ? deps.apiUrl : `${deps.apiUrl}/` } },
  });
  const app = {
    processEvent: async (event: ReceiverEvent): Promise<void> => {
      const r = await handleEnvelope(deps, event.body);
      if (r.ack) await event.ack();
    },
  };
  receiver.init(app as unknown as App);
  await receiver.start();
  deps.logger.info({ apiUrl: deps.apiUrl }, 'socket mode connected: events and interactions arrive over the WebSocket');
  return { stop: () => receiver.stop() };
}
