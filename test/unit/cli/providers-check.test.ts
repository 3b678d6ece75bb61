import { describe, expect, it } from 'vitest';
import type { CommandSpec } from '../../../src/cli/command.js';
import { COMMANDS } from '../../../src/cli/commands/index.js';
import { createProvidersCheckCommand, providersCheckCommand } from '../../../src/cli/commands/providers-check.js';
import { FixedClock } from '../../../src/kernel/clock.js';
import type { ProviderFactory } from '../../../src/providers/bootstrap.js';
import { PROVIDER_FACTORIES } from '../../../src/providers/factories.js';
import { outcome } from '../../../src/providers/outcome.js';
import type { AnyProvider, HealthResult } from '../../../src/providers/protocols.js';
import { runCliCaptured } from '../../support/cli-runner.js';

function cli(argv: string[], env: Record<string, string>, commands: readonly CommandSpec[]) {
  return runCliCaptured(argv, { env, commands, clock: new FixedClock(0) });
}

/** A fake factory enabled by one env-backed setting, whose provider answers health with `health`. */
function fake(
  name: string,
  o: { enabledBy?: 'LOKI_URL' | 'TEMPO_URL'; health?: HealthResult; throwOnCreate?: string; closed?: string[] },
): ProviderFactory {
  return {
    name,
    enabled: (c) =>
      o.enabledBy && c[o.enabledBy]
        ? { enabled: true }
        : { enabled: false, reason: `${o.enabledBy ?? 'nothing'} is not set` },
    create: (): AnyProvider => {
      if (o.throwOnCreate) throw new Error(o.throwOnCreate);
      return {
        name,
        capabilities: ['logs'],
        healthCheck: () => Promise.resolve(o.health ?? { status: 'healthy', detail: 'reachable', latencyMs: 12 }),
        fetchLogs: () => Promise.resolve(outcome.noData(name, 'nothing')),
        close: () => {
          o.closed?.push(name);
          return Promise.resolve();
        },
      };
    },
  };
}

const withFakes = (factories: readonly ProviderFactory[]) => [createProvidersCheckCommand(factories)];

describe('flipturn providers check', () => {
  it('is registered and wired to the built-in factories', () => {
    expect(COMMANDS).toContain(providersCheckCommand);
    expect(providersCheckCommand.needsConfig).toBe(true);
    expect(PROVIDER_FACTORIES.map((f) => f.name)).toContain('otlp-file');
  });

  it('exits 0 when nothing is configured, listing every provider as disabled with its reason', async () => {
    const r = await cli(['providers', 'check'], {}, COMMANDS);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/otlp-file\s+disabled\s+-\s+OTLP_DIR is not set/);
    expect(r.out).toContain('no provider is configured');
  });

  it('with the real factories, a configured OTLP_DIR that cannot be read fails the check (exit 1)', async () => {
    const r = await cli(['providers', 'check'], { OTLP_DIR: '/nonexistent/flipturn-otlp' }, COMMANDS);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/otlp-file\s+failed\s+\S+\s+.*\/nonexistent\/flipturn-otlp/);
  });

  it('exits 0 when every enabled provider is healthy, and closes them', async () => {
    const closed: string[] = [];
    const r = await cli(
      ['providers', 'check'],
      { LOKI_URL: 'http://127.0.0.1:3100' },
      withFakes([fake('loki', { enabledBy: 'LOKI_URL', closed }), fake('tempo', { enabledBy: 'TEMPO_URL' })]),
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/loki\s+enabled\s+logs\s+reachable \(12 ms\)/);
    expect(r.out).toMatch(/tempo\s+disabled\s+-\s+TEMPO_URL is not set/);
    expect(r.out).toContain('1 enabled, 1 disabled, 0 failed.');
    expect(closed).toEqual(['loki']);
  });

  it('exits 1 when a configured provider is unhealthy or cannot be built, with the reasons', async () => {
    const env = { LOKI_URL: 'http://127.0.0.1:3100', TEMPO_URL: 'http://127.0.0.1:3200' };
    const factories = [
      fake('loki', { enabledBy: 'LOKI_URL', health: { status: 'unhealthy', detail: 'connection refused' } }),
      fake('tempo', { enabledBy: 'TEMPO_URL', throwOnCreate: 'bad tenant header' }),
    ];
    const r = await cli(['providers', 'check'], env, withFakes(factories));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/loki\s+failed\s+logs\s+connection refused/);
    expect(r.out).toMatch(/tempo\s+failed\s+-\s+bad tenant header/);
  });

  it('--no-health skips the health checks', async () => {
    const factories = [
      fake('loki', { enabledBy: 'LOKI_URL', health: { status: 'unhealthy', detail: 'connection refused' } }),
    ];
    const r = await cli(
      ['providers', 'check', '--no-health'],
      { LOKI_URL: 'http://127.0.0.1:3100' },
      withFakes(factories),
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/loki\s+enabled\s+logs\s+not checked/);
    expect(r.out).toContain('(health checks skipped)');
  });

  it('--json prints the rows as JSON', async () => {
    const r = await cli(
      ['providers', 'check', '--json'],
      { LOKI_URL: 'http://127.0.0.1:3100' },
      withFakes([fake('loki', { enabledBy: 'LOKI_URL' }), fake('tempo', { enabledBy: 'TEMPO_URL' })]),
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      ok: true,
      healthChecked: true,
      providers: [
        { provider: 'loki', state: 'enabled', capabilities: ['logs'], detail: 'reachable', latencyMs: 12 },
        { provider: 'tempo', state: 'disabled', capabilities: [], detail: 'TEMPO_URL is not set' },
      ],
    });
  });

  it('refuses to run on an invalid configuration', async () => {
    const r = await cli(['providers', 'check'], { LOKI_URL: 'not a url' }, withFakes([]));
    expect(r.code).toBe(1);
    expect(r.err).toContain('LOKI_URL');
  });
});
