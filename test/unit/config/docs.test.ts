import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderEnvExample, spliceConfigTable } from '../../../src/config/docs.js';
import { SETTINGS } from '../../../src/config/schema.js';

describe('generated configuration docs', () => {
  it('.env.example is up to date with the schema (run npm run docs:config)', () => {
    expect(readFileSync('.env.example', 'utf8')).toBe(renderEnvExample());
  });

  it('the README configuration table is up to date with the schema (run npm run docs:config)', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(spliceConfigTable(readme)).toBe(readme);
    for (const name of Object.keys(SETTINGS)) expect(readme).toContain(`\`${name}\``);
  });
});
