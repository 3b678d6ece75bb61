/**
 * Flipturn's own investigation metrics, in the shared MetricsRegistry (src/ingress/metrics.ts), and the
 * InvestigationObserver that fills them. Label values are bounded: stage (5 names), provider (the configured
 * providers), signal (4 capabilities), status (6 outcomes), limit (4 budget limits), outcome (4 Slack outcomes).
 */
import type { Counter, Histogram, MetricsRegistry } from '../ingress/metrics.js';
import type { InvestigationObserver } from '../evidence/observer.js';
import type { Clock } from '../kernel/clock.js';

export interface InvestigationMetrics {
  readonly stageSeconds: Histogram;
  readonly providerCalls: Counter;
  readonly providerCallSeconds: Histogram;
  readonly budgetRefusals: Counter;
  readonly investigations: Counter;
}

const STAGE_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

export function investigationMetrics(registry: MetricsRegistry): InvestigationMetrics {
  return {
    stageSeconds: registry.histogram(
      'flipturn_investigation_stage_duration_seconds',
      'Time spent in each stage of answering an alert: correlate, prefetch, analyze, narrate, deliver.',
      ['stage'],
      STAGE_BUCKETS,
    ),
    providerCalls: registry.counter(
      'flipturn_provider_calls_total',
      'Evidence provider calls made through the investigation budget, by provider, signal (traces, logs, metrics, errors) and outcome status (ok, no_data, unsupported, retryable, failed, skipped_budget; aborted when the investigation was cancelled mid-call).',
      ['provider', 'signal', 'status'],
    ),
    providerCallSeconds: registry.histogram('flipturn_provider_call_duration_seconds', 'Time one evidence provider call took (timeouts included), by provider and signal.', ['provider', 'signal'], STAGE_BUCKETS),
    budgetRefusals: registry.counter(
      'flipturn_investigation_budget_refusals_total',
      'Provider calls the investigation budget refused (not made), by provider, signal and the limit that refused them (deadline, calls, provider_calls, rows).',
      ['provider', 'signal', 'limit'],
    ),
    investigations: registry.counter('flipturn_investigations_total', 'Investigations run, by result (ok, error).', ['result']),
  };
}

/** An observer that times stages and counts calls into the metrics. `clock` is the wall clock. */
export function metricsObserver(m: InvestigationMetrics, clock: Clock): InvestigationObserver {
  const timed = async <T>(run: () => Promise<T>, done: (seconds: number) => void): Promise<T> => {
    const t0 = clock.nowMs();
    try {
      return await run();
    } finally {
      done(Math.max(0, clock.nowMs() - t0) / 1000);
    }
  };
  return {
    async investigation(_info, run) {
      let result = 'error';
      try {
        const r = await run();
        result = 'ok';
        return r;
      } finally {
        m.investigations.inc({ result });
      }
    },
    stage: (stage, run) => timed(run, (s) => m.stageSeconds.observe({ stage }, s)),
    async providerCall(call, run) {
      const labels = { provider: call.provider, signal: call.signal };
      let status = 'aborted';
      try {
        const r = await timed(run, (s) => m.providerCallSeconds.observe(labels, s));
        status = r.status;
        return r;
      } finally {
        m.providerCalls.inc({ ...labels, status });
      }
    },
    budgetRefused(call) {
      m.budgetRefusals.inc({ provider: call.provider, signal: call.signal, limit: call.limit });
    },
  };
}

/** One observer from several (the first wraps the others): metrics and traces together. */
export function combineObservers(...list: readonly InvestigationObserver[]): InvestigationObserver | undefined {
  if (list.length === 0) return undefined;
  return list.reduce((outer, inner) => ({
    investigation: (info, run) => outer.investigation(info, () => inner.investigation(info, run)),
    stage: (stage, run) => outer.stage(stage, () => inner.stage(stage, run)),
    providerCall: (call, run) => outer.providerCall(call, () => inner.providerCall(call, run)),
    budgetRefused: (call) => {
      outer.budgetRefused(call);
      inner.budgetRefused(call);
    },
  }));
}

export type SlackOutcome = 'posted' | 'deduplicated' | 'failed' | 'rate_limited';

/** Slack posting outcomes: one per delivery (posted, deduplicated, failed), plus one per 429 answer (rate_limited). */
export function slackMetrics(registry: MetricsRegistry): { readonly posts: Counter; count(outcome: SlackOutcome): void } {
  const posts = registry.counter(
    'flipturn_slack_posts_total',
    'Slack replies by outcome: posted, deduplicated (the delivery ledger had it, nothing sent), failed (per delivery), rate_limited (per Slack call answered 429, then retried).',
    ['outcome'],
  );
  return { posts, count: (outcome) => posts.inc({ outcome }) };
}
