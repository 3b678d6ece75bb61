import { describe, expect, it } from 'vitest';
import { parseIsoNanos } from '../../../../src/kernel/time.js';
import { issueLink } from '../../../../src/providers/sentry/links.js';
import { normalizeIssue, readableStack, sentryInstant } from '../../../../src/providers/sentry/normalize.js';
import {
  filterTerm,
  issueListParams,
  issueSearchQuery,
  nextCursor,
  searchValue,
  sentryTime,
} from '../../../../src/providers/sentry/translate.js';
import { errorQuery, type AttributeFilter } from '../../../../src/providers/queries.js';
import { TimeRange } from '../../../../src/providers/time-range.js';
import { sentryFixture } from './fixtures.js';

const RANGE = TimeRange.fromMs(Date.UTC(2026, 10, 21, 10, 0), Date.UTC(2026, 10, 21, 10, 15));

describe('Sentry issue search translation', () => {
  it.each([
    ['checkout', 'checkout'],
    ['checkout api', '"checkout api"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['a:b', '"a:b"'],
    ['/api/v1/x', '/api/v1/x'],
  ])('value %j -> %s', (v, expected) => expect(searchValue(v)).toBe(expected));

  const cases: Array<[AttributeFilter, string]> = [
    [{ key: 'http.route', op: 'eq', value: '/orders' }, 'http.route:/orders'],
    [{ key: 'deployment.environment.name', op: 'neq', value: 'staging' }, '!environment:staging'],
    [{ key: 'host.name', op: 'exists' }, 'has:server_name'],
    [{ key: 'url.full', op: 'contains', value: 'checkout page' }, 'url:"*checkout page*"'],
  ];
  it.each(cases)('filter %j -> %s', (f, expected) => expect(filterTerm(f)).toBe(expected));

  it('combines unresolved, service, filters and trace ids', () => {
    expect(
      issueSearchQuery(errorQuery(RANGE, { service: 'checkout', traceIds: ['4bf92f3577b34da6a3ce929d0e0e4736'] })),
    ).toBe('is:unresolved service:checkout trace:4bf92f3577b34da6a3ce929d0e0e4736');
    expect(
      issueSearchQuery(
        errorQuery(RANGE, {
          unresolvedOnly: false,
          traceIds: ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'],
        }),
      ),
    ).toBe('trace:[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb]');
  });

  it('sends start/end with microseconds, environment, all projects, page size and cursor', () => {
    expect(
      issueListParams(errorQuery(RANGE, { env: 'prod' }), { projects: [], limit: 500, cursor: '0:100:0' }),
    ).toEqual({
      query: 'is:unresolved',
      start: '2026-11-21T10:00:00.000000Z',
      end: '2026-11-21T10:15:00.000000Z',
      environment: 'prod',
      project: ['-1'],
      sort: 'date',
      limit: 100,
      cursor: '0:100:0',
    });
    expect(sentryTime(RANGE.end + 1n, 'ceil')).toBe('2026-11-21T10:15:00.000001Z');
  });

  it('reads the next cursor from the Link header only when results="true"', () => {
    const more =
      '<https://sentry.io/api/0/organizations/acme/issues/?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", <https://sentry.io/api/0/organizations/acme/issues/?cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0"';
    expect(nextCursor(more)).toBe('0:100:0');
    expect(nextCursor(more.replace('results="true"', 'results="false"'))).toBeUndefined();
    expect(nextCursor(null)).toBeUndefined();
  });
});

describe('Sentry normalizer', () => {
  const [first, second] = sentryFixture('issues-page-1') as unknown[];
  const event = sentryFixture('latest-event');

  it('builds an ErrorIssue from an issue and its latest event', () => {
    const i = normalizeIssue(first, event, { provider: 'sentry' });
    expect(i).toMatchObject({
      sourceProvider: 'sentry',
      id: '4821907315',
      service: 'checkout',
      type: 'ConnectionError',
      message: 'redis connection refused',
      culprit: 'cart.store in get_cart',
      count: 1342,
      level: 'error',
      traceIds: ['4bf92f3577b34da6a3ce929d0e0e4736'],
      link: 'https://acme.sentry.io/issues/4821907315/',
    });
    expect(i.firstSeen).toBe(parseIsoNanos('2026-11-21T09:58:12.114Z'));
    expect(i.lastSeen).toBe(parseIsoNanos('2026-11-21T10:14:51.900321Z'));
    expect(i.tags).toEqual({
      environment: 'prod',
      handled: 'no',
      level: 'error',
      server_name: 'checkout-5c4b-fghij',
      service: 'checkout',
      url: 'https://shop.example.com/checkout',
    });
    expect(i.stackTrace).toBe(
      [
        'ConnectionError: redis connection refused',
        '    at connect (redis/connection.py:707)',
        '    at get_cart (cart/store.py:41)',
        '    at checkout (app/views.py:88)',
      ].join('\n'),
    );
  });

  it('falls back to the project slug for the service and maps warning to warn', () => {
    const i = normalizeIssue(second, undefined, { provider: 'sentry' });
    expect(i).toMatchObject({ service: 'checkout-api', level: 'warn', count: 12, traceIds: [], tags: {} });
    expect(i.stackTrace).toBeUndefined();
    expect(normalizeIssue(second, undefined, { provider: 'sentry', service: 'checkout' }).service).toBe('checkout');
  });

  it('parses Sentry instants with and without fraction or zone', () => {
    expect(sentryInstant('2026-11-21T10:05:30.5Z')).toBe(parseIsoNanos('2026-11-21T10:05:30.500Z'));
    expect(sentryInstant('2001-12-14T12:34:56.7890')).toBe(parseIsoNanos('2001-12-14T12:34:56.789Z'));
    expect(sentryInstant(undefined)).toBeUndefined();
  });

  it('links an issue without a permalink to its page on the configured Sentry', () => {
    const { permalink: _drop, ...bare } = first as Record<string, unknown>;
    const i = normalizeIssue(bare, undefined, {
      provider: 'sentry',
      issueUrl: (id) => issueLink('https://sentry.example.com', 'acme corp', id),
    });
    expect(i.link).toBe('https://sentry.example.com/organizations/acme%20corp/issues/4821907315/');
    expect(normalizeIssue(first, undefined, { provider: 'sentry', issueUrl: () => 'https://unused/' }).link).toBe(
      'https://acme.sentry.io/issues/4821907315/',
    );
  });

  it('rejects an issue without an id', () => {
    expect(() => normalizeIssue({ title: 'x' }, undefined, { provider: 'sentry' })).toThrow(/no id/);
  });

  it('has no stack for an event without exception entries', () => {
    expect(readableStack({ entries: [{ type: 'message', data: {} }] })).toBeUndefined();
  });
});
