/**
 * Shared pieces of the fake Grafana-stack backends (Loki, Tempo, Prometheus): the tokenizer for their query
 * languages' common lexemes (double-quoted strings with Go escapes, identifiers, operators), RE2 regexes as JS
 * regexes (a leading `(?i)` becomes the `i` flag; label matchers are fully anchored, line filters are not), and the
 * request guard (Basic credentials, X-Scope-OrgID tenant, delay) every fake puts in front of its routes.
 */
import type { FakeResponse, RecordedRequest } from '../fake-http-server.js';

export class QueryParseError extends Error {}

/** Reads a double-quoted (or back-quoted, raw) string literal starting at `i`; returns the value and the next index. */
export function readString(src: string, i: number): { value: string; next: number } {
  const quote = src[i];
  if (quote === '`') {
    const end = src.indexOf('`', i + 1);
    if (end < 0) throw new QueryParseError(`unterminated raw string at ${i}`);
    return { value: src.slice(i + 1, end), next: end + 1 };
  }
  if (quote !== '"')
    throw new QueryParseError(`expected a string at ${i}, found ${JSON.stringify(src.slice(i, i + 10))}`);
  let out = '';
  for (let j = i + 1; j < src.length; j++) {
    const c = src[j] ?? '';
    if (c === '"') return { value: out, next: j + 1 };
    if (c === '\\') {
      const n = src[++j] ?? '';
      out += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n;
    } else out += c;
  }
  throw new QueryParseError(`unterminated string at ${i}`);
}

/** An RE2 pattern as a JS RegExp. `anchored` for label matchers (Prometheus/LogQL semantics). */
export function re2(pattern: string, anchored: boolean): RegExp {
  let p = pattern;
  let flags = '';
  if (p.startsWith('(?i)')) {
    flags = 'i';
    p = p.slice(4);
  }
  try {
    return new RegExp(anchored ? `^(?:${p})$` : p, flags);
  } catch (e) {
    throw new QueryParseError(`invalid regex ${JSON.stringify(pattern)}: ${String(e)}`);
  }
}

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  readonly name: string;
  readonly op: MatchOp;
  readonly value: string;
}

/** Prometheus/LogQL label matching: an absent label is the empty string. */
export function labelMatches(m: LabelMatcher, actual: string | undefined): boolean {
  const v = actual ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return re2(m.value, true).test(v);
    case '!~':
      return !re2(m.value, true).test(v);
  }
}

export function skipSpace(src: string, i: number): number {
  while (i < src.length && /\s/.test(src[i] ?? '')) i++;
  return i;
}

/** Reads `{name op "value", ...}` starting at the `{`; a bare quoted name (Prometheus 3 UTF-8) is `__name__`. */
export function readMatchers(src: string, i: number): { matchers: LabelMatcher[]; next: number } {
  if (src[i] !== '{') throw new QueryParseError(`expected '{' at ${i}`);
  const matchers: LabelMatcher[] = [];
  let j = skipSpace(src, i + 1);
  while (src[j] !== '}') {
    let name: string;
    if (src[j] === '"') {
      const s = readString(src, j);
      name = s.value;
      j = skipSpace(src, s.next);
      if (src[j] === ',' || src[j] === '}') {
        matchers.push({ name: '__name__', op: '=', value: name });
        if (src[j] === ',') j = skipSpace(src, j + 1);
        continue;
      }
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(j));
      if (!m) throw new QueryParseError(`expected a label name at ${j}: ${JSON.stringify(src.slice(j, j + 20))}`);
      name = m[0];
      j = skipSpace(src, j + name.length);
    }
    const op = /^(=~|!~|!=|=)/.exec(src.slice(j))?.[0] as MatchOp | undefined;
    if (!op) throw new QueryParseError(`expected a matcher operator at ${j}`);
    const s = readString(src, skipSpace(src, j + op.length));
    matchers.push({ name, op, value: s.value });
    j = skipSpace(src, s.next);
    if (src[j] === ',') j = skipSpace(src, j + 1);
    else if (src[j] !== '}') throw new QueryParseError(`expected ',' or '}' at ${j}`);
  }
  return { matchers, next: j + 1 };
}

export interface GuardOptions {
  /** Required `Authorization: Basic` credentials (user:password); absent = no auth. */
  readonly basicAuth?: { readonly user: string; readonly password: string };
  /** Required X-Scope-OrgID (multi-tenant Loki/Tempo); absent = single tenant. */
  readonly tenant?: string;
  /** Delay every answer (timeouts). */
  readonly delayMs?: number;
  /** Answer every request with this status (5xx outages). */
  readonly failStatus?: number;
}

/** Wraps a handler with the backend's auth checks (401 as Loki/Tempo/Prometheus behind a gateway answer). */
export function guard(
  o: GuardOptions,
  fn: (req: RecordedRequest) => FakeResponse,
): (req: RecordedRequest) => FakeResponse {
  return (req) => {
    let r: FakeResponse;
    if (o.failStatus)
      r = { status: o.failStatus, body: 'upstream unavailable\n', headers: { 'content-type': 'text/plain' } };
    else if (
      o.basicAuth &&
      req.headers.authorization !==
        `Basic ${Buffer.from(`${o.basicAuth.user}:${o.basicAuth.password}`).toString('base64')}`
    )
      r = { status: 401, body: 'Unauthorized\n', headers: { 'content-type': 'text/plain' } };
    else if (o.tenant && req.headers['x-scope-orgid'] !== o.tenant)
      r = { status: 401, body: 'no org id\n', headers: { 'content-type': 'text/plain' } };
    else {
      try {
        r = fn(req);
      } catch (e) {
        if (!(e instanceof QueryParseError)) throw e;
        r = { status: 400, body: `parse error: ${e.message}\n`, headers: { 'content-type': 'text/plain' } };
      }
    }
    return o.delayMs ? { ...r, delayMs: o.delayMs } : r;
  };
}

/** OTel attribute key as a Prometheus/Loki label name (dots and other characters to underscores). */
export function labelName(key: string): string {
  const n = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(n) ? `_${n}` : n;
}
