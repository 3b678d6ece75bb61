/**
 * Composition of the long-running roles from a frozen Config:
 *   serve  = the trust gate on HOST:PORT (needs REDIS_URL: the queue must outlive the process)
 *   worker = the stream worker, with /healthz /readyz /metrics on HOST:PORT (needs REDIS_URL)
 *   start  = both in one process (Redis when REDIS_URL is set, else the in-process adapters)
 * Used by `flipturn serve|worker|start` and by `flipturn demo`. stop() is the graceful shutdown: stop accepting,
 * let the worker finish or hand back in-flight work, close providers and connections.
 */
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { configWarnings } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { settingsFromConfig } from '../../evidence/settings.js';
import { buildGate } from '../../ingress/gate.js';
import { closeGate, DEFAULT_DRAIN_MS, gateLimits, serverOptions } from '../../ingress/gate-limits.js';
import { gateSettingsFromConfig } from '../../ingress/gate-support.js';
import { startSocketMode, type SocketModeIntake } from '../../ingress/socket-mode.js';
import type { Clock } from '../../kernel/clock.js';
import { errorMessage, FlipturnError } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import { scrubText } from '../../kernel/redact.js';
import type { SecretScrubber } from '../../kernel/secrets.js';
import { bootstrapProviders, type ProviderStatusRow } from '../../providers/bootstrap.js';
import { PROVIDER_FACTORIES } from '../../providers/factories.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import { queueMetrics } from '../../observability/queue.js';
import { checkRedisPersistence, DurabilityMonitor, inProcessDurability } from '../../queue/durability.js';
import { RedisSignalQueue } from '../../queue/redis.js';
import { SlackClient } from '../../slack/client.js';
import { renderPicture } from '../../slack/picture-png.js';
import { buildWorkerHttp } from '../../worker/http.js';
import { workerMetrics } from '../../worker/metrics.js';
import { Pipeline, type PipelineEvent } from '../../worker/pipeline.js';
import { agentFromConfig } from '../../agent/wiring.js';
import { workerSettings } from '../../worker/settings.js';
import { Worker } from '../../worker/worker.js';
import { buildAdapters, type Adapters } from './adapters.js';
import { combineObservers, investigationMetrics, metricsObserver, slackMetrics } from '../../observability/metrics.js';
import { MetricsRegistry } from '../../observability/registry.js';
import type { ErrorReporter } from '../../observability/reporter.js';
import { ObservedSlackDelivery } from '../../observability/slack.js';
import { tracingObserver } from '../../observability/tracing.js';

export type Role = 'serve' | 'worker' | 'start';

export interface ServiceOptions {
  readonly role: Role;
  readonly config: Config;
  readonly scrubber: SecretScrubber;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Consumer name; default <hostname>-<pid>. */
  readonly consumer?: string;
  readonly onEvent?: (event: PipelineEvent) => void;
  /** Flipturn's own unexpected errors (Sentry, started by the CLI when SENTRY_DSN is set). */
  readonly reporter?: ErrorReporter;
  /** Testing aids, injected by a test harness (test/support/flipturn-test-entry.ts); never from the environment. */
  readonly testHooks?: TestHooks;
}

/** Crash-test windows: waits that let a test kill a worker mid-investigation or after posting and before the ack. */
export interface TestHooks {
  /** An extra wait before each investigation, in milliseconds. */
  readonly investigationDelayMs?: number;
  /** A wait after a signal was handled (reply posted, memory saved) and before its queue entry is acked. */
  readonly pauseBeforeAckMs?: number;
}

export interface RunningService {
  readonly role: Role;
  readonly url: string;
  readonly mode: Adapters['mode'];
  readonly consumer: string;
  readonly adapters: Adapters;
  readonly providerTable: readonly ProviderStatusRow[];
  /** The Slack identity learned from auth.test (undefined for `serve` without a bot token). */
  readonly slack: { readonly teamId: string; readonly userId: string; readonly botId?: string } | undefined;
  readonly worker: Worker | undefined;
  stop(): Promise<void>;
}

/** Learns the bot's identity (team, user id, bot id): the gate ignores our own messages, memory is keyed by team. */
async function slackIdentity(
  config: Config,
  logger: Logger,
  scrub: (text: string) => string,
  onRateLimited?: () => void,
): Promise<{ client: SlackClient; identity: RunningService['slack'] } | undefined> {
  if (config.SLACK_BOT_TOKEN === undefined) return undefined;
  const client = new SlackClient({
    token: config.SLACK_BOT_TOKEN,
    apiUrl: config.SLACK_API_URL,
    scrub,
    ...(onRateLimited ? { onRateLimited } : {}),
  });
  try {
    return { client, identity: await client.authTest() };
  } catch (e) {
    logger.warn({ err: errorMessage(e) }, 'Slack auth.test failed: bot identity unknown');
    return { client, identity: undefined };
  }
}

/**
 * Reads whether the queue keeps what the gate acknowledges, and refuses to start when it does not (unless
 * FLIPTURN_ALLOW_VOLATILE_QUEUE=true). A Redis that cannot be reached yet is checked again every 5 s until it
 * answers; if it then turns out volatile, the gate answers 503 FT_QUEUE_NOT_DURABLE and /readyz says why.
 */
async function checkDurability(
  config: Config,
  role: Role,
  clock: Clock,
  logger: Logger,
): Promise<{ monitor: DurabilityMonitor; stop: () => void }> {
  const allowed = config.FLIPTURN_ALLOW_VOLATILE_QUEUE;
  const url = config.REDIS_URL;
  const monitor = new DurabilityMonitor(
    url === undefined ? () => Promise.resolve(inProcessDurability(allowed)) : () => checkRedisPersistence(url, allowed),
    () => clock.nowMs(),
  );
  const d = await monitor.refresh();
  if (monitor.blocksWrites)
    throw new FlipturnError('FT_QUEUE_NOT_DURABLE', `flipturn ${role} refuses to start: ${d.detail}`);
  const fields = { persistence: d.persistence, durable: d.durable, ...(d.fsync ? { fsync: d.fsync } : {}) };
  if (d.durable) logger.info(fields, `queue persistence: ${d.detail}`);
  else if (d.persistence !== 'unknown')
    logger.warn(fields, `queue is volatile (FLIPTURN_ALLOW_VOLATILE_QUEUE=true): ${d.detail}`);
  else logger.warn(fields, `queue persistence not known yet: ${d.detail}; checking again every 5 s`);
  let timer: NodeJS.Timeout | undefined;
  if (d.persistence === 'unknown') {
    timer = setInterval(() => {
      void monitor.refresh().then((now) => {
        if (now.persistence === 'unknown') return;
        clearInterval(timer);
        if (monitor.blocksWrites)
          logger.error(
            { persistence: now.persistence },
            `queue is not durable: webhooks are refused with 503 until it is: ${now.detail}`,
          );
        else logger.info({ persistence: now.persistence }, `queue persistence: ${now.detail}`);
      });
    }, 5000);
    timer.unref();
  }
  return { monitor, stop: () => clearInterval(timer) };
}

export async function startService(o: ServiceOptions): Promise<RunningService> {
  const { config, clock, logger, role } = o;
  const consumer = o.consumer ?? `${hostname()}-${process.pid}`;
  const runsWorker = role !== 'serve';
  if (runsWorker && config.SLACK_BOT_TOKEN === undefined) {
    throw new FlipturnError(
      'FT_CONFIG_INVALID',
      `flipturn ${role} needs SLACK_BOT_TOKEN: the worker answers in Slack threads`,
    );
  }
  for (const w of configWarnings(config))
    logger.warn({ variable: w.variable }, `configuration: ${w.variable} ${w.message}`);
  const adapters = buildAdapters(config, { clock, logger, role });
  const closers: Array<() => Promise<void>> = [];
  try {
    if (adapters.queue instanceof RedisSignalQueue && !(await adapters.queue.waitReady(3000))) {
      logger.warn('Redis is not reachable yet: the gate answers 503 and the worker retries until it is');
    }
    const durability = await checkDurability(config, role, clock, logger);
    closers.push(() => Promise.resolve(durability.stop()));
    // One registry per process: the gate's, the worker's and the investigation's series, plus process/GC/event-loop metrics.
    const metrics = new MetricsRegistry({ defaultMetrics: true });
    const slackPosts = slackMetrics(metrics);
    // Everything posted to Slack, titles included: configured secret values, then secret-shaped text (src/kernel/redact.ts).
    const scrubOutgoing = (text: string) => scrubText(text, { known: (t) => o.scrubber.scrub(t) });
    const slack = await slackIdentity(config, logger, scrubOutgoing, () => slackPosts.count('rate_limited'));
    const identity = slack?.identity;
    if (runsWorker && identity === undefined) {
      // Memory is keyed by the Slack team: guessing it would file answers where follow-ups never look.
      throw new FlipturnError(
        'FT_SLACK_DELIVERY_FAILED',
        `flipturn ${role} cannot learn its Slack identity (auth.test at ${config.SLACK_API_URL} failed): check SLACK_BOT_TOKEN and SLACK_API_URL`,
      );
    }
    let registry: ProviderRegistry | undefined;
    let table: readonly ProviderStatusRow[] = [];
    let worker: Worker | undefined;
    if (runsWorker && slack) {
      const boot = await bootstrapProviders(
        config,
        PROVIDER_FACTORIES,
        { clock, logger, scrubber: o.scrubber },
        { healthCheck: true },
      );
      registry = boot.registry;
      table = boot.table;
      const wm = workerMetrics(metrics);
      if (role === 'worker') queueMetrics(metrics, adapters.queue); // the gate registers them in serve and start
      const settings = workerSettings({
        consumer,
        concurrency: config.WORKER_CONCURRENCY,
        reclaimIdleMs: config.RECLAIM_IDLE_MS,
        shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
        incidentLeaseTtlMs: config.FLIPTURN_INVESTIGATION_DEADLINE_MS,
        incidentWaitMs: config.INCIDENT_WAIT_MS,
        refireWindowMs: config.REFIRE_WINDOW_MS,
        ...(o.testHooks?.pauseBeforeAckMs ? { testPauseBeforeAckMs: o.testHooks.pauseBeforeAckMs } : {}),
      });
      // A record in thread memory that fails its schema is skipped, never trusted: said in the log and counted.
      adapters.memory.reportInvalidTo((r) => {
        wm.invalidRecords.inc({ kind: r.kind });
        logger.warn(
          { kind: r.kind, key: o.scrubber.scrub(r.key), reason: r.reason },
          'stored record failed its check: skipped',
        );
      });
      const delivery = new ObservedSlackDelivery(
        { client: slack.client, memory: adapters.memory, clock, owner: consumer },
        (outcome) => slackPosts.count(outcome),
      );
      const pipeline = new Pipeline({
        registry,
        memory: adapters.memory,
        delivery,
        teamId: identity?.teamId ?? '',
        ...(config.SLACK_DEFAULT_CHANNEL ? { defaultChannel: config.SLACK_DEFAULT_CHANNEL } : {}),
        investigation: settingsFromConfig(config),
        clock,
        refireWindowMs: settings.refireWindowMs,
        notInvestigated: (state) => wm.notInvestigated.inc({ state }),
        scrub: (t) => o.scrubber.scrub(t),
        redactText: scrubOutgoing,
        ...(o.testHooks?.investigationDelayMs ? { testDelayMs: o.testHooks.investigationDelayMs } : {}),
        agent: agentFromConfig(config, { clock, registry, logger, knownSecrets: (t) => o.scrubber.scrub(t) }),
        ...(o.onEvent ? { onEvent: o.onEvent } : {}),
        observer: combineObservers(metricsObserver(investigationMetrics(metrics), clock), tracingObserver()),
        feedback: { store: adapters.feedback, count: (verdict: string) => wm.feedback.inc({ verdict }) },
        picture: renderPicture,
      });
      // One investigation per incident across every worker process (src/worker/coordination.ts).
      const coordination = { lease: adapters.lease, teamId: identity?.teamId ?? '' };
      worker = new Worker({
        queue: adapters.queue,
        handler: pipeline,
        settings,
        clock,
        logger,
        metrics: wm,
        coordination,
        ...(o.reporter ? { reporter: o.reporter } : {}),
      });
    }
    let http: FastifyInstance;
    if (role === 'worker' && worker) {
      // The same client deadlines as the gate: it serves probes only, but is reachable the same way.
      http = buildWorkerHttp(
        { worker, queue: adapters.queue, metrics, durability: durability.monitor },
        serverOptions(gateLimits(gateSettingsFromConfig(config).limits)),
      );
    } else {
      const settings = gateSettingsFromConfig(config, {
        ...(identity?.userId ? { slackBotUserId: identity.userId } : {}),
        ...(identity?.botId ? { slackBotId: identity.botId } : {}),
      });
      http = buildGate({
        settings,
        clock,
        logger,
        queue: adapters.queue,
        metrics,
        durability: durability.monitor,
        ...(o.reporter ? { reporter: o.reporter } : {}),
      });
    }
    const url = await http.listen({ host: config.HOST, port: config.PORT });
    closers.push(() => http.close());
    // Socket Mode: the same normalizer, idempotency and queue as the HTTP routes, over bolt's receiver.
    let socket: SocketModeIntake | undefined;
    if (role !== 'worker' && config.SLACK_APP_TOKEN !== undefined) {
      socket = await startSocketMode({
        appToken: config.SLACK_APP_TOKEN,
        apiUrl: config.SLACK_API_URL,
        queue: adapters.queue,
        clock,
        logger,
        durability: durability.monitor,
        normalizeOptions: {
          ...(identity?.userId ? { botUserId: identity.userId } : {}),
          ...(identity?.botId ? { botId: identity.botId } : {}),
        },
      });
      const opened = socket;
      closers.push(() => opened.stop());
    }
    worker?.start();
    let stopped: Promise<void> | undefined;
    // Within SHUTDOWN_GRACE_MS in all: the HTTP server first (stop accepting, idle connections closed at once,
    // requests in flight get a few seconds, then every connection still open, stalled uploads included, is
    // destroyed), then the worker gets what is left of the grace period.
    const graceMs = config.SHUTDOWN_GRACE_MS;
    const stop = () =>
      (stopped ??= (async () => {
        const t0 = clock.nowMs();
        durability.stop();
        await socket?.stop().catch(() => undefined);
        await closeGate(http, Math.min(DEFAULT_DRAIN_MS, graceMs)).catch(() => undefined); // nothing answered 2xx is lost
        await worker?.stop(Math.max(0, graceMs - (clock.nowMs() - t0)));
        await registry?.close().catch(() => undefined);
        await adapters.close();
      })());
    return { role, url, mode: adapters.mode, consumer, adapters, providerTable: table, slack: identity, worker, stop };
  } catch (e) {
    for (const c of closers) await c().catch(() => undefined);
    await adapters.close();
    throw e;
  }
}
