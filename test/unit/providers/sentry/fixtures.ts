/** Reads the Sentry fixtures (test/fixtures/sentry) for tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../../../fixtures/sentry/', import.meta.url));

export function sentryFixture(name: 'issues-page-1' | 'issues-page-2' | 'latest-event' | 'organization'): unknown {
  return JSON.parse(readFileSync(`${DIR}${name}.json`, 'utf8')) as unknown;
}
