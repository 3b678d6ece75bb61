/**
 * The alert of a lab scenario (<scenario>/alert.json, a raw Datadog webhook delivery) as the signal a test
 * investigates: normalized once to learn when it fired, then again with the clock at that instant, so the signal
 * is what the gate would have produced when the alert arrived.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeAlert } from '../../src/ingress/normalize/index.js';
import { FixedClock } from '../../src/kernel/clock.js';
import type { UniversalIncidentSignal } from '../../src/kernel/signal.js';

export function scenarioAlertSignal(scenarioDir: string): UniversalIncidentSignal {
  const body = JSON.parse(readFileSync(join(scenarioDir, 'alert.json'), 'utf8')) as unknown;
  const probe = normalizeAlert('datadog_webhook', body, new FixedClock(0));
  if (!probe.ok || !probe.signals[0]) throw new Error('alert.json does not normalize');
  const again = normalizeAlert('datadog_webhook', body, new FixedClock(new Date(probe.signals[0].firedAt)));
  if (!again.ok || !again.signals[0]) throw new Error('alert.json does not normalize');
  return again.signals[0];
}
