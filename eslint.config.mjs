// Type-aware lint and real Nx module boundaries: contracts ← domain ← infra ← application ← apps.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const depConstraints = [
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'type:config', onlyDependOnLibsWithTags: ['type:contracts'] },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts'] },
  { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:config'] },
  { sourceTag: 'type:application', onlyDependOnLibsWithTags: ['type:infra', 'type:domain', 'type:contracts', 'type:config'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:application', 'type:infra', 'type:domain', 'type:contracts', 'type:config', 'type:testing'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:application', 'type:infra', 'type:domain', 'type:contracts', 'type:config'] },
];

export default tseslint.config(
  { ignores: ['**/dist/**', 'node_modules/**', 'coverage/**', 'test-artifacts/**', '.nx/**', '**/*.js', '**/*.mjs', '!apps/api/web/**/*.js'] },
  ...tseslint.configs.recommended,
  {
    // The web page: browser ES modules, type-checked as JavaScript by apps/api/tsconfig.web.json
    // (which also catches undefined names, so no-undef and a list of browser globals are not needed).
    files: ['apps/api/web/**/*.js'],
    languageOptions: { sourceType: 'module', parserOptions: { project: './apps/api/tsconfig.web.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [{ group: ['../../*', '../../../*'], message: 'import another project through its @labfleet/* alias' }] }],
      '@nx/enforce-module-boundaries': ['error', { allow: [], depConstraints }],
    },
  },
  {
    // A lib's own test folder may run the shared test harness (the LabProvider contract suite).
    files: ['libs/**/test/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': ['error', { allow: ['@labfleet/testing'], depConstraints }] },
  },
  {
    // A folder inside a test folder (a fake server) reaches its own project's src two levels up.
    files: ['libs/**/test/*/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../../../*', '../../../../*'], message: 'import another project through its @labfleet/* alias' }] }] },
  },
  {
    // Config is validated once, in the config lib: nothing else reads the environment.
    files: ['apps/**/src/**/*.ts', 'libs/**/src/**/*.ts'],
    ignores: ['libs/config/**', 'libs/testing/**'],
    rules: { 'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'read configuration through LabfleetConfig' }] },
  },
);
