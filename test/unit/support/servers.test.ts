import { describe, expect, it } from 'vitest';
import {
  serversDeclaredIn,
  serversRequired,
  serverState,
  skipSummaryLine,
  skipWithout,
} from '../../support/servers.js';

describe('server-backed test policy', () => {
  it('servers are required with CI set (true/1/yes) or FLIPTURN_REQUIRE_SERVERS=1 / FLIPTURN_REQUIRE_REDIS=1', () => {
    expect(serversRequired({})).toBe(false);
    expect(serversRequired({ CI: 'true' })).toBe(true);
    expect(serversRequired({ CI: '1' })).toBe(true);
    expect(serversRequired({ CI: 'false' })).toBe(false);
    expect(serversRequired({ CI: '' })).toBe(false);
    expect(serversRequired({ FLIPTURN_REQUIRE_SERVERS: '1' })).toBe(true);
    expect(serversRequired({ FLIPTURN_REQUIRE_REDIS: '1' })).toBe(true);
  });

  it('a skip on request is honoured only where servers are not required', () => {
    expect(serverState('redis-server', { FLIPTURN_SKIP_REDIS: '1' })).toBe('skipped_on_request');
    expect(serverState('prometheus', { FLIPTURN_SKIP_PROMETHEUS: '1' })).toBe('skipped_on_request');
    expect(skipWithout('redis-server', { FLIPTURN_SKIP_REDIS: '1' })).toBe(true);
    expect(serverState('redis-server', { CI: 'true', FLIPTURN_SKIP_REDIS: '1' })).not.toBe('skipped_on_request');
  });

  it('reads which servers a test file needs from its source', () => {
    expect(serversDeclaredIn("const skip = skipWithout('prometheus');")).toEqual(['prometheus']);
    expect(serversDeclaredIn('describe.skipIf(skipRedisTests())(...)')).toEqual(['redis-server']);
    expect(serversDeclaredIn("skipWithout('redis-server'); skipWithout('prometheus')").sort()).toEqual([
      'prometheus',
      'redis-server',
    ]);
    expect(serversDeclaredIn("it('works', () => {})")).toEqual([]);
  });

  it('one summary line naming the binary and the Debian package, only when something was skipped for it', () => {
    expect(skipSummaryLine(new Map())).toBeUndefined();
    expect(skipSummaryLine(new Map([['redis-server', { state: 'missing', tests: 0 }]]))).toBeUndefined();
    expect(skipSummaryLine(new Map([['redis-server', { state: 'installed', tests: 3 }]]))).toBeUndefined();
    expect(
      skipSummaryLine(
        new Map([
          ['redis-server', { state: 'missing', tests: 80 }],
          ['prometheus', { state: 'missing', tests: 5 }],
        ]),
      ),
    ).toBe(
      'SKIPPED 85 server-backed tests (80 need redis-server, 5 need prometheus): redis-server and prometheus are not installed (Debian: apt-get install -y redis-server prometheus). With CI=true they are required.',
    );
    expect(skipSummaryLine(new Map([['prometheus', { state: 'skipped_on_request', tests: 1 }]]))).toBe(
      'SKIPPED 1 server-backed test (1 needs prometheus): skipped on request (FLIPTURN_SKIP_PROMETHEUS=1). With CI=true they are required.',
    );
  });
});
