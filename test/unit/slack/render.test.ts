import { describe, expect, it } from 'vitest';
import { narrate } from '../../../src/agent/narrator.js';
import type { Narrative } from '../../../src/agent/narrative.js';
import { HEADER_TEXT_LIMIT, MAX_BLOCKS_PER_MESSAGE, SECTION_TEXT_LIMIT, escapeMrkdwn, renderDocument, renderReply, type Block, type SlackMessage } from '../../../src/slack/render.js';
import { fixtureReport, smallReport } from '../agent/report-builders.js';

const texts = (m: SlackMessage): string[] =>
  m.blocks.flatMap((b: Block) => (b.type === 'section' || b.type === 'header' ? [b.text.text] : b.type === 'context' ? b.elements.map((e) => e.text) : []));

function assertLimits(messages: readonly SlackMessage[]): void {
  for (const m of messages) {
    expect(m.blocks.length).toBeLessThanOrEqual(MAX_BLOCKS_PER_MESSAGE);
    expect(m.text.length).toBeGreaterThan(0);
    for (const b of m.blocks) {
      if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(HEADER_TEXT_LIMIT);
      if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(SECTION_TEXT_LIMIT);
    }
  }
}

describe('renderReply', () => {
  it('leads with the header lines, then roles, evidence ids, actions; with a text fallback', () => {
    const r = fixtureReport('nezha-tt-2023-01-29-0921');
    const [m, ...more] = renderReply(narrate(r), { title: 'High latency on ts-gateway-service', evidenceCount: r.timeline.length });
    expect(more).toEqual([]);
    expect(m?.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'High latency on ts-gateway-service', emoji: false } });
    const t = texts(m as SlackMessage);
    expect(t[1]).toBe(`*${escapeMrkdwn(r.header[0])}*\n${escapeMrkdwn(r.header[1])}\n${escapeMrkdwn(r.header[2])}`);
    expect(t[2]).toMatch(/^\*Roles\*\n• Root cause: ts-basic-service \(E4, E1, E2\)/);
    expect(t.join('\n')).toContain('• E4 [score 0.76, rootCause]');
    expect(t.findIndex((x) => x.startsWith('*Actions*'))).toBeGreaterThan(t.findIndex((x) => x.startsWith('*Top evidence*')));
    expect(m?.text).toBe(escapeMrkdwn(r.header.join('\n')));
    assertLimits([m as SlackMessage]);
  });

  it('escapes hostile evidence text: no mention, link or channel reference survives', () => {
    const hostile = '<!channel> deploy broke, see <https://evil.example|click here> & ping <@U123> in <#C999>';
    const r = smallReport({ timeline: smallReport().timeline.map((e) => (e.id === 'E1' ? { ...e, summary: hostile } : e)), header: ['Confidence 82% (confirmed)', `Root cause: ${hostile}`, 'Proof trace t1'] });
    const out = renderReply(narrate(r), { title: '<!here> alert' });
    const all = out.flatMap((m) => [m.text, ...texts(m).slice(1)]).join('\n');
    expect(all).not.toMatch(/<[!@#h]/);
    expect(all).toContain('&lt;!channel&gt; deploy broke, see &lt;https://evil.example|click here&gt; &amp; ping &lt;@U123&gt;');
    // The header block is plain_text: Slack never parses it, so it is shown as is, not escaped twice.
    expect(out[0]?.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text', text: '<!here> alert' } });
  });

  it('splits a huge report into several messages under the limits, in order, marked as continued', () => {
    const many: Narrative = {
      header: ['Confidence 50% (likely)', 'x'.repeat(5000), 'Proof trace t'],
      author: { kind: 'narrator' },
      sections: Array.from({ length: 40 }, (_, i) => ({
        title: `Section ${i}`,
        sentences: Array.from({ length: 30 }, (_, j) => ({ text: `S${i}.${j} ${'evidence '.repeat(20)}`, cites: [`E${j + 1}`] })),
      })),
    };
    const out = renderReply(many, { title: 'T'.repeat(400) });
    expect(out.length).toBeGreaterThan(3);
    assertLimits(out);
    expect(out[0]?.blocks[0]).toMatchObject({ type: 'header' });
    expect((out[0]?.blocks[0] as { text: { text: string } }).text.text).toHaveLength(HEADER_TEXT_LIMIT);
    out.slice(1).forEach((m, i) => expect(texts(m)[0]).toBe(`(continued ${i + 2}/${out.length})`));
    // Order: every sentence appears exactly once, in the original order, across the messages.
    const seen = out.flatMap((m) => texts(m).join('\n').match(/S\d+\.\d+/g) ?? []);
    const expected = many.sections.flatMap((s) => s.sentences.map((x) => x.text.split(' ')[0]));
    expect(seen).toEqual(expected);
    // A 5000-character header line is cut to fit a section.
    expect(texts(out[0] as SlackMessage)[1]?.length).toBeLessThanOrEqual(SECTION_TEXT_LIMIT);
  });

  it('honours a smaller block budget and appends citations missing from a sentence text', () => {
    const out = renderDocument({ title: 't', lead: ['a'], sections: Array.from({ length: 10 }, (_, i) => ({ title: `s${i}`, sentences: [{ text: `claim ${i}`, cites: ['E1', 'E2'] }] })) }, { maxBlocks: 5 });
    for (const m of out) expect(m.blocks.length).toBeLessThanOrEqual(5);
    expect(out.flatMap(texts).join('\n')).toContain('• claim 3 (E1, E2)');
  });

  it('is deterministic', () => {
    const r = fixtureReport('nezha-tt-2023-01-29-1020');
    expect(JSON.stringify(renderReply(narrate(r)))).toBe(JSON.stringify(renderReply(narrate(fixtureReport('nezha-tt-2023-01-29-1020')))));
  });
});
