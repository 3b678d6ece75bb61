/**
 * Service-map helpers shared by the topology providers (pure): one edge per caller -> callee pair, self-calls left
 * out (a service map is about calls between services; span-derived maps drop them too), sorted by caller then callee.
 */
import type { ServiceEdge } from './models.js';

export function edgeList(provider: string, pairs: Iterable<readonly [string, string]>): ServiceEdge[] {
  const seen = new Set<string>();
  const out: ServiceEdge[] = [];
  for (const [caller, callee] of pairs) {
    if (!caller || !callee || caller === callee) continue;
    const key = `${caller}\u0000${callee}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ sourceProvider: provider, caller, callee });
  }
  return out.sort((a, b) =>
    a.caller < b.caller ? -1 : a.caller > b.caller ? 1 : a.callee < b.callee ? -1 : a.callee > b.callee ? 1 : 0,
  );
}
