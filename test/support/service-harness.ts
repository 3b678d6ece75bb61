/**
 * The whole service (gate + worker) in this process for resilience tests, and what they send it: a private Redis
 * and the Slack stand-in are the caller's; the service investigates the committed TrainTicket scenario
 * scenarios/nezha-tt-2023-01-29-1020 through otlp-file (alerts for it: ./gateway-alert.ts). Also the stand-in
 * helpers the tests count with.
 */
import { request } from 'node:http';
import { startService, type RunningService } from '../../src/cli/compose/service.js';
import { parseConfig } from '../../src/config/load.js';
import { systemClock } from '../../src/kernel/clock.js';
import { createLogger } from '../../src/kernel/logger.js';
import type { SlackStandin } from '../../src/lab/standins/slack.js';
import { GATEWAY_SCENARIO_TELEMETRY } from './gateway-alert.js';
import { freePort } from './redis-server.js';

export interface InProcessServiceOptions {
  readonly redisUrl: string;
  readonly standin: SlackStandin;
  /** SLACK_DEFAULT_CHANNEL: where webhook alerts are answered. */
  readonly channel: string;
  readonly datadogToken: string;
  readonly consumer: string;
  /** More settings (RECLAIM_IDLE_MS, MAX_DELIVERIES, ...). */
  readonly env?: Record<string, string>;
}

/** `flipturn start` in this process on a free loopback port, silent, 4 concurrent investigations. */
export async function startInProcessService(o: InProcessServiceOptions): Promise<RunningService> {
  const parsed = parseConfig({
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    LOG_LEVEL: 'silent',
    REDIS_URL: o.redisUrl,
    SLACK_BOT_TOKEN: o.standin.token,
    SLACK_API_URL: o.standin.apiUrl,
    SLACK_DEFAULT_CHANNEL: o.channel,
    DATADOG_WEBHOOK_TOKEN: o.datadogToken,
    OTLP_DIR: GATEWAY_SCENARIO_TELEMETRY,
    WORKER_CONCURRENCY: '4',
    ...o.env,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return startService({
    role: 'start',
    config: parsed.config,
    scrubber: parsed.scrubber,
    clock: systemClock,
    logger: createLogger({ level: 'silent' }),
    consumer: o.consumer,
  });
}

export interface WebhookAnswer {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly body: string;
}

/** POSTs a JSON webhook body with the shared-secret header (x-flipturn-token), over node:http (no fetch pool). */
export function postWebhook(url: string, path: string, body: string, token: string): Promise<WebhookAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'x-flipturn-token': token } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'],
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Top-level messages of a channel (webhook alerts are answered with a new message), in post order. */
export const topLevelMessages = (standin: SlackStandin, channel: string) =>
  standin.messages(channel).filter((m) => m.threadTs === undefined);

/** The incident a posted answer belongs to (from its `answer:<incident>:...` metadata key). */
export const incidentOfAnswer = (m: { metadata?: { event_payload: Record<string, unknown> } }) => {
  const key = m.metadata?.event_payload.key;
  return /^answer:([^:]+):/.exec(typeof key === 'string' ? key : '')?.[1];
};
