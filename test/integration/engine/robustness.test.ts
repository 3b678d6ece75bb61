/**
 * Robustness of the ranking on every development source (issue 12): the engine still ranks the right service
 * when the alert time is shifted by -60 s and +60 s, when the row budget is halved, and when one modality is
 * removed where another one carries the fault.
 *
 * This test does not measure accuracy (`flipturn eval` does). It takes scenarios the engine ranks right and checks
 * that small perturbations of the input do not change that.
 *
 * Which scenarios: for each source (lab, nezha-ob, nezha-tt, petshop), the first two scenarios in folder-name
 * order whose expected root-cause service the engine ranked first (lead@1: `flipturn eval scenarios --json`,
 * hitAt 1, whatever the verdict). This was worked out once, on the engine at commit 49f03d1, and written down
 * here. It was not rechecked per perturbation, and no scenario was swapped out because a perturbation failed.
 *
 * Which modalities are removed: a modality the gathered evidence has data for (spans, log lines or metric
 * series), removed only when some other modality still shows the fault: in the unperturbed run, the expected
 * service has evidence >= 2 (p <= 0.01, the level confidence.ts uses to count a modality) in that other
 * modality, called the carrier here. The modality is removed from the gathered evidence before the pure
 * analysis runs again. Evidence is gathered once per (scenario, window, budget).
 * PetShop is metrics only (no spans, no logs), so it has no modality-removal cases.
 *
 * Shifting the alert: the signal's firedAt (the investigation's "now", which sets the evidence windows) is moved
 * before investigating. A -60 s shift is only a ranking question when some of the fault is visible before the
 * shifted alert. When none is (a lab recording starts less than 60 s before its alert: 25-30 s of baseline, then
 * the fault; PetShop's faulty 5-minute period closes after the shifted alert), the right answer is to abstain, so
 * those cases expect an inconclusive verdict instead.
 *
 * Cases where a perturbation costs the right service are kept as `it.fails`, with the ranks observed when they
 * were written. Nothing was tuned to make the other cases pass.
 */
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rankedServices } from '../../../src/cli/commands/eval-score.js';
import { scenarioSource } from '../../../src/cli/commands/eval-run.js';
import { loadScenario, scenarioSignal, type Scenario } from '../../../src/cli/commands/investigate-scenario.js';
import { configSchema } from '../../../src/config/schema.js';
import { investigate } from '../../../src/evidence/investigate.js';
import { settingsFromConfig, type InvestigationSettings } from '../../../src/evidence/settings.js';
import { FixedClock } from '../../../src/kernel/clock.js';
import type { UniversalIncidentSignal } from '../../../src/kernel/signal.js';
import { createOtlpFileProvider } from '../../../src/providers/otlp-file/provider.js';
import { ProviderRegistry } from '../../../src/providers/registry.js';
import { analyzeIncident } from '../../../src/rca/analyze.js';
import type { IncidentEvidence, RcaReport } from '../../../src/rca/contract.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

type Dropped = 'traces' | 'logs' | 'metrics';
type Perturbation = 'alert -60 s' | 'alert +60 s' | 'row budget halved' | `without ${Dropped}`;

interface Exception {
  /** abstain: no fault data is visible, so the verdict must be inconclusive. fails: known loss of the service (it.fails). */
  readonly kind: 'abstain' | 'fails';
  readonly why: string;
}

interface RobustCase {
  readonly scenario: string;
  readonly source: string;
  /** Modalities removed one at a time, each with a carrier: a modality where the expected service has evidence >= 2. */
  readonly drop: readonly { readonly modality: Dropped; readonly carrier: Dropped }[];
  /** Perturbations expected to give something other than "still ranked first", and why. */
  readonly exceptions?: Partial<Record<Perturbation, Exception>>;
}

// Unperturbed evidence per modality for the expected service (commit 49f03d1), for the record:
// cache_poison_pill traces 101.3, logs 0.95 | market_bad_deploy traces 10.9, logs 2.50, metrics 0.76 |
// nezha-ob-0353 traces 484, metrics 13.8 (no logs) | nezha-ob-0527 traces 812, metrics 0.30 (no logs) |
// nezha-tt-0921 traces 0.58, logs 5.06 | nezha-tt-1331 traces 7.9, logs 0.30, metrics 0.30 |
// petshop issue10 metrics 19.9 | petshop issue2 metrics 14.3.
// Removals without a carrier are left out (e.g. traces of cache_poison_pill: logs are only 0.95).
// Halving the row budget (5000 -> 2500 rows per call) changes what the lab and Nezha investigations read (their
// span and log reads are capped). A PetShop investigation reads about 500 metric points, so there it changes nothing.
const NO_LAB_DATA: Exception = {
  kind: 'abstain',
  why: 'the lab recording starts less than 60 s before the alert (25-30 s of baseline, then the fault): 60 s earlier there is no telemetry at all',
};
const CASES: readonly RobustCase[] = [
  {
    scenario: 'cache_poison_pill',
    source: 'lab',
    drop: [
      { modality: 'logs', carrier: 'traces' },
      { modality: 'metrics', carrier: 'traces' },
    ],
    exceptions: { 'alert -60 s': NO_LAB_DATA },
  },
  {
    scenario: 'market_bad_deploy',
    source: 'lab',
    drop: [
      { modality: 'traces', carrier: 'logs' },
      { modality: 'logs', carrier: 'traces' },
      { modality: 'metrics', carrier: 'traces' },
    ],
    exceptions: {
      'alert -60 s': NO_LAB_DATA,
      // Observed: inventory goes from rank 1 to rank 2. Without spans, inventory's log evidence falls from 2.50 to
      // 1.45, so no service is significant and the symptom fallback puts web-gateway (logs 1.05) first.
      'without traces': {
        kind: 'fails',
        why: 'the logs alone no longer make inventory significant; the symptom fallback leads',
      },
    },
  },
  {
    scenario: 'nezha-ob-2022-08-22-0353',
    source: 'nezha-ob',
    drop: [
      { modality: 'traces', carrier: 'metrics' },
      { modality: 'metrics', carrier: 'traces' },
    ],
  },
  {
    scenario: 'nezha-ob-2022-08-22-0527',
    source: 'nezha-ob',
    drop: [{ modality: 'metrics', carrier: 'traces' }],
  },
  {
    scenario: 'nezha-tt-2023-01-29-0921',
    source: 'nezha-tt',
    drop: [
      { modality: 'traces', carrier: 'logs' },
      { modality: 'metrics', carrier: 'logs' },
    ],
    exceptions: {
      // Observed: ts-basic-service goes from rank 1 to rank 2. Its log evidence falls from 5.06 to 4.51, and its
      // weak trace evidence (0.58) is gone. ts-preserve-other-service (metrics 5.05), already a close second
      // unperturbed (score 0.696 against 0.704), leads.
      'without traces': { kind: 'fails', why: 'a close metrics-only runner-up overtakes once the spans are gone' },
    },
  },
  {
    scenario: 'nezha-tt-2023-01-29-1331',
    source: 'nezha-tt',
    drop: [
      { modality: 'logs', carrier: 'traces' },
      { modality: 'metrics', carrier: 'traces' },
    ],
    exceptions: {
      // Fault injected 13:31:54 and alert at 13:33:09: the shifted alert (13:32:09) sees 15 s of the fault, and
      // spans from 13:30:09 on. Observed: ts-contacts-service goes from rank 1 to absent from the candidates.
      // ts-basic-service leads on metrics (6.45), the verdict is inconclusive.
      'alert -60 s': {
        kind: 'fails',
        why: '15 s of CPU contention before the shifted alert are not enough to name ts-contacts-service',
      },
    },
  },
  {
    scenario: 'petshop-high-test-issue10',
    source: 'petshop',
    drop: [],
    exceptions: {
      'alert -60 s': {
        kind: 'abstain',
        why: 'the faulty 5-minute period (10:20-10:25, stamped at its end) closes after the shifted alert (10:24:00): no fault data is visible yet',
      },
    },
  },
  { scenario: 'petshop-high-test-issue2', source: 'petshop', drop: [] },
];

/** The investigation's defaults, as `flipturn eval` uses them with an empty environment (scenarioSettings). */
const DEFAULTS: InvestigationSettings = settingsFromConfig(configSchema.parse({}));
// Only a longer call timeout: a read of local files must not turn into a gap because the shared machine is busy.
const SETTINGS: InvestigationSettings = { ...DEFAULTS, callTimeoutMs: Math.max(DEFAULTS.callTimeoutMs, 60_000) };

interface Run {
  readonly report: RcaReport;
  readonly evidence: IncidentEvidence;
}

function shifted(signal: UniversalIncidentSignal, ms: number): UniversalIncidentSignal {
  const at = new Date(Date.parse(signal.firedAt) + ms).toISOString();
  return { ...signal, firedAt: at, receivedAt: at };
}

/** One investigation against a loaded registry, fixed clocks (deterministic: no deadline can pass). */
async function run(
  registry: ProviderRegistry,
  signal: UniversalIncidentSignal,
  settings: InvestigationSettings,
): Promise<Run> {
  let evidence: IncidentEvidence | undefined;
  const report = await investigate(signal, registry, {
    clock: new FixedClock(new Date(signal.firedAt)),
    wallClock: new FixedClock(0),
    settings,
    onEvidence: (g) => (evidence = g.evidence),
  });
  if (!evidence) throw new Error('the investigation gave no evidence');
  return { report, evidence };
}

function without(e: IncidentEvidence, m: Dropped): IncidentEvidence {
  if (m === 'traces') return { ...e, spans: [] };
  if (m === 'logs') return { ...e, logs: [] };
  return { ...e, metrics: [] };
}

function hasData(e: IncidentEvidence, m: Dropped): boolean {
  return (m === 'traces' ? e.spans : m === 'logs' ? e.logs : e.metrics).length > 0;
}

/** "rank 2 of [a, b, c]": the expected service's place and the head of the ranking, for failure messages. */
function describeRank(report: RcaReport, want: string): string {
  const ranked = rankedServices(report);
  return `${want} at rank ${ranked.indexOf(want) + 1 || 'none'} of [${ranked.slice(0, 4).join(', ')}], verdict ${report.verdict}`;
}

for (const c of CASES) {
  describe(`${c.scenario} (${c.source})`, () => {
    let scenario: Scenario;
    let want = '';
    const reports = new Map<Perturbation | 'unperturbed', RcaReport>();
    let base: Run;

    beforeAll(async () => {
      scenario = await loadScenario(join(ROOT, 'scenarios', c.scenario));
      want = scenario.expected?.rootCause?.service ?? '';
      const provider = createOtlpFileProvider({ dir: scenario.telemetryDir, name: 'otlp-file' });
      await provider.load();
      const registry = new ProviderRegistry().register(provider);
      try {
        const signal = scenarioSignal(scenario);
        base = await run(registry, signal, SETTINGS);
        reports.set('unperturbed', base.report);
        reports.set('alert -60 s', (await run(registry, shifted(signal, -60_000), SETTINGS)).report);
        reports.set('alert +60 s', (await run(registry, shifted(signal, 60_000), SETTINGS)).report);
        reports.set(
          'row budget halved',
          (await run(registry, signal, { ...SETTINGS, rowBudget: Math.floor(SETTINGS.rowBudget / 2) })).report,
        );
      } finally {
        await registry.close();
      }
      for (const d of c.drop) reports.set(`without ${d.modality}`, analyzeIncident(without(base.evidence, d.modality)));
    }, 180_000);

    const report = (p: Perturbation | 'unperturbed'): RcaReport => {
      const r = reports.get(p);
      if (!r) throw new Error(`no report for ${p}`);
      return r;
    };

    it('is of its source and ranked first unperturbed, with evidence >= 2 in each carrier', () => {
      expect(scenarioSource(basename(scenario.dir), scenario.meta)).toBe(c.source);
      expect(want).not.toBe('');
      const r = report('unperturbed');
      expect(rankedServices(r)[0], describeRank(r, want)).toBe(want);
      const top = r.rootCauseCandidates.find((x) => x.service === want);
      for (const d of c.drop) {
        expect(hasData(base.evidence, d.modality), `${d.modality} has data to remove`).toBe(true);
        expect(top?.features?.[d.carrier] ?? 0, `${d.carrier} carries the fault`).toBeGreaterThanOrEqual(2);
      }
    });

    const perturbations: Perturbation[] = [
      'alert -60 s',
      'alert +60 s',
      'row budget halved',
      ...c.drop.map((d) => `without ${d.modality}` as const),
    ];
    for (const p of perturbations) {
      const ex = c.exceptions?.[p];
      if (ex?.kind === 'abstain') {
        it(`${p}: abstains (${ex.why})`, () => {
          expect(report(p).verdict, describeRank(report(p), want)).toBe('inconclusive');
        });
        continue;
      }
      const title = `${p}: still ranks the expected service first`;
      const check = (): void => {
        const r = report(p);
        expect(rankedServices(r)[0], describeRank(r, want)).toBe(want);
      };
      if (ex?.kind === 'fails') it.fails(`${title} (known loss: ${ex.why})`, check);
      else it(title, check);
    }
  });
}
