/**
 * Reads the human content of a Slack message: `text`, legacy `attachments` (pretext, title, text, fields, footer)
 * and Block Kit `blocks` (section, header, context, rich_text). The Datadog Slack app usually posts an empty
 * `text` with everything in attachments or blocks.
 */
import { isObject, str, type Json, type Link } from './text.js';

export interface SlackContent {
  /** The first title-like line: attachment title, header block, else the first line of text. */
  readonly title: string;
  /** Every text part, one per line, in message order (Slack markup kept, so links can be read). */
  readonly text: string;
  /** Links with labels: attachment title_link, then links in the text. */
  readonly links: readonly Link[];
  /** Attachment fields as title -> value (first occurrence wins). */
  readonly fields: Readonly<Record<string, string>>;
  readonly color?: string;
}

export function readSlackContent(event: Json): SlackContent {
  const lines: string[] = [];
  const links: Link[] = [];
  const fields: Record<string, string> = {};
  let title: string | undefined;
  let color: string | undefined;
  const push = (s: string | undefined) => {
    if (s !== undefined && s.trim() !== '') lines.push(s.trim());
  };
  push(str(event.text));
  const attachments = Array.isArray(event.attachments) ? event.attachments.filter(isObject) : [];
  for (const a of attachments) {
    push(str(a.pretext));
    const at = str(a.title);
    if (at !== undefined) {
      title ??= at;
      push(at);
    }
    const link = str(a.title_link);
    if (link !== undefined && /^https?:\/\//.test(link)) links.push({ label: unslack(at ?? 'link'), url: link });
    push(str(a.text));
    for (const f of Array.isArray(a.fields) ? a.fields.filter(isObject) : []) {
      const ft = str(f.title);
      const fv = str(f.value);
      if (ft !== undefined && fv !== undefined && !(ft in fields)) fields[ft] = fv;
      if (ft !== undefined || fv !== undefined) push(`${ft ?? ''}: ${fv ?? ''}`);
    }
    push(str(a.footer));
    color ??= str(a.color);
    if (at === undefined && str(a.text) === undefined) push(str(a.fallback));
  }
  const blocks = Array.isArray(event.blocks) ? event.blocks.filter(isObject) : [];
  const blockLines: string[] = [];
  for (const b of blocks) {
    const t = readBlock(b, blockLines);
    if (t !== undefined) title ??= t;
  }
  // Blocks often repeat `text` (Slack fills text from blocks): keep only lines not already present.
  for (const l of blockLines) if (!lines.includes(l)) lines.push(l);
  const text = lines.join('\n');
  title ??= lines[0]?.split('\n')[0];
  return { title: unslack(title ?? ''), text, links, fields, ...(color ? { color } : {}) };
}

/** Reads one block's text into `out`; returns a title when the block is a header. */
function readBlock(b: Json, out: string[]): string | undefined {
  const textOf = (v: unknown) => (isObject(v) ? str(v.text) : undefined);
  const add = (s: string | undefined) => {
    if (s !== undefined && s.trim() !== '') out.push(s.trim());
  };
  switch (b.type) {
    case 'header': {
      const t = textOf(b.text);
      add(t);
      return t;
    }
    case 'section':
      add(textOf(b.text));
      for (const f of Array.isArray(b.fields) ? b.fields : []) add(textOf(f));
      return undefined;
    case 'context':
      for (const e of Array.isArray(b.elements) ? b.elements : []) add(textOf(e));
      return undefined;
    case 'rich_text':
      add(richText(b.elements, 0));
      return undefined;
    default:
      return undefined;
  }
}

function richText(elements: unknown, depth: number): string {
  if (!Array.isArray(elements) || depth > 6) return '';
  let out = '';
  for (const e of elements) {
    if (!isObject(e)) continue;
    switch (e.type) {
      case 'text':
        out += typeof e.text === 'string' ? e.text : '';
        break;
      case 'link':
        out += typeof e.url === 'string' ? `<${e.url}${typeof e.text === 'string' ? `|${e.text}` : ''}>` : '';
        break;
      case 'user':
        out += typeof e.user_id === 'string' ? `<@${e.user_id}>` : '';
        break;
      case 'channel':
        out += typeof e.channel_id === 'string' ? `<#${e.channel_id}>` : '';
        break;
      case 'emoji':
        out += typeof e.name === 'string' ? `:${e.name}:` : '';
        break;
      default:
        if (Array.isArray(e.elements)) out += `${richText(e.elements, depth + 1)}\n`;
    }
  }
  return out.trim();
}

const SLACK_LABELLED_LINK = /<(https?:\/\/[^|>]+)\|([^>]+)>/g;
const SLACK_LINK = /<(https?:\/\/[^>]+)>/g;
const SLACK_BOLD = /(^|\s)\*([^*\n]+)\*(?=\s|$)/g;

/**
 * Slack mrkdwn -> plain: `<url|label>` -> label, `<url>` -> url, `*bold*` -> bold, entities decoded. A step is
 * skipped when the text it would work on lacks the character every match of it needs (`<`, `*`, `&`): same result,
 * fewer scans.
 */
export function unslack(s: string): string {
  let out = s;
  if (out.includes('<')) out = out.replace(SLACK_LABELLED_LINK, '$2').replace(SLACK_LINK, '$1');
  if (out.includes('*')) out = out.replace(SLACK_BOLD, '$1$2');
  if (out.includes('&')) out = out.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return out.trim();
}
