/** Scenarios on the seed's shop topology (search -> catalog -> catalog-cache / database). */
import type { ScenarioDefinition } from './definition.js';
import type { LabScenarioInput } from './spec.js';
import { shopTopology } from './topologies.js';

const shopLoad = {
  rps: 18,
  baselineSec: 30,
  faultSec: 30,
  mix: [
    { route: '/search', weight: 8 },
    { route: '/suggest', weight: 2 },
  ],
  keys: { count: 200, zipf: 1.1 },
};
const searchP99 = { kind: 'latency_p99' as const, service: 'search', factor: 1.5, name: 'High p99 latency on search' };
const searchErrors = {
  kind: 'error_rate' as const,
  service: 'search',
  factor: 3,
  minThreshold: 0.05,
  name: 'Error rate on search is high',
  priority: 'P1',
};
const suggestNoise = {
  kind: 'errors' as const,
  service: 'search',
  route: '/suggest',
  probability: 0.03,
  status: 500,
  errorType: 'QueryParseError',
  message: 'unbalanced quote in suggest query',
};

const lab = (seed: number, rest: Partial<LabScenarioInput>): LabScenarioInput => ({
  seed,
  topology: shopTopology(),
  load: shopLoad,
  monitor: searchP99,
  noise: [suggestNoise],
  ...rest,
});

export const SHOP_SCENARIOS: readonly ScenarioDefinition[] = [
  {
    name: 'cache_poison_pill',
    description:
      'Datadog monitor "High p99 latency on search" fired in env:lab: search p99 latency went well above its usual level while traffic stayed flat. No deploy was announced. Attached: traces, logs and metrics of the shop services around the alert.',
    faultType: 'code.serialization',
    alertSource: 'datadog_webhook',
    expected: {
      rootCause: { service: 'catalog-cache', operation: 'GET /get' },
      propagation: ['catalog'],
      bottleneck: 'database',
      symptom: 'search',
      abstain: false,
    },
    lab: lab(1101, { faults: [{ kind: 'serialization', service: 'catalog-cache', keyMarker: ':v2:' }] }),
  },
  {
    name: 'shop_catalog_exception',
    description:
      'Alertmanager fired HighErrorRate for service search in env lab: a large share of search requests fail with 5xx. Suggest errors are a known low-level nuisance. Attached: traces, logs and metrics of the shop services.',
    faultType: 'code.exception',
    alertSource: 'alertmanager',
    expected: {
      rootCause: { service: 'catalog', operation: 'GET /product' },
      propagation: [],
      bottleneck: null,
      symptom: 'search',
      abstain: false,
    },
    lab: lab(1102, {
      faults: [
        {
          kind: 'exception',
          service: 'catalog',
          route: '/product',
          probability: 0.25,
          swallowed: false,
          errorType: 'ProductMappingError',
          message: "cannot read property 'currency' of undefined while mapping product row",
        },
      ],
      monitor: searchErrors,
      stampRunIds: false,
    }),
  },
  {
    name: 'shop_network_delay',
    description:
      'The Datadog app posted "High p99 latency on search" in #ops-alerts: search p99 latency rose sharply; traffic is normal. Attached: traces, logs and metrics of the shop services.',
    faultType: 'network.delay',
    alertSource: 'slack_event',
    expected: { rootCause: { service: 'catalog-cache' }, propagation: ['catalog'], symptom: 'search', abstain: false },
    lab: lab(1103, {
      faults: [
        { kind: 'network', from: 'catalog', to: 'catalog-cache', delay: { medianMs: 140, sigma: 0.3 }, lossRate: 0 },
      ],
    }),
  },
  {
    name: 'shop_cpu_saturation',
    description:
      'Datadog monitor "High p99 latency on search" fired in env:lab: search p99 latency climbed within a minute with unchanged traffic. Attached: traces, logs and metrics of the shop services.',
    faultType: 'resource.cpu',
    alertSource: 'datadog_webhook',
    expected: {
      rootCause: { service: 'catalog' },
      propagation: [],
      bottleneck: 'catalog',
      symptom: 'search',
      abstain: false,
    },
    lab: lab(1104, {
      faults: [{ kind: 'cpu', service: 'catalog', busyFraction: 0.92 }],
      noise: [suggestNoise, { kind: 'clock_skew', service: 'database', offsetMs: 45 }],
    }),
  },
  {
    name: 'shop_pool_exhaustion',
    description:
      'Datadog monitor "High p99 latency on search" fired in env:lab: some search requests hang for more than a second and a few fail; traffic is flat and nothing was deployed. Attached: traces, logs and metrics of the shop services.',
    faultType: 'resource.pool_exhaustion',
    alertSource: 'datadog_webhook',
    expected: {
      rootCause: { service: 'catalog', operation: 'GET /product' },
      propagation: [],
      bottleneck: 'catalog',
      symptom: 'search',
      abstain: false,
    },
    lab: lab(1105, { faults: [{ kind: 'pool_leak', service: 'catalog', probability: 0.3 }] }),
  },
  {
    name: 'shop_traffic_surge',
    description:
      'Datadog monitor "High p99 latency on search" fired in env:lab: search p99 latency is up. Attached: traces, logs and metrics of the shop services around the alert.',
    faultType: 'load.traffic_surge',
    alertSource: 'datadog_webhook',
    expected: { propagation: [], symptom: 'search', abstain: true },
    lab: lab(1106, { faults: [{ kind: 'traffic_surge', multiplier: 3, keyCount: 3000 }], monitor: searchP99 }),
  },
  {
    name: 'shop_memory_leak',
    description:
      'Alertmanager fired HighRequestLatencyP99 for service search in env lab: tail latency is growing steadily. No logs were shipped for this period. Attached: traces and metrics of the shop services.',
    faultType: 'resource.memory_leak',
    alertSource: 'alertmanager',
    expected: {
      rootCause: { service: 'catalog' },
      propagation: [],
      bottleneck: 'catalog',
      symptom: 'search',
      abstain: false,
    },
    lab: lab(1107, {
      faults: [{ kind: 'memory_leak', service: 'catalog', objectsPerSec: 12_000, maxOldSpaceMb: 96 }],
      monitor: searchP99,
      signals: { logs: false, metrics: true },
    }),
  },
];
