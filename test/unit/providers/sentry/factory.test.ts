import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/config/load.js';
import { FixedClock } from '../../../../src/kernel/clock.js';
import { createLogger } from '../../../../src/kernel/logger.js';
import { errorQuery } from '../../../../src/providers/queries.js';
import { sentryFactory } from '../../../../src/providers/sentry/factory.js';
import { TimeRange } from '../../../../src/providers/time-range.js';

describe('sentryFactory', () => {
  it('is disabled without a token', () => {
    expect(sentryFactory.enabled(loadConfig({}).config)).toEqual({
      enabled: false,
      reason: 'SENTRY_AUTH_TOKEN is not set',
    });
  });

  it('builds an errors provider without network and links the issue stream', () => {
    const { config, scrubber } = loadConfig({ SENTRY_AUTH_TOKEN: 'sntrys_abcdef', SENTRY_ORG: 'acme' });
    const p = sentryFactory.create(config, {
      clock: new FixedClock(0),
      logger: createLogger({ level: 'silent' }),
      scrubber,
    });
    expect(p.capabilities).toEqual(['errors']);
    const d = p.describeQuery?.(errorQuery(TimeRange.fromMs(0, 60_000), { service: 'cart' }));
    expect(d?.query).toBe('is:unresolved service:cart');
    expect(d?.url).toBe(
      'https://sentry.io/organizations/acme/issues/?query=is%3Aunresolved+service%3Acart&start=1970-01-01T00%3A00%3A00.000000Z&end=1970-01-01T00%3A01%3A00.000000Z',
    );
  });
});
