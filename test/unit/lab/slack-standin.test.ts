import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackStandin, type SlackStandin } from '../../support/slack-standin.js';

async function call(
  s: SlackStandin,
  method: string,
  body: Record<string, string> | object,
  opts: { json?: boolean; token?: string | null } = {},
) {
  const headers: Record<string, string> = {
    'content-type': opts.json ? 'application/json' : 'application/x-www-form-urlencoded',
  };
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? s.token}`;
  const res = await fetch(`${s.apiUrl}${method}`, {
    method: 'POST',
    headers,
    body: opts.json ? JSON.stringify(body) : new URLSearchParams(body as Record<string, string>).toString(),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

describe('Slack Web API stand-in', () => {
  let s: SlackStandin;
  beforeEach(async () => {
    s = await startSlackStandin({ teamId: 'T9' });
  });
  afterEach(async () => {
    await s.stop();
  });

  it('checks the token (header or form field) and answers auth.test', async () => {
    expect((await call(s, 'auth.test', {}, { token: null })).body).toEqual({ ok: false, error: 'not_authed' });
    expect((await call(s, 'auth.test', {}, { token: 'xoxb-nope' })).body).toEqual({ ok: false, error: 'invalid_auth' });
    expect((await call(s, 'auth.test', { token: s.token }, { token: null })).body).toMatchObject({
      ok: true,
      team_id: 'T9',
    });
  });

  it('posts with form and JSON bodies, keeps threads, updates, and lists replies with metadata on request', async () => {
    const root = await call(s, 'chat.postMessage', { channel: 'C1', text: 'alert' });
    const rootTs = root.body.ts as string;
    const reply = await call(
      s,
      'chat.postMessage',
      {
        channel: 'C1',
        thread_ts: rootTs,
        text: 'fallback',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }],
        metadata: { event_type: 'x', event_payload: { a: 1 } },
      },
      { json: true },
    );
    expect(reply.body).toMatchObject({ ok: true, channel: 'C1', message: { thread_ts: rootTs } });
    const formReply = await call(s, 'chat.postMessage', {
      channel: 'C1',
      thread_ts: rootTs,
      text: 'form',
      blocks: JSON.stringify([{ type: 'divider' }]),
    });
    expect(s.messages('C1')[2]?.blocks).toEqual([{ type: 'divider' }]);
    expect((await call(s, 'chat.postMessage', { channel: 'C1', thread_ts: '9.9', text: 'x' })).body).toEqual({
      ok: false,
      error: 'thread_not_found',
    });
    expect(
      (await call(s, 'chat.update', { channel: 'C1', ts: formReply.body.ts as string, text: 'edited' })).body,
    ).toMatchObject({ ok: true, text: 'edited' });
    const plain = await call(s, 'conversations.replies', { channel: 'C1', ts: rootTs });
    expect((plain.body.messages as unknown[]).length).toBe(3);
    expect(JSON.stringify(plain.body)).not.toContain('event_payload');
    const meta = await call(s, 'conversations.replies', { channel: 'C1', ts: rootTs, include_all_metadata: 'true' });
    expect((meta.body.messages as Array<{ metadata?: unknown }>)[1]?.metadata).toEqual({
      event_type: 'x',
      event_payload: { a: 1 },
    });
    expect(s.transcript()).toBe(
      [
        `#C1`,
        `  [${rootTs}] alert`,
        `    ↳ [${reply.body.ts as string}] hi`,
        `    ↳ [${formReply.body.ts as string}, edited 1x] edited`,
      ].join('\n'),
    );
  });

  it('answers scripted failures first, including a committed call that answers 500', async () => {
    s.failNext('chat.postMessage', { status: 429, headers: { 'retry-after': '3' } }, { status: 500, commit: true });
    const a = await call(s, 'chat.postMessage', { channel: 'C1', text: 'x' });
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('3');
    expect(s.messages('C1')).toHaveLength(0);
    const b = await call(s, 'chat.postMessage', { channel: 'C1', text: 'x' });
    expect(b.status).toBe(500);
    expect(s.messages('C1')).toHaveLength(1);
    expect((await call(s, 'chat.postMessage', { channel: 'C1', text: 'y' })).status).toBe(200);
    expect(s.calls.map((c) => c.status)).toEqual([429, 500, 200]);
  });
});
