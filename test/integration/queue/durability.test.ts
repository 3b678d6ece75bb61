/**
 * Reading Redis persistence: INFO persistence first (managed services allow it), CONFIG where allowed; AOF is
 * durable, RDB snapshots alone and nothing on disk are not; a failed read is unknown. Against real redis-servers
 * started with and without an append-only file, and against a fake that refuses CONFIG like a managed service.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkRedisPersistence,
  DurabilityMonitor,
  inProcessDurability,
  readPersistence,
  type PersistenceProbe,
} from '../../../src/queue/durability.js';
import { skipRedisTests, startRedisServer, type RedisServerHandle } from '../../support/redis-server.js';

const info = (fields: Record<string, string>) =>
  `# Persistence\r\n${Object.entries(fields)
    .map(([k, v]) => `${k}:${v}`)
    .join('\r\n')}\r\n`;
const probe = (fields: Record<string, string>, config?: Record<string, string>): PersistenceProbe => ({
  info: () => Promise.resolve(info(fields)),
  config: (_op, name) =>
    config ? Promise.resolve([name, config[name] ?? '']) : Promise.reject(new Error("ERR unknown command 'CONFIG'")),
});

describe('readPersistence', () => {
  it('AOF on: durable, with the fsync policy when CONFIG answers and without it when CONFIG is refused', async () => {
    expect(await readPersistence(probe({ aof_enabled: '1' }, { appendfsync: 'everysec' }), false)).toMatchObject({
      persistence: 'aof',
      fsync: 'everysec',
      durable: true,
    });
    const managed = await readPersistence(probe({ aof_enabled: '1' }), false);
    expect(managed).toMatchObject({ persistence: 'aof', durable: true });
    expect(managed.fsync).toBeUndefined();
    expect(managed.detail).toContain('fsync policy unknown');
  });

  it('RDB snapshots only, or nothing on disk: not durable, and the detail names the fix and the override', async () => {
    const rdb = await readPersistence(probe({ aof_enabled: '0' }, { save: '3600 1 300 100' }), false);
    expect(rdb).toMatchObject({ persistence: 'rdb', durable: false });
    const none = await readPersistence(probe({ aof_enabled: '0' }, { save: '' }), true);
    expect(none).toMatchObject({ persistence: 'none', durable: false, volatileAllowed: true });
    for (const d of [rdb, none]) expect(d.detail).toMatch(/appendonly yes[\s\S]*FLIPTURN_ALLOW_VOLATILE_QUEUE=true/);
  });

  it('INFO refused: unknown, not durable', async () => {
    const d = await readPersistence(
      { info: () => Promise.reject(new Error('NOPERM')), config: () => Promise.reject(new Error('x')) },
      false,
    );
    expect(d).toMatchObject({ persistence: 'unknown', durable: false });
  });

  it('the monitor blocks writes only for a known volatile queue without the override', () => {
    const m = new DurabilityMonitor(
      () => Promise.resolve(inProcessDurability(false)),
      () => 0,
    );
    expect(m.record(inProcessDurability(false)) && m.blocksWrites).toBe(true);
    m.record(inProcessDurability(true));
    expect(m.blocksWrites).toBe(false);
    m.record({ persistence: 'unknown', durable: false, volatileAllowed: false, detail: 'unreachable' });
    expect(m.blocksWrites).toBe(false);
  });
});

const skip = skipRedisTests();

describe.skipIf(skip)('checkRedisPersistence against real redis-servers', () => {
  const servers: RedisServerHandle[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('appendonly yes (everysec) is durable; no persistence is not', async () => {
    const aof = await startRedisServer();
    const none = await startRedisServer({ persistence: 'none' });
    servers.push(aof, none);
    expect(await checkRedisPersistence(aof.url, false)).toMatchObject({
      persistence: 'aof',
      fsync: 'everysec',
      durable: true,
    });
    expect(await checkRedisPersistence(none.url, false)).toMatchObject({ persistence: 'none', durable: false });
  });

  it('an unreachable Redis is unknown', async () => {
    const gone = await startRedisServer();
    await gone.stop();
    expect(await checkRedisPersistence(gone.url, false, 500)).toMatchObject({ persistence: 'unknown', durable: false });
  });
});
