/**
 * otlp-file at scale: generates a realistic 1,000,000-span OTLP/JSON traces file (gzip; traces of 10-30 spans
 * over 10 services, HTTP and database attributes, batches of 256 spans per line as the Collector's file
 * exporter writes them), then loads it in a child process and reports load time, spans/s, peak RSS (VmHWM),
 * retained heap per span, and one fetchTrace and two searchSpans latencies.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { mulberry32 } from './synthetic.js';
import type { BenchModule, BenchResult } from './types.js';

const SPANS = 1_000_000;
const PER_LINE = 256;
const SERVICES = [
  'frontend',
  'api-gateway',
  'orders',
  'payments',
  'catalog',
  'inventory',
  'users',
  'search',
  'shipping',
  'notifications',
];
const ROUTES = [
  '/api/orders/{id}',
  '/api/orders',
  '/api/cart',
  '/api/products/{sku}',
  '/api/users/{id}',
  '/api/search',
  '/api/pay',
  '/api/ship/{id}',
];

const str = (key: string, v: string) => `{"key":"${key}","value":{"stringValue":"${v}"}}`;
const int = (key: string, v: number) => `{"key":"${key}","value":{"intValue":"${v}"}}`;

interface Generated {
  readonly file: string;
  readonly bytes: number;
  readonly probeTrace: string;
  readonly seconds: number;
}

async function generate(dir: string): Promise<Generated> {
  const t0 = performance.now();
  const rnd = mulberry32(42);
  const hex = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(rnd() * 16)];
    return s;
  };
  const file = join(dir, 'traces.jsonl.gz');
  const gz = createGzip({ level: 1 });
  const out = createWriteStream(file);
  gz.pipe(out);
  const buffers = new Map<string, string[]>(SERVICES.map((s) => [s, []]));
  let pending = '';
  const flush = async (service: string) => {
    const spans = buffers.get(service) ?? [];
    if (spans.length === 0) return;
    const resource = `[${str('service.name', service)},${str('service.version', '1.4.2')},${str('deployment.environment.name', 'prod')},${str('k8s.pod.name', `${service}-7d9f8c-x2k4p`)},${str('host.name', 'node-3')}]`;
    pending += `{"resourceSpans":[{"resource":{"attributes":${resource}},"scopeSpans":[{"scope":{"name":"io.opentelemetry.http","version":"2.1.0"},"spans":[${spans.join(',')}]}]}]}\n`;
    buffers.set(service, []);
    if (pending.length > 1 << 20) {
      if (!gz.write(pending)) await once(gz, 'drain');
      pending = '';
    }
  };
  let written = 0;
  let probeTrace = '';
  let start = BigInt(Date.UTC(2026, 10, 21, 10)) * 1_000_000n;
  for (let t = 0; written < SPANS; t++) {
    const traceId = hex(32);
    if (t === 25_000) probeTrace = traceId;
    const n = Math.min(SPANS - written, 10 + Math.floor(rnd() * 21));
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = hex(16);
      const parent = i === 0 ? '' : (ids[Math.floor(rnd() * i)] ?? '');
      ids.push(id);
      const service = i === 0 ? 'frontend' : (SERVICES[1 + Math.floor(rnd() * (SERVICES.length - 1))] ?? 'orders');
      const db = i > 0 && rnd() < 0.3;
      const route = ROUTES[Math.floor(rnd() * ROUTES.length)] ?? '/';
      const s = start + BigInt(i * 1_000_000 + Math.floor(rnd() * 1000));
      const dur = BigInt(Math.floor(rnd() * 50_000_000) + 100_000);
      const error = rnd() < 0.01;
      const attrs = db
        ? `[${str('db.system', 'postgresql')},${str('db.operation.name', 'SELECT')},${str('db.collection.name', 'orders')},${str('server.address', 'orders-db')}]`
        : `[${str('http.request.method', 'GET')},${str('http.route', route)},${int('http.response.status_code', error ? 500 : 200)},${str('url.scheme', 'http')}]`;
      const events = error
        ? `,"events":[{"timeUnixNano":"${s + 1000n}","name":"exception","attributes":[${str('exception.type', 'TimeoutError')},${str('exception.message', 'upstream timed out')}]}]`
        : '';
      const name = db ? 'SELECT orders' : `GET ${route}`;
      const span = `{"traceId":"${traceId}","spanId":"${id}"${parent ? `,"parentSpanId":"${parent}"` : ''},"name":"${name}","kind":${db ? 3 : 2},"startTimeUnixNano":"${s}","endTimeUnixNano":"${s + dur}","attributes":${attrs}${events},"status":{"code":${error ? 2 : 0}}}`;
      const list = buffers.get(service) ?? [];
      list.push(span);
      buffers.set(service, list);
      if (list.length >= PER_LINE) await flush(service);
    }
    written += n;
    start += 10_000_000n;
  }
  for (const s of SERVICES) await flush(s);
  gz.end(pending);
  await once(out, 'finish');
  return { file, bytes: statSync(file).size, probeTrace, seconds: (performance.now() - t0) / 1000 };
}

interface ChildResult {
  spans: number;
  traces: number;
  problems: number;
  loadMs: number;
  loadCpuMs: number;
  fetchMs: number;
  fetchSpans: number;
  searchMs: number;
  searchStatus: string;
  filterMs: number;
  filterStatus: string;
  hwmKb: number;
  heapAfterLoad: number;
}

export const otlpFileBench: BenchModule = {
  name: 'otlp-file',
  async run(): Promise<BenchResult[]> {
    const dir = mkdtempSync(join(tmpdir(), 'flipturn-bench-otlp-'));
    try {
      const g = await generate(dir);
      const child = fileURLToPath(new URL('./otlp-file.child.ts', import.meta.url));
      const r = spawnSync(
        process.execPath,
        ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', child, dir, g.probeTrace, 'payments'],
        { encoding: 'utf8', maxBuffer: 1 << 20, cwd: fileURLToPath(new URL('..', import.meta.url)) },
      );
      if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
      const c = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as ChildResult;
      const b = 'otlp-file';
      return [
        {
          bench: b,
          metric: 'spans loaded',
          value: c.spans,
          unit: 'spans',
          note: `${c.traces} traces, ${c.problems} problems`,
        },
        {
          bench: b,
          metric: 'file size (gzip)',
          value: Math.round(g.bytes / 1e6),
          unit: 'MB',
          note: `generated in ${g.seconds.toFixed(1)} s`,
        },
        {
          bench: b,
          metric: 'load + index (wall)',
          value: Math.round(c.loadMs),
          unit: 'ms',
          note: `load average ${loadavg()[0]?.toFixed(1)} when done`,
        },
        {
          bench: b,
          metric: 'load + index (CPU user+sys)',
          value: Math.round(c.loadCpuMs),
          unit: 'ms',
          note: 'includes GC threads',
        },
        { bench: b, metric: 'throughput', value: Math.round(c.spans / (c.loadMs / 1000)), unit: 'spans/s' },
        { bench: b, metric: 'peak RSS (VmHWM)', value: Math.round(c.hwmKb / 1024), unit: 'MiB', note: 'child process' },
        {
          bench: b,
          metric: 'retained heap after load',
          value: Math.round(c.heapAfterLoad / 2 ** 20),
          unit: 'MiB',
          note: `${Math.round(c.heapAfterLoad / c.spans)} B/span`,
        },
        {
          bench: b,
          metric: 'fetchTrace',
          value: Number(c.fetchMs.toFixed(3)),
          unit: 'ms',
          note: `${c.fetchSpans} spans`,
        },
        {
          bench: b,
          metric: 'searchSpans service+minDuration, duration_desc 100',
          value: Number(c.searchMs.toFixed(2)),
          unit: 'ms',
          note: c.searchStatus,
        },
        {
          bench: b,
          metric: 'searchSpans http.route eq, time_asc 100',
          value: Number(c.filterMs.toFixed(2)),
          unit: 'ms',
          note: c.filterStatus,
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
