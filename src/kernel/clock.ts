/**
 * The Clock port. Pure code takes a Clock instead of reading the wall clock, so tests and replays are
 * deterministic. Instants are nanoseconds since the Unix epoch as bigint (see ./time.ts).
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
  /** Nanoseconds since the Unix epoch. */
  nowNanos(): bigint;
}

/** The real clock. Only composition roots should construct it. */
export const systemClock: Clock = Object.freeze({
  nowMs: () => Date.now(),
  nowNanos: () => BigInt(Date.now()) * 1_000_000n,
});

/** A clock that only moves when told to. For tests and for replaying a recorded scenario at its own "now". */
export class FixedClock implements Clock {
  private nanos: bigint;

  constructor(start: Date | number | bigint) {
    this.nanos =
      typeof start === 'bigint' ? start : BigInt(start instanceof Date ? start.getTime() : start) * 1_000_000n;
  }

  nowMs(): number {
    return Number(this.nanos / 1_000_000n);
  }

  nowNanos(): bigint {
    return this.nanos;
  }

  advanceMs(ms: number): void {
    this.nanos += BigInt(Math.round(ms * 1_000_000));
  }

  set(to: Date | number | bigint): void {
    this.nanos = typeof to === 'bigint' ? to : BigInt(to instanceof Date ? to.getTime() : to) * 1_000_000n;
  }
}
