/**
 * The investigation's observation hook: how Flipturn watches itself (metrics, traces) without the evidence code
 * knowing a metrics registry or a tracer. Composition roots pass an observer in deps (src/observability builds
 * them); without one nothing is observed and the investigation runs exactly as before.
 *
 * Contract for implementations: every wrapper calls `run` exactly once and returns (or throws) exactly what it
 * returned (threw). Observers never change results.
 */
import type { Capability } from '../providers/protocols.js';
import type { AccessMethod, CallResult } from './calls.js';
import type { BudgetLimit } from './budget.js';

/** The stages of answering one alert, in order (correlate, prefetch, analyze here; narrate, deliver, save in the worker). */
export const INVESTIGATION_STAGES = ['correlate', 'prefetch', 'analyze', 'narrate', 'deliver', 'save'] as const;
export type InvestigationStage = (typeof INVESTIGATION_STAGES)[number];

export interface ProviderCallInfo {
  readonly provider: string;
  readonly method: AccessMethod;
  readonly signal: Capability;
}

export interface InvestigationObserver {
  /** Wraps a whole investigation (the stages correlate, prefetch and analyze run inside it). */
  investigation<T>(info: { readonly source: string; readonly incidentKey: string }, run: () => Promise<T>): Promise<T>;
  /** Wraps one stage. */
  stage<T>(stage: InvestigationStage, run: () => Promise<T>): Promise<T>;
  /** Wraps one provider call through the budgeted access, refused ones included (status skipped_budget). */
  providerCall<T>(call: ProviderCallInfo, run: () => Promise<CallResult<T>>): Promise<CallResult<T>>;
  /** A call the budget refused (it was not made), with the limit that refused it. */
  budgetRefused(call: ProviderCallInfo & { readonly limit: BudgetLimit }): void;
}

/** Runs `run` as a stage of the observer, or directly when there is none. */
export function inStage<T>(
  observer: InvestigationObserver | undefined,
  stage: InvestigationStage,
  run: () => Promise<T> | T,
): Promise<T> {
  return observer ? observer.stage(stage, async () => run()) : Promise.resolve().then(run);
}
