/**
 * Every reply of every committed scenario, as Slack would get it: the cause-first reply, the details message and
 * the follow-up answers (every intent, "why not" for each runner-up, what changed after a recheck). Checked
 * against Slack's limits (50 blocks, 3,000 characters per section text, 150 per header, button values at most
 * 2,000, well-formed `<url|label>` links and nothing else in angle brackets), the reply's shape (at most 12
 * lines, the cause sentence first) and for text a person should never read: internal names (feature and
 * role identifiers, ledger kinds, provider status words), log templates with placeholders, and duplicate lines.
 */
import { describe, expect, it } from 'vitest';
import { FixedClock } from '../../../src/kernel/clock.js';
import { findScenarios, investigateScenario, loadScenario } from '../../../src/cli/commands/investigate-scenario.js';
import { narrate } from '../../../src/agent/narrator.js';
import { answerFollowUp } from '../../../src/agent/followups/answer.js';
import { diffReports } from '../../../src/agent/followups/diff.js';
import { renderDetails, renderDocument, renderReply, type SlackMessage } from '../../../src/slack/render.js';
import { checkMessage, denyListHits, duplicateLines, messageTexts } from '../../support/slack-checks.js';
import type { RcaReport } from '../../../src/rca/contract.js';

const ROOT = new URL('../../../', import.meta.url).pathname;

function followUps(r: RcaReport): SlackMessage[] {
  const questions = [
    'Show me the single most causal evidence line and why it beats the alternatives',
    'show the proof trace',
    'what changed?',
    'what should I do first?',
    'how sure are you?',
    'hello?',
    ...r.rootCauseCandidates.slice(0, 3).map((c) => `why not ${c.service}?`),
  ];
  const out = questions.flatMap((q) => {
    const a = answerFollowUp(q, { report: r });
    return renderDocument({ title: a.title, lead: [], sections: a.sections });
  });
  const diff = diffReports(r, r);
  out.push(
    ...renderDocument({
      title: 'Recheck',
      lead: [],
      sections: [{ title: 'What changed since the last analysis', sentences: diff.sentences }],
    }),
  );
  return out;
}

describe('replies of every committed scenario', async () => {
  const dirs = await findScenarios([`${ROOT}scenarios`]);
  it('finds the committed scenarios', () => expect(dirs.length).toBeGreaterThan(10));
  for (const dir of dirs) {
    const name = dir.split('/').pop() ?? dir;
    it(`${name}: within Slack's limits, cause first, no internal names, no duplicate lines`, async () => {
      const s = await loadScenario(dir);
      const { report, signal } = await investigateScenario(s, { wallClock: new FixedClock(0) });
      const n = narrate(report);
      const [reply, ...more] = renderReply(n, {
        title: signal.title,
        incident: { incidentId: 'inc_0123456789abcdef', version: 1 },
        evidenceCount: report.timeline.length,
      });
      expect(more).toHaveLength(0);
      expect(reply).toBeDefined();
      const all = [reply as SlackMessage, ...renderDetails(n, { title: signal.title }), ...followUps(report)];
      for (const m of all) expect(checkMessage(m), name).toEqual([]);
      const first = reply as SlackMessage;
      expect(checkMessage(first, { maxLines: 12 })).toEqual([]);
      expect(first.blocks[1]?.type).toBe('section');
      const causeText = first.blocks[1]?.type === 'section' ? (first.blocks[1].text?.text ?? '') : '';
      expect(causeText.startsWith('*')).toBe(true);
      expect(causeText.replace(/\*/g, '')).toBe(
        n.summary.cause.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
      );
      for (const m of all) {
        expect(denyListHits(messageTexts(m)), `${name}: ${messageTexts(m).join('\n').slice(0, 400)}`).toEqual([]);
        expect(duplicateLines(m), name).toEqual([]);
      }
    }, 60_000);
  }
});
