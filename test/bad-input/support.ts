/**
 * Shared pieces of the bad-input suite: the three webhook routes with their credentials, the raw-byte corpus
 * (test/fixtures/bad-input/ plus generated cases), and the verdict every hostile body must get.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { GATE_ROUTES } from '../../src/ingress/gate.js';
import { signSlackBody } from '../../src/ingress/slack-verify.js';
import { ERROR_CATALOG } from '../../src/kernel/errors.js';
import { AM_TOKEN, DD_TOKEN, NOW_MS, SLACK_SECRET } from '../integration/ingress/gate-helpers.js';

export interface RouteCase {
  readonly name: 'slack' | 'datadog' | 'alertmanager';
  readonly url: string;
  /** Valid credentials for this body (Slack: a correct v0 signature over exactly these bytes). */
  headers(body: Buffer, nowMs?: number): Record<string, string>;
}

export const ROUTES: readonly RouteCase[] = [
  {
    name: 'slack',
    url: GATE_ROUTES.slack,
    headers: (body, nowMs = NOW_MS) => {
      const ts = Math.floor(nowMs / 1000);
      return { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signSlackBody(SLACK_SECRET, ts, body) };
    },
  },
  { name: 'datadog', url: GATE_ROUTES.datadog, headers: () => ({ 'x-flipturn-token': DD_TOKEN }) },
  { name: 'alertmanager', url: GATE_ROUTES.alertmanager, headers: () => ({ authorization: `Bearer ${AM_TOKEN}` }) },
];

export interface BodyCase {
  readonly name: string;
  readonly body: Buffer;
}

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'bad-input');

export function fixtureCorpus(): BodyCase[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f, body: readFileSync(join(FIXTURES, f)) }));
}

function nested(depth: number, open: string, close: string, inner = '1'): string {
  return `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
}

/** Cases too large or too regular to keep as files. */
export function generatedCorpus(): BodyCase[] {
  const deepArray = nested(10_000, '[', ']');
  const deepObject = nested(10_000, '{"a":', '}');
  return [
    { name: 'root array nested 10k levels', body: Buffer.from(deepArray) },
    { name: 'root object nested 10k levels', body: Buffer.from(deepObject) },
    {
      name: 'datadog fields nested 10k levels',
      body: Buffer.from(
        `{"title":${deepArray},"alert_transition":"Triggered","tags":${deepObject},"date":"1763717400000"}`,
      ),
    },
    {
      name: 'slack event fields nested 10k levels',
      body: Buffer.from(
        `{"type":"event_callback","team_id":"T1","event":{"type":"message","subtype":"bot_message","bot_id":"B1","ts":"1763717401.000100","channel":"C1","attachments":${deepArray},"blocks":${deepObject},"text":${deepArray}}}`,
      ),
    },
    {
      name: 'alertmanager labels nested 10k levels',
      body: Buffer.from(
        `{"version":"4","status":"firing","alerts":[{"status":"firing","labels":${deepObject},"annotations":${deepArray},"startsAt":"2026-11-21T09:00:00Z","fingerprint":"abc"}]}`,
      ),
    },
    {
      name: '100k keys in one object',
      body: Buffer.from(`{${Array.from({ length: 100_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`),
    },
    {
      name: 'a 900 KiB string title',
      body: Buffer.from(JSON.stringify({ title: 'x'.repeat(900 * 1024), alert_transition: 'Triggered' })),
    },
  ];
}

export const OVERSIZED = Buffer.alloc(1024 * 1024 + 1, 0x20);

interface ErrorJson {
  error?: { code?: string; message?: string };
  ok?: boolean;
  queued?: number;
  ignored?: string;
}

/**
 * The verdict for a hostile body: a 4xx whose JSON names a catalogued FT_ code with that code's status, or 200
 * "ignored" with nothing queued, for well-formed deliveries that carry no alert: on the Slack route any event we
 * do not act on (Slack must get a 2xx or it retries and eventually disables the app), on the Alertmanager route
 * a group with no alerts. Never a 5xx, never anything queued.
 */
export function expectRefused(res: LightMyRequestResponse, route: RouteCase['name'], what: string): void {
  const json = res.json<ErrorJson>();
  const ctx = `${route} <- ${what}: ${res.statusCode} ${res.body.slice(0, 200)}`;
  expect(res.statusCode, ctx).toBeLessThan(500);
  if (res.statusCode === 200) {
    expect(json.queued, ctx).toBe(0);
    if (route === 'slack') expect(typeof json.ignored, ctx).toBe('string');
    else expect([route, json.ignored], ctx).toEqual(['alertmanager', 'no_alerts']);
    return;
  }
  expect(res.statusCode, ctx).toBeGreaterThanOrEqual(400);
  const code = json.error?.code ?? '';
  expect(code, ctx).toMatch(/^FT_INGRESS_/);
  expect(ERROR_CATALOG[code as keyof typeof ERROR_CATALOG]?.status, ctx).toBe(res.statusCode);
}
