/**
 * `flipturn investigate <scenario-dir> [--json | --blocks [--details]] [--png FILE]` and
 * `flipturn investigate --alert FILE [--source S] [--json | --blocks [--details]] [--png FILE]`.
 *
 * needsConfig is false: a scenario run needs no configuration at all (its telemetry folder is the only backend,
 * served by otlp-file; budget settings are read from the environment when set and valid, defaults otherwise).
 * `--alert` runs against the configured live providers, so that mode parses the configuration itself and
 * stops with every problem listed, exactly as needsConfig would.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { configSchema } from '../../config/schema.js';
import { formatProblems, parseConfig } from '../../config/load.js';
import { FixedClock } from '../../kernel/clock.js';
import { errorMessage, FlipturnError } from '../../kernel/errors.js';
import { normalizeAlert, type NormalizeSource } from '../../ingress/normalize/index.js';
import { bootstrapProviders, renderProviderTable } from '../../providers/bootstrap.js';
import { PROVIDER_FACTORIES } from '../../providers/factories.js';
import { investigate } from '../../evidence/investigate.js';
import { settingsFromConfig, type InvestigationSettings } from '../../evidence/settings.js';
import { EXIT, type CommandContext, type CommandSpec } from '../command.js';
import { renderReport } from './investigate-render.js';
import { narrate } from '../../agent/narrator.js';
import { renderDetails, renderReply } from '../../slack/render.js';
import { renderPicture } from '../../slack/picture-png.js';
import type { RcaReport } from '../../rca/contract.js';
import { paintFor } from '../colour.js';
import { investigateScenario, loadScenario } from './investigate-scenario.js';

const SOURCES: readonly NormalizeSource[] = ['datadog_webhook', 'slack_event', 'alertmanager'];

/** Budget settings for a scenario run: the environment's when it parses, else the defaults (with a warning). */
export function scenarioSettings(ctx: CommandContext): InvestigationSettings {
  const parsed = parseConfig(ctx.env);
  if (parsed.ok) return settingsFromConfig(parsed.config);
  const analysis = parsed.problems.filter((p) => p.variable.startsWith('FLIPTURN_'));
  if (analysis.length > 0) throw new FlipturnError('FT_CONFIG_INVALID', formatProblems(analysis));
  return settingsFromConfig(configSchema.parse({}));
}

/** The alert source from the body's shape when --source is not given. */
function guessSource(body: unknown): NormalizeSource {
  const b = (body ?? {}) as Record<string, unknown>;
  if (Array.isArray(b.alerts) && (b.version !== undefined || b.receiver !== undefined)) return 'alertmanager';
  if (b.type === 'event_callback' || b.type === 'url_verification') return 'slack_event';
  return 'datadog_webhook';
}

/** What to print: the reply text (default), the report as JSON, or the Slack message as Block Kit JSON. */
interface OutputMode {
  readonly json: boolean;
  readonly blocks: boolean;
  readonly details: boolean;
  /** Also write the picture (causal chain, critical path vs baseline) to this PNG file. */
  readonly png?: string;
}

async function writeOutput(
  ctx: CommandContext,
  report: RcaReport,
  title: string,
  heading: string,
  mode: OutputMode,
): Promise<void> {
  if (mode.png !== undefined) {
    const picture = renderPicture(report, title);
    if (!picture)
      throw new FlipturnError('FT_USAGE', 'this analysis has nothing to draw (no service map and no critical path)');
    const path = resolve(ctx.cwd, mode.png);
    await writeFile(path, picture.png);
    ctx.stderr.write(`picture written to ${path} (${picture.width}x${picture.height}, ${picture.png.length} bytes)\n`);
  }
  if (mode.blocks) ctx.stdout.write(blockKitJson(report, title, mode.details));
  else
    ctx.stdout.write(
      mode.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, heading, paintFor(ctx.stdout, ctx.env)),
    );
}

async function runAlert(
  ctx: CommandContext,
  file: string,
  sourceOpt: string | undefined,
  mode: OutputMode,
): Promise<number> {
  const parsed = parseConfig(ctx.env);
  if (!parsed.ok) {
    ctx.stderr.write(`flipturn investigate: ${formatProblems(parsed.problems)}\n`);
    return EXIT.failure;
  }
  let body: unknown;
  try {
    body = JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (e) {
    throw new FlipturnError('FT_USAGE', `cannot read the alert ${file}: ${errorMessage(e)}`);
  }
  if (sourceOpt !== undefined && !SOURCES.includes(sourceOpt as NormalizeSource))
    throw new FlipturnError('FT_USAGE', `--source must be one of ${SOURCES.join(', ')}`);
  const source = (sourceOpt as NormalizeSource | undefined) ?? guessSource(body);
  const normalized = normalizeAlert(source, body, ctx.clock);
  if (!normalized.ok)
    throw new FlipturnError(
      'FT_USAGE',
      `the alert is not a valid ${source} body: ${normalized.rejection.path || '(body)'}: ${normalized.rejection.message}`,
    );
  const signal =
    normalized.signals.find((s) => s.state === 'triggered' || s.state === 'retriggered') ?? normalized.signals[0];
  if (!signal)
    throw new FlipturnError(
      'FT_USAGE',
      `the alert produced nothing to investigate (${normalized.ignored?.reason ?? 'no alert'})`,
    );
  const { registry, table } = await bootstrapProviders(parsed.config, PROVIDER_FACTORIES, {
    clock: ctx.clock,
    logger: ctx.logger,
    scrubber: parsed.scrubber,
  });
  if (registry.all().length === 0) {
    ctx.stderr.write(`flipturn investigate: no provider is configured.\n${renderProviderTable(table)}`);
    return EXIT.failure;
  }
  try {
    const report = await investigate(signal, registry, {
      clock: new FixedClock(new Date(signal.firedAt)),
      wallClock: ctx.clock,
      settings: settingsFromConfig(parsed.config),
      signal: ctx.signal,
      scrub: (t) => parsed.scrubber.scrub(t),
    });
    await writeOutput(ctx, report, signal.title, `Alert: ${signal.title}`, mode);
    return EXIT.ok;
  } finally {
    await registry.close();
  }
}

/**
 * The reply (or the details message) as Block Kit Builder takes it: {"blocks": [...]}. The buttons carry a
 * placeholder incident (the service names incidents when it posts). A details message longer than one Slack
 * message prints its first part.
 */
function blockKitJson(report: RcaReport, title: string, details: boolean): string {
  const n = narrate(report);
  const [m] = details
    ? renderDetails(n, { title, evidenceCount: report.timeline.length })
    : renderReply(n, {
        title,
        evidenceCount: report.timeline.length,
        incident: { incidentId: 'inc_preview', version: 1 },
      });
  return `${JSON.stringify({ blocks: m?.blocks ?? [] }, null, 2)}\n`;
}

export const investigateCommand: CommandSpec = {
  name: 'investigate',
  summary: 'Investigate a recorded scenario (or an alert file against the configured providers) and print the RCA.',
  usage: '<scenario-dir> [--json] | --alert FILE [--source datadog_webhook|slack_event|alertmanager] [--json]',
  description:
    'A scenario folder (scenario.json, alert.json, telemetry/) is investigated with its alert time as "now" and ' +
    'its telemetry served by the otlp-file provider: no configuration needed. With --alert, the alert body is ' +
    'normalized and investigated against the providers configured in the environment (see `flipturn config check`).',
  examples: [
    'flipturn investigate scenarios/nezha-tt-2023-01-29-1020',
    'flipturn investigate scenarios/nezha-tt-2023-01-29-1020 --json',
    'flipturn investigate scenarios/cache_poison_pill --blocks',
    'flipturn investigate scenarios/cache_poison_pill --png chain.png',
    'flipturn investigate --alert alert.json --source datadog_webhook',
  ],
  needsConfig: false,
  maxPositionals: 1,
  options: {
    json: { type: 'boolean', default: false, description: 'Print the whole report as JSON instead of the reply text' },
    alert: {
      type: 'string',
      valueName: 'FILE',
      description: 'Investigate this alert body (as its source delivers it) against the configured providers',
    },
    source: {
      type: 'string',
      valueName: 'SOURCE',
      description: "The alert's source: datadog_webhook, slack_event or alertmanager (default: guessed from the body)",
    },
    blocks: {
      type: 'boolean',
      default: false,
      description: 'Print the Slack reply as Block Kit JSON ({"blocks": [...]}, ready for Block Kit Builder)',
    },
    details: {
      type: 'boolean',
      default: false,
      description: 'With --blocks: print the details message (posted on "Details") instead of the reply',
    },
    png: {
      type: 'string',
      valueName: 'FILE',
      description:
        'Also write the picture shared in the thread (causal chain on the service map, critical path vs baseline) to this PNG file',
    },
  },
  async run(ctx, args) {
    const png = typeof args.values.png === 'string' ? args.values.png : undefined;
    const mode: OutputMode = {
      json: args.values.json === true,
      blocks: args.values.blocks === true,
      details: args.values.details === true,
      ...(png !== undefined ? { png } : {}),
    };
    if (mode.blocks && mode.json) throw new FlipturnError('FT_USAGE', 'give --json or --blocks, not both');
    if (mode.details && !mode.blocks) throw new FlipturnError('FT_USAGE', '--details goes with --blocks');
    const alert = typeof args.values.alert === 'string' ? args.values.alert : undefined;
    const source = typeof args.values.source === 'string' ? args.values.source : undefined;
    const dir = args.positionals[0];
    if (alert !== undefined && dir !== undefined)
      throw new FlipturnError('FT_USAGE', 'give a scenario folder or --alert FILE, not both');
    if (alert !== undefined) return runAlert(ctx, alert, source, mode);
    if (dir === undefined) throw new FlipturnError('FT_USAGE', 'give a scenario folder (or --alert FILE)');
    const scenario = await loadScenario(dir);
    const run = await investigateScenario(scenario, {
      wallClock: ctx.clock,
      settings: scenarioSettings(ctx),
      signal: ctx.signal,
    });
    await writeOutput(ctx, run.report, run.signal.title, `Scenario ${scenario.meta.name}: ${run.signal.title}`, mode);
    return EXIT.ok;
  },
};
