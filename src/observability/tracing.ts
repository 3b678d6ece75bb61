/**
 * OpenTelemetry traces of Flipturn's own pipeline (not the telemetry it investigates). On when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set: a NodeTracerProvider with a BatchSpanProcessor and the OTLP/HTTP (JSON)
 * exporter, resource service.name=flipturn and service.version from package.json; registered globally, so the
 * gate, the worker and the investigation get spans from `trace.getTracer('flipturn')`. Off (no SDK started,
 * every span a no-op) when unset.
 *
 * One alert is one trace across processes: the gate's enqueue span is written into the queued signal
 * (`trace.traceparent`, W3C) and the worker's handle span continues it (traceContextOf).
 */
import { SpanStatusCode, context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { InvestigationObserver } from '../evidence/observer.js';
import { flipturnTracer, inSpan } from './trace-context.js';

export interface SelfTracing {
  readonly endpoint: string;
  /** Exports what is buffered. */
  flush(): Promise<void>;
  /** Exports what is buffered and unregisters the global provider. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the OTLP/HTTP base URL (…/v1/traces is appended unless already there). */
  readonly endpoint: string | undefined;
  readonly serviceVersion: string;
  /** Batch delay in ms (default 2000; tests use less). */
  readonly scheduledDelayMillis?: number;
}

function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

/** Starts the SDK when an endpoint is configured; undefined (nothing started) otherwise. */
export function startSelfTracing(o: TracingOptions): SelfTracing | undefined {
  if (o.endpoint === undefined || o.endpoint.trim() === '') return undefined;
  const url = tracesUrl(o.endpoint);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'flipturn', 'service.version': o.serviceVersion }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: o.scheduledDelayMillis ?? 2000 })],
  });
  provider.register();
  return {
    endpoint: url,
    flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** Spans for an investigation: investigate -> correlate / prefetch (-> provider calls) / analyze; narrate, deliver. */
export function tracingObserver(tracer: Tracer = flipturnTracer()): InvestigationObserver {
  return {
    investigation: (info, run) => inSpan(tracer, 'flipturn.investigate', { 'flipturn.source': info.source }, () => run()),
    stage: (stage, run) => inSpan(tracer, `flipturn.${stage}`, { 'flipturn.stage': stage }, () => run()),
    providerCall: (call, run) =>
      inSpan(tracer, 'flipturn.provider.call', { 'flipturn.provider': call.provider, 'flipturn.signal': call.signal, 'flipturn.method': call.method }, async (span) => {
        const r = await run();
        span.setAttribute('flipturn.outcome', r.status);
        if (r.status === 'failed' || r.status === 'retryable') span.setStatus({ code: SpanStatusCode.ERROR, message: r.status });
        return r;
      }),
    budgetRefused: (call) => trace.getActiveSpan()?.addEvent('budget_refused', { 'flipturn.provider': call.provider, 'flipturn.limit': call.limit }),
  };
}
