/**
 * What Cloud Cron's tests and `npm start` need beyond npm packages: one table, one row per tool. A row says how
 * the tool is found, the oldest version that works, and the Debian/Ubuntu package or the PyPI requirement that
 * brings it. Another tool (Debian's chromium for browser tests, say) is another row:
 *
 *   { name: 'chromium', role: 'the headless browser of the dashboard tests', purposes: ['test'],
 *     find: { kind: 'file', path: '/usr/bin/chromium', versionArgs: ['--version'], versionPattern: /Chromium (\d+)/ },
 *     apt: 'chromium' },
 *
 * Python packages are looked for in the project's Python (tooling/python.ts): `.venv/bin/python` once the set-up
 * made it, else `python3` on the PATH. Debian 12 packages none of moto, cfn-lint and aws-sam-translator
 * (`apt-cache policy` finds no python3-moto, cfn-lint or python3-aws-sam-translator), so those come from PyPI.
 *
 * `check` only looks; tooling/setup.ts installs what it can and words what is left.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export type Purpose = 'test' | 'start';

export type Finder =
  /** An executable looked up on the PATH. */
  | { kind: 'command'; command: string; versionArgs?: string[]; versionPattern?: RegExp }
  /** An executable at the absolute path the tooling runs. */
  | { kind: 'file'; path: string; versionArgs?: string[]; versionPattern?: RegExp }
  /** The project's Python interpreter itself. */
  | { kind: 'python' }
  /** A distribution installed in the project's Python, with the modules it must provide there. */
  | { kind: 'python-package'; distribution: string; modules: string[] };

export type Requirement = {
  /** The tool as messages name it. */
  name: string;
  /** Why the project needs it. */
  role: string;
  /** Which commands need it: `npm test` and/or `npm start` (which needs none when AWS_ENDPOINT_URL is set). */
  purposes: Purpose[];
  find: Finder;
  /** Oldest version that works (dotted numbers). */
  minVersion?: string;
  /** Debian/Ubuntu package that provides it. */
  apt?: string;
  /** PyPI requirement that provides it, installed into the project's `.venv`. */
  pip?: string;
};

export const REQUIREMENTS: readonly Requirement[] = [
  {
    name: 'python3',
    role: 'runs moto_server, cfn-lint and the SAM translator (3.11+: the tests read samconfig.toml with tomllib)',
    purposes: ['test', 'start'],
    find: { kind: 'python' },
    minVersion: '3.11',
    apt: 'python3',
  },
  {
    name: 'moto_server',
    role: 'the local AWS emulator (Python moto with its server extras)',
    purposes: ['test', 'start'],
    find: { kind: 'python-package', distribution: 'moto', modules: ['moto', 'flask', 'flask_cors'] },
    minVersion: '5.2',
    pip: 'moto[server]>=5.2,<6',
  },
  {
    name: 'cfn-lint',
    role: 'lints every template and the macro output',
    purposes: ['test'],
    find: { kind: 'python-package', distribution: 'cfn-lint', modules: ['cfnlint'] },
    minVersion: '1.51',
    pip: 'cfn-lint>=1.51,<2',
  },
  {
    name: 'aws-sam-translator',
    role: 'the SAM transform, as CloudFormation runs it (Python module samtranslator)',
    purposes: ['test'],
    find: { kind: 'python-package', distribution: 'aws-sam-translator', modules: ['samtranslator'] },
    minVersion: '1.110',
    pip: 'aws-sam-translator>=1.110,<2',
  },
  {
    name: 'skopeo',
    role: "the image mirror's copy tool (1.6+ for --preserve-digests)",
    purposes: ['test'],
    find: {
      kind: 'file',
      path: '/usr/bin/skopeo',
      versionArgs: ['--version'],
      versionPattern: /version (\d+(?:\.\d+)*)/,
    },
    minVersion: '1.6',
    apt: 'skopeo',
  },
  {
    name: 'docker-registry',
    role: 'a real OCI registry for the mirror tests',
    purposes: ['test'],
    find: { kind: 'file', path: '/usr/bin/docker-registry' },
    apt: 'docker-registry',
  },
  {
    name: 'openssl',
    role: "makes the mirror tests' TLS certificate",
    purposes: ['test'],
    find: { kind: 'command', command: 'openssl', versionArgs: ['version'], versionPattern: /OpenSSL (\d+(?:\.\d+)*)/ },
    minVersion: '1.1.1',
    apt: 'openssl',
  },
  {
    name: 'chromium',
    role: 'the headless browser of the dashboard tests (driven by playwright-core)',
    purposes: ['test'],
    find: {
      kind: 'file',
      path: '/usr/bin/chromium',
      versionArgs: ['--version'],
      versionPattern: /Chromium (\d+(?:\.\d+)*)/,
    },
    minVersion: '120',
    apt: 'chromium',
  },
];

export function requirementsFor(purpose: Purpose, table: readonly Requirement[] = REQUIREMENTS): Requirement[] {
  return table.filter((r) => r.purposes.includes(purpose));
}

// ------------------------------------------------------------------------------------------- probing

export type RunResult = { status: number | null; stdout: string; stderr: string; error?: string };

/** What `check` may look at: the machine, or a fake of it in tests. */
export type Probe = {
  /** The PATH commands are looked up in. */
  path: string;
  /** The project's Python: an absolute path, or a command looked up on `path`. */
  python(): string;
  isExecutable(file: string): boolean;
  /** Runs a command to completion; never throws (a spawn error comes back as `error`). */
  run(command: string, args: string[]): RunResult;
};

export type Finding = {
  requirement: Requirement;
  ok: boolean;
  /** The version found, when the tool tells it. */
  version?: string;
  /** Why it does not do, when it does not. */
  problem?: string;
};

/** What the Python probe learnt about the project's Python. */
export type PythonFacts = {
  /** The interpreter as asked for (path or command). */
  python: string;
  /** Set when it could not run. */
  problem?: string;
  version?: string;
  executable?: string;
  /** Whether `python -m venv` can make an environment with pip (Debian: package python3-venv). */
  venv?: boolean;
  packages: Record<string, { version: string | null; missing: string[] }>;
};

/** Finds a command on a PATH, as the shell would. */
export function which(command: string, path: string, isExecutable: (file: string) => boolean): string | undefined {
  if (isAbsolute(command)) return isExecutable(command) ? command : undefined;
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, command);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

export function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Compares dotted version numbers: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Given {distribution: [modules]}, prints what the interpreter has: versions without importing anything. */
export const PYTHON_PROBE = `
import importlib.metadata as md, importlib.util as iu, json, sys
wanted = json.loads(sys.argv[1])
packages = {}
for dist, modules in wanted.items():
    try:
        version = md.version(dist)
    except md.PackageNotFoundError:
        version = None
    packages[dist] = {"version": version, "missing": [m for m in modules if iu.find_spec(m) is None]}
print(json.dumps({
    "version": "%d.%d.%d" % sys.version_info[:3],
    "executable": sys.executable,
    "venv": iu.find_spec("venv") is not None and iu.find_spec("ensurepip") is not None,
    "packages": packages,
}))
`;

export function probePython(probe: Probe, distributions: Record<string, string[]>): PythonFacts {
  const python = probe.python();
  const found = which(python, probe.path, (f) => probe.isExecutable(f));
  if (!found) {
    return {
      python,
      packages: {},
      problem: isAbsolute(python) ? `${python} not found` : `${python} not found on the PATH`,
    };
  }
  const res = probe.run(found, ['-c', PYTHON_PROBE, JSON.stringify(distributions)]);
  try {
    if (res.error || res.status !== 0) throw new Error(res.error ?? res.stderr.trim().split('\n').slice(-1)[0]);
    const facts = JSON.parse(res.stdout) as Omit<PythonFacts, 'python'>;
    return { python: found, ...facts };
  } catch (e) {
    return { python: found, packages: {}, problem: `${found} did not run (${(e as Error).message})` };
  }
}

function versionOf(probe: Probe, file: string, args: string[] | undefined, pattern: RegExp | undefined) {
  if (!args || !pattern) return { ok: true as const };
  const res = probe.run(file, args);
  if (res.error || res.status !== 0) {
    return { ok: false as const, problem: `${file} ${args.join(' ')} failed (${res.error ?? `exit ${res.status}`})` };
  }
  return { ok: true as const, version: pattern.exec(`${res.stdout}\n${res.stderr}`)?.[1] };
}

function withVersion(requirement: Requirement, version: string | undefined, where: string): Finding {
  if (version && requirement.minVersion && compareVersions(version, requirement.minVersion) < 0) {
    return {
      requirement,
      ok: false,
      version,
      problem: `${where} has ${version}, older than ${requirement.minVersion}`,
    };
  }
  return { requirement, ok: true, ...(version ? { version } : {}) };
}

/** Looks for every requirement; installs nothing. */
export function check(
  requirements: readonly Requirement[],
  probe: Probe,
): { findings: Finding[]; python?: PythonFacts } {
  const pythonRows = requirements.filter((r) => r.find.kind === 'python' || r.find.kind === 'python-package');
  let python: PythonFacts | undefined;
  if (pythonRows.length > 0) {
    const wanted: Record<string, string[]> = {};
    for (const r of pythonRows) if (r.find.kind === 'python-package') wanted[r.find.distribution] = r.find.modules;
    python = probePython(probe, wanted);
  }
  const findings = requirements.map((requirement) => findOne(requirement, probe, python));
  return { findings, ...(python ? { python } : {}) };
}

function findOne(requirement: Requirement, probe: Probe, python: PythonFacts | undefined): Finding {
  const find = requirement.find;
  if (find.kind === 'python' || find.kind === 'python-package') {
    const where = python?.python ?? 'python3';
    if (!python || python.problem) return { requirement, ok: false, problem: python?.problem ?? `${where} not found` };
    if (find.kind === 'python') return withVersion(requirement, python.version, where);
    const pkg = python.packages[find.distribution];
    if (!pkg?.version) return { requirement, ok: false, problem: `${where} has no ${find.distribution}` };
    if (pkg.missing.length > 0) {
      const problem = `${where} has ${find.distribution} ${pkg.version} without module ${pkg.missing.join(', ')}`;
      return { requirement, ok: false, version: pkg.version, problem };
    }
    return withVersion(requirement, pkg.version, `${where}'s ${find.distribution}`);
  }
  const isExecutable = (f: string) => probe.isExecutable(f);
  const file =
    find.kind === 'command'
      ? which(find.command, probe.path, isExecutable)
      : isExecutable(find.path)
        ? find.path
        : undefined;
  if (!file) {
    const problem = find.kind === 'command' ? `${find.command} not found on the PATH` : `${find.path} not found`;
    return { requirement, ok: false, problem };
  }
  const v = versionOf(probe, file, find.versionArgs, find.versionPattern);
  if (!v.ok) return { requirement, ok: false, problem: v.problem };
  return withVersion(requirement, v.version, file);
}
