/**
 * A synthetic metrics-only incident for the benchmarks: a Prometheus-only shop (no spans, no logs, no service map)
 * of 50 services (svc-00 is the entry; each svc-i > 0 is called by svc-floor((i-1)/3)), each with the five series a
 * service usually exports under their usual Prometheus names:
 * - http_server_request_duration_seconds_p99 (gauge, s; a recording rule's p99),
 * - http_server_errors_ratio (gauge, failed share of requests),
 * - process_cpu_seconds_total (monotonic counter),
 * - process_resident_memory_bytes (gauge),
 * - http_server_requests_total (monotonic counter).
 * One point a minute (a 60 s scrape or recording-rule interval) for the 75 minutes before the alert: 62 points per
 * series fall in the investigation's range (the alert's 30-minute burn-rate window gives a 30 min baseline and a
 * 31 min incident window, plus the point at the alert), 15,500 points in all, three times the default row budget of one call.
 * The baseline is noisy on purpose: jitter on every series, rare latency and error bursts, traffic that drifts.
 * Twelve minutes before the alert, svc-37 (three calls below the entry: svc-00 -> svc-03 -> svc-12 -> svc-37) turns
 * slow and failing and burns CPU. Its callers' latency and errors rise with it, less. Two unrelated services move
 * at the same time (a batch job's CPU on svc-08, a slow memory climb on svc-21).
 * Deterministic (seeded). Nothing here is keyed to the engine: the analysis sees ordinary series.
 */
import type { MetricSeries, NumberPoint } from '../src/providers/models.js';
import { mulberry32 } from './synthetic.js';

export const MET_ALERT_MS = Date.UTC(2026, 10, 21, 14, 0, 0);
export const MET_SERVICES = 50;
export const MET_FAULTY = 'svc-37';
const HISTORY_MS = 75 * 60_000;
const SCRAPE_MS = 60_000;
const FAULT_AT_MS = MET_ALERT_MS - 12 * 60_000;
const FAULTY_INDEX = 37;

const name = (i: number): string => `svc-${String(i).padStart(2, '0')}`;
const parentOf = (i: number): number => Math.floor((i - 1) / 3);

/** How far each service sits above the faulty one: 1 for the faulty service, 0.5 per call above it, 0 off the path. */
function exposure(i: number): number {
  let j = FAULTY_INDEX;
  let share = 1;
  while (j > 0 && j !== i) {
    j = parentOf(j);
    share *= 0.5;
  }
  return j === i ? share : 0;
}

const nanos = (ms: number): bigint => BigInt(Math.round(ms)) * 1_000_000n;

export function syntheticMetrics(seed = 11): MetricSeries[] {
  const rnd = mulberry32(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const out: MetricSeries[] = [];
  const steps = HISTORY_MS / SCRAPE_MS;
  for (let i = 0; i < MET_SERVICES; i++) {
    const svc = name(i);
    const labels = { service: svc, job: svc, instance: `${svc}:9464` };
    const exp = exposure(i);
    const baseLatency = 0.02 + 0.25 * rnd();
    const baseErrors = 0.001 + 0.008 * rnd();
    const baseCpu = 0.1 + 0.5 * rnd();
    const baseMem = (200 + 600 * rnd()) * 2 ** 20;
    const baseRps = 20 + 480 * rnd();
    const phase = 2 * Math.PI * rnd();
    const lat: NumberPoint[] = [];
    const err: NumberPoint[] = [];
    const cpu: NumberPoint[] = [];
    const mem: NumberPoint[] = [];
    const req: NumberPoint[] = [];
    let cpuTotal = 1000 * rnd();
    let reqTotal = 1e6 * rnd();
    for (let k = 0; k <= steps; k++) {
      const t = MET_ALERT_MS - HISTORY_MS + k * SCRAPE_MS;
      const time = nanos(t);
      const fault = t >= FAULT_AT_MS;
      const burst = rnd() < 0.02;
      const rps = baseRps * (1 + 0.15 * Math.sin(phase + (2 * Math.PI * t) / 3_600_000) + 0.05 * gauss());
      const latency = baseLatency * Math.exp(0.12 * gauss()) * (burst ? 2 : 1) + (fault ? exp * 0.9 : 0);
      const errors = Math.max(
        0,
        baseErrors * (1 + 0.3 * gauss()) + (burst && rnd() < 0.5 ? 0.02 : 0) + (fault ? exp * 0.08 : 0),
      );
      const batch = i === 8 && fault ? 0.6 : 0;
      const usage = Math.max(0.01, baseCpu * (1 + 0.1 * gauss()) + (fault && i === FAULTY_INDEX ? 0.9 : 0) + batch);
      const climb = i === 21 && fault ? (t - FAULT_AT_MS) / 60_000 / 12 : 0;
      cpuTotal += usage * (SCRAPE_MS / 1000);
      reqTotal += Math.max(0, rps) * (SCRAPE_MS / 1000);
      lat.push({ time, value: latency });
      err.push({ time, value: errors });
      cpu.push({ time, value: cpuTotal });
      mem.push({ time, value: baseMem * (1 + 0.01 * gauss() + 0.3 * climb) });
      req.push({ time, value: reqTotal });
    }
    const series = (
      metric: string,
      type: MetricSeries['type'],
      unit: string,
      points: NumberPoint[],
      counter = false,
    ): MetricSeries => ({
      sourceProvider: 'memory',
      name: metric,
      service: svc,
      type,
      unit,
      labels,
      points,
      ...(counter ? { monotonic: true, cumulative: true } : {}),
    });
    out.push(
      series('http_server_request_duration_seconds_p99', 'gauge', 's', lat),
      series('http_server_errors_ratio', 'gauge', '1', err),
      series('process_cpu_seconds_total', 'sum', 's', cpu, true),
      series('process_resident_memory_bytes', 'gauge', 'By', mem),
      series('http_server_requests_total', 'sum', '{request}', req, true),
    );
  }
  return out;
}

/** The Alertmanager webhook body: svc-00's p99 latency over a 30-minute burn-rate window, firing at MET_ALERT_MS. */
export function syntheticMetricsAlertBody(): Record<string, unknown> {
  const labels = { alertname: 'EntryLatencyHigh', service: name(0), env: 'prod', severity: 'page' };
  const at = new Date(MET_ALERT_MS).toISOString();
  return {
    version: '4',
    status: 'firing',
    receiver: 'flipturn',
    groupKey: '{}:{alertname="EntryLatencyHigh"}',
    truncatedAlerts: 0,
    groupLabels: { alertname: 'EntryLatencyHigh' },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.internal:9093',
    alerts: [
      {
        status: 'firing',
        labels,
        startsAt: at,
        endsAt: '0001-01-01T00:00:00Z',
        fingerprint: '5e1f0c2a9b7d3e41',
        generatorURL: 'http://prometheus.internal:9090/graph',
        annotations: {
          summary: `${name(0)} p99 latency is above its objective`,
          expr: `max_over_time(http_server_request_duration_seconds_p99{service="${name(0)}"}[30m]) > 0.5`,
        },
      },
    ],
  };
}
