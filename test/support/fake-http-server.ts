/**
 * A small local HTTP server for contract tests of HTTP providers: loopback only (127.0.0.1), a random free port,
 * a route table, every request recorded, scripted responses per call. Stop it in afterAll/afterEach.
 *
 *   const server = await startFakeHttpServer();
 *   server.route('GET', '/loki/api/v1/query_range', [
 *     { status: 429, headers: { 'retry-after': '1' } },    // first call
 *     { status: 200, body: { status: 'success', data } },  // second and every later call (the last entry repeats)
 *   ]);
 *   server.route('GET', /^\/api\/traces\/(\w+)$/, (req) => ({ status: 200, body: lookup(req.path) }));
 *   ... provider pointed at server.url ...
 *   expect(server.requests.map((r) => r.query.get('query'))).toEqual([...]);
 *   await server.stop();
 *
 * A response is `{ status, headers, body, delayMs, close }`: an object body is sent as JSON (content-type set
 * unless given), a string or Buffer as is; `delayMs` waits before answering (for timeouts); `close: true`
 * destroys the connection without an answer (for network errors). Unmatched requests get 404 with a JSON body
 * naming the path, and are recorded like the others. Later routes for the same method and path replace earlier
 * ones, so a test can re-script a route.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
  /** 1-based index of this call among the calls that matched the same route. */
  readonly callIndex: number;
}

export interface FakeResponse {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly delayMs?: number;
  readonly close?: boolean;
}

export type FakeHandler = (req: RecordedRequest) => FakeResponse | Promise<FakeResponse>;
export type FakeScript = FakeResponse | readonly FakeResponse[] | FakeHandler;

interface Route {
  readonly method: string;
  readonly path: string | RegExp;
  readonly script: FakeScript;
  calls: number;
}

export interface FakeHttpServer {
  /** http://127.0.0.1:<port> (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Adds or replaces a route. `method` '*' matches any method. */
  route(method: string, path: string | RegExp, script: FakeScript): this;
  /** Requests whose path equals (string) or matches (RegExp) `path`. */
  requestsTo(path: string | RegExp): RecordedRequest[];
  /** Forgets the recorded requests and per-route call counts (routes stay). */
  reset(): void;
  stop(): Promise<void>;
}

export async function startFakeHttpServer(
  routes: ReadonlyArray<[string, string | RegExp, FakeScript]> = [],
): Promise<FakeHttpServer> {
  const table: Route[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const matches = (p: string | RegExp, path: string) => (typeof p === 'string' ? p === path : p.test(path));

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const route = [...table]
      .reverse()
      .find((r) => (r.method === '*' || r.method === method) && matches(r.path, u.pathname));
    const callIndex = route ? ++route.calls : 0;
    const recorded: RecordedRequest = {
      method,
      path: u.pathname,
      query: u.searchParams,
      headers: { ...req.headers },
      body,
      callIndex,
    };
    requests.push(recorded);
    const response: FakeResponse = route
      ? await pick(route.script, recorded)
      : { status: 404, body: { error: `no fake route for ${method} ${u.pathname}` } };
    if (response.delayMs) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, response.delayMs);
        timers.add(t);
      });
    }
    if (response.close) {
      req.socket.destroy();
      return;
    }
    if (res.destroyed) return;
    send(res, response);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed)
        send(res, { status: 500, body: { error: `fake server handler failed: ${String(err)}` } });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;

  const api: FakeHttpServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    route(method, path, script) {
      table.push({ method: method.toUpperCase(), path, script, calls: 0 });
      return api;
    },
    requestsTo(path) {
      return requests.filter((r) => matches(path, r.path));
    },
    reset() {
      requests.length = 0;
      for (const r of table) r.calls = 0;
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  for (const [m, p, s] of routes) api.route(m, p, s);
  return api;
}

async function pick(script: FakeScript, req: RecordedRequest): Promise<FakeResponse> {
  if (typeof script === 'function') return script(req);
  if (Array.isArray(script)) {
    const list = script as readonly FakeResponse[];
    return list[Math.min(req.callIndex, list.length) - 1] ?? { status: 500, body: { error: 'empty script' } };
  }
  return script as FakeResponse;
}

function send(res: ServerResponse, r: FakeResponse): void {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  let payload: string | Buffer = '';
  if (Buffer.isBuffer(r.body)) payload = r.body;
  else if (typeof r.body === 'string') payload = r.body;
  else if (r.body !== undefined) {
    payload = JSON.stringify(r.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json';
  }
  res.writeHead(r.status ?? 200, headers);
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
