import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { investigateScenario, loadScenario } from '../../../src/cli/commands/investigate-scenario.js';
import type { CallRecord } from '../../../src/evidence/access.js';
import { DEFAULT_SETTINGS } from '../../../src/evidence/settings.js';
import { gateMetrics } from '../../../src/ingress/gate-support.js';
import { MetricsRegistry } from '../../../src/observability/registry.js';
import { FixedClock, systemClock } from '../../../src/kernel/clock.js';
import { investigationMetrics, metricsObserver, slackMetrics } from '../../../src/observability/metrics.js';
import { InProcessQueue } from '../../../src/queue/memory.js';
import { queueMetrics } from '../../../src/observability/queue.js';
import { workerMetrics } from '../../../src/worker/metrics.js';
import { parsePrometheus, valueOf } from '../../unit/observability/prom-parse.js';

const SCENARIO = resolve(import.meta.dirname, '../../../scenarios/nezha-ob-2022-08-22-0726');

describe('/metrics: investigation series from a real scenario', () => {
  it('counts provider calls by provider/signal/status, budget refusals and stage durations, and the whole registry parses', async () => {
    const registry = new MetricsRegistry();
    const queue = new InProcessQueue(new FixedClock(0));
    gateMetrics(registry, queue);
    workerMetrics(registry);
    queueMetrics(registry, queue);
    const slack = slackMetrics(registry);
    const m = investigationMetrics(registry);
    const scenario = await loadScenario(SCENARIO);
    // A budget of 3 calls: the prefetch asks for more, so some calls are refused.
    const run = await investigateScenario(scenario, {
      wallClock: systemClock,
      settings: { ...DEFAULT_SETTINGS, callBudget: 3 },
      observer: metricsObserver(m, systemClock),
    });
    slack.count('posted');
    slack.count('rate_limited');

    const text = await registry.render();
    const fams = parsePrometheus(text);
    const calls = (run.report.prefetch as { calls?: CallRecord[] } | undefined)?.calls ?? [];
    // What the prefetch (src/evidence/prefetch.ts) does on this scenario with 3 calls: the alert names no trace and
    // no run id, so step 1 makes no call; step 2 reads, in parallel, the metrics of every service (ok), the service
    // map (the scenario's topology, ok) and the error-tracker issues (none in the windows: no_data): the budget is
    // spent. Step 3 asks for max(1, ...) = 1 part of the span sample (refused); step 4 asks for every log line and
    // the warnings and errors (both refused). The symptom's own metrics are not asked for: step 2's answer was
    // neither capped nor empty.
    const expected = new Map<string, number>([
      ['otlp-file|metrics|ok', 1],
      ['otlp-file|topology|ok', 1],
      ['otlp-file|errors|no_data', 1],
      ['otlp-file|traces|skipped_budget', 1],
      ['otlp-file|logs|skipped_budget', 2],
    ]);
    const signalOf: Readonly<Record<string, string>> = {
      searchSpans: 'traces',
      fetchTrace: 'traces',
      fetchLogs: 'logs',
      fetchMetrics: 'metrics',
      fetchIssues: 'errors',
      fetchServiceMap: 'topology',
    };
    const logged = new Map<string, number>();
    for (const c of calls) {
      const k = `${c.provider}|${signalOf[c.method] ?? c.method}|${c.status}`;
      logged.set(k, (logged.get(k) ?? 0) + 1);
    }
    // The call log says the same (the report's ledger and the counter come from the same calls).
    expect(Object.fromEntries(logged)).toEqual(Object.fromEntries(expected));
    for (const [k, n] of expected) {
      const [provider, signal, status] = k.split('|') as [string, string, string];
      expect(valueOf(fams, 'flipturn_provider_calls_total', { provider, signal, status }), k).toBe(n);
    }
    const all = fams.get('flipturn_provider_calls_total')?.samples.reduce((a, s) => a + s.value, 0);
    expect(all).toBe(6);
    const refusals = fams.get('flipturn_investigation_budget_refusals_total')?.samples ?? [];
    expect(refusals.map((s) => [s.labels.provider, s.labels.signal, s.labels.limit, s.value]).sort()).toEqual([
      ['otlp-file', 'logs', 'calls', 2],
      ['otlp-file', 'traces', 'calls', 1],
    ]);
    for (const stage of ['correlate', 'prefetch', 'analyze']) {
      expect(valueOf(fams, 'flipturn_investigation_stage_duration_seconds_count', { stage }), stage).toBe(1);
    }
    expect(valueOf(fams, 'flipturn_investigation_duration_seconds_count', { result: 'ok' })).toBe(1);
    expect(valueOf(fams, 'flipturn_slack_posts_total', { outcome: 'posted' })).toBe(1);
    expect(valueOf(fams, 'flipturn_slack_posts_total', { outcome: 'rate_limited' })).toBe(1);
    expect(valueOf(fams, 'flipturn_queue_entries', { state: 'length' })).toBe(0);
    expect(valueOf(fams, 'flipturn_queue_up')).toBe(1);
    // Every family has help text and a flipturn_ name.
    for (const f of fams.values()) {
      expect(f.name).toMatch(/^flipturn_/);
      expect(f.help.length).toBeGreaterThan(10);
    }
    expect(text).toContain('# TYPE flipturn_investigation_stage_duration_seconds histogram');
  });
});
