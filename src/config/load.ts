import type { z } from 'zod';
import { FlipturnError } from '../kernel/errors.js';
import { parseRedisUrl } from '../kernel/redis-url.js';
import { SecretScrubber, SECRET_MASK } from '../kernel/secrets.js';
import { configSchema, SECRET_SETTINGS, SETTINGS, type Config, type SettingName } from './schema.js';

export interface ConfigProblem {
  readonly variable: string;
  readonly message: string;
}

export type ConfigResult =
  | { readonly ok: true; readonly config: Config; readonly scrubber: SecretScrubber }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/**
 * Parses the environment once. Only keys of the schema are read; every problem is collected (never the first
 * only); the result is deeply frozen. The returned scrubber knows every secret value so logs and errors can
 * mask them.
 */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(SETTINGS)) input[key] = env[key];
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) return { ok: false, problems: toProblems(parsed.error, input) };
  const config = Object.freeze({ ...parsed.data }) as Config;
  const scrubber = new SecretScrubber();
  for (const key of Object.keys(SETTINGS) as SettingName[]) {
    const v = config[key];
    if (typeof v !== 'string') continue;
    // Secret settings whole; any other setting's URL credentials (https://user:token@loki...) too.
    if (SECRET_SETTINGS.includes(key)) scrubber.register(v);
    scrubber.register(...urlSecrets(v));
  }
  return { ok: true, config, scrubber };
}

/** Parses or throws FT_CONFIG_INVALID carrying every problem. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): {
  config: Config;
  scrubber: SecretScrubber;
} {
  const r = parseConfig(env);
  if (!r.ok) {
    throw new FlipturnError('FT_CONFIG_INVALID', formatProblems(r.problems), { details: { problems: r.problems } });
  }
  return { config: r.config, scrubber: r.scrubber };
}

function toProblems(error: z.ZodError, input: Readonly<Record<string, string | undefined>>): ConfigProblem[] {
  const problems = error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? '(environment)');
    const raw = input[variable];
    let message = issue.message;
    if (raw === undefined && issue.code === 'invalid_type') message = 'is required';
    else if (issue.code === 'invalid_value' && issue.values.length > 0)
      message = `must be one of ${issue.values.map(String).join(', ')}`;
    // Say what was given, for settings that are not secret and values that cannot hide a credential (no '@', '/').
    const shown = raw !== undefined && !SECRET_SETTINGS.includes(variable as SettingName) ? showable(raw) : undefined;
    if (shown !== undefined && message !== 'is required') message = `${message}, got '${shown}'`;
    return { variable, message };
  });
  // Stable order: by variable name, then message.
  problems.sort((a, b) => (a.variable === b.variable ? cmp(a.message, b.message) : cmp(a.variable, b.variable)));
  return problems;
}

/** The value as given, when it is short and plain (no URL, path or credential-like characters); else undefined. */
function showable(raw: string): string | undefined {
  return /^[\w .,;:|*+=-]{0,64}$/.test(raw) ? raw : undefined;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  const lines = problems.map((p) => `  - ${p.variable} ${p.message}`);
  return `Configuration is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}

/**
 * Legal combinations that weaken a guarantee: `flipturn config check` prints them, every role logs them at start.
 * (Combinations that cannot work are errors: schema.ts checkDependencies.)
 */
export function configWarnings(config: Config): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  if (config.RECLAIM_IDLE_MS <= config.FLIPTURN_INVESTIGATION_DEADLINE_MS) {
    out.push({
      variable: 'RECLAIM_IDLE_MS',
      message: `(${config.RECLAIM_IDLE_MS}) is not above FLIPTURN_INVESTIGATION_DEADLINE_MS (${config.FLIPTURN_INVESTIGATION_DEADLINE_MS}): a slow investigation may be taken over by another worker and run twice (the reply is still posted once)`,
    });
  }
  if (config.INCIDENT_WAIT_MS >= config.RECLAIM_IDLE_MS) {
    out.push({
      variable: 'INCIDENT_WAIT_MS',
      message: `(${config.INCIDENT_WAIT_MS}) is not below RECLAIM_IDLE_MS (${config.RECLAIM_IDLE_MS}): a signal waiting for its incident may be reclaimed by another worker while it waits`,
    });
  }
  if (config.FLIPTURN_ALLOW_VOLATILE_QUEUE) {
    out.push({
      variable: 'FLIPTURN_ALLOW_VOLATILE_QUEUE',
      message:
        'is true: the service runs even if the queue keeps nothing on disk, and a 2xx from the gate may then be lost on a Redis restart',
    });
  }
  return out;
}

/** https://user:token@host -> https://[REDACTED]@host for display. Non-URLs are returned unchanged. */
export function maskUrlCredentials(value: string): string {
  const cluster = parseRedisUrl(value);
  if (cluster.ok && cluster.target.kind === 'cluster') {
    return cluster.target.username === undefined && cluster.target.password === undefined
      ? value
      : value.replace(/^([a-z][a-z0-9+.-]*:\/\/).*@/i, `$1${SECRET_MASK}@`);
  }
  try {
    const u = new URL(value);
    if (!u.username && !u.password) return value;
    return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, `$1${SECRET_MASK}@`);
  } catch {
    return value;
  }
}

/** Passwords and user names embedded in URLs (redis://:pass@host, redis+cluster://user:pass@a:1,b:2) are secrets too. */
function urlSecrets(value: string): string[] {
  const cluster = parseRedisUrl(value);
  if (cluster.ok && cluster.target.kind === 'cluster')
    return [cluster.target.password ?? '', cluster.target.username ?? ''].filter((s) => s.length >= 4);
  try {
    const u = new URL(value);
    return [decodeURIComponent(u.password), decodeURIComponent(u.username)].filter((s) => s.length >= 4);
  } catch {
    return [];
  }
}

/** The effective configuration for display: every secret masked, unset values shown as such. */
export function describeConfig(
  config: Config,
  env: Readonly<Record<string, string | undefined>> = {},
): Array<{ name: SettingName; value: string; secret: boolean; source: 'set' | 'default' | 'unset' }> {
  return (Object.keys(SETTINGS) as SettingName[]).map((name) => {
    const secret = SECRET_SETTINGS.includes(name);
    const raw = config[name];
    if (raw === undefined) return { name, value: '(unset)', secret, source: 'unset' as const };
    const given = env[name] !== undefined && env[name].trim() !== '';
    const value = secret ? SECRET_MASK : maskUrlCredentials(String(raw));
    return { name, value, secret, source: given ? ('set' as const) : ('default' as const) };
  });
}
