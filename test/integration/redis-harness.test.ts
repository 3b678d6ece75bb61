import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipRedisTests, startRedisServer, type RedisServerHandle } from '../support/redis-server.js';

describe.skipIf(skipRedisTests())('real Redis harness', () => {
  let server: RedisServerHandle;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('starts a private redis-server on loopback that answers commands', async () => {
    const client = new Redis(server.url, { lazyConnect: true });
    await client.connect();
    await client.set('flipturn:test', 'ok');
    expect(await client.get('flipturn:test')).toBe('ok');
    const info = await client.info('server');
    expect(info).toMatch(/redis_version:\d+/);
    client.disconnect();
  });
});
