/**
 * Shared result types of the alert normalizers. A normalizer is pure: it takes the parsed body and a Clock and
 * returns data (signals, an "ignored" verdict with its reason, or a rejection naming the offending path). It never
 * throws for bad input.
 */
import type { z } from 'zod';
import {
  followUpSignalSchema,
  incidentSignalSchema,
  type FollowUpSignal,
  type InteractionSignal,
  type UniversalIncidentSignal,
} from '../../kernel/signal.js';
import { surelyValidAlert, surelyValidFollowUp } from '../../kernel/signal-guard.js';

export type NormalizeSource = 'datadog_webhook' | 'slack_event' | 'alertmanager' | 'slack_interaction';

/** Why a well-formed body produced no signal. Stable strings: the gate counts them in a metric label. */
export const IGNORE_REASONS = [
  'url_verification',
  'not_event_callback',
  'unsupported_event_type',
  'unsupported_subtype',
  'own_message',
  'bot_thread_reply',
  'not_an_alert',
  'no_bot_mention',
  'empty_message',
  'no_alerts',
  'not_block_actions',
  'not_our_action',
] as const;
export type IgnoreReason = (typeof IGNORE_REASONS)[number];

export interface NormalizeRejection {
  /**
   * Stable machine code: the body is not JSON of the expected shape, or a field has an unusable value (400); or a
   * field is over its bound (./limits.ts: too many or too long tags, labels or alerts) (413).
   */
  readonly code: 'FT_INGRESS_BODY_INVALID' | 'FT_INGRESS_FIELD_TOO_LARGE';
  readonly message: string;
  /** Where in the body, as `alerts[0].startsAt`; '' for the body itself. */
  readonly path: string;
}

export type NormalizeResult =
  | {
      readonly ok: true;
      /** Alerts, validated with incidentSignalSchema, in the order of the body. */
      readonly signals: readonly UniversalIncidentSignal[];
      /** Follow-up questions asked in an alert thread (Slack only), validated with followUpSignalSchema. */
      readonly followUps: readonly FollowUpSignal[];
      /** Clicks on the reply's buttons (Slack interactions only), validated with interactionSignalSchema. */
      readonly interactions?: readonly InteractionSignal[];
      /** Present when nothing was produced on purpose. */
      readonly ignored?: { readonly reason: IgnoreReason; readonly detail: string };
    }
  | { readonly ok: false; readonly rejection: NormalizeRejection };

export interface NormalizeOptions {
  /** Slack: our own bot's user id (U...) so its messages are ignored and mentions of it are stripped. */
  readonly botUserId?: string;
  /** Slack: our own bot id (B...) so its messages are ignored. */
  readonly botId?: string;
}

export function reject(path: string, message: string): NormalizeResult {
  return { ok: false, rejection: { code: 'FT_INGRESS_BODY_INVALID', message, path } };
}

export function tooLarge(path: string, message: string): NormalizeResult {
  return { ok: false, rejection: { code: 'FT_INGRESS_FIELD_TOO_LARGE', message, path } };
}

export function ignored(reason: IgnoreReason, detail: string): NormalizeResult {
  return { ok: true, signals: [], followUps: [], ignored: { reason, detail } };
}

export function formatPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

function firstIssuePath(error: z.ZodError, prefix: string): { path: string; message: string } {
  const issue = error.issues[0];
  if (!issue) return { path: prefix, message: 'invalid' };
  return { path: formatPath(issue.path, prefix), message: issue.message };
}

/**
 * Validates built signals; a failure is reported as a rejection on the produced field (a value we could not use).
 * A signal the fast guard (src/kernel/signal-guard.ts) vouches for is returned as built (zod would return an equal copy);
 * anything else goes through zod, which gives the result, or the rejection's path and message.
 */
export function finalize(alerts: readonly unknown[], followUps: readonly unknown[] = []): NormalizeResult {
  const signals: UniversalIncidentSignal[] = [];
  const fus: FollowUpSignal[] = [];
  for (const [i, a] of alerts.entries()) {
    if (surelyValidAlert(a)) {
      signals.push(a as UniversalIncidentSignal);
      continue;
    }
    const r = incidentSignalSchema.safeParse(a);
    if (!r.success) {
      const p = firstIssuePath(r.error, `signal[${i}]`);
      return reject(p.path, `normalized signal is invalid: ${p.message}`);
    }
    signals.push(r.data);
  }
  for (const [i, f] of followUps.entries()) {
    if (surelyValidFollowUp(f)) {
      fus.push(f as FollowUpSignal);
      continue;
    }
    const r = followUpSignalSchema.safeParse(f);
    if (!r.success) {
      const p = firstIssuePath(r.error, `followUp[${i}]`);
      return reject(p.path, `normalized follow-up is invalid: ${p.message}`);
    }
    fus.push(r.data);
  }
  return { ok: true, signals, followUps: fus };
}
