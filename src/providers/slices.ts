/**
 * Time-sliced reads: how a provider whose backend cannot sample answers an `order: 'sampled'` read within one
 * protocol call. The range is cut into equal time slices and each slice is read with its share of the row quota
 * (a few requests at a time; every request goes through the shared HTTP layer, so the call's deadline, budget and
 * onCall hooks apply to each one). A second pass gives the quota that thin slices left unused to the slices that had
 * more, so a read that fits its limit returns everything, and a busy minute cannot crowd out a quiet one.
 *
 * It approximates a uniform-in-time thinning: the backends list rows in time order, so each slice keeps its earliest
 * rows and a sample still leans toward the start of each slice, a bias bounded by the slice width (an eighth of the
 * range with 8 slices), where an earliest-first read of the whole range holds only its first seconds.
 */
import { outcome, type QueryOutcome } from './outcome.js';
import { TimeRange } from './time-range.js';

/** Slices of a sampled read. */
export const SAMPLE_SLICES = 8;

/** `n` equal half-open slices of the range (fewer when a slice would be shorter than `minNanos`; one when empty). */
export function timeSlices(range: TimeRange, n: number, minNanos = 1n): TimeRange[] {
  const span = range.end - range.start;
  const fit = span / (minNanos > 0n ? minNanos : 1n);
  const count = fit >= BigInt(n) ? BigInt(Math.max(1, n)) : fit > 0n ? fit : 1n;
  const out: TimeRange[] = [];
  for (let i = 0n; i < count; i++)
    out.push(TimeRange.of(range.start + (span * i) / count, range.start + (span * (i + 1n)) / count));
  return out;
}

/** `total` split into `n` integer shares that differ by at most one (the larger ones first). */
export function quotas(total: number, n: number): number[] {
  const base = Math.floor(total / n);
  const rest = total - base * n;
  return Array.from({ length: n }, (_, i) => base + (i < rest ? 1 : 0));
}

/** What one slice read gives: the rows kept (inside the slice), and whether the backend had more there. */
export interface SliceAnswer<T> {
  readonly items: readonly T[];
  readonly more: boolean;
  readonly warnings?: readonly string[];
}

export interface SliceResult<T> {
  readonly range: TimeRange;
  /** The rows the slice may contribute (its share, plus what thin slices left). */
  readonly quota: number;
  readonly items: readonly T[];
  readonly more: boolean;
}

export interface SlicedRead<T> {
  readonly slices: readonly SliceResult<T>[];
  readonly warnings: readonly string[];
  /** Some slice could not be read (why is in the warnings): the answer is partial. */
  readonly partial: boolean;
}

export type SliceReader<T> = (slice: TimeRange, quota: number) => Promise<QueryOutcome<SliceAnswer<T>>>;

/** Runs `fn` over the items, at most `limit` at a time, results in item order. */
export async function mapLimit<A, R>(
  items: readonly A[],
  limit: number,
  fn: (a: A, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as A, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

function why(o: QueryOutcome<unknown>): string {
  return o.status === 'retryable' || o.status === 'failed' || o.status === 'unsupported' ? o.reason : o.status;
}

/**
 * Reads `slices` sharing `total` rows (see the module comment). A failing slice is left out with a warning (the read
 * is partial); when every slice fails in the first pass, the first failure is the answer. no_data is an empty slice.
 */
export async function readSlices<T>(
  provider: string,
  slices: readonly TimeRange[],
  total: number,
  read: SliceReader<T>,
  concurrency: number,
): Promise<QueryOutcome<SlicedRead<T>>> {
  const share = quotas(total, slices.length);
  const warnings: string[] = [];
  let partial = false;
  const first = await mapLimit(slices, concurrency, (s, i) => read(s, share[i] as number));
  const failures = first.filter((o) => o.status !== 'ok' && o.status !== 'no_data');
  if (failures.length === slices.length) return failures[0] as QueryOutcome<never>;
  const results: SliceResult<T>[] = slices.map((range, i) => {
    const o = first[i] as QueryOutcome<SliceAnswer<T>>;
    if (o.status === 'ok') {
      warnings.push(...(o.warnings ?? []), ...(o.data.warnings ?? []));
      return { range, quota: share[i] as number, items: o.data.items, more: o.data.more };
    }
    if (o.status !== 'no_data') {
      partial = true;
      warnings.push(`slice ${range.toString()} not read: ${why(o)}`);
    }
    return { range, quota: share[i] as number, items: [], more: false };
  });
  const used = results.reduce((n, r) => n + Math.min(r.items.length, r.quota), 0);
  const growable = results.map((r, i) => (r.more ? i : -1)).filter((i) => i >= 0);
  if (total - used > 0 && growable.length > 0) {
    const extra = quotas(total - used, growable.length);
    const again = await mapLimit(growable, concurrency, async (i, j) => {
      const add = extra[j] as number;
      const r = results[i] as SliceResult<T>;
      return add > 0 ? read(r.range, r.quota + add) : undefined;
    });
    growable.forEach((i, j) => {
      const o = again[j];
      const r = results[i] as SliceResult<T>;
      if (o === undefined) return;
      if (o.status === 'ok') {
        results[i] = { range: r.range, quota: r.quota + (extra[j] as number), items: o.data.items, more: o.data.more };
        warnings.push(...(o.data.warnings ?? []));
      } else warnings.push(`slice ${r.range.toString()} not read further: ${why(o)}`);
    });
  }
  return outcome.ok(provider, { slices: results, warnings: [...new Set(warnings)], partial });
}
