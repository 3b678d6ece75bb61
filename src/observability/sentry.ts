/**
 * @sentry/node for Flipturn's own errors, on when SENTRY_DSN is set (composition roots only). No default
 * integrations (no HTTP/console breadcrumbs, no request bodies, no OpenTelemetry setup of its own: Flipturn's
 * traces are ./tracing.ts), plus unhandled rejections. beforeSend keeps the exception and the id tags and
 * scrubs every string with the SecretScrubber; request data, breadcrumbs, extra and user are dropped, so no
 * telemetry payload or webhook body leaves with an event.
 */
import * as Sentry from '@sentry/node';
import { errorMessage, isFlipturnError } from '../kernel/errors.js';
import type { SecretScrubber } from '../kernel/secrets.js';
import type { ErrorReporter } from './reporter.js';

export interface SentryOptions {
  readonly dsn: string | undefined;
  readonly scrubber: SecretScrubber;
  readonly release: string;
  readonly environment?: string;
}

export interface SelfErrors extends ErrorReporter {
  /** Sends what is queued and stops the client. */
  close(timeoutMs?: number): Promise<void>;
}

/** What may leave the process with an event: the exception (scrubbed), tags of ids, the release. */
function scrubEvent<E extends Sentry.Event>(event: E, scrubber: SecretScrubber): E {
  const kept = { ...event };
  delete kept.request;
  delete kept.breadcrumbs;
  delete kept.extra;
  delete kept.user;
  delete kept.contexts;
  return scrubber.scrubValue(kept);
}

export function startSelfErrors(o: SentryOptions): SelfErrors | undefined {
  if (o.dsn === undefined || o.dsn.trim() === '') return undefined;
  Sentry.initWithoutDefaultIntegrations({
    dsn: o.dsn,
    release: `flipturn@${o.release}`,
    ...(o.environment ? { environment: o.environment } : {}),
    integrations: [Sentry.onUnhandledRejectionIntegration({ mode: 'warn' })],
    beforeSend: (event) => scrubEvent(event, o.scrubber),
    beforeBreadcrumb: () => null,
  });
  return {
    capture(error, tags) {
      // The message is scrubbed here and again in beforeSend; the cause chain (which may hold vendor bodies) is not sent.
      const e = new Error(o.scrubber.scrub(errorMessage(error)));
      e.name = isFlipturnError(error) ? error.code : error instanceof Error ? error.name : 'Error';
      if (error instanceof Error && error.stack)
        e.stack = o.scrubber.scrub(`${e.name}: ${e.message}\n${error.stack.split('\n').slice(1).join('\n')}`);
      Sentry.captureException(e, { tags: { ...tags } });
    },
    async close(timeoutMs = 2000) {
      await Sentry.close(timeoutMs);
    },
  };
}
