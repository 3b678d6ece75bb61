/**
 * Keeps known secret values out of anything printed: logs, error messages, provider outcomes.
 * The configuration registers every secret value it holds; adapters scrub vendor messages before they
 * become data. Values shorter than 4 characters are not registered (they would mangle ordinary text).
 */
export const SECRET_MASK = '[REDACTED]';

export class SecretScrubber {
  private readonly values = new Set<string>();
  /** What scrub() looks for, longest secret first, each followed by its URI-encoded form when that differs. */
  private needles: readonly string[] = [];

  register(...secrets: ReadonlyArray<string | undefined>): this {
    for (const s of secrets) if (s !== undefined && s.length >= 4) this.values.add(s);
    // Longest first so a secret that contains another is masked whole. Built once here, not on every scrub().
    this.needles = [...this.values]
      .sort((a, b) => b.length - a.length || (a < b ? -1 : 1))
      .flatMap((v) => {
        const encoded = encodeURIComponent(v);
        return encoded === v ? [v] : [v, encoded];
      });
    return this;
  }

  get size(): number {
    return this.values.size;
  }

  scrub(text: string): string {
    let out = text;
    for (const n of this.needles) if (out.includes(n)) out = out.split(n).join(SECRET_MASK);
    return out;
  }

  /** Deep copy of a JSON-like value with every string scrubbed. */
  scrubValue<T>(value: T): T {
    return scrubDeep(value, (s) => this.scrub(s), 0) as T;
  }
}

function scrubDeep(value: unknown, scrub: (s: string) => string, depth: number): unknown {
  if (depth > 32) return '[depth]';
  if (typeof value === 'string') return scrub(value);
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, scrub, depth + 1));
  if (value instanceof Error) return scrub(value.message);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrubDeep(v, scrub, depth + 1);
    return out;
  }
  return value;
}
