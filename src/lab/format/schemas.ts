/**
 * zod schemas of the scenario format (docs: /work/shared/SCENARIO_FORMAT.md, version 1): scenario.json,
 * expected.json and the alert body of each source (Datadog webhook, Slack event_callback, Alertmanager v4).
 */
import { z } from 'zod';
import { labScenarioSchema } from '../spec.js';

const SCENARIO_ALERT_SOURCES = ['datadog_webhook', 'slack_event', 'alertmanager'] as const;

export const scenarioJsonSchema = z.object({
  formatVersion: z.literal(1),
  name: z.string().min(1),
  description: z.string().min(1),
  alertSource: z.enum(SCENARIO_ALERT_SOURCES),
  faultType: z.string().min(1),
  /** Which system / data source the incident comes from (e.g. nezha-ob, petshop); eval --cv holds each out in turn. */
  source: z.string().min(1).optional(),
  provenance: z.string().min(1),
  // A Flipturn lab recording carries the lab's spec (enough to record it again); a scenario converted from another
  // source may describe its own system here as free-form data.
  lab: z.union([labScenarioSchema, z.looseObject({ topology: z.undefined().optional() })]).optional(),
});

/** telemetry/topology.json: the service map when the source had one (callers and callees by service name). */
export const topologyJsonSchema = z.object({
  source: z.string().min(1),
  edges: z.array(z.object({ caller: z.string().min(1), callee: z.string().min(1) })),
});

export const expectedJsonSchema = z
  .object({
    rootCause: z.object({ service: z.string().min(1), operation: z.string().min(1).optional() }).optional(),
    propagation: z.array(z.string().min(1)).nullable().optional(),
    bottleneck: z.string().min(1).nullable().optional(),
    symptom: z.string().min(1),
    abstain: z.boolean(),
  })
  .refine((e) => e.abstain || e.rootCause !== undefined, {
    message: 'rootCause.service is required unless abstain is true',
    path: ['rootCause'],
  });

const msString = z.string().regex(/^\d{12,14}$/, 'must be a millisecond epoch string');

/** A Datadog Webhooks-integration delivery (real deliveries render $TAGS as a comma-separated string). */
export const datadogWebhookSchema = z.object({
  body: z.string(),
  title: z.string().min(1),
  date: msString,
  last_updated: msString.optional(),
  event_type: z.string().min(1),
  id: z.string().min(1),
  org: z.object({ id: z.string(), name: z.string() }).optional(),
  tags: z.string().optional(),
  scopes: z.string().optional(),
  alert_transition: z.string().optional(),
  alert_type: z.string().optional(),
  alert_query: z.string().optional(),
  severity: z.string().optional(),
  monitor_id: z.string().optional(),
  url: z.string().optional(),
});

/** A Slack Events API event_callback with a message event (e.g. the Datadog app's bot message). */
const slackEventSchema = z.object({
  type: z.literal('event_callback'),
  team_id: z.string().min(1),
  api_app_id: z.string().optional(),
  event_id: z.string().min(1),
  event_time: z.number().int(),
  event: z.object({
    type: z.literal('message'),
    subtype: z.string().optional(),
    text: z.string(),
    ts: z.string().regex(/^\d+\.\d+$/),
    channel: z.string().min(1),
    bot_id: z.string().optional(),
    attachments: z.array(z.record(z.string(), z.unknown())).optional(),
    blocks: z.array(z.record(z.string(), z.unknown())).optional(),
  }),
});

const isoOrZero = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, 'must be an RFC 3339 timestamp');

/** A Prometheus Alertmanager webhook, version 4. */
const alertmanagerSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().min(0).optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: z.record(z.string(), z.string()),
  commonLabels: z.record(z.string(), z.string()),
  commonAnnotations: z.record(z.string(), z.string()),
  externalURL: z.string(),
  alerts: z
    .array(
      z.object({
        status: z.enum(['firing', 'resolved']),
        labels: z.record(z.string(), z.string()),
        annotations: z.record(z.string(), z.string()),
        startsAt: isoOrZero,
        endsAt: isoOrZero,
        generatorURL: z.string(),
        fingerprint: z.string().optional(),
      }),
    )
    .min(1),
});

export const ALERT_SCHEMAS = {
  datadog_webhook: datadogWebhookSchema,
  slack_event: slackEventSchema,
  alertmanager: alertmanagerSchema,
} as const;
