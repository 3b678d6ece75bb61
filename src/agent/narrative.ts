/**
 * What a reply says, before any rendering: the narrator (deterministic) and the language-model explainer both
 * produce a Narrative; src/slack renders it into Block Kit. The summary is the cause-first thread reply (one
 * cause sentence, the four roles, the confidence in words and number, at most three evidence lines with
 * links); the sections are the details message (what happened, the full evidence ledger, runners-up with
 * plain-word reasons, what to do, gaps, where to look). Every sentence that states a cause, a role, a number or
 * a time carries the evidence ids it cites.
 */
export interface CitedSentence {
  readonly text: string;
  /** Evidence ids (E1..En) this sentence cites; verified against the report's timeline before posting. */
  readonly cites: readonly string[];
  /** A deep link into the tool that holds the evidence (rendered as a Slack link). */
  readonly url?: string;
  /** The link's label ("Open in Datadog"). */
  readonly linkLabel?: string;
}

export interface NarrativeSection {
  readonly title: string;
  readonly sentences: readonly CitedSentence[];
}

export interface RoleSummary {
  readonly rootCause: string;
  readonly propagation: string;
  readonly bottleneck: string;
  readonly symptom: string;
}

export interface ReplySummary {
  /** The one sentence the reply opens with: what is wrong where, since when, how it spreads, where it hurts. */
  readonly cause: CitedSentence;
  readonly roles: RoleSummary;
  /** "high (86%, cause confirmed by the evidence)". */
  readonly confidence: string;
  /** At most three lines, each with its link when the provider could build one. */
  readonly evidence: readonly CitedSentence[];
  /** The proof trace and the baseline trace to compare it with, with links. */
  readonly proofTrace?: {
    readonly id: string;
    readonly url?: string;
    readonly baselineId?: string;
    readonly baselineUrl?: string;
  };
}

export interface Narrative {
  readonly summary: ReplySummary;
  /** The details message. */
  readonly sections: readonly NarrativeSection[];
  /** Who wrote it: the deterministic narrator or a model (name). */
  readonly author: { readonly kind: 'narrator' } | { readonly kind: 'model'; readonly model: string };
}
