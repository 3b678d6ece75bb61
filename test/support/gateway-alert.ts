/**
 * The alert the service-level tests and bench/scaleout.bench.ts send: a Datadog webhook delivery of the
 * ts-gateway-service latency monitor of the committed TrainTicket scenario scenarios/nezha-tt-2023-01-29-1020,
 * whose OTLP files the service investigates through otlp-file. No service imports: cheap for benches.
 */
import { join } from 'node:path';

/** OTLP files of the recorded TrainTicket incident the service investigates. */
export const GATEWAY_SCENARIO_TELEMETRY = join(
  import.meta.dirname,
  '..',
  '..',
  'scenarios',
  'nezha-tt-2023-01-29-1020',
  'telemetry',
);

/** A Datadog webhook "Triggered" delivery of a ts-gateway-service latency monitor, at the scenario's time. */
export function gatewayLatencyAlert(monitorId: number, eventId: string): Record<string, string> {
  return {
    id: eventId,
    monitor_id: String(monitorId),
    title: `[Triggered on {env:prod,service:ts-gateway-service}] monitor ${monitorId}: gateway latency is high`,
    alert_transition: 'Triggered',
    alert_type: 'error',
    date: String(Date.UTC(2023, 0, 29, 10, 21)),
    scopes: 'env:prod,service:ts-gateway-service',
    tags: 'env:prod,service:ts-gateway-service',
    body: 'gateway p99 latency is high',
  };
}
