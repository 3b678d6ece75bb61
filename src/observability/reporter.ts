/**
 * Where Flipturn reports its own unexpected errors (Sentry when SENTRY_DSN is set, see ./sentry.ts). The gate
 * and the worker take one in deps; absent, nothing is reported. `tags` are ids only (incident key, idempotency
 * key, entry id, code), never payloads.
 */
export interface ErrorReporter {
  capture(error: unknown, tags: Readonly<Record<string, string>>): void;
}
