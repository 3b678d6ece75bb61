/**
 * One zod schema per record Flipturn stores in thread memory, checked on every read (src/memory/store.ts): Redis is
 * outside the process, and a record written by an older version, truncated, or put there by someone else must not
 * be trusted. A record that fails its schema is reported (log + flipturn_memory_invalid_records_total{kind}) and
 * read as absent.
 *
 * The stored report follows src/rca/contract.ts (RcaReport); the compile-time checks at the bottom fail the build
 * when the two drift apart. Fields the contract does not type yet (its `[extra: string]: unknown` tail) are kept
 * as they are.
 */
import { z } from 'zod';
import { incidentSignalSchema } from '../kernel/signal.js';
import type { RcaReport } from '../rca/contract.js';
import type { DeliveryRecord, FollowUpTurn, IncidentMemory, IncidentThreadIndex, ThreadContext } from './port.js';

const nonEmpty = z.string().min(1);

const threadRefSchema = z.object({ teamId: nonEmpty, channel: nonEmpty, threadTs: nonEmpty });

export const threadContextSchema = threadRefSchema.extend({
  incidentId: nonEmpty,
  incidentKey: nonEmpty,
  runId: z.string().optional(),
  scenarioId: z.string().optional(),
  ownRoot: z.boolean(),
  savedAt: z.string(),
});

const episodeRefSchema = threadRefSchema.extend({ incidentId: nonEmpty, firedAt: z.string().optional() });

export const incidentIndexSchema = threadRefSchema.extend({
  incidentId: nonEmpty,
  firedAt: z.string().optional(),
  answeredAt: z.string().optional(),
  recoveredAt: z.string().optional(),
  lastFiredAt: z.string().optional(),
  previous: episodeRefSchema.optional(),
});

export const deliveryRecordSchema = z.object({
  key: nonEmpty,
  state: z.enum(['posting', 'posted']),
  channel: nonEmpty,
  threadTs: z.string().optional(),
  parts: z.array(z.string()),
  startedAtMs: z.number().finite(),
  owner: z.string(),
  updatedAtMs: z.number().finite(),
  unconfirmed: z.number().int().nonnegative().optional(),
});

export const followUpTurnSchema = z.object({
  id: z.string().optional(),
  question: z.string(),
  intent: z.string(),
  answer: z.string(),
  cites: z.array(z.string()),
  ts: z.string().optional(),
  at: z.string(),
});

const criticalPathStepSchema = z.object({
  service: z.string(),
  operation: z.string(),
  startOffsetMs: z.number(),
  durationMs: z.number(),
  exclusiveMs: z.number(),
  spanId: z.string(),
});

const timelineEntrySchema = z.object({
  id: nonEmpty,
  time: z.string(),
  service: z.string(),
  source: z.enum(['span', 'log', 'metric', 'error_issue']),
  kind: z.string(),
  summary: z.string(),
  score: z.number(),
  role: z.enum(['rootCause', 'propagation', 'bottleneck', 'symptom']).optional(),
  traceId: z.string().optional(),
  spanId: z.string().optional(),
  provider: z.string().optional(),
  link: z.string().optional(),
  operation: z.string().optional(),
  metric: z.string().optional(),
  example: z.string().optional(),
  measure: z
    .object({
      unit: z.enum(['count', 'share', 'ms', 'calls_per_request', 'value']),
      before: z.number().optional(),
      during: z.number(),
    })
    .optional(),
});

const storedReportSchema = z
  .object({
    verdict: z.enum(['confirmed', 'likely', 'inconclusive']),
    confidence: z.number(),
    rootCauseCandidates: z.array(
      z.object({
        service: z.string(),
        operation: z.string().optional(),
        score: z.number(),
        evidence: z.array(z.string()),
        features: z.record(z.string(), z.number()).optional(),
        reason: z.string().optional(),
      }),
    ),
    roles: z.object({
      rootCause: z.array(z.string()),
      propagation: z.array(z.string()),
      bottleneck: z.string().nullable(),
      symptom: z.string(),
    }),
    representativeTraceId: z.string().nullable(),
    baselineTraceId: z.string().nullable(),
    header: z.tuple([z.string(), z.string(), z.string()]),
    actions: z.array(z.string()),
    timeline: z.array(timelineEntrySchema),
    providerCalls: z.object({ total: z.number(), byProvider: z.record(z.string(), z.number()) }),
    strategy: z.enum(['trace-first', 'run-first', 'dimension-first']),
    durationMs: z.number(),
    criticalPath: z.array(criticalPathStepSchema).optional(),
    baselineCriticalPath: z.array(criticalPathStepSchema).optional(),
    serviceEdges: z.array(z.object({ caller: z.string(), callee: z.string() })).optional(),
  })
  .catchall(z.unknown());

export const incidentMemorySchema = z.object({
  teamId: nonEmpty,
  incidentId: nonEmpty,
  incidentKey: nonEmpty,
  version: z.number().int().positive(),
  thread: threadRefSchema,
  representativeTraceId: z.string().nullable(),
  header: z.tuple([z.string(), z.string(), z.string()]),
  confidence: z.number(),
  verdict: z.enum(['confirmed', 'likely', 'inconclusive']),
  actions: z.array(z.string()),
  keyEvidenceIds: z.array(z.string()),
  report: storedReportSchema,
  signal: incidentSignalSchema,
  savedAt: z.string(),
});

/** The kinds of stored record, as the `kind` label of flipturn_memory_invalid_records_total. */
export const RECORD_KINDS = ['thread', 'incident', 'incident_index', 'folded_alert', 'delivery', 'followup'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

// Compile-time checks (a drift fails `npm run typecheck`): what a schema gives back is assignable to the type the
// code uses, and the type has no field the schema would drop on read (z.object strips unknown keys).
type Exact<Parsed, T> = [Parsed] extends [T]
  ? [Exclude<keyof T, keyof Parsed>] extends [never]
    ? true
    : false
  : false;
const _schemasMatchTypes: readonly true[] = [
  true satisfies Exact<z.output<typeof threadContextSchema>, ThreadContext>,
  true satisfies Exact<z.output<typeof incidentIndexSchema>, IncidentThreadIndex>,
  true satisfies Exact<z.output<typeof deliveryRecordSchema>, DeliveryRecord>,
  true satisfies Exact<z.output<typeof followUpTurnSchema>, FollowUpTurn>,
  true satisfies Exact<z.output<typeof storedReportSchema>, RcaReport>,
  true satisfies Exact<z.output<typeof incidentMemorySchema>, IncidentMemory>,
];
