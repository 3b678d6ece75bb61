import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface FlatSpan {
  service: string;
  version: string;
  resourceAttrs: Record<string, unknown>;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  start: bigint;
  end: bigint;
  status: number;
  attrs: Record<string, unknown>;
  events: { name: string; attrs: Record<string, unknown> }[];
}

type Kv = { key: string; value: Record<string, unknown> };
const flat = (kvs: Kv[] | undefined): Record<string, unknown> =>
  Object.fromEntries((kvs ?? []).map((a) => [a.key, Object.values(a.value)[0]]));

export function readLines(dir: string, signal: string): string[] {
  const buf = readFileSync(join(dir, 'telemetry', `${signal}.jsonl.gz`));
  return gunzipSync(buf)
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

export function readSpans(dir: string): FlatSpan[] {
  const out: FlatSpan[] = [];
  for (const line of readLines(dir, 'traces')) {
    const req = JSON.parse(line) as {
      resourceSpans: { resource: { attributes: Kv[] }; scopeSpans: { spans: Record<string, unknown>[] }[] }[];
    };
    for (const rs of req.resourceSpans) {
      const r = flat(rs.resource.attributes);
      for (const ss of rs.scopeSpans) {
        for (const s of ss.spans) {
          out.push({
            service: String(r['service.name']),
            version: String(r['service.version']),
            resourceAttrs: r,
            traceId: s.traceId as string,
            spanId: s.spanId as string,
            parentSpanId: (s.parentSpanId as string | undefined) ?? '',
            name: s.name as string,
            kind: s.kind as number,
            start: BigInt(s.startTimeUnixNano as string),
            end: BigInt(s.endTimeUnixNano as string),
            status: (s.status as { code?: number } | undefined)?.code ?? 0,
            attrs: flat(s.attributes as Kv[]),
            events: ((s.events as { name: string; attributes?: Kv[] }[] | undefined) ?? []).map((e) => ({
              name: e.name,
              attrs: flat(e.attributes),
            })),
          });
        }
      }
    }
  }
  return out;
}
