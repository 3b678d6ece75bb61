/**
 * The trust gate: a Fastify instance (the composition root listens) that authenticates every webhook on its raw
 * bytes, normalizes it into signals, appends each one the queue has not seen (by idempotency key), and acks
 * in milliseconds. Nothing answered 2xx is lost: if the queue cannot store a signal the answer is 503 with
 * Retry-After, and the sender retries. Bad input is never a 5xx.
 *
 * Routes
 *   POST /api/v1/webhooks/slack/events   X-Slack-Signature (v0) over the raw body, timestamp within 5 min
 *   POST /api/v1/webhooks/slack/interactions  the same signature rules; form-encoded payload=<json> (button clicks)
 *   POST /api/v1/webhooks/datadog        X-Flipturn-Token shared token
 *   POST /api/v1/webhooks/alertmanager   Authorization: Bearer <token>
 *   GET  /healthz  /readyz  /metrics
 *
 * Credentials before the body: the token routes compare their token in an onRequest hook, before a byte of the
 * body is read; the Slack route checks that its signature headers are present, well formed and fresh there too
 * (the HMAC needs the body, read with a tight limit). A refusal closes the connection (`Connection: close`), so an
 * unauthenticated client cannot keep trickling a body. Timeouts and body limits: ./gate-limits.ts.
 *
 * Datadog states: every transition is queued with its state. Triggered and Re-Triggered start (or re-open) an
 * investigation; Recovered is an update of the incident with the same incidentKey; Warn, No Data and transitions
 * we do not know are queued with their state and the worker records them without investigating (the gate does
 * not drop them, so a policy change needs no gate change).
 */
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type onRequestHookHandler,
} from 'fastify';
import type { Clock } from '../kernel/clock.js';
import { ERROR_CATALOG, FlipturnError, errorMessage, type ErrorCode } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { QueuedSignal } from '../kernel/signal.js';
import type { SignalQueue } from '../queue/port.js';
import type { DurabilityMonitor } from '../queue/durability.js';
import { gateLimits, serverOptions, type GateLimits } from './gate-limits.js';
import {
  DEFAULT_IDEMPOTENCY_TTL_MS,
  enqueueSignals,
  errorBody,
  gateMetrics,
  isRawBody,
  parseBody,
  type GateMetrics,
  type GateSettings,
} from './gate-support.js';
import type { MetricsRegistry } from '../observability/registry.js';
import { signalLogIds, startEnqueueSpans } from './gate-trace.js';
import type { ErrorReporter } from '../observability/reporter.js';
import { normalizeAlert, type NormalizeOptions, type NormalizeSource } from './normalize/index.js';
import { checkSlackHeaders, first, secretsEqual, verifySlackSignature } from './slack-verify.js';

export interface GateDeps {
  readonly settings: GateSettings;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Idempotency keys are claimed inside the queue (SignalQueue.appendOnce, the adapter's IdempotencyStore key space). */
  readonly queue: SignalQueue;
  readonly metrics: MetricsRegistry;
  /** Flipturn's own unexpected errors (Sentry when SENTRY_DSN is set). */
  readonly reporter?: ErrorReporter;
  /**
   * Whether the queue keeps what is acknowledged (src/queue/durability.ts): reported on /readyz; while it is known
   * not to and FLIPTURN_ALLOW_VOLATILE_QUEUE is not set, webhooks get 503 FT_QUEUE_NOT_DURABLE. Absent: not checked.
   */
  readonly durability?: DurabilityMonitor;
}

export const GATE_ROUTES = {
  slack: '/api/v1/webhooks/slack/events',
  slackInteractions: '/api/v1/webhooks/slack/interactions',
  datadog: '/api/v1/webhooks/datadog',
  alertmanager: '/api/v1/webhooks/alertmanager',
} as const;

type Source = NormalizeSource;

export function buildGate(deps: GateDeps): FastifyInstance {
  const settings = deps.settings;
  const limits = gateLimits({
    ...settings.limits,
    ...(settings.bodyLimitBytes !== undefined
      ? { tokenBodyLimitBytes: settings.bodyLimitBytes, slackBodyLimitBytes: settings.bodyLimitBytes }
      : {}),
  });
  const app = Fastify({ logger: false, ...serverOptions(limits) });
  const metrics = gateMetrics(deps.metrics, deps.queue);
  const ctx: Ctx = {
    deps,
    metrics,
    limits,
    ttlMs: settings.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS,
    normalizeOptions: {
      ...(settings.slackBotUserId ? { botUserId: settings.slackBotUserId } : {}),
      ...(settings.slackBotId ? { botId: settings.slackBotId } : {}),
    },
    queued: seriesCache((key) => {
      const [source = '', kind = ''] = key.split(' ');
      return metrics.queued.labels({ source, kind });
    }),
  };
  // Bound series per route/method/status (prom-client children, kept): no label object built per answer.
  const answered = seriesCache((key) => {
    const [route = '', method = '', status = ''] = key.split(' ');
    return { count: metrics.requests.labels({ route, method, status }), duration: metrics.duration.labels({ route }) };
  });

  // Keep the raw bytes: signatures are computed over them. JSON is parsed by the route after authentication.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, { raw: body, form: false }),
  );
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, { raw: body, form: true }),
  );

  app.addHook('onResponse', (req, reply, done) => {
    const series = answered(`${req.routeOptions.url ?? 'unmatched'} ${req.method} ${reply.statusCode}`);
    series.count.inc();
    series.duration.observe(reply.elapsedTime / 1000);
    done();
  });

  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send(errorBody('FT_INGRESS_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0] ?? ''}`)),
  );
  app.setErrorHandler((error, req, reply) => handleError(ctx, error, req, reply));

  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', (_req, reply) => readyz(ctx, reply));
  app.get('/metrics', async (_req, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.render()));

  app.post(GATE_ROUTES.slack, { bodyLimit: limits.slackBodyLimitBytes, onRequest: slackGuard(ctx) }, (req, reply) =>
    slackRoute(ctx, req, reply),
  );
  // Button clicks: same signature rules as events, form-encoded payload=<json>, idempotent per click (./normalize/interaction.ts).
  app.post(
    GATE_ROUTES.slackInteractions,
    { bodyLimit: limits.slackBodyLimitBytes, onRequest: slackGuard(ctx, 'slack_interaction') },
    (req, reply) => slackRoute(ctx, req, reply, 'slack_interaction'),
  );
  const ddToken = settings.datadogToken;
  app.post(
    GATE_ROUTES.datadog,
    {
      bodyLimit: limits.tokenBodyLimitBytes,
      onRequest: tokenGuard(
        ctx,
        'datadog_webhook',
        ddToken,
        (req) => first(req.headers['x-flipturn-token']),
        'X-Flipturn-Token',
      ),
    },
    (req, reply) => tokenRoute(ctx, req, reply, 'datadog_webhook'),
  );
  const amToken = settings.alertmanagerToken;
  app.post(
    GATE_ROUTES.alertmanager,
    {
      bodyLimit: limits.tokenBodyLimitBytes,
      onRequest: tokenGuard(
        ctx,
        'alertmanager',
        amToken,
        (req) => bearer(first(req.headers.authorization)),
        'Authorization: Bearer',
      ),
    },
    (req, reply) => tokenRoute(ctx, req, reply, 'alertmanager'),
  );
  return app;
}

/** /readyz: the queue answers, and (when checked) keeps what it acknowledges. */
async function readyz(ctx: Ctx, reply: FastifyReply): Promise<FastifyReply | Record<string, unknown>> {
  try {
    await ctx.deps.queue.ping();
  } catch (e) {
    return unavailable(ctx, reply, e);
  }
  const monitor = ctx.deps.durability;
  if (monitor === undefined) return { status: 'ready' };
  const d = await monitor.fresh();
  const queue = {
    persistence: d.persistence,
    durable: d.durable,
    volatileAllowed: d.volatileAllowed,
    ...(d.fsync ? { fsync: d.fsync } : {}),
    detail: d.detail,
  };
  if (monitor.blocksWrites) return reply.code(503).send({ ...errorBody('FT_QUEUE_NOT_DURABLE', d.detail), queue });
  return { status: 'ready', queue };
}

/** A refusal before the body is read: answer and close the connection, so the rest of the body is never read. */
function refuseEarly(ctx: Ctx, reply: FastifyReply, source: string, code: ErrorCode, message: string): void {
  void reject(ctx, reply.header('connection', 'close'), source, code, message);
}

/** onRequest of a token route: the token is compared before the body is read. */
function tokenGuard(
  ctx: Ctx,
  source: Source,
  expected: string | undefined,
  presented: (req: FastifyRequest) => string | undefined,
  header: string,
): onRequestHookHandler {
  return (req, reply, done) => {
    if (expected === undefined)
      return refuseEarly(
        ctx,
        reply,
        source,
        'FT_INGRESS_NOT_CONFIGURED',
        `${source} webhooks are not configured (their token is unset)`,
      );
    const given = presented(req);
    if (given === undefined || !secretsEqual(given, expected))
      return refuseEarly(ctx, reply, source, 'FT_INGRESS_UNAUTHENTICATED', `missing or wrong ${header} token`);
    done();
  };
}

/** onRequest of the Slack route: configured, signature headers present, well formed and fresh; the HMAC follows the body. */
function slackGuard(ctx: Ctx, source: 'slack_event' | 'slack_interaction' = 'slack_event'): onRequestHookHandler {
  return (req, reply, done) => {
    if (ctx.deps.settings.slackSigningSecret === undefined) {
      return refuseEarly(
        ctx,
        reply,
        source,
        'FT_INGRESS_NOT_CONFIGURED',
        'Slack events are not configured (SLACK_SIGNING_SECRET is unset)',
      );
    }
    const h = checkSlackHeaders(
      req.headers['x-slack-request-timestamp'],
      req.headers['x-slack-signature'],
      ctx.deps.clock.nowMs(),
    );
    if (!h.ok) return refuseEarly(ctx, reply, source, h.code, h.message);
    done();
  };
}

interface Ctx {
  readonly deps: GateDeps;
  readonly metrics: GateMetrics;
  readonly limits: GateLimits;
  readonly ttlMs: number;
  /** Built once: the Slack bot identity the normalizer needs. */
  readonly normalizeOptions: NormalizeOptions;
  /** flipturn_ingress_signals_queued_total by "source kind". */
  readonly queued: (key: string) => { inc(by?: number): void };
}

/**
 * Memoized bound metric series by a space-joined label key. Label values here come from bounded sets (routes,
 * HTTP methods Node accepts, status codes, sources, kinds); past `max` keys a series is still built, not kept.
 */
function seriesCache<T>(make: (key: string) => T, max = 512): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let v = cache.get(key);
    if (v === undefined) {
      v = make(key);
      if (cache.size < max) cache.set(key, v);
    }
    return v;
  };
}

function reject(
  ctx: Ctx,
  reply: FastifyReply,
  source: string,
  code: ErrorCode,
  message: string,
  path?: string,
): FastifyReply {
  ctx.metrics.rejections.inc({ source, code });
  return reply.code(ERROR_CATALOG[code].status).send(errorBody(code, message, path));
}

function unavailable(ctx: Ctx, reply: FastifyReply, e: unknown, source = 'readyz'): FastifyReply {
  ctx.deps.logger.warn({ source, err: errorMessage(e) }, 'queue unavailable');
  ctx.metrics.rejections.inc({ source, code: 'FT_QUEUE_UNAVAILABLE' });
  return reply
    .code(503)
    .header('retry-after', String(ctx.deps.settings.retryAfterSeconds ?? 5))
    .send(errorBody('FT_QUEUE_UNAVAILABLE', 'the signal queue is unreachable: retry later'));
}

async function slackRoute(
  ctx: Ctx,
  req: FastifyRequest,
  reply: FastifyReply,
  source: 'slack_event' | 'slack_interaction' = 'slack_event',
): Promise<FastifyReply> {
  const secret = ctx.deps.settings.slackSigningSecret ?? '';
  if (!isRawBody(req.body)) return reject(ctx, reply, source, 'FT_INGRESS_BODY_INVALID', 'a body is required', '');
  const verdict = verifySlackSignature({
    signingSecret: secret,
    rawBody: req.body.raw,
    timestamp: req.headers['x-slack-request-timestamp'],
    signature: req.headers['x-slack-signature'],
    nowMs: ctx.deps.clock.nowMs(),
  });
  if (!verdict.ok) return reject(ctx, reply, source, verdict.code, verdict.message);
  const parsed = parseBody(req.body);
  if (!parsed.ok) return reject(ctx, reply, source, 'FT_INGRESS_BODY_INVALID', parsed.message, '');
  const body = parsed.value as { type?: unknown; challenge?: unknown } | null;
  if (body !== null && typeof body === 'object' && body.type === 'url_verification') {
    if (typeof body.challenge !== 'string')
      return reject(
        ctx,
        reply,
        source,
        'FT_INGRESS_BODY_INVALID',
        'url_verification needs a challenge string',
        'challenge',
      );
    ctx.metrics.ignored.inc({ source, reason: 'url_verification' });
    return reply.code(200).send({ challenge: body.challenge });
  }
  const retryNum = first(req.headers['x-slack-retry-num']);
  return accept(ctx, req, reply, source, parsed.value, retryNum === undefined ? {} : { retry: retryNum });
}

/** A token route after its onRequest guard accepted the token: JSON only (a form body is 415, as documented). */
async function tokenRoute(ctx: Ctx, req: FastifyRequest, reply: FastifyReply, source: Source): Promise<FastifyReply> {
  if (!isRawBody(req.body)) return reject(ctx, reply, source, 'FT_INGRESS_BODY_INVALID', 'a JSON body is required', '');
  if (req.body.form) {
    return reject(
      ctx,
      reply,
      source,
      'FT_INGRESS_UNSUPPORTED_MEDIA_TYPE',
      'content type application/x-www-form-urlencoded is not supported here: send application/json (in Datadog, untick "Encode as form")',
    );
  }
  const parsed = parseBody(req.body);
  if (!parsed.ok) return reject(ctx, reply, source, 'FT_INGRESS_BODY_INVALID', parsed.message, '');
  return accept(ctx, req, reply, source, parsed.value, {});
}

/** Normalize, enqueue, answer. */
async function accept(
  ctx: Ctx,
  req: FastifyRequest,
  reply: FastifyReply,
  source: Source,
  body: unknown,
  log: Record<string, string>,
): Promise<FastifyReply> {
  const result = normalizeAlert(source, body, ctx.deps.clock, ctx.normalizeOptions);
  if (!result.ok)
    return reject(ctx, reply, source, result.rejection.code, result.rejection.message, result.rejection.path);
  const signals: QueuedSignal[] = [...result.signals, ...result.followUps, ...(result.interactions ?? [])];
  if (signals.length === 0) {
    const reason = result.ignored?.reason ?? 'no_alerts';
    ctx.metrics.ignored.inc({ source, reason });
    return reply.code(200).send({ ok: true, queued: 0, duplicates: 0, ignored: reason });
  }
  if (ctx.deps.durability?.blocksWrites) {
    const d = ctx.deps.durability.current;
    return notDurable(ctx, reply, source, d?.detail ?? 'the queue keeps nothing on disk');
  }
  const spans = startEnqueueSpans(source, signals);
  let outcome;
  try {
    outcome = await enqueueSignals(signals, { queue: ctx.deps.queue, ttlMs: ctx.ttlMs });
  } catch (e) {
    spans.end(undefined);
    return unavailable(ctx, reply, e, source);
  }
  spans.end(outcome.queued);
  for (const q of outcome.queued) {
    const kind = signals.find((s) => s.idempotencyKey === q.idempotencyKey)?.kind ?? 'alert';
    ctx.queued(`${source} ${kind}`).inc();
  }
  if (outcome.duplicates > 0) ctx.metrics.duplicates.inc({ source }, outcome.duplicates);
  const logger = ctx.deps.logger;
  if (logger.isLevelEnabled('info')) {
    logger.info(
      {
        source,
        queued: outcome.queued.length,
        duplicates: outcome.duplicates,
        reqId: req.id,
        ...log,
        ...signalLogIds(signals),
      },
      'webhook accepted',
    );
  }
  return reply.code(200).send({
    ok: true,
    queued: outcome.queued.length,
    duplicates: outcome.duplicates,
    ids: outcome.queued.map((q) => q.id),
  });
}

function notDurable(ctx: Ctx, reply: FastifyReply, source: string, detail: string): FastifyReply {
  ctx.metrics.rejections.inc({ source, code: 'FT_QUEUE_NOT_DURABLE' });
  return reply
    .code(503)
    .header('retry-after', String(ctx.deps.settings.retryAfterSeconds ?? 5))
    .send(errorBody('FT_QUEUE_NOT_DURABLE', `not accepted: ${detail}`));
}

function handleError(ctx: Ctx, error: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const source = sourceOf(req.url);
  const e = error as { statusCode?: number; code?: string; message?: string };
  if (error instanceof FlipturnError && error.code === 'FT_QUEUE_UNAVAILABLE')
    return unavailable(ctx, reply, error, source);
  if (e.statusCode === 413 || e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const limit = req.routeOptions.bodyLimit ?? ctx.limits.tokenBodyLimitBytes;
    return reject(
      ctx,
      reply.header('connection', 'close'),
      source,
      'FT_INGRESS_BODY_TOO_LARGE',
      `body exceeds ${limit} bytes`,
    );
  }
  if (e.statusCode === 415 || e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return reject(
      ctx,
      reply,
      source,
      'FT_INGRESS_UNSUPPORTED_MEDIA_TYPE',
      `content type ${req.headers['content-type'] ?? '(none)'} is not supported: send application/json`,
    );
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return reject(ctx, reply, source, 'FT_INGRESS_BODY_INVALID', e.message ?? 'bad request', '');
  }
  ctx.deps.logger.error({ source, err: errorMessage(error) }, 'gate internal error');
  ctx.deps.reporter?.capture(error, { role: 'gate', source });
  return reply.code(500).send(errorBody('FT_INTERNAL', 'internal error'));
}

function sourceOf(url: string): string {
  if (url.startsWith(GATE_ROUTES.slackInteractions)) return 'slack_interaction';
  if (url.startsWith(GATE_ROUTES.slack)) return 'slack_event';
  if (url.startsWith(GATE_ROUTES.datadog)) return 'datadog_webhook';
  if (url.startsWith(GATE_ROUTES.alertmanager)) return 'alertmanager';
  return 'other';
}

function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}
