/** `flipturn investigate <scenario> --blocks`: Block Kit Builder JSON of the reply (and --details of the details message), within Slack's limits; --png writes the picture. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/kernel/clock.js';
import type { SlackMessage } from '../../../src/slack/render.js';
import { runCliCaptured } from '../../support/cli-runner.js';
import { checkMessage } from '../../support/slack-checks.js';

const clock = new FixedClock(new Date('2026-12-01T00:00:00Z'));

describe('flipturn investigate --blocks', () => {
  it('prints {"blocks": [...]} of the cause-first reply, with its buttons, within the limits', async () => {
    const run = await runCliCaptured(['investigate', 'scenarios/cache_poison_pill', '--blocks'], { clock });
    expect(run.code, run.err).toBe(0);
    const out = JSON.parse(run.out) as { blocks: SlackMessage['blocks'] };
    expect(out.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'actions', 'context']);
    expect(checkMessage({ text: 'x', blocks: out.blocks }, { maxLines: 12 })).toEqual([]);
  }, 60_000);

  it('--details prints the details message', async () => {
    const run = await runCliCaptured(['investigate', 'scenarios/cache_poison_pill', '--blocks', '--details'], {
      clock,
    });
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain('Evidence, in time order');
  }, 60_000);

  it('--details without --blocks is a usage error', async () => {
    const run = await runCliCaptured(['investigate', 'scenarios/cache_poison_pill', '--details'], { clock });
    expect(run.code).not.toBe(0);
    expect(run.err).toContain('--details goes with --blocks');
  }, 60_000);

  it('--png FILE writes the picture (causal chain, critical path vs baseline)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flipturn-png-'));
    try {
      const run = await runCliCaptured(
        ['investigate', 'scenarios/cache_poison_pill', '--png', join(dir, 'chain.png')],
        { clock },
      );
      expect(run.code, run.err).toBe(0);
      expect(run.err).toMatch(/picture written to .*chain\.png \(1200x\d+, \d+ bytes\)/);
      expect(readFileSync(join(dir, 'chain.png')).subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(run.out).toContain('catalog-cache');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
