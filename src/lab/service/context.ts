/** What every handler of one lab service process shares. */
import { SeverityNumber, logs } from '@opentelemetry/api-logs';
import { trace, type Attributes, type Span } from '@opentelemetry/api';
import type { NoiseSpec, ServiceSpec } from '../spec.js';
import type { FaultState } from './faults.js';
import type { OutboundDeps } from './outbound.js';
import type { Semaphore } from './pool.js';
import type { ServiceMetrics } from './metrics.js';

export interface ServiceContext {
  readonly spec: ServiceSpec;
  readonly dbName: (db: string) => string;
  readonly dbSystem: (db: string) => string;
  readonly deps: OutboundDeps;
  readonly faults: FaultState;
  readonly noise: readonly NoiseSpec[];
  readonly pool: Semaphore | undefined;
  readonly endpointPools: ReadonlyMap<string, Semaphore>;
  readonly metrics: ServiceMetrics;
  readonly log: Log;
}

/** An error with the HTTP status the server answers with. */
export class HandlerError extends Error {
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown; name?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = options?.name ?? 'HandlerError';
  }
}

export type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export type Log = (level: Level, body: string, attributes?: Attributes) => void;

const SEVERITY: Record<Level, SeverityNumber> = {
  DEBUG: SeverityNumber.DEBUG,
  INFO: SeverityNumber.INFO,
  WARN: SeverityNumber.WARN,
  ERROR: SeverityNumber.ERROR,
};

/** Logs through the OTel logs API: the SDK stamps the active span's trace and span ids on each record. */
export function createLog(service: string, stamp: () => Attributes): Log {
  const logger = logs.getLogger(service, '1.0.0');
  return (level, body, attributes) => {
    logger.emit({
      severityNumber: SEVERITY[level],
      severityText: level,
      body,
      attributes: { ...stamp(), ...(attributes ?? {}) },
    });
  };
}

export function activeSpan(): Span | undefined {
  return trace.getActiveSpan();
}

export function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
