/**
 * `npm run lock:platforms` (scripts/lock-platforms.ts): completes package-lock.json with the platform-specific optional packages
 * (@biomejs/cli-*, @swc/core-*, @unrs/resolver-binding-*, ...) that the registry mirror on our build machines
 * does not carry. Without their entries `npm ci` refuses the lockfile ("Missing: ... from lock file"), although
 * npm would skip them on this platform anyway. Each added entry names its os/cpu/libc, so npm installs it only
 * on the platform it is for (from the public registry, where every one of them exists).
 *
 * Run it after any `npm install` that rewrites the lockfile; `npm test` checks that nothing is missing.
 */
type LockPackage = {
  version?: string;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  optionalDependencies?: Record<string, string>;
  [k: string]: unknown;
};
export type Lock = { packages: Record<string, LockPackage> };

const OS = ['android', 'darwin', 'freebsd', 'linux', 'openharmony', 'win32', 'sunos', 'aix', 'netbsd', 'openbsd'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'wasm32', 'mips64el'];

/** os/cpu/libc from a platform package's name, e.g. cli-linux-x64-musl or core-win32-arm64-msvc. */
export function platformOf(name: string): { os?: string[]; cpu?: string[]; libc?: string[] } {
  const parts = name.split('/').pop()!.split('-');
  const os = OS.find((o) => parts.includes(o));
  const cpu =
    CPU.find((c) => parts.includes(c)) ??
    (parts.includes('eabi') || parts.includes('gnueabihf') || parts.includes('musleabihf') ? 'arm' : undefined);
  const libc =
    os === 'linux'
      ? parts.some((p) => p.startsWith('musl'))
        ? 'musl'
        : parts.some((p) => p.startsWith('gnu'))
          ? 'glibc'
          : undefined
      : undefined;
  return { ...(os ? { os: [os] } : {}), ...(cpu ? { cpu: [cpu] } : {}), ...(libc ? { libc: [libc] } : {}) };
}

/** The optional dependencies a lockfile names but does not hold. */
export function missingOptional(lock: Lock): { path: string; name: string; version: string }[] {
  const missing = new Map<string, { path: string; name: string; version: string }>();
  for (const [path, pkg] of Object.entries(lock.packages)) {
    for (const [name, range] of Object.entries(pkg.optionalDependencies ?? {})) {
      // npm resolves from the nearest node_modules up the tree; hoisted to the root in practice.
      const nested = `${path ? `${path}/` : ''}node_modules/${name}`;
      const hoisted = `node_modules/${name}`;
      if (lock.packages[nested] || lock.packages[hoisted]) continue;
      const version = range.replace(/^[\^~=]/, '');
      if (/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version)) missing.set(hoisted, { path: hoisted, name, version });
    }
  }
  return [...missing.values()];
}

export function complete(lock: Lock): number {
  const missing = missingOptional(lock);
  for (const m of missing) lock.packages[m.path] = { version: m.version, optional: true, ...platformOf(m.name) };
  lock.packages = Object.fromEntries(
    Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
  );
  return missing.length;
}

/** Every lockfile `npm ci` reads: the repository's, the example job's (its Dockerfile) and the library's. */
export const LOCKFILES = ['package-lock.json', 'examples/job/package-lock.json', 'packages/job/package-lock.json'];
