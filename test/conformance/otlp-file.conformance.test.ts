import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createOtlpFileProvider } from '../../src/providers/otlp-file/provider.js';
import type { ConformanceDataset } from './dataset.js';
import { logLines, metricLines, traceLines } from './otlp-json.js';
import { runProviderConformance } from './suite.js';

const root = mkdtempSync(join(tmpdir(), 'flipturn-otlp-conformance-'));

function write(dir: string, file: string, lines: readonly string[], gzip: boolean): void {
  const text = lines.length ? `${lines.join('\n')}\n` : '';
  writeFileSync(join(dir, file), gzip ? gzipSync(text) : text);
}

/** The dataset as a Collector file exporter would leave it: gzip and plain files, both id/enum styles. */
function writeDataset(d: ConformanceDataset): string {
  const dir = mkdtempSync(join(root, 'data-'));
  const half = Math.ceil(d.spans.length / 2);
  write(dir, 'traces.jsonl.gz', traceLines(d.spans.slice(0, half), 'collector', 3), true);
  write(dir, 'traces-tempo-style.jsonl', traceLines(d.spans.slice(half), 'proto', 3), false);
  write(dir, 'logs.jsonl', logLines(d.logs, 'collector'), false);
  write(dir, 'metrics.jsonl.gz', metricLines(d.metrics, 'collector'), true);
  return dir;
}

// No topology.json in the folder: the service map comes from the spans (topology.json itself: test/unit/providers/otlp-file).
runProviderConformance('otlp-file', {
  capabilities: ['traces', 'logs', 'metrics', 'errors', 'topology'],
  withData: (d) => Promise.resolve(createOtlpFileProvider({ dir: writeDataset(d) })),
  empty: () => {
    const dir = mkdtempSync(join(root, 'empty-'));
    write(dir, 'traces.jsonl', [], false);
    write(dir, 'logs.jsonl.gz', [], true);
    return Promise.resolve(createOtlpFileProvider({ dir, name: 'otlp-file-empty' }));
  },
  failureModes: ['unavailable'],
  failing: () =>
    Promise.resolve(createOtlpFileProvider({ dir: join(root, 'no-such-folder'), name: 'otlp-file-missing' })),
  secrets: [],
  cleanup: () => Promise.resolve(rmSync(root, { recursive: true, force: true })),
});
