/**
 * Checks one OTLP/JSON export request line against the scenario format: lowerCamelCase envelope of the file's
 * signal, service.name on every resource, hex ids of the right length, times as decimal nanosecond strings,
 * enums as integers, 64-bit integers as decimal strings or integers. Pure: returns problem messages.
 */
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);
const DEC = /^\d+$/;
const HEX = (n: number) => new RegExp(`^[0-9a-f]{${n}}$`);
const TRACE_ID = HEX(32);
const SPAN_ID = HEX(16);

export type OtlpSignal = 'traces' | 'logs' | 'metrics';

const ENVELOPE: Record<OtlpSignal, { top: string; scopes: string; items: string }> = {
  traces: { top: 'resourceSpans', scopes: 'scopeSpans', items: 'spans' },
  logs: { top: 'resourceLogs', scopes: 'scopeLogs', items: 'logRecords' },
  metrics: { top: 'resourceMetrics', scopes: 'scopeMetrics', items: 'metrics' },
};

function timeOk(v: unknown, required: boolean): boolean {
  if (v === undefined) return !required;
  return typeof v === 'string' && DEC.test(v);
}

function intEnum(v: unknown, min: number, max: number): boolean {
  return v === undefined || (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max);
}

function int64Ok(v: unknown): boolean {
  return (typeof v === 'string' && /^-?\d+$/.test(v)) || (typeof v === 'number' && Number.isInteger(v));
}

function anyValueOk(v: unknown): boolean {
  if (!isObj(v)) return false;
  const keys = Object.keys(v);
  if (keys.length === 0) return true;
  if ('intValue' in v) return int64Ok(v.intValue);
  return keys.some((k) =>
    ['stringValue', 'boolValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'].includes(k),
  );
}

function attrsProblems(attrs: unknown, where: string, out: string[]): void {
  if (attrs === undefined) return;
  if (!Array.isArray(attrs)) return void out.push(`${where}: attributes must be an array of {key, value}`);
  for (const a of attrs as unknown[]) {
    if (!isObj(a) || typeof a.key !== 'string') out.push(`${where}: attribute without a string key`);
    else if (a.value !== undefined && !anyValueOk(a.value))
      out.push(`${where}: attribute ${a.key} has an invalid AnyValue`);
  }
}

function spanProblems(s: Obj, where: string, out: string[]): void {
  if (typeof s.traceId !== 'string' || !TRACE_ID.test(s.traceId))
    out.push(`${where}: traceId must be 32 lowercase hex characters`);
  if (typeof s.spanId !== 'string' || !SPAN_ID.test(s.spanId))
    out.push(`${where}: spanId must be 16 lowercase hex characters`);
  if (
    s.parentSpanId !== undefined &&
    s.parentSpanId !== '' &&
    (typeof s.parentSpanId !== 'string' || !SPAN_ID.test(s.parentSpanId))
  )
    out.push(`${where}: parentSpanId must be empty or 16 hex characters`);
  if (typeof s.name !== 'string') out.push(`${where}: name must be a string`);
  if (!timeOk(s.startTimeUnixNano, true) || !timeOk(s.endTimeUnixNano, true))
    out.push(`${where}: startTimeUnixNano/endTimeUnixNano must be decimal nanosecond strings`);
  else if (BigInt(s.endTimeUnixNano as string) < BigInt(s.startTimeUnixNano as string))
    out.push(`${where}: span ends before it starts`);
  if (!intEnum(s.kind, 0, 5)) out.push(`${where}: kind must be an integer 0-5`);
  if (s.status !== undefined && (!isObj(s.status) || !intEnum(s.status.code, 0, 2)))
    out.push(`${where}: status.code must be an integer 0-2`);
  attrsProblems(s.attributes, where, out);
  arr(s.events).forEach((e, i) => {
    if (!isObj(e) || !timeOk(e.timeUnixNano, true))
      out.push(`${where} event ${i}: timeUnixNano must be a decimal nanosecond string`);
  });
}

function logProblems(r: Obj, where: string, out: string[]): void {
  if (!timeOk(r.timeUnixNano, false) || !timeOk(r.observedTimeUnixNano, false))
    out.push(`${where}: timeUnixNano/observedTimeUnixNano must be decimal nanosecond strings`);
  if (r.timeUnixNano === undefined && r.observedTimeUnixNano === undefined)
    out.push(`${where}: log record without a time`);
  if (!intEnum(r.severityNumber, 0, 24)) out.push(`${where}: severityNumber must be an integer 0-24`);
  if (r.traceId !== undefined && r.traceId !== '' && (typeof r.traceId !== 'string' || !TRACE_ID.test(r.traceId)))
    out.push(`${where}: traceId must be empty or 32 hex characters`);
  if (r.spanId !== undefined && r.spanId !== '' && (typeof r.spanId !== 'string' || !SPAN_ID.test(r.spanId)))
    out.push(`${where}: spanId must be empty or 16 hex characters`);
  attrsProblems(r.attributes, where, out);
}

function metricProblems(m: Obj, where: string, out: string[]): void {
  if (typeof m.name !== 'string' || m.name === '') out.push(`${where}: metric without a name`);
  const kind = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'].find((k) => isObj(m[k]));
  if (!kind)
    return void out.push(`${where}: metric ${String(m.name)} has no gauge/sum/histogram/exponentialHistogram/summary`);
  const data = m[kind] as Obj;
  if (!intEnum(data.aggregationTemporality, 0, 2)) out.push(`${where}: aggregationTemporality must be an integer 0-2`);
  arr(data.dataPoints).forEach((p, i) => {
    const w = `${where} point ${i}`;
    if (!isObj(p)) return void out.push(`${w}: not an object`);
    if (!timeOk(p.timeUnixNano, true) || !timeOk(p.startTimeUnixNano, false))
      out.push(`${w}: timeUnixNano must be a decimal nanosecond string`);
    if (p.asInt !== undefined && !int64Ok(p.asInt)) out.push(`${w}: asInt must be a decimal string or integer`);
    if (p.count !== undefined && !int64Ok(p.count)) out.push(`${w}: count must be a decimal string or integer`);
    if (p.bucketCounts !== undefined && !arr(p.bucketCounts).every(int64Ok))
      out.push(`${w}: bucketCounts must be decimal strings or integers`);
    attrsProblems(p.attributes, w, out);
  });
}

export interface LineCheck {
  readonly problems: string[];
  readonly services: string[];
  readonly items: number;
}

export function checkOtlpLine(signal: OtlpSignal, line: string): LineCheck {
  const out: string[] = [];
  const services: string[] = [];
  let items = 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (e) {
    return { problems: [`not valid JSON (${e instanceof Error ? e.message : 'parse error'})`], services, items };
  }
  const env = ENVELOPE[signal];
  if (!isObj(parsed) || !Array.isArray(parsed[env.top]))
    return { problems: [`not an OTLP/JSON ${signal} export request: no ${env.top} array`], services, items };
  arr(parsed[env.top]).forEach((rs, ri) => {
    if (!isObj(rs)) return void out.push(`${env.top}[${ri}]: not an object`);
    const attrs = isObj(rs.resource) ? arr(rs.resource.attributes) : [];
    attrsProblems(isObj(rs.resource) ? rs.resource.attributes : undefined, `${env.top}[${ri}].resource`, out);
    const svc = attrs.find((a) => isObj(a) && a.key === 'service.name');
    const name = isObj(svc) && isObj(svc.value) ? svc.value.stringValue : undefined;
    if (typeof name !== 'string' || name === '')
      out.push(`${env.top}[${ri}]: resource has no service.name string attribute`);
    else services.push(name);
    arr(rs[env.scopes]).forEach((ss, si) => {
      if (!isObj(ss)) return void out.push(`${env.top}[${ri}].${env.scopes}[${si}]: not an object`);
      arr(ss[env.items]).forEach((it, ii) => {
        items += 1;
        const where = `${env.top}[${ri}].${env.scopes}[${si}].${env.items}[${ii}]`;
        if (!isObj(it)) return void out.push(`${where}: not an object`);
        if (signal === 'traces') spanProblems(it, where, out);
        else if (signal === 'logs') logProblems(it, where, out);
        else metricProblems(it, where, out);
      });
    });
  });
  return { problems: out, services, items };
}
