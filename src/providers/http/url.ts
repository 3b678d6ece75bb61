/** Joining a provider's base URL with an endpoint path and query parameters. */

export type QueryValue = string | number | boolean | undefined | readonly (string | number)[];
export type QueryParams = Readonly<Record<string, QueryValue>>;

/**
 * `base` may carry a path prefix (a reverse proxy, Grafana's datasource proxy): it is kept. `path` is appended
 * with exactly one slash between them; its own segments are used as given (callers encode ids). Query keys keep
 * the caller's order; undefined values are left out; arrays become repeated keys (Prometheus `match[]`).
 */
export function joinUrl(base: string, path: string, query: QueryParams = {}): URL {
  const u = new URL(base);
  const prefix = u.pathname.replace(/\/+$/, '');
  const suffix = path.replace(/^\/+/, '');
  u.pathname = suffix ? `${prefix}/${suffix}` : prefix || '/';
  u.hash = '';
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const v of value as readonly (string | number)[]) u.searchParams.append(key, String(v));
    } else {
      u.searchParams.append(key, String(value));
    }
  }
  return u;
}
