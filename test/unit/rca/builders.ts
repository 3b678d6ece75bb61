/**
 * Hand-built span trees and incident evidence for the rca tests. Deterministic: a seeded LCG supplies jitter.
 */
import type { LogEntry, MetricSeries, Span, SpanKind, SpanStatus } from '../../../src/providers/models.js';
import type { IncidentEvidence } from '../../../src/rca/contract.js';
import { TimeRange } from '../../../src/providers/time-range.js';

export const T0 = 1_700_000_000_000_000_000n;
export const MS = 1_000_000n;

export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export interface Node {
  svc: string;
  op: string;
  /** Own work before, between and after children (ms). */
  work: number;
  children?: Node[];
  /** Network time on the call into this node (client span in the caller wraps it). */
  net?: number;
  error?: boolean;
  exception?: string;
  kind?: SpanKind;
  /** Emit a client span in the caller around this node (kinds set). */
  client?: boolean;
}

export function span(
  p: Partial<Span> & { traceId: string; spanId: string; service: string; start: bigint; durationNanos: number },
): Span {
  return {
    sourceProvider: 'test',
    operation: 'op',
    kind: 'unspecified',
    status: 'unset',
    exceptions: [],
    events: [],
    links: [],
    attributes: {},
    resource: { 'service.name': p.service },
    ...p,
  };
}

/** Lays a tree out: children run one after another, own work split before and after them. */
export function layout(traceId: string, startMs: number, root: Node): Span[] {
  const out: Span[] = [];
  let counter = 0;
  const id = (): string => (++counter).toString(16).padStart(16, '0');
  const place = (n: Node, start: number, parentId: string | undefined): number => {
    const sid = id();
    let t = start + n.work / 2;
    const kids: (() => void)[] = [];
    for (const c of n.children ?? []) {
      const net = c.net ?? 0.2;
      if (c.client) {
        const cid = id();
        const cs = t;
        const end = place(c, cs + net / 2, cid);
        const ce = end + net / 2;
        kids.push(() => out.push(mk(traceId, cid, sid, n.svc, `call ${c.op}`, cs, ce, 'client', 'unset')));
        t = ce;
      } else {
        const end = place(c, t + net / 2, sid);
        t = end + net / 2;
      }
    }
    const end = t + n.work / 2;
    const status: SpanStatus = n.error || n.exception ? 'error' : n.kind ? 'ok' : 'unset';
    const s = mk(traceId, sid, parentId, n.svc, n.op, start, end, n.kind ?? 'unspecified', status);
    out.push(n.exception ? { ...s, exceptions: [{ time: s.start, type: 'Error', message: n.exception }] } : s);
    for (const k of kids) k();
    return end;
  };
  place(root, startMs, undefined);
  return out;
}

function mk(
  traceId: string,
  spanId: string,
  parent: string | undefined,
  svc: string,
  op: string,
  s: number,
  e: number,
  kind: SpanKind,
  status: SpanStatus,
): Span {
  const start = T0 + BigInt(Math.round(s * 1e6));
  return span({
    traceId,
    spanId,
    ...(parent ? { parentSpanId: parent } : {}),
    service: svc,
    operation: op,
    kind,
    status,
    start,
    durationNanos: Math.round((e - s) * 1e6),
  });
}

export function evidence(p: {
  spans: Span[];
  logs?: LogEntry[];
  metrics?: MetricSeries[];
  symptom: string;
  baseMs: [number, number];
  incMs: [number, number];
  gaps?: IncidentEvidence['gaps'];
}): IncidentEvidence {
  const at = (ms: number): bigint => T0 + BigInt(Math.round(ms)) * MS;
  return {
    signal: {} as IncidentEvidence['signal'],
    envelope: {
      strategy: 'trace-first',
      reason: 'test',
      exact: { traceIds: [], spanIds: [], requestIds: [], correlationIds: [], runIds: [] },
      strong: {},
      weak: [],
    },
    alertTime: at(p.incMs[1]),
    incidentWindow: TimeRange.of(at(p.incMs[0]), at(p.incMs[1])),
    baselineWindow: TimeRange.of(at(p.baseMs[0]), at(p.baseMs[1])),
    symptomService: p.symptom,
    spans: p.spans,
    logs: p.logs ?? [],
    metrics: p.metrics ?? [],
    issues: [],
    gaps: p.gaps ?? [],
    providerCalls: { total: 0, byProvider: {} },
    pivots: [],
  };
}

/** `n` traces per phase, one every `everyMs`; baseline in [0, n*every), incident after. */
export function story(
  make: (phase: 'base' | 'inc', r: () => number, i: number) => Node,
  opts: { n?: number; nInc?: number; everyMs?: number; seed?: number } = {},
): { spans: Span[]; baseMs: [number, number]; incMs: [number, number] } {
  const n = opts.n ?? 40;
  const nInc = opts.nInc ?? n;
  const every = opts.everyMs ?? 1000;
  const r = lcg(opts.seed ?? 7);
  const spans: Span[] = [];
  for (let i = 0; i < n + nInc; i++) {
    const phase = i < n ? 'base' : 'inc';
    const traceId = `t${i.toString(16).padStart(31, '0')}`;
    spans.push(...layout(traceId, i * every, make(phase, r, i)));
  }
  return { spans, baseMs: [0, n * every], incMs: [n * every, (n + nInc) * every] };
}

export function jitter(r: () => number, x: number, frac = 0.15): number {
  return x * (1 + frac * (r() * 2 - 1));
}

export function metricSeries(service: string, name: string, values: readonly number[], everyMs: number): MetricSeries {
  return {
    sourceProvider: 'test',
    name,
    type: 'gauge',
    labels: { 'k8s.pod.name': `${service}-6d5f7c9b8d-x7k2p` },
    points: values.map((v, i) => ({ time: T0 + BigInt(i * everyMs) * MS, value: v })),
  };
}

/** T0 plus `ms` milliseconds, in nanoseconds. */
export const at = (ms: number): bigint => T0 + BigInt(Math.round(ms * 1e6));

/** The trace id of the one-trace stories built with spanAt. */
export const ONE_TRACE = 'a'.repeat(32);

/** A span of the one-trace stories: its id is also its operation, times in ms from T0. */
export const spanAt = (
  id: string,
  parent: string | undefined,
  service: string,
  startMs: number,
  durMs: number,
  extra: object = {},
): Span =>
  span({
    traceId: ONE_TRACE,
    spanId: id,
    ...(parent ? { parentSpanId: parent } : {}),
    service,
    operation: id,
    start: at(startMs),
    durationNanos: durMs * 1e6,
    ...extra,
  });
