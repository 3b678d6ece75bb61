/**
 * The Prometheus provider through the shared conformance suite, backed by the fake Prometheus
 * (test/support/vendor-fakes/prometheus.ts) storing the dataset as Prometheus 3's OTLP receiver does with
 * `translation_strategy: NoTranslation` (OTel names kept, queried as `{"dotted.name"}`), behind Basic auth.
 * The families the dataset has are configured as an operator would (PROMETHEUS_FAMILIES).
 */
import { systemClock } from '../../../../src/kernel/clock.js';
import { SecretScrubber } from '../../../../src/kernel/secrets.js';
import { PrometheusClient } from '../../../../src/providers/prometheus/client.js';
import { DEFAULT_FAMILIES, PROMETHEUS_DEFAULTS, type PrometheusSettings } from '../../../../src/providers/prometheus/config.js';
import { PrometheusProvider } from '../../../../src/providers/prometheus/provider.js';
import { CONFORMANCE_DATASET } from '../../../conformance/dataset.js';
import { runProviderConformance } from '../../../conformance/suite.js';
import { startFakeHttpServer, type FakeHttpServer } from '../../../support/fake-http-server.js';
import { startFakePrometheus } from '../../../support/vendor-fakes/prometheus.js';

const USER = 'prom-user-1187';
const PASSWORD = 'conformance-prom-token-c41d';
const WRONG = 'conformance-prom-wrong-07be';
const servers: FakeHttpServer[] = [];

function provider(baseUrl: string, name: string, password = PASSWORD, timeoutMs = 2000): PrometheusProvider {
  const u = new URL(baseUrl);
  u.username = USER;
  u.password = password;
  const s: PrometheusSettings = {
    ...PROMETHEUS_DEFAULTS,
    url: u.toString(),
    timeoutMs,
    families: { ...DEFAULT_FAMILIES, latency: { metric: 'http.server.request.duration', type: 'gauge' }, cpu: { metric: 'process.cpu.utilization', type: 'gauge' } },
  };
  const scrubber = new SecretScrubber().register(PASSWORD, WRONG);
  return new PrometheusProvider(name, s, new PrometheusClient(name, s, { clock: systemClock, scrubber, retry: { maxAttempts: 2, initialBackoffMs: 5, maxBackoffMs: 10 } }), systemClock);
}

async function serve(metrics: Parameters<typeof startFakePrometheus>[0], delayMs?: number): Promise<string> {
  const s = await startFakePrometheus(metrics, { naming: 'utf8', basicAuth: { user: USER, password: PASSWORD }, ...(delayMs ? { delayMs } : {}) });
  servers.push(s);
  return s.url;
}

runProviderConformance('prometheus', {
  capabilities: ['metrics'],
  withData: async (d) => provider(await serve(d.metrics), 'prometheus'),
  empty: async () => provider(await serve([]), 'prometheus-empty'),
  failureModes: ['unavailable', 'auth', 'timeout'],
  async failing(mode) {
    if (mode === 'auth') return provider(await serve(CONFORMANCE_DATASET.metrics), 'prometheus-auth', WRONG);
    if (mode === 'timeout') return provider(await serve(CONFORMANCE_DATASET.metrics, 1500), 'prometheus-timeout', PASSWORD, 150);
    const closed = await startFakeHttpServer();
    await closed.stop();
    return provider(closed.url, 'prometheus-down');
  },
  secrets: [PASSWORD, WRONG, Buffer.from(`${USER}:${PASSWORD}`).toString('base64'), Buffer.from(`${USER}:${WRONG}`).toString('base64')],
  async cleanup() {
    await Promise.all(servers.map((s) => s.stop()));
  },
});
