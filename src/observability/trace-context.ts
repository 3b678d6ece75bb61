/**
 * Light tracing helpers on @opentelemetry/api only (no SDK): the gate and the worker use them; they are no-ops
 * until src/observability/tracing.ts registers a provider. The trace context crosses the queue as a W3C
 * traceparent in the signal (`trace.traceparent`).
 */
import { createHash } from 'node:crypto';
import {
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { isFlipturnError } from '../kernel/errors.js';

const TRACER_NAME = 'flipturn';

export function flipturnTracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** The W3C traceparent of a span, or undefined for a no-op span (tracing off). */
export function traceparentOf(span: Span): string | undefined {
  const sc = span.spanContext();
  if (!trace.isSpanContextValid(sc)) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The context a queued signal's trace continues from (ROOT when it carries none or an invalid one). */
export function traceContextOf(carrier: { readonly trace?: { readonly traceparent: string } | undefined }): Context {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(carrier.trace?.traceparent ?? '');
  if (!m) return ROOT_CONTEXT;
  const sc = {
    traceId: m[1] as string,
    spanId: m[2] as string,
    traceFlags: Number.parseInt(m[3] as string, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return trace.isSpanContextValid(sc) ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
}

/** Runs `run` in an active span; records an error status (the error code, never the message) when it throws. */
export function inSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Record<string, string | number | boolean>,
  run: (span: Span) => Promise<T>,
  parent?: Context,
): Promise<T> {
  const body = async (span: Span): Promise<T> => {
    try {
      return await run(span);
    } catch (e) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: isFlipturnError(e) ? e.code : 'error' });
      throw e;
    } finally {
      span.end();
    }
  };
  return parent
    ? tracer.startActiveSpan(name, { attributes }, parent, body)
    : tracer.startActiveSpan(name, { attributes }, body);
}

/** A short hash of an idempotency key for span attributes (keys may carry source ids; the hash links them). */
export function keyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}
