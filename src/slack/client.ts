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
 * postMessage checks that the answer has a ts, the right channel and, for a reply, the right thread_ts.
 */
import { WebClient, WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError, LogLevel } from '@slack/web-api';
import { FlipturnError, errorMessage } from '../kernel/errors.js';
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
}

export interface HistoryMessage {
  readonly ts: string;
  readonly threadTs?: string;
  readonly text: string;
  readonly marker?: DeliveryMarker;
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
}

const RETRYABLE_PLATFORM = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);
const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Failure = { kind: 'rate_limited'; waitMs: number } | { kind: 'ambiguous'; message: string } | { kind: 'fatal'; message: string };

function classify(e: unknown, maxRetryAfterMs: number): Failure {
  if (e instanceof WebAPIRateLimitedError) return { kind: 'rate_limited', waitMs: Math.min(Math.max(0, e.retryAfter) * 1000, maxRetryAfterMs) };
  if (e instanceof WebAPIHTTPError) return e.statusCode >= 500 ? { kind: 'ambiguous', message: `HTTP ${e.statusCode}` } : { kind: 'fatal', message: `HTTP ${e.statusCode}` };
  if (e instanceof WebAPIRequestError) return { kind: 'ambiguous', message: `request failed: ${errorMessage(e.original)}` };
  if (e instanceof WebAPIPlatformError) return RETRYABLE_PLATFORM.has(e.data.error) ? { kind: 'ambiguous', message: e.data.error } : { kind: 'fatal', message: e.data.error };
  return { kind: 'fatal', message: errorMessage(e) };
}

function markerOf(m: unknown): DeliveryMarker | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const meta = (m as { metadata?: { event_type?: unknown; event_payload?: { key?: unknown; part?: unknown } } }).metadata;
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
  }

  /**
   * Runs `op` with the retry policy. `beforeRetry` runs before every retry that follows an ambiguous failure;
   * when it returns a value, that value is the result (the write had landed).
   */
  private async withRetry<T>(what: string, op: () => Promise<T>, beforeRetry?: () => Promise<T | undefined>): Promise<T> {
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
        if (f.kind === 'fatal') throw new FlipturnError('FT_SLACK_DELIVERY_FAILED', `Slack ${what} failed: ${f.message}`, { details: { method: what, error: f.message } });
        if (f.kind === 'rate_limited') this.onRateLimited?.(what);
        last = f.kind === 'rate_limited' ? `rate limited (retry after ${f.waitMs} ms)` : f.message;
        ambiguous = ambiguous || f.kind === 'ambiguous';
        if (attempt < this.maxAttempts) await this.sleep(f.kind === 'rate_limited' ? f.waitMs : 250 * 2 ** (attempt - 1));
      }
    }
    throw new FlipturnError('FT_SLACK_DELIVERY_FAILED', `Slack ${what} failed after ${this.maxAttempts} attempts: ${last}`, { details: { method: what, error: last } });
  }

  async authTest(): Promise<{ teamId: string; userId: string; botId?: string }> {
    const r = await this.withRetry('auth.test', () => this.web.auth.test());
    if (!r.team_id || !r.user_id) throw new FlipturnError('FT_SLACK_DELIVERY_FAILED', 'Slack auth.test gave no team_id/user_id');
    return r.bot_id ? { teamId: r.team_id, userId: r.user_id, botId: r.bot_id } : { teamId: r.team_id, userId: r.user_id };
  }

  async postMessage(args: PostArgs): Promise<PostedMessage> {
    const lookup = args.marker ? () => this.findMarked(args.channel, args.marker as DeliveryMarker, args.threadTs, args.notBeforeMs) : undefined;
    return this.withRetry(
      'chat.postMessage',
      async () => {
        const r = await this.web.chat.postMessage({
          channel: args.channel,
          text: args.text,
          blocks: args.blocks as never,
          ...(args.threadTs ? { thread_ts: args.threadTs } : {}),
          unfurl_links: false,
          unfurl_media: false,
          ...(args.marker ? { metadata: { event_type: DELIVERY_EVENT_TYPE, event_payload: { key: args.marker.key, part: args.marker.part } } } : {}),
        });
        const ts = r.ts;
        const landedThread = r.message?.thread_ts;
        if (!ts) throw new FlipturnError('FT_SLACK_DELIVERY_FAILED', 'Slack chat.postMessage answered without a ts');
        if (/^[CDG][A-Z0-9]{2,}$/.test(args.channel) && r.channel !== args.channel) {
          throw new FlipturnError('FT_SLACK_DELIVERY_FAILED', `Slack posted to channel ${r.channel ?? '?'} instead of ${args.channel}`);
        }
        if (args.threadTs && landedThread !== args.threadTs) {
          throw new FlipturnError('FT_SLACK_DELIVERY_FAILED', `reply did not land in thread ${args.threadTs} (thread_ts ${landedThread ?? 'none'})`);
        }
        return { channel: r.channel ?? args.channel, ts, threadTs: args.threadTs ?? ts, recovered: false };
      },
      lookup,
    );
  }

  async updateMessage(args: { channel: string; ts: string; text: string; blocks: readonly Block[] }): Promise<void> {
    // chat.update is idempotent: retrying an ambiguous failure cannot duplicate anything.
    await this.withRetry('chat.update', () => this.web.chat.update({ channel: args.channel, ts: args.ts, text: args.text, blocks: args.blocks as never }));
  }

  /** The root and replies of a thread, with delivery markers. */
  async replies(channel: string, threadTs: string): Promise<HistoryMessage[]> {
    const r = await this.withRetry('conversations.replies', () => this.web.conversations.replies({ channel, ts: threadTs, include_all_metadata: true, limit: 200 }));
    return (r.messages ?? []).flatMap((m) => (m.ts ? [toHistory(m)] : []));
  }

  /** Top-level messages of a channel since `oldestTs` (newest first), with delivery markers. */
  async history(channel: string, oldestTs: string): Promise<HistoryMessage[]> {
    const r = await this.withRetry('conversations.history', () => this.web.conversations.history({ channel, oldest: oldestTs, include_all_metadata: true, limit: 200 }));
    return (r.messages ?? []).flatMap((m) => (m.ts ? [toHistory(m)] : []));
  }

  /** The message an earlier attempt posted for `marker`, if Slack has it. */
  async findMarked(channel: string, marker: DeliveryMarker, threadTs: string | undefined, notBeforeMs = 0): Promise<PostedMessage | undefined> {
    const msgs = threadTs ? await this.replies(channel, threadTs) : await this.history(channel, (Math.max(0, notBeforeMs - 60_000) / 1000).toFixed(6));
    const hit = msgs.find((m) => m.marker?.key === marker.key && m.marker.part === marker.part);
    return hit ? { channel, ts: hit.ts, threadTs: threadTs ?? hit.ts, recovered: true } : undefined;
  }
}

function toHistory(m: { ts?: string; thread_ts?: string; text?: string }): HistoryMessage {
  const marker = markerOf(m);
  return { ts: m.ts ?? '', text: m.text ?? '', ...(m.thread_ts ? { threadTs: m.thread_ts } : {}), ...(marker ? { marker } : {}) };
}
