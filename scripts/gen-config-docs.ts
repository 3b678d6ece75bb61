/** Writes .env.example and the README configuration table from the zod schema. */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderEnvExample, spliceConfigTable } from '../src/config/docs.js';

writeFileSync('.env.example', renderEnvExample());
const readme = readFileSync('README.md', 'utf8');
writeFileSync('README.md', spliceConfigTable(readme));
process.stdout.write('wrote .env.example and the README configuration table\n');
