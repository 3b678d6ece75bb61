/** Runs the demo (default scenario, deterministic narrator) and writes its real thread into the README's story. */
import { readFileSync, writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { COMMANDS } from '../src/cli/commands/index.js';
import { spliceStory, storyFromDemo } from '../src/cli/compose/story-docs.js';
import { runCli } from '../src/cli/router.js';
import { systemClock } from '../src/kernel/clock.js';
import { silentLogger } from '../src/kernel/logger.js';

const stdout = new PassThrough();
const stderr = new PassThrough();
let out = '';
stdout.on('data', (d: Buffer) => (out += d.toString()));
stderr.resume();
const code = await runCli({
  argv: ['demo'],
  commands: COMMANDS,
  version: 'docs',
  base: {
    env: {},
    stdout,
    stderr,
    clock: systemClock,
    cwd: process.cwd(),
    signal: new AbortController().signal,
    logger: silentLogger(),
  },
});
if (code !== 0) throw new Error(`the demo exited ${code}`);
writeFileSync('README.md', spliceStory(readFileSync('README.md', 'utf8'), storyFromDemo(out)));
process.stdout.write('wrote the README story from the demo\n');
