/**
 * One error catalog. Every error Flipturn raises on purpose carries a stable code from this table, so operators
 * and tests can match on codes rather than messages. Expected failures of providers are data (QueryOutcome),
 * not exceptions: these errors are for programming and configuration faults and for boundaries (CLI, HTTP).
 */
export const ERROR_CATALOG = {
  FT_CONFIG_INVALID: { status: 500, summary: 'configuration is invalid' },
  FT_USAGE: { status: 400, summary: 'command-line usage error' },
  FT_UNKNOWN_COMMAND: { status: 400, summary: 'unknown command' },
  FT_TIME_RANGE_INVERTED: { status: 400, summary: 'time range ends before it starts' },
  FT_QUERY_INVALID: { status: 400, summary: 'canonical query is invalid' },
  FT_QUERY_STRING_INVALID: { status: 400, summary: 'query string could not be parsed' },
  FT_PROVIDER_INVALID: { status: 500, summary: 'provider does not fulfil the protocol it claims' },
  FT_PROVIDER_DUPLICATE: { status: 500, summary: 'provider registered twice' },
  FT_PROVIDER_UNAVAILABLE: { status: 503, summary: 'no provider for this capability' },
  FT_OTLP_FILE_UNREADABLE: { status: 500, summary: 'OTLP file cannot be read' },
  FT_SCENARIO_INVALID: { status: 400, summary: 'scenario directory is invalid' },
  FT_LAB_RUN_FAILED: { status: 500, summary: 'simulation lab run failed' },
  FT_LAB_NO_ALERT: { status: 500, summary: 'simulation lab run did not make its monitor fire' },
  FT_LAB_UNKNOWN_SCENARIO: { status: 400, summary: 'no lab scenario with this name' },
  FT_BUDGET_EXHAUSTED: { status: 429, summary: 'API budget exhausted' },
  FT_INVESTIGATION_ABORTED: { status: 499, summary: 'investigation aborted (cancelled or shut down)' },
  FT_INGRESS_NOT_CONFIGURED: {
    status: 401,
    summary: 'webhook source is not configured (its secret or token is unset)',
  },
  FT_INGRESS_UNAUTHENTICATED: { status: 401, summary: 'webhook credentials missing or wrong' },
  FT_INGRESS_SIGNATURE_INVALID: { status: 401, summary: 'Slack request signature is missing or does not match' },
  FT_INGRESS_TIMESTAMP_STALE: { status: 401, summary: 'Slack request timestamp is more than 5 minutes from now' },
  FT_INGRESS_BODY_INVALID: { status: 400, summary: 'webhook body is malformed or does not match the expected shape' },
  FT_INGRESS_BODY_TOO_LARGE: { status: 413, summary: 'webhook body exceeds the size limit' },
  FT_INGRESS_FIELD_TOO_LARGE: {
    status: 413,
    summary: 'a field of the webhook body exceeds its limit (too many or too long tags, labels or alerts)',
  },
  FT_INGRESS_UNSUPPORTED_MEDIA_TYPE: { status: 415, summary: 'webhook content type is not supported' },
  FT_INGRESS_NOT_FOUND: { status: 404, summary: 'no such route' },
  FT_QUEUE_UNAVAILABLE: { status: 503, summary: 'signal queue is unreachable or closed' },
  FT_QUEUE_NOT_DURABLE: {
    status: 503,
    summary:
      'the queue keeps nothing on disk (Redis without persistence) and FLIPTURN_ALLOW_VOLATILE_QUEUE is not true',
  },
  FT_SIGNAL_INVALID: { status: 500, summary: 'signal does not match its schema' },
  FT_MEMORY_UNAVAILABLE: { status: 503, summary: 'thread memory store is unreachable or closed' },
  FT_SLACK_DELIVERY_FAILED: { status: 502, summary: 'Slack did not accept the reply (after bounded retries)' },
  FT_SLACK_DELIVERY_IN_PROGRESS: { status: 409, summary: 'another attempt holds the delivery lease for this reply' },
  FT_INTERNAL: { status: 500, summary: 'internal error' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export class FlipturnError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FlipturnError';
    this.code = code;
    this.status = ERROR_CATALOG[code].status;
    this.details = options?.details ? Object.freeze({ ...options.details }) : undefined;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Readonly<Record<string, unknown>> } {
    return this.details
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

export function isFlipturnError(value: unknown, code?: ErrorCode): value is FlipturnError {
  return value instanceof FlipturnError && (code === undefined || value.code === code);
}

/** A message for anything thrown, without stack or cause chains (which may carry request data). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : 'unknown error';
}
