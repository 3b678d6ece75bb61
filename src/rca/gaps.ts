/**
 * Which end of a delayed link is at fault. A gap (time in the caller's call that the callee's span does not cover)
 * grows when the callee's ingress is slow (network into it, queueing before it starts) or when the caller's egress
 * is (network out of it, a starved caller that cannot even send or time its call). Each hypothesis predicts more
 * than this one link: a slow ingress at B delays every call into B, a slow egress at A every call out of A. So a
 * delayed link A -> B is attributed by the other links each hypothesis predicts:
 * - the share of B's other incoming links that are delayed, and of A's other outgoing links;
 * - an end with no other such link gives no information either way (counted as even, 1/2);
 * - the link's evidence (-log p) is split between the ends in proportion to their shares, as responsibilities split
 *   a likelihood ratio between two explanations (an even split halves it). When neither end's other links are
 *   delayed, the fault is on the path between them and both ends share it.
 * "Delayed" for another link means p < 0.01. Pure.
 */
import { withLnP, type Signal } from './signals.js';
import { cmpStr } from './stats.js';

const DELAYED = 0.01;

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
  const share = (others: readonly Signal[]): number => (others.length === 0 ? 0.5 : others.filter((o) => o.p < DELAYED).length / others.length);
  const out: Signal[] = signals.filter((s) => !(s.kind === 'gap' && s.services.length === 2));
  for (const g of [...gaps].sort((x, y) => cmpStr(x.id, y.id))) {
    const [a, b] = g.services as [string, string];
    const wA = share((outOf.get(a) ?? []).filter((o) => o !== g));
    const wB = share((into.get(b) ?? []).filter((o) => o !== g));
    const total = wA + wB;
    const [fa, fb] = bySpecificity && total > 0 ? [wA / total, wB / total] : [0.5, 0.5];
    if (fa > 0) out.push(withLnP({ ...g, id: `${g.id}|egress`, services: [a] }, fa * g.lnP));
    if (fb > 0) out.push(withLnP({ ...g, id: `${g.id}|ingress`, services: [b] }, fb * g.lnP));
  }
  return out;
}
