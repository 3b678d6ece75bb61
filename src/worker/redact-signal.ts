/**
 * The text a signal carries in from outside (an alert's title, description, tags, query and links; a follow-up
 * question; a typed real cause) with configured secret values and secret-shaped text masked, as the worker takes it.
 *
 * The Slack client scrubs everything it sends as well, but that is too late for text the renderer has already cut to
 * a Slack limit (a 150-character header, a 3,000-character section): a secret cut in half there no longer looks like
 * one and would pass. Masking first means nothing downstream (rendering, thread memory, model prompts, logs, the
 * follow-up history) ever holds the secret. Identifiers (idempotency and incident keys, Slack ids, trace hints) are
 * left alone: they are matched exactly, and the normalizers already scrub the alert text they are built from.
 */
import type { QueuedSignal, UniversalIncidentSignal } from '../kernel/signal.js';

export type Redact = (text: string) => string;

/** A tag value; the key goes along so that `password: hunter2` is recognized as a secret, then comes off again. */
function tagValue(redact: Redact, key: string, value: string): string {
  const prefix = `${key}: `;
  const whole = redact(`${prefix}${value}`);
  const masked = whole.startsWith(prefix) ? whole.slice(prefix.length) : redact(value);
  return masked === value ? value : masked;
}

function redactAlert(s: UniversalIncidentSignal, redact: Redact): UniversalIncidentSignal {
  return {
    ...s,
    title: redact(s.title),
    description: redact(s.description),
    tags: Object.fromEntries(Object.entries(s.tags).map(([k, v]) => [k, tagValue(redact, k, v)])),
    ...(s.query !== undefined ? { query: redact(s.query) } : {}),
    links: s.links.map((l) => ({ label: redact(l.label), url: redact(l.url) })),
  };
}

export function redactSignal<S extends QueuedSignal>(signal: S, redact: Redact): S {
  switch (signal.kind) {
    case 'alert':
      return redactAlert(signal, redact) as S;
    case 'followup':
      return { ...signal, question: redact(signal.question) };
    case 'interaction':
      return signal.text === undefined ? signal : { ...signal, text: redact(signal.text) };
  }
}
