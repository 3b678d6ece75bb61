import { describe, expect, it } from 'vitest';
import { configWarnings, describeConfig, loadConfig, parseConfig } from '../../../src/config/load.js';
import { SETTINGS } from '../../../src/config/schema.js';
import { isFlipturnError } from '../../../src/kernel/errors.js';

describe('configuration', () => {
  it('applies defaults on an empty environment and freezes the result', () => {
    const r = parseConfig({});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.PORT).toBe(3000);
    expect(r.config.HOST).toBe('127.0.0.1');
    expect(r.config.REDIS_URL).toBeUndefined();
    expect(r.config.FLIPTURN_PROVIDER_CALL_BUDGET).toBe(12);
    expect(Object.isFrozen(r.config)).toBe(true);
    expect(() => {
      (r.config as { PORT: number }).PORT = 1;
    }).toThrow(TypeError);
  });

  it('reports every problem at once, naming each variable', () => {
    const r = parseConfig({ REDIS_URL: 'notaurl', SLACK_SIGNING_SECRET: '', PORT: '99999', DD_API_KEY: 'abcd1234' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const vars = r.problems.map((p) => p.variable);
    expect(vars).toEqual(expect.arrayContaining(['REDIS_URL', 'SLACK_SIGNING_SECRET', 'PORT', 'DD_APP_KEY']));
    expect(r.problems.find((p) => p.variable === 'SLACK_SIGNING_SECRET')?.message).toMatch(/empty/);
  });

  it('never echoes a secret value in a problem', () => {
    const secret = 'rediss-supersecret-password';
    const r = parseConfig({ REDIS_URL: `http://user:${secret}@host`, DD_API_KEY: 'dd-key-0123456789' });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain(secret);
    expect(JSON.stringify(r)).not.toContain('dd-key-0123456789');
  });

  it('loadConfig throws FT_CONFIG_INVALID listing all problems', () => {
    try {
      loadConfig({ REDIS_URL: 'x', PORT: 'abc' });
      expect.unreachable();
    } catch (e) {
      expect(isFlipturnError(e, 'FT_CONFIG_INVALID')).toBe(true);
      expect(String((e as Error).message)).toMatch(/REDIS_URL[\s\S]*PORT|PORT[\s\S]*REDIS_URL/);
    }
  });

  it('masks every secret when describing the effective configuration', () => {
    const env = {
      REDIS_URL: 'redis://:hunter2hunter2@127.0.0.1:6379',
      SLACK_SIGNING_SECRET: '8f742231b10e8888abcd99yyyzzz85a5',
      SLACK_BOT_TOKEN: 'xoxb-0123456789-abcdefabcdef',
      DD_API_KEY: 'dd-api-0123456789',
      DD_APP_KEY: 'dd-app-0123456789',
      LOKI_URL: 'http://127.0.0.1:3100',
    };
    const r = parseConfig(env);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const text = JSON.stringify(describeConfig(r.config, env));
    for (const v of ['hunter2hunter2', env.SLACK_SIGNING_SECRET, env.DD_API_KEY, env.DD_APP_KEY])
      expect(text).not.toContain(v);
    expect(text).toContain('http://127.0.0.1:3100');
    // The scrubber knows the password inside the Redis URL too.
    expect(r.scrubber.scrub('connect failed: redis://:hunter2hunter2@127.0.0.1')).not.toContain('hunter2hunter2');
  });

  it('masks credentials embedded in non-secret URL settings', () => {
    const env = { LOKI_URL: 'https://12345:glc_tokenvalue123@logs.example.net' };
    const r = parseConfig(env);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const text = JSON.stringify(describeConfig(r.config, env));
    expect(text).not.toContain('glc_tokenvalue123');
    expect(text).toContain('logs.example.net');
    expect(r.scrubber.scrub('GET https://12345:glc_tokenvalue123@logs.example.net failed')).not.toContain(
      'glc_tokenvalue123',
    );
  });

  it('parses list settings and rejects malformed ones', () => {
    const ok = parseConfig({
      SENTRY_PROJECTS: ' checkout, search ',
      SENTRY_AUTH_TOKEN: 'sntrys-token-0123',
      SENTRY_ORG: 'acme',
    });
    expect(ok.ok && ok.config.SENTRY_PROJECTS).toEqual(['checkout', 'search']);
    const bad = parseConfig({ SENTRY_PROJECTS: 'a,,b', SENTRY_AUTH_TOKEN: 'sntrys-token-0123', SENTRY_ORG: 'acme' });
    expect(!bad.ok && bad.problems.map((p) => p.variable)).toEqual(['SENTRY_PROJECTS']);
  });

  it('checks every cross-setting dependency at parse time (config check and start-up fail alike)', () => {
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ DATADOG_WEBHOOK_TOKEN: 'dd-webhook-token-0123456789' }, 'SLACK_DEFAULT_CHANNEL', /DATADOG_WEBHOOK_TOKEN/],
      [
        { ALERTMANAGER_WEBHOOK_TOKEN: 'am-webhook-token-0123456789' },
        'SLACK_DEFAULT_CHANNEL',
        /ALERTMANAGER_WEBHOOK_TOKEN/,
      ],
      [{ SENTRY_PROJECTS: 'checkout' }, 'SENTRY_AUTH_TOKEN', /SENTRY_PROJECTS/],
      [{ LOKI_TENANT: 't1' }, 'LOKI_URL', /LOKI_TENANT/],
      [{ TEMPO_TENANT: 't1' }, 'TEMPO_URL', /TEMPO_TENANT/],
      [{ PROMETHEUS_FAMILIES: '{}' }, 'PROMETHEUS_URL', /PROMETHEUS_FAMILIES/],
      [{ GRAFANA_DATASOURCES: 'loki=abc' }, 'GRAFANA_URL', /GRAFANA_DATASOURCES/],
      [{ OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' }, 'OPENAI_MODEL', /OPENAI_BASE_URL/],
      [
        { FLIPTURN_PROVIDER_TIMEOUT_MS: '20000', FLIPTURN_INVESTIGATION_DEADLINE_MS: '10000' },
        'FLIPTURN_PROVIDER_TIMEOUT_MS',
        /FLIPTURN_INVESTIGATION_DEADLINE_MS/,
      ],
    ];
    for (const [env, variable, message] of cases) {
      const r = parseConfig(env);
      expect(r.ok, JSON.stringify(env)).toBe(false);
      if (r.ok) continue;
      expect(r.problems.find((p) => p.variable === variable)?.message, JSON.stringify(env)).toMatch(message);
    }
    const whole = parseConfig({
      DATADOG_WEBHOOK_TOKEN: 'dd-webhook-token-0123456789',
      SLACK_DEFAULT_CHANNEL: 'C0ALERTS',
      SLACK_SIGNING_SECRET: 'signing-secret-0123',
      SLACK_BOT_TOKEN: 'xoxb-bot-token-0123',
    });
    expect(whole.ok).toBe(true);
  });

  it('warns about legal but risky combinations, and the volatile-queue override', () => {
    const r = parseConfig({ RECLAIM_IDLE_MS: '2000', FLIPTURN_ALLOW_VOLATILE_QUEUE: 'true' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.FLIPTURN_ALLOW_VOLATILE_QUEUE).toBe(true);
    expect(configWarnings(r.config).map((w) => w.variable)).toEqual([
      'RECLAIM_IDLE_MS',
      'INCIDENT_WAIT_MS',
      'FLIPTURN_ALLOW_VOLATILE_QUEUE',
    ]);
    const quiet = parseConfig({});
    expect(quiet.ok && configWarnings(quiet.config)).toEqual([]);
  });

  it('documents every setting', () => {
    for (const [name, meta] of Object.entries(SETTINGS)) {
      expect(meta.description.length, name).toBeGreaterThan(10);
    }
  });
});
