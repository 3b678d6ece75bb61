/**
 * Slack rendering (pure): a Narrative (the RCA reply) or a follow-up answer -> Block Kit messages, typed with
 * @slack/types.
 *
 *   renderReply(narrative, { title, incident }): SlackMessage[]   the cause-first thread reply (one message)
 *   renderDetails(narrative, { title }): SlackMessage[]           the details message(s), posted on "Details"
 *   renderDocument(doc): SlackMessage[]                            follow-up answers, notes
 *
 * The reply is at most REPLY_MAX_LINES lines: the alert title, the cause sentence (bold), the four roles, the
 * confidence, at most three evidence lines with their links, the buttons (Details, Recheck, Correct cause, Wrong
 * cause) and the proof-trace footer. Slack's limits are kept: a section's text at most SECTION_TEXT_LIMIT
 * characters, a header at most HEADER_TEXT_LIMIT, at most 50 blocks per message (longer documents are split
 * in order, each later part marked "(continued i/n)"), button values at most BUTTON_VALUE_LIMIT characters.
 * Every message has a plain `text` fallback for notifications.
 *
 * Telemetry is untrusted: every text that goes into mrkdwn is escaped (&, <, > -> entities), so evidence text
 * can never create a mention (<!channel>, <@U123>), a link or a channel reference. Links are built here only,
 * from http(s) URLs the providers made, as `<url|Open in Datadog>` with `|`, `<` and `>` percent-encoded.
 */
import type { ActionsBlock, Button, ContextBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';
import type { CitedSentence, Narrative, NarrativeSection } from '../agent/narrative.js';

export const SECTION_TEXT_LIMIT = 3000;
export const HEADER_TEXT_LIMIT = 150;
export const MAX_BLOCKS_PER_MESSAGE = 50;
export const FALLBACK_TEXT_LIMIT = 3000;
export const BUTTON_VALUE_LIMIT = 2000;
export const REPLY_MAX_LINES = 12;
/** Well under Slack's message size limits (40k text, 50 blocks): a message stays readable in one screen or two. */
export const DEFAULT_MAX_CHARS_PER_MESSAGE = 12_000;

/** The action ids of the reply's buttons (the interactions route and Socket Mode dispatch on them). */
export const ACTION_IDS = {
  details: 'flipturn_details',
  recheck: 'flipturn_recheck',
  correct: 'flipturn_feedback_correct',
  wrong: 'flipturn_feedback_wrong',
} as const;
export type ReplyAction = keyof typeof ACTION_IDS;

export type Block = KnownBlock;

export interface SlackMessage {
  /** Notification / accessibility fallback (mrkdwn-escaped). */
  readonly text: string;
  readonly blocks: readonly Block[];
}

export interface ReplyDocument {
  /** Plain-text title for the header block (cut to HEADER_TEXT_LIMIT). */
  readonly title: string;
  /** Lines shown first, the first one in bold. */
  readonly lead: readonly string[];
  readonly sections: readonly NarrativeSection[];
  /** Small print at the end. */
  readonly footer?: string;
}

export interface RenderOptions {
  readonly maxBlocks?: number;
  readonly maxChars?: number;
}

/** What the buttons carry back: which incident version the click is about. */
export interface ButtonValue {
  readonly incidentId: string;
  readonly version: number;
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts to at most `max` characters (UTF-16 units), ending with an ellipsis when cut, never inside a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}…`;
}

/** A Slack link `<url|label>`; undefined for anything but an http(s) URL. */
export function slackLink(url: string, label: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
  const safeUrl = u.toString().replace(/\|/g, '%7C').replace(/</g, '%3C').replace(/>/g, '%3E');
  const safeLabel = escapeMrkdwn(label).replace(/\|/g, '¦');
  return `<${safeUrl}|${safeLabel}>`;
}

function linkOf(sentence: CitedSentence): string {
  if (!sentence.url) return '';
  const l = slackLink(sentence.url, sentence.linkLabel ?? 'Open');
  return l ? ` · ${l}` : '';
}

/** A sentence as one mrkdwn bullet: its text, its citations when the text does not show them, its link. */
export function sentenceLine(sentence: CitedSentence, bullet = '• '): string {
  const missing = sentence.cites.filter((id) => !new RegExp(`\\b${id}\\b`).test(sentence.text));
  const text = missing.length ? `${sentence.text} (${missing.join(', ')})` : sentence.text;
  const link = linkOf(sentence);
  return `${bullet}${escapeMrkdwn(truncate(text, SECTION_TEXT_LIMIT - 2 - link.length - bullet.length))}${link}`;
}

/** Splits lines into section texts of at most SECTION_TEXT_LIMIT characters; the title starts the first one. */
export function sectionTexts(title: string | null, lines: readonly string[]): string[] {
  const out: string[] = [];
  let cur = title === null ? '' : `*${escapeMrkdwn(title)}*`;
  for (const raw of lines) {
    const line = truncate(raw, SECTION_TEXT_LIMIT - 2);
    if (cur === '') cur = line;
    else if (cur.length + 1 + line.length > SECTION_TEXT_LIMIT) {
      out.push(cur);
      cur = line;
    } else cur = `${cur}\n${line}`;
  }
  if (cur !== '') out.push(cur);
  return out;
}

const section = (text: string): SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
const context = (text: string): ContextBlock => ({
  type: 'context',
  elements: [{ type: 'mrkdwn', text: truncate(text, SECTION_TEXT_LIMIT) }],
});
const header = (text: string): HeaderBlock => ({
  type: 'header',
  text: {
    type: 'plain_text',
    text: truncate(text.replace(/\s+/g, ' ').trim() || 'Flipturn', HEADER_TEXT_LIMIT),
    emoji: false,
  },
});

function bodyBlocks(doc: ReplyDocument): Block[] {
  const blocks: Block[] = [];
  if (doc.lead.length) {
    const [first, ...rest] = doc.lead;
    const lines = [`*${escapeMrkdwn(first ?? '')}*`, ...rest.map((l) => escapeMrkdwn(l))];
    for (const t of sectionTexts(null, lines)) blocks.push(section(t));
  }
  for (const s of doc.sections) {
    if (!s.sentences.length) continue;
    for (const t of sectionTexts(
      s.title,
      s.sentences.map((x) => sentenceLine(x)),
    ))
      blocks.push(section(t));
  }
  if (doc.footer) blocks.push(context(escapeMrkdwn(doc.footer)));
  return blocks;
}

function blockChars(b: Block): number {
  if (b.type === 'section' || b.type === 'header') return b.text?.text.length ?? 0;
  if (b.type === 'context')
    return b.elements.reduce((n, e) => n + ('text' in e && typeof e.text === 'string' ? e.text.length : 0), 0);
  return 0;
}

/** Renders a document into messages under Slack's limits, in order. */
export function renderDocument(doc: ReplyDocument, options: RenderOptions = {}): SlackMessage[] {
  const maxBlocks = Math.max(3, Math.min(options.maxBlocks ?? MAX_BLOCKS_PER_MESSAGE, MAX_BLOCKS_PER_MESSAGE));
  const maxChars = Math.max(SECTION_TEXT_LIMIT + 200, options.maxChars ?? DEFAULT_MAX_CHARS_PER_MESSAGE);
  const head = header(doc.title);
  const title = head.text.text;
  const pages: Block[][] = [[head]];
  let chars = title.length;
  // Later pages start with a context block "(continued i/n)": reserve one block for it.
  for (const b of bodyBlocks(doc)) {
    const page = pages[pages.length - 1] ?? [];
    if (page.length + 1 > maxBlocks - 1 || chars + blockChars(b) > maxChars) {
      pages.push([b]);
      chars = blockChars(b);
    } else {
      page.push(b);
      chars += blockChars(b);
    }
  }
  const n = pages.length;
  const leadText = truncate(escapeMrkdwn(doc.lead.length ? doc.lead.join('\n') : title), FALLBACK_TEXT_LIMIT);
  return pages.map((blocks, i) => {
    if (i === 0) return { text: leadText, blocks };
    const marker = `(continued ${i + 1}/${n})`;
    return {
      text: truncate(`${escapeMrkdwn(title)} ${marker}`, FALLBACK_TEXT_LIMIT),
      blocks: [context(escapeMrkdwn(marker)), ...blocks],
    };
  });
}

export function buttonValue(v: ButtonValue): string {
  return JSON.stringify({ incidentId: v.incidentId, version: v.version });
}

/** The value a button carried back, or undefined when it is not ours. */
export function parseButtonValue(value: string | undefined): ButtonValue | undefined {
  if (!value || value.length > BUTTON_VALUE_LIMIT) return undefined;
  try {
    const v = JSON.parse(value) as { incidentId?: unknown; version?: unknown };
    if (typeof v.incidentId !== 'string' || !/^[\w.-]{1,200}$/.test(v.incidentId)) return undefined;
    if (typeof v.version !== 'number' || !Number.isInteger(v.version) || v.version < 1) return undefined;
    return { incidentId: v.incidentId, version: v.version };
  } catch {
    return undefined;
  }
}

function button(action: ReplyAction, text: string, value: string, style?: 'primary' | 'danger'): Button {
  return {
    type: 'button',
    action_id: ACTION_IDS[action],
    text: { type: 'plain_text', text, emoji: false },
    value,
    ...(style ? { style } : {}),
  };
}

/** The reply's buttons: Details, Recheck, and the feedback pair. */
export function replyActions(v: ButtonValue): ActionsBlock {
  const value = buttonValue(v);
  return {
    type: 'actions',
    block_id: `flipturn_reply_${v.version}`,
    elements: [
      button('details', 'Details', value),
      button('recheck', 'Recheck', value),
      button('correct', 'Correct cause', value, 'primary'),
      button('wrong', 'Wrong cause', value, 'danger'),
    ],
  };
}

function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 12)}…` : id;
}

function traceRef(id: string, url: string | undefined): string {
  return (url && slackLink(url, shortId(id))) || escapeMrkdwn(shortId(id));
}

export interface ReplyOptions {
  readonly title?: string;
  /** The incident this reply is about: adds the buttons. */
  readonly incident?: ButtonValue;
  readonly evidenceCount?: number;
}

/** The cause-first thread reply: one message of at most REPLY_MAX_LINES lines. */
export function renderReply(narrative: Narrative, options: ReplyOptions = {}): SlackMessage[] {
  const sum = narrative.summary;
  const roles = sum.roles;
  const blocks: Block[] = [header(options.title ?? 'Flipturn root-cause analysis')];
  blocks.push(section(`*${escapeMrkdwn(truncate(sum.cause.text, SECTION_TEXT_LIMIT - 2))}*`));
  blocks.push(
    section(
      [
        `*Root cause:* ${escapeMrkdwn(roles.rootCause)}`,
        `*Propagation:* ${escapeMrkdwn(roles.propagation)}`,
        `*Bottleneck:* ${escapeMrkdwn(roles.bottleneck)}`,
        `*Symptom:* ${escapeMrkdwn(roles.symptom)}`,
        `*Confidence:* ${escapeMrkdwn(sum.confidence)}`,
      ].join('\n'),
    ),
  );
  if (sum.evidence.length)
    blocks.push(
      section(
        truncate(
          sum.evidence
            .slice(0, 3)
            .map((e) => sentenceLine(e))
            .join('\n'),
          SECTION_TEXT_LIMIT,
        ),
      ),
    );
  if (options.incident) blocks.push(replyActions(options.incident));
  const count = options.evidenceCount !== undefined ? `From ${options.evidenceCount} evidence lines. ` : '';
  const p = sum.proofTrace;
  const proof = p
    ? `Proof trace ${traceRef(p.id, p.url)}${p.baselineId ? ` vs baseline ${traceRef(p.baselineId, p.baselineUrl)}` : ''} · `
    : '';
  blocks.push(context(`${proof}${escapeMrkdwn(`${count}Mention me in this thread to ask why.`)}`));
  const text = truncate(
    escapeMrkdwn(`${options.title ? `${options.title}: ` : ''}${sum.cause.text}`),
    FALLBACK_TEXT_LIMIT,
  );
  return [{ text, blocks }];
}

/** The details message(s): the full ledger, runners-up, what to do, gaps, where to look. */
export function renderDetails(
  narrative: Narrative,
  options: RenderOptions & { readonly title?: string; readonly evidenceCount?: number } = {},
): SlackMessage[] {
  const author =
    narrative.author.kind === 'narrator'
      ? 'the deterministic narrator'
      : `model ${narrative.author.model}, every cited line checked against the evidence`;
  const count = options.evidenceCount !== undefined ? ` from ${options.evidenceCount} evidence lines` : '';
  return renderDocument(
    {
      title: `Details: ${options.title ?? 'root-cause analysis'}`,
      lead: [],
      sections: narrative.sections,
      footer: `Written by ${author}${count}.`,
    },
    options,
  );
}

/** Lines of text a message shows (header 1, each section text line, each context or actions block 1). */
export function messageLines(m: SlackMessage): number {
  let n = 0;
  for (const b of m.blocks) {
    if (b.type === 'header') n += 1;
    else if (b.type === 'section') n += (b.text?.text.split('\n').length ?? 0) + (b.fields?.length ?? 0);
    else if (b.type === 'context' || b.type === 'actions' || b.type === 'image') n += 1;
  }
  return n;
}
