import { pino, type Logger, type DestinationStream, type LevelWithSilent } from 'pino';
import { SECRET_MASK, type SecretScrubber } from './secrets.js';

export type { Logger } from 'pino';

/**
 * Field names whose values are secrets wherever they appear in a log object: configuration keys, HTTP
 * credentials, vendor keys. A value under one of these keys (compared case-insensitively, at any depth) is
 * replaced by the mask; the scrubber then masks registered secret values anywhere else (inside messages, error
 * texts, nested vendor bodies).
 */
export const REDACTED_FIELDS = [
  'SLACK_SIGNING_SECRET',
  'SLACK_BOT_TOKEN',
  'DATADOG_WEBHOOK_TOKEN',
  'ALERTMANAGER_WEBHOOK_TOKEN',
  'DD_API_KEY',
  'DD_APP_KEY',
  'SENTRY_AUTH_TOKEN',
  'OPENAI_API_KEY',
  'SENTRY_DSN',
  'REDIS_URL',
  'REDIS_CLUSTER_NODES',
  'authorization',
  'cookie',
  'x-flipturn-token',
  'x-slack-signature',
  'DD-API-KEY',
  'DD-APPLICATION-KEY',
  'apiKey',
  'appKey',
  'token',
  'password',
  'secret',
] as const;

const REDACTED_KEYS: ReadonlySet<string> = new Set(REDACTED_FIELDS.map((f) => f.toLowerCase()));

/**
 * The log object as written: a copy with the value of every REDACTED_FIELDS key masked and, with a scrubber,
 * every string scrubbed (an Error becomes its scrubbed message). One walk over the object per log call: this
 * runs for every request the gate answers, so it replaces pino's path redaction, whose wildcard paths (needed
 * to reach nested keys) cost more than the rest of the request's logging together.
 */
function sanitize(value: unknown, scrubber: SecretScrubber | undefined, depth: number): unknown {
  if (typeof value === 'string') return scrubber ? scrubber.scrub(value) : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth > 32) return '[depth]';
  if (value instanceof Error) return scrubber ? scrubber.scrub(value.message) : value;
  if (Array.isArray(value)) return value.map((v) => sanitize(v, scrubber, depth + 1));
  const out: Record<string, unknown> = {};
  for (const k in value) {
    if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
    const v = (value as Record<string, unknown>)[k];
    out[k] = REDACTED_KEYS.has(k.toLowerCase()) && v !== undefined ? SECRET_MASK : sanitize(v, scrubber, depth + 1);
  }
  return out;
}

export interface LoggerOptions {
  level?: LevelWithSilent;
  name?: string;
  scrubber?: SecretScrubber;
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const scrubber = options.scrubber;
  const opts: pino.LoggerOptions = {
    level: options.level ?? 'info',
    name: options.name ?? 'flipturn',
    base: options.base ?? {},
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: pino.stdSerializers.err },
    formatters: {
      level: (label) => ({ level: label }),
      log: (obj: Record<string, unknown>) => sanitize(obj, scrubber, 0) as Record<string, unknown>,
    },
    ...(scrubber
      ? {
          hooks: {
            logMethod(args, method) {
              const scrubbed = args.map((a) => (typeof a === 'string' ? scrubber.scrub(a) : a)) as Parameters<
                typeof method
              >;
              method.apply(this, scrubbed);
            },
          },
        }
      : {}),
  };
  const logger = pino(opts, options.destination ?? stdoutDestination());
  // pino gives a child's bindings no formatter hook: sanitize them on the way in. Children inherit this
  // property through their prototype, so grandchildren are covered too.
  type ChildFn = (this: Logger, bindings: Record<string, unknown>, options?: Parameters<Logger['child']>[1]) => Logger;
  const child = Reflect.get(logger, 'child') as unknown as ChildFn;
  const sanitizedChild: ChildFn = function (bindings, childOptions) {
    return child.call(this, sanitize(bindings, scrubber, 0) as Record<string, unknown>, childOptions);
  };
  logger.child = sanitizedChild as unknown as Logger['child'];
  return logger;
}

/**
 * stdout written asynchronously (SonicBoom, sync: false): a log call formats its line and returns; the write
 * happens off the request path, and lines logged while a write is in flight go out together in the next one (so
 * under load there are far fewer write calls than lines, and an idle service still writes each line at once).
 * pino flushes what is buffered when the process exits.
 */
export function stdoutDestination(): DestinationStream {
  return pino.destination({ dest: 1, sync: false });
}

/** A logger that drops everything: the default for pure code paths and tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
