/**
 * Prometheus Alertmanager webhook (version 4) -> one UniversalIncidentSignal per alert in `alerts[]`, in body
 * order. A firing alert is 'triggered'; a resolved one is 'recovered' (an update of the incident with the same
 * fingerprint).
 *
 * Labels (alert labels over commonLabels) become tags. Service: the first non-empty label of
 * service, service_name, job, app, app_kubernetes_io_name, container (in that order). Env: env, environment,
 * namespace. Severity: the `severity` label (critical, high/error, warning, info...). Title: annotations.summary,
 * else alertname. Description: annotations.description, else message.
 * idempotencyKey = alertmanager:{fingerprint}:{startsAt}:{status}; incidentKey = alertmanager:{fingerprint}.
 */
import type { Clock } from '../../kernel/clock.js';
import type { Severity } from './datadog-common.js';
import { labelsWithinBounds, NORMALIZE_LIMITS } from './limits.js';
import { finalize, reject, tooLarge, type NormalizeResult } from './types.js';
import {
  extractHints,
  extractThreshold,
  extractValue,
  isObject,
  receivedIso,
  str,
  truncate,
  type Json,
} from './text.js';

export const ALERTMANAGER_SERVICE_LABELS = [
  'service',
  'service_name',
  'job',
  'app',
  'app_kubernetes_io_name',
  'container',
] as const;
export const ALERTMANAGER_ENV_LABELS = ['env', 'environment', 'namespace'] as const;

const ZERO_TIME = /^0001-01-01T00:00:00/;

export function normalizeAlertmanager(body: unknown, clock: Clock): NormalizeResult {
  if (!isObject(body)) return reject('', 'an Alertmanager webhook body must be a JSON object');
  if (body.version !== undefined && body.version !== '4')
    return reject('version', `unsupported webhook version ${JSON.stringify(body.version)} (expected "4")`);
  if (!Array.isArray(body.alerts)) return reject('alerts', 'must be an array of alerts');
  if (body.alerts.length > NORMALIZE_LIMITS.maxAlerts)
    return tooLarge(
      'alerts',
      `has ${body.alerts.length} alerts; at most ${NORMALIZE_LIMITS.maxAlerts} per delivery are accepted (lower max_alerts or group_by in Alertmanager)`,
    );
  const common = stringMap(body.commonLabels);
  const commonAnnotations = stringMap(body.commonAnnotations);
  if (common === undefined) return reject('commonLabels', 'must be an object of strings');
  if (commonAnnotations === undefined) return reject('commonAnnotations', 'must be an object of strings');
  const commonTooLarge = labelsWithinBounds(common);
  if (commonTooLarge !== undefined) return tooLarge('commonLabels', commonTooLarge);
  const receivedAt = receivedIso(clock.nowNanos());
  const signals: unknown[] = [];
  for (const [i, a] of body.alerts.entries()) {
    const built = buildAlert(a, i, { body, common, commonAnnotations, receivedAt });
    if ('rejection' in built)
      return built.rejection.tooLarge
        ? tooLarge(built.rejection.path, built.rejection.message)
        : reject(built.rejection.path, built.rejection.message);
    signals.push(built.signal);
  }
  return finalize(signals);
}

interface Ctx {
  readonly body: Json;
  readonly common: Record<string, string>;
  readonly commonAnnotations: Record<string, string>;
  readonly receivedAt: string;
}

function buildAlert(
  a: unknown,
  i: number,
  ctx: Ctx,
): { signal: unknown } | { rejection: { path: string; message: string; tooLarge?: boolean } } {
  const at = (field: string) => `alerts[${i}]${field === '' ? '' : `.${field}`}`;
  if (!isObject(a)) return { rejection: { path: at(''), message: 'must be an object' } };
  const labelsOwn = stringMap(a.labels);
  const annotationsOwn = stringMap(a.annotations);
  if (labelsOwn === undefined) return { rejection: { path: at('labels'), message: 'must be an object of strings' } };
  if (annotationsOwn === undefined)
    return { rejection: { path: at('annotations'), message: 'must be an object of strings' } };
  const labels = sortKeys({ ...ctx.common, ...labelsOwn });
  const labelsOver = labelsWithinBounds(labels);
  if (labelsOver !== undefined) return { rejection: { path: at('labels'), message: labelsOver, tooLarge: true } };
  const annotationsOver = labelsWithinBounds(annotationsOwn, 'annotations');
  if (annotationsOver !== undefined)
    return { rejection: { path: at('annotations'), message: annotationsOver, tooLarge: true } };
  const annotations = { ...ctx.commonAnnotations, ...annotationsOwn };
  const status = str(a.status) ?? str(ctx.body.status);
  if (status !== 'firing' && status !== 'resolved')
    return { rejection: { path: at('status'), message: 'must be "firing" or "resolved"' } };
  const startsAt = str(a.startsAt);
  const firedMs = startsAt === undefined ? Number.NaN : Date.parse(startsAt);
  if (startsAt === undefined || Number.isNaN(firedMs) || ZERO_TIME.test(startsAt)) {
    return { rejection: { path: at('startsAt'), message: 'must be an RFC 3339 instant' } };
  }
  const fingerprint = str(a.fingerprint);
  if (fingerprint === undefined)
    return { rejection: { path: at('fingerprint'), message: 'is required (Alertmanager >= 0.19 sends it)' } };
  const firstOf = (keys: readonly string[]) => keys.map((k) => labels[k]).find((v) => v !== undefined && v !== '');
  const service = firstOf(ALERTMANAGER_SERVICE_LABELS);
  const env = firstOf(ALERTMANAGER_ENV_LABELS);
  const alertname = labels.alertname ?? 'alert';
  const title = annotations.summary ?? annotations.title ?? alertname;
  const description = annotations.description ?? annotations.message ?? '';
  const query = annotations.query ?? annotations.expr;
  const generatorURL = str(a.generatorURL);
  const links = [
    ...(generatorURL ? [{ label: 'Prometheus graph', url: generatorURL }] : []),
    ...(annotations.runbook_url ? [{ label: 'Runbook', url: annotations.runbook_url }] : []),
    ...(annotations.dashboard_url ? [{ label: 'Dashboard', url: annotations.dashboard_url }] : []),
    ...(str(ctx.body.externalURL) ? [{ label: 'Alertmanager', url: str(ctx.body.externalURL) ?? '' }] : []),
  ];
  const sourceIds: Record<string, string> = { fingerprint, alertname };
  const groupKey = str(ctx.body.groupKey);
  if (groupKey !== undefined) sourceIds.groupKey = groupKey;
  const receiver = str(ctx.body.receiver);
  if (receiver !== undefined) sourceIds.receiver = receiver;
  const valueText = `${annotations.value ?? ''}\n${description}`;
  const value =
    annotations.value !== undefined && Number.isFinite(Number(annotations.value))
      ? Number(annotations.value)
      : extractValue(valueText);
  const threshold =
    annotations.threshold !== undefined && Number.isFinite(Number(annotations.threshold))
      ? Number(annotations.threshold)
      : extractThreshold(description, query);
  const signal = {
    schemaVersion: 1,
    kind: 'alert',
    source: 'alertmanager',
    idempotencyKey: truncate(`alertmanager:${fingerprint}:${new Date(firedMs).toISOString()}:${status}`, 512),
    incidentKey: truncate(`alertmanager:${fingerprint}`, 512),
    state: status === 'firing' ? 'triggered' : 'recovered',
    title: truncate(title, 2000),
    description: truncate(description, 40_000),
    severity: severityLabel(labels.severity ?? labels.priority),
    firedAt: new Date(firedMs).toISOString(),
    receivedAt: ctx.receivedAt,
    tags: labels,
    ...(service ? { service } : {}),
    ...(env ? { env } : {}),
    ...(query ? { query: truncate(query, 4000) } : {}),
    ...(value !== undefined ? { value } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    sourceIds,
    links,
    hints: extractHints([description, title, ...Object.values(annotations)], labels),
  };
  return { signal };
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') return undefined;
    out[k] = x;
  }
  return out;
}

function sortKeys(m: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k] ?? '';
  return out;
}

export function severityLabel(s: string | undefined): Severity {
  switch ((s ?? '').toLowerCase()) {
    case 'critical':
    case 'crit':
    case 'page':
    case 'p1':
    case 'sev1':
      return 'critical';
    case 'high':
    case 'error':
    case 'major':
    case 'p2':
    case 'sev2':
      return 'high';
    case 'warning':
    case 'warn':
    case 'medium':
    case 'p3':
    case 'sev3':
      return 'medium';
    case 'low':
    case 'minor':
    case 'p4':
      return 'low';
    case 'info':
    case 'informational':
    case 'none':
    case 'p5':
      return 'info';
    default:
      return 'unknown';
  }
}
