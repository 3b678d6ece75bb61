import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'scenarios/**', 'bench/results*'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true, allowNullish: true },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'No `export *`: export names explicitly.' },
      ],
    },
  },
  {
    // Only the configuration loader and the composition roots read the environment.
    files: ['src/**/*.ts'],
    ignores: ['src/config/**', 'src/cli/**', 'src/lab/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration from the frozen Config, not process.env.' },
      ],
    },
  },
  {
    // Pure core: no wall clock, no randomness, no environment. Take a Clock; configuration comes in as data.
    files: [
      'src/correlation/**/*.ts',
      'src/evidence/**/*.ts',
      'src/rca/**/*.ts',
      'src/slack/render*.ts',
      'src/providers/**/normalize*.ts',
      'src/providers/**/translate*.ts',
    ],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Pure core: take a Clock.' },
        { object: 'Math', property: 'random', message: 'Pure core: no randomness.' },
        { object: 'process', property: 'env', message: 'Pure core: configuration comes in as data.' },
      ],
    },
  },
  {
    files: ['eslint.config.js', '.dependency-cruiser.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
