import type { Config } from '../config/schema.js';
import type { Clock } from '../kernel/clock.js';
import { errorMessage } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { SecretScrubber } from '../kernel/secrets.js';
import type { AnyProvider, CallContext, HealthResult } from './protocols.js';
import { ProviderRegistry } from './registry.js';

export interface ProviderDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly scrubber: SecretScrubber;
}

/**
 * How a provider is built from configuration. `enabled` looks only at the config (its keys or URL); `create`
 * builds the provider (no network). A factory per provider folder; bootstrap runs them all.
 */
export interface ProviderFactory {
  readonly name: string;
  enabled(config: Config): { readonly enabled: true } | { readonly enabled: false; readonly reason: string };
  create(config: Config, deps: ProviderDeps): AnyProvider;
}

export interface ProviderStatusRow {
  readonly provider: string;
  readonly state: 'enabled' | 'disabled' | 'failed';
  readonly capabilities: readonly string[];
  readonly detail: string;
  readonly latencyMs?: number;
}

export interface BootstrapResult {
  readonly registry: ProviderRegistry;
  readonly table: readonly ProviderStatusRow[];
}

/**
 * Builds the registry from configuration. A factory that throws, or a provider whose health check fails when
 * `healthCheck` is on, is left out and reported in the table: the service keeps running without it.
 */
export async function bootstrapProviders(
  config: Config,
  factories: readonly ProviderFactory[],
  deps: ProviderDeps,
  options: { healthCheck?: boolean; ctx?: CallContext } = {},
): Promise<BootstrapResult> {
  const registry = new ProviderRegistry();
  const table: ProviderStatusRow[] = [];
  for (const f of factories) {
    const e = f.enabled(config);
    if (!e.enabled) {
      table.push({ provider: f.name, state: 'disabled', capabilities: [], detail: e.reason });
      continue;
    }
    let provider: AnyProvider;
    try {
      provider = f.create(config, deps);
    } catch (err) {
      table.push({
        provider: f.name,
        state: 'failed',
        capabilities: [],
        detail: deps.scrubber.scrub(errorMessage(err)),
      });
      continue;
    }
    let health: HealthResult | undefined;
    if (options.healthCheck) {
      health = await safeHealth(provider, options.ctx);
      if (health.status === 'unhealthy') {
        await provider.close?.().catch(() => undefined);
        table.push({
          provider: provider.name,
          state: 'failed',
          capabilities: provider.capabilities,
          detail: deps.scrubber.scrub(health.detail),
          ...latency(health),
        });
        continue;
      }
    }
    try {
      registry.register(provider);
    } catch (err) {
      table.push({ provider: f.name, state: 'failed', capabilities: [], detail: errorMessage(err) });
      continue;
    }
    table.push({
      provider: provider.name,
      state: 'enabled',
      capabilities: provider.capabilities,
      detail: health ? deps.scrubber.scrub(health.detail) : 'not checked',
      ...latency(health),
    });
  }
  return { registry, table };
}

function latency(h: HealthResult | undefined): { latencyMs?: number } {
  return h?.latencyMs === undefined ? {} : { latencyMs: h.latencyMs };
}

async function safeHealth(p: AnyProvider, ctx: CallContext | undefined): Promise<HealthResult> {
  try {
    return await p.healthCheck(ctx);
  } catch (err) {
    return { status: 'unhealthy', detail: `health check threw: ${errorMessage(err)}` };
  }
}

export function renderProviderTable(rows: readonly ProviderStatusRow[]): string {
  const header = ['provider', 'state', 'capabilities', 'detail'];
  const body = rows.map((r) => [
    r.provider,
    r.state,
    r.capabilities.join(',') || '-',
    `${r.detail}${r.latencyMs !== undefined ? ` (${r.latencyMs} ms)` : ''}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n') + '\n';
}
