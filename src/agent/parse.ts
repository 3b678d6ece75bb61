/**
 * Defensive parsing of a model's answer: models lie about formats. Accepts the JSON object the prompt asks for
 * ({"sections":[{"title","sentences":[{"text","cites"}]}]}), a bare {"sentences":[...]} or a top-level array,
 * wrapped in markdown fences or prose; cites as arrays, comma-separated strings or ids written in the text.
 * Anything else is a parse failure with a reason (which the repair round tells the model). Pure.
 */
import type { CitedSentence, NarrativeSection } from './narrative.js';
import { evidenceIdsIn } from './claims.js';

export type ParseResult =
  { readonly ok: true; readonly sections: NarrativeSection[] } | { readonly ok: false; readonly reason: string };

const MAX_TEXT = 600;
const MAX_TITLE = 60;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The text of a message content (string, or an array of content parts). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p: unknown) => (typeof p === 'string' ? p : isObj(p) && typeof p.text === 'string' ? p.text : ''))
      .join('');
  }
  return '';
}

/** The first balanced JSON object or array in the text (string-aware), or undefined. */
function firstJson(text: string): string | undefined {
  const start = text.search(/[{[]/);
  if (start < 0) return undefined;
  const stack: string[] = [];
  let inString = false;
  for (let i = start; i < text.length; i += 1) {
    const ch = text[i] as string;
    if (inString) {
      if (ch === '\\') i += 1;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') stack.push(ch === '{' ? '}' : ']');
    else if (ch === '}' || ch === ']') {
      if (stack.pop() !== ch) return undefined;
      if (stack.length === 0) return text.slice(start, i + 1);
    }
  }
  return undefined;
}

function cleanText(v: unknown, max: number): string {
  return typeof v === 'string' ? v.replace(/\s+/g, ' ').trim().slice(0, max) : '';
}

function citesOf(v: unknown, text: string): string[] {
  let raw: string[] = [];
  if (Array.isArray(v))
    raw = v.filter((x): x is string | number => typeof x === 'string' || typeof x === 'number').map(String);
  else if (typeof v === 'string') raw = v.split(/[\s,;]+/);
  const ids = raw.map((x) => x.trim().replace(/^[[(]+|[\])]+$/g, '')).filter((x) => x !== '');
  // A bare number is an id without its E; anything else is kept as written (the verifier rejects unknown ids).
  const normalized = ids.map((x) => (/^\d+$/.test(x) ? `E${x}` : /^e\d+$/.test(x) ? x.toUpperCase() : x));
  return [...new Set([...normalized, ...evidenceIdsIn(text)])].slice(0, 12);
}

function sentenceOf(v: unknown): CitedSentence | undefined {
  if (typeof v === 'string') {
    const text = cleanText(v, MAX_TEXT);
    return text ? { text, cites: evidenceIdsIn(text) } : undefined;
  }
  if (!isObj(v)) return undefined;
  const text = cleanText(v.text ?? v.sentence ?? v.content, MAX_TEXT);
  if (!text) return undefined;
  return { text, cites: citesOf(v.cites ?? v.citations ?? v.evidence ?? v.ids, text) };
}

function sectionOf(v: unknown, fallbackTitle: string): NarrativeSection | undefined {
  if (!isObj(v)) return undefined;
  const list = Array.isArray(v.sentences) ? v.sentences : Array.isArray(v.lines) ? v.lines : undefined;
  if (!list) return undefined;
  const sentences = list.map(sentenceOf).filter((s): s is CitedSentence => s !== undefined);
  return sentences.length ? { title: cleanText(v.title, MAX_TITLE) || fallbackTitle, sentences } : undefined;
}

/** Parses a model answer into sections, keeping at most maxSentences sentences in order. */
export function parseModelAnswer(content: unknown, maxSentences: number, fallbackTitle = 'Explanation'): ParseResult {
  const text = contentText(content).trim();
  if (text === '') return { ok: false, reason: 'the answer was empty' };
  const candidates = [text.replace(/^```(?:json)?\s*|\s*```$/g, ''), firstJson(text)].filter(
    (x): x is string => x !== undefined,
  );
  let value: unknown;
  let parsed = false;
  for (const c of candidates) {
    try {
      value = JSON.parse(c);
      parsed = true;
      break;
    } catch {
      // try the next candidate
    }
  }
  if (!parsed) return { ok: false, reason: 'the answer was not valid JSON' };
  let sections: NarrativeSection[] = [];
  if (Array.isArray(value)) {
    const s = sectionOf({ sentences: value }, fallbackTitle);
    sections = s ? [s] : [];
  } else if (isObj(value) && Array.isArray(value.sections)) {
    sections = value.sections
      .map((x) => sectionOf(x, fallbackTitle))
      .filter((s): s is NarrativeSection => s !== undefined);
  } else if (isObj(value)) {
    const s = sectionOf(value, fallbackTitle);
    sections = s ? [s] : [];
  }
  if (sections.length === 0)
    return {
      ok: false,
      reason:
        'the JSON had no sections with sentences ({"sections":[{"title":...,"sentences":[{"text":...,"cites":[...]}]}]})',
    };
  let left = maxSentences;
  const capped: NarrativeSection[] = [];
  for (const s of sections) {
    if (left <= 0) break;
    const sentences = s.sentences.slice(0, left);
    left -= sentences.length;
    capped.push({ title: s.title, sentences });
  }
  return { ok: true, sections: capped };
}
