import { createMemoryProvider } from '../../src/providers/memory/provider.js';
import { ALL_CAPABILITIES } from '../../src/providers/protocols.js';
import type { FailureMode } from './harness.js';
import { runProviderConformance } from './suite.js';

const FAILURES: Record<FailureMode, { kind: 'unavailable' | 'auth' | 'timeout'; retryable: boolean }> = {
  unavailable: { kind: 'unavailable', retryable: true },
  auth: { kind: 'auth', retryable: false },
  timeout: { kind: 'timeout', retryable: true },
};

// Issues derived from the spans' exception events and error logs (what an OTLP source gives); the service map from the spans.
runProviderConformance('memory (derived issues)', {
  capabilities: ALL_CAPABILITIES,
  withData: (d) =>
    Promise.resolve(
      createMemoryProvider({
        name: 'memory',
        spans: d.spans,
        logs: d.logs,
        metrics: d.metrics,
        capabilities: ALL_CAPABILITIES,
      }),
    ),
  empty: () => Promise.resolve(createMemoryProvider({ name: 'memory-empty', capabilities: ALL_CAPABILITIES })),
  failureModes: ['unavailable', 'auth', 'timeout'],
  failing: (mode) =>
    Promise.resolve(
      createMemoryProvider({ name: `memory-${mode}`, failWith: FAILURES[mode], capabilities: ALL_CAPABILITIES }),
    ),
  secrets: [],
  cleanup: () => Promise.resolve(),
});

// Issues given as a tracker lists them (what Sentry gives).
runProviderConformance('memory (tracker issues)', {
  capabilities: ['traces', 'logs', 'metrics', 'errors'],
  withData: (d) =>
    Promise.resolve(
      createMemoryProvider({
        name: 'memory-tracker',
        spans: d.spans,
        logs: d.logs,
        metrics: d.metrics,
        issues: d.issues,
      }),
    ),
  empty: () => Promise.resolve(createMemoryProvider({ name: 'memory-empty' })),
  failureModes: ['unavailable'],
  failing: () => Promise.resolve(createMemoryProvider({ name: 'memory-down', failWith: FAILURES.unavailable })),
  secrets: [],
  cleanup: () => Promise.resolve(),
});
