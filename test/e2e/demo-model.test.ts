/**
 * Issue 6, Done-when (demo half): `npm run demo` with FLIPTURN_DEMO_MODEL=standin (src/agent/wiring.ts starts the
 * local OpenAI-compatible stand-in and points the demo's OPENAI_BASE_URL at it) posts a model-written reply whose
 * every cited evidence id exists.
 *
 * The demo prints the thread, not its report. The report is recomputed here, in this process, from the same
 * committed scenario (investigateScenario: otlp-file over scenarios/cache_poison_pill/telemetry); the printed cause
 * sentence and every printed ledger line of the details message (posted by the demo's "Details" click, written by
 * the model) must be that report's, which ties the demo's evidence timeline to this one. Then every E-id cited
 * anywhere in the printed thread must be in that timeline, and each sentence of the model's section must cite
 * evidence of the service it names.
 */
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, runInRepo as run } from '../support/run-npm.js';
import { DEMO_DEFAULT_SCENARIO } from '../../src/cli/commands/demo.js';
import { investigateScenario, loadScenario } from '../../src/cli/commands/investigate-scenario.js';
import { FixedClock } from '../../src/kernel/clock.js';
import type { RcaReport } from '../../src/rca/contract.js';
import { narrate } from '../../src/agent/narrator.js';

/** The bullets of a "*Title*" section of the printed reply, up to the next section title or footer. */
function sectionBullets(reply: string, title: string): string[] {
  const lines = reply.split('\n').map((l) => l.trim());
  const at = lines.indexOf(`*${title}*`);
  if (at < 0) return [];
  const out: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (!l.startsWith('• ')) break;
    out.push(l.slice(2));
  }
  return out;
}

const idsIn = (text: string): string[] =>
  [...new Set(text.match(/\bE\d+\b/g) ?? [])].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));

/** Whether a sentence names a service as a whole word ("catalog" is not named by "catalog-cache"). */
function names(sentence: string, service: string | undefined): boolean {
  if (!service) return false;
  return new RegExp(`(^|[^\\w-])${service.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`).test(sentence);
}

let report: RcaReport;

beforeAll(async () => {
  const scenario = await loadScenario(resolve(REPO, 'scenarios', DEMO_DEFAULT_SCENARIO));
  report = (await investigateScenario(scenario, { wallClock: new FixedClock(0) })).report;
});

describe('npm run demo with FLIPTURN_DEMO_MODEL=standin', () => {
  it('posts a model-written reply whose every cited evidence id is in the scenario report timeline', async () => {
    const r = await run('npm', ['run', '--silent', 'demo'], { FLIPTURN_DEMO_MODEL: 'standin' });
    expect(r.code, `stderr:\n${r.stderr}`).toBe(0);
    expect(r.stderr).toMatch(/replies by model stand-in on http:\/\/127\.0\.0\.1:\d+\/v1/);

    const [thread = '', followUp = ''] = r.stdout.split('=== Follow-up in the thread ===');
    const [summary = '', reply = ''] = thread.split('=== "Details" clicked: posted in the thread ===');
    expect(summary).toContain('=== Slack thread (as it would appear) ===');
    // The details' author marker: the model wrote them, not the narrator.
    expect(reply).toContain('Written by model flipturn-standin, every cited line checked against the evidence from');
    expect(reply).not.toContain('Written by the deterministic narrator');

    // The printed thread is this report's: same cause sentence, same ledger, same evidence count.
    const narrative = narrate(report);
    expect(summary).toContain(narrative.summary.cause.text);
    expect(reply).toContain(`from ${report.timeline.length} evidence lines`);
    const timeline = new Map(report.timeline.map((e) => [e.id, e]));
    const ledger = sectionBullets(reply, 'Evidence, in time order');
    expect(ledger.length).toBeGreaterThan(0);
    const expected =
      narrative.sections.find((x) => x.title === 'Evidence, in time order')?.sentences.map((x) => x.text) ?? [];
    expect(ledger).toEqual(expected);

    // Every id the thread cites (reply and follow-up answer) is in that timeline.
    const cited = idsIn(r.stdout);
    expect(cited.length).toBeGreaterThan(0);
    expect(cited.filter((id) => !timeline.has(id))).toEqual([]);

    // The model's causal sentences: each cites evidence, of the service it names; the root cause is the report's.
    const model = sectionBullets(reply, 'What happened (model)');
    expect(model.length).toBeGreaterThan(0);
    for (const sentence of model) {
      const ids = idsIn(sentence);
      expect(ids.length, sentence).toBeGreaterThan(0);
      for (const id of ids)
        expect(
          names(sentence, timeline.get(id)?.service),
          `${sentence}: ${id} is evidence of ${timeline.get(id)?.service}`,
        ).toBe(true);
    }
    expect(report.roles.rootCause.length).toBeGreaterThan(0);
    expect(model.some((s) => /root cause/i.test(s) && report.roles.rootCause.every((svc) => names(s, svc)))).toBe(true);

    // The follow-up was answered too, from the saved evidence.
    expect(followUp).toContain('Show me the single most causal evidence line');
    expect(followUp).toMatch(/Answered from the saved evidence of version 1/);
  }, 180_000);
});
