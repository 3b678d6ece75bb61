import { describe, expect, it } from 'vitest';
import { secretsEqual, signSlackBody, verifySlackSignature } from '../../../src/ingress/slack-verify.js';
import { fixture } from './fixtures.js';

describe('verifySlackSignature', () => {
  const v = fixture('slack/slack_signing_vectors.json') as {
    official: { signing_secret: string; headers: Record<string, string>; raw_body: string; now_for_test: number };
  };
  const base = {
    signingSecret: v.official.signing_secret,
    rawBody: Buffer.from(v.official.raw_body),
    timestamp: v.official.headers['X-Slack-Request-Timestamp'],
    signature: v.official.headers['X-Slack-Signature'],
    nowMs: v.official.now_for_test * 1000,
  };

  it('accepts the official vector, also with header arrays as Node may give them', () => {
    expect(verifySlackSignature(base)).toEqual({ ok: true });
    expect(
      verifySlackSignature({ ...base, timestamp: [base.timestamp ?? ''], signature: [base.signature ?? ''] }),
    ).toEqual({ ok: true });
    expect(signSlackBody(base.signingSecret, v.official.now_for_test, v.official.raw_body)).toBe(base.signature);
  });

  it('rejects a tampered body, a wrong secret, a malformed signature, and skew beyond 5 minutes either way', () => {
    const code = (r: ReturnType<typeof verifySlackSignature>) => (r.ok ? 'ok' : r.code);
    expect(code(verifySlackSignature({ ...base, rawBody: Buffer.from(`${v.official.raw_body}x`) }))).toBe(
      'FT_INGRESS_SIGNATURE_INVALID',
    );
    expect(code(verifySlackSignature({ ...base, signingSecret: 'another-secret' }))).toBe(
      'FT_INGRESS_SIGNATURE_INVALID',
    );
    expect(code(verifySlackSignature({ ...base, signature: 'v1=abc' }))).toBe('FT_INGRESS_SIGNATURE_INVALID');
    expect(code(verifySlackSignature({ ...base, signature: undefined }))).toBe('FT_INGRESS_SIGNATURE_INVALID');
    expect(code(verifySlackSignature({ ...base, nowMs: base.nowMs + 301_000 }))).toBe('FT_INGRESS_TIMESTAMP_STALE');
    expect(code(verifySlackSignature({ ...base, nowMs: base.nowMs - 301_000 }))).toBe('FT_INGRESS_TIMESTAMP_STALE');
    expect(code(verifySlackSignature({ ...base, nowMs: base.nowMs + 300_999 }))).toBe('ok');
  });

  it('compares tokens in constant time without leaking length', () => {
    expect(secretsEqual('abc', 'abc')).toBe(true);
    expect(secretsEqual('abc', 'abcd')).toBe(false);
    expect(secretsEqual('', 'abc')).toBe(false);
  });
});
