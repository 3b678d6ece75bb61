/**
 * A local OpenAI-compatible chat endpoint, for tests and `flipturn demo` with a model (a testing and demo aid, not
 * a model and not production code: it lives in src/lab/standins, outside the production folders): node:http on 127.0.0.1 and a free port serving POST /v1/chat/completions (and /chat/completions).
 * Point OPENAI_BASE_URL at `baseURL`.
 *
 * Scripted answers are served in order (`push`): text content, tool calls, an HTTP status with headers (429 with
 * Retry-After, 500), a raw body (garbage), a delay (slow model). With the script empty it answers "grounded": it
 * reads the DECIDED block and the EVIDENCE LEDGER from the prompt and writes an explanation that cites the
 * ledger's role entries (or, for a follow-up, restates the deterministic answer), so the demo gets a
 * model-written reply that passes the verifier. Every request body is recorded (`requests`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface StandinToolCall {
  readonly name: string;
  readonly args: Record<string, unknown>;
}

export interface StandinStep {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly delayMs?: number;
  /** The assistant's text (JSON string for a well-behaved model). */
  readonly content?: string;
  readonly toolCalls?: readonly StandinToolCall[];
  /** A raw response body, sent as is (not a chat completion). */
  readonly raw?: string;
}

export type StandinScript = StandinStep | ((request: ChatRequest) => StandinStep);

export interface ChatRequest {
  readonly model?: string;
  readonly messages: ReadonlyArray<{
    readonly role: string;
    readonly content?: unknown;
    readonly tool_calls?: unknown;
  }>;
  readonly tools?: ReadonlyArray<{ readonly function?: { readonly name?: string } }>;
  readonly max_tokens?: number;
  readonly max_completion_tokens?: number;
  readonly response_format?: unknown;
  readonly [k: string]: unknown;
}

export interface OpenAIStandin {
  /** e.g. http://127.0.0.1:41234/v1 */
  readonly baseURL: string;
  readonly requests: ChatRequest[];
  push(...steps: StandinScript[]): void;
  /** Steps not yet served. */
  pending(): number;
  stop(): Promise<void>;
}

const textOf = (c: unknown): string =>
  typeof c === 'string'
    ? c
    : Array.isArray(c)
      ? c
          .map((p: unknown) =>
            typeof p === 'object' && p !== null && typeof (p as { text?: unknown }).text === 'string'
              ? (p as { text: string }).text
              : '',
          )
          .join('')
      : '';

interface LedgerRow {
  readonly id: string;
  readonly service: string;
  readonly role: string;
}

function ledgerRows(prompt: string): LedgerRow[] {
  const rows: LedgerRow[] = [];
  for (const line of prompt.split('\n')) {
    const m = /^(E\d+) \| [^|]+ \| ([^|]+) \| [^|]+ \| role=([^|\s]+) \|/.exec(line);
    if (m) rows.push({ id: m[1] as string, service: (m[2] as string).trim(), role: m[3] as string });
  }
  return rows;
}

function decided(prompt: string, key: string): string[] {
  const m = new RegExp(`^${key}: (.*)$`, 'm').exec(prompt);
  const v = m?.[1]?.trim() ?? '';
  return v === '' || v === 'none' || v === 'not established' ? [] : v.split(',').map((s) => s.trim());
}

/** The well-behaved answer: grounded sentences built from the prompt's own ledger. */
function groundedAnswer(request: ChatRequest): string {
  const prompt = request.messages.map((m) => textOf(m.content)).join('\n');
  const grounding = /DETERMINISTIC ANSWER[^\n]*\n<untrusted_data[^>]*>\n([\s\S]*?)\n<\/untrusted_data>/.exec(prompt);
  if (grounding?.[1]) {
    const sentences = grounding[1]
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.trim().endsWith(':'))
      .slice(0, 6)
      .map((text) => ({ text, cites: [...new Set(text.match(/\bE\d+\b/g) ?? [])] }));
    return JSON.stringify({ sections: [{ title: 'Answer', sentences }] });
  }
  const rows = ledgerRows(prompt);
  const of = (svc: string, role: string) =>
    rows
      .filter((r) => r.service === svc && r.role === role)
      .slice(0, 2)
      .map((r) => r.id);
  const any = (svc: string) =>
    rows
      .filter((r) => r.service === svc)
      .slice(0, 1)
      .map((r) => r.id);
  const out: Array<{ text: string; cites: string[] }> = [];
  const roots = decided(prompt, 'root cause');
  for (const r of roots) {
    const ids = of(r, 'rootCause');
    if (ids.length)
      out.push({ text: `The failure started in ${r}, which is the root cause named by the analysis.`, cites: ids });
  }
  if (roots.length === 0) {
    out.push({
      text: 'The analysis has not established a root cause; read the strongest leads below before acting.',
      cites: [],
    });
  }
  const prop = decided(prompt, 'propagation');
  const propIds = prop.flatMap((p) => of(p, 'propagation').slice(0, 1));
  if (prop.length && propIds.length)
    out.push({ text: `From there it spread through ${prop.join(', ')}.`, cites: propIds });
  for (const b of decided(prompt, 'bottleneck')) {
    const ids = of(b, 'bottleneck');
    if (ids.length) out.push({ text: `Latency piled up in ${b}.`, cites: ids });
  }
  for (const s of decided(prompt, 'symptom')) {
    const ids = of(s, 'symptom').length ? of(s, 'symptom') : any(s);
    if (ids.length) out.push({ text: `The alert fired on ${s}, where the pain surfaced.`, cites: ids });
  }
  return JSON.stringify({ sections: [{ title: 'What happened (model)', sentences: out }] });
}

function completion(request: ChatRequest, step: StandinStep, n: number): unknown {
  const toolCalls = step.toolCalls?.map((c, i) => ({
    id: `call_${n}_${i}`,
    type: 'function',
    function: { name: c.name, arguments: JSON.stringify(c.args) },
  }));
  const content = step.content ?? (toolCalls?.length ? null : groundedAnswer(request));
  return {
    id: `chatcmpl-standin-${n}`,
    object: 'chat.completion',
    created: 1_763_700_000,
    model: request.model ?? 'standin',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, ...(toolCalls?.length ? { tool_calls: toolCalls } : {}) },
        finish_reason: toolCalls?.length ? 'tool_calls' : 'stop',
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startOpenAIStandin(initial: readonly StandinScript[] = []): Promise<OpenAIStandin> {
  const queue: StandinScript[] = [...initial];
  const requests: ChatRequest[] = [];
  const sockets = new Set<Socket>();
  let served = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/chat/completions')) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }));
      return;
    }
    let request: ChatRequest;
    try {
      request = JSON.parse(await readBody(req)) as ChatRequest;
    } catch {
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: 'invalid JSON body', type: 'invalid_request_error' } }));
      return;
    }
    requests.push(request);
    const next = queue.shift();
    const step = typeof next === 'function' ? next(request) : (next ?? {});
    served += 1;
    if (step.delayMs) await new Promise((r) => setTimeout(r, step.delayMs));
    if (res.destroyed) return;
    const status = step.status ?? 200;
    if (step.raw !== undefined) {
      res.writeHead(status, { 'content-type': 'application/json', ...step.headers }).end(step.raw);
      return;
    }
    const body =
      status === 200
        ? completion(request, step, served)
        : { error: { message: `scripted ${status}`, type: status === 429 ? 'rate_limit_exceeded' : 'server_error' } };
    res.writeHead(status, { 'content-type': 'application/json', ...step.headers }).end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    push: (...steps) => void queue.push(...steps),
    pending: () => queue.length,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
