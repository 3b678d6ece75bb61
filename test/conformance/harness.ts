/**
 * THE PROVIDER CONFORMANCE CONTRACT (read this before writing a harness)
 *
 * Every provider (otlp-file, the memory fake, Datadog, Sentry, Loki, Tempo, Prometheus, ...) passes one suite:
 * call `runProviderConformance(label, harness)` from a test file of your own (test/conformance/<name>.conformance.test.ts).
 * The harness is the only provider-specific part. It knows how to put the canonical dataset (./dataset.ts) into
 * your provider's backend and how to make that backend fail:
 *
 * - capabilities: the protocols your provider implements (traces, logs, metrics, errors, topology). The suite checks
 *   exactly these, and checks that provider.capabilities equals this list.
 * - withData(dataset): a provider whose backend holds exactly the dataset. For a vendor, start a local fake HTTP
 *   server (bound to 127.0.0.1, on port 0) that answers the vendor's API with the dataset rendered in the vendor's
 *   JSON, and point the provider at it. The server must honour the request the provider sends (time range,
 *   service, filters, page size / cursor) the way the real API does, otherwise the range and limit checks cannot
 *   pass. Called once per suite run.
 * - empty(): a provider whose backend is reachable, healthy and holds nothing. Queries must answer no_data.
 * - failureModes + failing(mode): for each mode the backend can show, a provider whose backend fails that way:
 *   'unavailable' (connection refused, 5xx, or a file provider's missing / unreadable folder), 'auth'
 *   (401/403), 'timeout' (the server accepts and never answers within the provider's timeout; keep it short).
 *   Every query must resolve (never throw) to retryable or failed with a kind; never ok, never no_data.
 *   The health check must say unhealthy or degraded.
 * - secrets: every credential the harness configured (API keys, tokens, passwords). No outcome, warning,
 *   reason or health detail may contain any of them (checked on the JSON of everything the suite saw).
 * - skip: checks your backend cannot honour, by name (see CHECKS), each with the reason. They show as skipped
 *   tests carrying the reason, so a gap is visible, never silent. Keep this empty when you can.
 * - cleanup(): stop servers, delete temp folders. Called once at the end.
 *
 * What the suite checks (per declared capability): half-open time range (item exactly at start included, at
 * end excluded, 1 ns before start excluded), service filter, limit with truncated, fetch-by-trace-id
 * completeness (including spans past the range end) and start order, unknown trace -> no_data, `sampled` span
 * searches (whole traces within the limit, every service represented when the limit allows, disjoint trace-hash
 * parts that together hold everything when each part fits, coverage), `sampled` log reads, the service map (edges
 * by caller and callee, sorted, no duplicates; the harness serves dataset.serviceMap), empty backend
 * -> no_data (not failed), failures -> retryable/failed with a kind, no secret anywhere, sourceProvider ===
 * provider.name on every item, health check shapes, and determinism (the same query twice gives deep-equal
 * outcomes).
 */
import type { AnyProvider, Capability } from '../../src/providers/protocols.js';
import type { ConformanceDataset } from './dataset.js';

export type FailureMode = 'unavailable' | 'auth' | 'timeout';

export const CHECKS = [
  'traces.range',
  'traces.service',
  'traces.limit',
  'traces.fetch',
  'traces.unknown',
  'traces.sampled',
  'traces.sampled.parts',
  'logs.range',
  'logs.service',
  'logs.limit',
  'logs.traceIds',
  'logs.severity',
  'logs.text',
  'logs.order',
  'logs.sampled',
  'metrics.range',
  'metrics.service',
  'metrics.family',
  'metrics.unknown',
  'metrics.limit',
  'errors.range',
  'errors.service',
  'errors.shape',
  'errors.limit',
  'topology.edges',
  'empty',
  'health',
  'determinism',
  'sourceProvider',
] as const;
export type CheckName = (typeof CHECKS)[number];

export interface ConformanceHarness {
  readonly capabilities: readonly Capability[];
  withData(dataset: ConformanceDataset): Promise<AnyProvider>;
  empty(): Promise<AnyProvider>;
  readonly failureModes: readonly FailureMode[];
  failing(mode: FailureMode): Promise<AnyProvider>;
  readonly secrets: readonly string[];
  readonly skip?: Readonly<Partial<Record<CheckName, string>>>;
  cleanup(): Promise<void>;
}

/** JSON with bigints as strings (outcomes carry bigint instants). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
