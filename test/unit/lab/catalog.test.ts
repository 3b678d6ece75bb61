import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LAB_SCENARIOS } from '../../../src/lab/scenarios.js';
import { labScenarioSchema, faultSchema } from '../../../src/lab/spec.js';
import { expectedJsonSchema } from '../../../src/lab/format/schemas.js';
import { labListCommand } from '../../../src/cli/commands/lab.js';
import { FixedClock } from '../../../src/kernel/clock.js';
import { silentLogger } from '../../../src/kernel/logger.js';

const parsed = LAB_SCENARIOS.map((d) => ({ def: d, lab: labScenarioSchema.parse(d.lab) }));
const REPO = join(import.meta.dirname, '../../..');

describe('lab scenario catalog', () => {
  it('has at least 16 uniquely named scenarios over at least two topologies, one with 10+ services', () => {
    expect(parsed.length).toBeGreaterThanOrEqual(16);
    expect(new Set(parsed.map((p) => p.def.name)).size).toBe(parsed.length);
    const topologies = new Map(parsed.map((p) => [p.lab.topology.name, p.lab.topology.services.length]));
    expect(topologies.size).toBeGreaterThanOrEqual(2);
    expect(Math.max(...topologies.values())).toBeGreaterThanOrEqual(10);
  });

  it('covers every fault mechanic of the issue', () => {
    const kinds = new Set(
      parsed.flatMap((p) =>
        p.lab.faults.map((f) =>
          f.kind === 'exception'
            ? `exception:${f.swallowed ? 'swallowed' : 'escaping'}`
            : f.kind === 'network'
              ? f.lossRate > 0
                ? 'network:loss'
                : 'network:delay'
              : f.kind,
        ),
      ),
    );
    for (const k of [
      'exception:escaping',
      'exception:swallowed',
      'serialization',
      'wrong_value',
      'missing_call',
      'latency',
      'network:delay',
      'network:loss',
      'cpu',
      'memory_leak',
      'pool_leak',
      'retry_policy',
      'unreachable',
      'deploy',
      'traffic_surge',
    ])
      expect(kinds).toContain(k);
    expect(parsed.some((p) => p.lab.faults.length >= 2)).toBe(true);
  });

  it('mixes alert sources and exercises unstamped runs and missing signals', () => {
    const count = (s: string) => parsed.filter((p) => p.def.alertSource === s).length;
    expect(count('slack_event')).toBeGreaterThanOrEqual(2);
    expect(count('alertmanager')).toBeGreaterThanOrEqual(2);
    expect(count('datadog_webhook')).toBeGreaterThan(count('slack_event') + count('alertmanager'));
    expect(parsed.some((p) => !p.lab.stampRunIds)).toBe(true);
    expect(parsed.some((p) => !p.lab.signals.logs)).toBe(true);
    expect(parsed.some((p) => !p.lab.signals.metrics)).toBe(true);
    for (const n of ['clock_skew', 'drop_spans', 'errors'])
      expect(parsed.some((p) => p.lab.noise.some((x) => x.kind === n))).toBe(true);
  });

  it('expected roles are valid and name services of the topology; deploy behaviours parse', () => {
    for (const { def, lab } of parsed) {
      expect(expectedJsonSchema.safeParse(def.expected).success).toBe(true);
      const names = new Set(lab.topology.services.map((s) => s.name));
      const e = def.expected;
      for (const s of [e.rootCause?.service, e.symptom, e.bottleneck ?? undefined, ...(e.propagation ?? [])])
        if (s) expect(names, `${def.name}: ${s}`).toContain(s);
      expect(e.symptom).toBe(lab.monitor.service);
      if (e.abstain) expect(lab.faults.every((f) => f.kind === 'traffic_surge')).toBe(true);
      for (const f of lab.faults)
        if (f.kind === 'deploy') for (const b of f.behaviour) expect(faultSchema.safeParse(b).success).toBe(true);
      if (e.rootCause) expect(def.description).not.toContain(e.rootCause.service);
    }
  });

  it('cache_poison_pill is the seed story', () => {
    const cpp = parsed.find((p) => p.def.name === 'cache_poison_pill');
    expect(cpp?.def.expected).toEqual({
      rootCause: { service: 'catalog-cache', operation: 'GET /get' },
      propagation: ['catalog'],
      bottleneck: 'database',
      symptom: 'search',
      abstain: false,
    });
    expect(cpp?.lab.topology.services.map((s) => s.name)).toEqual(['search', 'catalog', 'catalog-cache', 'database']);
  });

  it('recorded scenarios carry their catalog truth and an alert that does not name the cause', () => {
    for (const { def } of parsed) {
      const dir = join(REPO, 'scenarios', def.name);
      if (!existsSync(join(dir, 'expected.json'))) continue;
      expect(JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'))).toEqual(def.expected);
      const alert = readFileSync(join(dir, 'alert.json'), 'utf8');
      if (def.expected.rootCause)
        expect(alert, def.name).not.toMatch(new RegExp(`\\b${def.expected.rootCause.service}\\b(?!-)`));
    }
  });

  it('lab list prints every scenario with its fault type, topology and alert source', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    const ctx = {
      env: {},
      stdout,
      stderr: new PassThrough(),
      clock: new FixedClock(0),
      cwd: REPO,
      signal: new AbortController().signal,
      logger: silentLogger(),
    };
    expect(await labListCommand.run(ctx, { values: {}, positionals: [] })).toBe(0);
    for (const { def, lab } of parsed)
      expect(out).toMatch(
        new RegExp(`${def.name}\\s+${def.faultType.replace('.', '\\.')}\\s+${lab.topology.name}\\s+${def.alertSource}`),
      );
  });
});
