/**
 * The lab's topologies. `shop` is the seed's: search -> catalog -> catalog-cache / database. `market` is a larger
 * system of 12 services with deeper chains, fan-out, an optional dependency with a fallback, a fire-and-forget
 * (async-ish) notification path, a connection pool and a shared database.
 */
import type { TopologyInput } from './spec.js';

export function shopTopology(): TopologyInput {
  return {
    name: 'shop',
    entry: 'search',
    environment: 'lab',
    services: [
      {
        name: 'search',
        version: '2.4.1',
        endpoints: [
          {
            route: '/search',
            work: { medianMs: 3, sigma: 0.4 },
            cpuMs: 0.3,
            steps: [
              {
                kind: 'call',
                target: 'catalog',
                route: '/product',
                fanout: 3,
                timeoutMs: 2500,
                retries: 0,
                requires: ['unit_price'],
              },
            ],
          },
          {
            route: '/suggest',
            work: { medianMs: 2, sigma: 0.4 },
            steps: [{ kind: 'call', target: 'catalog', route: '/product', timeoutMs: 2500, retries: 0 }],
          },
        ],
      },
      {
        name: 'catalog',
        version: '1.19.0',
        pool: { size: 8, acquireTimeoutMs: 1500 },
        endpoints: [
          {
            route: '/product',
            work: { medianMs: 1, sigma: 0.4 },
            cpuMs: 0.2,
            steps: [
              {
                kind: 'cache_aside',
                cache: 'catalog-cache',
                db: 'database',
                table: 'products',
                versionModulo: 5,
                ttlMs: 120_000,
              },
            ],
          },
        ],
      },
      { name: 'catalog-cache', kind: 'cache', version: '7.2.4' },
      {
        name: 'database',
        kind: 'database',
        version: '15.4',
        store: {
          system: 'postgresql',
          name: 'shop',
          latency: {
            SELECT: { medianMs: 40, sigma: 0.4 },
            UPDATE: { medianMs: 30, sigma: 0.5 },
            INSERT: { medianMs: 25, sigma: 0.5 },
          },
          concurrency: 2,
          queueTimeoutMs: 2000,
        },
      },
    ],
  };
}

export function marketTopology(): TopologyInput {
  const call = (target: string, route: string, extra: Record<string, unknown> = {}) => ({
    kind: 'call' as const,
    target,
    route,
    timeoutMs: 2000,
    retries: 0,
    ...extra,
  });
  return {
    name: 'market',
    entry: 'web-gateway',
    environment: 'lab',
    services: [
      {
        name: 'web-gateway',
        version: '3.8.0',
        endpoints: [
          {
            route: '/browse',
            work: { medianMs: 2, sigma: 0.4 },
            steps: [
              call('product-api', '/products', { fanout: 2, requires: ['unit_price'] }),
              call('recommendation', '/recs'),
              call('ads', '/ads', { optional: true, timeoutMs: 300 }),
            ],
          },
          {
            route: '/checkout',
            work: { medianMs: 3, sigma: 0.4 },
            steps: [
              call('cart', '/cart', { requires: ['total', 'fx_rate'] }),
              call('inventory', '/reserve'),
              call('payment', '/charge', { timeoutMs: 3000 }),
              call('notification', '/notify', { async: true }),
            ],
          },
        ],
      },
      {
        name: 'product-api',
        version: '5.2.3',
        pool: { size: 10, acquireTimeoutMs: 1500 },
        endpoints: [
          {
            route: '/products',
            work: { medianMs: 1.5, sigma: 0.4 },
            steps: [
              {
                kind: 'cache_aside',
                cache: 'product-cache',
                db: 'catalog-db',
                table: 'products',
                versionModulo: 5,
                ttlMs: 15_000,
              },
            ],
          },
        ],
      },
      { name: 'product-cache', kind: 'cache', version: '7.2.4' },
      {
        name: 'recommendation',
        version: '2.0.7',
        endpoints: [
          {
            route: '/recs',
            work: { medianMs: 6, sigma: 0.5 },
            cpuMs: 1,
            steps: [call('user-profile', '/profile'), call('product-api', '/products')],
          },
        ],
      },
      {
        name: 'user-profile',
        version: '1.4.0',
        endpoints: [{ route: '/profile', work: { medianMs: 4, sigma: 0.4 }, provides: { segment: 'returning' } }],
      },
      { name: 'ads', version: '0.9.12', endpoints: [{ route: '/ads', work: { medianMs: 8, sigma: 0.6 } }] },
      {
        name: 'cart',
        version: '4.1.0',
        endpoints: [
          {
            route: '/cart',
            work: { medianMs: 2, sigma: 0.4 },
            steps: [
              call('pricing', '/quote', {
                fanout: 2,
                timeoutMs: 1500,
                retries: 1,
                backoffMs: 100,
                requires: ['unit_price', 'fx_rate'],
              }),
            ],
            provides: { total: 42.5 },
          },
        ],
      },
      {
        name: 'pricing',
        version: '2.7.2',
        endpoints: [
          {
            route: '/quote',
            work: { medianMs: 6, sigma: 0.5 },
            cpuMs: 1,
            concurrency: 4,
            steps: [call('currency', '/convert', { requires: ['fx_rate'] })],
            provides: { unit_price: 19.99 },
          },
        ],
      },
      {
        name: 'currency',
        version: '1.1.3',
        endpoints: [{ route: '/convert', work: { medianMs: 3, sigma: 0.4 }, provides: { fx_rate: 1.0842 } }],
      },
      {
        name: 'inventory',
        version: '3.3.0',
        pool: { size: 6, acquireTimeoutMs: 1200 },
        endpoints: [
          {
            route: '/reserve',
            work: { medianMs: 2, sigma: 0.4 },
            steps: [
              { kind: 'db', db: 'catalog-db', operation: 'SELECT', table: 'stock' },
              { kind: 'db', db: 'catalog-db', operation: 'UPDATE', table: 'stock' },
            ],
          },
        ],
      },
      {
        name: 'payment',
        version: '6.0.2',
        endpoints: [
          { route: '/charge', work: { medianMs: 25, sigma: 0.35 }, provides: { payment_status: 'authorized' } },
        ],
      },
      { name: 'notification', version: '1.0.9', endpoints: [{ route: '/notify', work: { medianMs: 15, sigma: 0.6 } }] },
      {
        name: 'catalog-db',
        kind: 'database',
        version: '15.4',
        store: {
          system: 'postgresql',
          name: 'market',
          latency: {
            SELECT: { medianMs: 6, sigma: 0.4 },
            UPDATE: { medianMs: 9, sigma: 0.45 },
            INSERT: { medianMs: 8, sigma: 0.45 },
          },
          concurrency: 6,
          queueTimeoutMs: 2000,
        },
      },
    ],
  };
}
