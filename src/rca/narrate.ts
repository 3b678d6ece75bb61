/**
 * The RCA header (three lines) and the action scaffold. Generic mechanisms in operator words, citing ledger ids;
 * never text written for a particular scenario.
 */
import type { ScoredCandidate } from './candidates.js';
import type { Verdict } from './contract.js';
import type { Ledger } from './timeline.js';
import { idsFor } from './timeline.js';

const MECH: Record<ScoredCandidate['mechanism'], string> = {
  latency: 'spends longer in its own code',
  network: 'is reached over a delayed or lossy network path',
  error: 'fails in its own code',
  logs: 'starts logging new errors',
  deploy: 'runs a new version',
  structure: 'changed which calls it makes',
  metrics: 'shows resource pressure',
  none: 'shows no clear defect',
};

export interface NarrationInputs {
  readonly verdict: Verdict;
  readonly confidence: number;
  readonly roots: readonly ScoredCandidate[];
  readonly lead: ScoredCandidate | undefined;
  readonly propagation: readonly string[];
  readonly bottleneck: string | null;
  readonly symptom: string;
  readonly ledger: Ledger;
  readonly representativeTraceId: string | null;
  readonly baselineTraceId: string | null;
  readonly reasons: readonly string[];
}

function cite(ledger: Ledger, svc: string, n = 2): string {
  const ids = idsFor(ledger, svc, n);
  return ids.length ? ` (${ids.join(', ')})` : '';
}

export function header(inp: NarrationInputs): [string, string, string] {
  const pct = Math.round(inp.confidence * 100);
  const line1 = `Confidence ${pct}% (${inp.verdict})${inp.reasons.length && inp.verdict !== 'confirmed' ? `: ${inp.reasons[0]}` : ''}`;
  let line2: string;
  if (inp.verdict === 'inconclusive' || inp.roots.length === 0) {
    const l = inp.lead;
    line2 = l
      ? `No confident root cause; strongest lead: ${l.service}${l.operation ? ` ${l.operation}` : ''} ${MECH[l.mechanism]}${cite(inp.ledger, l.service)}; symptom on ${inp.symptom}`
      : `No confident root cause; symptom on ${inp.symptom}`;
  } else {
    const parts = inp.roots.map(
      (r) => `${r.service}${r.operation ? ` ${r.operation}` : ''} ${MECH[r.mechanism]}${cite(inp.ledger, r.service)}`,
    );
    const prop = inp.propagation.map((p) => `${p} is affected${cite(inp.ledger, p, 1)}`);
    const bn =
      inp.bottleneck && !inp.roots.some((r) => r.service === inp.bottleneck)
        ? [`latency piles up in ${inp.bottleneck}${cite(inp.ledger, inp.bottleneck, 1)}`]
        : [];
    line2 = `Root cause: ${[parts.join(' and '), ...prop, ...bn].join(', ')}; the alert fires on ${inp.symptom}${cite(inp.ledger, inp.symptom, 1)}`;
  }
  const line3 = inp.representativeTraceId
    ? `Proof trace ${inp.representativeTraceId}${inp.baselineTraceId ? ` (compare with baseline trace ${inp.baselineTraceId})` : ''}`
    : 'No proof trace: no incident trace reaches the symptom';
  return [line1, line2, line3];
}

const ACTION: Record<ScoredCandidate['mechanism'], (svc: string, op: string) => string> = {
  latency: (s, op) =>
    `Profile ${s}${op}: check CPU throttling/saturation, GC pauses and lock or pool waits on its hosts at onset`,
  network: (s) => `Check the network path into ${s} (packet loss, latency, retransmits, DNS, sidecar/proxy) at onset`,
  error: (s, op) =>
    `Open the failing span${op} in ${s} and its exception/log lines; check recent changes to that code path and its input data`,
  logs: (s) => `Read the new error log lines of ${s} around onset and follow their trace ids`,
  deploy: (s) => `Compare the new version of ${s} with the previous one; consider rolling it back`,
  structure: (s) => `Check why ${s} changed the calls it makes (fallbacks, retries, feature flags, config)`,
  metrics: (s) => `Check resource limits and saturation of ${s} (CPU, memory, pools, queues)`,
  none: (s) => `Compare ${s}'s behaviour in the proof trace with the baseline trace`,
};

export function actions(inp: NarrationInputs): string[] {
  const out: string[] = [];
  const focus = inp.roots.length ? inp.roots : inp.lead ? [inp.lead] : [];
  for (const r of focus) {
    const op = r.operation ? ` (${r.operation})` : '';
    out.push(`${ACTION[r.mechanism](r.service, op)}${cite(inp.ledger, r.service, 3)}`);
  }
  for (const p of inp.propagation)
    out.push(
      `Confirm ${p} is only reacting to its dependency (fallback, retries, timeouts) rather than failing itself${cite(inp.ledger, p, 2)}`,
    );
  if (inp.bottleneck && !focus.some((r) => r.service === inp.bottleneck)) {
    out.push(
      `Relieve ${inp.bottleneck} while the cause is fixed (it holds the largest added critical-path time)${cite(inp.ledger, inp.bottleneck, 1)}`,
    );
  }
  if (inp.representativeTraceId)
    out.push(
      `Walk the proof trace ${inp.representativeTraceId} critical path${inp.baselineTraceId ? ` next to baseline trace ${inp.baselineTraceId}` : ''}`,
    );
  return out;
}
