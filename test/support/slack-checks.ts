/**
 * Checks of a Block Kit message against Slack's documented limits and the reply's own rules, shared by the
 * scenario sweep (test/integration/slack/replies.test.ts) and the unit tests. Limits: at most 50 blocks; a section
 * text and each field at most 3,000 characters; a header at most 150; a button value at most 2,000, its text
 * at most 75; action ids unique in a message; mrkdwn angle brackets only as `<http(s)://...|label>` links.
 */
import type { SlackMessage } from '../../src/slack/render.js';
import { messageLines } from '../../src/slack/render.js';

/** Every mrkdwn / plain text a person reads in the message, including the notification fallback. */
export function messageTexts(m: SlackMessage): string[] {
  const out = [m.text];
  for (const b of m.blocks) {
    if (b.type === 'header') out.push(b.text.text);
    if (b.type === 'section') {
      if (b.text) out.push(b.text.text);
      for (const f of b.fields ?? []) out.push(f.text);
    }
    if (b.type === 'context')
      for (const e of b.elements) if ('text' in e && typeof e.text === 'string') out.push(e.text);
    if (b.type === 'actions') for (const e of b.elements) if (e.type === 'button') out.push(e.text.text);
  }
  return out;
}

/** The texts Slack parses as mrkdwn (plain_text headers and button labels are shown as they are). */
function mrkdwnTexts(m: SlackMessage): string[] {
  const out = [m.text];
  for (const b of m.blocks) {
    if (b.type === 'section') {
      if (b.text?.type === 'mrkdwn') out.push(b.text.text);
      for (const f of b.fields ?? []) if (f.type === 'mrkdwn') out.push(f.text);
    }
    if (b.type === 'context') for (const e of b.elements) if (e.type === 'mrkdwn') out.push(e.text);
  }
  return out;
}

const LINK = /<(https?:\/\/[^|<>\s]+)\|([^<>|]+)>/g;

export function checkMessage(m: SlackMessage, opts: { maxLines?: number } = {}): string[] {
  const problems: string[] = [];
  if (m.blocks.length > 50) problems.push(`${m.blocks.length} blocks (limit 50)`);
  if (m.text.length > 40_000) problems.push('fallback text over 40,000 characters');
  const actionIds = new Set<string>();
  for (const b of m.blocks) {
    if (b.type === 'header' && b.text.text.length > 150)
      problems.push(`header of ${b.text.text.length} characters (limit 150)`);
    if (b.type === 'section') {
      if ((b.text?.text.length ?? 0) > 3000)
        problems.push(`section text of ${b.text?.text.length} characters (limit 3000)`);
      for (const f of b.fields ?? []) if (f.text.length > 2000) problems.push('section field over 2000 characters');
    }
    if (b.type === 'actions') {
      if (b.elements.length > 25) problems.push('more than 25 elements in an actions block');
      for (const e of b.elements) {
        if (e.type !== 'button') continue;
        if ((e.value ?? '').length > 2000) problems.push(`button value of ${e.value?.length} characters (limit 2000)`);
        if (e.text.text.length > 75) problems.push('button text over 75 characters');
        const id = e.action_id ?? '';
        if (actionIds.has(id)) problems.push(`duplicate action_id ${id}`);
        actionIds.add(id);
      }
    }
  }
  for (const t of mrkdwnTexts(m)) {
    const rest = t.replace(LINK, '');
    if (/[<>]/.test(rest))
      problems.push(
        `angle bracket outside a link: ${rest.slice(Math.max(0, rest.search(/[<>]/) - 40), rest.search(/[<>]/) + 40)}`,
      );
  }
  if (opts.maxLines !== undefined && messageLines(m) > opts.maxLines)
    problems.push(`${messageLines(m)} lines (at most ${opts.maxLines})`);
  return problems;
}

/** Internal names a person must never read: feature and role identifiers, ledger kinds, provider status words, templates. */
const DENY_LIST: readonly RegExp[] = [
  /\b(?:metricsAny|ownLatency|errorOrigin|pathToSymptom|rootCause|skipped_budget|no_data|retryable)\b/,
  /\b(?:error_origin|own_latency|network_gap|call_structure|new_log_template|log_surge|error_issue|metric_[a-z]+)\b/,
  /\bstronger in (?:own|support|structure|logs|metrics|issues|precedence)\b/,
  /\[score \d/,
  /\botlp-file\b/,
  /&lt;(?:n|num|hex|id|uuid|ip|\*)&gt;|<(?:n|num|hex|id|uuid|ip|\*)>/,
  /\brobust deviations\b/,
  /\bMann-Whitney\b/,
];

export function denyListHits(texts: readonly string[]): string[] {
  const hits: string[] = [];
  for (const t of texts)
    for (const re of DENY_LIST) {
      const m = re.exec(t);
      if (m) hits.push(`${m[0]} in: ${t.slice(Math.max(0, m.index - 60), m.index + 60)}`);
    }
  return hits;
}

/**
 * Lines of one message that say the same thing twice: equal once evidence ids are dropped, or, for lines quoting
 * a real example, equal once the numbers and ids inside the quote are folded ("key products:v2:8" vs ":126").
 */
export function duplicateLines(m: SlackMessage): string[] {
  const seen = new Set<string>();
  const dups: string[] = [];
  const sectionTexts = m.blocks.flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
  for (const t of sectionTexts) {
    for (const line of t.split('\n')) {
      if (/^\*[^*]+\*$/.test(line)) continue; // a section title
      const key = line
        .replace(LINK, '')
        .replace(/\bE\d+\b/g, '')
        .replace(/"[^"]*"/g, (q) => q.replace(/\b[0-9a-f]{8,}\b/g, '#').replace(/\d+(?:\.\d+)?/g, '#'))
        .replace(/[\s(),·•*]+/g, ' ')
        .trim();
      if (key.length < 12) continue;
      if (seen.has(key)) dups.push(line);
      seen.add(key);
    }
  }
  return dups;
}
