/**
 * The gate's spans (Flipturn's own tracing, no-ops when it is off): one `flipturn.gate.request` per accepted
 * webhook with a `flipturn.gate.enqueue` child per signal. Each signal carries its enqueue span's traceparent
 * through the queue, so the worker's spans of that alert join the same trace.
 */
import { SpanStatusCode, context, trace, type Span } from '@opentelemetry/api';
import type { QueuedSignal } from '../kernel/signal.js';
import { flipturnTracer, keyHash, traceparentOf } from '../observability/trace-context.js';

export interface EnqueueSpans {
  /** Ends the spans: `queued` lists the idempotency keys stored; undefined when the queue failed. */
  end(queued: readonly { readonly idempotencyKey: string }[] | undefined): void;
}

/** Starts the spans and writes each enqueue span's traceparent into its signal (in place). */
export function startEnqueueSpans(source: string, signals: QueuedSignal[]): EnqueueSpans {
  const tracer = flipturnTracer();
  const request = tracer.startSpan('flipturn.gate.request', {
    attributes: { 'flipturn.source': source, 'flipturn.signals': signals.length },
  });
  const parent = trace.setSpan(context.active(), request);
  const spans: Array<{ key: string; span: Span }> = [];
  for (const [i, s] of signals.entries()) {
    const span = tracer.startSpan(
      'flipturn.gate.enqueue',
      { attributes: { 'flipturn.source': source, 'flipturn.kind': s.kind } },
      parent,
    );
    // The key hashes (two SHA-256 per signal) only for a span that records them: tracing off costs nothing here.
    if (span.isRecording()) {
      span.setAttribute('flipturn.idempotency_key_hash', keyHash(s.idempotencyKey));
      if (s.kind === 'alert') span.setAttribute('flipturn.incident_key_hash', keyHash(s.incidentKey));
    }
    const traceparent = traceparentOf(span);
    if (traceparent) signals[i] = { ...s, trace: { traceparent } };
    spans.push({ key: s.idempotencyKey, span });
  }
  return {
    end(queued) {
      const stored = new Set((queued ?? []).map((q) => q.idempotencyKey));
      for (const { key, span } of spans) {
        if (queued === undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: 'FT_QUEUE_UNAVAILABLE' });
        span.setAttribute(
          'flipturn.enqueue.outcome',
          queued === undefined ? 'unavailable' : stored.has(key) ? 'queued' : 'duplicate',
        );
        span.end();
      }
      if (queued === undefined) request.setStatus({ code: SpanStatusCode.ERROR, message: 'FT_QUEUE_UNAVAILABLE' });
      request.end();
    },
  };
}

/** Ids of the signals of one delivery for the gate's log line (incident keys of alerts, every idempotency key). */
export function signalLogIds(signals: readonly QueuedSignal[]): {
  idempotencyKeys: string[];
  incidentKeys: string[];
  traceId?: string;
} {
  const traceId = /^00-([0-9a-f]{32})-/.exec(signals[0]?.trace?.traceparent ?? '')?.[1];
  return {
    idempotencyKeys: signals.map((s) => s.idempotencyKey),
    incidentKeys: [...new Set(signals.flatMap((s) => (s.kind === 'alert' ? [s.incidentKey] : [])))],
    ...(traceId ? { traceId } : {}),
  };
}
