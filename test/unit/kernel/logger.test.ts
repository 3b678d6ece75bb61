import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/kernel/logger.js';
import { SecretScrubber } from '../../../src/kernel/secrets.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { lines, destination };
}

describe('logger redaction', () => {
  it('redacts secret fields by path and registered secret values anywhere', () => {
    const { lines, destination } = capture();
    const scrubber = new SecretScrubber().register('xoxb-1234-secret-token', 'dd-api-key-value');
    const log = createLogger({ level: 'info', scrubber, destination });
    log.info(
      {
        config: { SLACK_BOT_TOKEN: 'xoxb-1234-secret-token', PORT: 3000 },
        headers: { authorization: 'Bearer abc.def' },
      },
      'starting',
    );
    log.warn('datadog said: invalid key dd-api-key-value');
    log.error({ err: new Error('request with key dd-api-key-value failed') }, 'boom');
    const text = lines.join('');
    expect(text).not.toContain('xoxb-1234-secret-token');
    expect(text).not.toContain('dd-api-key-value');
    expect(text).not.toContain('Bearer abc.def');
    expect(text).toContain('[REDACTED]');
    expect(text).toContain('"PORT":3000');
    expect(lines).toHaveLength(3);
  });

  it("masks secret fields at any depth, in any case, also in child bindings, without touching the caller's object", () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', destination });
    const fields = {
      a: { b: { c: { d: { Authorization: 'Bearer deep', ok: 'kept' } } } },
      list: [{ TOKEN: 'tok-in-array' }],
    };
    log
      .child({ request: { headers: { 'X-Slack-Signature': 'v0=abc' } } })
      .child({ hop: 2 })
      .info(fields, 'deep');
    const line = lines.join('');
    expect(line).not.toContain('Bearer deep');
    expect(line).not.toContain('tok-in-array');
    expect(line).not.toContain('v0=abc');
    expect(line).toContain('"ok":"kept"');
    expect(line).toContain('"hop":2');
    expect(line).toContain('"X-Slack-Signature":"[REDACTED]"');
    expect(fields.a.b.c.d.Authorization).toBe('Bearer deep');
  });

  it('scrubs URL-encoded secrets and prefers the longest match', () => {
    const s = new SecretScrubber().register('p@ss/word', 'p@ss/word-long');
    expect(s.scrub('a p@ss/word-long b p%40ss%2Fword c')).toBe('a [REDACTED] b [REDACTED] c');
  });
});
