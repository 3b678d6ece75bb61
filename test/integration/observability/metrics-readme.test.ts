/**
 * The README's list of /metrics series against what the roles really serve: each role is started in this process
 * (src/cli/compose/service.ts, the composition the CLI runs) and scraped; every served family must be listed, with
 * the role, and every listed series must be served by the roles the README names. `start` runs on the in-process
 * adapters; `serve` and `worker` need a real Redis.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINUX_ONLY_SERIES, metricsCatalog, readmeSeries } from '../../../src/cli/compose/metrics-docs.js';
import { startService, type Role } from '../../../src/cli/compose/service.js';
import { parseConfig } from '../../../src/config/load.js';
import { systemClock } from '../../../src/kernel/clock.js';
import { createLogger } from '../../../src/kernel/logger.js';
import { startSlackStandin, type SlackStandin } from '../../../src/lab/standins/slack.js';
import { freePort, skipRedisTests, startRedisServer, type RedisServerHandle } from '../../support/redis-server.js';
import { parsePrometheus } from '../../unit/observability/prom-parse.js';

const skipRedis = skipRedisTests();

async function servedFamilies(role: Role, standin: SlackStandin, redisUrl?: string): Promise<string[]> {
  const parsed = parseConfig({
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    LOG_LEVEL: 'silent',
    SLACK_BOT_TOKEN: standin.token,
    SLACK_API_URL: standin.apiUrl,
    // The in-process queue keeps nothing on disk: allowed here on purpose (`start` without Redis).
    ...(redisUrl ? { REDIS_URL: redisUrl } : { FLIPTURN_ALLOW_VOLATILE_QUEUE: 'true' }),
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const svc = await startService({
    role,
    config: parsed.config,
    scrubber: parsed.scrubber,
    clock: systemClock,
    logger: createLogger({ level: 'silent' }),
    consumer: `metrics-readme-${role}`,
  });
  try {
    const res = await fetch(new URL('/metrics', svc.url));
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return [...parsePrometheus(await res.text()).keys()].sort();
  } finally {
    await svc.stop();
  }
}

/** What the README says a role serves. */
function listedFor(role: Role): string[] {
  const listed = new Set(readmeSeries(readFileSync('README.md', 'utf8')));
  const served = metricsCatalog().filter((d) => d.servedBy === 'every role' || d.servedBy.split(', ').includes(role));
  return served
    .map((d) => d.name)
    .filter((n) => listed.has(n) && (process.platform === 'linux' || !LINUX_ONLY_SERIES.has(n)))
    .sort();
}

describe('every series the roles serve is in the README, and every listed one is served', () => {
  let standin: SlackStandin;
  let redis: RedisServerHandle | undefined;
  beforeAll(async () => {
    standin = await startSlackStandin({ token: 'xoxb-metrics-readme', teamId: 'T0METRICS' });
    if (!skipRedis) redis = await startRedisServer();
  }, 60_000);
  afterAll(async () => {
    await standin?.stop();
    await redis?.stop();
  });

  it('start (gate + worker, in-process adapters): exactly the README list', async () => {
    const all = readmeSeries(readFileSync('README.md', 'utf8')).filter(
      (n) => process.platform === 'linux' || !LINUX_ONLY_SERIES.has(n),
    );
    expect(await servedFamilies('start', standin)).toEqual([...all].sort());
    expect(listedFor('start')).toEqual([...all].sort());
  });

  it.skipIf(skipRedis)('serve and worker: the README rows of their role', async () => {
    for (const role of ['serve', 'worker'] as const) {
      expect(await servedFamilies(role, standin, redis?.url), role).toEqual(listedFor(role));
    }
  });
});
