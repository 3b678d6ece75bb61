import { describe, expect, it } from 'vitest';
import { SecretScrubber } from '../../../../src/kernel/secrets.js';
import { buildScrub, redactText, redactUrl } from '../../../../src/providers/http/redact.js';
import { joinUrl } from '../../../../src/providers/http/url.js';

describe('URL and text redaction', () => {
  it('masks credential query parameters and user-info, keeping the rest', () => {
    expect(redactUrl('https://u:p4ss@api.example.com/v1/q?query=up&api_key=abc123&dd-application-key=zz&limit=5')).toBe(
      'https://api.example.com/v1/q?query=up&api_key=%5BREDACTED%5D&dd-application-key=%5BREDACTED%5D&limit=5',
    );
    expect(redactUrl('http://h/x?token=t0k3n')).toBe('http://h/x?token=%5BREDACTED%5D');
  });

  it('masks Authorization-like headers, bearer tokens and api keys inside free text', () => {
    expect(redactText('request had Authorization: Bearer abcdef123456 and failed')).toBe(
      'request had Authorization: [REDACTED] and failed',
    );
    expect(redactText('{"headers":{"DD-API-KEY":"k3y-value"}}')).toBe('{"headers":{"DD-API-KEY":"[REDACTED]"}}');
    expect(redactText('use Bearer eyJhbGciOi.xyz to log in')).toBe('use Bearer [REDACTED] to log in');
    expect(redactText('GET /q?x=1&api_key=secret99 HTTP/1.1')).toBe('GET /q?x=1&api_key=[REDACTED] HTTP/1.1');
    expect(redactText('dial https://admin:hunter22@loki:3100 failed')).toBe('dial https://[REDACTED]@loki:3100 failed');
  });

  it('scrubs config secrets, the client credential header values and base URL user-info', () => {
    const shared = new SecretScrubber().register('config-secret-1');
    const scrub = buildScrub(
      shared,
      { Authorization: 'Basic dXNlcjpwYXNz', 'X-Scope-OrgID': 'tenant-a' },
      'http://alice:wonderland@h:1',
    );
    const out = scrub('echo: config-secret-1 dXNlcjpwYXNz wonderland tenant-a');
    expect(out).not.toContain('config-secret-1');
    expect(out).not.toContain('dXNlcjpwYXNz');
    expect(out).not.toContain('wonderland');
    expect(out).toContain('tenant-a'); // a tenant id is not a credential
  });
});

describe('URL joining', () => {
  it('keeps a base path prefix, joins with one slash and appends query keys in order', () => {
    expect(
      joinUrl('http://h:3100/loki-proxy/', '/loki/api/v1/query_range', {
        query: '{a="b"}',
        limit: 5,
        skip: undefined,
      }).toString(),
    ).toBe('http://h:3100/loki-proxy/loki/api/v1/query_range?query=%7Ba%3D%22b%22%7D&limit=5');
    expect(joinUrl('http://h', 'ready').toString()).toBe('http://h/ready');
    expect(joinUrl('http://h/api', '/v1/series', { 'match[]': ['up', 'x'] }).search).toBe(
      '?match%5B%5D=up&match%5B%5D=x',
    );
  });
});
