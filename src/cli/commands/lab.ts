import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FlipturnError } from '../../kernel/errors.js';
import { LAB_SCENARIOS, findScenario } from '../../lab/scenarios.js';
import { recordScenario } from '../../lab/record.js';
import { labScenarioSchema } from '../../lab/spec.js';
import { describeFault } from '../../lab/run.js';
import { EXIT, type CommandSpec } from '../command.js';

function recordedInfo(dir: string): string {
  const p = join(dir, 'scenario.json');
  if (!existsSync(p) || !existsSync(join(dir, 'telemetry'))) return 'no';
  try {
    const s = JSON.parse(readFileSync(p, 'utf8')) as { lab?: { seed?: number } };
    return `yes (seed ${s.lab?.seed ?? '?'})`;
  } catch {
    return 'invalid';
  }
}

export const labListCommand: CommandSpec = {
  name: 'lab list',
  summary:
    'List the simulation lab scenarios: fault, topology, alert source, and whether scenarios/<name> is recorded.',
  usage: '[--json]',
  description:
    'One row per built-in lab scenario: its fault type, the injected faults, the topology, the alert source, and whether scenarios/<name> under the current folder holds a recording (with its seed). --json prints the rows as data.',
  examples: ['flipturn lab list', 'flipturn lab list --json'],
  needsConfig: false,
  options: {
    json: { type: 'boolean', default: false, description: 'Print the result as JSON (no colours) instead of text' },
  },
  run(ctx, args) {
    const rows = LAB_SCENARIOS.map((d) => {
      const lab = labScenarioSchema.parse(d.lab);
      return {
        name: d.name,
        faultType: d.faultType,
        faults: lab.faults.map(describeFault).join(' + ') || 'none',
        topology: lab.topology.name,
        alertSource: d.alertSource,
        recorded: recordedInfo(resolve(ctx.cwd, 'scenarios', d.name)),
      };
    });
    if (args.values.json === true) {
      ctx.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return Promise.resolve(EXIT.ok);
    }
    const cols = ['name', 'faultType', 'topology', 'alertSource', 'recorded', 'faults'] as const;
    const width = (c: (typeof cols)[number]) => Math.max(c.length, ...rows.map((r) => r[c].length));
    const line = (r: Record<(typeof cols)[number], string>) =>
      cols.map((c, i) => (i === cols.length - 1 ? r[c] : r[c].padEnd(width(c)))).join('  ');
    ctx.stdout.write(
      `${line({ name: 'name', faultType: 'fault type', topology: 'topology', alertSource: 'alert source', recorded: 'recorded', faults: 'injected' })}\n`,
    );
    for (const r of rows) ctx.stdout.write(`${line(r)}\n`);
    ctx.stdout.write(
      `${rows.length} scenarios; ${rows.filter((r) => r.recorded.startsWith('yes')).length} recorded under scenarios/.\n`,
    );
    return Promise.resolve(EXIT.ok);
  },
};

export const labRecordCommand: CommandSpec = {
  name: 'lab record',
  summary: 'Record a lab scenario: run its services, inject its fault, write alert, expected roles and OTLP telemetry.',
  usage: '<scenario> [--out DIR] [--seed N]',
  description:
    'Starts every service of the scenario topology as its own instrumented process on 127.0.0.1, drives Poisson load, flips the fault after the baseline, evaluates the monitor on the recorded traces and writes the scenario directory. Progress goes to stderr.',
  examples: ['flipturn lab record cache_poison_pill', 'flipturn lab record cache_poison_pill --out /tmp/cpp --seed 7'],
  needsConfig: false,
  maxPositionals: 1,
  options: {
    out: {
      type: 'string',
      valueName: 'DIR',
      description: 'Where to write the scenario folder (default scenarios/<scenario>)',
    },
    seed: {
      type: 'string',
      valueName: 'N',
      description:
        "Seed of the load generator and fault timing (default: the scenario's own), for a different recording",
    },
  },
  async run(ctx, args) {
    const name = args.positionals[0];
    if (!name) throw new FlipturnError('FT_USAGE', 'name the scenario to record (see flipturn lab list)');
    const def = findScenario(name);
    if (!def)
      throw new FlipturnError('FT_LAB_UNKNOWN_SCENARIO', `no lab scenario named ${name} (see flipturn lab list)`);
    const seedText = typeof args.values.seed === 'string' ? args.values.seed : undefined;
    const seed = seedText === undefined ? undefined : Number(seedText);
    if (seed !== undefined && (!Number.isInteger(seed) || seed < 0))
      throw new FlipturnError('FT_USAGE', `--seed must be a non-negative integer, got '${seedText}'`);
    const outDir = resolve(ctx.cwd, typeof args.values.out === 'string' ? args.values.out : join('scenarios', name));
    const t0 = Date.now();
    const progress = (line: string) =>
      ctx.stderr.write(`[lab ${name} +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}\n`);
    const s = await recordScenario(def, {
      outDir,
      progress,
      signal: ctx.signal,
      ...(seed !== undefined ? { seed } : {}),
    });
    const tel = Object.entries(s.telemetry)
      .map(([k, v]) => `${k} ${v.lines} lines ${(v.bytes / 1024).toFixed(0)} KiB`)
      .join(', ');
    ctx.stdout.write(
      `Recorded ${name} in ${s.seconds.toFixed(1)}s -> ${s.outDir}\n` +
        `  run ${s.runId}: ${s.requests.sent} requests (${s.requests.failed} failed)\n` +
        `  monitor fired at ${new Date(s.verdict.fireAtMs).toISOString()}: value ${s.verdict.value.toFixed(4)} > threshold ${s.verdict.threshold} (baseline ${s.verdict.baselineValue.toFixed(4)})\n` +
        `  telemetry: ${tel}; total ${(s.bytes / 1024 / 1024).toFixed(2)} MiB\n`,
    );
    return EXIT.ok;
  },
};
