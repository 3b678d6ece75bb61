/**
 * UniversalIncidentSignal: what every alert source is normalized into at the trust gate, and the only alert
 * shape the worker, the correlation envelope and the engine know. Versioned; validated with zod on both sides
 * of the queue. A follow-up question in a Slack thread is a separate, smaller message (FollowUpSignal).
 */
import { z } from 'zod';

export const ALERT_SOURCES = ['datadog_webhook', 'slack_event', 'alertmanager', 'cli'] as const;

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info', 'unknown'] as const;
export const ALERT_STATES = ['triggered', 'retriggered', 'warn', 'recovered', 'no_data', 'unknown'] as const;

const isoInstant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/, 'must be an ISO-8601 UTC instant');

const slackThreadSchema = z.object({
  teamId: z.string().min(1).optional(),
  channel: z.string().min(1),
  /** The thread root: the alert message's ts when the alert came through Slack. */
  threadTs: z.string().min(1).optional(),
  messageTs: z.string().min(1).optional(),
});

export const correlationHintsSchema = z.object({
  traceIds: z.array(z.string()).default([]),
  spanIds: z.array(z.string()).default([]),
  requestIds: z.array(z.string()).default([]),
  correlationIds: z.array(z.string()).default([]),
  runIds: z.array(z.string()).default([]),
});

/** W3C trace context of the gate's enqueue span (Flipturn's own tracing): one alert is one trace across processes. */
const traceContextSchema = z.object({
  traceparent: z.string().regex(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, 'must be a W3C traceparent'),
});

export const incidentSignalSchema = z.object({
  schemaVersion: z.literal(1),
  kind: z.literal('alert'),
  source: z.enum(ALERT_SOURCES),
  /**
   * Stable key from the source's own ids (Datadog event id, Alertmanager fingerprint + startsAt, Slack event_id):
   * the same delivery retried yields the same key, so it is processed once.
   */
  idempotencyKey: z.string().min(1).max(512),
  /**
   * Groups deliveries of one incident (one monitor + group, one Alertmanager fingerprint): an alert storm on one
   * monitor coalesces into one investigation, and Recovered finds the thread of its Triggered.
   */
  incidentKey: z.string().min(1).max(512),
  state: z.enum(ALERT_STATES),
  title: z.string().max(2000),
  description: z.string().max(40_000),
  severity: z.enum(SEVERITIES),
  /** When the alert fired (the source's timestamp): the investigation's "now". */
  firedAt: isoInstant,
  receivedAt: isoInstant,
  /** Tags as key -> value ("service:search" -> service=search); bare tags map to "". */
  tags: z.record(z.string(), z.string()),
  service: z.string().min(1).optional(),
  env: z.string().min(1).optional(),
  /** The monitor's query / expression, when the source gave one. */
  query: z.string().max(4000).optional(),
  /** Observed value and threshold, when known. */
  value: z.number().optional(),
  threshold: z.number().optional(),
  /** Source-specific ids kept for links and dedup (event id, monitor id, fingerprint, Slack event id...). */
  sourceIds: z.record(z.string(), z.string()),
  links: z.array(z.object({ label: z.string(), url: z.string() })).default([]),
  hints: correlationHintsSchema,
  slack: slackThreadSchema.optional(),
  trace: traceContextSchema.optional(),
});

export type UniversalIncidentSignal = z.infer<typeof incidentSignalSchema>;
export type CorrelationHints = z.infer<typeof correlationHintsSchema>;

export const followUpSignalSchema = z.object({
  schemaVersion: z.literal(1),
  kind: z.literal('followup'),
  idempotencyKey: z.string().min(1).max(512),
  receivedAt: isoInstant,
  question: z.string().max(4000),
  user: z.string().optional(),
  slack: slackThreadSchema.extend({ threadTs: z.string().min(1) }),
  trace: traceContextSchema.optional(),
});

export type FollowUpSignal = z.infer<typeof followUpSignalSchema>;

/** The reply's buttons (action ids flipturn_<action> in Block Kit), and the feedback typed in the thread. */
export const INTERACTION_ACTIONS = [
  'details',
  'recheck',
  'feedback_correct',
  'feedback_wrong',
  'feedback_cause',
] as const;
export type InteractionAction = (typeof INTERACTION_ACTIONS)[number];

/**
 * A click on one of the reply's buttons (Slack block_actions, over the interactions route or Socket Mode), or the
 * real cause typed in the thread after "Wrong cause". Keyed by the click itself (team, channel, message, action,
 * action_ts): Slack's retry of one click maps to the same key, two clicks are two signals.
 */
export const interactionSignalSchema = z.object({
  schemaVersion: z.literal(1),
  kind: z.literal('interaction'),
  idempotencyKey: z.string().min(1).max(512),
  receivedAt: isoInstant,
  action: z.enum(INTERACTION_ACTIONS),
  /** The incident and version the button was rendered for. */
  incidentId: z.string().min(1).max(200).optional(),
  version: z.number().int().min(1).optional(),
  user: z.string().max(100).optional(),
  /** feedback_cause: "the real cause was ..." as typed. */
  text: z.string().max(4000).optional(),
  slack: slackThreadSchema.extend({ threadTs: z.string().min(1) }),
  trace: traceContextSchema.optional(),
});

export type InteractionSignal = z.infer<typeof interactionSignalSchema>;

export const queuedSignalSchema = z.discriminatedUnion('kind', [
  incidentSignalSchema,
  followUpSignalSchema,
  interactionSignalSchema,
]);
export type QueuedSignal = z.infer<typeof queuedSignalSchema>;
