/**
 * The normalizers' fast validation (src/kernel/signal-guard.ts) must never vouch for a value zod would
 * refuse or would return differently (key order included): checked on every fixture's output, on mutated signals
 * (fast-check) and on the values a sender can push past the schema (Infinity, years past 9999).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeAlert, type NormalizeSource } from '../../../src/ingress/normalize/index.js';
import { surelyValidAlert, surelyValidFollowUp } from '../../../src/kernel/signal-guard.js';
import { FixedClock } from '../../../src/kernel/clock.js';
import {
  followUpSignalSchema,
  incidentSignalSchema,
  queuedSignalSchema,
  type QueuedSignal,
} from '../../../src/kernel/signal.js';
import { encodeSignal } from '../../../src/queue/port.js';

const clock = new FixedClock(1763719200123456789n);
const SOURCES: readonly NormalizeSource[] = ['datadog_webhook', 'slack_event', 'alertmanager'];

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? jsonFiles(p) : f.endsWith('.json') ? [p] : [];
    });
}

function fixtureBodies(): unknown[] {
  const root = fileURLToPath(new URL('../../fixtures/', import.meta.url));
  const out: unknown[] = [];
  for (const f of [...jsonFiles(join(root, 'ingress')), ...jsonFiles(join(root, 'bad-input'))]) {
    let v: unknown;
    try {
      v = JSON.parse(readFileSync(f, 'utf8'));
    } catch {
      continue;
    }
    out.push(v, ...(Array.isArray(v) ? (v as unknown[]) : []));
  }
  return out;
}

/** The guard's verdict is only trusted when zod agrees and returns the same value with the same key order. */
function expectAgrees(kind: 'alert' | 'followup', v: unknown): boolean {
  const vouched = kind === 'alert' ? surelyValidAlert(v) : surelyValidFollowUp(v);
  if (vouched) {
    const r = (kind === 'alert' ? incidentSignalSchema : followUpSignalSchema).safeParse(v);
    expect(r.success).toBe(true);
    expect(JSON.stringify(r.data)).toBe(JSON.stringify(v));
    expect(r.data).toEqual(v);
  }
  return vouched;
}

describe('signal guard', () => {
  const outputs = fixtureBodies().flatMap((b) =>
    SOURCES.flatMap((s) => {
      const r = normalizeAlert(s, b, clock, { botUserId: 'U0FLIPBOT' });
      return r.ok ? [...r.signals, ...r.followUps] : [];
    }),
  );

  it('vouches for every signal the fixtures produce, and zod agrees with each', () => {
    expect(outputs.length).toBeGreaterThan(20);
    for (const s of outputs) expect(expectAgrees(s.kind, s)).toBe(true);
  });

  it('never vouches for a mutated signal zod would refuse or rewrite', () => {
    const alert = outputs.find((s) => s.kind === 'alert');
    const followUp = outputs.find((s) => s.kind === 'followup');
    if (!alert || !followUp) throw new Error('fixtures gave no alert or no follow-up');
    const hostile = fc.oneof(
      fc.constantFrom<unknown>(
        undefined,
        null,
        Infinity,
        -Infinity,
        NaN,
        '',
        'x'.repeat(5000),
        '+275760-09-13T00:00:00.000Z',
        2,
        [],
        {},
        ['a', 1],
      ),
      fc.string(),
      fc.double(),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())),
    );
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.nat(40),
        fc.string({ maxLength: 20 }),
        hostile,
        fc.boolean(),
        (useAlert, keyIndex, extraKey, value, reorder) => {
          const base: Record<string, unknown> = structuredClone(useAlert ? alert : followUp);
          const keys = Object.keys(base);
          const key = keyIndex < keys.length ? (keys[keyIndex] as string) : extraKey;
          const mutated: Record<string, unknown> = { ...base, [key]: value };
          const candidate = reorder ? Object.fromEntries(Object.entries(mutated).reverse()) : mutated;
          expectAgrees(useAlert ? 'alert' : 'followup', candidate);
        },
      ),
      { numRuns: 2000, seed: 20261121 },
    );
  });

  it('leaves the values a sender can push past the schema to zod, which names the field', () => {
    const base = { id: '1', title: 't', date: '1763717400000' };
    const huge = normalizeAlert('datadog_webhook', { ...base, value: '1e999' }, clock);
    expect(huge).toMatchObject({ ok: false, rejection: { code: 'FT_INGRESS_BODY_INVALID', path: 'signal[0].value' } });
    const farFuture = normalizeAlert('datadog_webhook', { ...base, date: '8640000000000000' }, clock);
    expect(farFuture).toMatchObject({ ok: false, rejection: { path: 'signal[0].firedAt' } });
  });

  it('lets encodeSignal store exactly what zod would store, and nothing zod refuses', () => {
    for (const s of outputs) expect(encodeSignal(s)).toBe(JSON.stringify(queuedSignalSchema.parse(s)));
    const alert = outputs.find((s) => s.kind === 'alert');
    if (!alert) throw new Error('fixtures gave no alert');
    const bad = [
      { ...alert, firedAt: 'yesterday' },
      { ...alert, value: Infinity },
      { ...alert, extra: 1 },
      { ...alert, kind: 'followup' },
    ];
    for (const b of bad) {
      const zod = queuedSignalSchema.safeParse(b);
      if (zod.success) expect(encodeSignal(b as QueuedSignal)).toBe(JSON.stringify(zod.data));
      else expect(() => encodeSignal(b as QueuedSignal)).toThrow(/FT_SIGNAL_INVALID|invalid/);
    }
  });
});
