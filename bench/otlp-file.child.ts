/**
 * Child process of the otlp-file benchmark, so peak RSS (VmHWM) is the load's own. Prints one JSON line.
 * argv: <dir> <traceId> <service>
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createOtlpFileProvider } from '../src/providers/otlp-file/provider.js';
import { traceSearchQuery } from '../src/providers/queries.js';
import { TimeRange } from '../src/providers/time-range.js';

function vmKb(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function main(): Promise<void> {
  const [dir, traceId, service] = process.argv.slice(2);
  if (!dir || !traceId || !service) throw new Error('usage: otlp-file.child.ts <dir> <traceId> <service>');
  const p = createOtlpFileProvider({ dir });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const report = await p.load();
  const loadMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const loadCpuMs = (cpu.user + cpu.system) / 1000;
  (globalThis as { gc?: () => void }).gc?.();
  const heapAfterLoad = process.memoryUsage().heapUsed;
  const t1 = performance.now();
  const trace = await p.fetchTrace(traceId);
  const fetchMs = performance.now() - t1;
  const all = TimeRange.of(0n, 2n ** 62n);
  const t2 = performance.now();
  const search = await p.searchSpans(
    traceSearchQuery(all, { service, minDurationNanos: 1_000_000, order: 'duration_desc', limit: 100 }),
  );
  const searchMs = performance.now() - t2;
  const t3 = performance.now();
  const filtered = await p.searchSpans(
    traceSearchQuery(all, {
      filters: [{ key: 'http.route', op: 'eq', value: '/api/orders/{id}' }],
      order: 'time_asc',
      limit: 100,
    }),
  );
  const filterMs = performance.now() - t3;
  process.stdout.write(
    `${JSON.stringify({
      spans: report.spans,
      traces: report.traces,
      problems: report.problemCount,
      loadMs,
      loadCpuMs,
      fetchMs,
      fetchSpans: trace.status === 'ok' ? trace.data.length : 0,
      searchMs,
      searchStatus: search.status,
      filterMs,
      filterStatus: filtered.status,
      hwmKb: vmKb('VmHWM'),
      heapAfterLoad,
    })}\n`,
  );
}

await main();
