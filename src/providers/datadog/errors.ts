/**
 * Errors of the official Datadog client -> QueryOutcome. The client's HTTP layer is our bridge (client.ts), so
 * HTTP failures arrive already mapped by the shared layer (DatadogOutcomeError); the client itself may still
 * throw ApiException (a status its response processor does not accept), RequiredError (a missing parameter)
 * or a deserialization error (an answer that does not fit its models).
 */
import { client } from '@datadog/datadog-api-client';
import { errorMessage } from '../../kernel/errors.js';
import { mapStatus } from '../http/index.js';
import { outcome, type QueryOutcome } from '../outcome.js';

/** Carries an outcome the shared HTTP layer produced out through the official client's call stack. */
export class DatadogOutcomeError extends Error {
  readonly outcome: QueryOutcome<never>;

  constructor(o: QueryOutcome<unknown>) {
    super(o.status === 'ok' ? 'ok' : o.reason);
    this.name = 'DatadogOutcomeError';
    this.outcome = o as QueryOutcome<never>;
  }
}

function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  try {
    return JSON.stringify(body) ?? '';
  } catch {
    return '';
  }
}

/** Any throw from a Datadog client call as an outcome; `scrub` masks credentials in the reason. */
export function mapDatadogError<T>(
  provider: string,
  endpoint: string,
  err: unknown,
  scrub: (s: string) => string,
): QueryOutcome<T> {
  if (err instanceof DatadogOutcomeError) return err.outcome;
  if (err instanceof client.ApiException) {
    const e = err as client.ApiException<unknown>;
    const o = mapStatus<T>(provider, endpoint, e.code, bodyText(e.body), undefined, 'failed');
    return o.status === 'failed' || o.status === 'retryable' ? { ...o, reason: scrub(o.reason) } : o;
  }
  if (err instanceof Error && err.name === 'RequiredError')
    return outcome.failed(provider, 'bad_request', scrub(`${endpoint}: ${errorMessage(err)}`));
  if (err instanceof SyntaxError || err instanceof TypeError) {
    return outcome.failed(
      provider,
      'malformed',
      scrub(`${endpoint}: answer does not fit the Datadog client's model: ${errorMessage(err)}`),
    );
  }
  return outcome.failed(provider, 'internal', scrub(`${endpoint}: ${errorMessage(err)}`));
}
