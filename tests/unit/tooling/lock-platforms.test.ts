import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { complete, missingOptional, platformOf } from '../../../tooling/lock-platforms';
import { ROOT } from '../../../tooling/paths';

test('package-lock.json holds every optional platform package, so npm ci accepts it (else: npm run lock:platforms)', () => {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  expect(missingOptional(lock)).toEqual([]);
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
