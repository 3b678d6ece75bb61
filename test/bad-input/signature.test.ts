/**
 * Signature checks, structurally (no wall-clock measurement): node:crypto's timingSafeEqual is wrapped to record
 * every call (our own modules are not mocked). Slack: a well-formed signature (v0= + 64 hex) is always compared
 * with one timingSafeEqual over two 32-byte buffers, whether it matches or not and wherever it differs; a
 * malformed one is refused by a format check that never touches the secret-derived HMAC. Tokens: compared as
 * two HMAC-SHA256 digests, so different lengths never short-circuit. Replays: a correctly signed request older
 * (or newer) than 5 minutes is refused; a fresh one replayed is deduplicated.
 */
import type * as Crypto from 'node:crypto';
import * as fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const calls: Array<[number, number]> = [];
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof Crypto>();
  const timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
    calls.push([a.byteLength, b.byteLength]);
    return real.timingSafeEqual(a, b);
  };
  return { ...real, default: { ...real, timingSafeEqual }, timingSafeEqual };
});

const { secretsEqual, signSlackBody, verifySlackSignature } = await import('../../src/ingress/slack-verify.js');
const { GATE_ROUTES } = await import('../../src/ingress/gate.js');
const { makeGate, NOW_MS, SLACK_SECRET, slackHeaders } = await import('../integration/ingress/gate-helpers.js');

const body = Buffer.from('{"type":"event_callback","event":{"type":"message","text":"hi"}}');
const ts = Math.floor(NOW_MS / 1000);
const good = signSlackBody(SLACK_SECRET, ts, body);
const verify = (signature: string, timestamp = String(ts)) =>
  verifySlackSignature({ signingSecret: SLACK_SECRET, rawBody: body, timestamp, signature, nowMs: NOW_MS });

beforeEach(() => {
  calls.length = 0;
});

describe('Slack signature comparison is constant-time', () => {
  it('a matching signature is compared with exactly one timingSafeEqual over 32-byte buffers', () => {
    expect(verify(good)).toEqual({ ok: true });
    expect(calls).toEqual([[32, 32]]);
  });

  it('a wrong signature differing at any position takes the same single full-length compare', () => {
    const hex = good.slice(3);
    for (const pos of [0, 1, 31, 32, 62, 63]) {
      calls.length = 0;
      const flipped = `v0=${hex.slice(0, pos)}${hex[pos] === '0' ? '1' : '0'}${hex.slice(pos + 1)}`;
      expect(verify(flipped)).toMatchObject({ ok: false, code: 'FT_INGRESS_SIGNATURE_INVALID' });
      expect(calls, `difference at ${pos}`).toEqual([[32, 32]]);
    }
  });

  it('property: every well-formed wrong signature -> refused after one 32/32 compare', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{64}$/), (hex) => {
        calls.length = 0;
        const r = verify(`v0=${hex}`);
        return r.ok === (`v0=${hex}` === good) && calls.length === 1 && calls[0]?.[0] === 32 && calls[0][1] === 32;
      }),
      { numRuns: 300 },
    );
  });

  it('property: malformed signatures (other lengths, prefixes, cases) are refused by format, never compared', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        fc.pre(!/^v0=[0-9a-f]{64}$/.test(s.trim()));
        calls.length = 0;
        const r = verify(s);
        return !r.ok && calls.length === 0;
      }),
      { numRuns: 300 },
    );
    for (const s of [
      good.slice(0, -1),
      `${good}0`,
      good.toUpperCase(),
      good.replace('v0=', 'v1='),
      `${good.slice(0, -2)}zz`,
    ]) {
      calls.length = 0;
      expect(verify(s).ok).toBe(false);
      expect(calls).toEqual([]);
    }
  });

  it('webhook tokens are compared as two equal-length digests whatever the presented length', () => {
    for (const presented of [
      '',
      'x',
      'dd-token-0123456789abcde',
      'dd-token-0123456789abcdef',
      'dd-token-0123456789abcdef-and-more',
      'é'.repeat(1000),
    ]) {
      calls.length = 0;
      expect(secretsEqual(presented, 'dd-token-0123456789abcdef')).toBe(presented === 'dd-token-0123456789abcdef');
      expect(calls).toEqual([[32, 32]]);
    }
  });
});

describe('replays', () => {
  it('a correctly signed request more than 5 minutes old or ahead is refused FT_INGRESS_TIMESTAMP_STALE', async () => {
    const gate = makeGate();
    const text = body.toString();
    for (const skewS of [-301, -3600, -86_400 * 365, 301, 3600]) {
      const res = await gate.app.inject({
        method: 'POST',
        url: GATE_ROUTES.slack,
        headers: slackHeaders(text, NOW_MS + skewS * 1000),
        payload: text,
      });
      expect([res.statusCode, res.json<{ error: { code: string } }>().error.code], `skew ${skewS}s`).toEqual([
        401,
        'FT_INGRESS_TIMESTAMP_STALE',
      ]);
    }
    expect((await gate.queue.stats()).length).toBe(0);
    await gate.app.close();
  });

  it('a fresh signed alert replayed (same bytes, same signature) is queued once', async () => {
    const gate = makeGate();
    const alert = JSON.stringify({
      type: 'event_callback',
      team_id: 'T1',
      event_id: 'Ev1',
      event: {
        type: 'message',
        subtype: 'bot_message',
        bot_id: 'B0DATADOG',
        username: 'Datadog',
        ts: '1763717401.000100',
        channel: 'C1',
        text: 'Triggered: [Triggered on {env:prod,service:search}] search p99 latency is high',
      },
    });
    const headers = slackHeaders(alert);
    const answers = [];
    for (let i = 0; i < 5; i++)
      answers.push(await gate.app.inject({ method: 'POST', url: GATE_ROUTES.slack, headers, payload: alert }));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.map((a) => a.json<{ queued: number }>().queued)).toEqual([1, 0, 0, 0, 0]);
    expect((await gate.queue.stats()).length).toBe(1);
    await gate.app.close();
  });
});
