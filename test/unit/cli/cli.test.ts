import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/cli/commands/index.js';
import { FixedClock } from '../../../src/kernel/clock.js';
import { runCliCaptured } from '../../support/cli-runner.js';

function cli(argv: string[], env: Record<string, string> = {}) {
  return runCliCaptured(argv, { env, clock: new FixedClock(0) });
}

describe('cli', () => {
  it('--help lists every command', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.out).toContain(c.name);
  });

  it('--version prints the version', async () => {
    expect((await cli(['--version'])).out.trim()).toBe('9.9.9');
  });

  it('an unknown command exits 2 with a clear message', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'frobnicate'");
  });

  it('config check names every invalid variable and exits non-zero', async () => {
    const r = await cli(['config', 'check'], { REDIS_URL: 'notaurl', SLACK_SIGNING_SECRET: '' });
    expect(r.code).toBe(1);
    expect(r.err).toContain('REDIS_URL');
    expect(r.err).toContain('SLACK_SIGNING_SECRET');
  });

  it('config check prints the effective configuration with secrets masked', async () => {
    const r = await cli(['config', 'check'], {
      SLACK_SIGNING_SECRET: 'topsecretvalue99',
      SLACK_BOT_TOKEN: 'xoxb-topsecret-bot-99',
      LOKI_URL: 'http://127.0.0.1:3100',
    });
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('topsecretvalue99');
    expect(r.out).toMatch(/SLACK_SIGNING_SECRET\s+\[REDACTED\]/);
    expect(r.out).toContain('http://127.0.0.1:3100');
  });

  it('config check fails when a webhook source is enabled without SLACK_DEFAULT_CHANNEL, and prints warnings', async () => {
    const missing = await cli(['config', 'check'], { DATADOG_WEBHOOK_TOKEN: 'dd-webhook-token-0123456789' });
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/SLACK_DEFAULT_CHANNEL is required when DATADOG_WEBHOOK_TOKEN is set/);
    const warned = await cli(['config', 'check'], { RECLAIM_IDLE_MS: '30000' });
    expect(warned.code).toBe(0);
    expect(warned.out).toMatch(/warning: RECLAIM_IDLE_MS .*FLIPTURN_INVESTIGATION_DEADLINE_MS/);
  });

  it('every command that needs configuration refuses to run on a bad one', async () => {
    for (const c of COMMANDS.filter((x) => x.needsConfig)) {
      const r = await cli([...c.name.split(' ')], { REDIS_URL: 'notaurl' });
      expect(r.code, c.name).toBe(1);
      expect(r.err, c.name).toContain('REDIS_URL');
    }
  });
});
