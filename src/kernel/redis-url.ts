/**
 * REDIS_URL, parsed once: a single Redis or a Redis Cluster.
 *   redis://[user:password@]host:port[/db]          one node (ioredis reads the URL as is)
 *   rediss://...                                    the same over TLS
 *   redis+cluster://[user:password@]host:port,host:port,...   a Redis Cluster: any reachable subset of its nodes
 *   rediss+cluster://...                            the same over TLS
 * The cluster nodes are only seeds: the client learns every master and replica from CLUSTER SLOTS and follows
 * MOVED/ASK redirections and failovers. A cluster has one database (0): a path is refused. Credentials are
 * percent-decoded. Pure: no IO.
 */

export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

export type RedisTarget =
  | { readonly kind: 'single'; readonly url: string }
  | {
      readonly kind: 'cluster';
      readonly nodes: readonly RedisNode[];
      readonly username?: string;
      readonly password?: string;
      readonly tls: boolean;
    };

export type RedisUrlResult =
  { readonly ok: true; readonly target: RedisTarget } | { readonly ok: false; readonly message: string };

const CLUSTER_SCHEMES: Readonly<Record<string, boolean>> = { 'redis+cluster:': false, 'rediss+cluster:': true };

export function parseRedisUrl(raw: string): RedisUrlResult {
  const url = raw.trim();
  const scheme = /^([a-z][a-z0-9+.-]*:)\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'redis:' || scheme === 'rediss:') {
    try {
      if (new URL(url).hostname === '') return { ok: false, message: 'names no host' };
    } catch {
      return { ok: false, message: 'is not a valid redis:// URL' };
    }
    return { ok: true, target: { kind: 'single', url } };
  }
  if (scheme === undefined || !(scheme in CLUSTER_SCHEMES)) {
    return { ok: false, message: 'must be a redis://, rediss://, redis+cluster:// or rediss+cluster:// URL' };
  }
  let rest = url.slice(scheme.length + 2);
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    if (rest.slice(slash) !== '/')
      return { ok: false, message: 'a Redis Cluster URL takes no database or path (a cluster has database 0 only)' };
    rest = rest.slice(0, slash);
  }
  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    try {
      const user = decodeURIComponent(colon < 0 ? userinfo : userinfo.slice(0, colon));
      const pass = colon < 0 ? undefined : decodeURIComponent(userinfo.slice(colon + 1));
      if (user !== '') username = user;
      if (pass !== undefined && pass !== '') password = pass;
    } catch {
      return { ok: false, message: 'has badly percent-encoded credentials' };
    }
  }
  const nodes: RedisNode[] = [];
  for (const part of rest.split(',')) {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(part.trim());
    const port = Number(m?.[3]);
    if (!m || !(port >= 1 && port <= 65535))
      return { ok: false, message: `has a cluster node "${part}" that is not host:port` };
    nodes.push({ host: m[1] ?? m[2] ?? '', port });
  }
  return {
    ok: true,
    target: {
      kind: 'cluster',
      nodes,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      tls: CLUSTER_SCHEMES[scheme] === true,
    },
  };
}

/**
 * The hash tag of a key as Redis Cluster computes it: the text between the first `{` and the first `}` after it,
 * when not empty; undefined otherwise (the whole key is hashed).
 */
export function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}

/**
 * `key` placed in the hash slot of `anchor`: unchanged when it already carries the anchor's hash tag, else
 * prefixed with it (`{tag}:key`). An anchor without a tag is hashed whole, and `{anchor}` hashes the same, so
 * both work on a cluster and on one node alike.
 */
export function inSlotOf(anchor: string, key: string): string {
  const tag = hashTag(anchor) ?? anchor;
  return hashTag(key) === tag ? key : `{${tag}}:${key}`;
}
