/**
 * `npm run demo` end to end: a child process, no network beyond 127.0.0.1, no keys. It must exit 0, print the
 * thread with the four causal roles and the picture, print the follow-up answer, report its progress on stderr, and
 * print exactly the thread the README shows (its story is generated from this output: npm run docs:story).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { comparableStory, readmeStory, storyFromDemo } from '../../src/cli/compose/story-docs.js';
import { runInRepo as run } from '../support/run-npm.js';

describe('npm run demo', () => {
  it('runs the default scenario end to end and exits 0', async () => {
    const r = await run('npm', ['run', '--silent', 'demo']);
    expect(r.code, `stderr:\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('=== Slack thread (as it would appear) ===');
    for (const role of ['Root cause:', 'Propagation:', 'Bottleneck:', 'Symptom:', 'Confidence:'])
      expect(r.stdout).toContain(role);
    expect(r.stdout).toContain('[Details] [Recheck] [Correct cause] [Wrong cause]');
    expect(r.stdout).toContain('=== "Details" clicked: posted in the thread ===');
    expect(r.stdout).toContain('*Evidence, in time order*');
    expect(r.stdout).toContain('Show me the single most causal evidence line and why it beats the alternatives');
    expect(r.stdout).toContain('Most causal evidence');
    expect(r.stdout).toContain('Why it beats the alternatives');
    for (const stage of [
      'accepted',
      'queued',
      'investigating',
      'posted',
      'picture',
      'clicked',
      'follow-up',
      'answered',
      'done',
    ])
      expect(r.stderr).toMatch(new RegExp(`\\] ${stage}\\s`));
    expect(r.stdout).toMatch(/\[picture: Causal chain and critical path: .+\.png, \d+ bytes\)\]/);
    // The README's story is this run's thread (regenerate it with `npm run docs:story`).
    expect(
      comparableStory(readmeStory(readFileSync('README.md', 'utf8'))),
      'README story drifted from the demo: run npm run docs:story',
    ).toBe(comparableStory(storyFromDemo(r.stdout)));
  }, 180_000);
});
