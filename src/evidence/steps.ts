/**
 * Shared plumbing of the prefetch and the planner: the investigation's state (access, evidence, pivots) and a
 * step runner that sends one canonical query to every provider of a capability. Calls of one step start in
 * registration order (so budget admissions are deterministic) and run concurrently.
 */
import type { UniversalIncidentSignal } from '../kernel/signal.js';
import type { Capability } from '../providers/protocols.js';
import type { CanonicalQuery } from '../providers/queries.js';
import type { CorrelationEnvelope } from '../rca/contract.js';
import type { EvidenceAccess } from './access.js';
import type { CallResult } from './calls.js';
import type { EvidenceSet } from './collect.js';
import type { AlertWindows } from './windows.js';

export interface PivotSource {
  readonly provider: string;
  readonly label: string;
  readonly query: CanonicalQuery;
}

export interface InvestigationState {
  readonly signal: UniversalIncidentSignal;
  readonly envelope: CorrelationEnvelope;
  readonly windows: AlertWindows;
  readonly access: EvidenceAccess;
  readonly evidence: EvidenceSet;
  readonly pivots: PivotSource[];
  /** Row cap of one call (the budget may admit fewer). */
  readonly rowsPerCall: number;
  symptomService: string | undefined;
  /** Traces fetched whole, in the order they were chosen. */
  readonly fetchedTraces: string[];
  /** Notes on how the strategy played out ("trace search found nothing: fell back to dimensions"). */
  readonly notes: string[];
  /** Spans and logs are read as samples over the windows (false: earliest first). */
  readonly sampled: boolean;
  /** Coverage of the sampled span reads: traces returned of traces matched, per provider and part. */
  readonly coverage: { provider: string; part: number; returned: number; matched: number }[];
  /** Service map links from a topology provider, with where they came from. */
  readonly serviceMap: { source: string; edges: { caller: string; callee: string }[] };
}

export interface StepAnswer<T> {
  readonly provider: string;
  readonly result: CallResult<T>;
}

/** Runs `call` for every provider of the capability; remembers the query for pivots when `pivotLabel` is set. */
export async function onEveryProvider<T>(
  st: InvestigationState,
  capability: Capability,
  call: (provider: string) => Promise<CallResult<T>>,
  pivot?: { readonly label: string; readonly query: CanonicalQuery },
): Promise<StepAnswer<T>[]> {
  const names = st.access.providers(capability);
  const pending = names.map((provider) => call(provider).then((result) => ({ provider, result })));
  const answers = await Promise.all(pending);
  if (pivot) for (const provider of names) st.pivots.push({ provider, label: pivot.label, query: pivot.query });
  return answers;
}

/** Items of the ok answers, in provider order. */
export function okItems<T>(answers: readonly StepAnswer<readonly T[]>[]): T[] {
  const out: T[] = [];
  for (const a of answers) if (a.result.status === 'ok') out.push(...a.result.data);
  return out;
}

export function anyTruncated(answers: readonly StepAnswer<unknown>[]): boolean {
  return answers.some((a) => a.result.status === 'ok' && a.result.truncated);
}
