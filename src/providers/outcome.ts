/**
 * Expected failures are data. Every provider call answers with one of five outcomes, so "Loki returned nothing"
 * (no_data) and "Loki was down" (retryable / failed) never look alike.
 */
export type FailureKind =
  'auth' | 'not_found' | 'rate_limited' | 'timeout' | 'unavailable' | 'malformed' | 'bad_request' | 'io' | 'internal';

/** How much of what matched an answer holds (a sampled or capped search): traces returned of traces matched. */
export interface Coverage {
  readonly returned: number;
  readonly matched: number;
}

export type QueryOutcome<T> =
  | {
      readonly status: 'ok';
      readonly provider: string;
      readonly data: T;
      readonly truncated: boolean;
      readonly warnings: readonly string[];
      readonly coverage?: Coverage;
    }
  | {
      readonly status: 'no_data';
      readonly provider: string;
      readonly reason: string;
      readonly warnings: readonly string[];
    }
  | { readonly status: 'unsupported'; readonly provider: string; readonly reason: string }
  | {
      readonly status: 'retryable';
      readonly provider: string;
      readonly kind: FailureKind;
      readonly reason: string;
      readonly retryAfterMs?: number;
    }
  | { readonly status: 'failed'; readonly provider: string; readonly kind: FailureKind; readonly reason: string };

export const outcome = {
  ok<T>(
    provider: string,
    data: T,
    opts: { truncated?: boolean; warnings?: readonly string[]; coverage?: Coverage } = {},
  ): QueryOutcome<T> {
    return {
      status: 'ok',
      provider,
      data,
      truncated: opts.truncated ?? false,
      warnings: opts.warnings ?? [],
      ...(opts.coverage ? { coverage: opts.coverage } : {}),
    };
  },
  noData<T>(provider: string, reason: string, warnings: readonly string[] = []): QueryOutcome<T> {
    return { status: 'no_data', provider, reason, warnings };
  },
  unsupported<T>(provider: string, reason: string): QueryOutcome<T> {
    return { status: 'unsupported', provider, reason };
  },
  retryable<T>(provider: string, kind: FailureKind, reason: string, retryAfterMs?: number): QueryOutcome<T> {
    return retryAfterMs === undefined
      ? { status: 'retryable', provider, kind, reason }
      : { status: 'retryable', provider, kind, reason, retryAfterMs };
  },
  failed<T>(provider: string, kind: FailureKind, reason: string): QueryOutcome<T> {
    return { status: 'failed', provider, kind, reason };
  },
  /** ok with data, or no_data when the list is empty. */
  fromList<T>(
    provider: string,
    items: readonly T[],
    reasonIfEmpty: string,
    opts: { truncated?: boolean; warnings?: readonly string[]; coverage?: Coverage } = {},
  ): QueryOutcome<readonly T[]> {
    return items.length === 0
      ? outcome.noData(provider, reasonIfEmpty, opts.warnings ?? [])
      : outcome.ok(provider, items, opts);
  },
};
