import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../fixtures/ingress/', import.meta.url));

export function fixture(path: string): unknown {
  return JSON.parse(readFileSync(`${root}${path}`, 'utf8')) as unknown;
}

export function fixtureText(path: string): string {
  return readFileSync(`${root}${path}`, 'utf8');
}
