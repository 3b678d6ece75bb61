/** `flipturn worker`: the stream worker alone, with /healthz /readyz /metrics on HOST:PORT. Needs REDIS_URL. */
import type { CommandSpec } from '../command.js';
import { runRole } from './serve.js';

export const workerCommand: CommandSpec = {
  name: 'worker',
  summary: 'Run a stream worker: investigate queued alerts, answer in Slack threads, answer follow-ups.',
  usage: '',
  description:
    'Reads the Redis stream through its consumer group (REDIS_URL), investigates with the configured providers ' +
    '(the provider table is printed at start; a failing provider is left out), posts each answer once, reclaims ' +
    'entries of crashed workers after RECLAIM_IDLE_MS and dead-letters after MAX_DELIVERIES. Serves /healthz and ' +
    '/metrics on HOST:PORT. SIGINT/SIGTERM: stops reading, finishes or hands back in-flight work (SHUTDOWN_GRACE_MS).',
  examples: ['REDIS_URL=redis://127.0.0.1:6379 SLACK_BOT_TOKEN=xoxb-... SLACK_DEFAULT_CHANNEL=C0123 flipturn worker'],
  needsConfig: true,
  run: (ctx) => runRole(ctx, 'worker'),
};
