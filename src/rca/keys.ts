/** Interned composite keys for the analysis' maps. */

/**
 * Composite keys (service NUL callee, service NUL operation...) built once per distinct pair and reused: a
 * concatenation per span builds a fresh string that every Map lookup must flatten and hash again. Only a cache of
 * equal strings (no effect on results); cleared when large, so a long-running worker does not keep every name.
 */
const interned = new Map<string, Map<string, string>>();
let internedCount = 0;

export function joinKey(a: string, b: string): string {
  let m = interned.get(a);
  if (!m) {
    if (internedCount > 50_000) {
      interned.clear();
      internedCount = 0;
    }
    m = new Map<string, string>();
    interned.set(a, m);
  }
  let k = m.get(b);
  if (k === undefined) {
    k = `${a}\u0000${b}`;
    m.set(b, k);
    internedCount++;
  }
  return k;
}
