/**
 * Flipturn's own investigation metrics, in the process's MetricsRegistry (./registry.ts), and the
 * InvestigationObserver that fills them. One series per meaning: the stage histogram covers every stage of
 * answering an alert whoever runs it (correlate, prefetch, analyze in the investigation; narrate, deliver, save in
 * the worker), the Slack counter every delivery (./slack.ts counts it). Label values are bounded: stage (6 names),
 * provider (the configured providers), signal (4 capabilities), status (7 outcomes), limit (4 budget limits),
 * outcome (4 Slack outcomes), result (ok, error).
 */
import type { Counter, Histogram, MetricsRegistry } from './registry.js';
import { INVESTIGATION_STAGES, type InvestigationObserver, type InvestigationStage } from '../evidence/observer.js';
import type { Clock } from '../kernel/clock.js';

export interface InvestigationMetrics {
  readonly stageSeconds: Histogram<'stage'>;
  readonly providerCalls: Counter<'provider' | 'signal' | 'status'>;
  readonly providerCallSeconds: Histogram<'provider' | 'signal'>;
  readonly budgetRefusals: Counter<'provider' | 'signal' | 'limit'>;
  readonly investigationSeconds: Histogram<'result'>;
}

const STAGE_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] as const;

export function investigationMetrics(registry: MetricsRegistry): InvestigationMetrics {
  return {
    stageSeconds: registry.histogram(
      'flipturn_investigation_stage_duration_seconds',
      'Time spent in each stage of answering an alert: correlate, prefetch, analyze (the investigation), narrate, deliver (the Slack post, retries included), save (thread memory).',
      ['stage'],
      STAGE_BUCKETS,
    ),
    providerCalls: registry.counter(
      'flipturn_provider_calls_total',
      'Evidence provider calls made through the investigation budget, by provider, signal (traces, logs, metrics, errors) and outcome status (ok, no_data, unsupported, retryable, failed, skipped_budget; aborted when the investigation was cancelled mid-call).',
      ['provider', 'signal', 'status'],
    ),
    providerCallSeconds: registry.histogram(
      'flipturn_provider_call_duration_seconds',
      'Time one evidence provider call took (timeouts included), by provider and signal.',
      ['provider', 'signal'],
      STAGE_BUCKETS,
    ),
    budgetRefusals: registry.counter(
      'flipturn_investigation_budget_refusals_total',
      'Provider calls the investigation budget refused (not made), by provider, signal and the limit that refused them (deadline, calls, provider_calls, rows).',
      ['provider', 'signal', 'limit'],
    ),
    investigationSeconds: registry.histogram(
      'flipturn_investigation_duration_seconds',
      'Time one investigation took (correlate, prefetch and analyze), by result (ok, error); its _count is the number of investigations.',
      ['result'],
      STAGE_BUCKETS,
    ),
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
  // The stages and results are known: their series are bound once.
  const stages = new Map<InvestigationStage, { observe(seconds: number): void }>(
    INVESTIGATION_STAGES.map((stage) => [stage, m.stageSeconds.labels({ stage })]),
  );
  const ok = m.investigationSeconds.labels({ result: 'ok' });
  const error = m.investigationSeconds.labels({ result: 'error' });
  return {
    async investigation(_info, run) {
      const t0 = clock.nowMs();
      let result = error;
      try {
        const r = await run();
        result = ok;
        return r;
      } finally {
        result.observe(Math.max(0, clock.nowMs() - t0) / 1000);
      }
    },
    stage: (stage, run) => timed(run, (s) => stages.get(stage)?.observe(s)),
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

export const SLACK_OUTCOMES = ['posted', 'deduplicated', 'failed', 'rate_limited'] as const;
export type SlackOutcome = (typeof SLACK_OUTCOMES)[number];

/**
 * Slack posting outcomes, the one series of them: one per delivery (posted, deduplicated, failed), plus one per
 * 429 answer (rate_limited). `count` uses series bound once per outcome.
 */
export function slackMetrics(registry: MetricsRegistry): {
  readonly posts: Counter<'outcome'>;
  readonly count: (outcome: SlackOutcome) => void;
} {
  const posts = registry.counter(
    'flipturn_slack_posts_total',
    'Slack replies by outcome: posted, deduplicated (the delivery ledger had it, nothing sent), failed (per delivery), rate_limited (per Slack call answered 429, then retried).',
    ['outcome'],
  );
  const bound = new Map(SLACK_OUTCOMES.map((outcome) => [outcome, posts.labels({ outcome })]));
  return { posts, count: (outcome) => bound.get(outcome)?.inc() };
}
