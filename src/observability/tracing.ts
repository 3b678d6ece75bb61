/**
 * OpenTelemetry traces of Flipturn's own pipeline (not the telemetry it investigates), configured by the standard
 * OTEL_* environment variables through @opentelemetry/sdk-node (which reads them itself; nothing is re-parsed here):
 * OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (the resource), OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, _HEADERS,
 * _PROTOCOL (grpc, http/protobuf, http/json), _TIMEOUT, _COMPRESSION, OTEL_TRACES_EXPORTER, OTEL_TRACES_SAMPLER(_ARG),
 * OTEL_PROPAGATORS, OTEL_BSP_*, OTEL_NODE_RESOURCE_DETECTORS, OTEL_LOG_LEVEL and OTEL_SDK_DISABLED.
 *
 * On when an exporter is configured (an OTLP endpoint, or OTEL_TRACES_EXPORTER naming one) and OTEL_SDK_DISABLED
 * is not true; otherwise no SDK starts and every span is a no-op. Traces only: metrics are served on /metrics
 * (prom-client) and logs go to stdout, so the SDK's metric readers and log processors are left off.
 *
 * The resource: service.name `flipturn` unless OTEL_SERVICE_NAME (or service.name in OTEL_RESOURCE_ATTRIBUTES) says
 * otherwise, service.version from package.json, `flipturn.role` (serve, worker, start), plus the SDK's env, host
 * and process detectors. Official instrumentations: Fastify (@fastify/otel, registered on every Fastify instance
 * created after start), incoming and outgoing HTTP (instrumentation-http), fetch/undici (instrumentation-undici)
 * and ioredis; outgoing calls and Redis commands are traced only inside a Flipturn span (no trace per worker poll),
 * probes and /metrics not at all, and a Redis span names its command only (arguments carry signal payloads).
 *
 * One alert is one trace across processes: the gate's enqueue span is written into the queued signal
 * (`trace.traceparent`, W3C) and the worker's handle span continues it (traceContextOf).
 */
import { createRequire } from 'node:module';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { SpanStatusCode, context, propagation, trace, type ProxyTracerProvider, type Tracer } from '@opentelemetry/api';
import { registerInstrumentations, type Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { InvestigationObserver } from '../evidence/observer.js';
import { flipturnTracer, inSpan } from './trace-context.js';

/** The OTEL_* settings that decide whether tracing starts (the SDK reads the rest from the environment). */
export interface TracingSwitch {
  readonly OTEL_SDK_DISABLED?: boolean | undefined;
  readonly OTEL_TRACES_EXPORTER?: string | undefined;
  readonly OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  readonly OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string | undefined;
}

export interface TracingOptions {
  /** The role of this process (serve, worker, start): the `flipturn.role` resource attribute. */
  readonly role: string;
  readonly serviceVersion: string;
}

export interface SelfTracing {
  /** Where spans go, for the start-up log line: the OTLP endpoint, or the exporters named. */
  readonly destination: string;
  /** Exports what is buffered. */
  flush(): Promise<void>;
  /** Exports what is buffered, stops the instrumentations and unregisters the global provider. */
  shutdown(): Promise<void>;
}

const DEFAULT_SERVICE_NAME = 'flipturn';

/** Probes and scrapes: never traced. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const untraced = (url: string | undefined) => UNTRACED_PATHS.has((url ?? '').split('?')[0] ?? '');

/** Exporters named by OTEL_TRACES_EXPORTER, `none` and blanks dropped. */
function namedExporters(s: TracingSwitch): string[] {
  return (s.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '' && e !== 'none');
}

/** Whether the settings ask for traces: an exporter configured and the SDK not disabled. */
export function tracingWanted(s: TracingSwitch): boolean {
  if (s.OTEL_SDK_DISABLED === true) return false;
  if ((s.OTEL_TRACES_EXPORTER ?? '').split(',').some((e) => e.trim() === 'none')) return false;
  return (
    namedExporters(s).length > 0 ||
    Boolean(s.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim()) ||
    Boolean(s.OTEL_EXPORTER_OTLP_ENDPOINT?.trim())
  );
}

/** The official instrumentations, configured for Flipturn (see the header). */
function selfInstrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => untraced(req.url),
      requireParentforOutgoingSpans: true,
    }),
    new UndiciInstrumentation({ requireParentforSpans: true }),
    new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
    new FastifyOtelInstrumentation({ registerOnInitialization: true, ignorePaths: (route) => untraced(route.url) }),
  ];
}

/**
 * The roots import fastify, ioredis and node:http (ESM) before the SDK starts. require-in-the-middle patches a
 * CommonJS module when it is next required: requiring these once after the instrumentations are enabled patches
 * the module objects (prototypes) the earlier imports share. (Fastify and undici are observed through
 * diagnostics_channel and need nothing.)
 */
function patchLoadedModules(): void {
  const load = createRequire(import.meta.url);
  for (const id of ['node:http', 'node:https', 'ioredis']) load(id);
}

/** Starts the SDK when the settings ask for traces; undefined (nothing started) otherwise. */
export function startSelfTracing(s: TracingSwitch, o: TracingOptions): SelfTracing | undefined {
  if (!tracingWanted(s)) return undefined;
  const sdk = new NodeSDK({
    // Defaults under what the environment says (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES win over these).
    resource: resourceFromAttributes({
      'service.name': DEFAULT_SERVICE_NAME,
      'service.version': o.serviceVersion,
      'flipturn.role': o.role,
    }),
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  const unregister = registerInstrumentations({ instrumentations: selfInstrumentations() });
  patchLoadedModules();
  const provider = () =>
    (trace.getTracerProvider() as ProxyTracerProvider).getDelegate() as { forceFlush?: () => Promise<void> };
  const exporters = namedExporters(s);
  return {
    destination: s.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? s.OTEL_EXPORTER_OTLP_ENDPOINT ?? exporters.join(','),
    flush: async () => {
      await provider().forceFlush?.();
    },
    async shutdown() {
      unregister();
      await sdk.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** Spans for an investigation: investigate -> correlate / prefetch (-> provider calls) / analyze; narrate, deliver, save. */
export function tracingObserver(tracer: Tracer = flipturnTracer()): InvestigationObserver {
  return {
    investigation: (info, run) =>
      inSpan(tracer, 'flipturn.investigate', { 'flipturn.source': info.source }, () => run()),
    stage: (stage, run) => inSpan(tracer, `flipturn.${stage}`, { 'flipturn.stage': stage }, () => run()),
    providerCall: (call, run) =>
      inSpan(
        tracer,
        'flipturn.provider.call',
        { 'flipturn.provider': call.provider, 'flipturn.signal': call.signal, 'flipturn.method': call.method },
        async (span) => {
          const r = await run();
          span.setAttribute('flipturn.outcome', r.status);
          if (r.status === 'failed' || r.status === 'retryable')
            span.setStatus({ code: SpanStatusCode.ERROR, message: r.status });
          return r;
        },
      ),
    budgetRefused: (call) =>
      trace
        .getActiveSpan()
        ?.addEvent('budget_refused', { 'flipturn.provider': call.provider, 'flipturn.limit': call.limit }),
  };
}
