/**
 * The correlation envelope: what an alert tells us to look for, from most to least exact. Pure.
 *
 * 1. Exact ids (trace, span, request, correlation, run) from, in this order: the normalizer's hints, tags whose
 *    key names an id (trace_id, dd.trace_id, x-request-id, run_id, ...), source ids, and labelled ids or W3C
 *    traceparent values in the title, description, monitor query and link URLs. Every id is shape-checked
 *    (see ids.ts); duplicates are dropped; each list is sorted.
 * 2. Strong dimensions: service, env, region, scenario id from the signal's own fields, then from tags.
 * 3. Weak text: title and description terms minus monitor boilerplate and the strong dimensions themselves.
 *
 * Strategy, first rule that applies:
 * - trace-first when the alert names trace ids: fetch those traces, then everything around them.
 * - run-first when it names a run id (and no trace id): search spans and logs carrying the run id first.
 * - trace-first when a traces provider is registered and the symptom service is known: search the symptom
 *   service's slow / failing traces in the alert window and pivot on the representative trace.
 * - dimension-first otherwise: service / env (then weak text) queries on logs, metrics and error issues.
 * The prefetch may still downgrade trace-first-by-availability to dimension-first when the trace search finds
 * nothing; it says so in the report.
 */
import type { CorrelationEnvelope } from '../rca/contract.js';
import type { UniversalIncidentSignal } from '../kernel/signal.js';
import { idKindOfKey, idsInText, normalizeId, type FoundId, type IdKind } from './ids.js';
import { weakTerms } from './terms.js';

export interface EnvelopeOptions {
  /** A traces provider is registered (the registry has the 'traces' capability). */
  readonly tracesAvailable: boolean;
}

type Strong = { -readonly [K in keyof CorrelationEnvelope['strong']]: CorrelationEnvelope['strong'][K] };

const DIMENSION_KEYS: Readonly<Record<keyof Strong, readonly string[]>> = {
  service: ['service', 'service.name', 'service_name', 'servicename', 'app', 'application', 'job'],
  env: ['env', 'environment', 'deployment.environment', 'deployment.environment.name', 'deployment_environment'],
  region: ['region', 'cloud.region', 'aws.region', 'aws_region', 'gcp.region', 'azure.region', 'datacenter'],
  scenarioId: ['scenario_id', 'scenario.id', 'scenarioid', 'flipturn.scenario_id', 'scenario'],
};

const MAX_IDS_PER_KIND = 20;

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function cleanDimension(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (t === '' || t.length > 200 || hasControl(t)) return undefined;
  return t;
}

/** Tags with lower-cased keys, in key order, so lookups never depend on the order the source sent them in. */
function lowerTags(tags: Readonly<Record<string, string>>): Map<string, string> {
  const m = new Map<string, string>();
  for (const k of Object.keys(tags).sort()) {
    const lk = k.toLowerCase();
    const v = tags[k];
    if (v !== undefined && !m.has(lk)) m.set(lk, v);
  }
  return m;
}

function strongDimensions(signal: UniversalIncidentSignal): { strong: Strong; from: string[] } {
  const tags = lowerTags(signal.tags);
  const strong: Strong = {};
  const from: string[] = [];
  const direct: Partial<Record<keyof Strong, string | undefined>> = { service: signal.service, env: signal.env };
  for (const dim of ['service', 'env', 'region', 'scenarioId'] as const) {
    let value = cleanDimension(direct[dim]);
    let where = value ? `signal.${dim}` : '';
    for (const key of DIMENSION_KEYS[dim]) {
      if (value) break;
      value = cleanDimension(tags.get(key));
      where = `tags.${key}`;
    }
    if (value) {
      strong[dim] = value;
      from.push(`${dim}=${value} (${where})`);
    }
  }
  return { strong, from };
}

function collectIds(signal: UniversalIncidentSignal): FoundId[] {
  const found: FoundId[] = [];
  const hintLists: ReadonlyArray<[IdKind, readonly string[]]> = [
    ['trace', signal.hints.traceIds],
    ['span', signal.hints.spanIds],
    ['request', signal.hints.requestIds],
    ['correlation', signal.hints.correlationIds],
    ['run', signal.hints.runIds],
  ];
  for (const [kind, list] of hintLists) {
    for (const raw of list) {
      const value = normalizeId(kind, raw);
      if (value) found.push({ kind, value, where: 'hints' });
    }
  }
  for (const [where, record] of [
    ['tags', signal.tags],
    ['sourceIds', signal.sourceIds],
  ] as const) {
    for (const key of Object.keys(record).sort()) {
      const kind = idKindOfKey(key);
      const raw = record[key];
      if (!kind || raw === undefined) continue;
      const value = normalizeId(kind, raw);
      if (value) found.push({ kind, value, where: `${where}.${key}` });
    }
  }
  const texts = [signal.title, signal.description, signal.query ?? '', ...signal.links.map((l) => linkText(l.url))];
  for (const text of texts) found.push(...idsInText(text));
  return found;
}

/** A link URL as text for the id scan; APM trace paths (/apm/trace/<id>, /trace/<id>) read as `trace_id=<id>`. */
function linkText(url: string): string {
  let text = url;
  try {
    text = decodeURIComponent(url);
  } catch {
    // a malformed escape: scan the raw URL
  }
  return text.replace(/\/traces?\/([0-9a-f]{32}|[0-9a-f]{16}|[0-9]{10,20})(?=$|[/?#&])/gi, ' trace_id=$1 ');
}

function uniqueSorted(found: readonly FoundId[], kind: IdKind): string[] {
  return [...new Set(found.filter((f) => f.kind === kind).map((f) => f.value))].sort().slice(0, MAX_IDS_PER_KIND);
}

function whereSummary(found: readonly FoundId[], kind: IdKind): string {
  return [...new Set(found.filter((f) => f.kind === kind).map((f) => f.where))].sort().join(', ');
}

export function buildEnvelope(signal: UniversalIncidentSignal, options: EnvelopeOptions): CorrelationEnvelope {
  const found = collectIds(signal);
  const exact = {
    traceIds: uniqueSorted(found, 'trace'),
    spanIds: uniqueSorted(found, 'span'),
    requestIds: uniqueSorted(found, 'request'),
    correlationIds: uniqueSorted(found, 'correlation'),
    runIds: uniqueSorted(found, 'run'),
  };
  const { strong, from } = strongDimensions(signal);
  const exclude = [strong.service, strong.env, strong.region, strong.scenarioId].filter(
    (x): x is string => x !== undefined,
  );
  const weak = weakTerms([signal.title, signal.description], exclude);
  const dims = from.length > 0 ? `; dimensions ${from.join(', ')}` : '; no service/env dimensions';
  let strategy: CorrelationEnvelope['strategy'];
  let why: string;
  if (exact.traceIds.length > 0) {
    strategy = 'trace-first';
    why = `${exact.traceIds.length} trace id(s) named by the alert (${whereSummary(found, 'trace')})`;
  } else if (exact.runIds.length > 0) {
    strategy = 'run-first';
    why = `no trace id, but ${exact.runIds.length} run id(s) named by the alert (${whereSummary(found, 'run')})`;
  } else if (options.tracesAvailable && strong.service) {
    strategy = 'trace-first';
    why = `no exact id; a traces provider is registered and the symptom service is known: search its slow and failing traces in the alert window`;
  } else {
    strategy = 'dimension-first';
    why = !options.tracesAvailable
      ? 'no trace or run id and no traces provider: search by service / env, then by text'
      : 'no trace or run id and no symptom service to search traces for: search by dimensions, then by text';
  }
  return Object.freeze({ strategy, reason: `${strategy}: ${why}${dims}`, exact, strong, weak });
}
