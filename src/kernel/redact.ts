/**
 * Secret and personal-data scrubbing of text that leaves the process: everything posted to Slack (text, blocks,
 * file names: the Slack client applies it, src/slack/client.ts), everything sent to a language model (alert text,
 * log lines, attributes, tool answers, thread history, and the model's own output before it is posted: src/agent),
 * and alert text that becomes part of an identifier written to logs (title-derived incident keys, unknown
 * transitions: src/ingress/normalize). Configured secret values are masked first (`known`, the configuration's
 * SecretScrubber); then each pattern match is replaced with a typed placeholder ([REDACTED:jwt],
 * [REDACTED:email]...), so a reader still sees that something was there and of which kind.
 *
 * Pure and deterministic. The patterns are anchored on vendor prefixes or on a secret-looking key, never on bare
 * hex: trace ids (32 hex), span ids (16 hex), UUIDs, git SHAs, timestamps, durations and version strings pass
 * untouched. Datadog keys are 32/40 hex like trace ids, so they are only recognized next to their key name.
 */

export interface ScrubOptions {
  /** Also redact IPv4/IPv6 addresses (SCRUB_IP_ADDRESSES); default false. */
  readonly ipAddresses?: boolean;
  /** Known secret values (e.g. the configuration's SecretScrubber), applied first. */
  readonly known?: (text: string) => string;
}

export type ScrubKind =
  | 'private_key'
  | 'jwt'
  | 'aws_access_key'
  | 'github_token'
  | 'slack_token'
  | 'slack_webhook'
  | 'stripe_key'
  | 'openai_key'
  | 'google_api_key'
  | 'datadog_key'
  | 'bearer_token'
  | 'password'
  | 'secret'
  | 'email'
  | 'card_number'
  | 'ip_address';

const placeholder = (kind: ScrubKind): string => `[REDACTED:${kind}]`;

interface Rule {
  readonly kind: ScrubKind;
  readonly re: RegExp;
  /** Builds the replacement from the match groups; default: the whole match becomes the placeholder. */
  readonly replace?: (m: RegExpExecArray) => string | undefined;
}

const SECRET_KEY = String.raw`[A-Za-z0-9_.-]*?(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|session[_-]?id|cookie|credentials?|authorization)`;

const RULES: readonly Rule[] = [
  {
    kind: 'private_key',
    re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g,
  },
  { kind: 'jwt', re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { kind: 'aws_access_key', re: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b/g },
  { kind: 'github_token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g },
  { kind: 'slack_webhook', re: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]+/g },
  { kind: 'slack_token', re: /\bxox[abprse]-[A-Za-z0-9-]{10,}/g },
  { kind: 'stripe_key', re: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b/g },
  { kind: 'openai_key', re: /\bsk-(?:proj-|svcacct-|admin-|ant-)?(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{32,}/g },
  { kind: 'google_api_key', re: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  {
    kind: 'datadog_key',
    re: /\b((?:dd|datadog)[_-]?(?:api|app|application)[_-]?key|DD-API-KEY|DD-APPLICATION-KEY)(["']?\s*[:=]\s*["']?)([a-fA-F0-9]{40}|[a-fA-F0-9]{32})\b/gi,
    replace: (m) => `${m[1]}${m[2]}${placeholder('datadog_key')}`,
  },
  {
    kind: 'bearer_token',
    re: /\b(Bearer|Basic|Token)\s+(?!\[REDACTED)[A-Za-z0-9._~+/-]{12,}=*/g,
    replace: (m) => `${m[1]} ${placeholder('bearer_token')}`,
  },
  {
    // scheme://user:password@host (postgres, mysql, mongodb+srv, redis, amqp, https...): the password goes.
    kind: 'password',
    re: /\b([a-z][a-z0-9+.-]{1,20}:\/\/)([^\s:@/]*):([^\s@/]+)@/gi,
    replace: (m) => (m[3]?.startsWith('[REDACTED') ? undefined : `${m[1]}${m[2]}:${placeholder('password')}@`),
  },
  {
    // password=..., "secret": "...", api_key: ..., Authorization=... (the key stays, the value goes).
    kind: 'secret',
    re: new RegExp(
      String.raw`(?<![A-Za-z0-9])(${SECRET_KEY})(?![A-Za-z0-9])(["']?\s*[:=]\s*)(?:"([^"\n]{1,512})"|'([^'\n]{1,512})'|((?!\[REDACTED)[^\s"'&,;)}\]]{1,512}))`,
      'gi',
    ),
    replace: (m) => {
      const value = m[3] ?? m[4] ?? m[5] ?? '';
      if (value.startsWith('[REDACTED') || /^(?:null|none|true|false|""|\*+)$/i.test(value)) return undefined;
      const q = m[3] !== undefined ? '"' : m[4] !== undefined ? "'" : '';
      return `${m[1]}${m[2]}${q}${placeholder('secret')}${q}`;
    },
  },
  { kind: 'email', re: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}\b/g },
  {
    kind: 'card_number',
    re: /(?<![\d.-])(?:\d[ -]?){12,18}\d(?![\d.-])/g,
    replace: (m) => (isCardNumber(m[0]) ? placeholder('card_number') : undefined),
  },
];

const IP_RULES: readonly Rule[] = [
  {
    kind: 'ip_address',
    re: /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.])/g,
  },
  { kind: 'ip_address', re: /(?<![\w:])(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}(?![\w:])/g },
  {
    kind: 'ip_address',
    re: /(?<![\w:])(?:[0-9a-fA-F]{1,4}:){1,6}:(?:[0-9a-fA-F]{1,4}:){0,5}[0-9a-fA-F]{1,4}(?![\w:])/g,
  },
];

/** Issuer prefixes and lengths of the common card networks (Visa, Mastercard, Amex, Discover, JCB, Diners). */
function cardNetwork(d: string): boolean {
  const n = d.length;
  if (/^4/.test(d)) return n === 13 || n === 16 || n === 19;
  if (/^(?:5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720))/.test(d)) return n === 16;
  if (/^3[47]/.test(d)) return n === 15;
  if (/^(?:6011|65|64[4-9])/.test(d)) return n === 16 || n === 19;
  if (/^35(?:2[89]|[3-8]\d)/.test(d)) return n >= 16 && n <= 19;
  if (/^3(?:0[0-5]|[68])/.test(d)) return n === 14;
  return false;
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let v = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
  }
  return digits.length > 0 && sum % 10 === 0;
}

function isCardNumber(raw: string): boolean {
  const seps = raw.replace(/\d/g, '');
  if (seps.length > 0 && new Set(seps).size > 1) return false;
  const d = raw.replace(/\D/g, '');
  return cardNetwork(d) && luhnValid(d);
}

function applyRule(text: string, rule: Rule, counts: Map<ScrubKind, number>): string {
  rule.re.lastIndex = 0;
  let out = '';
  let last = 0;
  for (let m = rule.re.exec(text); m !== null; m = rule.re.exec(text)) {
    if (m[0] === '') {
      rule.re.lastIndex += 1;
      continue;
    }
    const rep = rule.replace ? rule.replace(m) : placeholder(rule.kind);
    if (rep === undefined) continue;
    out += text.slice(last, m.index) + rep;
    last = m.index + m[0].length;
    counts.set(rule.kind, (counts.get(rule.kind) ?? 0) + 1);
  }
  return last === 0 ? text : out + text.slice(last);
}

export interface ScrubResult {
  readonly text: string;
  /** Redactions by kind, keys sorted. */
  readonly counts: Readonly<Partial<Record<ScrubKind, number>>>;
}

export function scrubDetailed(text: string, options: ScrubOptions = {}): ScrubResult {
  const counts = new Map<ScrubKind, number>();
  let out = options.known ? options.known(text) : text;
  for (const rule of RULES) out = applyRule(out, rule, counts);
  if (options.ipAddresses) for (const rule of IP_RULES) out = applyRule(out, rule, counts);
  const sorted: Partial<Record<ScrubKind, number>> = {};
  for (const k of [...counts.keys()].sort()) sorted[k] = counts.get(k);
  return { text: out, counts: sorted };
}

/** The text with every recognized secret and personal datum replaced by its typed placeholder. */
export function scrubText(text: string, options: ScrubOptions = {}): string {
  return scrubDetailed(text, options).text;
}

/** Deep copy of a JSON-like value (attributes, tags) with every string scrubbed; keys that name secrets lose their value. */
export function scrubValue<T>(value: T, scrub: (text: string) => string, depth = 0): T {
  if (depth > 32) return '[depth]' as T;
  if (typeof value === 'string') return scrub(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => scrubValue(v, scrub, depth + 1)) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] =
        typeof v === 'string' && SECRET_KEY_ONLY.test(k) && v !== ''
          ? placeholder('secret')
          : scrubValue(v, scrub, depth + 1);
    }
    return out as T;
  }
  return value;
}

const SECRET_KEY_ONLY = new RegExp(String.raw`^${SECRET_KEY}$`, 'i');
