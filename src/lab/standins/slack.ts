/**
 * A local stand-in for the Slack Web API (a testing and demo aid, not production code: it lives in src/lab/standins,
 * outside the production folders, because `flipturn demo`, `flipturn lab slack-standin` and the compose lab profile
 * run it, so the CLI and the built image must reach it; tests import it from test/support/slack-standin.ts):
 * node:http on 127.0.0.1 and a random free port. Point WebClient at `apiUrl` (SLACK_API_URL).
 *
 * Methods: auth.test, apps.connections.open (Socket Mode, with the app token: answers the URL set by
 * useSocketMode), chat.postMessage, chat.update, conversations.replies, conversations.history, and the external
 * file upload: files.getUploadURLExternal (a file id and an upload URL on this server, /upload/<file id>), the
 * bytes POSTed there (multipart with a file field, or the raw body), files.completeUploadExternal (shares the
 * uploaded file in the channel or thread as a message with `files`, as Slack does; a file not uploaded yet, or
 * completed twice, is an error). `uploads()` lists the shared files with their bytes. Bodies are
 * accepted as application/x-www-form-urlencoded (what WebClient sends; `blocks` and `metadata` arrive as JSON
 * strings) or application/json. The token comes from `Authorization: Bearer` or the `token` field and must
 * equal the configured one (else invalid_auth). Threads are tracked: a reply's thread_ts must name a root in
 * the same channel (else thread_not_found); message ts are deterministic ("1763700000.000001", ...). Message
 * metadata is stored and returned by conversations.* when include_all_metadata is set.
 *
 * conversations.replies and conversations.history page like Slack's: `limit` (default 100 for history, 1000 for
 * replies, at most 1000), `cursor` from the previous page's `response_metadata.next_cursor`, `has_more`; history
 * honours `oldest` and `latest` and lists newest first; replies lists the root, then the replies, oldest first.
 *
 * Scripted failures: `failNext(method, ...responses)` answers the next calls of a method with the given HTTP
 * responses (429 with Retry-After, 500...) before the real handling; `{ commit: true, status: 500 }` performs
 * the call and then answers 500 (the "Slack posted it but the answer was lost" case); `{ commit: true, status: 200,
 * transform }` performs it and answers the real body passed through `transform` (an answer that says ok and gives
 * the ts but not the thread, for instance). `transcript()` renders the channels and threads as text, as an operator
 * would see them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface StandinMessage {
  readonly channel: string;
  readonly ts: string;
  readonly threadTs?: string;
  text: string;
  blocks: unknown[];
  readonly metadata?: { readonly event_type: string; readonly event_payload: Record<string, unknown> };
  edited: number;
  readonly files?: readonly StandinFile[];
}

export interface StandinFile {
  readonly id: string;
  readonly name: string;
  readonly title: string;
  readonly altText: string;
  readonly bytes: Buffer;
  /** Where it was shared (completeUploadExternal). */
  readonly channel: string;
  readonly threadTs?: string;
}

export interface ScriptedResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Perform the call, then answer with this status/body instead of the real answer. */
  readonly commit?: boolean;
  /** With commit: answer the real body passed through this (status `status`). */
  readonly transform?: (realBody: Record<string, unknown>) => unknown;
}

export interface StandinCall {
  readonly method: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly status: number;
}

export interface SlackStandin {
  /** http://127.0.0.1:<port>/api/ : use as SLACK_API_URL / WebClient slackApiUrl. */
  readonly apiUrl: string;
  readonly token: string;
  readonly teamId: string;
  /** Every call, in arrival order. */
  readonly calls: readonly StandinCall[];
  /** Messages by channel, in post order. */
  messages(channel?: string): StandinMessage[];
  /** The root and replies of a thread, in order. */
  thread(channel: string, threadTs: string): StandinMessage[];
  /** The WebSocket URL apps.connections.open hands out (a Socket Mode stand-in, test/support/socket-mode-standin.ts). */
  useSocketMode(url: string): void;
  /** Files shared through the external upload flow, in completion order. */
  uploads(): StandinFile[];
  /** Posts a message as a user or alerting integration (e.g. the Datadog alert a thread hangs off). */
  seed(channel: string, text: string, threadTs?: string): StandinMessage;
  failNext(method: string, ...responses: ScriptedResponse[]): void;
  transcript(): string;
  stop(): Promise<void>;
}

export interface StandinOptions {
  readonly token?: string;
  readonly teamId?: string;
  /** Channels that answer channel_not_found. */
  readonly unknownChannels?: readonly string[];
  /** Seconds part of the first ts. Default 1763700000. */
  readonly tsBase?: number;
  /** Address to bind. Default 127.0.0.1 (0.0.0.0 only inside a container network, e.g. the compose lab profile). */
  readonly host?: string;
  /** Port to bind. Default 0 (a free port). */
  readonly port?: number;
  /** App-level token (xapp-...) accepted by apps.connections.open, which answers the URL given to useSocketMode(). */
  readonly appToken?: string;
}

type Params = Record<string, unknown>;
type Answer = { status: number; headers?: Readonly<Record<string, string>>; body: unknown };

function parseBody(raw: string, contentType: string | undefined): Params {
  if ((contentType ?? '').includes('application/json')) {
    const v = JSON.parse(raw || '{}') as unknown;
    return typeof v === 'object' && v !== null ? (v as Params) : {};
  }
  const out: Params = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    if ((k === 'blocks' || k === 'metadata' || k === 'attachments') && /^\s*[[{]/.test(v)) {
      try {
        out[k] = JSON.parse(v) as unknown;
        continue;
      } catch {
        /* keep as string */
      }
    }
    out[k] = v;
  }
  return out;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const truthy = (v: unknown): boolean => v === true || v === 'true' || v === '1' || v === 1;

export async function startSlackStandin(options: StandinOptions = {}): Promise<SlackStandin> {
  const token = options.token ?? 'xoxb-standin-token';
  const teamId = options.teamId ?? 'T0STANDIN';
  const unknown = new Set(options.unknownChannels ?? []);
  const byChannel = new Map<string, StandinMessage[]>();
  const calls: StandinCall[] = [];
  const scripts = new Map<string, ScriptedResponse[]>();
  const sockets = new Set<Socket>();
  const pending = new Map<string, { name: string; length: number; altText: string; bytes?: Buffer }>();
  const shared: StandinFile[] = [];
  let baseUrl = '';
  let socketUrl: string | undefined;
  let seq = 0;
  const nextTs = () => {
    seq += 1;
    return `${(options.tsBase ?? 1_763_700_000) + Math.floor(seq / 1_000_000)}.${String(seq % 1_000_000).padStart(6, '0')}`;
  };
  const list = (channel: string) => {
    let l = byChannel.get(channel);
    if (!l) byChannel.set(channel, (l = []));
    return l;
  };
  const find = (channel: string, ts: string) => byChannel.get(channel)?.find((m) => m.ts === ts);
  const view = (m: StandinMessage, withMeta: boolean) => ({
    type: 'message',
    ts: m.ts,
    text: m.text,
    blocks: m.blocks,
    bot_id: 'B0STANDIN',
    ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
    ...(m.edited ? { edited: { user: 'U0BOT', ts: m.ts } } : {}),
    ...(withMeta && m.metadata ? { metadata: m.metadata } : {}),
    ...(m.files
      ? {
          files: m.files.map((f) => ({
            id: f.id,
            name: f.name,
            title: f.title,
            mimetype: 'image/png',
            filetype: 'png',
            size: f.bytes.length,
            alt_txt: f.altText,
          })),
        }
      : {}),
  });
  const add = (
    channel: string,
    text: string,
    blocks: unknown[],
    threadTs?: string,
    metadata?: StandinMessage['metadata'],
    files?: StandinFile[],
  ) => {
    const m: StandinMessage = {
      channel,
      ts: nextTs(),
      text,
      blocks,
      edited: 0,
      ...(threadTs ? { threadTs } : {}),
      ...(metadata ? { metadata } : {}),
      ...(files ? { files } : {}),
    };
    list(channel).push(m);
    return m;
  };

  const methods: Record<string, (p: Params) => Answer> = {
    'auth.test': () => ({
      status: 200,
      body: {
        ok: true,
        url: 'https://standin.slack.local/',
        team: 'Stand-in',
        user: 'flipturn',
        team_id: teamId,
        user_id: 'U0BOT',
        bot_id: 'B0STANDIN',
      },
    }),
    'chat.postMessage': (p) => {
      const channel = str(p.channel);
      const text = str(p.text) ?? '';
      const blocks = Array.isArray(p.blocks) ? (p.blocks as unknown[]) : [];
      if (!channel) return platform('channel_not_found');
      if (unknown.has(channel)) return platform('channel_not_found');
      if (!text && !blocks.length) return platform('no_text');
      const threadTs = str(p.thread_ts);
      if (threadTs && !find(channel, threadTs)) return platform('thread_not_found');
      const root = threadTs ? (find(channel, threadTs)?.threadTs ?? threadTs) : undefined;
      const meta =
        p.metadata && typeof p.metadata === 'object' ? (p.metadata as StandinMessage['metadata']) : undefined;
      const m = add(channel, text, blocks, root, meta);
      return { status: 200, body: { ok: true, channel, ts: m.ts, message: view(m, true) } };
    },
    'chat.update': (p) => {
      const channel = str(p.channel);
      const ts = str(p.ts);
      if (!channel || unknown.has(channel)) return platform('channel_not_found');
      const m = ts ? find(channel, ts) : undefined;
      if (!m) return platform('message_not_found');
      if (typeof p.text === 'string') m.text = p.text;
      if (Array.isArray(p.blocks)) m.blocks = p.blocks as unknown[];
      m.edited += 1;
      return { status: 200, body: { ok: true, channel, ts: m.ts, text: m.text, message: view(m, false) } };
    },
    'files.getUploadURLExternal': (p) => {
      const name = str(p.filename);
      const length = Number(str(p.length) ?? p.length);
      if (!name) return platform('invalid_arguments');
      if (!Number.isInteger(length) || length <= 0) return platform('invalid_arguments');
      const id = `F0STANDIN${String(pending.size + shared.length + 1).padStart(4, '0')}`;
      pending.set(id, { name, length, altText: str(p.alt_text) ?? '' });
      return { status: 200, body: { ok: true, file_id: id, upload_url: `${baseUrl}/upload/${id}` } };
    },
    'files.completeUploadExternal': (p) => {
      let list: unknown = p.files;
      try {
        if (typeof list === 'string') list = JSON.parse(list) as unknown;
      } catch {
        return platform('invalid_arguments');
      }
      const first = Array.isArray(list) ? (list[0] as { id?: unknown; title?: unknown } | undefined) : undefined;
      const id = typeof first?.id === 'string' ? first.id : undefined;
      const up = id ? pending.get(id) : undefined;
      if (!id || !up?.bytes) return platform('file_not_found');
      if (up.bytes.length !== up.length) return platform('file_size_mismatch');
      const channel = str(p.channel_id);
      if (!channel || unknown.has(channel)) return platform('channel_not_found');
      const threadTs = str(p.thread_ts);
      if (threadTs && !find(channel, threadTs)) return platform('thread_not_found');
      pending.delete(id);
      const file: StandinFile = {
        id,
        name: up.name,
        title: typeof first?.title === 'string' ? first.title : up.name,
        altText: up.altText,
        bytes: up.bytes,
        channel,
        ...(threadTs ? { threadTs } : {}),
      };
      shared.push(file);
      add(channel, str(p.initial_comment) ?? '', [], threadTs, undefined, [file]);
      return { status: 200, body: { ok: true, files: [{ id, name: up.name, title: file.title }] } };
    },
    'conversations.replies': (p) => {
      const channel = str(p.channel);
      const ts = str(p.ts);
      if (!channel || unknown.has(channel)) return platform('channel_not_found');
      const root = ts ? find(channel, ts) : undefined;
      if (!root || !ts) return platform('thread_not_found');
      const msgs = [root, ...list(channel).filter((m) => m.threadTs === ts && m.ts !== ts)];
      return page(msgs, p, 1000);
    },
    'conversations.history': (p) => {
      const channel = str(p.channel);
      if (!channel || unknown.has(channel)) return platform('channel_not_found');
      const oldest = Number(str(p.oldest) ?? '0');
      const latest = Number(str(p.latest) ?? 'Infinity');
      const msgs = list(channel)
        .filter((m) => !m.threadTs && Number(m.ts) >= oldest && Number(m.ts) <= latest)
        .reverse();
      return page(msgs, p, 100);
    },
  };

  /** One page of messages with Slack's cursor pagination (the cursor is the offset, base64 like Slack's opaque ones). */
  const page = (msgs: readonly StandinMessage[], p: Params, defaultLimit: number): Answer => {
    const limit = Math.min(1000, Math.max(1, Number(str(p.limit) ?? p.limit ?? defaultLimit) || defaultLimit));
    const cursor = str(p.cursor);
    const offset =
      cursor === undefined
        ? 0
        : Number(
            Buffer.from(cursor, 'base64')
              .toString('utf8')
              .replace(/^offset:/, ''),
          );
    if (!Number.isInteger(offset) || offset < 0) return platform('invalid_cursor');
    const slice = msgs.slice(offset, offset + limit);
    const more = offset + limit < msgs.length;
    return {
      status: 200,
      body: {
        ok: true,
        messages: slice.map((m) => view(m, truthy(p.include_all_metadata))),
        has_more: more,
        response_metadata: { next_cursor: more ? Buffer.from(`offset:${offset + limit}`).toString('base64') : '' },
      },
    };
  };

  const handle = (req: IncomingMessage, raw: string): Answer & { method: string; params: Params } => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = u.pathname.replace(/^\/api\//, '');
    let params: Params;
    try {
      params = { ...Object.fromEntries(u.searchParams), ...parseBody(raw, req.headers['content-type']) };
    } catch {
      return { method, params: {}, ...platform('invalid_json') };
    }
    const auth = req.headers.authorization;
    const given = auth?.startsWith('Bearer ') ? auth.slice(7) : str(params.token);
    if (given === undefined) return { method, params, ...platform('not_authed') };
    if (method === 'apps.connections.open') {
      // Socket Mode: only the app-level token opens a connection (a bot token is not_allowed_token_type).
      if (options.appToken === undefined || given !== options.appToken)
        return { method, params, ...platform(given === token ? 'not_allowed_token_type' : 'invalid_auth') };
      return socketUrl
        ? { method, params, status: 200, body: { ok: true, url: socketUrl } }
        : { method, params, ...platform('internal_error') };
    }
    if (given !== token) return { method, params, ...platform('invalid_auth') };
    const fn = methods[method];
    if (!fn) return { method, params, status: 200, body: { ok: false, error: 'unknown_method' } };
    const scripted = scripts.get(method)?.shift();
    if (scripted && !scripted.commit)
      return {
        method,
        params,
        status: scripted.status,
        headers: scripted.headers ?? {},
        body: scripted.body ?? { ok: false, error: `http_${scripted.status}` },
      };
    const real = fn(params);
    if (scripted?.transform)
      return {
        method,
        params,
        status: scripted.status,
        headers: scripted.headers ?? {},
        body: scripted.transform(real.body as Record<string, unknown>),
      };
    if (scripted)
      return {
        method,
        params,
        status: scripted.status,
        headers: scripted.headers ?? {},
        body: scripted.body ?? { ok: false, error: `http_${scripted.status}` },
      };
    return { method, params, ...real };
  };

  /** The upload URL (no token: Slack's upload URLs are one-time and pre-authorized). */
  const receiveUpload = async (req: IncomingMessage, raw: Buffer): Promise<number> => {
    const id = (req.url ?? '').replace(/^\/upload\//, '');
    const up = pending.get(id);
    if (req.method !== 'POST' || !up) return 404;
    const type = req.headers['content-type'] ?? '';
    let bytes = raw;
    if (type.startsWith('multipart/form-data')) {
      const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
      const file = [...form.values()].find((v): v is File => typeof v !== 'string');
      if (!file) return 400;
      bytes = Buffer.from(await file.arrayBuffer());
    }
    up.bytes = bytes;
    return 200;
  };

  const server: Server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if ((req.url ?? '').startsWith('/upload/')) {
        void receiveUpload(req, Buffer.concat(chunks)).then((status) => {
          calls.push({ method: 'upload', params: { url: req.url ?? '' }, status });
          res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(status === 200 ? `OK - ${Buffer.concat(chunks).length}` : 'failed');
        });
        return;
      }
      const a = handle(req, Buffer.concat(chunks).toString('utf8'));
      calls.push({ method: a.method, params: a.params, status: a.status });
      res.writeHead(a.status, { 'content-type': 'application/json; charset=utf-8', ...(a.headers ?? {}) });
      res.end(JSON.stringify(a.body));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const host = options.host === undefined || options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  baseUrl = `http://${host}:${port}`;

  return {
    apiUrl: `http://${host}:${port}/api/`,
    token,
    teamId,
    calls,
    messages: (channel) =>
      channel === undefined ? [...byChannel.values()].flat() : [...(byChannel.get(channel) ?? [])],
    thread: (channel, threadTs) => list(channel).filter((m) => m.ts === threadTs || m.threadTs === threadTs),
    uploads: () => [...shared],
    useSocketMode: (url) => {
      socketUrl = url;
    },
    seed: (channel, text, threadTs) => add(channel, text, [], threadTs),
    failNext: (method, ...responses) => scripts.set(method, [...(scripts.get(method) ?? []), ...responses]),
    transcript: () => renderTranscript(byChannel),
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function platform(error: string): Answer {
  return { status: 200, body: { ok: false, error } };
}

/** Channels, then roots in order with their replies indented; block text shown when there is no plain text. */
export function renderTranscript(byChannel: ReadonlyMap<string, readonly StandinMessage[]>): string {
  const lines: string[] = [];
  for (const channel of [...byChannel.keys()].sort()) {
    const msgs = byChannel.get(channel) ?? [];
    lines.push(`#${channel}`);
    for (const root of msgs.filter((m) => !m.threadTs)) {
      lines.push(...messageLines(root, '  '));
      for (const r of msgs.filter((m) => m.threadTs === root.ts)) lines.push(...messageLines(r, '    ↳ '));
    }
  }
  return lines.join('\n');
}

function messageLines(m: StandinMessage, indent: string): string[] {
  // Shown as Slack displays it: mrkdwn entities decoded (the raw payload stays escaped).
  const files = (m.files ?? []).map((f) => `[picture: ${f.title} (${f.name}, ${f.bytes.length} bytes)]`).join(' ');
  const body = [blockText(m.blocks) || m.text, files]
    .filter(Boolean)
    .join('\n')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  const [first = '', ...rest] = body.split('\n');
  const pad = ' '.repeat(indent.length);
  return [`${indent}[${m.ts}${m.edited ? `, edited ${m.edited}x` : ''}] ${first}`, ...rest.map((l) => `${pad}${l}`)];
}

function blockText(blocks: readonly unknown[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    if (typeof b !== 'object' || b === null) continue;
    const o = b as { type?: unknown; text?: { text?: unknown }; elements?: Array<{ type?: unknown; text?: unknown }> };
    if (typeof o.text?.text === 'string') out.push(o.text.text);
    if (o.type === 'actions') {
      // Buttons as Slack shows them: [Details] [Recheck] ...
      const labels = (o.elements ?? [])
        .map((e) => (typeof e.text === 'object' && e.text !== null ? (e.text as { text?: unknown }).text : undefined))
        .filter((t): t is string => typeof t === 'string');
      if (labels.length) out.push(labels.map((l) => `[${l}]`).join(' '));
      continue;
    }
    for (const e of o.elements ?? []) if (typeof e.text === 'string') out.push(e.text);
  }
  return out.join('\n');
}
