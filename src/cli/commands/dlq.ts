/**
 * `flipturn dlq list|show|redrive`: the dead-letter stream, where the worker puts what it cannot process (a signal
 * past MAX_DELIVERIES, a failure retrying cannot fix, a payload that is not a valid signal), each with its reason.
 * An operator looks at it, fixes the cause (a provider's credentials, a bug), and redrives: the signal goes back on
 * the main stream as a new entry and is processed like a fresh delivery (the delivery ledger still keeps every
 * Slack reply single). Everything runs on the queue port (SignalQueue.deadLetters / findDeadLetter / redrive), so
 * it behaves the same on every adapter; from the command line it opens the Redis queue at REDIS_URL (the in-process
 * queue of `flipturn start` without Redis lives and dies inside that process).
 */
import { FlipturnError } from '../../kernel/errors.js';
import type { DeadLetter, RedriveResult, SignalQueue } from '../../queue/port.js';
import { decodeSignal, isStreamId } from '../../queue/port.js';
import { RedisSignalQueue } from '../../queue/redis.js';
import { EXIT, type CommandContext, type CommandSpec, type OptionSpec, type ParsedArgs } from '../command.js';

/** Opens the queue the commands work on; closed by the command when it is done. */
export type QueueOpener = (ctx: CommandContext) => Promise<SignalQueue>;

const MAX_LIMIT = 100_000;

/** The Redis queue at REDIS_URL, with the service's queue settings. */
async function openRedisQueue(ctx: CommandContext): Promise<SignalQueue> {
  const config = ctx.config;
  if (!config?.REDIS_URL) {
    throw new FlipturnError(
      'FT_CONFIG_INVALID',
      'the dead-letter stream is in Redis: set REDIS_URL (without Redis, the in-process queue of `flipturn start` lives only inside that process)',
    );
  }
  const queue = new RedisSignalQueue({
    url: config.REDIS_URL,
    clock: ctx.clock,
    logger: ctx.logger,
    settings: { maxDeliveries: config.MAX_DELIVERIES, maxLen: config.QUEUE_MAX_LENGTH },
  });
  if (!(await queue.waitReady(5000))) {
    await queue.close();
    throw new FlipturnError('FT_QUEUE_UNAVAILABLE', 'Redis at REDIS_URL did not answer within 5 s');
  }
  return queue;
}

async function withQueue(
  open: QueueOpener,
  ctx: CommandContext,
  run: (queue: SignalQueue) => Promise<number>,
): Promise<number> {
  const queue = await open(ctx);
  try {
    return await run(queue);
  } finally {
    await queue.close();
  }
}

function limitOf(args: ParsedArgs, fallback: number): number {
  const text = args.values.limit;
  if (typeof text !== 'string') return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_LIMIT)
    throw new FlipturnError('FT_USAGE', `--limit must be a whole number from 1 to ${MAX_LIMIT}, got '${text}'`);
  return n;
}

function checkedIds(ids: readonly string[]): string[] {
  for (const id of ids)
    if (!isStreamId(id))
      throw new FlipturnError(
        'FT_USAGE',
        `'${id}' is not a dead-letter id (a stream id like 1764754800000-0: see flipturn dlq list)`,
      );
  return [...ids];
}

/** One line about the signal inside a dead letter, or why it is unreadable. */
function describePayload(payload: string): string {
  const s = decodeSignal(payload);
  if (typeof s === 'string') return `(${s})`;
  if (s.kind === 'alert') return `alert ${s.source} ${s.state} ${JSON.stringify(s.title)} incident ${s.incidentKey}`;
  if (s.kind === 'followup')
    return `follow-up in ${s.slack.channel} thread ${s.slack.threadTs}: ${JSON.stringify(s.question.slice(0, 80))}`;
  return `button ${s.action} in ${s.slack.channel} thread ${s.slack.threadTs}${s.incidentId ? ` (${s.incidentId})` : ''}`;
}

function asJson(d: DeadLetter): Record<string, unknown> {
  const s = decodeSignal(d.payload);
  return { ...d, ...(typeof s === 'string' ? { redrivable: false, problem: s } : { redrivable: true, signal: s }) };
}

const json = { type: 'boolean', default: false, description: 'Print JSON instead of text.' } as const;
const limit = (description: string, fallback: number) =>
  ({
    type: 'string',
    valueName: 'N',
    default: String(fallback),
    description: `${description}: 1 to ${MAX_LIMIT}`,
  }) as const;

function listCommand(open: QueueOpener): CommandSpec {
  return {
    name: 'dlq list',
    summary: 'List the dead letters (newest first) with their reason and signal.',
    usage: '[--limit N] [--json]',
    description:
      'One line per dead letter: its id (what show and redrive take), when it died, the deliveries it had, the reason ' +
      '(an error code and message from the worker, "exceeded N deliveries", or "poison: ..." for a payload that is not a ' +
      'valid signal) and what the signal was. --json prints {total, deadLetters} with each signal parsed. Needs REDIS_URL.',
    examples: ['REDIS_URL=redis://127.0.0.1:6379 flipturn dlq list', 'flipturn dlq list --limit 500 --json'],
    needsConfig: true,
    options: { limit: limit('Most dead letters to list, newest first', 20), json } satisfies OptionSpec,
    run: (ctx, args) =>
      withQueue(open, ctx, async (queue) => {
        const n = limitOf(args, 20);
        const [dead, stats] = await Promise.all([queue.deadLetters(n), queue.stats()]);
        if (args.values.json === true) {
          ctx.stdout.write(`${JSON.stringify({ total: stats.deadLetters, deadLetters: dead.map(asJson) }, null, 2)}\n`);
          return EXIT.ok;
        }
        ctx.stdout.write(
          `${stats.deadLetters} dead letter(s)${dead.length < stats.deadLetters ? `, the newest ${dead.length} shown (--limit)` : ''}\n`,
        );
        for (const d of dead)
          ctx.stdout.write(
            `  ${d.id}  ${d.deadAt}  ${d.deliveries} deliver${d.deliveries === 1 ? 'y' : 'ies'}  ${d.reason}\n      ${describePayload(d.payload)}\n`,
          );
        return EXIT.ok;
      }),
  };
}

function showCommand(open: QueueOpener): CommandSpec {
  return {
    name: 'dlq show',
    summary: 'Show one dead letter: its reason, deliveries and the whole signal.',
    usage: '<id> [--json]',
    description:
      'The id is the one dlq list prints. Exits 1 when the dead-letter stream has no such entry (redriven, or trimmed). Needs REDIS_URL.',
    examples: ['flipturn dlq show 1764754800000-0', 'flipturn dlq show 1764754800000-0 --json'],
    needsConfig: true,
    maxPositionals: 1,
    options: { json },
    run: (ctx, args) => {
      const [id] = checkedIds(args.positionals);
      if (id === undefined)
        throw new FlipturnError('FT_USAGE', 'name the dead letter to show (an id from flipturn dlq list)');
      return withQueue(open, ctx, async (queue) => {
        const d = await queue.findDeadLetter(id);
        if (!d) {
          ctx.stderr.write(
            `flipturn dlq show: no dead letter ${id} (redriven already, or trimmed by QUEUE_MAX_LENGTH)\n`,
          );
          return EXIT.failure;
        }
        if (args.values.json === true) {
          ctx.stdout.write(`${JSON.stringify(asJson(d), null, 2)}\n`);
          return EXIT.ok;
        }
        const s = decodeSignal(d.payload);
        const rows: Array<[string, string]> = [
          ['id', d.id],
          ['original id', d.originalId],
          ['dead at', d.deadAt],
          ['deliveries', String(d.deliveries)],
          ['reason', d.reason],
          ['signal', describePayload(d.payload)],
        ];
        for (const [k, v] of rows) ctx.stdout.write(`${k.padEnd(12)}  ${v}\n`);
        ctx.stdout.write(`\n${typeof s === 'string' ? d.payload : JSON.stringify(s, null, 2)}\n\n`);
        ctx.stdout.write(
          typeof s === 'string' ? `Not redrivable: ${s}\n` : `Redrive with: flipturn dlq redrive ${d.id}\n`,
        );
        return EXIT.ok;
      });
    },
  };
}

interface RedriveLine {
  readonly id: string;
  readonly result: RedriveResult | { readonly outcome: 'would_redrive' };
}

/** {id (the dead letter's), outcome, entry (the new stream id) | reason}. */
function resultJson(l: RedriveLine): Record<string, string> {
  const r = l.result;
  if (r.outcome === 'redriven') return { id: l.id, outcome: r.outcome, entry: r.id };
  if (r.outcome === 'refused') return { id: l.id, outcome: r.outcome, reason: r.reason };
  return { id: l.id, outcome: r.outcome };
}

function redriveText(l: RedriveLine): string {
  const r = l.result;
  if (r.outcome === 'redriven') return `redriven   ${l.id} -> ${r.id}`;
  if (r.outcome === 'would_redrive') return `would redrive ${l.id}`;
  if (r.outcome === 'refused') return `refused    ${l.id}: ${r.reason} (it would only be dead-lettered again)`;
  return `not found  ${l.id} (redriven already, or trimmed)`;
}

function redriveCommand(open: QueueOpener): CommandSpec {
  return {
    name: 'dlq redrive',
    summary: 'Put dead letters back on the main stream to be processed again.',
    usage: '<id ...> | --all [--limit N] [--dry-run] [--json]',
    description:
      'Each dead letter is appended to the main stream as a new entry and removed from the dead-letter stream in one ' +
      'atomic step: never in both, never lost, and redriving an id twice appends it once. Fix the cause first (the ' +
      'reason in dlq list). A payload that is not a valid signal is refused and stays. --all redrives the dead letters ' +
      'dlq list --limit N would show, oldest first (run again while more remain). Exits 1 when a named id was not ' +
      'redriven. Needs REDIS_URL.',
    examples: [
      'flipturn dlq redrive 1764754800000-0',
      'flipturn dlq redrive --all --dry-run',
      'flipturn dlq redrive --all --limit 1000',
    ],
    needsConfig: true,
    maxPositionals: MAX_LIMIT,
    options: {
      all: {
        type: 'boolean',
        default: false,
        description: 'Redrive every dead letter up to --limit (instead of naming ids).',
      },
      limit: limit('Most dead letters --all takes (the newest N, redriven oldest first)', 1000),
      'dry-run': {
        type: 'boolean',
        default: false,
        description: 'Only say what would be redriven or refused; change nothing.',
      },
      json,
    },
    run: (ctx, args) => {
      const all = args.values.all === true;
      const ids = checkedIds(args.positionals);
      if (all === ids.length > 0)
        throw new FlipturnError(
          'FT_USAGE',
          all
            ? 'name dead-letter ids or use --all, not both'
            : 'name the dead letters to redrive (ids from flipturn dlq list), or use --all',
        );
      const n = limitOf(args, 1000);
      return withQueue(open, ctx, async (queue) => {
        const targets = all ? (await queue.deadLetters(n)).map((d) => d.id).reverse() : ids;
        const lines: RedriveLine[] = [];
        for (const id of targets)
          lines.push({
            id,
            result: args.values['dry-run'] === true ? await dryRun(queue, id) : await queue.redrive(id),
          });
        const remaining = (await queue.stats()).deadLetters;
        if (args.values.json === true)
          ctx.stdout.write(`${JSON.stringify({ results: lines.map(resultJson), remaining }, null, 2)}\n`);
        else {
          for (const l of lines) ctx.stdout.write(`${redriveText(l)}\n`);
          const count = (o: string) => lines.filter((l) => l.result.outcome === o).length;
          ctx.stdout.write(
            `${args.values['dry-run'] === true ? `would redrive ${count('would_redrive')}` : `redriven ${count('redriven')}`}, refused ${count('refused')}, not found ${count('not_found')}; ${remaining} dead letter(s) remain\n`,
          );
        }
        const missed = lines.some((l) => l.result.outcome === 'refused' || l.result.outcome === 'not_found');
        return !all && missed ? EXIT.failure : EXIT.ok;
      });
    },
  };
}

async function dryRun(queue: SignalQueue, id: string): Promise<RedriveLine['result']> {
  const d = await queue.findDeadLetter(id);
  if (!d) return { outcome: 'not_found' };
  const s = decodeSignal(d.payload);
  return typeof s === 'string' ? { outcome: 'refused', reason: s } : { outcome: 'would_redrive' };
}

/** The three commands on the queue `open` gives (tests pass an in-process queue; the CLI opens Redis). */
export function dlqCommands(open: QueueOpener = openRedisQueue): CommandSpec[] {
  return [listCommand(open), showCommand(open), redriveCommand(open)];
}
