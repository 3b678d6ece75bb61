/** Scenarios on the 12-service market topology (web-gateway entry; browse and checkout paths). */
import type { ScenarioDefinition } from './definition.js';
import type { LabScenarioInput } from './spec.js';
import { marketTopology } from './topologies.js';

/** The market with pricing served by a single worker (its thread pool sized for normal traffic, about 80 req/s). */
function marketSingleWorkerPricing(): ReturnType<typeof marketTopology> {
  const t = marketTopology();
  return {
    ...t,
    services: t.services.map((s) =>
      s.name === 'pricing' ? { ...s, endpoints: (s.endpoints ?? []).map((e) => ({ ...e, concurrency: 1 })) } : s,
    ),
  };
}

const marketLoad = {
  rps: 12,
  baselineSec: 25,
  faultSec: 30,
  mix: [
    { route: '/browse', weight: 6 },
    { route: '/checkout', weight: 4 },
  ],
  keys: { count: 300, zipf: 1.05 },
};
const gatewayP99 = {
  kind: 'latency_p99' as const,
  service: 'web-gateway',
  factor: 2,
  name: 'High p99 latency on web-gateway',
};
const gatewayErrors = {
  kind: 'error_rate' as const,
  service: 'web-gateway',
  factor: 3,
  minThreshold: 0.04,
  name: 'Error rate on web-gateway is high',
  priority: 'P1',
};
const adsNoise = {
  kind: 'errors' as const,
  service: 'ads',
  probability: 0.05,
  status: 500,
  errorType: 'AdInventoryTimeout',
  message: 'ad inventory shard 3 did not answer in time',
};

const lab = (seed: number, rest: Partial<LabScenarioInput>): LabScenarioInput => ({
  seed,
  topology: marketTopology(),
  load: marketLoad,
  monitor: gatewayP99,
  noise: [adsNoise],
  ...rest,
});

export const MARKET_SCENARIOS: readonly ScenarioDefinition[] = [
  {
    name: 'market_payment_latency',
    description:
      'Datadog monitor "High p99 latency on web-gateway" fired in env:lab: tail latency of the storefront rose sharply with normal traffic. Attached: traces, logs and metrics of the market services.',
    faultType: 'latency.service',
    alertSource: 'datadog_webhook',
    expected: {
      rootCause: { service: 'payment', operation: 'GET /charge' },
      propagation: [],
      bottleneck: 'payment',
      symptom: 'web-gateway',
      abstain: false,
    },
    lab: lab(2101, {
      faults: [{ kind: 'latency', service: 'payment', route: '/charge', added: { medianMs: 450, sigma: 0.3 } }],
    }),
  },
  {
    name: 'market_pricing_wrong_value',
    description:
      'The Datadog app posted "Error rate on web-gateway is high" in #ops-alerts: checkouts are failing with 5xx, browsing looks fine. Attached: traces, logs and metrics of the market services.',
    faultType: 'code.wrong_value',
    alertSource: 'slack_event',
    expected: {
      rootCause: { service: 'pricing', operation: 'GET /quote' },
      propagation: ['cart'],
      bottleneck: null,
      symptom: 'web-gateway',
      abstain: false,
    },
    lab: lab(2102, {
      faults: [
        { kind: 'wrong_value', service: 'pricing', route: '/quote', field: 'unit_price', value: -1, probability: 0.6 },
      ],
      monitor: gatewayErrors,
    }),
  },
  {
    name: 'market_missing_call',
    description:
      'Datadog monitor "Error rate on web-gateway is high" fired in env:lab: part of the checkouts fail. Some product-api spans are known to be sampled out by the collector. Attached: traces, logs and metrics of the market services.',
    faultType: 'code.missing_call',
    alertSource: 'datadog_webhook',
    expected: {
      rootCause: { service: 'pricing', operation: 'GET /quote' },
      propagation: ['cart'],
      bottleneck: null,
      symptom: 'web-gateway',
      abstain: false,
    },
    lab: lab(2103, {
      faults: [{ kind: 'missing_call', service: 'pricing', route: '/quote', target: 'currency' }],
      monitor: gatewayErrors,
      noise: [adsNoise, { kind: 'drop_spans', service: 'product-api', ratio: 0.3 }],
      stampRunIds: false,
    }),
  },
  {
    name: 'market_swallowed_exception',
    description:
      'Datadog monitor "High p99 latency on web-gateway" fired in env:lab: browsing got slow; there are no 5xx spikes at the gateway. Ads errors are a long-standing known issue. Attached: traces, logs and metrics of the market services.',
    faultType: 'code.exception_swallowed',
    alertSource: 'datadog_webhook',
    expected: {
      rootCause: { service: 'recommendation', operation: 'GET /recs' },
      propagation: [],
      bottleneck: 'recommendation',
      symptom: 'web-gateway',
      abstain: false,
    },
    lab: lab(2104, {
      faults: [
        {
          kind: 'exception',
          service: 'recommendation',
          route: '/recs',
          probability: 0.8,
          swallowed: true,
          errorType: 'ModelFeatureError',
          message: 'feature vector has 63 dimensions, model expects 64',
          fallback: { medianMs: 500, sigma: 0.3 },
        },
      ],
      noise: [adsNoise, { kind: 'clock_skew', service: 'catalog-db', offsetMs: -30 }],
    }),
  },
  {
    name: 'market_retry_storm',
    description:
      'Alertmanager fired HighErrorRate for service web-gateway in env lab: about half of the checkouts fail, browsing is fine. Attached: traces, logs and metrics of the market services.',
    faultType: 'load.retry_storm',
    alertSource: 'alertmanager',
    expected: {
      rootCause: { service: 'cart' },
      propagation: [],
      bottleneck: 'pricing',
      symptom: 'web-gateway',
      abstain: false,
    },
    lab: lab(2105, {
      topology: marketSingleWorkerPricing(),
      monitor: gatewayErrors,
      faults: [{ kind: 'retry_policy', service: 'cart', target: 'pricing', timeoutMs: 20, retries: 8, backoffMs: 0 }],
    }),
  },
  {
    name: 'market_dependency_unreachable',
    description:
      'Datadog monitor "Error rate on web-gateway is high" fired in env:lab: checkouts fail, browsing works. Metrics were not exported for this period. Attached: traces and logs of the market services.',
    faultType: 'dependency.unreachable',
    alertSource: 'datadog_webhook',
    expected: {
      rootCause: { service: 'currency' },
      propagation: ['pricing', 'cart'],
      bottleneck: null,
      symptom: 'web-gateway',
      abstain: false,
    },
    lab: lab(2106, {
      faults: [{ kind: 'unreachable', service: 'currency' }],
      monitor: gatewayErrors,
      signals: { logs: true, metrics: false },
      stampRunIds: false,
    }),
  },
  {
    name: 'market_bad_deploy',
    description:
      'The Datadog app posted "Error rate on web-gateway is high" in #ops-alerts: checkouts fail intermittently. Attached: traces, logs and metrics of the market services.',
    faultType: 'deploy.bad_version',
    alertSource: 'slack_event',
    expected: {
      rootCause: { service: 'inventory', operation: 'GET /reserve' },
      propagation: [],
      bottleneck: null,
      symptom: 'web-gateway',
      abstain: false,
    },
    lab: lab(2107, {
      faults: [
        {
          kind: 'deploy',
          service: 'inventory',
          version: '3.4.0',
          behaviour: [
            {
              kind: 'exception',
              service: 'inventory',
              route: '/reserve',
              probability: 0.4,
              swallowed: false,
              errorType: 'ReservationConflictError',
              message: 'stock row version mismatch: expected v2 row layout',
            },
          ],
        },
      ],
      monitor: gatewayErrors,
    }),
  },
  {
    name: 'market_network_loss',
    description:
      'Datadog monitor "High p99 latency on web-gateway" fired in env:lab: checkout tail latency jumped, with occasional timeouts. Attached: traces, logs and metrics of the market services.',
    faultType: 'network.loss',
    alertSource: 'datadog_webhook',
    expected: { rootCause: { service: 'pricing' }, propagation: ['cart'], symptom: 'web-gateway', abstain: false },
    lab: lab(2108, { faults: [{ kind: 'network', from: 'cart', to: 'pricing', lossRate: 0.35 }] }),
  },
  {
    name: 'market_two_faults',
    description:
      'Datadog monitor "High p99 latency on web-gateway" fired in env:lab: both browsing and checkout feel slower. Attached: traces, logs and metrics of the market services.',
    faultType: 'multi.latency_and_cpu',
    alertSource: 'datadog_webhook',
    expected: {
      rootCause: { service: 'payment', operation: 'GET /charge' },
      propagation: [],
      bottleneck: 'payment',
      symptom: 'web-gateway',
      abstain: false,
    },
    lab: lab(2109, {
      faults: [
        { kind: 'latency', service: 'payment', route: '/charge', added: { medianMs: 600, sigma: 0.3 } },
        { kind: 'cpu', service: 'recommendation', busyFraction: 0.5 },
      ],
      secondaryCause: { service: 'recommendation' },
    }),
  },
];
