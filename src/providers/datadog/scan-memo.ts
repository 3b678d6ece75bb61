/**
 * The span searches a sampled read made, kept for a minute so the other parts of the same sample reuse them.
 *
 * Why: a part (`{index, of}`) keeps the traces whose hash falls in it, and Datadog cannot filter by that hash, so a
 * part read must search the whole range to return its whole part; an investigation then asks for the same range
 * `of` times, one part per call. The slice searches of a (query, slice) are the same for every part (the part
 * filter applies to the answer), so the first part's searches serve the others: a sample of 8 parts costs about
 * the searches of one, which matters under the spans search's rate limit (300 requests an hour per organization).
 *
 * An entry is the search's answer in time order with the rows asked for and whether the backend had more; a later
 * ask for at most as many rows, or any ask when the answer was complete, is served from it exactly as a fresh
 * search would answer (the first rows of the same time-ordered list). Failures are not kept. Entries live
 * `MEMO_TTL_MS` by the provider's clock (an investigation's span; spans arriving late are seen by the next one);
 * the memo holds at most `MAX_ROWS` spans, the oldest entries leaving first.
 */
import type { Clock } from '../../kernel/clock.js';
import type { Span } from '../models.js';
import type { TimeRange } from '../time-range.js';

const MEMO_TTL_MS = 60_000;
const MAX_ROWS = 200_000;

interface ScanAnswer {
  readonly items: readonly Span[];
  /** The backend had more rows than `items`. */
  readonly truncated: boolean;
  readonly warnings: readonly string[];
}

interface Entry extends ScanAnswer {
  readonly rows: number;
  readonly at: number;
}

export class SpanScanMemo {
  private readonly entries = new Map<string, Entry>();
  private held = 0;

  constructor(private readonly clock: Clock) {}

  private static key(query: string, range: TimeRange): string {
    return `${range.start}|${range.end}|${query}`;
  }

  /** The answer a search of `rows` rows would give, when a kept one holds it. */
  get(query: string, range: TimeRange, rows: number): ScanAnswer | undefined {
    this.expire();
    const e = this.entries.get(SpanScanMemo.key(query, range));
    if (!e || (e.truncated && e.rows < rows)) return undefined;
    if (e.items.length <= rows) return { items: e.items, truncated: e.truncated, warnings: e.warnings };
    return { items: e.items.slice(0, rows), truncated: true, warnings: e.warnings };
  }

  set(query: string, range: TimeRange, rows: number, answer: ScanAnswer): void {
    const key = SpanScanMemo.key(query, range);
    this.drop(key);
    if (answer.items.length > MAX_ROWS) return;
    this.entries.set(key, { ...answer, rows, at: this.clock.nowMs() });
    this.held += answer.items.length;
    for (const k of this.entries.keys()) {
      if (this.held <= MAX_ROWS) break;
      this.drop(k);
    }
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.held -= e.items.length;
    this.entries.delete(key);
  }

  private expire(): void {
    const now = this.clock.nowMs();
    for (const [k, e] of this.entries) if (now - e.at >= MEMO_TTL_MS || e.at > now) this.drop(k);
  }
}
