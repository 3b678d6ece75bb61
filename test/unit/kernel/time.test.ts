import { describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/kernel/clock.js';
import { formatDurationNanos, parseIsoNanos, parseUnixNanos, toIsoNanos } from '../../../src/kernel/time.js';

describe('time', () => {
  it('keeps nanosecond precision through ISO round trips', () => {
    const ns = 1661153119562000154n;
    const iso = toIsoNanos(ns);
    expect(iso).toBe('2022-08-22T07:25:19.562000154Z');
    expect(parseIsoNanos(iso)).toBe(ns);
    expect(toIsoNanos(1661153119000000000n)).toBe('2022-08-22T07:25:19.000Z');
  });

  it('parses OTLP decimal nanosecond strings and rejects junk', () => {
    expect(parseUnixNanos('1661153119562000154')).toBe(1661153119562000154n);
    expect(parseUnixNanos('12abc')).toBeUndefined();
    expect(parseUnixNanos(-1)).toBeUndefined();
  });

  it('formats durations for people', () => {
    expect(formatDurationNanos(1_500_000_000)).toBe('1.50s');
    expect(formatDurationNanos(42_000_000)).toBe('42ms');
    expect(formatDurationNanos(1_200_000)).toBe('1.2ms');
    expect(formatDurationNanos(800_000)).toBe('800µs');
  });

  it('a fixed clock moves only when told', () => {
    const c = new FixedClock(new Date('2026-01-01T00:00:00Z'));
    expect(c.nowMs()).toBe(Date.parse('2026-01-01T00:00:00Z'));
    c.advanceMs(1500);
    expect(c.nowNanos()).toBe(BigInt(Date.parse('2026-01-01T00:00:01.500Z')) * 1_000_000n);
  });
});
