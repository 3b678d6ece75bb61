/**
 * Outbound calls of a lab service. Service-to-service calls go through the instrumented http module (client span
 * and W3C trace-context + baggage injection by the HTTP instrumentation). Database and cache calls get a client
 * span with db.* attributes instead, with the context injected by hand and the transport span suppressed, as a
 * database driver would. Network faults act in this outbound path after the client span started and before the
 * request leaves, so only the caller's span sees them.
 */
import type * as Http from 'node:http';
import { SpanKind, SpanStatusCode, context, propagation, trace, type Attributes, type Span } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { sampleLatency, type Rng } from '../rng.js';
import type { FaultState } from './faults.js';

export class UpstreamError extends Error {
  constructor(
    readonly target: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

class RequestTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(target: string, timeoutMs: number) {
    super(`request to ${target} timed out after ${timeoutMs}ms`);
    this.name = 'RequestTimeoutError';
  }
}

export interface Reply {
  readonly status: number;
  readonly body: unknown;
}

export interface OutboundDeps {
  readonly http: typeof Http;
  readonly agent: Http.Agent;
  readonly ports: Readonly<Record<string, number>>;
  readonly rng: Rng;
  readonly faults: FaultState;
}

export interface SendOptions {
  readonly target: string;
  readonly path: string;
  readonly method: 'GET' | 'POST';
  readonly body?: unknown;
  readonly timeoutMs: number;
  readonly headers?: Record<string, string>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Network delay and TCP-like retransmission waits (each lost segment waits an RTO, doubling) for this request. */
function networkWait(d: OutboundDeps, target: string): number {
  const f = d.faults.network(target);
  if (!f) return 0;
  let wait = f.delay ? sampleLatency(d.rng, f.delay) : 0;
  let rto = 200;
  while (f.lossRate > 0 && d.rng.next() < f.lossRate && rto <= 6400) {
    wait += rto;
    rto *= 2;
  }
  return wait;
}

export function send(d: OutboundDeps, o: SendOptions): Promise<Reply> {
  const port = d.ports[o.target];
  if (port === undefined) return Promise.reject(new Error(`no address known for service ${o.target}`));
  const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
  const headers: Record<string, string> = { accept: 'application/json', ...(o.headers ?? {}) };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  const wait = networkWait(d, o.target);
  return new Promise<Reply>((resolve, reject) => {
    const req = d.http.request(
      { host: '127.0.0.1', port, path: o.path, method: o.method, agent: d.agent, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // a non-JSON body stays text
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new RequestTimeoutError(o.target, o.timeoutMs)), o.timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    const finish = () => {
      if (!req.destroyed) req.end(payload);
    };
    if (wait > 0) setTimeout(finish, wait);
    else finish();
  });
}

/** A database or cache call: one client span with db.* attributes wrapping the (untraced) transport. */
export async function storeCall(
  d: OutboundDeps,
  o: SendOptions & { spanName: string; attributes: Attributes },
  onReply?: (span: Span, reply: Reply) => void,
): Promise<Reply> {
  const tracer = trace.getTracer('flipturn-lab-db-client', '1.0.0');
  return tracer.startActiveSpan(
    o.spanName,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        ...o.attributes,
        'server.address': '127.0.0.1',
        'server.port': d.ports[o.target] ?? 0,
        'peer.service': o.target,
      },
    },
    async (span) => {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      propagation.inject(context.active(), headers);
      try {
        const reply = await context.with(suppressTracing(context.active()), () => send(d, { ...o, headers }));
        onReply?.(span, reply);
        if (reply.status >= 500) {
          const msg = errorText(reply.body) ?? `status ${reply.status}`;
          span.setStatus({ code: SpanStatusCode.ERROR, message: msg });
          span.setAttribute('error.type', String(reply.status));
        }
        return reply;
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        span.recordException(err);
        span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
        span.setAttribute('error.type', err.name);
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

export function errorText(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'error' in body) {
    const e = body.error;
    if (e && typeof e === 'object' && 'message' in e) return String(e.message);
    return String(e);
  }
  return undefined;
}

export { sleep };
