/**
 * The engine's switchable mechanisms. Every rule or evidence source the analysis uses has a name here, so
 * `flipturn eval --ablate` can switch each off in turn and show what it earns across data sources. A disabled
 * mechanism contributes nothing (a feature reads as absent, a gate as neutral); the analysis must still run.
 */
export const MECHANISMS = [
  // Signals, by kind.
  'ownLatency',
  'network',
  'errorOrigin',
  'structure',
  'logs',
  'metrics',
  'issues',
  // How signals are tested.
  'durationMargin',
  'pooledBaseline',
  'crossSectional',
  // How evidence is attributed and fused.
  'gapAttribution',
  'explainAway',
  'offPathPrior',
  'symptomFallback',
  // Evidence gathering.
  'sampling',
] as const;

export type Mechanism = (typeof MECHANISMS)[number];

/**
 * Mechanisms that act while the evidence is gathered (sampling, windows, discovery), not only in the analysis.
 * `eval --ablate` re-gathers a scenario for these (the investigation gets AnalysisOptions.disabled through
 * InvestigateDeps.analysis, which the evidence layer must honour); every other mechanism is ablated by
 * re-running only the pure analysis on evidence gathered once.
 */
export const EVIDENCE_MECHANISMS: readonly Mechanism[] = ['sampling'];

export function isMechanism(name: string): name is Mechanism {
  return (MECHANISMS as readonly string[]).includes(name);
}

/** A set of disabled mechanisms with a total order (for reports and cache keys). */
export function mechanismKey(disabled: ReadonlySet<Mechanism>): string {
  return MECHANISMS.filter((m) => disabled.has(m)).join(',');
}
