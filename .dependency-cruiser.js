/**
 * The folder rules of ARCHITECTURE.md ("Dependency rules"), enforced by `npm run lint` (`npm run lint:deps`):
 * which src/ folder may import which, no import cycles (type-only imports included), nothing in src/ reaching into
 * test/, bench/ or scripts/, no production import of a devDependency, and vendor SDKs only in their adapter folder.
 *
 * LAYERS is the rule: a folder may import itself and the folders it lists, nothing else under src/. Keep the table
 * in ARCHITECTURE.md the same (test/unit/deploy/architecture.test.ts checks that they agree).
 */

/** Settings types (src/config) may be imported anywhere but the pure analysis and the kernel. */
const LAYERS = {
  kernel: [],
  config: ['kernel'],
  providers: ['kernel', 'config'],
  rca: ['kernel', 'providers'],
  correlation: ['kernel', 'providers', 'rca'],
  evidence: ['kernel', 'config', 'providers', 'correlation', 'rca'],
  memory: ['kernel', 'config', 'rca'],
  agent: ['kernel', 'config', 'providers', 'evidence', 'rca', 'memory'],
  slack: ['kernel', 'config', 'rca', 'agent', 'memory'],
  queue: ['kernel', 'config'],
  observability: ['kernel', 'config', 'queue', 'evidence', 'slack'],
  ingress: ['kernel', 'config', 'queue', 'observability'],
  worker: [
    'kernel',
    'config',
    'queue',
    'providers',
    'correlation',
    'evidence',
    'rca',
    'agent',
    'slack',
    'memory',
    'observability',
  ],
  // The simulation lab and its stand-ins: a client of the production folders (never the other way round).
  lab: [
    'kernel',
    'config',
    'providers',
    'correlation',
    'evidence',
    'rca',
    'agent',
    'slack',
    'memory',
    'queue',
    'observability',
    'ingress',
    'worker',
  ],
  // Composition roots: everything.
  cli: [
    'kernel',
    'config',
    'providers',
    'correlation',
    'evidence',
    'rca',
    'agent',
    'slack',
    'memory',
    'queue',
    'observability',
    'ingress',
    'worker',
    'lab',
  ],
};

/**
 * Known wrong-way imports being removed, each with who removes it; delete the entry when it lands (the rule then
 * catches any new one). None at present.
 */
const PENDING = {};

/** Vendor SDKs, each only in the folder of its adapter (matched on the resolved path). */
const VENDOR_SDKS = [
  { sdk: '@datadog/datadog-api-client', home: '^src/providers/datadog/' },
  { sdk: '@slack/(web-api|bolt)', home: '^src/(slack|ingress)/' },
  { sdk: '@sentry/', home: '^src/observability/' },
  { sdk: '@langchain/', home: '^src/(agent/|providers/tools\\.ts$)' },
  { sdk: 'ioredis', home: '^src/(queue|memory)/' },
];

const folderRules = Object.entries(LAYERS).map(([folder, allowed]) => ({
  name: `layers:${folder}`,
  comment: `src/${folder} may import only ${allowed.length ? allowed.map((f) => `src/${f}`).join(', ') : 'nothing else of ours'} (ARCHITECTURE.md, Dependency rules).`,
  severity: 'error',
  from: { path: `^src/${folder}/` },
  to: { path: '^src/', pathNot: [`^src/(${[folder, ...allowed].join('|')})/`, ...(PENDING[folder] ?? [])] },
}));

export default {
  forbidden: [
    ...folderRules,
    {
      name: 'no-circular',
      comment: 'No import cycles, type-only imports included: split the shared piece into its own module.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'src-not-to-tests',
      comment: 'Production code never imports tests, test support, benchmarks or scripts.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'src-not-to-dev-deps',
      comment:
        'The image installs production dependencies only (npm ci --omit=dev): src/ may not load a devDependency.',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-undeclared-packages',
      comment: 'Every package imported is declared in package.json (no reliance on a transitive dependency).',
      severity: 'error',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown', 'unknown', 'undetermined'] },
    },
    ...VENDOR_SDKS.map(({ sdk, home }) => ({
      name: `vendor-sdk:${sdk}`,
      comment: `${sdk} is imported only by its adapter (${home}); the rest of the code talks to ports.`,
      severity: 'error',
      from: { path: '^src/', pathNot: home },
      to: { path: `node_modules/${sdk}` },
    })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
