/** A valid queued alert signal for the queue conformance suites, distinct per i. */
import type { QueuedSignal, UniversalIncidentSignal } from '../../src/kernel/signal.js';

export function makeSignal(i: number, overrides: Partial<UniversalIncidentSignal> = {}): QueuedSignal {
  return {
    schemaVersion: 1,
    kind: 'alert',
    source: 'datadog_webhook',
    idempotencyKey: `datadog:event:${1000 + i}`,
    incidentKey: `datadog:monitor:42:service:svc-${i}`,
    state: 'triggered',
    title: `alert ${i}`,
    description: '',
    severity: 'high',
    firedAt: '2026-11-21T10:00:00.000Z',
    receivedAt: '2026-11-21T10:00:01.000Z',
    tags: { service: `svc-${i}` },
    service: `svc-${i}`,
    sourceIds: { eventId: String(1000 + i) },
    links: [],
    hints: { traceIds: [], spanIds: [], requestIds: [], correlationIds: [], runIds: [] },
    ...overrides,
  };
}
