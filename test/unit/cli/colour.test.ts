import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { colourEnabled } from '../../../src/cli/colour.js';
import { COMMANDS } from '../../../src/cli/commands/index.js';
import { renderCommandHelp } from '../../../src/cli/router.js';
import { systemClock } from '../../../src/kernel/clock.js';
import { runCliCaptured } from '../../support/cli-runner.js';

const SCENARIO = resolve(import.meta.dirname, '../../../scenarios/nezha-ob-2022-08-22-0726');
// eslint-disable-next-line no-control-regex
const ESC = /\u001b\[/;

function cli(argv: string[], o: { tty?: boolean; env?: Record<string, string> } = {}) {
  return runCliCaptured(argv, { ...o, clock: systemClock });
}

describe('colours only where a person looks', () => {
  it('colourEnabled: TTY on, pipe off, NO_COLOR wins, FORCE_COLOR forces (0/false do not)', () => {
    expect(colourEnabled({ isTTY: true }, {})).toBe(true);
    expect(colourEnabled({}, {})).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colourEnabled({}, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourEnabled({}, { FORCE_COLOR: '0' })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
  });

  it('investigate: verdict and roles coloured on a TTY, plain when piped or with NO_COLOR, never in --json', async () => {
    const tty = await cli(['investigate', SCENARIO], { tty: true });
    expect(tty.code).toBe(0);
    expect(tty.out).toMatch(ESC);
    const piped = await cli(['investigate', SCENARIO]);
    expect(piped.code).toBe(0);
    expect(piped.out).not.toMatch(ESC);
    // Same text once the escapes are removed.
    expect(
      tty.out
        // eslint-disable-next-line no-control-regex
        .replace(/\u001b\[\d+m/g, '')
        .split('\n')
        .filter((l) => !l.startsWith('Provider calls')),
    ).toEqual(piped.out.split('\n').filter((l) => !l.startsWith('Provider calls')));
    expect((await cli(['investigate', SCENARIO], { tty: true, env: { NO_COLOR: '1' } })).out).not.toMatch(ESC);
    const json = await cli(['investigate', SCENARIO, '--json'], { tty: true });
    expect(json.out).not.toMatch(ESC);
    expect(() => JSON.parse(json.out) as unknown).not.toThrow();
  });

  it('scenario validate, eval and providers check colour on a TTY only', async () => {
    for (const argv of [
      ['scenario', 'validate', SCENARIO],
      ['eval', SCENARIO],
    ]) {
      const tty = await cli(argv, { tty: true });
      expect(tty.code, argv.join(' ')).toBe(0);
      expect(tty.out, argv.join(' ')).toMatch(ESC);
      expect((await cli(argv)).out, argv.join(' ')).not.toMatch(ESC);
      expect((await cli([...argv, '--json'], { tty: true })).out, argv.join(' ')).not.toMatch(ESC);
    }
    const env = { OTLP_DIR: `${SCENARIO}/telemetry` };
    const tty = await cli(['providers', 'check', '--no-health'], { tty: true, env });
    expect(tty.code).toBe(0);
    expect(tty.out).toMatch(ESC);
    expect((await cli(['providers', 'check', '--no-health'], { env })).out).not.toMatch(ESC);
    expect(
      (await cli(['providers', 'check', '--no-health'], { tty: true, env: { ...env, NO_COLOR: 'yes' } })).out,
    ).not.toMatch(ESC);
    expect((await cli(['providers', 'check', '--no-health', '--json'], { tty: true, env })).out).not.toMatch(ESC);
  });

  it('errors are one line on stderr with a non-zero exit, and never coloured', async () => {
    const r = await cli(['investigate', '/nonexistent/scenario'], { tty: true });
    expect(r.code).not.toBe(0);
    expect(r.out).toBe('');
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).not.toMatch(ESC);
  });
});

describe('--help of every command', () => {
  it('has a summary, a description and examples that name the command', () => {
    for (const c of COMMANDS) {
      expect(c.description, c.name).toBeTruthy();
      expect(c.examples.length, c.name).toBeGreaterThan(0);
      expect(
        c.examples.some((e) => e.includes(`flipturn ${c.name}`) || e.includes('npm run')),
        c.name,
      ).toBe(true);
      const help = renderCommandHelp(c);
      expect(help).toContain('Examples:');
      expect(help).toContain(c.description as string);
    }
  });

  it('commands that print data accept --json', () => {
    for (const name of ['investigate', 'eval', 'providers check', 'config check', 'lab list', 'scenario validate']) {
      const c = COMMANDS.find((x) => x.name === name);
      expect(c?.options?.json, name).toBeDefined();
    }
  });
});
