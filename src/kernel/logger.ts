import { pino, type Logger, type DestinationStream, type LevelWithSilent } from 'pino';
import { SECRET_MASK, type SecretScrubber } from './secrets.js';

export type { Logger } from 'pino';

/**
 * Field names whose values are secrets wherever they appear in a log object: configuration keys, HTTP
 * credentials, vendor keys. pino's redaction masks them by path; the scrubber then masks registered secret
 * values anywhere else (inside messages, error texts, nested vendor bodies).
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
  'authorization',
  'Authorization',
  'cookie',
  'x-flipturn-token',
  'x-slack-signature',
  'DD-API-KEY',
  'DD-APPLICATION-KEY',
  'dd-api-key',
  'dd-application-key',
  'apiKey',
  'appKey',
  'token',
  'password',
  'secret',
] as const;

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const f of REDACTED_FIELDS) {
    const key = /^[A-Za-z_$][\w$]*$/.test(f) ? f : `["${f}"]`;
    const join = (prefix: string) => (key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`);
    paths.push(key.startsWith('[') ? key.slice(2, -2) : key);
    paths.push(join('*'), join('*.*'), join('*.*.*'));
  }
  return paths;
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
    redact: { paths: redactPaths(), censor: SECRET_MASK },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: pino.stdSerializers.err },
    formatters: {
      level: (label) => ({ level: label }),
      ...(scrubber ? { log: (obj: Record<string, unknown>) => scrubber.scrubValue(obj) } : {}),
    },
    ...(scrubber
      ? {
          hooks: {
            logMethod(args, method) {
              const scrubbed = args.map((a) => (typeof a === 'string' ? scrubber.scrub(a) : a)) as Parameters<typeof method>;
              method.apply(this, scrubbed);
            },
          },
        }
      : {}),
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}

/** A logger that drops everything: the default for pure code paths and tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
