/**
 * How long and how much the gate lets a client take, and how it lets go of connections on shutdown.
 *
 * Node's HTTP server (behind Fastify) enforces these per connection:
 *   - headersTimeout: the request line and headers must arrive within this (slowloris on headers);
 *   - requestTimeout: the whole request, body included, within this (a trickled body);
 *   - connectionTimeout: a socket with no traffic at all for this long is destroyed;
 *   - keepAliveTimeout: an idle keep-alive connection between requests is closed after this (above the 60 s
 *     idle timeout of common load balancers, so they never reuse a connection we are closing).
 * Node checks the header and request deadlines every `connectionsCheckingInterval` (30 s by default, far too
 * coarse): the gate checks every second.
 *
 * Body limits are per route: Slack signs its bodies, so its route must read them, and reads at most 512 KiB
 * (an Events API message with blocks and attachments is far below that); the token routes read at most 1 MiB and
 * only after the token matched (checked in onRequest, before a byte of the body is read).
 *
 * On shutdown (closeGate): stop listening and close idle keep-alive connections at once, give requests in flight
 * `drainMs` to finish, then destroy every remaining connection (stalled uploads included).
 */
import type { FastifyInstance } from 'fastify';

export interface GateLimits {
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** Body limit of the Slack Events route. */
  readonly slackBodyLimitBytes: number;
  /** Body limit of the Datadog and Alertmanager routes. */
  readonly tokenBodyLimitBytes: number;
}

const DEFAULT_GATE_LIMITS: GateLimits = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  connectionTimeoutMs: 70_000,
  keepAliveTimeoutMs: 65_000,
  slackBodyLimitBytes: 512 * 1024,
  tokenBodyLimitBytes: 1024 * 1024,
};

/** How often Node checks the header and request deadlines of open connections. */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

export function gateLimits(partial: Partial<GateLimits> = {}): GateLimits {
  const l = { ...DEFAULT_GATE_LIMITS, ...partial };
  // Node refuses a headersTimeout above the requestTimeout.
  return { ...l, headersTimeoutMs: Math.min(l.headersTimeoutMs, l.requestTimeoutMs) };
}

/** Fastify server options that carry the limits (Fastify hands `http` to http.createServer). */
export function serverOptions(limits: GateLimits): {
  requestTimeout: number;
  connectionTimeout: number;
  keepAliveTimeout: number;
  bodyLimit: number;
  forceCloseConnections: 'idle';
  return503OnClosing: true;
  http: { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number };
} {
  return {
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.connectionTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    bodyLimit: Math.max(limits.slackBodyLimitBytes, limits.tokenBodyLimitBytes),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(CONNECTIONS_CHECKING_INTERVAL_MS, limits.headersTimeoutMs),
    },
  };
}

/** Default share of the shutdown grace period the HTTP server may use to drain requests in flight. */
export const DEFAULT_DRAIN_MS = 5_000;

/**
 * Closes a Fastify server within `drainMs`: no new connections, idle keep-alive connections closed now, requests in
 * flight given until the deadline, then every connection still open destroyed. Resolves when the server is closed.
 */
export async function closeGate(app: FastifyInstance, drainMs: number): Promise<void> {
  const closing = app.close();
  const server = app.server;
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), Math.max(0, drainMs));
  try {
    await closing;
  } finally {
    clearTimeout(timer);
  }
}
