import { describe, expect, it } from 'vitest';
import { hashTag, inSlotOf, parseRedisUrl } from '../../../src/kernel/redis-url.js';
import { parseConfig } from '../../../src/config/load.js';

describe('parseRedisUrl', () => {
  it('keeps a single-node URL as ioredis reads it', () => {
    expect(parseRedisUrl('redis://:pw@127.0.0.1:6379/2')).toEqual({
      ok: true,
      target: { kind: 'single', url: 'redis://:pw@127.0.0.1:6379/2' },
    });
    expect(parseRedisUrl('rediss://cache.example.com:6380')).toMatchObject({ ok: true, target: { kind: 'single' } });
  });

  it('reads a cluster URL: seed nodes, percent-decoded credentials, TLS by scheme', () => {
    expect(parseRedisUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7001,[::1]:7002')).toEqual({
      ok: true,
      target: {
        kind: 'cluster',
        tls: false,
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: '10.0.0.2', port: 7001 },
          { host: '::1', port: 7002 },
        ],
      },
    });
    expect(parseRedisUrl('rediss+cluster://flip%40turn:p%40ss%3Aw0rd@redis-0.svc:6379/')).toEqual({
      ok: true,
      target: {
        kind: 'cluster',
        tls: true,
        username: 'flip@turn',
        password: 'p@ss:w0rd',
        nodes: [{ host: 'redis-0.svc', port: 6379 }],
      },
    });
    expect(parseRedisUrl('redis+cluster://:secret@h:1')).toMatchObject({ target: { password: 'secret' } });
  });

  it('refuses what it cannot connect to, with the reason', () => {
    const message = (url: string) => {
      const r = parseRedisUrl(url);
      return r.ok ? undefined : r.message;
    };
    expect(message('http://h:1')).toContain('redis+cluster://');
    expect(message('redis+cluster://h:1,h')).toContain('"h"');
    expect(message('redis+cluster://h:70000')).toBeDefined();
    expect(message('redis+cluster://h:1/3')).toContain('database');
    expect(parseRedisUrl('redis://')).toMatchObject({ ok: false });
  });

  it('is what the configuration accepts for REDIS_URL', () => {
    expect(parseConfig({ REDIS_URL: 'redis+cluster://127.0.0.1:7000,127.0.0.1:7001' }).ok).toBe(true);
    const bad = parseConfig({ REDIS_URL: 'redis+cluster://127.0.0.1' });
    expect(bad.ok).toBe(false);
  });
});

describe('hash slots', () => {
  it('finds the hash tag as Redis Cluster does', () => {
    expect(hashTag('{flipturn}:signals')).toBe('flipturn');
    expect(hashTag('a{b}c{d}')).toBe('b');
    expect(hashTag('a{}b{c}')).toBeUndefined();
    expect(hashTag('plain')).toBeUndefined();
    expect(hashTag('a{open')).toBeUndefined();
  });

  it('puts a key in the slot of its anchor, tagged or not', () => {
    expect(inSlotOf('{flipturn}:signals', '{flipturn}:idem:')).toBe('{flipturn}:idem:');
    expect(inSlotOf('{flipturn}:signals', '{flipturn}:signals:dlq')).toBe('{flipturn}:signals:dlq');
    expect(inSlotOf('{flipturn}:signals', 'other:idem:')).toBe('{flipturn}:other:idem:');
    expect(inSlotOf('test:1:signals', 'test:1:signals:dlq')).toBe('{test:1:signals}:test:1:signals:dlq');
  });
});

describe('cluster credentials in the configuration', () => {
  it('registers the password of a cluster URL as a secret and masks it for display', async () => {
    const { loadConfig, maskUrlCredentials } = await import('../../../src/config/load.js');
    const { scrubber } = loadConfig({ REDIS_URL: 'redis+cluster://flipturn:s3cret-pass@10.0.0.1:7000,10.0.0.2:7000' });
    expect(scrubber.scrub('AUTH failed for s3cret-pass')).not.toContain('s3cret-pass');
    expect(maskUrlCredentials('redis+cluster://flipturn:s3cret-pass@10.0.0.1:7000,10.0.0.2:7000')).toBe(
      'redis+cluster://[REDACTED]@10.0.0.1:7000,10.0.0.2:7000',
    );
  });
});
