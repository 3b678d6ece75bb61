/**
 * Slack Web API client on @slack/web-api's WebClient, pointed at SLACK_API_URL (a local stand-in in tests and
 * the demo) with the bot token. WebClient's own retries are off (retries: 0, rejectRateLimitedCalls: true): this
 * class owns a bounded retry loop so its behaviour is exact and testable with an injected sleep:
 *   - 429 (WebAPIRateLimitedError): wait Retry-After (capped at maxRetryAfterMs), retry. Slack did not act.
 *   - 5xx, network errors, and platform errors internal_error / fatal_error / service_unavailable /
 *     request_timeout: backoff 250ms * 2^n, retry. These are ambiguous for writes: Slack may have acted. A
 *     postMessage carrying a delivery marker (metadata) first looks for its own message (conversations.replies,
 *     or conversations.history for a new thread root) before posting again, so a retry never duplicates.
 *   - any other platform error (channel_not_found, invalid_auth, not_in_channel...): FT_SLACK_DELIVERY_FAILED.
 * At most maxAttempts calls per operation; then FT_SLACK_DELIVERY_FAILED with the last error (never the token).
 *
 * Exactly once, keyed on our own idempotency key: a post that carries a delivery marker stores it as message
 * metadata ({event_type: flipturn_delivery, event_payload: {key, part}}). Whenever the answer to a post is
 * ambiguous, the marker decides, never a blind re-post:
 *   - no answer (5xx, network, timeout) or `ok` without a ts: look the marker up (conversations.replies of the
 *     thread, or conversations.history of the channel for a new root, every page back to the delivery's start);
 *     found: that is our message; not found: post again.
 *   - `ok` with a ts but the echo does not say it landed where asked (message.thread_ts missing or different,
 *     another channel): the message exists, so it is never posted again; the thread is checked by marker and the
 *     part is returned `confirmed: false` when it cannot be seen there (the ledger records it, the worker logs it).
 */
import {
  WebClient,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  LogLevel,
} from '@slack/web-api';
import { FlipturnError, errorMessage } from '../kernel/errors.js';
import { scrubValue } from '../kernel/redact.js';
import type { Block } from './render.js';

const DELIVERY_EVENT_TYPE = 'flipturn_delivery';

export interface DeliveryMarker {
  /** The delivery ledger key. */
  readonly key: string;
  /** Index of the message part (0-based). */
  readonly part: number;
}

export interface PostArgs {
  readonly channel: string;
  /** Reply in this thread; absent: a new top-level message (a thread root). */
  readonly threadTs?: string;
  readonly text: string;
  readonly blocks: readonly Block[];
  /** Stored as message metadata; lets a retry or a reclaimed delivery find the message it already posted. */
  readonly marker?: DeliveryMarker;
  /** ms since epoch of the first attempt of this delivery (bounds the history search for a root). */
  readonly notBeforeMs?: number;
}

export interface PostedMessage {
  readonly channel: string;
  readonly ts: string;
  /** The thread root (the message's own ts for a new root). */
  readonly threadTs: string;
  /** True when an earlier attempt had posted it already (found by marker, nothing new posted). */
  readonly recovered: boolean;
  /** False when Slack accepted it (ok + ts) but neither its answer nor a marker lookup shows it where it was asked to go. */
  readonly confirmed: boolean;
}

export interface HistoryMessage {
  readonly ts: string;
  readonly threadTs?: string;
  readonly text: string;
  readonly marker?: DeliveryMarker;
  /** The files shared with the message. */
  readonly files?: readonly { readonly id: string; readonly name?: string }[];
}

export interface UploadArgs {
  readonly channel: string;
  /** The thread the file is shared in (its root's ts). */
  readonly threadTs: string;
  readonly filename: string;
  readonly title: string;
  /** Read to screen-reader users. */
  readonly altText: string;
  readonly bytes: Uint8Array;
  /** The message text introducing the file. */
  readonly comment?: string;
}

export interface UploadedFile {
  readonly fileId: string;
  /** True when completeUploadExternal's answer was lost and the share was found in the thread instead. */
  readonly recovered: boolean;
}

/** The upload URL's answer (step 2 of the external upload): 5xx and network failures are retried. */
class UploadFailed extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface SlackClientOptions {
  readonly token: string;
  /** SLACK_API_URL, e.g. https://slack.com/api/ */
  readonly apiUrl: string;
  /** Injected for tests; default setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Calls per operation, retries included. Default 5. */
  readonly maxAttempts?: number;
  /** Longest Retry-After honoured (longer ones are capped). Default 60000. */
  readonly maxRetryAfterMs?: number;
  /** Per-request timeout. Default 10000. */
  readonly timeoutMs?: number;
  /** Called for every call Slack answered 429 (before the wait and retry): Flipturn's own metrics. */
  readonly onRateLimited?: (method: string) => void;
  /**
   * Applied to every string this client sends to Slack (message text, every string inside the blocks): configured
   * secret values and secret-shaped text masked (src/kernel/redact.ts, wired by the composition root). Delivery
   * markers (our own keys) are sent as they are: the lookup matches them exactly.
   */
  readonly scrub?: (text: string) => string;
}

const RETRYABLE_PLATFORM = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
]);

/** Pages of conversations.replies / conversations.history a marker lookup reads at most (200 messages each). */
const LOOKUP_PAGES = 10;

/** Slack answered ok but without what a successful post returns: whether it posted is unknown. */
class AmbiguousAnswer extends Error {}
const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Failure =
  | { kind: 'rate_limited'; waitMs: number }
  | { kind: 'ambiguous'; message: string }
  | { kind: 'fatal'; message: string };

function classify(e: unknown, maxRetryAfterMs: number): Failure {
  if (e instanceof AmbiguousAnswer) return { kind: 'ambiguous', message: e.message };
  if (e instanceof UploadFailed)
    return e.retryable ? { kind: 'ambiguous', message: e.message } : { kind: 'fatal', message: e.message };
  if (e instanceof WebAPIRateLimitedError)
    return { kind: 'rate_limited', waitMs: Math.min(Math.max(0, e.retryAfter) * 1000, maxRetryAfterMs) };
  if (e instanceof WebAPIHTTPError)
    return e.statusCode >= 500
      ? { kind: 'ambiguous', message: `HTTP ${e.statusCode}` }
      : { kind: 'fatal', message: `HTTP ${e.statusCode}` };
  if (e instanceof WebAPIRequestError)
    return { kind: 'ambiguous', message: `request failed: ${errorMessage(e.original)}` };
  if (e instanceof WebAPIPlatformError)
    return RETRYABLE_PLATFORM.has(e.data.error)
      ? { kind: 'ambiguous', message: e.data.error }
      : { kind: 'fatal', message: e.data.error };
  return { kind: 'fatal', message: errorMessage(e) };
}

function markerOf(m: unknown): DeliveryMarker | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const meta = (m as { metadata?: { event_type?: unknown; event_payload?: { key?: unknown; part?: unknown } } })
    .metadata;
  if (meta?.event_type !== DELIVERY_EVENT_TYPE) return undefined;
  const key = meta.event_payload?.key;
  const part = Number(meta.event_payload?.part);
  return typeof key === 'string' && Number.isInteger(part) ? { key, part } : undefined;
}

export class SlackClient {
  readonly web: WebClient;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxAttempts: number;
  private readonly maxRetryAfterMs: number;
  private readonly onRateLimited: ((method: string) => void) | undefined;
  private readonly scrub: ((text: string) => string) | undefined;
  private readonly apiOrigin: string;
  private readonly timeoutMs: number;

  constructor(options: SlackClientOptions) {
    this.web = new WebClient(options.token, {
      slackApiUrl: options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: options.timeoutMs ?? 10_000,
      logLevel: LogLevel.ERROR,
      allowAbsoluteUrls: false,
    });
    this.sleep = options.sleep ?? realSleep;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.onRateLimited = options.onRateLimited;
    this.scrub = options.scrub;
    this.apiOrigin = new URL(options.apiUrl).origin;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Text and blocks as they may leave the process. */
  private outgoing(text: string, blocks: readonly Block[]): { text: string; blocks: readonly Block[] } {
    const scrub = this.scrub;
    return scrub ? { text: scrub(text), blocks: scrubValue(blocks, scrub) } : { text, blocks };
  }

  /**
   * Runs `op` with the retry policy. `beforeRetry` runs before every retry that follows an ambiguous failure;
   * when it returns a value, that value is the result (the write had landed).
   */
  private async withRetry<T>(
    what: string,
    op: () => Promise<T>,
    beforeRetry?: () => Promise<T | undefined>,
  ): Promise<T> {
    let last = '';
    let ambiguous = false;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (ambiguous && beforeRetry) {
        const found = await beforeRetry().catch(() => undefined);
        if (found !== undefined) return found;
      }
      try {
        return await op();
      } catch (e) {
        const f = classify(e, this.maxRetryAfterMs);
        if (f.kind === 'fatal')
          throw new FlipturnError('FT_SLACK_DELIVERY_FAILED', `Slack ${what} failed: ${f.message}`, {
            details: { method: what, error: f.message },
          });
        if (f.kind === 'rate_limited') this.onRateLimited?.(what);
        last = f.kind === 'rate_limited' ? `rate limited (retry after ${f.waitMs} ms)` : f.message;
        ambiguous = ambiguous || f.kind === 'ambiguous';
        if (attempt < this.maxAttempts)
          await this.sleep(f.kind === 'rate_limited' ? f.waitMs : 250 * 2 ** (attempt - 1));
      }
    }
    throw new FlipturnError(
      'FT_SLACK_DELIVERY_FAILED',
      `Slack ${what} failed after ${this.maxAttempts} attempts: ${last}`,
      { details: { method: what, error: last } },
    );
  }

  async authTest(): Promise<{ teamId: string; userId: string; botId?: string }> {
    const r = await this.withRetry('auth.test', () => this.web.auth.test());
    if (!r.team_id || !r.user_id)
      throw new FlipturnError('FT_SLACK_DELIVERY_FAILED', 'Slack auth.test gave no team_id/user_id');
    return r.bot_id
      ? { teamId: r.team_id, userId: r.user_id, botId: r.bot_id }
      : { teamId: r.team_id, userId: r.user_id };
  }

  async postMessage(args: PostArgs): Promise<PostedMessage> {
    const marker = args.marker;
    const lookup = marker ? () => this.findMarked(args.channel, marker, args.threadTs, args.notBeforeMs) : undefined;
    const out = this.outgoing(args.text, args.blocks);
    const posted = await this.withRetry(
      'chat.postMessage',
      async () => {
        const r = await this.web.chat.postMessage({
          channel: args.channel,
          text: out.text,
          blocks: out.blocks as never,
          ...(args.threadTs ? { thread_ts: args.threadTs } : {}),
          unfurl_links: false,
          unfurl_media: false,
          ...(marker
            ? { metadata: { event_type: DELIVERY_EVENT_TYPE, event_payload: { key: marker.key, part: marker.part } } }
            : {}),
        });
        if (!r.ts) throw new AmbiguousAnswer('chat.postMessage answered ok without a ts');
        const channelOk =
          !/^[CDG][A-Z0-9]{2,}$/.test(args.channel) || r.channel === undefined || r.channel === args.channel;
        const threadOk = !args.threadTs || r.message?.thread_ts === args.threadTs;
        return {
          channel: r.channel ?? args.channel,
          ts: r.ts,
          threadTs: args.threadTs ?? r.ts,
          recovered: false,
          confirmed: channelOk && threadOk,
        };
      },
      lookup,
    );
    if (posted.confirmed || posted.recovered || !marker) return posted;
    // Slack said ok with a ts, so the message exists: never post it again. Check by marker where it went.
    const seen = await this.findMarked(args.channel, marker, args.threadTs, args.notBeforeMs).catch(() => undefined);
    return seen?.ts === posted.ts ? { ...posted, confirmed: true } : posted;
  }

  async updateMessage(args: { channel: string; ts: string; text: string; blocks: readonly Block[] }): Promise<void> {
    // chat.update is idempotent: retrying an ambiguous failure cannot duplicate anything.
    const out = this.outgoing(args.text, args.blocks);
    await this.withRetry('chat.update', () =>
      this.web.chat.update({ channel: args.channel, ts: args.ts, text: out.text, blocks: out.blocks as never }),
    );
  }

  /**
   * Shares a file in a thread with Slack's external upload flow: files.getUploadURLExternal (a file id and a
   * one-time upload URL), the bytes POSTed to that URL (multipart, field `file`), then files.completeUploadExternal
   * shares it in the thread. Written by hand rather than WebClient.filesUploadV2 because that posts the bytes
   * through the client's own request path, which this client keeps from absolute URLs (allowAbsoluteUrls: false,
   * so the bot token never leaves for a host that is not the API), and because the retry policy here is ours.
   * An ambiguous completeUploadExternal is checked in the thread by file id before it is sent again.
   */
  async uploadFile(args: UploadArgs): Promise<UploadedFile> {
    const title = this.scrub ? this.scrub(args.title) : args.title;
    const altText = this.scrub ? this.scrub(args.altText) : args.altText;
    const comment = args.comment === undefined ? undefined : this.scrub ? this.scrub(args.comment) : args.comment;
    const got = await this.withRetry('files.getUploadURLExternal', () =>
      this.web.files.getUploadURLExternal({ filename: args.filename, length: args.bytes.length, alt_text: altText }),
    );
    const fileId = got.file_id;
    const uploadUrl = got.upload_url;
    if (!fileId || !uploadUrl)
      throw new FlipturnError(
        'FT_SLACK_DELIVERY_FAILED',
        'Slack files.getUploadURLExternal gave no file_id/upload_url',
      );
    const target = new URL(uploadUrl);
    if (target.protocol !== 'https:' && target.origin !== this.apiOrigin)
      throw new FlipturnError(
        'FT_SLACK_DELIVERY_FAILED',
        `Slack gave an upload URL that is neither https nor the API's host: ${target.origin}`,
      );
    await this.withRetry('upload', () => this.postBytes(uploadUrl, args.filename, args.bytes));
    const shared = () =>
      this.replies(args.channel, args.threadTs).then((msgs) =>
        msgs.some((m) => m.files?.some((f) => f.id === fileId)) ? { fileId, recovered: true } : undefined,
      );
    return this.withRetry(
      'files.completeUploadExternal',
      async () => {
        await this.web.files.completeUploadExternal({
          files: [{ id: fileId, title }],
          channel_id: args.channel,
          thread_ts: args.threadTs,
          ...(comment ? { initial_comment: comment } : {}),
        });
        return { fileId, recovered: false };
      },
      shared,
    );
  }

  private async postBytes(url: string, filename: string, bytes: Uint8Array): Promise<void> {
    const form = new FormData();
    form.append('file', new Blob([bytes]), filename);
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', body: form, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      throw new UploadFailed(`upload failed: ${errorMessage(e)}`, true);
    }
    await res.arrayBuffer().catch(() => undefined);
    if (res.status !== 200)
      throw new UploadFailed(`upload answered HTTP ${res.status}`, res.status >= 500 || res.status === 429);
  }

  /** The root and replies of a thread, with delivery markers (every page, up to LOOKUP_PAGES). */
  async replies(channel: string, threadTs: string): Promise<HistoryMessage[]> {
    return this.pages('conversations.replies', (cursor) =>
      this.web.conversations.replies({
        channel,
        ts: threadTs,
        include_all_metadata: true,
        limit: 200,
        ...(cursor ? { cursor } : {}),
      }),
    );
  }

  /** Top-level messages of a channel since `oldestTs` (newest first), with delivery markers (up to LOOKUP_PAGES pages). */
  async history(channel: string, oldestTs: string): Promise<HistoryMessage[]> {
    return this.pages('conversations.history', (cursor) =>
      this.web.conversations.history({
        channel,
        oldest: oldestTs,
        include_all_metadata: true,
        limit: 200,
        ...(cursor ? { cursor } : {}),
      }),
    );
  }

  private async pages(
    what: string,
    call: (cursor: string | undefined) => Promise<{
      messages?: Array<{
        ts?: string;
        thread_ts?: string;
        text?: string;
        files?: Array<{ id?: string; name?: string }>;
      }>;
      response_metadata?: { next_cursor?: string };
    }>,
  ): Promise<HistoryMessage[]> {
    const out: HistoryMessage[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < LOOKUP_PAGES; page++) {
      const c = cursor;
      const r = await this.withRetry(what, () => call(c));
      for (const m of r.messages ?? []) if (m.ts) out.push(toHistory(m));
      cursor = r.response_metadata?.next_cursor || undefined;
      if (!cursor) break;
    }
    return out;
  }

  /** The message an earlier attempt posted for `marker`, if Slack has it. */
  async findMarked(
    channel: string,
    marker: DeliveryMarker,
    threadTs: string | undefined,
    notBeforeMs = 0,
  ): Promise<PostedMessage | undefined> {
    const msgs = threadTs
      ? await this.replies(channel, threadTs)
      : await this.history(channel, (Math.max(0, notBeforeMs - 60_000) / 1000).toFixed(6));
    const hit = msgs.find((m) => m.marker?.key === marker.key && m.marker.part === marker.part);
    return hit ? { channel, ts: hit.ts, threadTs: threadTs ?? hit.ts, recovered: true, confirmed: true } : undefined;
  }
}

function toHistory(m: {
  ts?: string;
  thread_ts?: string;
  text?: string;
  files?: Array<{ id?: string; name?: string }>;
}): HistoryMessage {
  const marker = markerOf(m);
  const files = (m.files ?? []).flatMap((f) =>
    typeof f.id === 'string' ? [{ id: f.id, ...(typeof f.name === 'string' ? { name: f.name } : {}) }] : [],
  );
  return {
    ts: m.ts ?? '',
    text: m.text ?? '',
    ...(m.thread_ts ? { threadTs: m.thread_ts } : {}),
    ...(marker ? { marker } : {}),
    ...(files.length ? { files } : {}),
  };
}
