import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/kernel/clock.js';
import { isFlipturnError } from '../../../src/kernel/errors.js';
import type { Span } from '../../../src/providers/models.js';
import { outcome } from '../../../src/providers/outcome.js';
import type { AnyProvider } from '../../../src/providers/protocols.js';
import { traceSearchQuery } from '../../../src/providers/queries.js';
import { ProviderRegistry } from '../../../src/providers/registry.js';
import { TimeRange } from '../../../src/providers/time-range.js';
import { EvidenceAccess } from '../../../src/evidence/access.js';
import { Budget } from '../../../src/evidence/budget.js';

const RANGE = TimeRange.fromMs(1_000_000, 2_000_000);

function fakeSpan(n: number): Span {
  return {
    sourceProvider: 'fake',
    traceId: `${n.toString(16).padStart(32, '0')}`,
    spanId: `${n.toString(16).padStart(16, '0')}`,
    service: 's',
    operation: 'op',
    kind: 'server',
    start: BigInt(n),
    durationNanos: 1,
    status: 'ok',
    exceptions: [],
    events: [],
    links: [],
    attributes: {},
    resource: {},
  };
}

/** A traces provider whose behaviour per call is scripted. */
function scripted(name: string, answer: (limit: number) => unknown): AnyProvider {
  return {
    name,
    capabilities: ['traces'],
    healthCheck: () => Promise.resolve({ status: 'healthy', detail: 'ok' }),
    searchSpans: (q) => Promise.resolve(answer(q.limit)) as never,
    fetchTrace: () => Promise.resolve(answer(1000)) as never,
  };
}

function access(
  providers: AnyProvider[],
  budget: Budget,
  o: { timeoutMs?: number; signal?: AbortSignal } = {},
): EvidenceAccess {
  const reg = new ProviderRegistry();
  for (const p of providers) reg.register(p);
  return new EvidenceAccess(reg, {
    budget,
    wallClock: new FixedClock(0),
    callTimeoutMs: o.timeoutMs ?? 1000,
    ...(o.signal ? { signal: o.signal } : {}),
  });
}

describe('Budget', () => {
  it('admits calls up to the call budget and refuses the rest with a reason', () => {
    const b = new Budget({ maxCalls: 2, maxRowsPerCall: 10 });
    const a1 = b.admit('p', 0);
    const a2 = b.admit('q', 0);
    const a3 = b.admit('p', 0);
    expect(a1.admitted && a2.admitted).toBe(true);
    expect(a3).toEqual({ admitted: false, reason: 'call budget of 2 spent', limit: 'calls' });
    expect(b.stats()).toEqual({ total: 2, byProvider: { p: 1, q: 1 } });
  });

  it('lowers the row limit to what is left of the totals and releases unused rows', () => {
    const b = new Budget({
      maxCalls: 10,
      maxRowsPerCall: 100,
      maxRowsTotal: 150,
      perProvider: { p: { maxRows: 120, maxCalls: 3 } },
    });
    const a = b.admit('p', 0);
    expect(a).toMatchObject({ admitted: true, rowLimit: 100 });
    const c = b.admit('q', 0);
    expect(c).toMatchObject({ admitted: true, rowLimit: 50 }); // 150 total - 100 reserved
    if (!a.admitted || !c.admitted) throw new Error('unreachable');
    b.settle(a.ticket, 30);
    b.settle(c.ticket, 50);
    expect(b.admit('p', 0)).toMatchObject({ admitted: true, rowLimit: 70 }); // total 150 - 80 used
    expect(() => b.settle(a.ticket, 1)).toThrow(/settled/);
  });

  it('refuses every call once the deadline has passed', () => {
    const b = new Budget({ maxCalls: 10, maxRowsPerCall: 10, deadlineMs: 5000 });
    expect(b.admit('p', 4999).admitted).toBe(true);
    expect(b.admit('p', 5000)).toEqual({
      admitted: false,
      reason: 'the investigation deadline has passed',
      limit: 'deadline',
    });
  });

  it('never exceeds any limit, whatever the sequence of calls and answers (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ provider: fc.constantFrom('a', 'b', 'c'), rows: fc.nat(400) }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 1, max: 300 }),
        (seq, maxCalls, perCall) => {
          const b = new Budget({
            maxCalls,
            maxRowsPerCall: perCall,
            maxRowsTotal: 700,
            perProvider: { a: { maxCalls: 3, maxRows: 250 } },
          });
          const rowsBy: Record<string, number> = {};
          for (const step of seq) {
            const ad = b.admit(step.provider, 0);
            if (!ad.admitted) continue;
            expect(ad.rowLimit).toBeLessThanOrEqual(perCall);
            const kept = Math.min(step.rows, ad.rowLimit);
            rowsBy[step.provider] = (rowsBy[step.provider] ?? 0) + kept;
            b.settle(ad.ticket, kept);
          }
          const s = b.stats();
          expect(s.total).toBeLessThanOrEqual(maxCalls);
          expect(s.byProvider.a ?? 0).toBeLessThanOrEqual(3);
          expect(b.rowsUsed()).toBeLessThanOrEqual(700);
          expect(rowsBy.a ?? 0).toBeLessThanOrEqual(250);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('EvidenceAccess', () => {
  const q = traceSearchQuery(RANGE, { limit: 1000 });

  it('turns a refused call into a skipped_budget gap and never calls the provider', async () => {
    let called = 0;
    const p = scripted('fake', () => {
      called++;
      return outcome.ok('fake', [fakeSpan(1)]);
    });
    const acc = access([p], new Budget({ maxCalls: 1, maxRowsPerCall: 10 }));
    expect((await acc.searchSpans('fake', q, 'first')).status).toBe('ok');
    const r = await acc.searchSpans('fake', q, 'second');
    expect(r).toEqual({ status: 'skipped_budget', provider: 'fake', reason: 'call budget of 1 spent' });
    expect(called).toBe(1);
    expect(acc.gaps()).toEqual([
      { provider: 'fake', signal: 'traces', status: 'skipped_budget', reason: 'second: call budget of 1 spent' },
    ]);
  });

  it('lowers the query limit to the row budget and trims a provider that returns more anyway', async () => {
    const seen: number[] = [];
    const p = scripted('fake', (limit) => {
      seen.push(limit);
      return outcome.ok(
        'fake',
        Array.from({ length: 50 }, (_, i) => fakeSpan(i + 1)),
      );
    });
    const budget = new Budget({ maxCalls: 5, maxRowsPerCall: 20 });
    const acc = access([p], budget);
    const r = await acc.searchSpans('fake', q, 'spans');
    expect(seen).toEqual([20]);
    expect(r.status === 'ok' && r.data.length).toBe(20);
    expect(r.status === 'ok' && r.truncated).toBe(true);
    expect(budget.rowsUsed()).toBe(20);
    expect(acc.calls()[0]).toMatchObject({ rows: 20, truncated: true, status: 'ok' });
  });

  it('answers for a provider that does not answer in time (retryable timeout gap) and aborts its signal', async () => {
    let aborted = false;
    const p: AnyProvider = {
      ...scripted('slow', () => undefined),
      searchSpans: (_q, ctx) =>
        new Promise(() => {
          ctx?.signal?.addEventListener('abort', () => (aborted = true));
        }),
    };
    const acc = access([p], new Budget({ maxCalls: 5, maxRowsPerCall: 20 }), { timeoutMs: 20 });
    const r = await acc.searchSpans('slow', q, 'slow search');
    expect(r).toMatchObject({ status: 'retryable', kind: 'timeout' });
    expect(aborted).toBe(true);
    expect(acc.gaps()[0]).toMatchObject({ provider: 'slow', status: 'retryable' });
  });

  it('turns a throwing or malformed provider into a failed gap', async () => {
    const thrower = scripted('thrower', () => {
      throw new Error('boom');
    });
    const junk = scripted('junk', () => ({ hello: 'world' }));
    const acc = access([thrower, junk], new Budget({ maxCalls: 5, maxRowsPerCall: 20 }));
    expect(await acc.searchSpans('thrower', q, 'x')).toMatchObject({ status: 'failed', kind: 'internal' });
    expect(await acc.searchSpans('junk', q, 'y')).toMatchObject({ status: 'failed', kind: 'malformed' });
    expect(acc.gaps().map((g) => g.status)).toEqual(['failed', 'failed']);
  });

  it('keeps no_data out of the gaps only when the empty answer is the answer', async () => {
    const p = scripted('empty', () => outcome.noData('empty', 'nothing'));
    const acc = access([p], new Budget({ maxCalls: 5, maxRowsPerCall: 20 }));
    await acc.searchSpans('empty', q, 'error spans', { emptyIsAnswer: true });
    expect(acc.gaps()).toEqual([]);
    await acc.searchSpans('empty', q, 'cohort');
    expect(acc.gaps()).toEqual([{ provider: 'empty', signal: 'traces', status: 'no_data', reason: 'cohort: nothing' }]);
  });

  it('throws FT_INVESTIGATION_ABORTED when the investigation is cancelled, before or during a call', async () => {
    const ac = new AbortController();
    const p: AnyProvider = { ...scripted('hang', () => undefined), searchSpans: () => new Promise(() => undefined) };
    const acc = access([p], new Budget({ maxCalls: 5, maxRowsPerCall: 20 }), { timeoutMs: 10_000, signal: ac.signal });
    const pending = acc.searchSpans('hang', q, 'hang');
    ac.abort(new Error('shutdown'));
    await expect(pending).rejects.toSatisfy((e: unknown) => isFlipturnError(e, 'FT_INVESTIGATION_ABORTED'));
    await expect(acc.searchSpans('hang', q, 'again')).rejects.toSatisfy((e: unknown) =>
      isFlipturnError(e, 'FT_INVESTIGATION_ABORTED'),
    );
  });
});
