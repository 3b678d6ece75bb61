/**
 * One lab service's OpenTelemetry SDK: traces, logs and metrics exported by file exporters that write one OTLP/JSON
 * export request per line (serialized by @opentelemetry/otlp-transformer, then fixed up to the format's encoding).
 * Each service process has its own resource and its own patched http module.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { JsonLogsSerializer, JsonMetricsSerializer, JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { logs } from '@opentelemetry/api-logs';
import { metrics } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { fixupOtlpJson } from './otlp-fixup.js';
import { createRng, type Rng } from '../rng.js';

export interface TelemetryOptions {
  readonly service: string;
  readonly version: string;
  readonly environment: string;
  readonly outDir: string;
  readonly runId?: string;
  readonly scenarioId?: string;
  readonly skewMs: number;
  readonly dropSpanRatio: number;
  readonly seed: number;
  readonly logs: boolean;
  readonly metrics: boolean;
  readonly metricIntervalMs: number;
}

export interface Telemetry {
  readonly resource: Resource;
  shutdown(): Promise<void>;
}

const decoder = new TextDecoder();

function writeLine(file: string, bytes: Uint8Array | undefined, skewNs: bigint): void {
  if (!bytes) return;
  const parsed: unknown = JSON.parse(decoder.decode(bytes));
  appendFileSync(file, `${JSON.stringify(fixupOtlpJson(parsed, skewNs))}\n`);
}

/** Runs one export's write and reports the outcome to the SDK: SUCCESS, or FAILED with the error. */
function reportExport(done: (r: ExportResult) => void, write: () => void): void {
  try {
    write();
    done({ code: ExportResultCode.SUCCESS });
  } catch (error) {
    done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
  }
}

class FileSpanExporter implements SpanExporter {
  constructor(
    private readonly file: string,
    private readonly skewNs: bigint,
    private readonly dropRatio: number,
    private readonly rng: Rng,
  ) {}
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    reportExport(done, () => {
      const kept = this.dropRatio > 0 ? spans.filter(() => this.rng.next() >= this.dropRatio) : spans;
      if (kept.length > 0) writeLine(this.file, JsonTraceSerializer.serializeRequest(kept), this.skewNs);
    });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

class FileLogExporter implements LogRecordExporter {
  constructor(
    private readonly file: string,
    private readonly skewNs: bigint,
  ) {}
  export(records: ReadableLogRecord[], done: (r: ExportResult) => void): void {
    reportExport(done, () => {
      if (records.length > 0) writeLine(this.file, JsonLogsSerializer.serializeRequest(records), this.skewNs);
    });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

class FileMetricExporter implements PushMetricExporter {
  constructor(
    private readonly file: string,
    private readonly skewNs: bigint,
  ) {}
  export(m: ResourceMetrics, done: (r: ExportResult) => void): void {
    reportExport(done, () => {
      if (m.scopeMetrics.some((s) => s.metrics.length > 0))
        writeLine(this.file, JsonMetricsSerializer.serializeRequest(m), this.skewNs);
    });
  }
  selectAggregationTemporality(): AggregationTemporality {
    return AggregationTemporality.CUMULATIVE;
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Starts the SDK. Must run before the http module is loaded (the instrumentation patches it on require). */
export function startTelemetry(o: TelemetryOptions): Telemetry {
  const attrs: Record<string, string> = {
    'service.name': o.service,
    'service.version': o.version,
    'deployment.environment': o.environment,
    'deployment.environment.name': o.environment,
    'service.instance.id': `${o.service}-${process.pid}`,
    'host.name': 'lab-127-0-0-1',
    'process.pid': String(process.pid),
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'opentelemetry',
  };
  if (o.runId) attrs.run_id = o.runId;
  if (o.scenarioId) attrs.scenario_id = o.scenarioId;
  const resource = resourceFromAttributes(attrs);
  const skewNs = BigInt(Math.round(o.skewMs * 1e6));
  const base = join(o.outDir, `${o.service}.${process.pid}`);

  const tracerProvider = new NodeTracerProvider({
    resource,
    spanProcessors: [
      new BatchSpanProcessor(new FileSpanExporter(`${base}.traces.jsonl`, skewNs, o.dropSpanRatio, createRng(o.seed)), {
        scheduledDelayMillis: 1000,
        maxExportBatchSize: 512,
        maxQueueSize: 8192,
      }),
    ],
  });
  tracerProvider.register();

  const loggerProvider = new LoggerProvider({
    resource,
    processors: o.logs
      ? [
          new BatchLogRecordProcessor({
            exporter: new FileLogExporter(`${base}.logs.jsonl`, skewNs),
            scheduledDelayMillis: 1000,
            maxQueueSize: 8192,
          }),
        ]
      : [],
  });
  logs.setGlobalLoggerProvider(loggerProvider);

  const meterProvider = new MeterProvider({
    resource,
    readers: o.metrics
      ? [
          new PeriodicExportingMetricReader({
            exporter: new FileMetricExporter(`${base}.metrics.jsonl`, skewNs),
            exportIntervalMillis: o.metricIntervalMs,
            exportTimeoutMillis: 2000,
          }),
        ]
      : [],
  });
  metrics.setGlobalMeterProvider(meterProvider);

  registerInstrumentations({
    tracerProvider,
    meterProvider,
    instrumentations: [new HttpInstrumentation()],
  });

  return {
    resource,
    async shutdown(): Promise<void> {
      await Promise.allSettled([tracerProvider.forceFlush(), loggerProvider.forceFlush(), meterProvider.forceFlush()]);
      await Promise.allSettled([tracerProvider.shutdown(), loggerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}
