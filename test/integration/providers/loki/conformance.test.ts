/**
 * The Loki provider through the shared conformance suite, backed by the fake Loki (test/support/vendor-fakes/loki.ts):
 * Grafana-Cloud-style Basic credentials in the URL plus a tenant (X-Scope-OrgID), both checked by the fake.
 */
import { systemClock } from '../../../../src/kernel/clock.js';
import { SecretScrubber } from '../../../../src/kernel/secrets.js';
import { LokiClient } from '../../../../src/providers/loki/client.js';
import { LOKI_DEFAULTS, type LokiSettings } from '../../../../src/providers/loki/config.js';
import { LokiProvider } from '../../../../src/providers/loki/provider.js';
import { CONFORMANCE_DATASET } from '../../../conformance/dataset.js';
import { runProviderConformance } from '../../../conformance/suite.js';
import { startFakeHttpServer, type FakeHttpServer } from '../../../support/fake-http-server.js';
import { startFakeLoki } from '../../../support/vendor-fakes/loki.js';

const USER = 'loki-user-4411';
const PASSWORD = 'conformance-loki-token-8d2e';
const WRONG = 'conformance-loki-wrong-3f9a';
const TENANT = 'team-conformance';
const servers: FakeHttpServer[] = [];

function provider(baseUrl: string, name: string, password = PASSWORD, timeoutMs = 2000): LokiProvider {
  const u = new URL(baseUrl);
  u.username = USER;
  u.password = password;
  const s: LokiSettings = {
    ...LOKI_DEFAULTS,
    url: u.toString(),
    tenant: TENANT,
    envLabels: ['deployment_environment_name', 'env'],
    maxPerRequest: 4,
    maxPages: 10,
    timeoutMs,
  };
  const scrubber = new SecretScrubber().register(PASSWORD, WRONG);
  return new LokiProvider(
    name,
    s,
    new LokiClient(name, s, {
      clock: systemClock,
      scrubber,
      retry: { maxAttempts: 2, initialBackoffMs: 5, maxBackoffMs: 10 },
    }),
    systemClock,
  );
}

async function serve(logs: Parameters<typeof startFakeLoki>[0], delayMs?: number): Promise<string> {
  const s = await startFakeLoki(logs, {
    basicAuth: { user: USER, password: PASSWORD },
    tenant: TENANT,
    ...(delayMs ? { delayMs } : {}),
  });
  servers.push(s);
  return s.url;
}

runProviderConformance('loki', {
  capabilities: ['logs'],
  withData: async (d) => provider(await serve(d.logs), 'loki'),
  empty: async () => provider(await serve([]), 'loki-empty'),
  failureModes: ['unavailable', 'auth', 'timeout'],
  async failing(mode) {
    if (mode === 'auth') return provider(await serve(CONFORMANCE_DATASET.logs), 'loki-auth', WRONG);
    if (mode === 'timeout') return provider(await serve(CONFORMANCE_DATASET.logs, 1500), 'loki-timeout', PASSWORD, 150);
    const closed = await startFakeHttpServer();
    await closed.stop();
    return provider(closed.url, 'loki-down');
  },
  secrets: [
    PASSWORD,
    WRONG,
    Buffer.from(`${USER}:${PASSWORD}`).toString('base64'),
    Buffer.from(`${USER}:${WRONG}`).toString('base64'),
  ],
  async cleanup() {
    await Promise.all(servers.map((s) => s.stop()));
  },
});
