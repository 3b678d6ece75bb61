/** `flipturn start`: gate and worker in one process (Redis when REDIS_URL is set, in-process adapters otherwise). */
import type { CommandSpec } from '../command.js';
import { runRole } from './serve.js';

export const startCommand: CommandSpec = {
  name: 'start',
  summary: 'Run the gate and a worker in one process (in-process queue and memory when REDIS_URL is unset).',
  usage: '',
  description:
    'The single-process deployment: the trust gate on HOST:PORT and a stream worker. With REDIS_URL the queue, ' +
    'idempotency keys and thread memory live in Redis (more workers may join with `flipturn worker`); without it ' +
    'they live in this process. Stops gracefully on SIGINT/SIGTERM.',
  examples: ['SLACK_SIGNING_SECRET=... SLACK_BOT_TOKEN=xoxb-... OTLP_DIR=./telemetry flipturn start'],
  needsConfig: true,
  run: (ctx) => runRole(ctx, 'start'),
};
