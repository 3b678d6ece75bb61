/**
 * The explainer graph (LangGraph StateGraph with an explicit Annotation state):
 *
 *   START -> draft -(tool calls, within caps)-> tools -> draft ... -> verify -(clean)-> render -> END
 *                                                                      \-(findings, once)-> repair -> verify
 *
 * draft asks the model (tools bound while the tool cap allows); tools runs only calls to the allowed tools, up
 * to the cap, and answers refused ones with a refusal (the model cannot widen its tools or budget from inside
 * the data); verify parses the answer defensively and runs the code verifier; repair sends the findings back
 * once; render decides: a clean answer is used, an answer whose remaining faults are only unsupported sentences
 * is pruned, anything else (contradictions, invented ids, garbage, model errors, call cap) yields no sections and
 * a reason, and the caller falls back to the deterministic text. A model failure never throws out of the graph.
 */
import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { StructuredToolInterface } from '@langchain/core/tools';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { errorMessage } from '../kernel/errors.js';
import type { RcaReport } from '../rca/contract.js';
import type { NarrativeSection } from './narrative.js';
import { parseModelAnswer } from './parse.js';
import { fence, repairPrompt } from './prompt.js';
import { CONTRADICTIONS, pruneSections, verifySections, type Finding } from './verify.js';

export interface GraphDeps {
  readonly model: BaseChatModel;
  readonly tools: readonly StructuredToolInterface[];
  readonly maxModelCalls: number;
  readonly maxToolCalls: number;
  readonly maxSentences: number;
  readonly scrub: (text: string) => string;
  readonly signal?: AbortSignal;
  /** Called once per model call and tool call (for logs and metrics). */
  readonly onStep?: (step: { readonly kind: 'model' | 'tool' | 'tool_refused'; readonly detail: string }) => void;
}

export interface GraphOutcome {
  /** Verified sections, or empty when the caller must fall back. */
  readonly sections: readonly NarrativeSection[];
  readonly fallbackReason?: string;
  readonly findings: readonly Finding[];
  readonly modelCalls: number;
  readonly toolCalls: number;
  readonly repaired: boolean;
  readonly pruned: number;
}

const State = Annotation.Root({
  report: Annotation<RcaReport>(),
  messages: Annotation<BaseMessage[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  modelCalls: Annotation<number>({ reducer: (_a, b) => b, default: () => 0 }),
  toolCalls: Annotation<number>({ reducer: (_a, b) => b, default: () => 0 }),
  answer: Annotation<NarrativeSection[] | undefined>({ reducer: (_a, b) => b, default: () => undefined }),
  parseError: Annotation<string | undefined>({ reducer: (_a, b) => b, default: () => undefined }),
  findings: Annotation<Finding[]>({ reducer: (_a, b) => b, default: () => [] }),
  repaired: Annotation<boolean>({ reducer: (_a, b) => b, default: () => false }),
  error: Annotation<string | undefined>({ reducer: (_a, b) => b, default: () => undefined }),
  outcome: Annotation<GraphOutcome | undefined>({ reducer: (_a, b) => b, default: () => undefined }),
});

type S = typeof State.State;
type U = typeof State.Update;

function lastAi(messages: readonly BaseMessage[]): AIMessage | undefined {
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const m = messages[i];
    if (m instanceof AIMessage) return m;
  }
  return undefined;
}

async function callModel(d: GraphDeps, s: S, messages: BaseMessage[], withTools: boolean): Promise<U> {
  if (s.modelCalls >= d.maxModelCalls) return { error: `the model call cap (${d.maxModelCalls}) was reached` };
  d.onStep?.({ kind: 'model', detail: withTools ? 'with tools' : 'no tools' });
  try {
    const runnable = withTools && d.tools.length > 0 && d.model.bindTools ? d.model.bindTools([...d.tools]) : d.model;
    const ai = await runnable.invoke(messages, d.signal ? { signal: d.signal } : {});
    return { messages: [ai], modelCalls: s.modelCalls + 1 };
  } catch (err) {
    return {
      modelCalls: s.modelCalls + 1,
      error: `the model call failed: ${d.scrub(errorMessage(err)).slice(0, 300)}`,
    };
  }
}

/** Tools stay bound only while tool calls are left and a model call remains for the final answer. */
const toolsAllowed = (d: GraphDeps, s: S) =>
  d.tools.length > 0 && s.toolCalls < d.maxToolCalls && s.modelCalls + 1 < d.maxModelCalls;

async function runTools(d: GraphDeps, s: S): Promise<U> {
  const ai = lastAi(s.messages);
  const calls = ai?.tool_calls ?? [];
  const byName = new Map(d.tools.map((t) => [t.name, t]));
  const out: ToolMessage[] = [];
  let used = s.toolCalls;
  for (const [i, call] of calls.entries()) {
    const id = call.id ?? `call_${i}`;
    const t = byName.get(call.name);
    let text: string;
    if (!t) {
      text = `refused: ${call.name} is not an available tool (available: ${[...byName.keys()].join(', ') || 'none'})`;
      d.onStep?.({ kind: 'tool_refused', detail: call.name });
    } else if (used >= d.maxToolCalls) {
      text = `refused: the tool call cap of ${d.maxToolCalls} for this reply is reached; answer from the ledger`;
      d.onStep?.({ kind: 'tool_refused', detail: `${call.name} over cap` });
    } else {
      used += 1;
      d.onStep?.({ kind: 'tool', detail: call.name });
      try {
        const r: unknown = await t.invoke(call.args, d.signal ? { signal: d.signal } : {});
        text = fence(`${call.name} answer`, d.scrub(typeof r === 'string' ? r : JSON.stringify(r)));
      } catch (err) {
        text = `${call.name} could not run: ${d.scrub(errorMessage(err)).slice(0, 300)}`;
      }
    }
    out.push(new ToolMessage({ content: text, tool_call_id: id, name: call.name }));
  }
  return { messages: out, toolCalls: used };
}

function verifyNode(d: GraphDeps, s: S): U {
  const ai = lastAi(s.messages);
  const parsed = parseModelAnswer(ai?.content ?? '', d.maxSentences);
  if (!parsed.ok) return { answer: undefined, parseError: parsed.reason, findings: [] };
  return {
    answer: parsed.sections,
    parseError: undefined,
    findings: [...verifySections(s.report, parsed.sections).findings],
  };
}

function render(s: S): U {
  const base = { findings: s.findings, modelCalls: s.modelCalls, toolCalls: s.toolCalls, repaired: s.repaired };
  const fail = (reason: string): U => ({ outcome: { ...base, sections: [], fallbackReason: reason, pruned: 0 } });
  if (s.error && !s.answer) return fail(s.error);
  if (!s.answer) return fail(s.parseError ?? 'the model gave no answer');
  if (s.findings.length === 0) return { outcome: { ...base, sections: s.answer, pruned: 0 } };
  const lies = s.findings.filter((f) => CONTRADICTIONS.has(f.kind));
  if (lies.length > 0) return fail(`the answer contradicts or invents evidence: ${lies[0]?.kind}: ${lies[0]?.detail}`);
  const pruned = pruneSections(s.answer, s.findings);
  if (pruned.length === 0) return fail('no sentence of the answer passed the citation check');
  const removed = new Set(s.findings.map((f) => `${f.section}:${f.sentence}`)).size;
  return { outcome: { ...base, sections: pruned, pruned: removed } };
}

function buildGraph(d: GraphDeps) {
  return new StateGraph(State)
    .addNode('draft', async (s: S) => callModel(d, s, s.messages, toolsAllowed(d, s)))
    .addNode('tools', async (s: S) => runTools(d, s))
    .addNode('verify', (s: S) => verifyNode(d, s))
    .addNode('repair', async (s: S) => {
      const ask = new HumanMessage(repairPrompt(s.findings, s.parseError));
      // No tools for the repair: it rewrites from the ledger; a tool call in its answer is not run.
      const r = await callModel(d, s, [...s.messages, ask], false);
      const added = Array.isArray(r.messages) ? r.messages : [];
      return { ...r, messages: [ask, ...added], repaired: true };
    })
    .addNode('render', (s: S) => render(s))
    .addEdge(START, 'draft')
    .addConditionalEdges('draft', (s: S) => {
      if (s.error) return 'render';
      const ai = lastAi(s.messages);
      return (ai?.tool_calls?.length ?? 0) > 0 && s.modelCalls < d.maxModelCalls ? 'tools' : 'verify';
    })
    .addEdge('tools', 'draft')
    .addConditionalEdges('verify', (s: S) => {
      const failed = s.parseError !== undefined || s.findings.length > 0;
      return failed && !s.repaired && s.modelCalls < d.maxModelCalls ? 'repair' : 'render';
    })
    .addConditionalEdges('repair', (s: S) => (s.error ? 'render' : 'verify'))
    .addEdge('render', END)
    .compile();
}

/** Runs the graph from a system and a user prompt; never throws. */
export async function runGraph(d: GraphDeps, report: RcaReport, system: string, user: string): Promise<GraphOutcome> {
  const empty: GraphOutcome = { sections: [], findings: [], modelCalls: 0, toolCalls: 0, repaired: false, pruned: 0 };
  try {
    const graph = buildGraph(d);
    const final = await graph.invoke(
      { report, messages: [new SystemMessage(system), new HumanMessage(user)] },
      { recursionLimit: 4 * d.maxModelCalls + 10, ...(d.signal ? { signal: d.signal } : {}) },
    );
    return final.outcome ?? { ...empty, fallbackReason: 'the graph ended without an outcome' };
  } catch (err) {
    return { ...empty, fallbackReason: `the explainer failed: ${d.scrub(errorMessage(err)).slice(0, 300)}` };
  }
}
