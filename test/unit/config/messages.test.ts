/**
 * A bad value is reported with the variable, what it must be and what was given ("PORT must be a port number
 * (1-65535), got 'abc'"), for every typed setting: integers, enumerations, booleans and patterns. Secrets and values
 * that could hide a credential are never echoed.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig, type ConfigProblem } from '../../../src/config/load.js';
import { configSchema, SECRET_SETTINGS, SETTINGS, type SettingName } from '../../../src/config/schema.js';

function problems(env: Record<string, string>): ConfigProblem[] {
  const r = parseConfig(env);
  if (r.ok) throw new Error(`expected problems for ${JSON.stringify(env)}`);
  return [...r.problems];
}

function message(name: string, value: string): string {
  const p = problems({ [name]: value }).filter((x) => x.variable === name);
  expect(p, `${name}=${value}`).toHaveLength(1);
  return `${name} ${p[0]!.message}`;
}

describe('configuration problems name the variable, the reason and the value', () => {
  it('PORT=abc', () => {
    expect(message('PORT', 'abc')).toBe("PORT must be a port number (1-65535), got 'abc'");
    expect(message('PORT', '70000')).toBe("PORT must be a port number (1-65535), got '70000'");
  });

  it('integers: not a number, a fraction, below and above the range', () => {
    expect(message('WORKER_CONCURRENCY', 'four')).toBe(
      "WORKER_CONCURRENCY must be an integer from 1 to 256, got 'four'",
    );
    expect(message('MEMORY_TTL_SECONDS', '1.5')).toBe(
      "MEMORY_TTL_SECONDS must be an integer from 60 to 31536000, got '1.5'",
    );
    expect(message('MAX_DELIVERIES', '0')).toBe("MAX_DELIVERIES must be an integer from 1 to 100, got '0'");
    expect(message('FLIPTURN_PROVIDER_CALL_BUDGET', '1001')).toBe(
      "FLIPTURN_PROVIDER_CALL_BUDGET must be an integer from 1 to 1000, got '1001'",
    );
  });

  it('enumerations and booleans list what is accepted', () => {
    expect(message('LOG_LEVEL', 'verbose')).toBe(
      "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got 'verbose'",
    );
    expect(message('OPENAI_JSON_MODE', 'yes')).toMatch(
      /^OPENAI_JSON_MODE must be one of (?=.*true)(?=.*false)(?=.*\b1\b)(?=.*\b0\b).*, got 'yes'$/,
    );
    expect(message('LOKI_PARSER', 'xml')).toBe("LOKI_PARSER must be one of none, json, logfmt, got 'xml'");
  });

  it('patterns say the expected form', () => {
    expect(message('LOKI_SERVICE_LABELS', 'a;b')).toBe(
      "LOKI_SERVICE_LABELS must be comma-separated label names, got 'a;b'",
    );
  });

  it('every numeric or enumerated setting says what it must be and what it got', () => {
    const shape = configSchema.shape as Record<string, unknown>;
    let checked = 0;
    for (const name of Object.keys(SETTINGS) as SettingName[]) {
      if (SECRET_SETTINGS.includes(name) || !(name in shape)) continue;
      const r = parseConfig({ [name]: 'not-valid' });
      if (r.ok) continue; // free-form strings and URLs accept or reject this on their own terms
      const p = r.problems.find((x) => x.variable === name);
      if (!p) continue;
      checked++;
      expect(p.message, name).toMatch(/^must be .+/);
      if (!/URL/.test(p.message)) expect(p.message, name).toMatch(/, got 'not-valid'$/);
    }
    expect(checked).toBeGreaterThan(25);
  });

  it('never echoes a secret or a value that could carry a credential', () => {
    const p = problems({ SLACK_BOT_TOKEN: 'short', LOKI_URL: 'u:hunter2@loki', REDIS_URL: 'http://:pw@x' });
    const text = JSON.stringify(p);
    expect(text).not.toContain('short');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain(':pw@');
  });

  it('an unset required value is "is required", a bad one is never called missing', () => {
    for (const p of problems({ PORT: 'abc', WORKER_CONCURRENCY: 'x' })) expect(p.message).not.toBe('is required');
  });
});
