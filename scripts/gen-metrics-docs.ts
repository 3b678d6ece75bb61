/** Writes the README's list of every /metrics series from the registries the roles build. */
import { readFileSync, writeFileSync } from 'node:fs';
import { spliceMetricsTable } from '../src/cli/compose/metrics-docs.js';

writeFileSync('README.md', spliceMetricsTable(readFileSync('README.md', 'utf8')));
process.stdout.write('wrote the README metrics table\n');
