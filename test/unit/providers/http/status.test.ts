import { describe, expect, it } from 'vitest';
import { mapNetwork, mapStatus, vendorMessage } from '../../../../src/providers/http/status.js';

describe('HTTP status mapping', () => {
  it.each([
    [401, 'failed', 'auth'],
    [403, 'failed', 'auth'],
    [404, 'failed', 'not_found'],
    [400, 'failed', 'bad_request'],
    [422, 'failed', 'bad_request'],
    [405, 'failed', 'bad_request'],
    [408, 'retryable', 'timeout'],
    [429, 'retryable', 'rate_limited'],
    [500, 'retryable', 'unavailable'],
    [502, 'retryable', 'unavailable'],
    [503, 'retryable', 'unavailable'],
    [504, 'retryable', 'unavailable'],
    [302, 'failed', 'malformed'],
  ])('HTTP %d -> %s %s', (status, s, kind) => {
    const o = mapStatus('p', 'ep', status, '', undefined, 'failed');
    expect(o.status).toBe(s);
    expect('kind' in o ? o.kind : undefined).toBe(kind);
  });

  it('lets the provider say that 404 means no data', () => {
    expect(mapStatus('p', 'trace', 404, 'trace not found', undefined, 'no_data')).toEqual({
      status: 'no_data',
      provider: 'p',
      reason: 'trace: HTTP 404: trace not found',
      warnings: [],
    });
  });

  it('carries Retry-After on 429 and the vendor message on 400', () => {
    expect(mapStatus('p', 'q', 429, '', 3000, 'failed')).toMatchObject({
      status: 'retryable',
      kind: 'rate_limited',
      retryAfterMs: 3000,
    });
    const bad = mapStatus(
      'prometheus',
      'query_range',
      400,
      '{"status":"error","errorType":"bad_data","error":"parse error at char 5: unexpected \\"}\\""}',
      undefined,
      'failed',
    );
    expect(bad).toEqual({
      status: 'failed',
      provider: 'prometheus',
      kind: 'bad_request',
      reason: 'query_range: HTTP 400: parse error at char 5: unexpected "}"',
    });
  });

  it('maps transport failures', () => {
    const n = (cause: 'timeout' | 'aborted' | 'refused' | 'reset' | 'too_large' | 'other') =>
      mapNetwork('p', 'ep', { kind: 'network', cause, message: cause, url: 'http://x' });
    expect(n('timeout')).toMatchObject({ status: 'retryable', kind: 'timeout' });
    expect(n('refused')).toMatchObject({ status: 'retryable', kind: 'unavailable' });
    expect(n('reset')).toMatchObject({ status: 'retryable', kind: 'unavailable' });
    expect(n('aborted')).toMatchObject({ status: 'failed', kind: 'io' });
    expect(n('too_large')).toMatchObject({ status: 'failed', kind: 'malformed' });
  });
});

describe('vendor messages', () => {
  it('picks error/message/detail/errors from JSON, else the text, clipped', () => {
    expect(vendorMessage('{"message":"bad query"}')).toBe('bad query');
    expect(vendorMessage('{"errors":["a","b"]}')).toBe('a; b');
    expect(vendorMessage('{"error":{"message":"nested"}}')).toBe('nested');
    expect(vendorMessage('parse error:\n  line 1')).toBe('parse error: line 1');
    expect(vendorMessage('x'.repeat(400))).toHaveLength(303);
    expect(vendorMessage('  ')).toBe('');
  });
});
