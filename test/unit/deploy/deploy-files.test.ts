/**
 * The Dockerfile, docker-compose.yml and the Slack app manifest cannot be run here (no Docker engine, no Slack
 * workspace), so they are checked against the code: every variable they set exists in the config schema, every
 * command they run is a real CLI command, ports and health endpoints match, and the manifest has Slack's shape.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { COMMANDS } from '../../../src/cli/commands/index.js';
import { matchCommand } from '../../../src/cli/router.js';
import { configSchema, SETTINGS } from '../../../src/config/schema.js';

const dockerfile = readFileSync('Dockerfile', 'utf8');
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<
    string,
    {
      build?: string;
      image?: string;
      command?: string[];
      environment?: Record<string, string>;
      ports?: string[];
      profiles?: string[];
    }
  >;
};
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

const flipturnServices = Object.entries(compose.services).filter(
  ([, s]) => s.build === '.' || s.image === 'flipturn:local',
);
/** Variables of the runtime, not of Flipturn's configuration. */
const RUNTIME_VARS = new Set(['NODE_ENV']);

describe('Dockerfile', () => {
  it('sets only variables that exist in the config schema', () => {
    const env = [...dockerfile.matchAll(/^\s*(?:ENV\s+)?([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]!);
    expect(env.length).toBeGreaterThan(0);
    for (const name of env) expect(RUNTIME_VARS.has(name) || name in SETTINGS, name).toBe(true);
  });

  it('runs the built CLI, whose default command exists, and exposes the default port', () => {
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "dist\/cli\/main\.js"\]/);
    expect(pkg.bin.flipturn).toBe('dist/cli/main.js');
    const cmd = /CMD \["([a-z -]+)"\]/.exec(dockerfile)?.[1];
    expect(cmd && matchCommand(cmd.split(' '), COMMANDS)).toBeTruthy();
    const port = /EXPOSE (\d+)/.exec(dockerfile)?.[1];
    expect(Number(port)).toBe(configSchema.parse({}).PORT);
  });

  it('builds with the same commands CI runs', () => {
    expect(dockerfile).toContain('npm ci');
    expect(dockerfile).toContain('npm run build');
    expect(pkg.scripts.build).toContain('tsc');
    expect(readFileSync('.ci/run', 'utf8')).toContain('npm run build');
  });

  it('health-checks an endpoint every role serves', () => {
    expect(dockerfile).toContain('/healthz');
    expect(readFileSync('src/ingress/gate.ts', 'utf8')).toContain("'/healthz'");
  });
});

describe('docker-compose.yml', () => {
  it('gives Flipturn services only variables from the config schema, with valid values', () => {
    expect(flipturnServices.length).toBeGreaterThanOrEqual(3);
    for (const [name, svc] of flipturnServices) {
      const env = svc.environment ?? {};
      for (const key of Object.keys(env)) expect(key in SETTINGS, `${name}: ${key}`).toBe(true);
      // Interpolations are resolved by compose; take their defaults to check the values parse.
      const resolved = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')]),
      );
      const parsed = configSchema.safeParse(resolved);
      expect(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }
  });

  it('runs only real CLI commands', () => {
    for (const [name, svc] of flipturnServices) {
      const argv = svc.command ?? ['start'];
      expect(matchCommand(argv, COMMANDS), `${name}: ${argv.join(' ')}`).toBeTruthy();
    }
  });

  it('runs a gate, two workers and a persistent redis', () => {
    expect(compose.services.gate?.command).toEqual(['serve']);
    expect(compose.services.worker?.command).toEqual(['worker']);
    expect((compose.services.worker as { deploy?: { replicas?: number } }).deploy?.replicas).toBe(2);
    const redis = (compose.services.redis as { command?: string[] }).command ?? [];
    expect(redis).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    // AOF fsynced at least every second (the default 'everysec' or 'always'; 'no' leaves it to the OS).
    expect(['everysec', 'always']).toContain(redis[redis.indexOf('--appendfsync') + 1]);
    expect(compose.services.gate?.ports?.[0]).toMatch(/:3000$/);
  });
});

const manifestSchema = z.object({
  display_information: z.object({
    name: z.string().min(1).max(35),
    description: z.string().max(140).optional(),
    long_description: z.string().min(175).max(4000).optional(),
    background_color: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/)
      .optional(),
  }),
  features: z.object({
    bot_user: z.object({ display_name: z.string().min(1).max(80), always_online: z.boolean().optional() }),
  }),
  oauth_config: z.object({ scopes: z.object({ bot: z.array(z.string().regex(/^[a-z_]+:[a-z_.]+$/)).min(1) }) }),
  settings: z.object({
    event_subscriptions: z.object({ request_url: z.string().url(), bot_events: z.array(z.string()).min(1) }),
    interactivity: z.object({ is_enabled: z.boolean(), request_url: z.string().url() }),
    org_deploy_enabled: z.boolean().optional(),
    socket_mode_enabled: z.boolean().optional(),
    token_rotation_enabled: z.boolean().optional(),
  }),
});

describe('Slack app manifest', () => {
  const manifest = parse(readFileSync('manifest.yml', 'utf8')) as unknown;

  it("has Slack's manifest shape", () => {
    const r = manifestSchema.safeParse(manifest);
    expect(r.success, JSON.stringify(r.error?.issues)).toBe(true);
  });

  it("points events at the gate's Slack route and asks for what the code uses", () => {
    const m = manifestSchema.parse(manifest);
    expect(new URL(m.settings.event_subscriptions.request_url).pathname).toBe('/api/v1/webhooks/slack/events');
    expect(readFileSync('src/ingress/gate.ts', 'utf8')).toContain('/api/v1/webhooks/slack/events');
    expect(m.settings.event_subscriptions.bot_events).toEqual(
      expect.arrayContaining(['app_mention', 'message.channels']),
    );
    expect(m.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining(['chat:write', 'app_mentions:read', 'channels:history']),
    );
    // Every bot event needs its scope.
    const needs: Record<string, string> = {
      app_mention: 'app_mentions:read',
      'message.channels': 'channels:history',
      'message.groups': 'groups:history',
    };
    for (const e of m.settings.event_subscriptions.bot_events) expect(m.oauth_config.scopes.bot, e).toContain(needs[e]);
  });

  it("points the buttons at the interactions route, may share the picture, and documents Socket Mode's token", () => {
    const m = manifestSchema.parse(manifest);
    expect(m.settings.interactivity.is_enabled).toBe(true);
    expect(new URL(m.settings.interactivity.request_url).pathname).toBe('/api/v1/webhooks/slack/interactions');
    expect(m.oauth_config.scopes.bot).toContain('files:write');
    const text = readFileSync('manifest.yml', 'utf8');
    expect(text).toContain('SLACK_APP_TOKEN');
    expect(text).toContain('connections:write');
    expect('SLACK_APP_TOKEN' in SETTINGS).toBe(true);
  });
});
