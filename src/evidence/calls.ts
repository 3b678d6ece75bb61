/**
 * The vocabulary of one budgeted provider call, shared by the access object (access.ts) and its observers
 * (observer.ts) so that neither imports the other.
 */
import type { QueryOutcome } from '../providers/outcome.js';

export type SkippedForBudget = {
  readonly status: 'skipped_budget';
  readonly provider: string;
  readonly reason: string;
};
export type CallResult<T> = QueryOutcome<T> | SkippedForBudget;

export type AccessMethod =
  'searchSpans' | 'fetchTrace' | 'fetchLogs' | 'fetchMetrics' | 'fetchIssues' | 'fetchServiceMap';
