import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { validateScenarioDir } from '../../../src/lab/format/validate.js';
import { scenarioValidateCommand } from '../../../src/cli/commands/scenario-validate.js';
import { PassThrough } from 'node:stream';
import { FixedClock } from '../../../src/kernel/clock.js';
import { silentLogger } from '../../../src/kernel/logger.js';

const FIXTURE = join(import.meta.dirname, '../../fixtures/lab/nezha-tt-2023-01-29-1020');
const SCENARIOS = join(import.meta.dirname, '../../../scenarios');
const tmp: string[] = [];
afterEach(() => {
  for (const d of tmp.splice(0)) rmSync(d, { recursive: true, force: true });
});

function copyFixture(): string {
  const d = mkdtempSync(join(tmpdir(), 'ft-validate-'));
  tmp.push(d);
  cpSync(FIXTURE, d, { recursive: true });
  return d;
}

describe('scenario validate', () => {
  it('accepts a real incident in the scenario format (Nezha, copied with provenance)', () => {
    const r = validateScenarioDir(FIXTURE);
    expect(r.problems).toEqual([]);
    expect(r.summary.traces).toBeGreaterThan(1000);
    expect(r.summary.services.length).toBeGreaterThan(10);
  });

  it('accepts every committed scenario (lab recordings, Nezha traces+logs+metrics, PetShop metrics only)', async () => {
    const { readdirSync } = await import('node:fs');
    const dirs = readdirSync(SCENARIOS, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(SCENARIOS, e.name));
    expect(dirs.length).toBeGreaterThanOrEqual(59);
    for (const d of dirs) expect({ d, problems: validateScenarioDir(d).problems }).toEqual({ d, problems: [] });
  }, 180_000); // reads and validates every committed scenario (tens of MB): minutes on a loaded 2-core machine

  it('lists every problem with its file and line', () => {
    const d = copyFixture();
    writeFileSync(join(d, 'expected.json'), JSON.stringify({ symptom: 'frontend', abstain: false }));
    const alert = JSON.parse(readFileSync(join(d, 'alert.json'), 'utf8')) as Record<string, unknown>;
    alert.date = 1661153268000;
    writeFileSync(join(d, 'alert.json'), JSON.stringify(alert));
    const good =
      '{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"a"}}]},"scopeLogs":[{"logRecords":[{"timeUnixNano":"1","severityNumber":9}]}]}]}';
    const bad =
      '{"resourceLogs":[{"resource":{"attributes":[]},"scopeLogs":[{"logRecords":[{"timeUnixNano":1,"severityNumber":"INFO","traceId":"xyz"}]}]}]}';
    writeFileSync(join(d, 'telemetry', 'logs.jsonl.gz'), gzipSync(`${good}\n${bad}\n`));
    const r = validateScenarioDir(d);
    expect(r.ok).toBe(false);
    const lines = r.problems.map((p) => `${p.file}${p.line !== undefined ? `:${p.line}` : ''} ${p.message}`);
    expect(lines.some((l) => l.startsWith('expected.json') && l.includes('rootCause'))).toBe(true);
    expect(lines.some((l) => l.startsWith('alert.json') && l.includes('date'))).toBe(true);
    expect(lines.filter((l) => l.startsWith('telemetry/logs.jsonl.gz:2')).length).toBeGreaterThanOrEqual(3);
    expect(lines.some((l) => l.startsWith('telemetry/logs.jsonl.gz:1'))).toBe(false);
  });

  it('accepts a metrics-only scenario with a topology.json and a free-form lab block of another system', () => {
    const d = copyFixture();
    rmSync(join(d, 'telemetry', 'traces.jsonl.gz'));
    rmSync(join(d, 'telemetry', 'logs.jsonl.gz'));
    writeFileSync(join(d, 'telemetry', 'traces.jsonl.gz'), gzipSync(''));
    writeFileSync(
      join(d, 'telemetry', 'topology.json'),
      JSON.stringify({ source: 'service map', edges: [{ caller: 'a', callee: 'b' }] }),
    );
    const meta = JSON.parse(readFileSync(join(d, 'scenario.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(
      join(d, 'scenario.json'),
      JSON.stringify({ ...meta, lab: { system: 'another system', metricResolutionSeconds: 300 } }),
    );
    const r = validateScenarioDir(d);
    expect(r.problems).toEqual([]);
    expect(r.summary.traces).toBe(0);
    expect(r.summary.services).toEqual(expect.arrayContaining(['a', 'b']));
  });

  it('flags a malformed topology.json', () => {
    const d = copyFixture();
    writeFileSync(join(d, 'telemetry', 'topology.json'), JSON.stringify({ edges: [{ caller: 'a' }] }));
    const msgs = validateScenarioDir(d)
      .problems.map((p) => `${p.file} ${p.message}`)
      .join('\n');
    expect(msgs).toContain('telemetry/topology.json source');
    expect(msgs).toContain('telemetry/topology.json edges.0.callee');
  });

  it('requires some telemetry, flags unexpected files and the size limit', () => {
    const d = copyFixture();
    for (const f of ['traces.jsonl.gz', 'logs.jsonl.gz', 'metrics.jsonl.gz'])
      rmSync(join(d, 'telemetry', f), { force: true });
    writeFileSync(join(d, 'telemetry', 'notes.txt'), 'x');
    writeFileSync(join(d, 'padding.bin'), Buffer.alloc(3_100_000));
    const msgs = validateScenarioDir(d)
      .problems.map((p) => `${p.file} ${p.message}`)
      .join('\n');
    expect(msgs).toContain('holds no spans, log records or metric points');
    expect(msgs).toContain('telemetry/notes.txt unexpected file');
    expect(msgs).toContain('must stay under 3000000');
  });

  it('the CLI exits 0 on valid folders and 1 listing problems otherwise', async () => {
    const bad = copyFixture();
    writeFileSync(join(bad, 'scenario.json'), '{"formatVersion": 2}');
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    const ctx = {
      env: {},
      stdout,
      stderr: new PassThrough(),
      clock: new FixedClock(0),
      cwd: process.cwd(),
      signal: new AbortController().signal,
      logger: silentLogger(),
    };
    expect(await scenarioValidateCommand.run(ctx, { values: {}, positionals: [FIXTURE] })).toBe(0);
    expect(await scenarioValidateCommand.run(ctx, { values: {}, positionals: [FIXTURE, bad] })).toBe(1);
    expect(out).toContain('scenario.json: formatVersion');
    expect(out).toContain('1 of 2 scenario directories valid');
  });
});
