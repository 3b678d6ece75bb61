/**
 * Scenario folders (SCENARIO_FORMAT.md): reading scenario.json / alert.json / expected.json, normalizing the alert
 * for its declared source, and running the investigation pipeline on the telemetry folder through the otlp-file
 * provider, with the alert's own time as "now". IO lives here (the CLI is a composition root); the pipeline is
 * src/evidence/investigate.ts.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { FixedClock, type Clock } from '../../kernel/clock.js';
import { errorMessage, FlipturnError } from '../../kernel/errors.js';
import type { UniversalIncidentSignal } from '../../kernel/signal.js';
import { normalizeAlert } from '../../ingress/normalize/index.js';
import { createOtlpFileProvider } from '../../providers/otlp-file/provider.js';
import { ProviderRegistry } from '../../providers/registry.js';
import { investigate, type InvestigateDeps } from '../../evidence/investigate.js';
import type { IncidentEvidence, RcaReport } from '../../rca/contract.js';

const scenarioMetaSchema = z.object({
  formatVersion: z.literal(1),
  name: z.string().min(1),
  description: z.string().default(''),
  alertSource: z.enum(['datadog_webhook', 'slack_event', 'alertmanager']),
  faultType: z.string().min(1).default('unknown'),
  source: z.string().min(1).optional(),
  provenance: z.string().default(''),
  lab: z.record(z.string(), z.unknown()).optional(),
});

export const expectedSchema = z.object({
  rootCause: z.object({ service: z.string().min(1), operation: z.string().min(1).optional() }).optional(),
  propagation: z.array(z.string()).optional(),
  bottleneck: z.string().nullable().optional(),
  symptom: z.string().min(1),
  abstain: z.boolean().default(false),
});

export type ScenarioMeta = z.infer<typeof scenarioMetaSchema>;
export type Expected = z.infer<typeof expectedSchema>;

export interface Scenario {
  readonly dir: string;
  readonly meta: ScenarioMeta;
  readonly alertBody: unknown;
  readonly expected?: Expected;
  readonly telemetryDir: string;
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new FlipturnError('FT_SCENARIO_INVALID', `cannot read ${what} (${path}): ${errorMessage(e)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new FlipturnError('FT_SCENARIO_INVALID', `${what} is not JSON (${path}): ${errorMessage(e)}`);
  }
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new FlipturnError(
      'FT_SCENARIO_INVALID',
      `${what}: ${i ? `${i.path.join('.') || '(root)'} ${i.message}` : 'invalid'}`,
    );
  }
  return r.data;
}

export async function loadScenario(dir: string): Promise<Scenario> {
  const abs = resolve(dir);
  const meta = parseWith(
    scenarioMetaSchema,
    await readJson(join(abs, 'scenario.json'), 'scenario.json'),
    `${basename(abs)}/scenario.json`,
  );
  const alertBody = await readJson(join(abs, 'alert.json'), 'alert.json');
  const expectedPath = join(abs, 'expected.json');
  const expected = existsSync(expectedPath)
    ? parseWith(expectedSchema, await readJson(expectedPath, 'expected.json'), `${basename(abs)}/expected.json`)
    : undefined;
  const telemetryDir = join(abs, 'telemetry');
  if (!existsSync(telemetryDir))
    throw new FlipturnError('FT_SCENARIO_INVALID', `${basename(abs)} has no telemetry/ folder`);
  return { dir: abs, meta, alertBody, ...(expected ? { expected } : {}), telemetryDir };
}

/**
 * The alert as a signal, normalized for the scenario's declared source. receivedAt is set to the alert's own
 * time (a replay has no other), so the signal is the same on every run. A body with several alerts
 * (Alertmanager groups) gives its first triggered one.
 */
export function scenarioSignal(s: Scenario): UniversalIncidentSignal {
  const first = normalizeAlert(s.meta.alertSource, s.alertBody, new FixedClock(0));
  if (!first.ok)
    throw new FlipturnError(
      'FT_SCENARIO_INVALID',
      `alert.json is not a valid ${s.meta.alertSource} body: ${first.rejection.path || '(body)'}: ${first.rejection.message}`,
    );
  const pick = (signals: readonly UniversalIncidentSignal[]) =>
    signals.find((x) => x.state === 'triggered' || x.state === 'retriggered') ?? signals[0];
  const probe = pick(first.signals);
  if (!probe)
    throw new FlipturnError(
      'FT_SCENARIO_INVALID',
      `alert.json produced no alert (${first.ignored?.reason ?? 'nothing to investigate'})`,
    );
  const again = normalizeAlert(s.meta.alertSource, s.alertBody, new FixedClock(new Date(probe.firedAt)));
  const signal = again.ok ? pick(again.signals) : undefined;
  return signal ?? probe;
}

export interface ScenarioRun {
  readonly signal: UniversalIncidentSignal;
  readonly report: RcaReport;
  /** Wall-clock ms spent reading and indexing the telemetry files (before the investigation's first call). */
  readonly loadMs: number;
  /**
   * The evidence the pipeline gathered and analysed: `analyzeIncident(run.evidence, options)` re-runs only the
   * pure analysis (eval --cv / --ablate gather once per scenario and re-analyse per variant).
   */
  readonly evidence: IncidentEvidence;
}

/**
 * Investigates a scenario: the telemetry folder served by otlp-file, the pipeline run against it. The run keeps
 * the gathered evidence (deps.onEvidence, when given, is called too).
 */
export async function investigateScenario(
  s: Scenario,
  deps: Omit<InvestigateDeps, 'clock'> & { wallClock: Clock },
): Promise<ScenarioRun> {
  const signal = scenarioSignal(s);
  const provider = createOtlpFileProvider({ dir: s.telemetryDir, name: 'otlp-file' });
  const t0 = deps.wallClock.nowMs();
  try {
    await provider.load();
  } catch (e) {
    throw new FlipturnError('FT_SCENARIO_INVALID', `cannot load ${basename(s.dir)}/telemetry: ${errorMessage(e)}`);
  }
  const loadMs = deps.wallClock.nowMs() - t0;
  const registry = new ProviderRegistry().register(provider);
  let evidence: IncidentEvidence | undefined;
  const onEvidence: NonNullable<InvestigateDeps['onEvidence']> = (gathered) => {
    evidence = gathered.evidence;
    deps.onEvidence?.(gathered);
  };
  try {
    const report = await investigate(signal, registry, {
      ...deps,
      onEvidence,
      clock: new FixedClock(new Date(signal.firedAt)),
    });
    if (!evidence) throw new FlipturnError('FT_INTERNAL', `${basename(s.dir)}: the investigation returned no evidence`);
    return { signal, report, loadMs, evidence };
  } finally {
    await registry.close();
  }
}

/** Scenario folders under the given roots (a root that is itself a scenario counts), sorted by path. */
export async function findScenarios(roots: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (existsSync(join(dir, 'scenario.json'))) {
      found.add(dir);
      return;
    }
    if (depth >= 4) return;
    let entries: string[];
    try {
      entries = (await readdir(dir)).sort();
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.startsWith('.') || e === 'node_modules' || e === 'telemetry') continue;
      const p = join(dir, e);
      if ((await stat(p).catch(() => undefined))?.isDirectory()) await walk(p, depth + 1);
    }
  };
  for (const r of roots) {
    const abs = resolve(r);
    if (!existsSync(abs)) throw new FlipturnError('FT_USAGE', `no such folder: ${r}`);
    await walk(abs, 0);
  }
  return [...found].sort();
}
