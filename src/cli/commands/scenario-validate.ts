import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { FlipturnError } from '../../kernel/errors.js';
import { validateScenarioDir } from '../../lab/format/validate.js';
import { EXIT, type CommandSpec } from '../command.js';
import { paintFor } from '../colour.js';

export const scenarioValidateCommand: CommandSpec = {
  name: 'scenario validate',
  summary:
    'Validate scenario directories against the scenario format (schemas, alert shape, OTLP/JSON telemetry, size).',
  usage: 'DIR [DIR...] [--json]',
  description:
    'Checks scenario.json, expected.json and alert.json (as its declared source delivers it), every telemetry line as an OTLP/JSON export request (hex ids, decimal nanosecond times, integer enums, service.name), that traces are present and that the folder stays under 3 MB. Lists every problem with its file and line; exit 0 when all folders are valid, 1 otherwise.',
  examples: ['flipturn scenario validate scenarios/*', 'flipturn scenario validate scenarios/cache_poison_pill --json'],
  needsConfig: false,
  maxPositionals: 10_000,
  options: {
    json: { type: 'boolean', default: false, description: 'Print the result as JSON (no colours) instead of text' },
  },
  run(ctx, args) {
    if (args.positionals.length === 0) throw new FlipturnError('FT_USAGE', 'name at least one scenario directory');
    // A shell glob such as scenarios/* also matches plain files (PROVENANCE.md, README.md): those are skipped.
    const dirs: string[] = [];
    for (const d of args.positionals) {
      const p = resolve(ctx.cwd, d);
      if (existsSync(p) && !statSync(p).isDirectory())
        ctx.stderr.write(`skip ${p}: a file, not a scenario directory\n`);
      else dirs.push(p);
    }
    if (dirs.length === 0) throw new FlipturnError('FT_USAGE', 'no scenario directory among the arguments');
    const results = dirs.map((d) => validateScenarioDir(d));
    if (args.values.json === true) {
      ctx.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    } else {
      const paint = paintFor(ctx.stdout, ctx.env);
      for (const r of results) {
        const s = r.summary;
        const head = `${r.ok ? paint.green('ok  ') : paint.red('FAIL')} ${r.dir}  (${s.traces} spans, ${s.logs} logs, ${s.metrics} metrics, ${s.services.length} services, ${(s.bytes / 1024 / 1024).toFixed(2)} MB)`;
        ctx.stdout.write(`${head}\n`);
        for (const p of r.problems)
          ctx.stdout.write(`  ${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${paint.yellow(p.message)}\n`);
      }
      const bad = results.filter((r) => !r.ok).length;
      ctx.stdout.write(`${results.length - bad} of ${results.length} scenario directories valid.\n`);
    }
    return Promise.resolve(results.every((r) => r.ok) ? EXIT.ok : EXIT.failure);
  },
};
