// Maps the workspace's path aliases (tsconfig.base.json) for Jest, and compiles with SWC
// (decorator metadata on, which Nest's dependency injection needs).
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]),
);
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
        keepClassNames: true,
      },
      module: { type: 'commonjs' },
    },
  ],
};
// @kubernetes/client-node 1.x and the OIDC packages it imports are ESM-only. Node runs them
// through require(esm) at run time, but Jest's module loader cannot: SWC turns them into CommonJS.
const esmPackages = ['@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose'];
transform['^.+\\.js$'] = ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
const transformIgnorePatterns = [`/node_modules/(?!(${esmPackages.join('|')})/)`];
const common = { rootDir: __dirname, moduleNameMapper, transform, transformIgnorePatterns, testEnvironment: 'node' };

module.exports = {
  reporters: ['default', '<rootDir>/tools/jest/summary-reporter.js'],
  testSequencer: '<rootDir>/tools/jest/longest-first-sequencer.js',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs}/**/test/**/*.int-spec.ts'],
      slowTestThreshold: 30,
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/apps/**/test/**/*.e2e-spec.ts'],
      slowTestThreshold: 60,
      // What the run's files share (the Swarm test cluster: libs/testing/src/shared-swarm-cluster.ts), made by the first file that asks, removed at the end.
      globalSetup: '<rootDir>/libs/testing/src/jest/e2e-global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/jest/e2e-global-teardown.ts',
    },
  ],
};
