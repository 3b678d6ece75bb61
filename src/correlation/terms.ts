/**
 * Weak text terms: the words of an alert's title and description that may help a last-resort text search, with
 * the boilerplate of monitor notifications removed. Pure and deterministic: terms keep their order of first
 * appearance (title first), lower-cased, without duplicates, at most MAX_TERMS.
 */

const MAX_TERMS = 12;
const MAX_TEXT = 20_000;

/** Words every alert carries, which would match everything and find nothing. */
const BOILERPLATE = new Set([
  // English glue
  'a',
  'an',
  'and',
  'are',
  'as',
  'at',
  'be',
  'been',
  'by',
  'for',
  'from',
  'has',
  'have',
  'in',
  'into',
  'is',
  'it',
  'its',
  'of',
  'on',
  'or',
  'over',
  'than',
  'that',
  'the',
  'this',
  'to',
  'was',
  'were',
  'with',
  'during',
  'last',
  'since',
  'not',
  'no',
  'yet',
  'above',
  'below',
  'under',
  'more',
  'less',
  'per',
  'average',
  'avg',
  'value',
  'values',
  'sum',
  'min',
  'max',
  // monitor and alert words
  'alert',
  'alerts',
  'alerting',
  'monitor',
  'monitors',
  'triggered',
  'retriggered',
  'recovered',
  'resolved',
  'firing',
  'warn',
  'warning',
  'critical',
  'error',
  'status',
  'threshold',
  'thresholds',
  'edit',
  'notif',
  'notification',
  'link',
  'source',
  'event',
  'events',
  'query',
  'group',
  'scope',
  'scopes',
  'severity',
  'priority',
  'p1',
  'p2',
  'p3',
  'p4',
  'p5',
  'p50',
  'p75',
  'p90',
  'p95',
  'p99',
  'datadog',
  'alertmanager',
  'prometheus',
  'slack',
  'webhook',
  'summary',
  'description',
  'runbook',
  'dashboard',
  'high',
  'low',
  'time',
  'utc',
  'gmt',
  'mon',
  'tue',
  'wed',
  'thu',
  'fri',
  'sat',
  'sun',
  'jan',
  'feb',
  'mar',
  'apr',
  'may',
  'jun',
  'jul',
  'aug',
  'sep',
  'oct',
  'nov',
  'dec',
  'env',
  'service',
  'host',
  'region',
  'status_page',
  'https',
  'http',
  'www',
]);

/**
 * Terms from the given texts. Markdown, URLs, @-mentions, `%%%` fences, numbers (values and dates), ids that
 * look like hashes, and words of fewer than three characters are left out; `key:value` tags give the value.
 */
export function weakTerms(texts: readonly string[], exclude: readonly string[] = []): string[] {
  const skip = new Set(exclude.map((e) => e.toLowerCase()));
  const out: string[] = [];
  const seen = new Set<string>();
  for (const text of texts) {
    const cleaned = (text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text)
      .replace(/https?:\/\/\S+/gi, ' ')
      .replace(/@[\w.-]+/g, ' ')
      .replace(/%%%/g, ' ')
      .replace(/[*_`~#>|[\](){}"'!?,;=<]+/g, ' ');
    for (const raw of cleaned.split(/\s+/)) {
      for (const term of tokenize(raw)) {
        if (seen.has(term) || skip.has(term)) continue;
        seen.add(term);
        out.push(term);
        if (out.length >= MAX_TERMS) return out;
      }
    }
  }
  return out;
}

/** Control, zero-width and bidirectional-override characters: never part of a useful search term. */
function hasInvisible(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (
      c < 0x20 ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0x200b && c <= 0x200f) ||
      (c >= 0x2028 && c <= 0x202e) ||
      c === 0xfeff
    )
      return true;
  }
  return false;
}

function tokenize(raw: string): string[] {
  // key:value tags (env:prod, service:search) contribute their values; ':' otherwise separates words.
  const parts = raw.split(/[:/\\]+/).map((p) => p.replace(/^[.\-+]+|[.\-+]+$/g, '').toLowerCase());
  const result: string[] = [];
  for (const p of parts) {
    if (p.length < 3 || p.length > 64) continue;
    if (BOILERPLATE.has(p)) continue;
    if (/^[+-]?[0-9][0-9.,]*[a-zµ%]{0,3}$/.test(p)) continue; // 482ms, 0.5, 3.8s, 90%, 2022
    if (/^[0-9a-f]{12,}$/.test(p)) continue; // hashes and ids: not words
    if (!/[a-z]/.test(p)) continue;
    // Cut controls and other non-printing characters out of hostile input.
    if (hasInvisible(p)) continue;
    result.push(p);
  }
  return result;
}
