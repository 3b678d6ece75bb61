/**
 * Turns the analysis findings into ledger items: error origins, slow own spans and delayed calls from the proof
 * trace (or the incident cohort), call-structure changes, log template surges, metric changes, error-tracker
 * issues, the symptom's entry span and the bottleneck's heaviest critical-path step.
 */
import type { ErrorIssue } from '../providers/models.js';
import { formatDurationNanos } from '../kernel/time.js';
import type { CausalRole } from './contract.js';
import type { ScoredCandidate } from './candidates.js';
import type { ServiceLogFeatures } from './logs.js';
import type { MetricChange } from './metrics.js';
import type { EdgeShift, ServiceSpanFeatures } from './span-features.js';
import type { SpanNode } from './spantree.js';
import type { EvidenceItem } from './timeline.js';
import type { TraceSummary } from './trace-summary.js';
import { cmpNum, cmpStr } from './stats.js';

export interface ItemInputs {
  readonly candidates: readonly ScoredCandidate[];
  readonly roleOf: (service: string) => CausalRole | undefined;
  readonly span: ReadonlyMap<string, ServiceSpanFeatures>;
  readonly edges: readonly EdgeShift[];
  readonly logs: ReadonlyMap<string, ServiceLogFeatures>;
  readonly metrics: readonly MetricChange[];
  readonly issues: readonly ErrorIssue[];
  readonly rep: TraceSummary | undefined;
  readonly inc: readonly TraceSummary[];
  readonly symptom: string;
  readonly bottleneck: string | null;
}

const ms = (x: number): string => formatDurationNanos(Math.round(x * 1e6));

type Typed = Pick<EvidenceItem, 'example' | 'measure'>;

function spanItem(
  n: SpanNode,
  kind: string,
  summary: string,
  score: number,
  supports: string[],
  role?: CausalRole,
  typed: Typed = {},
): EvidenceItem {
  return {
    key: `span:${kind}:${n.traceId}:${n.spanId}`,
    at: n.span.start,
    service: n.service,
    source: 'span',
    kind,
    summary,
    score,
    supports,
    traceId: n.traceId,
    spanId: n.spanId,
    provider: n.span.sourceProvider,
    operation: n.operation,
    ...(role ? { role } : {}),
    ...(n.span.link ? { link: n.span.link } : {}),
    ...typed,
  };
}

export function collectItems(inp: ItemInputs): EvidenceItem[] {
  const items: EvidenceItem[] = [];
  const top = inp.candidates.slice(0, 6);
  const focus = new Set<string>(top.map((c) => c.service));
  focus.add(inp.symptom);
  if (inp.bottleneck) focus.add(inp.bottleneck);
  const weight = new Map(top.map((c) => [c.service, c.score]));
  for (const svc of [...focus].sort(cmpStr)) {
    const w = Math.max(weight.get(svc) ?? 0.3, 0.2);
    const role = inp.roleOf(svc);
    const f = inp.span.get(svc);
    if (f && f.errorScore > 0.1) {
      const repNode = inp.rep?.errorOrigins.get(svc)?.[0];
      for (const n of (repNode ? [repNode] : []).concat(f.errorSamples.slice(0, 2))) {
        const msg =
          n.span.errorMessage ??
          n.span.exceptions[0]?.message ??
          (n.errorLogs ? `${n.errorLogs} error log line(s) on this span` : 'status error');
        const swallowed = f.swallowedCount > 0 ? '; caller carried on (error swallowed)' : '';
        items.push(
          spanItem(
            n,
            'error_origin',
            `${svc} ${n.operation} fails: ${msg.slice(0, 160)} (deepest failing span, children healthy; ${Math.round(f.errorIncRate * 100)}% of incident traces vs ${Math.round(f.errorBaseRate * 100)}% before${swallowed})`,
            w * (0.6 + 0.4 * f.errorScore),
            [svc],
            role,
            { example: msg.slice(0, 300), measure: { unit: 'share', before: f.errorBaseRate, during: f.errorIncRate } },
          ),
        );
      }
    }
    if (f && f.latencyScore > 0.1) {
      const node =
        slowestOwn(inp.rep, svc, f.topOperation?.operation) ?? slowestOwnIn(inp.inc, svc, f.topOperation?.operation);
      if (node) {
        const op = f.topOperation;
        const detail = op
          ? `${op.operation} exclusive time median ${ms(op.stats.baseMedian)} -> ${ms(op.stats.incMedian)}`
          : `exclusive time per call ${ms(f.latency.baseMedian)} -> ${ms(f.latency.incMedian)}`;
        const st = op ? op.stats : f.latency;
        items.push(
          spanItem(
            node,
            'own_latency',
            `${svc} spends longer in its own code: ${detail} (Mann-Whitney z ${f.latency.z.toFixed(1)}, ${f.latency.nInc} incident traces)`,
            w * (0.5 + 0.5 * f.latencyScore),
            [svc],
            role,
            { measure: { unit: 'ms', before: st.baseMedian, during: st.incMedian } },
          ),
        );
      }
    }
    for (const e of inp.edges.filter((x) => x.score >= 0.3 && (x.callee === svc || x.caller === svc)).slice(0, 3)) {
      const node = gapNode(inp.rep, e) ?? gapNodeIn(inp.inc, e);
      if (!node) continue;
      items.push(
        spanItem(
          node,
          'network_gap',
          `call ${e.caller} -> ${e.callee} (${node.operation}): time outside the callee's own span ${ms(e.stats.baseMedian)} -> ${ms(e.stats.incMedian)} median (network delay or loss on this edge)`,
          Math.max(w, 0.3) * (0.5 + 0.5 * e.score),
          [e.callee, e.caller],
          inp.roleOf(e.callee) ?? role,
          { measure: { unit: 'ms', before: e.stats.baseMedian, during: e.stats.incMedian } },
        ),
      );
    }
    if (f && f.structureScore > 0.2) {
      const c = f.structure[0]!;
      const node =
        callNode(inp.rep, c.caller, c.callee, c.operation) ??
        inp.inc.map((s) => callNode(s, c.caller, c.callee, c.operation)).find((x) => x);
      const what = c.kind === 'new' ? 'new call' : c.kind === 'vanished' ? 'call no longer made' : 'call rate changed';
      const summary = `${what}: ${c.caller} -> ${c.callee} ${c.operation}, ${c.baseRate.toFixed(2)} -> ${c.incRate.toFixed(2)} calls per request`;
      if (node)
        items.push(
          spanItem(node, 'call_structure', summary, w * (0.4 + 0.5 * c.score), [svc, c.callee], role, {
            measure: { unit: 'calls_per_request', before: c.baseRate, during: c.incRate },
          }),
        );
    }
    const lf = inp.logs.get(svc);
    for (const t of (lf?.changes ?? []).slice(0, 2)) {
      items.push({
        key: `log:${svc}:${t.template}`,
        at: t.sample.time,
        service: svc,
        source: 'log',
        kind: t.isNew ? 'new_log_template' : 'log_surge',
        summary: `${t.severity} log ${t.isNew ? 'new since onset' : 'surging'} in ${svc}: "${t.sample.body.slice(0, 160)}" (${t.baseCount} before -> ${t.incCount} during)`,
        score: w * (0.5 + 0.5 * t.score),
        supports: [svc],
        ...(role ? { role } : {}),
        ...(t.sample.traceId ? { traceId: t.sample.traceId } : {}),
        ...(t.sample.spanId ? { spanId: t.sample.spanId } : {}),
        provider: t.sample.sourceProvider,
        ...(t.sample.link ? { link: t.sample.link } : {}),
        example: t.sample.body.slice(0, 300),
        measure: { unit: 'count', before: t.baseCount, during: t.incCount },
      });
    }
    for (const m of inp.metrics.filter((x) => x.service === svc).slice(0, 2)) {
      items.push({
        key: `metric:${m.seriesKey}`,
        at: m.at,
        service: svc,
        source: 'metric',
        kind: `metric_${m.category}`,
        summary: `${m.name} on ${svc} ${m.direction === 'up' ? 'rose' : 'fell'} ${fmt(m.before)} -> ${fmt(m.after)} at onset (${m.shift.toFixed(1)} robust deviations)`,
        score: w * (0.4 + 0.5 * m.score),
        supports: [svc],
        provider: m.provider,
        ...(role ? { role } : {}),
        metric: m.name,
        measure: { unit: 'value', before: m.before, during: m.after },
        ...(m.link ? { link: m.link } : {}),
      });
    }
    for (const i of inp.issues
      .filter((x) => x.service === svc)
      .sort((a, b) => cmpNum(b.count, a.count) || cmpStr(a.id, b.id))
      .slice(0, 2)) {
      items.push({
        key: `issue:${i.sourceProvider}:${i.id}`,
        at: i.firstSeen,
        service: svc,
        source: 'error_issue',
        kind: 'error_issue',
        summary: `${i.type}: ${i.message.slice(0, 140)} (${i.count} events${i.culprit ? `, in ${i.culprit}` : ''})`,
        score: w * 0.8,
        supports: [svc],
        provider: i.sourceProvider,
        ...(role ? { role } : {}),
        ...(i.link ? { link: i.link } : {}),
        ...(i.traceIds[0] ? { traceId: i.traceIds[0] } : {}),
        example: `${i.type}: ${i.message}`.slice(0, 300),
        measure: { unit: 'count', during: i.count },
      });
    }
  }
  if (inp.rep) {
    const r = inp.rep.trace.root;
    items.push(
      spanItem(
        r,
        'symptom',
        `${r.service} ${r.operation} took ${ms(r.end - r.start)}${r.error ? ' and failed' : ''} (proof trace entry)`,
        0.5,
        [inp.symptom],
        'symptom',
        { measure: { unit: 'ms', during: r.end - r.start } },
      ),
    );
    if (inp.bottleneck) {
      const steps = inp.rep.path.filter(
        (s) => (s.node.clientLike && s.node.callee ? s.node.callee : s.node.service) === inp.bottleneck,
      );
      const heavy = [...steps].sort(
        (a, b) => cmpNum(b.exclusive, a.exclusive) || cmpStr(a.node.spanId, b.node.spanId),
      )[0];
      if (heavy)
        items.push(
          spanItem(
            heavy.node,
            'bottleneck',
            `${heavy.node.service} ${heavy.node.operation}: ${ms(heavy.exclusive)} exclusive on the critical path`,
            0.55,
            [inp.bottleneck],
            'bottleneck',
            { measure: { unit: 'ms', during: heavy.exclusive } },
          ),
        );
    }
  }
  return items;
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(2);
}

function slowestOwn(s: TraceSummary | undefined, svc: string, op: string | undefined): SpanNode | undefined {
  if (!s) return undefined;
  const nodes = s.trace.nodes.filter(
    (n) => n.service === svc && !n.clientLike && (op === undefined || n.operation === op),
  );
  return nodes.sort((a, b) => cmpNum(b.self, a.self) || cmpStr(a.spanId, b.spanId))[0];
}

function slowestOwnIn(inc: readonly TraceSummary[], svc: string, op: string | undefined): SpanNode | undefined {
  for (const s of inc) {
    const n = slowestOwn(s, svc, op);
    if (n) return n;
  }
  return undefined;
}

function gapNode(s: TraceSummary | undefined, e: EdgeShift): SpanNode | undefined {
  if (!s) return undefined;
  const size = (n: SpanNode): number => (n.clientLike ? n.self : (n.gapOut?.get(e.callee) ?? 0));
  const nodes = s.trace.nodes.filter(
    (n) => n.service === e.caller && ((n.clientLike && n.callee === e.callee) || (n.gapOut?.get(e.callee) ?? 0) > 0),
  );
  return nodes.sort((a, b) => cmpNum(size(b), size(a)) || cmpStr(a.spanId, b.spanId))[0];
}

function gapNodeIn(inc: readonly TraceSummary[], e: EdgeShift): SpanNode | undefined {
  let best: SpanNode | undefined;
  for (const s of inc) {
    const n = gapNode(s, e);
    if (n && !best) best = n;
  }
  return best;
}

function callNode(s: TraceSummary | undefined, caller: string, callee: string, op: string): SpanNode | undefined {
  if (!s) return undefined;
  return s.trace.nodes.find(
    (n) =>
      n.operation === op &&
      ((n.service === callee && n.parent?.service === caller) || (n.service === caller && n.callee === callee)),
  );
}
