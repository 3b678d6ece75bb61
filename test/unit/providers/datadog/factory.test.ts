import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/config/load.js';
import { FixedClock } from '../../../../src/kernel/clock.js';
import { createLogger } from '../../../../src/kernel/logger.js';
import { siteUrls } from '../../../../src/providers/datadog/config.js';
import { datadogFactory } from '../../../../src/providers/datadog/factory.js';
import type { DatadogProvider } from '../../../../src/providers/datadog/provider.js';
import { metricQuery, logQuery } from '../../../../src/providers/queries.js';
import { TimeRange } from '../../../../src/providers/time-range.js';

describe('datadogFactory', () => {
  it('is disabled without keys and says which', () => {
    expect(datadogFactory.enabled(loadConfig({}).config)).toEqual({
      enabled: false,
      reason: 'DD_API_KEY and DD_APP_KEY are not set',
    });
  });

  it('builds a provider from DD_SITE without network, with site-aware deep links', () => {
    const { config, scrubber } = loadConfig({
      DD_API_KEY: 'k-0123456789',
      DD_APP_KEY: 'a-0123456789',
      DD_SITE: 'datadoghq.eu',
    });
    expect(datadogFactory.enabled(config)).toEqual({ enabled: true });
    const p = datadogFactory.create(config, {
      clock: new FixedClock(0),
      logger: createLogger({ level: 'silent' }),
      scrubber,
    }) as DatadogProvider;
    expect(p.name).toBe('datadog');
    expect(p.capabilities).toEqual(['traces', 'logs', 'metrics']);
    const r = TimeRange.fromMs(0, 60_000);
    expect(p.describeQuery(logQuery(r, { service: 'cart' }))?.url).toBe(
      'https://app.datadoghq.eu/logs?query=service%3Acart&from_ts=0&to_ts=60000&live=false',
    );
    expect(p.describeQuery(metricQuery(r, { name: 'm' }))?.query).toBe('avg:m{*}.rollup(avg, 60)');
  });

  it.each([
    ['datadoghq.com', 'https://api.datadoghq.com', 'https://app.datadoghq.com'],
    ['datadoghq.eu', 'https://api.datadoghq.eu', 'https://app.datadoghq.eu'],
    ['us3.datadoghq.com', 'https://api.us3.datadoghq.com', 'https://us3.datadoghq.com'],
    ['us5.datadoghq.com', 'https://api.us5.datadoghq.com', 'https://us5.datadoghq.com'],
    ['ap1.datadoghq.com', 'https://api.ap1.datadoghq.com', 'https://ap1.datadoghq.com'],
    ['ddog-gov.com', 'https://api.ddog-gov.com', 'https://app.ddog-gov.com'],
  ])('site %s -> %s / %s', (site, api, app) => {
    expect(siteUrls(site)).toEqual({ api, app });
  });
});
