/**
 * Golden reports for the real incidents committed in scenarios/ (the six Nezha cases) and for a few lab
 * scenarios (GOLDEN: keep the suite under ~20 s). durationMs is 0 (FixedClock as the wall clock), so the JSON is
 * byte-identical across runs, and across input order: the telemetry lines, resources and spans of a scenario are
 * shuffled into a temporary copy and must give the same bytes.
 * Regenerate after an intended change: FLIPTURN_UPDATE_GOLDEN=1 npx vitest run test/golden
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { FixedClock } from '../../src/kernel/clock.js';
import { investigateScenario, loadScenario, type Scenario } from '../../src/cli/commands/investigate-scenario.js';
import { createRng } from '../../src/lab/rng.js';

const ROOT = join(import.meta.dirname, '..', '..');
const GOLDEN = [
  'nezha-tt-2023-01-29-1020',
  'nezha-tt-2023-01-29-0921',
  'nezha-tt-2023-01-30-1322',
  'nezha-ob-2022-08-22-0726',
  'nezha-ob-2022-08-23-1218',
  'nezha-ob-2022-08-23-1253',
  // Lab scenarios, one per mechanism family: cache fallback (pool waits, bottleneck in the DB), a rejected answer,
  // a traffic surge (abstention).
  'cache_poison_pill',
  'market_pricing_wrong_value',
  'shop_traffic_surge',
];
const UPDATE = process.env.FLIPTURN_UPDATE_GOLDEN === '1';

async function reportJson(s: Scenario): Promise<string> {
  const run = await investigateScenario(s, { wallClock: new FixedClock(0) });
  return `${JSON.stringify(run.report, null, 2)}\n`;
}

/** A seeded shuffle (mulberry32), so a failure can be reproduced. */
function shuffle<T>(list: T[], seed: number): T[] {
  const rng = createRng(seed);
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [list[i], list[j]] = [list[j] as T, list[i] as T];
  }
  return list;
}

type Json = Record<string, unknown>;

/** Shuffles the order of lines, of resources in a line, and of records inside each scope. */
function shuffleExport(line: Json, seed: number): Json {
  const out: Json = {};
  for (const [key, resources] of Object.entries(line)) {
    if (!Array.isArray(resources)) {
      out[key] = resources;
      continue;
    }
    out[key] = shuffle(
      (resources as Json[]).map((r) => {
        const scopes = Object.entries(r).find(([k]) => k.startsWith('scope'));
        if (!scopes || !Array.isArray(scopes[1])) return r;
        const items = (scopes[1] as Json[]).map((sc) => {
          const listKey = Object.keys(sc).find((k) => Array.isArray(sc[k]) && k !== 'attributes');
          return listKey ? { ...sc, [listKey]: shuffle([...(sc[listKey] as unknown[])], seed + 1) } : sc;
        });
        return { ...r, [scopes[0]]: items };
      }),
      seed + 2,
    );
  }
  return out;
}

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function shuffledCopy(s: Scenario, seed: number): Scenario {
  const dir = mkdtempSync(join(tmpdir(), 'flipturn-golden-'));
  temps.push(dir);
  for (const f of readdirSync(s.telemetryDir).sort()) {
    const raw = readFileSync(join(s.telemetryDir, f));
    const text = f.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    const shuffled = shuffle(lines.map((l) => JSON.stringify(shuffleExport(JSON.parse(l) as Json, seed))), seed);
    writeFileSync(join(dir, f.replace(/\.gz$/, '')), `${shuffled.join('\n')}\n`);
  }
  return { ...s, telemetryDir: dir };
}

describe('golden reports', () => {
  for (const name of GOLDEN) {
    it(`${name}: byte-identical to the golden file and across runs`, async () => {
      const s = await loadScenario(join(ROOT, 'scenarios', name));
      const first = await reportJson(s);
      const file = join(import.meta.dirname, `${name}.json`);
      if (UPDATE || !existsSync(file)) {
        if (!UPDATE) throw new Error(`no golden file for ${name}: run FLIPTURN_UPDATE_GOLDEN=1 npx vitest run test/golden`);
        writeFileSync(file, first);
      }
      expect(first).toBe(readFileSync(file, 'utf8'));
      expect(await reportJson(s)).toBe(first);
    });
  }

  for (const name of ['nezha-tt-2023-01-29-1020', 'nezha-tt-2023-01-30-1322']) {
    it(`${name}: the same bytes when telemetry lines, resources and spans are shuffled`, async () => {
      const s = await loadScenario(join(ROOT, 'scenarios', name));
      const golden = readFileSync(join(import.meta.dirname, `${name}.json`), 'utf8');
      for (const seed of [7, 1234]) expect(await reportJson(shuffledCopy(s, seed))).toBe(golden);
    });
  }
});
