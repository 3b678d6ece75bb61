/**
 * Keeps credentials out of everything the HTTP layer produces (outcome reasons, call events, errors): values the
 * configuration registered with the SecretScrubber, the client's own credential headers, credential-like query
 * parameters in URLs, user-info in URLs, and Authorization-like header text inside vendor messages.
 */
import { SECRET_MASK, SecretScrubber } from '../../kernel/secrets.js';

/** Header names whose values are credentials. Compared case-insensitively. */
const SECRET_HEADER =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|apikey|dd-api-key|dd-application-key|x-auth-token|x-access-token|private-token)$/i;

/** Query parameter names whose values are credentials (api_key=..., token=..., sig=...). */
const SECRET_PARAM =
  /^(api[_-]?key|apikey|app[_-]?key|application[_-]?key|access[_-]?token|auth[_-]?token|token|key|secret|password|passwd|pwd|sig|signature|x-amz-signature|x-amz-credential|dd-api-key|dd-application-key)$/i;

/** `Authorization: Bearer abc`, `Bearer abc`, `Basic abc`, `api_key=abc` inside free text. */
const TEXT_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [
    /\b((?:proxy-)?authorization|x-api-key|api-key|dd-api-key|dd-application-key|x-auth-token|cookie)(["']?\s*[:=]\s*["']?)[^\s"',;}]+(?:\s+[^\s"',;}]+)?/gi,
    `$1$2${SECRET_MASK}`,
  ],
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}/g, `$1 ${SECRET_MASK}`],
  [
    /([?&](?:api[_-]?key|apikey|app[_-]?key|application[_-]?key|access[_-]?token|auth[_-]?token|token|key|secret|password|sig|signature)=)[^&\s"']+/gi,
    `$1${SECRET_MASK}`,
  ],
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@"']+:[^/\s@"']+@/gi, `$1${SECRET_MASK}@`],
];

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER.test(name);
}

/** A URL with credential-like query values and user-info masked; unparseable input is scrubbed as text. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return redactText(url);
  }
  if (u.username || u.password) {
    u.username = '';
    u.password = '';
  }
  for (const key of [...new Set(u.searchParams.keys())]) {
    if (SECRET_PARAM.test(key)) u.searchParams.set(key, SECRET_MASK);
  }
  return u.toString();
}

/** Free text with Authorization-like header values, bearer tokens and credential query values masked. */
export function redactText(text: string): string {
  let out = text;
  for (const [re, rep] of TEXT_PATTERNS) out = out.replace(re, rep);
  return out;
}

/**
 * The scrubbing function of one client: the shared SecretScrubber (config secrets), plus the values of the
 * client's own credential headers and URL user-info, plus the pattern-based redaction above.
 */
export function buildScrub(
  shared: SecretScrubber,
  headers: Readonly<Record<string, string>>,
  baseUrl: string,
): (text: string) => string {
  const local = new SecretScrubber();
  for (const [name, value] of Object.entries(headers)) {
    if (!isSecretHeader(name)) continue;
    local.register(value);
    // "Bearer abc" and "Basic abc": the token alone is the secret too.
    const parts = value.split(/\s+/);
    if (parts.length === 2) local.register(parts[1]);
  }
  try {
    const u = new URL(baseUrl);
    local.register(decodeURIComponent(u.password), decodeURIComponent(u.username));
  } catch {
    // an invalid base URL fails later, at request time
  }
  return (text: string) => redactText(local.scrub(shared.scrub(text)));
}
