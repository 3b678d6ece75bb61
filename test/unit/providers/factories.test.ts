import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { PROVIDER_FACTORIES } from '../../../src/providers/factories.js';

function config(env: Record<string, string>) {
  const r = parseConfig(env);
  if (!r.ok) throw new Error('test configuration is invalid');
  return r.config;
}

describe('PROVIDER_FACTORIES', () => {
  it('has unique lower-case names and is frozen', () => {
    const names = PROVIDER_FACTORIES.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z0-9][a-z0-9._-]*$/);
    expect(Object.isFrozen(PROVIDER_FACTORIES)).toBe(true);
  });

  it('every factory is disabled, with a reason, when nothing is configured', () => {
    const empty = config({});
    for (const f of PROVIDER_FACTORIES) {
      const e = f.enabled(empty);
      expect(e.enabled, f.name).toBe(false);
      if (!e.enabled) expect(e.reason.length, f.name).toBeGreaterThan(0);
    }
  });

  it('includes otlp-file, enabled by OTLP_DIR', () => {
    const f = PROVIDER_FACTORIES.find((x) => x.name === 'otlp-file');
    expect(f?.enabled(config({ OTLP_DIR: '/tmp/otlp' }))).toEqual({ enabled: true });
  });
});
