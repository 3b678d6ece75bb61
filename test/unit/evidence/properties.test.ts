import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/kernel/clock.js';
import type { LogEntry, MetricSeries, Span } from '../../../src/providers/models.js';
import { createMemoryProvider } from '../../../src/providers/memory/provider.js';
import { ProviderRegistry } from '../../../src/providers/registry.js';
import { investigate } from '../../../src/evidence/investigate.js';
import type { RcaReport } from '../../../src/rca/contract.js';
import { ALERT, syntheticIncident, syntheticSignal, type SyntheticData } from './synthetic.js';

const MS = 1_000_000n;
const base = syntheticIncident();

function shifted(d: SyntheticData, by: bigint): SyntheticData {
  return {
    spans: d.spans.map((s): Span => ({
      ...s,
      start: s.start + by,
      exceptions: s.exceptions.map((e) => ({ ...e, time: e.time + by })),
    })),
    logs: d.logs.map((l): LogEntry => ({ ...l, time: l.time + by })),
    metrics: d.metrics.map((m): MetricSeries => ({ ...m, points: m.points.map((p) => ({ ...p, time: p.time + by })) })),
  };
}

async function run(d: SyntheticData, alert: bigint, wallStartMs = 0): Promise<RcaReport> {
  const reg = new ProviderRegistry().register(createMemoryProvider({ name: 'mem', ...d }));
  return investigate(syntheticSignal({}, alert), reg, {
    clock: new FixedClock(alert),
    wallClock: new FixedClock(wallStartMs),
  });
}

/** The report without instants: what must not change when the whole incident moves in time. */
function timeless(r: RcaReport): unknown {
  return JSON.parse(
    JSON.stringify(r, (_k, v: unknown) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) ? '<time>' : v)),
  ) as unknown;
}

describe('investigation properties', () => {
  it('is byte-identical whatever the wall clock reads (durationMs stays 0 with a fixed wall clock)', async () => {
    const a = JSON.stringify(await run(base, ALERT, 0));
    const b = JSON.stringify(await run(base, ALERT, 1_900_000_000_000));
    expect(b).toBe(a);
  });

  it('gives the same analysis when the incident and its alert move in time together', async () => {
    const reference = timeless(await run(base, ALERT));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -400_000, max: 400_000 }), async (minutes) => {
        const by = BigInt(minutes) * 60_000n * MS;
        expect(timeless(await run(shifted(base, by), ALERT + by))).toEqual(reference);
      }),
      { numRuns: 5 },
    );
  });

  it('gives the same bytes whatever order the provider holds its data in (property)', async () => {
    const reference = JSON.stringify(await run(base, ALERT));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), async (seed) => {
        const perm = <T>(xs: readonly T[]) =>
          xs
            .map((x, i) => ({ x, k: (i * 2654435761 + seed) % 4294967296 }))
            .sort((p, q) => p.k - q.k)
            .map((p) => p.x);
        const d = { spans: perm(base.spans), logs: perm(base.logs), metrics: perm(base.metrics) };
        expect(JSON.stringify(await run(d, ALERT))).toBe(reference);
      }),
      { numRuns: 5 },
    );
  });
});
