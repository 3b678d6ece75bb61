/**
 * Investigation settings from the frozen Config: the API budget, the per-call timeout and the deadline.
 */
import type { Config } from '../config/schema.js';

export interface InvestigationSettings {
  /** Most provider calls in one investigation. */
  readonly callBudget: number;
  /** Most rows (spans, log lines, metric points, issues) one call may return. */
  readonly rowBudget: number;
  /** Most rows over the whole investigation (default callBudget * rowBudget). */
  readonly totalRowBudget?: number;
  readonly callTimeoutMs: number;
  /** Length of the whole investigation in ms. */
  readonly deadlineMs: number;
  readonly perProvider?: Readonly<Record<string, { readonly maxCalls?: number; readonly maxRows?: number }>>;
}

export const DEFAULT_SETTINGS: InvestigationSettings = Object.freeze({
  callBudget: 12,
  rowBudget: 5000,
  callTimeoutMs: 10_000,
  deadlineMs: 60_000,
});

export function settingsFromConfig(config: Config): InvestigationSettings {
  return Object.freeze({
    callBudget: config.FLIPTURN_PROVIDER_CALL_BUDGET,
    rowBudget: config.FLIPTURN_PROVIDER_ROW_BUDGET,
    callTimeoutMs: config.FLIPTURN_PROVIDER_TIMEOUT_MS,
    deadlineMs: config.FLIPTURN_INVESTIGATION_DEADLINE_MS,
  });
}
