import { configWarnings, describeConfig, formatProblems, parseConfig } from '../../config/load.js';
import { SETTINGS } from '../../config/schema.js';
import { EXIT, type CommandSpec } from '../command.js';

export const configCheckCommand: CommandSpec = {
  name: 'config check',
  summary: 'Validate the environment and print the effective configuration (secrets masked).',
  usage: '[--json]',
  description:
    'Parses every setting from the environment with the same schema the service uses, including the settings that only ' +
    'work together (a webhook token needs SLACK_DEFAULT_CHANNEL, ...). Valid: prints each setting with its effective value ' +
    '(defaults marked, secrets shown as [REDACTED]) and any warnings, and exits 0. Invalid: names every bad variable with the ' +
    'reason and exits 1. --json prints {ok, settings, warnings} or {ok: false, problems} on stdout.',
  examples: ['flipturn config check', 'REDIS_URL=redis://127.0.0.1:6379 flipturn config check --json'],
  // It reports problems itself (exit 1) instead of failing before it runs, so it can print them as data too.
  needsConfig: false,
  options: {
    json: { type: 'boolean', default: false, description: 'Print the result as JSON (no colours) instead of text' },
  },
  run(ctx, args) {
    const result = parseConfig(ctx.env);
    const json = args.values.json === true;
    if (!result.ok) {
      if (json) ctx.stdout.write(`${JSON.stringify({ ok: false, problems: result.problems }, null, 2)}\n`);
      else ctx.stderr.write(`${formatProblems(result.problems)}\n`);
      return Promise.resolve(EXIT.failure);
    }
    const rows = describeConfig(result.config, ctx.env);
    const warnings = configWarnings(result.config);
    if (json) {
      ctx.stdout.write(`${JSON.stringify({ ok: true, settings: rows, warnings }, null, 2)}\n`);
      return Promise.resolve(EXIT.ok);
    }
    const width = Math.max(...rows.map((r) => r.name.length));
    ctx.stdout.write('Configuration is valid. Effective settings (secrets masked):\n');
    for (const r of rows) {
      const note = r.source === 'default' ? '  (default)' : '';
      ctx.stdout.write(`  ${r.name.padEnd(width)}  ${r.value}${note}\n`);
    }
    ctx.stdout.write(
      `${rows.filter((r) => r.source !== 'unset').length} of ${Object.keys(SETTINGS).length} settings in effect.\n`,
    );
    for (const w of warnings) ctx.stdout.write(`warning: ${w.variable} ${w.message}\n`);
    return Promise.resolve(EXIT.ok);
  },
};
