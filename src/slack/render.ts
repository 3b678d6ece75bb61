/**
 * Slack rendering (pure): a Narrative (the RCA reply) or a follow-up answer -> one or more Block Kit messages.
 *
 *   renderReply(narrative, { title }): SlackMessage[]
 *   renderDocument(doc): SlackMessage[]
 *
 * Header lines first (confidence, root cause, proof trace), then each section (roles, what happened, top
 * evidence, runners-up, actions, pivots, confidence and gaps) as mrkdwn section blocks. Slack's limits are kept:
 * a section's text at most SECTION_TEXT_LIMIT characters, a header block at most HEADER_TEXT_LIMIT, at most
 * maxBlocks blocks and maxChars characters per message; longer content is split into several messages, in
 * order, each later one marked "(continued i/n)". Every message has a plain `text` fallback for notifications.
 *
 * Telemetry is untrusted: every text that goes into mrkdwn is escaped (&, <, > -> entities), so evidence text
 * can never create a mention (<!channel>, <@U123>), a link (<https://x|click>) or a channel reference.
 */
import type { CitedSentence, Narrative, NarrativeSection } from '../agent/narrative.js';

export const SECTION_TEXT_LIMIT = 3000;
export const HEADER_TEXT_LIMIT = 150;
export const MAX_BLOCKS_PER_MESSAGE = 50;
export const FALLBACK_TEXT_LIMIT = 3000;
/** Well under Slack's message size limits (40k text, ~50 blocks): a reply stays readable in one screen or two. */
export const DEFAULT_MAX_CHARS_PER_MESSAGE = 12_000;

export interface TextObject {
  readonly type: 'mrkdwn' | 'plain_text';
  readonly text: string;
  readonly emoji?: boolean;
}

export type Block =
  | { readonly type: 'header'; readonly text: TextObject & { readonly type: 'plain_text' } }
  | { readonly type: 'section'; readonly text: TextObject }
  | { readonly type: 'context'; readonly elements: readonly TextObject[] }
  | { readonly type: 'divider' };

export interface SlackMessage {
  /** Notification / accessibility fallback (mrkdwn-escaped). */
  readonly text: string;
  readonly blocks: readonly Block[];
}

export interface ReplyDocument {
  /** Plain-text title for the header block (cut to HEADER_TEXT_LIMIT). */
  readonly title: string;
  /** Lines shown first, in bold for the first one (the RCA header). */
  readonly lead: readonly string[];
  readonly sections: readonly NarrativeSection[];
  /** Small print at the end (author, evidence count). */
  readonly footer?: string;
}

export interface RenderOptions {
  readonly maxBlocks?: number;
  readonly maxChars?: number;
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

/** A sentence as one mrkdwn bullet: its text, with its citations appended when the text does not show them. */
export function sentenceLine(sentence: CitedSentence): string {
  const missing = sentence.cites.filter((id) => !new RegExp(`\\b${id}\\b`).test(sentence.text));
  const text = missing.length ? `${sentence.text} (${missing.join(', ')})` : sentence.text;
  return `• ${escapeMrkdwn(text)}`;
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

const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text } });

function bodyBlocks(doc: ReplyDocument): Block[] {
  const blocks: Block[] = [];
  if (doc.lead.length) {
    const [first, ...rest] = doc.lead;
    const lines = [`*${escapeMrkdwn(first ?? '')}*`, ...rest.map((l) => escapeMrkdwn(l))];
    for (const t of sectionTexts(null, lines)) blocks.push(section(t));
  }
  for (const s of doc.sections) {
    if (!s.sentences.length) continue;
    for (const t of sectionTexts(s.title, s.sentences.map(sentenceLine))) blocks.push(section(t));
  }
  if (doc.footer) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(escapeMrkdwn(doc.footer), SECTION_TEXT_LIMIT) }] });
  return blocks;
}

function blockChars(b: Block): number {
  if (b.type === 'section' || b.type === 'header') return b.text.text.length;
  if (b.type === 'context') return b.elements.reduce((n, e) => n + e.text.length, 0);
  return 0;
}

/** Renders a document into messages under Slack's limits, in order. */
export function renderDocument(doc: ReplyDocument, options: RenderOptions = {}): SlackMessage[] {
  const maxBlocks = Math.max(3, Math.min(options.maxBlocks ?? MAX_BLOCKS_PER_MESSAGE, MAX_BLOCKS_PER_MESSAGE));
  const maxChars = Math.max(SECTION_TEXT_LIMIT + 200, options.maxChars ?? DEFAULT_MAX_CHARS_PER_MESSAGE);
  const title = truncate(doc.title.replace(/\s+/g, ' ').trim() || 'Flipturn', HEADER_TEXT_LIMIT);
  const pages: Block[][] = [[{ type: 'header', text: { type: 'plain_text', text: title, emoji: false } }]];
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
      blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(marker) }] }, ...blocks],
    };
  });
}

/** The RCA reply: the header block names the symptom (or the given title), the header lines lead. */
export function renderReply(narrative: Narrative, options: RenderOptions & { readonly title?: string; readonly evidenceCount?: number } = {}): SlackMessage[] {
  const author = narrative.author.kind === 'narrator' ? 'the deterministic narrator' : `model ${narrative.author.model}`;
  const evidence = options.evidenceCount !== undefined ? ` from ${options.evidenceCount} evidence lines` : '';
  return renderDocument(
    {
      title: options.title ?? 'Flipturn root-cause analysis',
      lead: narrative.header,
      sections: narrative.sections,
      footer: `Written by ${author}${evidence}. Ask in this thread: "most causal evidence", "why not <service>?", "show the proof trace", "what changed?", "what should I do first?", "how sure are you?", "recheck".`,
    },
    options,
  );
}
