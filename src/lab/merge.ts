/**
 * Merges the per-process OTLP/JSON files of a run into the scenario's telemetry/<signal>.jsonl.gz (one export
 * request per line, files in name order so the output does not depend on directory listing order), and extracts
 * the symptom service's request samples for the monitor.
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { RequestSample } from './monitor.js';

export const SIGNALS = ['traces', 'logs', 'metrics'] as const;
export type Signal = (typeof SIGNALS)[number];

export interface MergeResult {
  readonly files: Partial<Record<Signal, { lines: number; bytes: number }>>;
  readonly traceLines: readonly string[];
}

export function mergeTelemetry(rawDir: string, outDir: string): MergeResult {
  const telemetryDir = join(outDir, 'telemetry');
  if (existsSync(telemetryDir)) rmSync(telemetryDir, { recursive: true, force: true });
  mkdirSync(telemetryDir, { recursive: true });
  const names = readdirSync(rawDir).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const files: MergeResult['files'] = {};
  let traceLines: string[] = [];
  for (const signal of SIGNALS) {
    const lines: string[] = [];
    for (const n of names.filter((f) => f.endsWith(`.${signal}.jsonl`))) {
      for (const line of readFileSync(join(rawDir, n), 'utf8').split('\n')) if (line.trim()) lines.push(line);
    }
    if (lines.length === 0) continue;
    const gz = gzipSync(Buffer.from(`${lines.join('\n')}\n`), { level: 9 });
    writeFileSync(join(telemetryDir, `${signal}.jsonl.gz`), gz);
    files[signal] = { lines: lines.length, bytes: gz.length };
    if (signal === 'traces') traceLines = lines;
  }
  return { files, traceLines };
}

interface OtlpSpan {
  kind?: number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  status?: { code?: number };
}
interface OtlpTraceRequest {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value?: { stringValue?: string } }[] };
    scopeSpans?: { spans?: OtlpSpan[] }[];
  }[];
}

/** Server spans of `service` as monitor samples (end time, duration, error = span status error). */
export function serverSamples(traceLines: readonly string[], service: string): RequestSample[] {
  const out: RequestSample[] = [];
  for (const line of traceLines) {
    const req = JSON.parse(line) as OtlpTraceRequest;
    for (const rs of req.resourceSpans ?? []) {
      const name = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value?.stringValue;
      if (name !== service) continue;
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          if (s.kind !== 2 || !s.startTimeUnixNano || !s.endTimeUnixNano) continue;
          const start = BigInt(s.startTimeUnixNano);
          const end = BigInt(s.endTimeUnixNano);
          out.push({
            endMs: Number(end / 1_000_000n),
            durationMs: Number(end - start) / 1e6,
            error: s.status?.code === 2,
          });
        }
      }
    }
  }
  return out.sort((a, b) => a.endMs - b.endMs || a.durationMs - b.durationMs);
}
