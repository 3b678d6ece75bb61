/** The Datadog provider through the shared conformance suite, backed by a fake Datadog API (fake-datadog.ts). */
import { systemClock } from '../../../../src/kernel/clock.js';
import { SecretScrubber } from '../../../../src/kernel/secrets.js';
import { DatadogProvider } from '../../../../src/providers/datadog/provider.js';
import { runProviderConformance } from '../../../conformance/suite.js';
import { CONFORMANCE_DATASET } from '../../../conformance/dataset.js';
import type { FakeHttpServer } from '../../../support/fake-http-server.js';
import { startFakeHttpServer } from '../../../support/fake-http-server.js';
import { startFakeDatadog } from './fake-datadog.js';

const API_KEY = 'conformance-dd-api-key-5f1e';
const APP_KEY = 'conformance-dd-app-key-9c2b';
const WRONG_KEY = 'conformance-dd-wrong-key-77aa';
const servers: FakeHttpServer[] = [];

function provider(url: string, apiKey = API_KEY, timeoutMs = 2000): DatadogProvider {
  return new DatadogProvider({
    settings: {
      apiKey,
      appKey: APP_KEY,
      site: 'datadoghq.com',
      apiBaseUrl: url,
      appBaseUrl: 'https://app.datadoghq.com',
      timeoutMs,
      rowBudget: 5000,
      serviceMapEnvs: ['prod'],
    },
    clock: systemClock,
    scrubber: new SecretScrubber().register(API_KEY, APP_KEY, WRONG_KEY),
    retry: { maxAttempts: 2, initialBackoffMs: 5, maxBackoffMs: 10 },
    pageLimit: 4, // small pages so the suite exercises cursor pagination
  });
}

async function serve(dataset: Parameters<typeof startFakeDatadog>[0], delayMs?: number): Promise<FakeHttpServer> {
  const s = await startFakeDatadog(dataset, { apiKey: API_KEY, ...(delayMs ? { delayMs } : {}) });
  servers.push(s);
  return s;
}

runProviderConformance('datadog', {
  capabilities: ['traces', 'logs', 'metrics', 'topology'],
  async withData(dataset) {
    return provider((await serve(dataset)).url);
  },
  async empty() {
    return provider((await serve({ spans: [], logs: [], metrics: [] })).url);
  },
  failureModes: ['unavailable', 'auth', 'timeout'],
  async failing(mode) {
    if (mode === 'auth') return provider((await serve(CONFORMANCE_DATASET)).url, WRONG_KEY);
    if (mode === 'timeout') return provider((await serve(CONFORMANCE_DATASET, 1500)).url, API_KEY, 150);
    const closed = await startFakeHttpServer();
    const url = closed.url;
    await closed.stop();
    return provider(url);
  },
  secrets: [API_KEY, APP_KEY, WRONG_KEY],
  async cleanup() {
    await Promise.all(servers.map((s) => s.stop()));
  },
});
