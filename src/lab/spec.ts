/**
 * The lab's description language: a topology (services, endpoints, calls, stores), faults, noise, load and the
 * monitor that fires. A scenario's `lab` block in scenario.json is exactly a LabScenario, so a recorded scenario
 * carries everything needed to record it again.
 */
import { z } from 'zod';

const dist = z.object({ medianMs: z.number().min(0), sigma: z.number().min(0).max(3) });

/** One outbound call of an endpoint. `fanout` calls go in parallel; `async` calls are not awaited. */
const callStep = z.object({
  kind: z.literal('call'),
  target: z.string(),
  route: z.string(),
  fanout: z.number().int().min(1).max(10).default(1),
  timeoutMs: z.number().int().min(1),
  retries: z.number().int().min(0).max(10).default(0),
  /** Wait between retries (ms); 0 means immediate retry (no backoff). */
  backoffMs: z.number().min(0).default(50),
  /** A failed optional call is tolerated: the endpoint degrades instead of failing. */
  optional: z.boolean().default(false),
  async: z.boolean().default(false),
  /** Response fields the caller checks (present, not null, not negative): wrong values fail the caller. */
  requires: z.array(z.string()).default([]),
});

/** Cache-aside read: cache GET, on miss or cache error read the database and (on miss) write back. */
const cacheAsideStep = z.object({
  kind: z.literal('cache_aside'),
  cache: z.string(),
  db: z.string(),
  table: z.string(),
  /** Key template, `{id}` is the request's key; `{ver}` is v2 for migrated ids (id % versionModulo !== 0). */
  key: z.string().default('{table}:{ver}:{id}'),
  versionModulo: z.number().int().min(1).default(4),
  ttlMs: z.number().int().min(1).default(20_000),
  timeoutMs: z.number().int().min(1).default(1_000),
});

const dbStep = z.object({
  kind: z.literal('db'),
  db: z.string(),
  operation: z.enum(['SELECT', 'INSERT', 'UPDATE']),
  table: z.string(),
  /** Queries per request (N+1 patterns repeat a query). */
  repeat: z.number().int().min(1).max(50).default(1),
  timeoutMs: z.number().int().min(1).default(2_000),
});

const stepSchema = z.discriminatedUnion('kind', [callStep, cacheAsideStep, dbStep]);

export const endpointSchema = z.object({
  route: z.string().regex(/^\/[a-z0-9/_-]*$/),
  method: z.enum(['GET', 'POST']).default('GET'),
  /** Own wait time (IO-like, not CPU) per request. */
  work: dist.default({ medianMs: 2, sigma: 0.4 }),
  /** Own CPU time per request (real busy loop), ms. */
  cpuMs: z.number().min(0).default(0),
  /** In-process worker concurrency (a thread pool): requests queue beyond it. 0 = unlimited. */
  concurrency: z.number().int().min(0).default(0),
  steps: z.array(stepSchema).default([]),
  /** Fields this endpoint adds to its response (merged with its callees' fields). */
  provides: z.record(z.string(), z.union([z.number(), z.string()])).default({}),
});

const poolSchema = z.object({ size: z.number().int().min(1), acquireTimeoutMs: z.number().int().min(1) });

export const serviceSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/),
  version: z.string().default('1.0.0'),
  kind: z.enum(['app', 'database', 'cache']).default('app'),
  endpoints: z.array(endpointSchema).default([]),
  /** Database client pool (apps with db / cache_aside steps). */
  pool: poolSchema.optional(),
  /** database: per-operation latency and executor concurrency (queries queue beyond it). */
  store: z
    .object({
      system: z.string().default('postgresql'),
      name: z.string().default('shop'),
      latency: z.record(z.string(), dist).default({}),
      concurrency: z.number().int().min(1).default(4),
      queueTimeoutMs: z.number().int().min(1).default(2_000),
    })
    .optional(),
});

export const topologySchema = z.object({
  name: z.string(),
  entry: z.string(),
  environment: z.string().default('lab'),
  services: z.array(serviceSchema).min(1),
});

export const faultSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('exception'),
    service: z.string(),
    route: z.string().optional(),
    probability: z.number().min(0).max(1),
    swallowed: z.boolean().default(false),
    errorType: z.string(),
    message: z.string(),
    fallback: dist.optional(),
  }),
  z.object({ kind: z.literal('serialization'), service: z.string(), keyMarker: z.string().default(':v2:') }),
  z.object({
    kind: z.literal('wrong_value'),
    service: z.string(),
    route: z.string().optional(),
    field: z.string(),
    value: z.union([z.number(), z.null()]),
    probability: z.number().min(0).max(1).default(1),
  }),
  z.object({ kind: z.literal('missing_call'), service: z.string(), route: z.string().optional(), target: z.string() }),
  z.object({ kind: z.literal('latency'), service: z.string(), route: z.string().optional(), added: dist }),
  z.object({
    kind: z.literal('network'),
    from: z.string(),
    to: z.string(),
    delay: dist.optional(),
    lossRate: z.number().min(0).max(1).default(0),
  }),
  z.object({ kind: z.literal('cpu'), service: z.string(), busyFraction: z.number().min(0.05).max(0.98) }),
  z.object({
    kind: z.literal('memory_leak'),
    service: z.string(),
    objectsPerSec: z.number().int().min(1),
    maxOldSpaceMb: z.number().int().min(32).default(160),
  }),
  z.object({ kind: z.literal('pool_leak'), service: z.string(), probability: z.number().min(0).max(1) }),
  z.object({
    kind: z.literal('retry_policy'),
    service: z.string(),
    target: z.string(),
    timeoutMs: z.number().int().min(1),
    retries: z.number().int().min(0),
    backoffMs: z.number().min(0).default(0),
  }),
  z.object({ kind: z.literal('unreachable'), service: z.string() }),
  z.object({
    kind: z.literal('deploy'),
    service: z.string(),
    version: z.string(),
    behaviour: z.array(z.record(z.string(), z.unknown())),
  }),
  /** More users, no defect. keyCount widens the key space (new visitors browse the long tail: colder caches). */
  z.object({
    kind: z.literal('traffic_surge'),
    multiplier: z.number().min(1),
    keyCount: z.number().int().min(1).optional(),
  }),
]);

export const noiseSchema = z.discriminatedUnion('kind', [
  /** Unrelated errors in a healthy service: a share of its requests fail (or log errors) all the time. */
  z.object({
    kind: z.literal('errors'),
    service: z.string(),
    route: z.string().optional(),
    probability: z.number().min(0).max(1),
    status: z.number().int().default(500),
    errorType: z.string(),
    message: z.string(),
  }),
  z.object({ kind: z.literal('clock_skew'), service: z.string(), offsetMs: z.number() }),
  /** Spans of this service dropped before export (sampled out / lossy pipeline). */
  z.object({ kind: z.literal('drop_spans'), service: z.string(), ratio: z.number().min(0).max(1) }),
]);

export const loadSchema = z.object({
  rps: z.number().min(0.5),
  baselineSec: z.number().min(2),
  faultSec: z.number().min(2),
  mix: z.array(z.object({ route: z.string(), weight: z.number().min(0) })).min(1),
  keys: z
    .object({ count: z.number().int().min(1), zipf: z.number().min(0).default(1.1) })
    .default({ count: 200, zipf: 1.1 }),
});

export const monitorSchema = z.object({
  kind: z.enum(['latency_p99', 'error_rate']),
  service: z.string(),
  /** Threshold = nice(baseline value x factor), as a human would set it above normal behaviour. */
  factor: z.number().min(1).default(2),
  /** Floor for the threshold (seconds for latency, fraction for error rate). */
  minThreshold: z.number().min(0).default(0),
  windowSec: z.number().int().min(5).default(60),
  evalEverySec: z.number().int().min(1).default(5),
  name: z.string(),
  priority: z.string().default('P2'),
});

export const labScenarioSchema = z.object({
  seed: z.number().int().min(0),
  topology: topologySchema,
  faults: z.array(faultSchema).default([]),
  noise: z.array(noiseSchema).default([]),
  load: loadSchema,
  monitor: monitorSchema,
  /** Stamp run_id / scenario_id on resources, request spans, logs and the alert's tags. */
  stampRunIds: z.boolean().default(true),
  signals: z
    .object({ logs: z.boolean().default(true), metrics: z.boolean().default(true) })
    .default({ logs: true, metrics: true }),
  /** Truth of a second, concurrent fault not scored by expected.json (two-fault scenarios). */
  secondaryCause: z.object({ service: z.string(), operation: z.string().optional() }).optional(),
});

export type CallStep = z.infer<typeof callStep>;
export type CacheAsideStep = z.infer<typeof cacheAsideStep>;
export type DbStep = z.infer<typeof dbStep>;
export type EndpointSpec = z.infer<typeof endpointSchema>;
export type ServiceSpec = z.infer<typeof serviceSchema>;
export type TopologyInput = z.input<typeof topologySchema>;
export type FaultSpec = z.infer<typeof faultSchema>;
export type NoiseSpec = z.infer<typeof noiseSchema>;
export type LoadSpec = z.infer<typeof loadSchema>;
export type MonitorSpec = z.infer<typeof monitorSchema>;
export type LabScenario = z.infer<typeof labScenarioSchema>;
export type LabScenarioInput = z.input<typeof labScenarioSchema>;

/** Service-level faults: the behaviour a fault kind changes inside one service process. */
export type ServiceFault = Exclude<FaultSpec, { kind: 'traffic_surge' } | { kind: 'deploy' }>;

export function isServiceFault(f: FaultSpec): f is ServiceFault {
  return f.kind !== 'traffic_surge' && f.kind !== 'deploy';
}
