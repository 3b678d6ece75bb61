/**
 * Every command, every group of commands and the CLI itself answer --help (and `flipturn help ...`); a group
 * without its subcommand prints its commands; every option carries a description shown in --help; a message that
 * already names its command is not prefixed twice.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { CommandSpec } from '../../../src/cli/command.js';
import { COMMANDS } from '../../../src/cli/commands/index.js';
import { FixedClock } from '../../../src/kernel/clock.js';
import { FlipturnError } from '../../../src/kernel/errors.js';
import { runCliCaptured } from '../../support/cli-runner.js';

const cli = (argv: string[], commands?: readonly CommandSpec[]) =>
  runCliCaptured(argv, { clock: new FixedClock(0), ...(commands ? { commands } : {}) });
const groups = [...new Set(COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]!))];

describe('help', () => {
  it('the command groups are lab, config, providers and scenario', () => {
    expect(groups.sort()).toEqual(expect.arrayContaining(['config', 'lab', 'providers', 'scenario']));
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))(
    'flipturn %s --help, -h and `help %s` show its usage, options and examples',
    async (name, c) => {
      for (const argv of [
        [...name.split(' '), '--help'],
        [...name.split(' '), '-h'],
        ['help', ...name.split(' ')],
      ]) {
        const r = await cli(argv);
        expect(r.code, argv.join(' ')).toBe(0);
        expect(r.err).toBe('');
        expect(r.out).toContain(`Usage: flipturn ${name}`);
        expect(r.out).toContain(c.summary);
        expect(r.out).toContain('Examples:');
        for (const [option, spec] of Object.entries(c.options ?? {})) {
          expect(spec.description.length, `${name} --${option}`).toBeGreaterThan(10);
          expect(r.out).toMatch(
            new RegExp(`--${option}\\b.*  ${spec.description.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
          );
        }
        expect(r.out).toMatch(/-h, --help\s+Show this help/);
      }
    },
  );

  it.each(groups.map((g) => [g]))(
    'flipturn %s --help lists the commands of the group; the bare group prints the same and exits 2',
    async (group) => {
      const members = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
      const help = await cli([group, '--help']);
      expect(help.code).toBe(0);
      for (const c of members) expect(help.out).toContain(c.name);
      expect((await cli(['help', group])).out).toBe(help.out);
      const bare = await cli([group]);
      expect(bare.code).toBe(2);
      expect(bare.out).toBe(help.out);
      expect(bare.err).toBe('');
    },
  );

  it('an unknown subcommand of a group names the group and its commands', async () => {
    const r = await cli(['lab', 'nope']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^flipturn: unknown command 'lab nope'\. 'flipturn lab' has: list, record, replay, slack-standin \(flipturn lab --help\)\.\n$/,
    );
  });

  it('--help on the CLI lists every command and explains help on groups', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.out).toContain(c.name);
    expect(r.out).toContain('flipturn lab --help');
    expect((await cli(['help'])).out).toBe(r.out);
  });

  it('an error message that already names the command is printed once, without a second prefix', async () => {
    const failing = (message: string): CommandSpec => ({
      name: 'serve',
      summary: 'x',
      usage: '',
      examples: [],
      needsConfig: false,
      run: () => Promise.reject(new FlipturnError('FT_CONFIG_INVALID', message)),
    });
    const named = await cli(['serve'], [failing('flipturn serve needs REDIS_URL: use flipturn start')]);
    expect(named.err).toBe('flipturn serve needs REDIS_URL: use flipturn start [FT_CONFIG_INVALID]\n');
    const plain = await cli(['serve'], [failing('REDIS_URL is unreachable')]);
    expect(plain.err).toBe('flipturn serve: REDIS_URL is unreachable [FT_CONFIG_INVALID]\n');
  });

  it('the standalone lab root (src/cli/lab-main.ts) answers --help like `flipturn lab`', () => {
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/lab-main.ts', ...args], {
        encoding: 'utf8',
        timeout: 60_000,
      });
    const group = run(['--help']);
    expect([group.status, group.stderr]).toEqual([0, '']);
    expect(group.stdout).toContain('Usage: flipturn lab <list|record> [options]');
    const record = run(['record', '--help']);
    expect(record.status).toBe(0);
    expect(record.stdout).toMatch(/--seed N\s+\S/);
  }, 120_000);
});
