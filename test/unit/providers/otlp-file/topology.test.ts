/**
 * otlp-file's service map: telemetry/topology.json beside the telemetry files (the scenario format's optional service
 * map), else the caller -> callee links of the spans. A malformed file is a load problem, never a failure.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createOtlpFileProvider } from '../../../../src/providers/otlp-file/provider.js';
import { TimeRange } from '../../../../src/providers/time-range.js';

const MALFORMED = fileURLToPath(new URL('../../../fixtures/otlp/malformed/', import.meta.url));
const ALL = TimeRange.of(0n, 2n ** 62n);
const tmp = mkdtempSync(join(tmpdir(), 'flipturn-otlp-topology-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A folder with the fixture's spans (svc-a -> svc-b -> svc-c) and, when given, a topology.json with `text`. */
function folder(name: string, text?: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  copyFileSync(join(MALFORMED, 'traces.jsonl'), join(dir, 'traces.jsonl'));
  if (text !== undefined) writeFileSync(join(dir, 'topology.json'), text);
  return dir;
}

const pairs = async (dir: string) => {
  const p = createOtlpFileProvider({ dir, name: 'scenario' });
  const o = await p.fetchServiceMap(ALL);
  return { o, report: await p.load(), edges: o.status === 'ok' ? o.data.map((e) => `${e.caller}>${e.callee}`) : [] };
};

describe('otlp-file service map', () => {
  it('absent topology.json: the edges of the spans, sorted', async () => {
    const { o, edges } = await pairs(folder('absent'));
    expect(o.status).toBe('ok');
    expect(edges).toEqual(['svc-a>svc-b', 'svc-b>svc-c']);
    expect(o.status === 'ok' && o.data.every((e) => e.sourceProvider === 'scenario')).toBe(true);
  });

  it('a valid topology.json is the map (sorted by caller, callee), not the spans', async () => {
    const text = JSON.stringify({
      source: 'AWS X-Ray service graph',
      edges: [
        { caller: 'web', callee: 'pay' },
        { caller: 'api', callee: 'db' },
        { caller: 'web', callee: 'api' },
      ],
    });
    const { o, report, edges } = await pairs(folder('valid', text));
    expect(edges).toEqual(['api>db', 'web>api', 'web>pay']);
    expect(report.problems.filter((x) => x.file === 'topology.json')).toEqual([]);
    expect(o.status === 'ok' && o.warnings.some((w) => w.startsWith('topology.json'))).toBe(false);
  });

  it('invalid JSON is a load problem (and an outcome warning); the map comes from the spans', async () => {
    const { o, report, edges } = await pairs(folder('bad-json', '{"source": "x", "edges": ['));
    expect(report.problems.filter((x) => x.file === 'topology.json').map((x) => x.message)).toEqual([
      expect.stringMatching(/^invalid JSON/),
    ]);
    expect(edges).toEqual(['svc-a>svc-b', 'svc-b>svc-c']);
    expect(o.status === 'ok' && o.warnings.some((w) => w.startsWith('topology.json: invalid JSON'))).toBe(true);
  });

  it('a file that is not a service map is a load problem naming what is wrong', async () => {
    const { report, edges } = await pairs(
      folder('bad-shape', JSON.stringify({ source: 'x', edges: [{ caller: 'a' }] })),
    );
    const problems = report.problems.filter((x) => x.file === 'topology.json');
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(/^not a service map/);
    expect(edges).toEqual(['svc-a>svc-b', 'svc-b>svc-c']);
  });
});
