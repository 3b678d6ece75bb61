import { FlipturnError } from '../kernel/errors.js';
import {
  ALL_CAPABILITIES,
  REQUIRED_METHODS,
  type AnyProvider,
  type Capability,
  type ProviderByCapability,
} from './protocols.js';

/**
 * Holds the providers of one process. A provider is registered under every capability it declares; the
 * declaration is checked against the object (a provider that claims a protocol without its methods is rejected
 * at start-up), and a name can be registered once. Lookups keep registration order.
 */
export class ProviderRegistry {
  private readonly byName = new Map<string, AnyProvider>();
  private readonly byCapability: { [C in Capability]: Array<ProviderByCapability[C]> } = {
    logs: [],
    traces: [],
    metrics: [],
    errors: [],
    topology: [],
  };

  register(provider: AnyProvider): this {
    validateProvider(provider);
    if (this.byName.has(provider.name)) {
      throw new FlipturnError('FT_PROVIDER_DUPLICATE', `provider '${provider.name}' is already registered`);
    }
    this.byName.set(provider.name, provider);
    for (const c of provider.capabilities) (this.byCapability[c] as AnyProvider[]).push(provider);
    return this;
  }

  /** Providers for a capability, in registration order. */
  for<C extends Capability>(capability: C): ReadonlyArray<ProviderByCapability[C]> {
    return this.byCapability[capability];
  }

  /** The first provider of a capability, or undefined. */
  first<C extends Capability>(capability: C): ProviderByCapability[C] | undefined {
    return this.byCapability[capability][0];
  }

  has(capability: Capability): boolean {
    return this.byCapability[capability].length > 0;
  }

  get(name: string): AnyProvider | undefined {
    return this.byName.get(name);
  }

  all(): readonly AnyProvider[] {
    return [...this.byName.values()];
  }

  capabilities(): Capability[] {
    return ALL_CAPABILITIES.filter((c) => this.has(c));
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.all().map((p) => p.close?.() ?? Promise.resolve()));
  }
}

export function validateProvider(provider: unknown): asserts provider is AnyProvider {
  const p = provider as Partial<AnyProvider> | null;
  const label = typeof p?.name === 'string' && p.name ? `provider '${p.name}'` : 'provider';
  const problems: string[] = [];
  if (p === null || typeof p !== 'object') throw new FlipturnError('FT_PROVIDER_INVALID', 'provider must be an object');
  if (typeof p.name !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/.test(p.name))
    problems.push('name must be a lower-case identifier');
  if (typeof p.healthCheck !== 'function') problems.push('healthCheck() is missing');
  if (!Array.isArray(p.capabilities) || p.capabilities.length === 0)
    problems.push('capabilities must list at least one of logs, traces, metrics, errors, topology');
  const seen = new Set<string>();
  for (const c of p.capabilities ?? []) {
    if (!ALL_CAPABILITIES.includes(c)) {
      problems.push(`unknown capability '${String(c)}'`);
      continue;
    }
    if (seen.has(c)) problems.push(`capability '${c}' listed twice`);
    seen.add(c);
    for (const m of REQUIRED_METHODS[c]) {
      if (typeof (p as Record<string, unknown>)[m] !== 'function') problems.push(`claims '${c}' but ${m}() is missing`);
    }
  }
  if (problems.length > 0) {
    throw new FlipturnError('FT_PROVIDER_INVALID', `${label} does not fulfil its protocols: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
}
