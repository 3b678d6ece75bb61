/**
 * What a reply says, before any rendering: the narrator (deterministic) and the language-model explainer both
 * produce a Narrative; src/slack renders it into Block Kit. Header lines are the report's, verbatim; every
 * sentence that states a cause, a role, a number or a time carries the evidence ids it cites.
 */
export interface CitedSentence {
  readonly text: string;
  /** Evidence ids (E1..En) this sentence cites; verified against the report's timeline before posting. */
  readonly cites: readonly string[];
}

export interface NarrativeSection {
  readonly title: string;
  readonly sentences: readonly CitedSentence[];
}

export interface Narrative {
  /** The report's three header lines, verbatim. */
  readonly header: readonly [string, string, string];
  readonly sections: readonly NarrativeSection[];
  /** Who wrote it: the deterministic narrator or a model (name). */
  readonly author: { readonly kind: 'narrator' } | { readonly kind: 'model'; readonly model: string };
}
