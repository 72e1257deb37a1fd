/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  testTimeout: 60000,
  setupFiles: ['<rootDir>/tests/setup-env.js'],
  // What the tests need beyond npm packages, checked once before any test runs (tooling/setup.ts).
  globalSetup: '<rootDir>/tests/global-setup.ts',
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/tests/summary-reporter.js'],
};
