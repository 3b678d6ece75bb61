/**
 * `flipturn serve`: the trust gate alone (HOST:PORT). Long-running composition root: SIGINT/SIGTERM (ctx.signal)
 * stops it gracefully. Needs REDIS_URL (the queue must be shared with the workers).
 */
import type { CommandContext, CommandSpec } from '../command.js';
import { EXIT } from '../command.js';
import { renderProviderTable } from '../../providers/bootstrap.js';
import { startService, type Role } from '../compose/service.js';
import { startSelfTelemetry } from '../../observability/self-telemetry.js';

/** Starts a role, prints its provider table and one line with the URL and the mode, runs until ctx.signal aborts. */
export async function runRole(ctx: CommandContext, role: Role): Promise<number> {
  const config = ctx.config;
  const scrubber = ctx.scrubber;
  if (!config || !scrubber) throw new Error(`flipturn ${role} needs the configuration`);
  if (ctx.signal.aborted) return EXIT.ok;
  // Flipturn's own traces (the standard OTEL_* settings) and errors (SENTRY_DSN); neither SDK starts when unset.
  // Started before the service is built, so the Fastify instances and clients it creates are instrumented.
  const telemetry = startSelfTelemetry(config, scrubber, { role });
  if (telemetry.tracing)
    ctx.logger.info(
      { destination: telemetry.tracing.destination },
      'self-telemetry: traces exported (OTEL_* settings)',
    );
  if (telemetry.errors) ctx.logger.info('self-telemetry: errors reported to Sentry');
  const svc = await startService({
    role,
    config,
    scrubber,
    clock: ctx.clock,
    logger: ctx.logger,
    ...(telemetry.reporter ? { reporter: telemetry.reporter } : {}),
    ...(ctx.testHooks ? { testHooks: ctx.testHooks } : {}),
  }).catch(async (e: unknown) => {
    await telemetry.stop();
    throw e;
  });
  if (svc.providerTable.length > 0) ctx.stdout.write(renderProviderTable(svc.providerTable));
  const what = role === 'serve' ? 'gate' : role === 'worker' ? 'worker' : 'gate + worker';
  ctx.stdout.write(
    `flipturn ${role}: ${what} listening on ${svc.url} (mode ${svc.mode}${role === 'serve' ? '' : `, consumer ${svc.consumer}`})\n`,
  );
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) return resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  ctx.logger.info({ role }, 'shutting down');
  await svc.stop();
  await telemetry.stop();
  ctx.stdout.write(`flipturn ${role}: stopped\n`);
  return EXIT.ok;
}

export const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'Run the webhook trust gate (Slack events, Datadog, Alertmanager) on HOST:PORT.',
  usage: '',
  description:
    'Verifies every webhook, normalizes it and appends it to the Redis stream (REDIS_URL is required: the workers ' +
    'read the same stream). Serves /healthz, /readyz and /metrics. Stops gracefully on SIGINT/SIGTERM.',
  examples: ['REDIS_URL=redis://127.0.0.1:6379 SLACK_SIGNING_SECRET=... flipturn serve'],
  needsConfig: true,
  run: (ctx) => runRole(ctx, 'serve'),
};
