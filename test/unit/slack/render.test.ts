import { describe, expect, it } from 'vitest';
import { narrate } from '../../../src/agent/narrator.js';
import type { Narrative } from '../../../src/agent/narrative.js';
import {
  ACTION_IDS,
  HEADER_TEXT_LIMIT,
  REPLY_MAX_LINES,
  escapeMrkdwn,
  messageLines,
  parseButtonValue,
  renderDetails,
  renderDocument,
  renderReply,
  slackLink,
  type SlackMessage,
} from '../../../src/slack/render.js';
import { checkMessage, messageTexts } from '../../support/slack-checks.js';
import { fixtureReport, smallReport } from '../agent/report-builders.js';

const texts = (m: SlackMessage): string[] => messageTexts(m).slice(1);
const incident = { incidentId: 'inc_0123456789abcdef', version: 2 };

describe('renderReply', () => {
  it('opens with the cause sentence, then the roles and confidence, three evidence lines, the buttons, the proof trace', () => {
    const r = fixtureReport('nezha-tt-2023-01-29-0921');
    const n = narrate(r);
    const [m, ...more] = renderReply(n, {
      title: 'High latency on ts-gateway-service',
      evidenceCount: r.timeline.length,
      incident,
    });
    expect(more).toEqual([]);
    const msg = m as SlackMessage;
    expect(msg.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'actions', 'context']);
    expect(msg.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'High latency on ts-gateway-service', emoji: false },
    });
    const t = texts(msg);
    expect(t[1]).toBe(`*${escapeMrkdwn(n.summary.cause.text)}*`);
    expect(t[2]).toMatch(
      /^\*Root cause:\* ts-basic-service.*\n\*Propagation:\* .*\n\*Bottleneck:\* .*\n\*Symptom:\* ts-gateway-service\n\*Confidence:\* /,
    );
    expect(t[3]?.split('\n').length).toBeLessThanOrEqual(3);
    expect(messageLines(msg)).toBeLessThanOrEqual(REPLY_MAX_LINES);
    expect(msg.text).toBe(escapeMrkdwn(`High latency on ts-gateway-service: ${n.summary.cause.text}`));
    expect(checkMessage(msg, { maxLines: REPLY_MAX_LINES })).toEqual([]);
  });

  it('carries the incident and version in every button, and the button value parses back', () => {
    const [m] = renderReply(narrate(smallReport()), { incident });
    const actions = m?.blocks.find((b) => b.type === 'actions');
    expect(
      actions?.type === 'actions' ? actions.elements.map((e) => ('action_id' in e ? e.action_id : '')) : [],
    ).toEqual(Object.values(ACTION_IDS));
    const value =
      actions?.type === 'actions' && actions.elements[0]?.type === 'button' ? actions.elements[0].value : undefined;
    expect(parseButtonValue(value)).toEqual(incident);
    expect(parseButtonValue('{"incidentId":"x y","version":1}')).toBeUndefined();
    expect(parseButtonValue('nope')).toBeUndefined();
  });

  it('renders evidence links as Slack links, never a raw URL with | or >', () => {
    expect(slackLink('https://app.datadoghq.com/logs?query=a|b&from_ts=1', 'Open in Datadog')).toBe(
      '<https://app.datadoghq.com/logs?query=a%7Cb&from_ts=1|Open in Datadog>',
    );
    expect(slackLink('javascript:alert(1)', 'x')).toBeUndefined();
    const r = smallReport();
    const linked = {
      ...r,
      timeline: r.timeline.map((e) =>
        e.id === 'E1' ? { ...e, link: 'https://grafana.example.com/explore?schemaVersion=1&panes=%7B%7D' } : e,
      ),
    };
    const [m] = renderReply(narrate(linked), { incident });
    expect(texts(m as SlackMessage).join('\n')).toContain(
      '<https://grafana.example.com/explore?schemaVersion=1&panes=%7B%7D|Open in Grafana>',
    );
  });

  it('escapes hostile evidence text: no mention, link or channel reference survives', () => {
    const hostile = '<!channel> deploy broke, see <https://evil.example|click here> & ping <@U123> in <#C999>';
    const r = smallReport({
      timeline: smallReport().timeline.map((e) => (e.id === 'E2' ? { ...e, example: hostile } : e)),
    });
    const out = [...renderReply(narrate(r), { title: '<!here> alert', incident }), ...renderDetails(narrate(r))];
    const all = out.flatMap((m) => [m.text, ...texts(m).slice(1)]).join('\n');
    expect(all).not.toMatch(/<[!@#h]/);
    expect(all).toContain(
      '&lt;!channel&gt; deploy broke, see &lt;https://evil.example|click here&gt; &amp; ping &lt;@U123&gt;',
    );
    // The header block is plain_text: Slack never parses it, so it is shown as is, not escaped twice.
    expect(out[0]?.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text', text: '<!here> alert' } });
    for (const m of out) expect(checkMessage(m)).toEqual([]);
  });
});

describe('renderDocument and renderDetails', () => {
  it('splits a huge document into several messages under the limits, in order, marked as continued', () => {
    const many: Narrative = {
      summary: narrate(smallReport()).summary,
      author: { kind: 'narrator' },
      sections: Array.from({ length: 40 }, (_, i) => ({
        title: `Section ${i}`,
        sentences: Array.from({ length: 30 }, (_, j) => ({
          text: `S${i}.${j} ${'evidence '.repeat(20)}`,
          cites: [`E${j + 1}`],
        })),
      })),
    };
    const out = renderDetails(many, { title: 'T'.repeat(400) });
    expect(out.length).toBeGreaterThan(3);
    for (const m of out) expect(checkMessage(m)).toEqual([]);
    expect((out[0]?.blocks[0] as { text: { text: string } }).text.text).toHaveLength(HEADER_TEXT_LIMIT);
    out.slice(1).forEach((m, i) => expect(texts(m)[0]).toBe(`(continued ${i + 2}/${out.length})`));
    const seen = out.flatMap(
      (m) =>
        texts(m)
          .join('\n')
          .match(/S\d+\.\d+/g) ?? [],
    );
    const expected = many.sections.flatMap((s) => s.sentences.map((x) => x.text.split(' ')[0]));
    expect(seen).toEqual(expected);
  });

  it('honours a smaller block budget and appends citations missing from a sentence text', () => {
    const out = renderDocument(
      {
        title: 't',
        lead: ['a'],
        sections: Array.from({ length: 10 }, (_, i) => ({
          title: `s${i}`,
          sentences: [{ text: `claim ${i}`, cites: ['E1', 'E2'] }],
        })),
      },
      { maxBlocks: 5 },
    );
    for (const m of out) expect(m.blocks.length).toBeLessThanOrEqual(5);
    expect(out.flatMap(texts).join('\n')).toContain('• claim 3 (E1, E2)');
  });

  it('is deterministic', () => {
    const r = fixtureReport('nezha-tt-2023-01-29-1020');
    expect(JSON.stringify(renderReply(narrate(r), { incident }))).toBe(
      JSON.stringify(renderReply(narrate(fixtureReport('nezha-tt-2023-01-29-1020')), { incident })),
    );
  });
});
