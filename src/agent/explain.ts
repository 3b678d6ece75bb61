/**
 * The agent's two entries, both of which never throw on model failure:
 *
 *   explain(report, context, deps) -> Narrative
 *     With no model: the deterministic narrator. With one: the LangGraph explainer (./graph.ts) writes the
 *     explanation from the scrubbed alert text, the ledger, the scored candidates, the prefetched evidence (via
 *     the providers' formatter) and the thread history, may use the evidence tools within caps and the API
 *     budget, and its sentences pass the code verifier (./verify.ts). The reply is the narrator's, with its
 *     "What happened" section replaced by the model's verified sections; the cause-first summary stays
 *     the narrator's (built from the report's typed fields). Anything unverifiable -> the narrator's reply, with the reason logged.
 *
 *   answerWithModel(question, memory, deps) -> FollowUpAnswer
 *     The deterministic follow-up answer (./followups/answer.ts) is the grounding and the fallback; with a
 *     model, its verified sections replace the deterministic ones. Recheck requests never go to the model.
 */
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { StructuredToolInterface } from '@langchain/core/tools';
import { Budget } from '../evidence/budget.js';
import type { Clock } from '../kernel/clock.js';
import { errorMessage } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { UniversalIncidentSignal } from '../kernel/signal.js';
import type { IncidentMemory } from '../memory/port.js';
import { formatErrorIssues, formatLogs, formatMetrics, formatSpans } from '../providers/format.js';
import type { Capability } from '../providers/protocols.js';
import type { ProviderRegistry } from '../providers/registry.js';
import { createEvidenceTools } from '../providers/tools.js';
import type { IncidentEvidence, RcaReport } from '../rca/contract.js';
import { answerFollowUp, type FollowUpAnswer } from './followups/answer.js';
import { runGraph, type GraphOutcome } from './graph.js';
import { DEFAULT_LIMITS, type AgentLimits } from './model.js';
import type { CitedSentence, Narrative, NarrativeSection } from './narrative.js';
import { narrate } from './narrator.js';
import { explainUserPrompt, followUpUserPrompt, systemPrompt } from './prompt.js';
import { scrubText } from '../kernel/redact.js';

export interface ExplainContext {
  /** The alert's own text; default: the signal's title, description and query. */
  readonly incidentText?: string;
  readonly signal?: UniversalIncidentSignal;
  /** The gathered evidence (investigate's onEvidence): formatted for the model as prefetched telemetry. */
  readonly evidence?: IncidentEvidence;
  /** Earlier messages of the thread, oldest first. */
  readonly history?: readonly string[];
  readonly abort?: AbortSignal;
}

export interface AgentDeps {
  /** The chat model and its name; undefined: the deterministic narrator / answers only. */
  readonly model?: { readonly model: BaseChatModel; readonly name: string };
  readonly limits?: AgentLimits;
  /** Evidence tools over this registry (fetch_logs, ...); none when absent or maxToolCalls is 0. */
  readonly registry?: ProviderRegistry;
  /** For tool windows and budget deadlines. */
  readonly clock: Clock;
  /** The API budget tool calls are counted in; default: a budget of maxToolCalls calls x maxToolRows rows. */
  readonly budget?: Budget;
  readonly logger?: Logger;
  /** Known secret values (the configuration's SecretScrubber.scrub), applied before the pattern scrubber. */
  readonly knownSecrets?: (text: string) => string;
}

type AuthorKind = 'model' | 'narrator';
const sentenceText = (s: CitedSentence, scrub: (t: string) => string): CitedSentence => ({
  text: scrub(s.text),
  cites: s.cites,
});

function scrubberOf(deps: AgentDeps, limits: AgentLimits): (text: string) => string {
  return (text) =>
    scrubText(text, {
      ipAddresses: limits.scrubIpAddresses,
      ...(deps.knownSecrets ? { known: deps.knownSecrets } : {}),
    });
}

/** Budget hooks for the evidence tools: each provider call is admitted by, and settled in, the API budget. */
export function budgetHooks(budget: Budget, clock: Clock) {
  const open = new Map<string, number[]>();
  return {
    beforeCall(provider: string): boolean {
      const a = budget.admit(provider, clock.nowMs());
      if (!a.admitted) return false;
      open.set(provider, [...(open.get(provider) ?? []), a.ticket]);
      return true;
    },
    afterCall(
      result: { readonly status: string; readonly data?: unknown },
      call: { readonly provider: string; readonly capability: Capability },
    ): void {
      const tickets = open.get(call.provider) ?? [];
      const ticket = tickets.shift();
      if (ticket === undefined) return;
      budget.settle(ticket, result.status === 'ok' && Array.isArray(result.data) ? result.data.length : 0);
    },
  };
}

function toolsFor(deps: AgentDeps, limits: AgentLimits, signal?: AbortSignal): StructuredToolInterface[] {
  if (!deps.registry || limits.maxToolCalls <= 0) return [];
  const budget = deps.budget ?? new Budget({ maxCalls: limits.maxToolCalls * 4, maxRowsPerCall: limits.maxToolRows });
  return createEvidenceTools(deps.registry, {
    clock: deps.clock,
    maxLimit: limits.maxToolRows,
    defaultLimit: Math.min(50, limits.maxToolRows),
    maxCalls: limits.maxToolCalls * 4,
    format: { maxItems: 20, maxTotalChars: 4000 },
    ...(signal ? { ctx: { signal } } : {}),
    ...budgetHooks(budget, deps.clock),
  });
}

/** The gathered evidence as formatter text, capped. */
export function prefetchedText(e: IncidentEvidence, maxChars: number): string {
  const each = Math.max(500, Math.floor(maxChars / 4));
  const opts = { maxItems: 15, maxTotalChars: each };
  const text = [
    formatSpans(e.spans, {}, opts),
    formatLogs(e.logs, {}, opts),
    formatMetrics(e.metrics, {}, opts),
    formatErrorIssues(e.issues, {}, opts),
  ].join('\n\n');
  return text.slice(0, maxChars);
}

function incidentTextOf(c: ExplainContext): string {
  if (c.incidentText !== undefined) return c.incidentText;
  const s = c.signal;
  if (!s) return '(no alert text)';
  return [s.title, s.description, s.query ? `query: ${s.query}` : '', s.service ? `service: ${s.service}` : '']
    .filter(Boolean)
    .join('\n')
    .slice(0, 8000);
}

function logOutcome(deps: AgentDeps, what: string, o: GraphOutcome, author: AuthorKind): void {
  const fields = {
    author,
    modelCalls: o.modelCalls,
    toolCalls: o.toolCalls,
    repaired: o.repaired,
    pruned: o.pruned,
    findings: o.findings.length,
  };
  if (author === 'narrator')
    deps.logger?.warn(
      { ...fields, reason: o.fallbackReason },
      `${what}: model answer not used, deterministic fallback`,
    );
  else deps.logger?.info(fields, `${what}: model answer verified`);
}

/** The narrator's reply with its "What happened" section replaced by the model's sections (or them added after the first). */
export function composeNarrative(base: Narrative, model: readonly NarrativeSection[], modelName: string): Narrative {
  const at = base.sections.findIndex((s) => s.title === 'What happened');
  const sections = [...base.sections];
  if (at >= 0) sections.splice(at, 1, ...model);
  else sections.splice(Math.min(1, sections.length), 0, ...model);
  return { summary: base.summary, sections, author: { kind: 'model', model: modelName } };
}

export async function explain(report: RcaReport, context: ExplainContext, deps: AgentDeps): Promise<Narrative> {
  const narrated = narrate(report);
  if (!deps.model) return narrated;
  const limits = deps.limits ?? DEFAULT_LIMITS;
  try {
    const scrub = scrubberOf(deps, limits);
    const tools = toolsFor(deps, limits, context.abort);
    const user = explainUserPrompt(
      {
        report,
        incidentText: incidentTextOf(context),
        ...(context.evidence ? { prefetched: prefetchedText(context.evidence, limits.maxEvidenceChars) } : {}),
        ...(context.history ? { history: context.history } : {}),
      },
      scrub,
    );
    const system = systemPrompt(
      'explain',
      limits.maxSentences,
      tools.map((t) => t.name),
      limits.maxToolCalls,
    );
    const o = await runGraph(graphDeps(deps, limits, tools, scrub, context.abort), report, system, user);
    if (o.sections.length === 0) {
      logOutcome(deps, 'explain', o, 'narrator');
      return narrated;
    }
    logOutcome(deps, 'explain', o, 'model');
    const sections = o.sections.map((s) => ({
      title: scrub(s.title),
      sentences: s.sentences.map((x) => sentenceText(x, scrub)),
    }));
    return composeNarrative(narrated, sections, deps.model.name);
  } catch (err) {
    deps.logger?.warn({ reason: errorMessage(err) }, 'explain: explainer failed, deterministic fallback');
    return narrated;
  }
}

function graphDeps(
  deps: AgentDeps,
  limits: AgentLimits,
  tools: StructuredToolInterface[],
  scrub: (t: string) => string,
  signal?: AbortSignal,
) {
  if (!deps.model) throw new Error('no model');
  return {
    model: deps.model.model,
    tools,
    maxModelCalls: limits.maxModelCalls,
    maxToolCalls: limits.maxToolCalls,
    maxSentences: limits.maxSentences,
    scrub,
    ...(signal ? { signal } : {}),
  };
}

function answerText(a: FollowUpAnswer): string {
  return a.sections.flatMap((s) => [`${s.title}:`, ...s.sentences.map((x) => x.text)]).join('\n');
}

export interface AnswerOptions {
  readonly history?: readonly string[];
  readonly abort?: AbortSignal;
}

export async function answerWithModel(
  question: string,
  memory: Pick<IncidentMemory, 'report'>,
  deps: AgentDeps,
  options: AnswerOptions = {},
): Promise<FollowUpAnswer> {
  const grounded = answerFollowUp(question, memory);
  if (!deps.model || grounded.recheck) return grounded;
  const limits = deps.limits ?? DEFAULT_LIMITS;
  try {
    const scrub = scrubberOf(deps, limits);
    const cites = [...new Set(grounded.sections.flatMap((s) => s.sentences.flatMap((x) => x.cites)))];
    const user = followUpUserPrompt(
      {
        report: memory.report,
        question,
        grounding: { text: answerText(grounded), cites },
        ...(options.history ? { history: options.history } : {}),
      },
      scrub,
    );
    const system = systemPrompt('followup', Math.min(limits.maxSentences, 8), [], 0);
    const o = await runGraph(
      graphDeps(deps, { ...limits, maxToolCalls: 0 }, [], scrub, options.abort),
      memory.report,
      system,
      user,
    );
    if (o.sections.length === 0) {
      logOutcome(deps, 'follow-up', o, 'narrator');
      return grounded;
    }
    logOutcome(deps, 'follow-up', o, 'model');
    return {
      ...grounded,
      sections: o.sections.map((s) => ({
        title: scrub(s.title),
        sentences: s.sentences.map((x) => sentenceText(x, scrub)),
      })),
    };
  } catch (err) {
    deps.logger?.warn({ reason: errorMessage(err) }, 'follow-up: model answer failed, deterministic answer');
    return grounded;
  }
}
