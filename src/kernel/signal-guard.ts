/**
 * A fast, conservative stand-in for incidentSignalSchema / followUpSignalSchema.safeParse. It answers "zod would
 * accept this value and return a copy equal to it, key order included" or "not sure"; on "not sure" the caller
 * runs zod, so every rejection (its path and message) comes from zod. Two callers, both on the gate's hot path:
 * the normalizers' finalize() (where a value the sender gave that the schema cannot take, an instant past year
 * 9999 or a number that overflows to Infinity, becomes a 400 naming the field) and the queue's encodeSignal()
 * (src/queue/port.ts: the storage boundary every producer passes, so nothing invalid is ever stored). zod was the
 * largest single cost of both after the text scans; this check is a few microseconds.
 *
 * Drift: the checks below mirror src/kernel/signal.ts. If the schema's keys change, the fast path turns itself off
 * (every key of the schema must have a check here and the reverse); a test compares this guard with zod on every
 * fixture and on generated signals. A check stricter than zod only costs speed; a looser one would let a value
 * zod refuses into the stream.
 */
import { ALERT_SOURCES, ALERT_STATES, SEVERITIES, followUpSignalSchema, incidentSignalSchema } from './signal.js';

type Check = (v: unknown) => boolean;

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
const text =
  (min: number, max: number): Check =>
  (v) =>
    typeof v === 'string' && v.length >= min && v.length <= max;
const anyText: Check = (v) => typeof v === 'string';
const oneOf = (values: readonly string[]): Check => {
  const set = new Set(values);
  return (v) => typeof v === 'string' && set.has(v);
};
const instant: Check = (v) => typeof v === 'string' && ISO_INSTANT.test(v);
const finite: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const stringRecord: Check = (v) => {
  if (!isPlain(v)) return false;
  for (const k in v) if (k === '__proto__' || typeof v[k] !== 'string') return false;
  return true;
};
const stringArray: Check = (v) => {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false;
  return true;
};
const linkList: Check = (v) =>
  Array.isArray(v) && v.every((l) => object({ label: anyText, url: anyText }, ['label', 'url'])(l));

/**
 * An object whose keys all have a check, appear in the schema's order (zod writes its output in that order) and
 * whose required keys are present; no undefined values (zod's treatment of a present-but-undefined key differs).
 */
function object(checks: Readonly<Record<string, Check>>, required: readonly string[]): Check {
  const keys = new Map(
    Object.entries(checks).map(([k, check], at) => [k, { at, check, required: required.includes(k) }]),
  );
  return (v) => {
    if (!isPlain(v)) return false;
    let last = -1;
    let seen = 0;
    for (const k in v) {
      const key = keys.get(k);
      const value = v[k];
      if (key === undefined || key.at <= last || value === undefined || !key.check(value)) return false;
      last = key.at;
      if (key.required) seen++;
    }
    return seen === required.length;
  };
}

const slackChecks = {
  teamId: text(1, Infinity),
  channel: text(1, Infinity),
  threadTs: text(1, Infinity),
  messageTs: text(1, Infinity),
};
const traceCheck = object({ traceparent: (v) => typeof v === 'string' && TRACEPARENT.test(v) }, ['traceparent']);
const hintsCheck = object(
  {
    traceIds: stringArray,
    spanIds: stringArray,
    requestIds: stringArray,
    correlationIds: stringArray,
    runIds: stringArray,
  },
  ['traceIds', 'spanIds', 'requestIds', 'correlationIds', 'runIds'],
);

const ALERT_CHECKS: Readonly<Record<string, Check>> = {
  schemaVersion: (v) => v === 1,
  kind: (v) => v === 'alert',
  source: oneOf(ALERT_SOURCES),
  idempotencyKey: text(1, 512),
  incidentKey: text(1, 512),
  state: oneOf(ALERT_STATES),
  title: text(0, 2000),
  description: text(0, 40_000),
  severity: oneOf(SEVERITIES),
  firedAt: instant,
  receivedAt: instant,
  tags: stringRecord,
  service: text(1, Infinity),
  env: text(1, Infinity),
  query: text(0, 4000),
  value: finite,
  threshold: finite,
  sourceIds: stringRecord,
  links: linkList,
  hints: hintsCheck,
  slack: object(slackChecks, ['channel']),
  trace: traceCheck,
};
const ALERT_REQUIRED = [
  'schemaVersion',
  'kind',
  'source',
  'idempotencyKey',
  'incidentKey',
  'state',
  'title',
  'description',
  'severity',
  'firedAt',
  'receivedAt',
  'tags',
  'sourceIds',
  'links',
  'hints',
];

const FOLLOWUP_CHECKS: Readonly<Record<string, Check>> = {
  schemaVersion: (v) => v === 1,
  kind: (v) => v === 'followup',
  idempotencyKey: text(1, 512),
  receivedAt: instant,
  question: text(0, 4000),
  user: anyText,
  slack: object(slackChecks, ['channel', 'threadTs']),
  trace: traceCheck,
};
const FOLLOWUP_REQUIRED = ['schemaVersion', 'kind', 'idempotencyKey', 'receivedAt', 'question', 'slack'];

/** The fast path is on only while this file knows exactly the schema's keys, in the schema's order. */
function sameKeys(checks: Readonly<Record<string, Check>>, shape: Readonly<Record<string, unknown>>): boolean {
  return Object.keys(checks).join(',') === Object.keys(shape).join(',');
}

const alertGuard: Check | undefined = sameKeys(ALERT_CHECKS, incidentSignalSchema.shape)
  ? object(ALERT_CHECKS, ALERT_REQUIRED)
  : undefined;
const followUpGuard: Check | undefined = sameKeys(FOLLOWUP_CHECKS, followUpSignalSchema.shape)
  ? object(FOLLOWUP_CHECKS, FOLLOWUP_REQUIRED)
  : undefined;

/** True only when incidentSignalSchema.safeParse(v) would succeed with data equal to v (same key order). */
export function surelyValidAlert(v: unknown): boolean {
  return alertGuard !== undefined && alertGuard(v);
}

/** True only when followUpSignalSchema.safeParse(v) would succeed with data equal to v (same key order). */
export function surelyValidFollowUp(v: unknown): boolean {
  return followUpGuard !== undefined && followUpGuard(v);
}
