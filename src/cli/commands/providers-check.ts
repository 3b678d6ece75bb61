import {
  bootstrapProviders,
  renderProviderTable,
  type ProviderFactory,
  type ProviderStatusRow,
} from '../../providers/bootstrap.js';
import { PROVIDER_FACTORIES } from '../../providers/factories.js';
import { FlipturnError } from '../../kernel/errors.js';
import { EXIT, type CommandContext, type CommandSpec, type ParsedArgs } from '../command.js';
import { paintFor, type Paint } from '../colour.js';

/** The provider table with each row coloured by its state (enabled green, disabled dim, failed red). */
function colourProviderTable(text: string, rows: readonly ProviderStatusRow[], p: Paint): string {
  if (!p.enabled) return text;
  const lines = text.split('\n');
  return lines
    .map((line, i) => {
      const row = rows[i - 2];
      if (!row || line === '') return line;
      return row.state === 'failed' ? p.red(line) : row.state === 'disabled' ? p.dim(line) : p.green(line);
    })
    .join('\n');
}

/** Exit code of a provider table: 1 when any configured provider failed, else 0 (nothing configured is fine). */
function providersExitCode(rows: readonly ProviderStatusRow[]): number {
  return rows.some((r) => r.state === 'failed') ? EXIT.failure : EXIT.ok;
}

function summary(rows: readonly ProviderStatusRow[], healthChecked: boolean): string {
  const n = (s: ProviderStatusRow['state']) => rows.filter((r) => r.state === s).length;
  if (rows.length === 0) return 'No provider is built into this version.';
  const counts = `${n('enabled')} enabled, ${n('disabled')} disabled, ${n('failed')} failed`;
  if (n('enabled') + n('failed') === 0)
    return `${counts}: no provider is configured (set the variables named above; see flipturn config check).`;
  return `${counts}${healthChecked ? '' : ' (health checks skipped)'}.`;
}

/** Runs the check with the given factories; the CommandSpec wires the built-in list. */
async function runProvidersCheck(
  ctx: CommandContext,
  args: ParsedArgs,
  factories: readonly ProviderFactory[],
): Promise<number> {
  const { config, scrubber } = ctx;
  if (!config || !scrubber) throw new FlipturnError('FT_INTERNAL', 'providers check needs the parsed configuration');
  const healthCheck = args.values['no-health'] !== true;
  const deadlineMs = ctx.clock.nowMs() + config.FLIPTURN_PROVIDER_TIMEOUT_MS;
  const { registry, table } = await bootstrapProviders(
    config,
    factories,
    { clock: ctx.clock, logger: ctx.logger, scrubber },
    { healthCheck, ctx: { signal: ctx.signal, deadlineMs } },
  );
  await registry.close();
  const code = providersExitCode(table);
  if (args.values.json === true) {
    ctx.stdout.write(
      `${JSON.stringify({ ok: code === EXIT.ok, healthChecked: healthCheck, providers: table }, null, 2)}\n`,
    );
  } else {
    const p = paintFor(ctx.stdout, ctx.env);
    ctx.stdout.write(colourProviderTable(renderProviderTable(table), table, p));
    ctx.stdout.write(`${(code === EXIT.ok ? (s: string) => s : p.red)(summary(table, healthCheck))}\n`);
  }
  return code;
}

export function createProvidersCheckCommand(factories: readonly ProviderFactory[]): CommandSpec {
  return {
    name: 'providers check',
    summary: 'Build the evidence providers from the configuration, health-check them and print which are enabled.',
    usage: '[--json] [--no-health]',
    description:
      'Every built-in provider is listed: enabled (healthy or degraded), disabled with the reason (its settings are absent), or failed ' +
      'with the reason (it could not be built or its health check failed). Exit 0 when every configured provider is usable or none is ' +
      'configured, 1 when any configured provider failed. --no-health skips the network checks.',
    examples: [
      'OTLP_DIR=./scenarios/checkout/otlp flipturn providers check',
      'flipturn providers check --json --no-health',
    ],
    needsConfig: true,
    options: {
      json: { type: 'boolean', default: false, description: 'Print the result as JSON (no colours) instead of text' },
      'no-health': {
        type: 'boolean',
        default: false,
        description: 'Build the providers without their network health checks',
      },
    },
    run: (ctx, args) => runProvidersCheck(ctx, args, factories),
  };
}

export const providersCheckCommand: CommandSpec = createProvidersCheckCommand(PROVIDER_FACTORIES);
