/**
 * `flipturn dlq list|show|redrive` on the dead-letter stream: against a private redis-server through REDIS_URL (the
 * real command, the queue the service uses), and the same cases on the in-process queue (the commands run on the
 * SignalQueue port). A worker-failed signal is listed, shown and redriven back to the main stream (read again as a
 * fresh delivery, gone from the dead letters, a second redrive finds nothing); a poison payload is refused and stays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dlqCommands } from '../../../src/cli/commands/dlq.js';
import type { CommandSpec } from '../../../src/cli/command.js';
import { FixedClock, systemClock } from '../../../src/kernel/clock.js';
import { InProcessQueue } from '../../../src/queue/memory.js';
import type { SignalQueue } from '../../../src/queue/port.js';
import { RedisSignalQueue } from '../../../src/queue/redis.js';
import { makeSignal } from '../../conformance/signal.js';
import { runCliCaptured } from '../../support/cli-runner.js';
import { skipRedisTests, startRedisServer, type RedisServerHandle } from '../../support/redis-server.js';

interface Backend {
  /** The queue the service would use (the test seeds dead letters through it and checks the main stream). */
  readonly queue: SignalQueue;
  appendRaw(payload: string): Promise<unknown>;
  readonly env: Record<string, string>;
  /** Undefined: the CLI's own commands (COMMANDS, opening REDIS_URL). */
  readonly commands?: readonly CommandSpec[];
}

function dlqCases(backend: () => Backend): void {
  const cli = (argv: string[]) => {
    const b = backend();
    return runCliCaptured(argv, { clock: systemClock, env: b.env, ...(b.commands ? { commands: b.commands } : {}) });
  };

  let failedId = '';
  let poisonId = '';

  it('list shows each dead letter with its reason and signal; --json parses the signal', async () => {
    const { queue } = backend();
    const { id } = await queue.append(makeSignal(1, { title: 'checkout p99 high' }));
    expect((await queue.read({ consumer: 'w1' })).map((e) => e.id)).toEqual([id]);
    await queue.deadLetter(id, 'FT_PROVIDER_FAILED: datadog answered 403');
    await backend().appendRaw('{"kind":"alert"');
    expect(await queue.read({ consumer: 'w1' })).toEqual([]); // the poison is dead-lettered on read
    const dead = await queue.deadLetters();
    expect(dead).toHaveLength(2);
    failedId = dead.find((d) => d.originalId === id)?.id ?? '';
    poisonId = dead.find((d) => d.originalId !== id)?.id ?? '';

    const text = await cli(['dlq', 'list']);
    expect([text.code, text.err]).toEqual([0, '']);
    expect(text.out).toMatch(/^2 dead letter\(s\)\n/);
    expect(text.out).toContain(`  ${failedId}  `);
    expect(text.out).toContain('1 delivery  FT_PROVIDER_FAILED: datadog answered 403');
    expect(text.out).toContain(
      'alert datadog_webhook triggered "checkout p99 high" incident datadog:monitor:42:service:svc-1',
    );
    expect(text.out).toMatch(/poison: payload is not JSON/);

    const json = await cli(['dlq', 'list', '--json', '--limit', '1']);
    const parsed = JSON.parse(json.out) as {
      total: number;
      deadLetters: Array<{ id: string; redrivable: boolean; problem?: string }>;
    };
    expect(parsed.total).toBe(2);
    expect(parsed.deadLetters.map((d) => [d.id, d.redrivable])).toEqual([[poisonId, false]]);
  });

  it('show prints one dead letter with the whole signal, or exits 1 for an unknown id', async () => {
    const shown = await cli(['dlq', 'show', failedId]);
    expect([shown.code, shown.err]).toEqual([0, '']);
    expect(shown.out).toMatch(/^id {12}/);
    expect(shown.out).toContain('"title": "checkout p99 high"');
    expect(shown.out).toContain(`Redrive with: flipturn dlq redrive ${failedId}`);
    const poison = await cli(['dlq', 'show', poisonId, '--json']);
    expect(JSON.parse(poison.out)).toMatchObject({ id: poisonId, payload: '{"kind":"alert"', redrivable: false });
    const missing = await cli(['dlq', 'show', '1-1']);
    expect(missing.code).toBe(1);
    expect(missing.err).toBe(
      'flipturn dlq show: no dead letter 1-1 (redriven already, or trimmed by QUEUE_MAX_LENGTH)\n',
    );
  });

  it('redrive --dry-run changes nothing; redrive moves the signal back once and refuses the poison', async () => {
    const { queue } = backend();
    const dry = await cli(['dlq', 'redrive', '--all', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(`would redrive ${failedId}\n`);
    expect(dry.out).toContain('would redrive 1, refused 1, not found 0; 2 dead letter(s) remain');
    expect((await queue.stats()).deadLetters).toBe(2);

    const run = await cli(['dlq', 'redrive', failedId, '--json']);
    expect([run.code, run.err]).toEqual([0, '']);
    const out = JSON.parse(run.out) as {
      results: Array<{ id: string; outcome: string; entry?: string }>;
      remaining: number;
    };
    expect(out.results.map((r) => [r.id, r.outcome])).toEqual([[failedId, 'redriven']]);
    expect(out.remaining).toBe(1);
    const back = await queue.read({ consumer: 'w2' });
    expect(back.map((e) => [e.id, e.signal.kind === 'alert' ? e.signal.title : '', e.deliveries])).toEqual([
      [out.results[0]?.entry, 'checkout p99 high', 1],
    ]);

    const again = await cli(['dlq', 'redrive', failedId, poisonId]);
    expect(again.code).toBe(1);
    expect(again.out).toContain(`not found  ${failedId} (redriven already, or trimmed)`);
    expect(again.out).toMatch(new RegExp(`refused {4}${poisonId}: poison: payload is not JSON`));
    expect(await queue.read({ consumer: 'w2' })).toEqual([]);
    expect((await queue.deadLetters()).map((d) => d.id)).toEqual([poisonId]);
  });

  it('bad arguments are usage errors that say what is wrong', async () => {
    const both = await cli(['dlq', 'redrive']);
    expect([both.code, both.err]).toEqual([
      2,
      'flipturn dlq redrive: name the dead letters to redrive (ids from flipturn dlq list), or use --all [FT_USAGE]\n',
    ]);
    const limit = await cli(['dlq', 'list', '--limit', 'abc']);
    expect([limit.code, limit.err]).toEqual([
      2,
      "flipturn dlq list: --limit must be a whole number from 1 to 100000, got 'abc' [FT_USAGE]\n",
    ]);
    const id = await cli(['dlq', 'show', 'nope']);
    expect(id.code).toBe(2);
    expect(id.err).toContain("'nope' is not a dead-letter id");
  });
}

describe.skipIf(skipRedisTests())('flipturn dlq on Redis (REDIS_URL)', () => {
  let redis: RedisServerHandle;
  let queue: RedisSignalQueue;
  beforeAll(async () => {
    redis = await startRedisServer();
    // The default stream and group: the ones the service and the command use.
    queue = new RedisSignalQueue({ url: redis.url, clock: systemClock });
    expect(await queue.waitReady(5000)).toBe(true);
  });
  afterAll(async () => {
    await queue?.close();
    await redis?.stop();
  });
  dlqCases(() => ({ queue, appendRaw: (p) => queue.appendRaw(p), env: { REDIS_URL: redis.url } }));

  it('needs REDIS_URL', async () => {
    const run = await runCliCaptured(['dlq', 'list'], { clock: systemClock, env: {} });
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^flipturn dlq list: the dead-letter stream is in Redis: set REDIS_URL/);
  });
});

describe('flipturn dlq on the in-process queue (the same port)', () => {
  const queue = new InProcessQueue(new FixedClock(Date.parse('2026-12-03T10:00:00Z')));
  // The commands close the queue they opened: hand them a view whose close() leaves this one open.
  const view: SignalQueue = {
    append: (s) => queue.append(s),
    appendOnce: (s, ttl) => queue.appendOnce(s, ttl),
    read: (o) => queue.read(o),
    ack: (id) => queue.ack(id),
    reclaim: (o) => queue.reclaim(o),
    deadLetter: (id, reason) => queue.deadLetter(id, reason),
    deadLetters: (limit) => queue.deadLetters(limit),
    findDeadLetter: (id) => queue.findDeadLetter(id),
    redrive: (id) => queue.redrive(id),
    stats: () => queue.stats(),
    ping: () => queue.ping(),
    close: () => Promise.resolve(),
  };
  dlqCases(() => ({
    queue,
    appendRaw: (p) => Promise.resolve(queue.appendRaw(p)),
    env: {},
    commands: dlqCommands(() => Promise.resolve(view)),
  }));
});
