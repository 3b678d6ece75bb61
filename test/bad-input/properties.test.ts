/**
 * Property-based bad input (fast-check): arbitrary JSON values, arbitrary bytes and arbitrary JSON objects
 * built from alert-ish keys (including __proto__ and constructor), each posted with valid credentials to every
 * webhook route. Never a 5xx, every refusal carries a catalogued FT_INGRESS_ code, nothing is queued unless the
 * gate said so (and then the queued signal is valid), and Object.prototype is untouched.
 */
import * as fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { makeGate } from '../integration/ingress/gate-helpers.js';
import { ROUTES, expectRefused } from './support.js';

const gate = makeGate();
afterAll(async () => gate.app.close());

const KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'type',
  'event',
  'title',
  'alert_transition',
  'id',
  'date',
  'tags',
  'alerts',
  'status',
  'labels',
  'ts',
  'bot_id',
  'subtype',
  'channel',
  'text',
  'version',
];
const hostileValue = fc.oneof(
  fc.constantFrom(
    'NaN',
    'Infinity',
    '-0',
    '1e999',
    '',
    ' ',
    '\u0000',
    '\ud800',
    '__proto__',
    'Triggered',
    'firing',
    'event_callback',
    'message',
    'bot_message',
  ),
  fc.double(),
  fc.bigInt().map((b) => Number(b)),
  fc.boolean(),
  fc.constant(null),
);
const alertish = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    hostileValue,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('node'), { maxKeys: 5 }),
  ),
})).node;

async function post(route: (typeof ROUTES)[number], body: Buffer): Promise<void> {
  const before = (await gate.queue.stats()).length;
  const res = await gate.app.inject({
    method: 'POST',
    url: route.url,
    headers: { 'content-type': 'application/json', ...route.headers(body) },
    payload: body,
  });
  expect(res.statusCode, res.body.slice(0, 200)).toBeLessThan(500);
  const json = res.json<{ queued?: number }>();
  if (res.statusCode === 200 && (json.queued ?? 0) > 0) {
    // Accepted: it must really be a valid alert (the queue's zod check stored it) and be counted exactly.
    expect((await gate.queue.stats()).length).toBe(before + (json.queued ?? 0));
    return;
  }
  expectRefused(res, route.name, body.toString('utf8').slice(0, 100));
  expect((await gate.queue.stats()).length).toBe(before);
  expect(Object.keys(Object.prototype)).toEqual([]);
}

describe('fuzzed bodies with valid credentials', () => {
  for (const route of ROUTES) {
    it(`${route.name}: arbitrary JSON values`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.jsonValue(), async (v) => post(route, Buffer.from(JSON.stringify(v) ?? 'null'))),
        { numRuns: 150 },
      );
    });
    it(`${route.name}: arbitrary bytes`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (b) => post(route, Buffer.from(b))),
        { numRuns: 150 },
      );
    });
    it(`${route.name}: alert-shaped objects with hostile keys and values`, async () => {
      await fc.assert(
        fc.asyncProperty(alertish, async (v) => post(route, Buffer.from(JSON.stringify(v) ?? 'null'))),
        { numRuns: 200 },
      );
    });
  }
});
