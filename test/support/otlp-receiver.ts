/**
 * A local OTLP/HTTP trace receiver for tests: POST /v1/traces with OTLP/JSON bodies (OTEL_EXPORTER_OTLP_PROTOCOL
 * =http/json), bound to 127.0.0.1 on a free port; keeps every span with its resource attributes. Other content
 * types are answered 415 (and counted) so a test notices an exporter speaking another protocol.
 */
import { createServer, type Server } from 'node:http';

type AnyValue = {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
};
type KeyValue = { key: string; value: AnyValue };

export interface ReceivedSpan {
  readonly name: string;
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly resource: Readonly<Record<string, string>>;
  readonly scope: string;
}

export interface OtlpReceiver {
  /** The OTEL_EXPORTER_OTLP_ENDPOINT to give an exporter (…/v1/traces is appended by it). */
  readonly endpoint: string;
  readonly spans: ReceivedSpan[];
  /** Request bodies refused (not OTLP/JSON). */
  readonly refused: number;
  readonly contentTypes: string[];
  stop(): Promise<void>;
}

/** OTLP/JSON ids are hex; tolerate base64 too. */
function hex(id: string | undefined): string {
  if (!id) return '';
  return /^[0-9a-f]+$/.test(id) ? id : Buffer.from(id, 'base64').toString('hex');
}

function text(v: AnyValue): string {
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(text).join(' ');
  return String(v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue ?? '');
}

const attrs = (list: readonly KeyValue[] | undefined) =>
  Object.fromEntries((list ?? []).map((a) => [a.key, text(a.value)]));

interface TraceRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: Array<{
      scope?: { name?: string };
      spans?: Array<{
        name: string;
        kind?: number;
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        attributes?: KeyValue[];
      }>;
    }>;
  }>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  let refused = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const type = req.headers['content-type'] ?? '';
      contentTypes.push(type);
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !type.startsWith('application/json')) {
        refused += 1;
        res.writeHead(415).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as TraceRequest;
      for (const rs of body.resourceSpans ?? []) {
        const resource = attrs(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              name: s.name,
              kind: s.kind ?? 0,
              traceId: hex(s.traceId),
              spanId: hex(s.spanId),
              parentSpanId: hex(s.parentSpanId),
              attributes: attrs(s.attributes),
              resource,
              scope: ss.scope?.name ?? '',
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    get refused() {
      return refused;
    },
    contentTypes,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
