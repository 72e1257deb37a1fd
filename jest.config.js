/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests', '<rootDir>/packages'],
  // The job-author library from its source, as tsconfig.json's paths map it (the example job imports it by name).
  moduleNameMapper: { '^@cloud-cron/job$': '<rootDir>/packages/job/src/index.ts' },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  testTimeout: 60000,
  setupFiles: ['<rootDir>/tests/setup-env.js'],
  // What the tests need beyond npm packages, checked once before any test runs (tooling/setup.ts).
  globalSetup: '<rootDir>/tests/global-setup.ts',
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/tests/summary-reporter.js'],
};
