/**
 * Cursor pagination of the v2 list endpoints (spans, logs): `meta.page.after` is the next cursor, absent on the
 * last page. Pages are fetched until the limit is reached, the cursor ends, a cursor repeats, or `maxPages`.
 * A failure on the first page is the call's outcome; a failure on a later page keeps the rows already fetched
 * and says so (truncated, with a warning), so partial evidence is not thrown away.
 */
import { outcome, type QueryOutcome } from '../outcome.js';

export interface Page<I> {
  readonly items: readonly I[];
  readonly after?: string;
}

export interface Paged<I> {
  readonly items: I[];
  readonly truncated: boolean;
  readonly warnings: string[];
  readonly pages: number;
}

export async function paginate<R, I>(
  provider: string,
  fetchPage: (cursor: string | undefined, pageLimit: number) => Promise<QueryOutcome<R>>,
  extract: (answer: R) => Page<I> | string,
  opts: { readonly limit: number; readonly pageLimit: number; readonly maxPages: number },
): Promise<QueryOutcome<Paged<I>>> {
  const items: I[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const want = Math.min(opts.pageLimit, opts.limit - items.length);
    const answer = await fetchPage(cursor, want);
    if (answer.status !== 'ok') {
      if (pages === 0) return answer;
      warnings.push(`page ${pages + 1} not fetched: ${answer.reason}`);
      return outcome.ok(provider, { items, truncated: true, warnings, pages });
    }
    const page = extract(answer.data);
    if (typeof page === 'string') {
      if (pages === 0) return outcome.failed(provider, 'malformed', page);
      warnings.push(`page ${pages + 1} unusable: ${page}`);
      return outcome.ok(provider, { items, truncated: true, warnings, pages });
    }
    pages++;
    items.push(...page.items);
    const next = page.after;
    if (items.length >= opts.limit) {
      const more = next !== undefined && next !== '';
      return outcome.ok(provider, {
        items: items.slice(0, opts.limit),
        truncated: more || items.length > opts.limit,
        warnings,
        pages,
      });
    }
    if (!next || page.items.length === 0) return outcome.ok(provider, { items, truncated: false, warnings, pages });
    if (seen.has(next)) {
      warnings.push('pagination cursor repeated: stopped');
      return outcome.ok(provider, { items, truncated: true, warnings, pages });
    }
    if (pages >= opts.maxPages) {
      warnings.push(`stopped after ${pages} pages`);
      return outcome.ok(provider, { items, truncated: true, warnings, pages });
    }
    seen.add(next);
    cursor = next;
  }
}
