/**
 * Which end of a delayed link is at fault. A gap (time in the caller's call that the callee's span does not cover)
 * grows when the callee's ingress is slow (network into it, queueing before it starts) or when the caller's egress
 * is (network out of it, a starved caller that cannot even send or time its call). Each hypothesis predicts more
 * than this one link, and by how much: a slow ingress at B adds about the same time to every call into B, a slow
 * egress at A about the same time to every call out of A. So a delayed link A -> B adding d ms is attributed by how
 * much of d the same delay on the other links explains:
 * - egress(A) = the median added delay of A's other outgoing links over d (at most 1); ingress(B) likewise over B's
 *   other incoming links;
 * - an end with no other such link gives no information either way (counted as even, 1/2);
 * - a caller whose own time rose too (p < 0.01) is busy or starved: it cannot send or time its calls promptly
 *   whatever their destination, so its egress explains the link fully (1);
 * - the link's evidence (-log p) is split between the ends in proportion, as responsibilities split a likelihood
 *   ratio between two explanations. When neither end's other links moved, the fault is on the path between them
 *   and both ends share it. Pure.
 */
import { withLnP, type Signal } from './signals.js';
import { cmpStr, median } from './stats.js';

export function attributeGaps(signals: readonly Signal[], bySpecificity = true): Signal[] {
  const gaps = signals.filter((s) => s.kind === 'gap' && s.services.length === 2);
  if (gaps.length === 0) return [...signals];
  const into = new Map<string, Signal[]>();
  const outOf = new Map<string, Signal[]>();
  for (const g of gaps) {
    const [a, b] = g.services as [string, string];
    (outOf.get(a) ?? outOf.set(a, []).get(a)!).push(g);
    (into.get(b) ?? into.set(b, []).get(b)!).push(g);
  }
  const added = (s: Signal): number => Math.max(0, s.after - s.before);
  const explains = (others: readonly Signal[], d: number): number => {
    if (others.length === 0) return 0.5;
    if (!(d > 0)) return 0.5;
    return Math.min(1, median(others.map(added)) / d);
  };
  const busy = new Set<string>();
  for (const s of signals) if (s.kind === 'own' && s.p < 0.01) for (const svc of s.services) busy.add(svc);
  const out: Signal[] = signals.filter((s) => !(s.kind === 'gap' && s.services.length === 2));
  for (const g of [...gaps].sort((x, y) => cmpStr(x.id, y.id))) {
    const [a, b] = g.services as [string, string];
    const d = added(g);
    const wA = busy.has(a)
      ? 1
      : explains(
          (outOf.get(a) ?? []).filter((o) => o !== g),
          d,
        );
    const wB = explains(
      (into.get(b) ?? []).filter((o) => o !== g),
      d,
    );
    const total = wA + wB;
    const [fa, fb] = bySpecificity && total > 0 ? [wA / total, wB / total] : [0.5, 0.5];
    if (fa > 0) out.push(withLnP({ ...g, id: `${g.id}|egress`, services: [a] }, fa * g.lnP));
    if (fb > 0) out.push(withLnP({ ...g, id: `${g.id}|ingress`, services: [b] }, fb * g.lnP));
  }
  return out;
}
