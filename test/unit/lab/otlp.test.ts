import { describe, expect, it } from 'vitest';
import { JsonTraceSerializer, JsonMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { fixupOtlpJson } from '../../../src/lab/service/otlp-fixup.js';
import { checkOtlpLine } from '../../../src/lab/format/otlp.js';

const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

describe('OTLP/JSON fix-up of the otlp-transformer serializer output', () => {
  it('turns serializer output into format-conformant lines (int64 as strings, ns strings, int enums)', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'svc', 'process.pid': 42 }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const span = provider
      .getTracer('t')
      .startSpan('GET /x', { kind: SpanKind.SERVER, attributes: { 'http.response.status_code': 500 } });
    span.recordException(new Error('boom'));
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    await provider.forceFlush();
    const raw = JSON.parse(text(JsonTraceSerializer.serializeRequest(exporter.getFinishedSpans()))) as unknown;
    const fixed = fixupOtlpJson(raw, 0n) as {
      resourceSpans: {
        resource: { attributes: { key: string; value: Record<string, unknown> }[] };
        scopeSpans: { spans: Record<string, unknown>[] }[];
      }[];
    };
    const line = JSON.stringify(fixed);
    expect(checkOtlpLine('traces', line).problems).toEqual([]);
    const s = fixed.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    expect(s?.kind).toBe(2);
    expect(typeof s?.startTimeUnixNano).toBe('string');
    expect(s?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(fixed.resourceSpans[0]?.resource.attributes.find((a) => a.key === 'process.pid')?.value).toEqual({
      intValue: '42',
    });
    expect(line).toContain('"name":"exception"');
    await provider.shutdown();
  });

  it('shifts every timestamp by the clock skew', () => {
    const out = fixupOtlpJson(
      {
        a: { startTimeUnixNano: '1000000000', endTimeUnixNano: '2000000000', events: [{ timeUnixNano: '1500000000' }] },
      },
      45_000_000n,
    );
    expect(out).toEqual({
      a: { startTimeUnixNano: '1045000000', endTimeUnixNano: '2045000000', events: [{ timeUnixNano: '1545000000' }] },
    });
  });

  it('metric serializer output passes after fix-up (histogram counts as strings)', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const mp = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'svc' }), readers: [reader] });
    const h = mp.getMeter('m').createHistogram('lat', { unit: 's' });
    h.record(0.1);
    h.record(0.2);
    mp.getMeter('m').createCounter('c').add(3);
    await mp.forceFlush();
    const rm = exporter.getMetrics()[0];
    expect(rm).toBeDefined();
    const line = JSON.stringify(fixupOtlpJson(JSON.parse(text(JsonMetricsSerializer.serializeRequest(rm!))), 0n));
    expect(checkOtlpLine('metrics', line).problems).toEqual([]);
    expect(line).toMatch(/"count":"2"/);
    await mp.shutdown();
  });
});

describe('checkOtlpLine', () => {
  const good = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'a' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: '0af7651916cd43dd8448eb211c80319c',
                spanId: 'b7ad6b7169203331',
                name: 'x',
                kind: 2,
                startTimeUnixNano: '1',
                endTimeUnixNano: '2',
                status: { code: 2 },
              },
            ],
          },
        ],
      },
    ],
  };

  it('accepts a valid line and counts its items and services', () => {
    const r = checkOtlpLine('traces', JSON.stringify(good));
    expect(r).toEqual({ problems: [], services: ['a'], items: 1 });
  });

  it('reports base64 ids, numeric times, string enums and a missing service.name', () => {
    const bad = structuredClone(good) as unknown as {
      resourceSpans: { resource: { attributes: unknown[] }; scopeSpans: { spans: Record<string, unknown>[] }[] }[];
    };
    const span = bad.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    span.traceId = 'CvdlGRbNQ92ESOshHIAxnA==';
    span.startTimeUnixNano = 1;
    span.kind = 'SPAN_KIND_SERVER';
    bad.resourceSpans[0]!.resource.attributes = [];
    const problems = checkOtlpLine('traces', JSON.stringify(bad)).problems.join('\n');
    expect(problems).toContain('traceId must be 32');
    expect(problems).toContain('decimal nanosecond strings');
    expect(problems).toContain('kind must be an integer');
    expect(problems).toContain('no service.name');
  });

  it('rejects a line of the wrong signal and non-JSON', () => {
    expect(checkOtlpLine('logs', JSON.stringify(good)).problems[0]).toContain('no resourceLogs');
    expect(checkOtlpLine('traces', '{oops').problems[0]).toContain('not valid JSON');
  });
});
