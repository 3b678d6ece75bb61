import { FlipturnError } from '../kernel/errors.js';
import { msToNanos, toIsoNanos, type UnixNanos } from '../kernel/time.js';

/**
 * An immutable, half-open time range [start, end) in Unix nanoseconds. An inverted range is rejected at
 * construction; an empty range (start === end) is allowed and contains nothing.
 */
export class TimeRange {
  readonly start: UnixNanos;
  readonly end: UnixNanos;

  private constructor(start: UnixNanos, end: UnixNanos) {
    this.start = start;
    this.end = end;
    Object.freeze(this);
  }

  static of(start: UnixNanos, end: UnixNanos): TimeRange {
    if (end < start) {
      throw new FlipturnError(
        'FT_TIME_RANGE_INVERTED',
        `time range ends (${toIsoNanos(end)}) before it starts (${toIsoNanos(start)})`,
      );
    }
    return new TimeRange(start, end);
  }

  static fromMs(startMs: number, endMs: number): TimeRange {
    return TimeRange.of(msToNanos(startMs), msToNanos(endMs));
  }

  /** The window of `lengthMs` ending at `endNanos` (exclusive). */
  static endingAt(endNanos: UnixNanos, lengthMs: number): TimeRange {
    return TimeRange.of(endNanos - msToNanos(lengthMs), endNanos);
  }

  get durationNanos(): bigint {
    return this.end - this.start;
  }

  get startMs(): number {
    return Number(this.start / 1_000_000n);
  }

  get endMs(): number {
    return Number(this.end / 1_000_000n);
  }

  contains(t: UnixNanos): boolean {
    return t >= this.start && t < this.end;
  }

  /** True when [s, e) overlaps this range. */
  overlaps(s: UnixNanos, e: UnixNanos): boolean {
    return s < this.end && e > this.start;
  }

  /** A new range widened by the given milliseconds on each side. */
  widen(beforeMs: number, afterMs = beforeMs): TimeRange {
    return TimeRange.of(this.start - msToNanos(beforeMs), this.end + msToNanos(afterMs));
  }

  equals(other: TimeRange): boolean {
    return this.start === other.start && this.end === other.end;
  }

  toJSON(): { start: string; end: string } {
    return { start: toIsoNanos(this.start), end: toIsoNanos(this.end) };
  }

  toString(): string {
    return `[${toIsoNanos(this.start)}, ${toIsoNanos(this.end)})`;
  }
}
