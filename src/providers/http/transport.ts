/**
 * The transport: one HTTP exchange over the global fetch, nothing else (no retry, no interpretation). A
 * per-attempt timeout (AbortSignal.timeout) is combined with the caller's signal; the body is read with a size
 * cap. Failures come back as data (`network` with a cause), never as throws, and never carry header values.
 */
import { joinUrl, type QueryParams } from './url.js';

export interface HttpRequest {
  readonly method?: 'GET' | 'POST';
  /** Endpoint path appended to the base URL (`/loki/api/v1/query_range`). */
  readonly path: string;
  readonly query?: QueryParams;
  readonly headers?: Readonly<Record<string, string>>;
  /** A string is sent as is; anything else as JSON. */
  readonly body?: unknown;
}

export type TransportResult =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly headers: Headers;
      readonly text: string;
      readonly url: string;
    }
  | {
      readonly kind: 'network';
      readonly cause: 'timeout' | 'aborted' | 'refused' | 'reset' | 'too_large' | 'other';
      readonly message: string;
      readonly url: string;
    };

export interface TransportOptions {
  readonly baseUrl: string;
  /** Sent with every request (credentials, tenant headers); a request's own headers override them. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Largest body read, in bytes (default 64 MiB). */
  readonly maxBodyBytes?: number;
  /** Injectable for tests; defaults to the Node 20 global fetch. */
  readonly fetch?: typeof fetch;
}

const DEFAULT_MAX_BODY = 64 * 1024 * 1024;

export class HttpTransport {
  readonly baseUrl: string;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly maxBodyBytes: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: TransportOptions) {
    new URL(options.baseUrl); // throws early on a malformed base URL
    this.baseUrl = options.baseUrl;
    this.headers = { 'user-agent': 'flipturn', ...(options.headers ?? {}) };
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
    this.fetchImpl = options.fetch ?? fetch;
  }

  url(req: Pick<HttpRequest, 'path' | 'query'>): string {
    return joinUrl(this.baseUrl, req.path, req.query).toString();
  }

  async send(req: HttpRequest, timeoutMs: number, callerSignal?: AbortSignal): Promise<TransportResult> {
    const url = this.url(req);
    const timeout = AbortSignal.timeout(Math.max(1, Math.floor(timeoutMs)));
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    const headers: Record<string, string> = { ...this.headers, ...(req.headers ?? {}) };
    let body: string | undefined;
    if (req.body !== undefined) {
      body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
      if (typeof req.body !== 'string' && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
        headers['content-type'] = 'application/json';
    }
    try {
      const res = await this.fetchImpl(url, { method: req.method ?? 'GET', headers, body, signal, redirect: 'follow' });
      const text = await readCapped(res, this.maxBodyBytes);
      if (text === undefined)
        return {
          kind: 'network',
          cause: 'too_large',
          message: `response body exceeds ${this.maxBodyBytes} bytes`,
          url,
        };
      return { kind: 'response', status: res.status, headers: res.headers, text, url };
    } catch (err) {
      return { kind: 'network', ...classify(err, timeout, callerSignal), url };
    }
  }
}

async function readCapped(res: Response, max: number): Promise<string | undefined> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (!res.body) return '';
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function classify(
  err: unknown,
  timeout: AbortSignal,
  caller: AbortSignal | undefined,
): { cause: Exclude<Extract<TransportResult, { kind: 'network' }>['cause'], 'too_large'>; message: string } {
  if (caller?.aborted) return { cause: 'aborted', message: 'cancelled by the caller' };
  if (timeout.aborted) return { cause: 'timeout', message: 'timed out' };
  const code = errorCode(err);
  if (code === 'ECONNREFUSED') return { cause: 'refused', message: 'connection refused' };
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE')
    return { cause: 'reset', message: 'connection closed by the server' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { cause: 'other', message: `host not found (${code})` };
  return { cause: 'other', message: code ? `network error (${code})` : 'network error' };
}

/** The system error code of a fetch failure (undici wraps it in `cause`). Never the message: it may hold the URL. */
function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
