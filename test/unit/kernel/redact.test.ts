import { describe, expect, it } from 'vitest';
import { luhnValid, scrubDetailed, scrubText, scrubValue } from '../../../src/kernel/redact.js';
import { SecretScrubber } from '../../../src/kernel/secrets.js';
import { SECRETS_CORPUS as CORPUS } from '../../support/secrets-corpus.js';

const BENIGN = [
  'trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7',
  'request 123e4567-e89b-12d3-a456-426614174000 took 1.25s (p99 340ms, 3.2x baseline)',
  'deployed commit 9fceb02d0ae598e95dc970b74767f19372d61af8 (short 9fceb02), version v2.14.3-rc.1',
  '2026-11-21T10:02:11.250123456Z GET /api/v1/items/42 200 in 12ms',
  'unix ms 1763719331250 ns 1763719331250123456 duration 00:01:30',
  'cache hit ratio 0.93 -> 0.41, token_count=512, tokens: 1200',
  'catalog -> postgres SELECT items, 4 retries, error rate 38%',
  'datadog trace 0123456789abcdef0123456789abcdef in service task-queue-worker',
  'order id 4111111111111112 failed Luhn and is not a card',
];

describe('scrubText', () => {
  it.each(CORPUS)('redacts %s', (kind, text, secret) => {
    const r = scrubDetailed(text);
    expect(r.text).not.toContain(secret);
    expect(r.text).toContain(`[REDACTED:${kind}]`);
    expect(r.counts[kind as keyof typeof r.counts]).toBeGreaterThan(0);
  });

  it.each(BENIGN)('leaves ids, times, durations and versions alone: %s', (text) => {
    expect(scrubText(text)).toBe(text);
  });

  it('keeps the key name and the user of a connection string', () => {
    expect(scrubText('password=abc123 and postgres://app:pw1234@db/x')).toBe(
      'password=[REDACTED:secret] and postgres://app:[REDACTED:password]@db/x',
    );
  });

  it('redacts IP addresses only when asked', () => {
    const text = 'client 10.12.0.7 and 2001:0db8:85a3:0000:0000:8a2e:0370:7334 at 10:02:11';
    expect(scrubText(text)).toBe(text);
    expect(scrubText(text, { ipAddresses: true })).toBe(
      'client [REDACTED:ip_address] and [REDACTED:ip_address] at 10:02:11',
    );
    expect(scrubText('version 1.2.3 build 4', { ipAddresses: true })).toBe('version 1.2.3 build 4');
  });

  it('applies known secret values first', () => {
    const known = new SecretScrubber().register('plain-config-value-9');
    expect(scrubText('x plain-config-value-9 y', { known: (t) => known.scrub(t) })).toBe('x [REDACTED] y');
  });

  it('is idempotent', () => {
    for (const [, text] of CORPUS) {
      const once = scrubText(text);
      expect(scrubText(once)).toBe(once);
    }
  });

  it('Luhn', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
  });

  it('scrubs values deeply and drops values of secret-named keys', () => {
    const v = scrubValue(
      { 'http.request.header.x-api-key': 'k1', nested: [{ note: 'mail bob@example.com' }], n: 5, t: 10n },
      (t) => scrubText(t),
    );
    expect(v).toEqual({
      'http.request.header.x-api-key': '[REDACTED:secret]',
      nested: [{ note: 'mail [REDACTED:email]' }],
      n: 5,
      t: 10n,
    });
  });
});
