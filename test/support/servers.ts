/**
 * Real server binaries some tests start (`redis-server`, `prometheus`, both Debian packages of the same name).
 *
 * On a newcomer's machine with only Node a missing binary skips the tests that need it, and the run ends with one
 * summary line naming the package to install (test/support/skip-summary.ts). Where the servers are required they
 * never skip: `CI` set (true/1/yes), or FLIPTURN_REQUIRE_SERVERS=1 (FLIPTURN_REQUIRE_REDIS=1 still works): a missing
 * binary then fails the run before any test starts (test/support/global-setup.ts) and in every file that needs it.
 * FLIPTURN_SKIP_REDIS=1 / FLIPTURN_SKIP_PROMETHEUS=1 skip them on purpose where they are not required.
 *
 * A test file that needs a server declares it: `describe.skipIf(skipWithout('redis-server'))(...)`.
 */
import { spawnSync } from 'node:child_process';

export const SERVER_BINARIES = ['redis-server', 'prometheus'] as const;
export type ServerBinary = (typeof SERVER_BINARIES)[number];

/** The Debian package that installs each binary. */
const DEBIAN_PACKAGE: Readonly<Record<ServerBinary, string>> = {
  'redis-server': 'redis-server',
  prometheus: 'prometheus',
};

const SKIP_VARIABLE: Readonly<Record<ServerBinary, string>> = {
  'redis-server': 'FLIPTURN_SKIP_REDIS',
  prometheus: 'FLIPTURN_SKIP_PROMETHEUS',
};

type Env = Readonly<Record<string, string | undefined>>;

function truthy(v: string | undefined): boolean {
  return v !== undefined && v !== '' && !['0', 'false', 'no', 'off'].includes(v.trim().toLowerCase());
}

/** True where server-backed tests must run (CI). */
export function serversRequired(env: Env = process.env): boolean {
  return truthy(env.CI) || env.FLIPTURN_REQUIRE_SERVERS === '1' || env.FLIPTURN_REQUIRE_REDIS === '1';
}

const found = new Map<ServerBinary, boolean>();

/** Whether `bin --version` runs from PATH (looked up once per process). */
export function serverInstalled(bin: ServerBinary): boolean {
  let ok = found.get(bin);
  if (ok === undefined) {
    ok = spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0;
    found.set(bin, ok);
  }
  return ok;
}

export type ServerState = 'installed' | 'missing' | 'skipped_on_request';

/** installed; missing (not on PATH); or skipped on request (FLIPTURN_SKIP_*=1 where not required). */
export function serverState(bin: ServerBinary, env: Env = process.env): ServerState {
  if (!serversRequired(env) && env[SKIP_VARIABLE[bin]] === '1') return 'skipped_on_request';
  return serverInstalled(bin) ? 'installed' : 'missing';
}

export function missingServerMessage(bin: ServerBinary): string {
  return (
    `${bin} is not installed, and the tests that need it are required here (CI / FLIPTURN_REQUIRE_SERVERS=1). ` +
    `Install the Debian package: apt-get install -y ${DEBIAN_PACKAGE[bin]}`
  );
}

/**
 * True when the tests that need `bin` are to be skipped: it is not installed (or skipped on request) and servers are
 * not required. Throws, naming the package, when they are required and the binary is missing.
 */
export function skipWithout(bin: ServerBinary, env: Env = process.env): boolean {
  const state = serverState(bin, env);
  if (state === 'installed') return false;
  if (serversRequired(env)) throw new Error(missingServerMessage(bin));
  return true;
}

/** The servers a test file's source declares it needs (`skipWithout('...')`, or `skipRedisTests()` for Redis). */
export function serversDeclaredIn(source: string): ServerBinary[] {
  const out = new Set<ServerBinary>();
  for (const m of source.matchAll(/skipWithout\(\s*'([a-z-]+)'/g)) {
    const bin = SERVER_BINARIES.find((b) => b === m[1]);
    if (bin) out.add(bin);
  }
  if (/\bskipRedisTests\(/.test(source)) out.add('redis-server');
  return [...out];
}

/** The one line printed after a run that skipped server-backed tests (undefined when nothing was skipped for that). */
export function skipSummaryLine(
  skipped: ReadonlyMap<ServerBinary, { readonly state: ServerState; readonly tests: number }>,
): string | undefined {
  const parts = [...skipped].filter(([, s]) => s.state !== 'installed' && s.tests > 0);
  if (parts.length === 0) return undefined;
  const total = parts.reduce((n, [, s]) => n + s.tests, 0);
  const missing = parts.filter(([, s]) => s.state === 'missing').map(([bin]) => bin);
  const onRequest = parts.filter(([, s]) => s.state === 'skipped_on_request').map(([bin]) => `${SKIP_VARIABLE[bin]}=1`);
  const why = [
    ...(missing.length
      ? [
          `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not installed (Debian: apt-get install -y ${missing.map((b) => DEBIAN_PACKAGE[b]).join(' ')})`,
        ]
      : []),
    ...(onRequest.length ? [`skipped on request (${onRequest.join(', ')})`] : []),
  ];
  const each = parts.map(([bin, s]) => `${s.tests} need${s.tests === 1 ? 's' : ''} ${bin}`).join(', ');
  return `SKIPPED ${total} server-backed test${total === 1 ? '' : 's'} (${each}): ${why.join('; ')}. With CI=true they are required.`;
}
