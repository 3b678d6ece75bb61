import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../src/config/load.js';
import { TimeRange } from '../../../../src/providers/time-range.js';
import { errorQuery, logQuery, traceSearchQuery } from '../../../../src/providers/queries.js';
import { otlpFileFactory } from '../../../../src/providers/otlp-file/factory.js';
import { createOtlpFileProvider } from '../../../../src/providers/otlp-file/provider.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/otlp/', import.meta.url));
const NEZHA = join(FIXTURES, 'nezha-tt-2023-01-29-1020');
const ALL = TimeRange.of(0n, 2n ** 62n);
const tmp = mkdtempSync(join(tmpdir(), 'flipturn-otlp-file-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('otlp-file on a real incident (Nezha TrainTicket, 2023-01-29 10:20)', () => {
  const p = createOtlpFileProvider({ dir: NEZHA });

  it('loads every span, log record and point (counts computed independently with zcat | python json)', async () => {
    const r = await p.load();
    // python3: sum of len(spans) over resourceSpans/scopeSpans; logRecords; dataPoints of every metric.
    expect({ spans: r.spans, traces: r.traces, logs: r.logs, points: r.points, problems: r.problemCount }).toEqual({
      spans: 3942,
      traces: 102,
      logs: 1833,
      points: 8047,
      problems: 0,
    });
    expect(r.files.map((f) => [f.file, f.gzip, f.lines])).toEqual([
      ['logs.jsonl.gz', true, 3],
      ['metrics.jsonl.gz', true, 47],
      ['traces.jsonl.gz', true, 3],
    ]);
  });

  it('finds the TrainTicket services', async () => {
    const o = await p.searchSpans(traceSearchQuery(ALL, { limit: 10_000 }));
    expect(o.status).toBe('ok');
    const services = new Set(o.status === 'ok' ? o.data.map((s) => s.service) : []);
    expect(services.size).toBe(24);
    for (const s of [
      'ts-gateway-service',
      'ts-travel-service',
      'ts-order-service',
      'ts-auth-service',
      'ts-verification-code-service',
    ])
      expect(services.has(s)).toBe(true);
  });

  it('assembles a known trace: 15 spans, one root, every parent present, start order', async () => {
    const o = await p.fetchTrace('15001010C2DDC459CC937040909C3E50');
    expect(o.status).toBe('ok');
    if (o.status !== 'ok') return;
    expect(o.data).toHaveLength(15);
    const ids = new Set(o.data.map((s) => s.spanId));
    expect(o.data.filter((s) => s.parentSpanId === undefined).map((s) => [s.spanId, s.service, s.operation])).toEqual([
      ['351f9a46947d7e4f', 'ts-gateway-service', '/*'],
    ]);
    for (const s of o.data) if (s.parentSpanId) expect(ids.has(s.parentSpanId)).toBe(true);
    expect(o.data[0]?.start).toBe(1674987552039000000n);
    expect(o.data.map((s) => s.service).filter((s) => s === 'ts-verification-code-service')).toHaveLength(2);
  });

  it('derives error issues from the ERROR log lines (46 in the data)', async () => {
    const o = await p.fetchIssues(errorQuery(ALL, { limit: 100 }));
    expect(o.status).toBe('ok');
    if (o.status !== 'ok') return;
    expect(o.data.reduce((a, i) => a + i.count, 0)).toBe(46);
    const travel = o.data.filter((i) => i.service === 'ts-travel-service');
    expect(travel.length).toBeGreaterThan(0);
    expect(travel[0]?.type).toBe('java.lang.IllegalStateException');
    const logs = await p.fetchLogs(logQuery(ALL, { minSeverity: 'error', limit: 1000 }));
    expect(logs.status === 'ok' ? logs.data.length : 0).toBe(46);
  });
});

describe('otlp-file with broken input', () => {
  it('skips malformed lines, reports them with file and line number, and loads the rest', async () => {
    const p = createOtlpFileProvider({ dir: join(FIXTURES, 'malformed') });
    const r = await p.load();
    expect(r.spans).toBe(4);
    expect(r.problems.map((x) => [x.file, x.line])).toEqual([
      ['traces.jsonl', 2],
      ['traces.jsonl', 3],
      ['traces.jsonl', 4],
    ]);
    expect(r.problems[0]?.message).toMatch(/invalid JSON/);
    expect(r.problems[1]?.message).toMatch(/not an OTLP export request/);
    expect(r.problems[2]?.message).toMatch(/spanId/);
    const o = await p.fetchTrace('5b8efff798038103d269b633813fc60c');
    expect(o.status).toBe('ok');
    if (o.status !== 'ok') return;
    expect(o.data.map((s) => s.service)).toEqual(['svc-a', 'svc-a', 'svc-b', 'svc-c']);
    expect(o.warnings.some((w) => w.startsWith('traces.jsonl:2: invalid JSON'))).toBe(true);
  });

  it('keeps what was read before a truncated gzip stream and reports it', async () => {
    const dir = join(tmp, 'truncated');
    mkdirSync(dir);
    const gz = readFileSync(join(NEZHA, 'traces.jsonl.gz'));
    writeFileSync(join(dir, 'traces.jsonl.gz'), gz.subarray(0, Math.floor(gz.length * 0.7)));
    const r = await createOtlpFileProvider({ dir }).load();
    expect(r.problemCount).toBeGreaterThanOrEqual(1);
    expect(r.problems.some((x) => /corrupt or truncated/.test(x.message))).toBe(true);
    expect(r.spans).toBeLessThan(3942);
  });

  it('a missing folder is failed/io on every query, unhealthy, and never throws', async () => {
    const p = createOtlpFileProvider({ dir: join(tmp, 'nope') });
    const o = await p.searchSpans(traceSearchQuery(ALL));
    expect(o).toMatchObject({ status: 'failed', kind: 'io', provider: 'otlp-file' });
    expect((await p.healthCheck()).status).toBe('unhealthy');
  });

  it('a folder without telemetry files is unhealthy, with the reason', async () => {
    const dir = join(tmp, 'nothing');
    mkdirSync(dir);
    writeFileSync(join(dir, 'README.md'), 'x');
    const h = await createOtlpFileProvider({ dir }).healthCheck();
    expect(h.status).toBe('unhealthy');
    expect(h.detail).toMatch(/no telemetry files/);
  });

  it('loads once: concurrent first queries share one load; later queries reuse it even if the folder goes', async () => {
    const dir = join(tmp, 'copy');
    cpSync(NEZHA, dir, { recursive: true });
    const p = createOtlpFileProvider({ dir, name: 'scenario' });
    const [a, b] = await Promise.all([p.load(), p.load()]);
    expect(a).toBe(b);
    rmSync(dir, { recursive: true });
    const o = await p.fetchTrace('15001010c2ddc459cc937040909c3e50');
    expect(o.status).toBe('ok');
    expect(p.report()).toBe(a);
    expect(o.status === 'ok' && o.data.every((s) => s.sourceProvider === 'scenario')).toBe(true);
  });
});

describe('otlpFileFactory', () => {
  it('is enabled by OTLP_DIR and builds the provider without IO', () => {
    const off = parseConfig({});
    const on = parseConfig({ OTLP_DIR: '/does/not/matter' });
    if (!off.ok || !on.ok) return expect.unreachable();
    expect(otlpFileFactory.name).toBe('otlp-file');
    expect(otlpFileFactory.enabled(off.config)).toEqual({ enabled: false, reason: 'OTLP_DIR is not set' });
    expect(otlpFileFactory.enabled(on.config)).toEqual({ enabled: true });
    const p = otlpFileFactory.create(on.config, {} as never);
    expect(p.name).toBe('otlp-file');
    expect(p.capabilities).toEqual(['traces', 'logs', 'metrics', 'errors', 'topology']);
  });
});
