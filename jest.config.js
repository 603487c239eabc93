// Jest 30 + @swc/jest: Nest 12, jose 6 and @nestjs/testing are ESM-only, which plain ts-jest
// cannot load (STACK-NOTES). swc transforms both our TypeScript and those packages.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|jose|file-type|strtok3|token-types|@tokenizer|uint8array-extras|@borewit)/)',
  ],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};

/** @type {import('jest').Config} */
module.exports = {
  // Jest 30 reads testTimeout from the global config only: the per-project value below is
  // ignored, which left e2e hooks (a fresh database + migrations) at the 5 s default.
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/bench/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.mjs',
      globalTeardown: '<rootDir>/test/setup/global-teardown.mjs',
      testTimeout: 60000,
    },
  ],
};
