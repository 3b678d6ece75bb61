/**
 * Short real lab runs (real service processes on 127.0.0.1, real OpenTelemetry SDKs): context propagates across
 * every service, injected faults change the telemetry the way their mechanics say, and every recorded line is a
 * valid OTLP/JSON export request. Assertions are about structure, never about timing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLab } from '../../../src/lab/run.js';
import { mergeTelemetry } from '../../../src/lab/merge.js';
import { labScenarioSchema, type LabScenarioInput } from '../../../src/lab/spec.js';
import { shopTopology, marketTopology } from '../../../src/lab/topologies.js';
import { checkOtlpLine, type OtlpSignal } from '../../../src/lab/format/otlp.js';
import { readLines, readSpans } from './helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function shortRun(name: string, input: LabScenarioInput, stamp = true) {
  const work = mkdtempSync(join(tmpdir(), `ft-lab-${name}-`));
  dirs.push(work);
  const lab = labScenarioSchema.parse({ ...input, stampRunIds: stamp });
  const run = await runLab({
    name,
    lab,
    workDir: work,
    runId: `test-${name}`,
    progress: () => undefined,
    warmupSec: 1,
  });
  const out = join(work, 'scenario');
  const merged = mergeTelemetry(run.rawDir, out);
  return { run, out, merged, faultStartNs: BigInt(run.timeline.faultStartMs) * 1_000_000n };
}

function allLinesValid(dir: string, signals: OtlpSignal[]): void {
  for (const s of signals) for (const line of readLines(dir, s)) expect(checkOtlpLine(s, line).problems).toEqual([]);
}

describe('lab: shop topology with the cache serialization fault', () => {
  const load = {
    rps: 15,
    baselineSec: 3,
    faultSec: 4,
    mix: [{ route: '/search', weight: 1 }],
    keys: { count: 20, zipf: 1.1 },
  };
  const input: LabScenarioInput = {
    seed: 5,
    topology: shopTopology(),
    load,
    faults: [{ kind: 'serialization', service: 'catalog-cache' }],
    monitor: { kind: 'latency_p99', service: 'search', name: 'm' },
  };
  let result: Awaited<ReturnType<typeof shortRun>>;

  it('records real traces whose context crosses all four services', async () => {
    result = await shortRun('shop', input);
    const spans = readSpans(result.out);
    const byTrace = new Map<string, Set<string>>();
    for (const s of spans) byTrace.set(s.traceId, (byTrace.get(s.traceId) ?? new Set()).add(s.service));
    expect([...byTrace.values()].some((set) => set.size === 4)).toBe(true);
    // Cross-process parent links: a catalog server span's parent is a search client span.
    const ids = new Map(spans.map((s) => [s.spanId, s]));
    const catalogServer = spans.filter((s) => s.service === 'catalog' && s.kind === 2);
    expect(catalogServer.length).toBeGreaterThan(0);
    expect(
      catalogServer.every((s) => ids.get(s.parentSpanId)?.service === 'search' && ids.get(s.parentSpanId)?.kind === 3),
    ).toBe(true);
    // run_id / scenario_id on resources and request spans; logs correlated with traces.
    expect(spans.every((s) => s.resourceAttrs.run_id === 'test-shop')).toBe(true);
    expect(catalogServer.every((s) => s.attrs.run_id === 'test-shop' && s.attrs.scenario_id === 'shop')).toBe(true);
    const logs = readLines(result.out, 'logs').join('\n');
    expect(logs).toMatch(
      /"traceId":"[0-9a-f]{32}","spanId":"[0-9a-f]{16}"|"spanId":"[0-9a-f]{16}","traceId":"[0-9a-f]{32}"/,
    );
  }, 120_000);

  it('shows the serialization exception on catalog-cache and the database fallback in catalog', () => {
    const spans = readSpans(result.out);
    const after = spans.filter((s) => s.start >= result.faultStartNs);
    const before = spans.filter((s) => s.end < result.faultStartNs);
    const cacheErrors = (set: typeof spans) =>
      set.filter(
        (s) =>
          s.service === 'catalog-cache' &&
          s.kind === 2 &&
          s.status === 2 &&
          s.events.some((e) => e.name === 'exception' && e.attrs['exception.type'] === 'CacheSerializationError'),
      );
    expect(cacheErrors(before)).toEqual([]);
    expect(cacheErrors(after).length).toBeGreaterThan(0);
    const fallbacks = after.filter(
      (s) => s.service === 'catalog' && s.kind === 2 && s.events.some((e) => e.name === 'cache.fallback'),
    );
    expect(fallbacks.length).toBeGreaterThan(0);
    const children = (p: string) => spans.filter((s) => s.parentSpanId === p);
    const fb = fallbacks[0]!;
    const kids = children(fb.spanId);
    expect(kids.some((k) => k.kind === 3 && k.attrs['db.system'] === 'redis' && k.status === 2)).toBe(true);
    const select = kids.find((k) => k.kind === 3 && k.attrs['db.system'] === 'postgresql');
    expect(select?.attrs['db.operation']).toBe('SELECT');
    expect(String(select?.attrs['db.query.text'])).toContain('FROM products');
    expect(children(select!.spanId).some((k) => k.service === 'database' && k.kind === 2)).toBe(true);
  });

  it('writes only valid OTLP/JSON lines for traces, logs and metrics', () => {
    allLinesValid(result.out, ['traces', 'logs', 'metrics']);
    expect(readLines(result.out, 'metrics').join('\n')).toContain('"name":"http.server.request.duration"');
  });
});

describe('lab: market topology, several fault mechanics at once', () => {
  const load = {
    rps: 12,
    baselineSec: 3,
    faultSec: 5,
    mix: [{ route: '/checkout', weight: 1 }],
    keys: { count: 50, zipf: 1.1 },
  };
  const input: LabScenarioInput = {
    seed: 9,
    topology: marketTopology(),
    load,
    faults: [
      { kind: 'wrong_value', service: 'pricing', route: '/quote', field: 'unit_price', value: -1, probability: 0.4 },
      { kind: 'unreachable', service: 'notification' },
      { kind: 'deploy', service: 'payment', version: '6.1.0', behaviour: [] },
    ],
    monitor: { kind: 'error_rate', service: 'web-gateway', name: 'm' },
  };
  let result: Awaited<ReturnType<typeof shortRun>>;

  it('a wrong value fails the caller while the culprit stays green', async () => {
    result = await shortRun('market', input, false);
    const after = readSpans(result.out).filter((s) => s.start >= result.faultStartNs);
    const cartFailures = after.filter(
      (s) =>
        s.service === 'cart' &&
        s.kind === 2 &&
        s.events.some((e) => e.attrs['exception.type'] === 'ResponseValidationError'),
    );
    expect(cartFailures.length).toBeGreaterThan(0);
    expect(after.filter((s) => s.service === 'pricing' && s.status === 2)).toEqual([]);
    expect(after.some((s) => s.service === 'pricing' && s.kind === 2)).toBe(true);
  }, 150_000);

  it('an unreachable dependency refuses connections and has no server spans after the fault', () => {
    const spans = readSpans(result.out);
    const notifyClient = spans.filter(
      (s) =>
        s.service === 'web-gateway' &&
        s.kind === 3 &&
        String(s.attrs['url.full']).includes('/notify') &&
        s.start >= result.faultStartNs + 500_000_000n,
    );
    expect(notifyClient.length).toBeGreaterThan(0);
    expect(notifyClient.every((s) => s.status === 2)).toBe(true);
    expect(
      notifyClient.some((s) => s.events.some((e) => String(e.attrs['exception.message']).includes('ECONNREFUSED'))),
    ).toBe(true);
    expect(
      spans.filter(
        (s) => s.service === 'notification' && s.kind === 2 && s.start >= result.faultStartNs + 500_000_000n,
      ),
    ).toEqual([]);
  });

  it('a deploy changes service.version mid-run; an unstamped run carries no run_id', () => {
    const spans = readSpans(result.out);
    const versions = new Set(spans.filter((s) => s.service === 'payment').map((s) => s.version));
    expect([...versions].sort()).toEqual(['6.0.2', '6.1.0']);
    expect(spans.some((s) => 'run_id' in s.resourceAttrs || 'run_id' in s.attrs)).toBe(false);
    allLinesValid(result.out, ['traces', 'logs']);
  });
});
