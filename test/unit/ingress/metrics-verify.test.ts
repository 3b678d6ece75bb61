import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../src/ingress/metrics.js';
import { secretsEqual, signSlackBody, verifySlackSignature } from '../../../src/ingress/slack-verify.js';
import { fixture } from './fixtures.js';

describe('MetricsRegistry', () => {
  it('bound child series render exactly like inc/observe with labels, and appear only once used', async () => {
    const viaLabels = new MetricsRegistry();
    const viaChild = new MetricsRegistry();
    const fill = (r: MetricsRegistry, bound: boolean) => {
      const c = r.counter('t_total', 'T.', ['route', 'status']);
      const h = r.histogram('t_seconds', 'S.', ['route'], [0.1, 1]);
      const labels = { route: '/a', status: '200' };
      if (bound) {
        const cc = c.child(labels);
        const hc = h.child({ route: '/a' });
        c.child({ route: '/never', status: '500' });
        h.child({ route: '/never' });
        cc.inc();
        cc.inc(2);
        c.inc(labels);
        hc.observe(0.05);
        hc.observe(5);
      } else {
        c.inc(labels);
        c.inc(labels, 2);
        c.inc(labels);
        h.observe({ route: '/a' }, 0.05);
        h.observe({ route: '/a' }, 5);
      }
    };
    fill(viaLabels, false);
    fill(viaChild, true);
    const text = await viaChild.render();
    expect(text).toBe(await viaLabels.render());
    expect(text).toContain('t_total{route="/a",status="200"} 4');
    expect(text).not.toContain('/never');
    expect(() => new MetricsRegistry().counter('t_total', 'T.', ['route']).child({ other: 'x' })).toThrow(/takes labels/);
    expect(() => new MetricsRegistry().counter('t_total', 'T.').child({}).inc(-1)).toThrow(/only goes up/);
  });

  it('renders counters, gauges and histograms in the Prometheus text format, deterministically', async () => {
    const r = new MetricsRegistry();
    const c = r.counter('t_requests_total', 'Requests.\nSecond line with \\ backslash.', ['route', 'status']);
    c.inc({ status: '200', route: '/b' });
    c.inc({ route: '/a', status: '200' }, 2);
    c.inc({ route: '/q"x', status: '500' });
    r.gauge('t_depth', 'Depth.', ['state']).set({ state: 'pending' }, 3);
    const h = r.histogram('t_seconds', 'Latency.', [], [0.1, 1]);
    h.observe({}, 0.05);
    h.observe({}, 0.5);
    h.observe({}, 5);
    let collected = 0;
    r.addCollector(() => {
      collected += 1;
    });
    r.addCollector(() => {
      throw new Error('collector down');
    });
    expect(await r.render()).toBe(
      [
        '# HELP t_depth Depth.',
        '# TYPE t_depth gauge',
        't_depth{state="pending"} 3',
        '# HELP t_requests_total Requests.\\nSecond line with \\\\ backslash.',
        '# TYPE t_requests_total counter',
        't_requests_total{route="/a",status="200"} 2',
        't_requests_total{route="/b",status="200"} 1',
        't_requests_total{route="/q\\"x",status="500"} 1',
        '# HELP t_seconds Latency.',
        '# TYPE t_seconds histogram',
        't_seconds_bucket{le="0.1"} 1',
        't_seconds_bucket{le="1"} 2',
        't_seconds_bucket{le="+Inf"} 3',
        't_seconds_sum 5.55',
        't_seconds_count 3',
        '',
      ].join('\n'),
    );
    expect(collected).toBe(1);
  });

  it('refuses wrong labels, decreasing counters and conflicting registrations', () => {
    const r = new MetricsRegistry();
    const c = r.counter('x_total', 'x', ['a']);
    expect(() => c.inc({ b: '1' })).toThrow(/takes labels/);
    expect(() => c.inc({ a: '1' }, -1)).toThrow(/only goes up/);
    expect(r.counter('x_total', 'x', ['a'])).toBe(c);
    expect(() => r.gauge('x_total', 'x', ['a'])).toThrow(/already registered/);
    expect(() => r.counter('bad-name', 'x')).toThrow(/invalid metric name/);
  });
});

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
    expect(verifySlackSignature({ ...base, timestamp: [base.timestamp ?? ''], signature: [base.signature ?? ''] })).toEqual({ ok: true });
    expect(signSlackBody(base.signingSecret, v.official.now_for_test, v.official.raw_body)).toBe(base.signature);
  });

  it('rejects a tampered body, a wrong secret, a malformed signature, and skew beyond 5 minutes either way', () => {
    const code = (r: ReturnType<typeof verifySlackSignature>) => (r.ok ? 'ok' : r.code);
    expect(code(verifySlackSignature({ ...base, rawBody: Buffer.from(`${v.official.raw_body}x`) }))).toBe('FT_INGRESS_SIGNATURE_INVALID');
    expect(code(verifySlackSignature({ ...base, signingSecret: 'another-secret' }))).toBe('FT_INGRESS_SIGNATURE_INVALID');
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
