/**
 * Unit tests of the accuracy mechanisms on hand-built trees: pool waits charged to the pooled downstream, a
 * service's own time as open-and-not-calling wall time, rejected answers blamed on the callee, unanswered calls
 * resolved through the endpoint, error echoes, the bottleneck gate on the entry latency, the confidence basis, the
 * cohort reads' cut-trace filter, tail leads weighed against the entry's own tail shift, propagation through
 * services that pass a failure on, and timeouts (the callee's slowness, or the caller's own doing).
 */
import { describe, expect, it } from 'vitest';
import { dropCutTraces } from '../../../src/evidence/prefetch.js';
import type { ScoredCandidate } from '../../../src/rca/candidates.js';
import { assessConfidence } from '../../../src/rca/confidence.js';
import { EchoJudge } from '../../../src/rca/echo.js';
import { logFeatures } from '../../../src/rca/logs.js';
import { entryLatencyRose } from '../../../src/rca/roles.js';
import { buildForest, spanKey } from '../../../src/rca/spantree.js';
import { shiftStats } from '../../../src/rca/stats.js';
import { rejectedCallee, summarizeTrace } from '../../../src/rca/trace-summary.js';
import type { LogEntry } from '../../../src/providers/models.js';
import { analyzeIncident } from '../../../src/rca/analyze.js';
import { at, evidence, jitter, lcg, ONE_TRACE, span, spanAt, story, T0 } from './builders.js';

const TID = ONE_TRACE;
const s = spanAt;
const forest = (spans: ReturnType<typeof s>[]) => buildForest(spans, { skewMarginMs: 1 });
const node = (f: ReturnType<typeof forest>, id: string) => f.bySpanKey.get(spanKey(TID, id))!;

describe('pool waits', () => {
  it('charges a wait for a pooled connection to the downstream the next call goes to, not to the caller', () => {
    const f = forest([
      s('r', undefined, 'app', 0, 100, { kind: 'server' }),
      s('w', 'r', 'app', 5, 60, { kind: 'internal', attributes: { 'db.client.connection.pool.name': 'app-db' } }),
      s('q', 'r', 'app', 66, 30, { kind: 'client', attributes: { 'db.system': 'postgresql' } }),
      s('d', 'q', 'db', 67, 28, { kind: 'server' }),
    ]);
    expect(node(f, 'w').queueFor).toBe('db');
    const sum = summarizeTrace(f.traces[0]!);
    expect(sum.cpExcl.get('db')).toBeGreaterThan(85); // 60 ms of waiting + 28 ms of query
    expect(sum.ownExcl.get('app')).toBeLessThan(12); // 5 + 1 + 4 ms of own code, not the wait
  });

  it('an internal span without pool attributes stays the caller own work', () => {
    const f = forest([
      s('r', undefined, 'app', 0, 100, { kind: 'server' }),
      s('w', 'r', 'app', 5, 60, { kind: 'internal' }),
    ]);
    expect(node(f, 'w').queueFor).toBeUndefined();
    expect(summarizeTrace(f.traces[0]!).ownExcl.get('app')).toBeCloseTo(100, 6);
  });
});

describe('own time', () => {
  it('a span wrapping the request beside the outgoing call (a sibling, not its parent) carries no downstream time', () => {
    const f = forest([
      s('r', undefined, 'gw', 0, 200),
      s('h', 'r', 'gw', 1, 198), // FilteringWebHandler-like wrapper
      s('c', 'r', 'gw', 2, 195), // the outgoing call, kind-less: client-like (children all in one other service)
      s('b', 'c', 'back', 4, 190),
    ]);
    const sum = summarizeTrace(f.traces[0]!);
    expect(node(f, 'h').self).toBeCloseTo(198, 6); // the wrapper's self time alone would say 198 ms
    expect(sum.ownExcl.get('gw')).toBeLessThan(10);
    expect(sum.ownExcl.get('back')).toBeCloseTo(190, 6);
  });

  it('parallel own spans count once', () => {
    const f = forest([
      s('r', undefined, 'a', 0, 50, { kind: 'server' }),
      s('x', 'r', 'a', 0, 50),
      s('y', 'r', 'a', 0, 50),
    ]);
    expect(summarizeTrace(f.traces[0]!).ownExcl.get('a')).toBeCloseTo(50, 6);
  });
});

describe('rejected answers', () => {
  const tree = (message: string) =>
    forest([
      s('r', undefined, 'cart', 0, 40, {
        kind: 'server',
        status: 'error',
        exceptions: [{ time: at(30), type: 'ResponseValidationError', message }],
      }),
      s('c', 'r', 'cart', 2, 20, { kind: 'client' }),
      s('p', 'c', 'pricing', 3, 18, { kind: 'server' }),
    ]);

  it('blames a healthy callee the failing caller names in its error', () => {
    const f = tree('invalid response from pricing/quote: field unit_price is -1');
    expect(rejectedCallee(node(f, 'r'))).toBe('pricing');
    const sum = summarizeTrace(f.traces[0]!);
    expect(sum.errorOrigins.get('pricing')?.length).toBe(1);
    expect(sum.errorOrigins.has('cart')).toBe(false);
  });

  it('keeps the error with the caller when the text names no callee, only as part of a word, or says it timed out', () => {
    for (const m of [
      'cannot read property currency of undefined',
      'repricing job failed',
      'request to pricing timed out after 20ms',
      'pricing: deadline exceeded',
    ]) {
      const f = tree(m);
      expect(rejectedCallee(node(f, 'r'))).toBeUndefined();
      expect(summarizeTrace(f.traces[0]!).errorOrigins.get('cart')?.length).toBe(1);
    }
  });
});

describe('unanswered calls', () => {
  it('resolve their callee from the endpoint the same caller reached in answered calls', () => {
    const ep = { 'server.address': '10.0.0.7', 'server.port': 8080 };
    const spans = [
      span({
        traceId: 'b'.repeat(32),
        spanId: 'r',
        service: 'pricing',
        kind: 'server',
        start: at(0),
        durationNanos: 20e6,
      }),
      span({
        traceId: 'b'.repeat(32),
        spanId: 'c',
        parentSpanId: 'r',
        service: 'pricing',
        kind: 'client',
        attributes: ep,
        start: at(2),
        durationNanos: 10e6,
      }),
      span({
        traceId: 'b'.repeat(32),
        spanId: 's',
        parentSpanId: 'c',
        service: 'currency',
        kind: 'server',
        start: at(3),
        durationNanos: 8e6,
      }),
      span({
        traceId: TID,
        spanId: 'r',
        service: 'pricing',
        kind: 'server',
        status: 'error',
        start: at(100),
        durationNanos: 20e6,
      }),
      span({
        traceId: TID,
        spanId: 'c',
        parentSpanId: 'r',
        service: 'pricing',
        kind: 'client',
        status: 'error',
        errorMessage: 'connect ECONNREFUSED 10.0.0.7:8080',
        attributes: ep,
        start: at(102),
        durationNanos: 1e6,
      }),
    ];
    const f = buildForest(spans, { skewMarginMs: 1 });
    expect(node(f, 'c').callee).toBe('currency');
    const sum = summarizeTrace(f.byTraceId.get(TID)!);
    expect(sum.errorOrigins.get('currency')?.length).toBe(1);
    // the caller's failure is an echo of the unanswered call
    expect(new EchoJudge(f).isEcho(node(f, 'r'))).toBe(true);
  });
});

describe('error echoes', () => {
  const f = forest([
    s('g', undefined, 'gateway', 0, 60, { kind: 'server', status: 'error' }),
    s('gc', 'g', 'gateway', 2, 50, { kind: 'client', status: 'error' }),
    s('t', 'gc', 'travel', 3, 45, { kind: 'server', status: 'error' }),
    s('x', 't', 'travel', 5, 10),
  ]);
  const log = (service: string, spanId: string, ms: number): LogEntry => ({
    sourceProvider: 'test',
    time: at(ms),
    service,
    severity: 'error',
    body: `request failed (${spanId})`,
    attributes: {},
    resource: { 'service.name': service },
    traceId: TID,
    spanId,
  });

  it('a failure with a failing descendant in another service is an echo; the deepest failure is not', () => {
    const judge = new EchoJudge(f);
    expect(judge.isEcho(node(f, 'g'))).toBe(true);
    expect(judge.isEcho(node(f, 't'))).toBe(false);
    expect(judge.log(log('gateway', 'g', 55))).toBe(true);
    expect(judge.log({ ...log('travel', 'zz', 40), spanId: undefined })).toBe(false); // trace id only: the service's spans judge
    expect(judge.log({ ...log('travel', 'zz', 40), traceId: undefined })).toBeUndefined();
  });

  it('discounts echoing error templates and keeps the origin ones', () => {
    const judge = new EchoJudge(f);
    const logs: LogEntry[] = [];
    for (let i = 0; i < 6; i++) logs.push(log('gateway', 'g', 200 + i), log('travel', 't', 200 + i));
    const lf = logFeatures(logs, T0, [0, 100], [100, 300], (l) => judge.log(l));
    expect(lf.get('travel')?.score).toBeGreaterThan(0.3);
    expect(lf.get('gateway')?.score ?? 0).toBe(0);
  });
});

describe('bottleneck gate', () => {
  const base = Array.from({ length: 40 }, (_, i) => 100 + (i % 7));
  it('no bottleneck when the entry latency did not rise; one when the median or the tail did', () => {
    expect(
      entryLatencyRose(
        shiftStats(
          base,
          base.map((x) => x + 2),
          1,
        ),
      ),
    ).toBe(false);
    expect(
      entryLatencyRose(
        shiftStats(
          base,
          base.map((x) => x * 1.5),
          1,
        ),
      ),
    ).toBe(true);
    const tail = base.map((x, i) => (i % 5 === 0 ? x * 4 : x));
    expect(entryLatencyRose(shiftStats(base, tail, 1))).toBe(true);
  });
});

describe('confidence basis', () => {
  const cand = (
    service: string,
    lnP: number,
    features: ScoredCandidate['features'] = { traces: -lnP / Math.LN10 },
  ): ScoredCandidate => ({
    service,
    operation: undefined,
    score: 0.9,
    p: Math.exp(lnP),
    lnP,
    evidence: -lnP / Math.LN10,
    features,
    onsetMs: 0,
    mechanism: 'latency',
    signals: [],
  });

  it('grows with the margin over the runner-up, in decades of evidence', () => {
    const basis = (second: number) =>
      assessConfidence({ candidates: [cand('a', -20 * Math.LN10), cand('b', -second * Math.LN10)], gaps: [] });
    const near = basis(19.5);
    const decade = basis(19);
    const far = basis(2);
    expect(near.margin).toBeCloseTo(0.5, 6);
    expect(decade.margin).toBeCloseTo(1, 6);
    expect(far.margin).toBeCloseTo(18, 6);
    expect(near.basis.raw).toBeLessThan(decade.basis.raw);
    expect(decade.basis.raw).toBeLessThan(far.basis.raw);
    // Alone (no runner-up), the margin is the top one's own evidence.
    expect(assessConfidence({ candidates: [cand('a', -20 * Math.LN10)], gaps: [] }).margin).toBeCloseTo(20, 6);
    // A runner-up within a decade is named (the boundary itself, 1 decade, is not "within").
    expect(near.reasons.join(' ')).toContain('b is nearly as strong');
    expect(far.reasons.join(' ')).not.toContain('nearly as strong');
  });

  it('says nothing without significant evidence, and lowers the basis for every backend that could not be read', () => {
    expect(assessConfidence({ candidates: [cand('a', Math.log(0.2))], gaps: [] }).basis.raw).toBe(0);
    const ok = assessConfidence({ candidates: [cand('a', -10 * Math.LN10)], gaps: [] }).basis.raw;
    const gap = { provider: 'loki', signal: 'logs' as const, status: 'failed' as const, reason: 'down' };
    expect(assessConfidence({ candidates: [cand('a', -10 * Math.LN10)], gaps: [gap] }).basis.raw).toBeLessThan(ok);
  });

  it('counts the modalities that carry the lead and calls one overwhelming only with a wide margin', () => {
    const two = assessConfidence({
      candidates: [cand('a', -9 * Math.LN10, { traces: 6, metrics: 3, logs: 0.5 }), cand('b', -1)],
      gaps: [],
    });
    expect(two.basis.modalities).toBe(2);
    expect(two.basis.overwhelming).toBe(true);
    const tied = assessConfidence({
      candidates: [cand('a', -9 * Math.LN10, { traces: 9 }), cand('b', -8.5 * Math.LN10)],
      gaps: [],
    });
    expect(tied.basis.overwhelming).toBe(false);
  });
});

describe('cohort reads', () => {
  const sp = (traceId: string, id: string, parent: string | undefined, startMs: number, durMs: number) =>
    span({
      traceId,
      spanId: id,
      ...(parent ? { parentSpanId: parent } : {}),
      service: 'a',
      start: at(startMs),
      durationNanos: durMs * 1e6,
    });

  it('drops traces open where a capped read stopped, keeps them when a later read covers the rest', () => {
    const done = [sp('1'.repeat(32), 'r', undefined, 0, 5), sp('1'.repeat(32), 'c', 'r', 1, 2)];
    const open = [sp('2'.repeat(32), 'r', undefined, 8, 50)]; // its children start after the cut at 10
    const cutRead = {
      spans: [...done, ...open, sp('3'.repeat(32), 'r', undefined, 10, 1)],
      start: at(0),
      end: at(100),
      truncated: true,
    };
    const cut = dropCutTraces([cutRead]);
    // trace 3 starts at the cut itself: still open there, so partial too
    expect(new Set(cut.kept.map((x) => x.traceId))).toEqual(new Set(['1'.repeat(32)]));
    expect(cut.dropped).toBe(2);
    const rest = { spans: [sp('2'.repeat(32), 'c', 'r', 12, 40)], start: at(10), end: at(100), truncated: false };
    expect(dropCutTraces([cutRead, rest]).dropped).toBe(0);
  });

  it('drops requests still running at the end of the last read (the alert)', () => {
    const r = {
      spans: [sp('4'.repeat(32), 'r', undefined, 90, 30), sp('5'.repeat(32), 'r', undefined, 10, 5)],
      start: at(0),
      end: at(100),
      truncated: false,
    };
    expect(dropCutTraces([r]).kept.map((x) => x.traceId)).toEqual(['5'.repeat(32)]);
  });
});

describe('tail leads', () => {
  // Intermittent delay on two links, in disjoint requests: a long one into `travel` in 2 of 10 requests (it makes
  // the entry's slow tail) and a short one into `price` in 2.5 of 10 (more frequent, but explains little of it).
  const incident = () => {
    const st = story(
      (phase, r, i) => {
        const k = i % 20;
        const slowTravel = phase === 'inc' && k < 4;
        const slowPrice = phase === 'inc' && k >= 4 && k < 9;
        return {
          svc: 'gateway',
          op: 'POST /travel',
          work: jitter(r, 4),
          children: [
            {
              svc: 'travel',
              op: 'Query',
              work: jitter(r, 5),
              net: slowTravel ? jitter(r, 1000, 0.1) : jitter(r, 1),
              children: [
                {
                  svc: 'basic',
                  op: 'Basic',
                  work: jitter(r, 3),
                  children: [
                    {
                      svc: 'price',
                      op: 'Price',
                      work: jitter(r, 2),
                      net: slowPrice ? jitter(r, 60, 0.1) : jitter(r, 1),
                    },
                  ],
                },
              ],
            },
          ],
        };
      },
      { n: 60, nInc: 60 },
    );
    return analyzeIncident(evidence({ ...st, symptom: 'gateway' }));
  };

  // Fails today: see the h12t report. Every signal test (exceedance count, rank sum, Welch on logs) weighs how often
  // a link is slower, not how much of the symptom's change it explains: price (25% of requests, +60 ms) outranks
  // travel (20%, +1000 ms, the whole entry tail).
  it.fails('ranks the delay that explains the entry tail above a more frequent small one', () => {
    const r = incident();
    const traces = (svc: string) => r.rootCauseCandidates.find((c) => c.service === svc)?.features?.traces ?? 0;
    expect(r.rootCauseCandidates[0]?.service).toBe('travel');
    expect(traces('travel')).toBeGreaterThan(traces('price'));
  });

  // Fails today: see the h12t report. A delayed link's evidence goes to the end whose other links carry the same
  // added delay (gaps.ts), but the added delay is a shift of medians: an intermittent delay moves no median, so
  // both ends count as "no information" and split the evidence evenly, however clean the caller's other link
  // (with jittered fast calls the attribution flips on the sign of a median's noise; here the fast calls take a
  // steady 1 ms, so both medians are equal and the split is even).
  it.fails('attributes an intermittent delay to the callee when the caller other link stayed fast', () => {
    const st = story(
      (phase, r, i) => {
        const slow = phase === 'inc' && i % 5 === 0;
        return {
          svc: 'gateway',
          op: 'POST /travel',
          work: jitter(r, 4),
          children: [
            { svc: 'auth', op: 'Check', client: true, work: jitter(r, 2) },
            { svc: 'travel', op: 'Query', client: true, work: jitter(r, 5), net: slow ? jitter(r, 1000, 0.1) : 1 },
          ],
        };
      },
      { n: 100, nInc: 100 },
    );
    const r = analyzeIncident(evidence({ ...st, symptom: 'gateway' }));
    const traces = (svc: string) => r.rootCauseCandidates.find((c) => c.service === svc)?.features?.traces ?? 0;
    expect(r.rootCauseCandidates[0]?.service).toBe('travel');
    expect(traces('travel')).toBeGreaterThan(traces('gateway') + 1);
  });
});

describe('kind-less gaps', () => {
  // gateway calls auth, then travel, with kind-less spans (no client spans: the gap of a call is estimated from the
  // caller's idle time around it). Only the call into travel is delayed, in every incident request.
  const incident = () => {
    const st = story(
      (phase, r) => ({
        svc: 'gateway',
        op: 'POST /travel',
        work: jitter(r, 4),
        children: [
          { svc: 'auth', op: 'Check', work: jitter(r, 2) },
          { svc: 'travel', op: 'Query', work: jitter(r, 5), net: phase === 'inc' ? jitter(r, 400, 0.1) : jitter(r, 1) },
        ],
      }),
      { n: 100, nInc: 100 },
    );
    return analyzeIncident(evidence({ ...st, symptom: 'gateway' }));
  };

  it('a delayed kind-less call makes its callee the lead', () => {
    const r = incident();
    expect(r.rootCauseCandidates[0]?.service).toBe('travel');
    expect(r.rootCauseCandidates[0]?.reason).toBe('network');
  });

  // Fails today: see the h12t report. spantree.ts computeGapOut takes 2 x the smaller idle interval around a
  // child; the idle time after auth now ends only when travel's delayed call starts, so the smaller interval
  // becomes the caller's own work before auth, and auth's "gap" rises in every delayed request (~1 ms -> ~4 ms):
  // auth gets ~40 decades of network evidence for travel's delay, and gateway's egress is blamed too.
  it.fails('the delay does not show on the sibling call made before it', () => {
    const r = incident();
    const traces = (svc: string) => r.rootCauseCandidates.find((c) => c.service === svc)?.features?.traces ?? 0;
    expect(traces('auth')).toBeLessThan(2);
  });
});

describe('passed-on failures', () => {
  it('a caller that fails because its callee failed is on the propagation path', () => {
    const st = story((phase, r) => {
      const bad = phase === 'inc';
      return {
        svc: 'gateway',
        op: 'POST /checkout',
        work: jitter(r, 4),
        children: [
          {
            svc: 'cart',
            op: 'Checkout',
            work: jitter(r, 3),
            ...(bad ? { error: true } : {}),
            children: [
              {
                svc: 'pricing',
                op: 'Quote',
                work: jitter(r, 2),
                ...(bad ? { exception: 'QuoteError: no price' } : {}),
              },
            ],
          },
          { svc: 'ads', op: 'Ads', work: jitter(r, 2) },
        ],
      };
    });
    const r = analyzeIncident(evidence({ ...st, symptom: 'gateway' }));
    expect(r.roles.rootCause).toEqual(['pricing']);
    expect(r.roles.propagation).toEqual(['cart']);
  });
});

describe('timeouts', () => {
  // gateway -> cart -> (client) -> pricing. In the incident cart gives up after waitMs ("timed out") on every call.
  const incident = (p: { pricingMs: number; waitMs: number; callsPerRequest: number }) => {
    const r = lcg(3);
    const spans = [];
    for (let i = 0; i < 80; i++) {
      const inc = i >= 40;
      const t0 = i * 1000;
      const traceId = `t${i.toString(16).padStart(31, '0')}`;
      const calls = inc ? p.callsPerRequest : 1;
      let t = t0 + 2;
      const kids = [];
      for (let c = 0; c < calls; c++) {
        const pricing = inc ? p.pricingMs * (1 + 0.1 * r()) : 5 + r();
        const wait = inc ? p.waitMs : pricing + 0.4;
        const id = (2 * c + 3).toString(16);
        const err = inc
          ? { status: 'error' as const, errorMessage: `request to pricing timed out after ${p.waitMs}ms` }
          : {};
        kids.push(
          span({
            traceId,
            spanId: id,
            parentSpanId: '2',
            service: 'cart',
            operation: 'GET',
            kind: 'client',
            start: at(t),
            durationNanos: wait * 1e6,
            ...err,
          }),
        );
        kids.push(
          span({
            traceId,
            spanId: (2 * c + 4).toString(16),
            parentSpanId: id,
            service: 'pricing',
            operation: 'GET /quote',
            kind: 'server',
            start: at(t + 0.2),
            durationNanos: pricing * 1e6,
          }),
        );
        t += wait + 0.5;
      }
      const dur = t - t0;
      const err = inc ? { status: 'error' as const, errorMessage: 'pricing unavailable' } : {};
      spans.push(
        span({
          traceId,
          spanId: '1',
          service: 'gateway',
          operation: 'GET /',
          kind: 'server',
          start: at(t0),
          durationNanos: (dur + 2) * 1e6,
          ...(inc ? { status: 'error' as const } : {}),
        }),
      );
      spans.push(
        span({
          traceId,
          spanId: '2',
          parentSpanId: '1',
          service: 'cart',
          operation: 'GET /cart',
          kind: 'server',
          start: at(t0 + 1),
          durationNanos: dur * 1e6,
          ...err,
        }),
        ...kids,
      );
    }
    return analyzeIncident(evidence({ spans, symptom: 'gateway', baseMs: [0, 40_000], incMs: [40_000, 80_000] }));
  };
  const cand = (r: ReturnType<typeof incident>, svc: string) => r.rootCauseCandidates.find((c) => c.service === svc);
  const evidenceOf = (r: ReturnType<typeof incident>, svc: string) => cand(r, svc)?.features?.traces ?? 0;

  // Fails today: see the h12t report. cart's timeouts (its own error-origin signal) are not explained by pricing's
  // slowness: both carry the same overwhelming evidence, pricing leads by the dilution of cart's extra signal
  // kinds only (0.3 decades), the verdict is inconclusive and no root is named.
  it.fails('timeouts on a callee that got slower are its slowness surfacing, not the caller defect', () => {
    const r = incident({ pricingMs: 200, waitMs: 50, callsPerRequest: 1 });
    expect(r.rootCauseCandidates[0]?.service).toBe('pricing');
    expect(r.roles.rootCause).toEqual(['pricing']);
    expect(evidenceOf(r, 'cart')).toBeLessThan(evidenceOf(r, 'pricing') - 2);
  });

  it('timeouts on a callee that answers as fast as before, or that the caller now floods, stay the caller error', () => {
    const fast = incident({ pricingMs: 5, waitMs: 3, callsPerRequest: 1 });
    expect(fast.rootCauseCandidates[0]?.service).toBe('cart');
    expect(cand(fast, 'cart')?.reason).toBe('error');
    expect(fast.roles.rootCause).toEqual(['cart']);
    expect(evidenceOf(fast, 'cart')).toBeGreaterThan(10);
    expect(evidenceOf(fast, 'pricing')).toBeLessThan(1);
    // Flooded: whichever leads, cart's own failures keep their evidence (nothing explains them away).
    const flood = incident({ pricingMs: 200, waitMs: 50, callsPerRequest: 4 });
    expect(cand(flood, 'cart')?.reason).toBe('error');
    expect(evidenceOf(flood, 'cart')).toBeGreaterThan(10);
  });
});
