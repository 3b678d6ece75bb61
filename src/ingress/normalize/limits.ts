/**
 * Bounds on what one delivery may make the normalizers do, so an authenticated sender cannot block the event loop
 * with a huge tag list or label map (a 1 MB tag string took about 0.45 s to split, sort and scan). Datadog caps a
 * tag at 200 characters and real monitors carry tens of tags; Alertmanager alerts carry tens of labels. A webhook
 * over a bound is refused with 413 FT_INGRESS_FIELD_TOO_LARGE and the path (Datadog and Alertmanager do not retry a
 * 4xx: the sender sees the refusal in its delivery log). A Slack message over a bound is read up to the bound
 * (Slack retries refusals and disables apps that keep failing).
 */
export const NORMALIZE_LIMITS = {
  /** Tags (Datadog) or labels (Alertmanager, one alert with its common labels). */
  maxTags: 500,
  /** Characters of one tag, or of one label key or value. */
  maxTagChars: 1024,
  /** Characters of a whole tag string (Datadog `tags`, `scopes`). */
  maxTagStringChars: 64 * 1024,
  /** Alerts in one Alertmanager delivery. */
  maxAlerts: 1000,
} as const;

export type Bounded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** A Datadog tag field (a comma-separated string or an array of strings) as a bounded list of tags. */
export function boundedTags(v: unknown): Bounded<string[]> {
  const { maxTags, maxTagChars, maxTagStringChars } = NORMALIZE_LIMITS;
  let list: string[];
  if (Array.isArray(v)) {
    if (v.length > maxTags) return { ok: false, message: `has ${v.length} tags; at most ${maxTags} are accepted` };
    list = [];
    for (const t of v) if (typeof t === 'string') list.push(t);
  } else if (typeof v === 'string' || typeof v === 'number') {
    const s = String(v);
    if (s.length > maxTagStringChars)
      return { ok: false, message: `is ${s.length} characters; at most ${maxTagStringChars} are accepted` };
    list = s.split(',');
    if (list.length > maxTags)
      return { ok: false, message: `has ${list.length} tags; at most ${maxTags} are accepted` };
  } else {
    return { ok: true, value: [] };
  }
  const out: string[] = [];
  for (const raw of list) {
    const t = raw.trim();
    if (t === '') continue;
    if (t.length > maxTagChars)
      return { ok: false, message: `has a tag of ${t.length} characters; at most ${maxTagChars} are accepted` };
    out.push(t);
  }
  return { ok: true, value: out };
}

/**
 * A label map (Alertmanager) within bounds: key count and key/value lengths. Annotations (`what: 'annotations'`) are
 * bounded by count and key length only: their values are prose (a summary, a description, a runbook) that is read
 * by key, never split or sorted, and is cut to the signal's own limits later; the body limit bounds them.
 */
export function labelsWithinBounds(
  m: Readonly<Record<string, string>>,
  what: 'labels' | 'annotations' = 'labels',
): string | undefined {
  const { maxTags, maxTagChars } = NORMALIZE_LIMITS;
  const maxValueChars = what === 'labels' ? maxTagChars : Number.POSITIVE_INFINITY;
  let n = 0;
  for (const k in m) {
    n += 1;
    if (n > maxTags) return `has more than ${maxTags} ${what}`;
    if (k.length > maxTagChars)
      return `has a ${what === 'labels' ? 'label' : 'annotation'} name longer than ${maxTagChars} characters`;
    if ((m[k] ?? '').length > maxValueChars) return `has a label longer than ${maxTagChars} characters`;
  }
  return undefined;
}
