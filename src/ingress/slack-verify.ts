/**
 * Slack request signing (v0), pure, with an injected clock. Modelled on bolt-js's receivers/verify-request.ts
 * (`verifySlackRequest`, MIT), which we do not call directly because it takes the body as a string (we sign the
 * raw bytes exactly as received), only rejects timestamps in the past (we reject more than 5 minutes off in either
 * direction) and reports failures as untyped Error messages (we need stable codes).
 *
 *   X-Slack-Signature = "v0=" + hex(HMAC-SHA256(signing secret, "v0:" + X-Slack-Request-Timestamp + ":" + raw body))
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SLACK_MAX_SKEW_SECONDS = 5 * 60;

export type SlackVerifyResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly code: 'FT_INGRESS_SIGNATURE_INVALID' | 'FT_INGRESS_TIMESTAMP_STALE';
      readonly message: string;
    };

export interface SlackVerifyInput {
  readonly signingSecret: string;
  readonly rawBody: Buffer;
  /** Header values as Node gives them (a string, or an array when repeated). */
  readonly timestamp: string | readonly string[] | undefined;
  readonly signature: string | readonly string[] | undefined;
  readonly nowMs: number;
}

/**
 * The part of the check that needs no body and no secret: both headers present, well formed, and the timestamp
 * within 5 minutes of now. The gate runs it before it reads the body, so an unsigned or replayed request is refused
 * without being read; verifySlackSignature runs it again with the HMAC.
 */
export function checkSlackHeaders(
  timestamp: string | readonly string[] | undefined,
  signature: string | readonly string[] | undefined,
  nowMs: number,
):
  | { readonly ok: true; readonly ts: string; readonly digestHex: string }
  | (SlackVerifyResult & { readonly ok: false }) {
  const ts = first(timestamp);
  const sig = first(signature);
  if (ts === undefined || sig === undefined)
    return bad('FT_INGRESS_SIGNATURE_INVALID', 'X-Slack-Signature and X-Slack-Request-Timestamp are required');
  if (!/^\d{1,12}$/.test(ts))
    return bad('FT_INGRESS_SIGNATURE_INVALID', 'X-Slack-Request-Timestamp must be whole seconds since the epoch');
  const skew = Math.abs(Math.floor(nowMs / 1000) - Number(ts));
  if (skew > SLACK_MAX_SKEW_SECONDS) {
    return bad(
      'FT_INGRESS_TIMESTAMP_STALE',
      `X-Slack-Request-Timestamp is ${skew} s from now (more than ${SLACK_MAX_SKEW_SECONDS} s): replayed or clock skew`,
    );
  }
  const m = /^v0=([0-9a-f]{64})$/.exec(sig);
  if (!m?.[1]) return bad('FT_INGRESS_SIGNATURE_INVALID', 'X-Slack-Signature must be v0=<64 hex digits>');
  return { ok: true, ts, digestHex: m[1] };
}

export function verifySlackSignature(input: SlackVerifyInput): SlackVerifyResult {
  const h = checkSlackHeaders(input.timestamp, input.signature, input.nowMs);
  if (!h.ok) return h;
  const expected = createHmac('sha256', input.signingSecret).update(`v0:${h.ts}:`).update(input.rawBody).digest();
  const given = Buffer.from(h.digestHex, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return bad('FT_INGRESS_SIGNATURE_INVALID', 'X-Slack-Signature does not match the body');
  return { ok: true };
}

/** Signs a body the way Slack does (for tests and local tools). */
export function signSlackBody(signingSecret: string, timestampSec: number, rawBody: string | Buffer): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSec}:`).update(rawBody).digest('hex')}`;
}

/** Constant-time comparison of a presented secret with the configured one (hashing first hides the length). */
export function secretsEqual(presented: string, expected: string): boolean {
  const a = createHmac('sha256', 'flipturn-compare').update(presented).digest();
  return timingSafeEqual(a, expectedDigest(expected));
}

/** Digests of the configured secrets (a handful: computed once each instead of on every request). */
const expectedDigests = new Map<string, Buffer>();

function expectedDigest(expected: string): Buffer {
  let d = expectedDigests.get(expected);
  if (d === undefined) {
    d = createHmac('sha256', 'flipturn-compare').update(expected).digest();
    if (expectedDigests.size < 16) expectedDigests.set(expected, d);
  }
  return d;
}

export function first(v: string | readonly string[] | undefined): string | undefined {
  const s = typeof v === 'string' ? v : v?.[0];
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

function bad(
  code: 'FT_INGRESS_SIGNATURE_INVALID' | 'FT_INGRESS_TIMESTAMP_STALE',
  message: string,
): SlackVerifyResult & { readonly ok: false } {
  return { ok: false, code, message };
}
