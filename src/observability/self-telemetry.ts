/**
 * Flipturn's self-telemetry, started by the composition roots of the long-running roles (serve, worker, start)
 * before they build the service: OpenTelemetry traces when the OTEL_* settings configure an exporter (./tracing.ts),
 * Sentry when SENTRY_DSN is set, neither otherwise (no SDK started). stop() flushes and shuts both down.
 */
import type { Config } from '../config/schema.js';
import type { SecretScrubber } from '../kernel/secrets.js';
import { flipturnVersion } from '../kernel/version.js';
import type { ErrorReporter } from './reporter.js';
import { startSelfErrors, type SelfErrors } from './sentry.js';
import { startSelfTracing, type SelfTracing, type TracingSwitch } from './tracing.js';

export interface SelfTelemetry {
  readonly tracing: SelfTracing | undefined;
  readonly errors: SelfErrors | undefined;
  /** The reporter for the gate and the worker (undefined when Sentry is off). */
  readonly reporter: ErrorReporter | undefined;
  stop(): Promise<void>;
}

export function startSelfTelemetry(
  config: TracingSwitch & Pick<Config, 'SENTRY_DSN'>,
  scrubber: SecretScrubber,
  o: { role: string },
): SelfTelemetry {
  const version = flipturnVersion();
  const tracing = startSelfTracing(config, { role: o.role, serviceVersion: version });
  const errors = startSelfErrors({ dsn: config.SENTRY_DSN, scrubber, release: version });
  return {
    tracing,
    errors,
    reporter: errors,
    async stop() {
      await tracing?.shutdown().catch(() => undefined);
      await errors?.close().catch(() => undefined);
    },
  };
}
