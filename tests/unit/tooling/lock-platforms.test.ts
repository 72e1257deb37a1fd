import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { complete, LOCKFILES, missingOptional, platformOf } from '../../../tooling/lock-platforms';
import { ROOT } from '../../../tooling/paths';

test.each(LOCKFILES)(
  '%s holds every optional platform package, so npm ci accepts it (else: npm run lock:platforms)',
  (file) => {
    const lock = JSON.parse(readFileSync(join(ROOT, file), 'utf8'));
    expect(missingOptional(lock)).toEqual([]);
  },
);

test('the example job depends on the library in this repository, and on nothing it does not import', () => {
  const example = JSON.parse(readFileSync(join(ROOT, 'examples', 'job', 'package.json'), 'utf8'));
  const library = JSON.parse(readFileSync(join(ROOT, 'packages', 'job', 'package.json'), 'utf8'));
  expect(example.dependencies[library.name]).toBe('file:../../packages/job');
  // The library's one dependency is the SNS client; the example gets it through the library (one copy bundled).
  expect(Object.keys(library.dependencies)).toEqual(['@aws-sdk/client-sns']);
  expect(example.dependencies).not.toHaveProperty(['@aws-sdk/client-sns']);
  const lock = JSON.parse(readFileSync(join(ROOT, 'examples', 'job', 'package-lock.json'), 'utf8'));
  expect(lock.packages[`node_modules/${library.name}`]).toEqual({ resolved: '../../packages/job', link: true });
  expect(lock.packages['']?.dependencies).toEqual(example.dependencies);
});

test.each([
  ['@biomejs/cli-darwin-arm64', { os: ['darwin'], cpu: ['arm64'] }],
  ['@biomejs/cli-linux-x64-musl', { os: ['linux'], cpu: ['x64'], libc: ['musl'] }],
  ['@swc/core-linux-arm-gnueabihf', { os: ['linux'], cpu: ['arm'], libc: ['glibc'] }],
  ['@swc/core-win32-ia32-msvc', { os: ['win32'], cpu: ['ia32'] }],
  ['@unrs/resolver-binding-android-arm-eabi', { os: ['android'], cpu: ['arm'] }],
])('platformOf(%s)', (name, expected) => {
  expect(platformOf(name)).toEqual(expected);
});

test('complete adds the missing entries as optional, for their platform only', () => {
  const lock = {
    packages: {
      '': { name: 'x' },
      'node_modules/tool': {
        version: '1.0.0',
        optionalDependencies: { 'tool-darwin-arm64': '1.0.0', 'tool-linux-x64': '1.0.0' },
      },
      'node_modules/tool-linux-x64': { version: '1.0.0', optional: true },
    },
  };
  expect(complete(lock)).toBe(1);
  expect(lock.packages).toHaveProperty(['node_modules/tool-darwin-arm64'], {
    version: '1.0.0',
    optional: true,
    os: ['darwin'],
    cpu: ['arm64'],
  });
  expect(missingOptional(lock)).toEqual([]);
});
