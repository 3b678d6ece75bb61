import { describe, expect, it } from 'vitest';
import { scrubText } from '../../../src/kernel/redact.js';
import type { FollowUpSignal, UniversalIncidentSignal } from '../../../src/kernel/signal.js';
import { redactSignal } from '../../../src/worker/redact-signal.js';
import { makeSignal } from '../../conformance/queue-conformance.js';

const KNOWN = 'the-configured-signing-secret-42';
const redact = (t: string) => scrubText(t, { known: (x) => x.replaceAll(KNOWN, '********') });

describe('redactSignal', () => {
  it('masks the alert text (title, description, tag values, query, links) and keeps identifiers and clean text as they are', () => {
    const alert = makeSignal(0, {
      title: `login errors: AKIAIOSFODNN7EXAMPLE leaked, ${KNOWN}`,
      description: 'connect postgres://app:s3cr3t-P4ss@db:5432/shop failed',
      tags: { password: 'hunter2hunter2', service: 'checkout', note: `sk_live_4eC39HqLyjWDarjtT1zdp7dc` },
      query: `avg:errors{token:${KNOWN}}`,
      links: [{ label: 'runbook', url: 'https://runbooks.example/x?api_key=abcdef0123456789' }],
    }) as UniversalIncidentSignal;
    const out = redactSignal(alert, redact);
    const text = JSON.stringify(out);
    for (const secret of [
      'AKIAIOSFODNN7EXAMPLE',
      KNOWN,
      's3cr3t-P4ss',
      'hunter2hunter2',
      'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
      'abcdef0123456789',
    ])
      expect(text).not.toContain(secret);
    expect(out.tags.service).toBe('checkout');
    expect(out.tags.password).toBe('[REDACTED:secret]');
    expect([out.idempotencyKey, out.incidentKey, out.firedAt]).toEqual([
      alert.idempotencyKey,
      alert.incidentKey,
      alert.firedAt,
    ]);
  });

  it('masks a follow-up question and leaves a clean one untouched', () => {
    const q: FollowUpSignal = {
      schemaVersion: 1,
      kind: 'followup',
      idempotencyKey: 'k',
      receivedAt: '2026-11-21T10:00:00.000Z',
      question: `is ${KNOWN} the cause?`,
      slack: { channel: 'C1', threadTs: '1.1' },
    };
    expect(redactSignal(q, redact).question).toBe('is ******** the cause?');
    const clean = { ...q, question: 'why catalog-db?' };
    expect(redactSignal(clean, redact)).toEqual(clean);
  });
});
