import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildEnvelope } from '../../../src/correlation/envelope.js';
import {
  idKindOfKey,
  idsInText,
  normalizeSpanId,
  normalizeToken,
  normalizeTraceId,
} from '../../../src/correlation/ids.js';
import { weakTerms } from '../../../src/correlation/terms.js';
import { incidentSignalSchema, type UniversalIncidentSignal } from '../../../src/kernel/signal.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

function signal(over: Partial<UniversalIncidentSignal> = {}): UniversalIncidentSignal {
  return incidentSignalSchema.parse({
    schemaVersion: 1,
    kind: 'alert',
    source: 'datadog_webhook',
    idempotencyKey: 'k',
    incidentKey: 'i',
    state: 'triggered',
    title: '[Triggered on {env:prod,service:search}] High p90 latency on search',
    description: '',
    severity: 'high',
    firedAt: '2026-11-20T12:00:00Z',
    receivedAt: '2026-11-20T12:00:01Z',
    tags: {},
    sourceIds: {},
    links: [],
    hints: {},
    ...over,
  });
}

describe('id shapes', () => {
  it('accepts W3C and 64-bit trace ids, converts Datadog decimal ids, rejects the rest', () => {
    expect(normalizeTraceId(TRACE.toUpperCase())).toBe(TRACE);
    expect(normalizeTraceId('a3ce929d0e0e4736')).toBe('a3ce929d0e0e4736');
    expect(normalizeTraceId('1234567890123456789')).toBe(BigInt('1234567890123456789').toString(16).padStart(16, '0'));
    for (const bad of ['0'.repeat(32), 'xyz', `${TRACE}00`, '42', '99999999999999999999', '', ' '])
      expect(normalizeTraceId(bad)).toBeUndefined();
    expect(normalizeSpanId(SPAN)).toBe(SPAN);
    expect(normalizeSpanId(TRACE)).toBeUndefined();
  });

  it('takes tokens for request / run ids but not placeholders or junk', () => {
    expect(normalizeToken('123e4567-e89b-12d3-a456-426614174000')).toBe('123e4567-e89b-12d3-a456-426614174000');
    expect(normalizeToken('run-42')).toBe('run-42');
    for (const bad of ['none', 'NULL', 'n/a', '-', 'a b', '<script>', 'x'.repeat(200), ''])
      expect(normalizeToken(bad)).toBeUndefined();
  });

  it('knows id keys in their usual spellings', () => {
    expect(['trace_id', 'traceId', 'trace.id', 'dd.trace_id', 'X-B3-TraceId'].map(idKindOfKey)).toEqual([
      'trace',
      'trace',
      'trace',
      'trace',
      'trace',
    ]);
    expect(['x-request-id', 'request_id', 'correlation-id', 'run_id', 'span.id', 'service'].map(idKindOfKey)).toEqual([
      'request',
      'request',
      'correlation',
      'run',
      'span',
      undefined,
    ]);
  });

  it('finds labelled ids and traceparent values in text, and nothing in prose or bare hashes', () => {
    const found = idsInText(
      `Trace ID: ${TRACE}. traceparent 00-${TRACE}-${SPAN}-01; request_id="req-8841" run id is run-7`,
    );
    expect(found.map((f) => `${f.kind}=${f.value}`).sort()).toEqual([
      `request=req-8841`,
      `run=run-7`,
      `span=${SPAN}`,
      `trace=${TRACE}`,
      `trace=${TRACE}`,
    ]);
    expect(idsInText('the request id was missing and the trace id is unknown')).toEqual([]);
    expect(idsInText(`commit ${TRACE} deployed; container 0123456789abcdef0123`)).toEqual([]);
  });
});

describe('buildEnvelope', () => {
  it('collects exact ids from hints, tags, source ids, text and APM links, deduplicated and sorted', () => {
    const other = 'ffffffffffffffffffffffffffffff01';
    const env = buildEnvelope(
      signal({
        hints: { traceIds: [TRACE.toUpperCase()], spanIds: [], requestIds: [], correlationIds: ['corr-1'], runIds: [] },
        tags: { trace_id: TRACE, 'x-request-id': 'req-9' },
        description: `see trace_id=${other}`,
        links: [{ label: 'APM', url: `https://app.datadoghq.com/apm/trace/${TRACE}?spanID=1` }],
      }),
      { tracesAvailable: true },
    );
    expect(env.exact).toEqual({
      traceIds: [TRACE, other],
      spanIds: [],
      requestIds: ['req-9'],
      correlationIds: ['corr-1'],
      runIds: [],
    });
    expect(env.strategy).toBe('trace-first');
    expect(env.reason).toMatch(/^trace-first: 2 trace id\(s\) named by the alert \(hints, tags\.trace_id, text\)/);
  });

  it('chooses run-first for a run id, trace-first by availability, dimension-first otherwise', () => {
    expect(
      buildEnvelope(signal({ tags: { run_id: 'run-9', service: 'search' } }), { tracesAvailable: true }).strategy,
    ).toBe('run-first');
    const byService = buildEnvelope(signal({ service: 'search', env: 'prod' }), { tracesAvailable: true });
    expect(byService.strategy).toBe('trace-first');
    expect(byService.reason).toMatch(
      /symptom service is known.*service=search \(signal\.service\), env=prod \(signal\.env\)/,
    );
    expect(buildEnvelope(signal({ service: 'search' }), { tracesAvailable: false }).strategy).toBe('dimension-first');
    expect(buildEnvelope(signal(), { tracesAvailable: true }).strategy).toBe('dimension-first');
  });

  it('reads strong dimensions from the signal, then tags in a fixed key order', () => {
    const env = buildEnvelope(
      signal({
        tags: {
          'deployment.environment': 'staging',
          'cloud.region': 'eu-west-1',
          scenario_id: 'cache_poison_pill',
          app: 'search',
        },
      }),
      { tracesAvailable: false },
    );
    expect(env.strong).toEqual({
      service: 'search',
      env: 'staging',
      region: 'eu-west-1',
      scenarioId: 'cache_poison_pill',
    });
  });

  it('keeps weak terms without boilerplate, numbers, URLs, mentions or the strong dimensions', () => {
    const env = buildEnvelope(
      signal({
        service: 'search',
        env: 'prod',
        description:
          '%%%\n**p90:trace.request.duration** over **env:prod,service:search** was **> 0.5** during the **last 5m**. Value: 0.52\n@webhook-flipturn https://app.datadoghq.com/monitors/1 cache serialization',
      }),
      { tracesAvailable: true },
    );
    expect(env.weak).toEqual(['latency', 'trace.request.duration', 'cache', 'serialization']);
  });

  it('survives hostile text: control characters, bidi overrides, huge bodies, injection attempts', () => {
    const nasty = `\u0000\u202etrace_id=${TRACE}\u202c <img src=x onerror=alert(1)> '; DROP TABLE alerts;-- ${'A'.repeat(39_000)}`;
    const env = buildEnvelope(
      signal({ title: 'x\u0007y \u200bzero', description: nasty, tags: { service: 'bad\nname', env: ' prod ' } }),
      { tracesAvailable: true },
    );
    expect(env.exact.traceIds).toEqual([TRACE]);
    expect(env.strong).toEqual({ env: 'prod' });
    expect(env.strategy).toBe('trace-first');
    for (const t of env.weak) expect(t).toMatch(/^[\p{L}\p{N}._+-]+$/u);
    expect(env.weak.length).toBeLessThanOrEqual(12);
  });

  it('never throws and only yields valid shapes on arbitrary input (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        fc.string({ maxLength: 300 }),
        fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 40 })),
        (title, description, tags) => {
          const env = buildEnvelope(signal({ title, description, tags }), { tracesAvailable: true });
          for (const t of env.exact.traceIds) expect(t).toMatch(/^([0-9a-f]{32}|[0-9a-f]{16})$/);
          for (const s of env.exact.spanIds) expect(s).toMatch(/^[0-9a-f]{16}$/);
          expect([...env.exact.traceIds].sort()).toEqual(env.exact.traceIds);
          expect(env.weak.length).toBeLessThanOrEqual(12);
          // The same input gives the same envelope whatever the tag order.
          const reversed = Object.fromEntries(Object.entries(tags).reverse());
          expect(buildEnvelope(signal({ title, description, tags: reversed }), { tracesAvailable: true })).toEqual(env);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('weakTerms dedupes case-insensitively and keeps first-appearance order', () => {
    expect(weakTerms(['Checkout CHECKOUT payment', 'payment gateway'])).toEqual(['checkout', 'payment', 'gateway']);
  });
});
