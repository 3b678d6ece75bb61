import { describe, expect, it } from 'vitest';
import { isFlipturnError } from '../../../src/kernel/errors.js';
import { outcome } from '../../../src/providers/outcome.js';
import type { AnyProvider } from '../../../src/providers/protocols.js';
import { ProviderRegistry } from '../../../src/providers/registry.js';
import { TimeRange } from '../../../src/providers/time-range.js';
import { logQuery, metricQuery, traceSearchQuery } from '../../../src/providers/queries.js';

const health = () => Promise.resolve({ status: 'healthy' as const, detail: 'ok' });

function logsAndTraces(name: string): AnyProvider {
  return {
    name,
    capabilities: ['logs', 'traces'],
    healthCheck: health,
    fetchLogs: () => Promise.resolve(outcome.noData(name, 'nothing')),
    searchSpans: () => Promise.resolve(outcome.noData(name, 'nothing')),
    fetchTrace: () => Promise.resolve(outcome.noData(name, 'nothing')),
  };
}

describe('provider registry', () => {
  it('registers a provider under every capability it declares', () => {
    const r = new ProviderRegistry().register(logsAndTraces('a'));
    expect(r.capabilities()).toEqual(['traces', 'logs']);
    expect(r.first('logs')?.name).toBe('a');
    expect(r.first('metrics')).toBeUndefined();
  });

  it('rejects a provider that claims a protocol without its methods, naming what is missing', () => {
    const bad = {
      name: 'bad',
      capabilities: ['traces', 'metrics'],
      healthCheck: health,
      searchSpans: () => Promise.resolve(outcome.noData('bad', '')),
    };
    try {
      new ProviderRegistry().register(bad as unknown as AnyProvider);
      expect.unreachable();
    } catch (e) {
      expect(isFlipturnError(e, 'FT_PROVIDER_INVALID')).toBe(true);
      expect((e as Error).message).toContain('fetchTrace');
      expect((e as Error).message).toContain('fetchMetrics');
    }
  });

  it('rejects unknown capabilities and duplicates', () => {
    expect(() =>
      new ProviderRegistry().register({
        name: 'x',
        capabilities: ['pager'],
        healthCheck: health,
      } as unknown as AnyProvider),
    ).toThrow(/unknown capability/);
    const r = new ProviderRegistry().register(logsAndTraces('a'));
    expect(() => r.register(logsAndTraces('a'))).toThrow(/already registered/);
  });
});

describe('canonical queries and time ranges', () => {
  it('rejects an inverted range and accepts an empty one', () => {
    expect(() => TimeRange.of(10n, 5n)).toThrow(/before it starts/);
    const empty = TimeRange.of(5n, 5n);
    expect(empty.contains(5n)).toBe(false);
    const r = TimeRange.of(5n, 10n);
    expect(r.contains(5n)).toBe(true);
    expect(r.contains(10n)).toBe(false);
    expect(Object.isFrozen(r)).toBe(true);
  });

  it('validates and freezes queries', () => {
    const range = TimeRange.fromMs(0, 1000);
    const q = logQuery(range, { service: 'search', traceIds: ['ABCDEF0123456789ABCDEF0123456789'] });
    expect(q.traceIds).toEqual(['abcdef0123456789abcdef0123456789']);
    expect(Object.isFrozen(q)).toBe(true);
    expect(() => logQuery(range, { traceIds: ['not-hex'] })).toThrow(/hex/);
    expect(() => metricQuery(range, {})).toThrow(/name or a family/);
    expect(() => traceSearchQuery(range, { limit: 0 })).toThrow(/limit/);
  });
});
