/**
 * `npm run demo` end to end: a child process, no network beyond 127.0.0.1, no keys. It must exit 0, print the
 * thread with the four causal roles, print the follow-up answer, and report its progress on stderr.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '..', '..');

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { cwd: REPO, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.once('error', fail);
    child.once('exit', (code) => {
      clearTimeout(timer);
      ok({ code, stdout, stderr });
    });
  });
}

describe('npm run demo', () => {
  it('runs the default scenario end to end and exits 0', async () => {
    const r = await run('npm', ['run', '--silent', 'demo']);
    expect(r.code, `stderr:\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('=== Slack thread (as it would appear) ===');
    for (const role of ['Root cause:', 'Propagation:', 'Bottleneck:', 'Symptom:']) expect(r.stdout).toContain(role);
    expect(r.stdout).toContain('Show me the single most causal evidence line and why it beats the alternatives');
    expect(r.stdout).toContain('Most causal evidence');
    expect(r.stdout).toContain('Why it beats the alternatives');
    for (const stage of ['accepted', 'queued', 'investigating', 'posted', 'follow-up', 'answered', 'done']) expect(r.stderr).toMatch(new RegExp(`\\] ${stage}\\s`));
  }, 180_000);
});
