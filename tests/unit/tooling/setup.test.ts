/**
 * The set-up (tooling/setup.ts over the table in tooling/requirements.ts) on fake machines: what it finds, what it
 * installs and with which commands, and the one message it gives for what is left. No real apt-get or pip runs:
 * the machine is a fake whose installs change what the next probe sees. The PATH lookup, the Python probe and
 * the moto launcher's spawn error run for real.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Moto, MotoStartError, startMoto } from '../../../tooling/moto';
import { tempDir } from '../../../tooling/paths';
import {
  check,
  compareVersions,
  isExecutableFile,
  type PythonFacts,
  probePython,
  REQUIREMENTS,
  type RunResult,
  which,
} from '../../../tooling/requirements';
import { type Host, installCommand, planFor, SetupError, setUp } from '../../../tooling/setup';

const VENV = '/project/.venv';
const VENV_PYTHON = `${VENV}/bin/python`;
const PY_SPECS = ["'moto[server]>=5.2,<6'", "'cfn-lint>=1.51,<2'", "'aws-sam-translator>=1.110,<2'"].join(' ');

type Pkg = { version: string | null; missing: string[] };
const FULL_PYTHON: Record<string, Pkg> = {
  moto: { version: '5.2.1', missing: [] },
  'cfn-lint': { version: '1.51.0', missing: [] },
  'aws-sam-translator': { version: '1.110.0', missing: [] },
};
const EMPTY_PYTHON: Record<string, Pkg> = {
  moto: { version: null, missing: ['moto', 'flask', 'flask_cors'] },
  'cfn-lint': { version: null, missing: ['cfnlint'] },
  'aws-sam-translator': { version: null, missing: ['samtranslator'] },
};

/** A machine made of sets and maps; apt-get and pip change it as the real ones would. */
class FakeMachine implements Host {
  path = '/usr/bin:/bin';
  env: NodeJS.ProcessEnv = {};
  isRoot = false;
  index = false;
  files = new Set(['/usr/bin/apt-get', '/usr/bin/apt-cache']);
  versions = new Map<string, string>();
  /** Packages apt knows (its candidates). */
  aptCandidates = new Set(['python3', 'python3-venv', 'skopeo', 'docker-registry', 'openssl', 'chromium']);
  /** What the interpreter on the PATH has; the venv starts empty. */
  system: { version: string; venv: boolean; packages: Record<string, Pkg> } | undefined = {
    version: '3.11.2',
    venv: true,
    packages: structuredClone(FULL_PYTHON),
  };
  venv: Record<string, Pkg> | undefined;
  pipFails = false;
  executed: string[] = [];
  removed: string[] = [];

  static complete(): FakeMachine {
    const m = new FakeMachine();
    m.install('skopeo', 'docker-registry', 'openssl', 'chromium', 'python3');
    return m;
  }

  install(...packages: string[]): void {
    for (const p of packages) {
      if (p === 'skopeo') this.tool('/usr/bin/skopeo', 'skopeo version 1.9.3');
      if (p === 'docker-registry') this.tool('/usr/bin/docker-registry', '');
      if (p === 'openssl') this.tool('/usr/bin/openssl', 'OpenSSL 3.0.19 27 Jan 2026');
      if (p === 'chromium')
        this.tool('/usr/bin/chromium', 'Chromium 156.0.8078.114 built on Debian GNU/Linux 12 (bookworm)');
      if (p === 'python3') this.files.add('/usr/bin/python3');
      if (p === 'python3-venv' && this.system) this.system.venv = true;
    }
  }

  tool(file: string, version: string): void {
    this.files.add(file);
    this.versions.set(file, version);
  }

  python(): string {
    return this.files.has(VENV_PYTHON) ? VENV_PYTHON : 'python3';
  }

  isExecutable(file: string): boolean {
    return this.files.has(file);
  }

  run(command: string, args: string[]): RunResult {
    if (args[0] === '-c') {
      const facts = command === VENV_PYTHON ? { ...this.system, venv: true, packages: this.venv } : this.system;
      return { status: 0, stdout: JSON.stringify({ ...facts, executable: command }), stderr: '' };
    }
    if (command === 'apt-cache') {
      const p = args[1];
      return { status: 0, stdout: this.aptCandidates.has(p) ? `${p}:\n  Candidate: 1.0\n` : '', stderr: '' };
    }
    const out = this.versions.get(command);
    return out === undefined
      ? { status: null, stdout: '', stderr: '', error: 'ENOENT' }
      : { status: 0, stdout: out, stderr: '' };
  }

  exec(command: string, args: string[]): RunResult {
    this.executed.push([command, ...args].join(' '));
    if (command === '/usr/bin/apt-get' && args[0] === 'install')
      this.install(...args.filter((a) => !a.startsWith('-')).slice(1));
    if (args.join(' ') === `-m venv ${VENV}`) {
      this.files.add(VENV_PYTHON);
      this.venv = structuredClone(EMPTY_PYTHON);
    }
    if (command === VENV_PYTHON && args.includes('pip')) {
      if (this.pipFails) return { status: 1, stdout: '', stderr: 'no matching distribution' };
      this.venv = structuredClone(FULL_PYTHON);
    }
    return { status: 0, stdout: '', stderr: '' };
  }

  async indexAnswers(): Promise<boolean> {
    return this.index;
  }

  remove(dir: string): void {
    this.removed.push(dir);
    if (dir === VENV) {
      this.files.delete(VENV_PYTHON);
      this.venv = undefined;
    }
  }
}

async function failure(machine: FakeMachine, purpose: 'test' | 'start' = 'test', install = true): Promise<SetupError> {
  const error = await setUp(purpose, { host: machine, log: () => undefined, venvDir: VENV, install }).catch(
    (e: unknown) => e,
  );
  if (!(error instanceof SetupError)) throw new Error(`expected a SetupError, got ${String(error)}`);
  return error;
}

const names = (e: SetupError) => e.missing.map((f) => f.requirement.name);

test('everything present: one line of what was found, nothing run', async () => {
  const machine = FakeMachine.complete();
  const log: string[] = [];
  const findings = await setUp('test', { host: machine, log: (l) => log.push(l), venvDir: VENV });
  expect(findings.every((f) => f.ok)).toBe(true);
  expect(log).toEqual([
    'set-up: found python3 3.11.2, moto_server 5.2.1, cfn-lint 1.51.0, aws-sam-translator 1.110.0, skopeo 1.9.3, ' +
      'docker-registry, openssl 3.0.19, chromium 156.0.8078.114',
  ]);
  expect(machine.executed).toEqual([]);
});

test('not root, no package index: every missing tool in one message, with the one command for all of them', async () => {
  const machine = FakeMachine.complete();
  machine.files.delete('/usr/bin/skopeo');
  machine.files.delete('/usr/bin/docker-registry');
  machine.system = { version: '3.11.2', venv: true, packages: structuredClone(EMPTY_PYTHON) };

  const e = await failure(machine);
  expect(names(e)).toEqual(['moto_server', 'cfn-lint', 'aws-sam-translator', 'skopeo', 'docker-registry']);
  expect(e.command).toBe(
    `sudo apt-get update && sudo apt-get install -y skopeo docker-registry && python3 -m venv ${VENV} && ` +
      `${VENV_PYTHON} -m pip install ${PY_SPECS}`,
  );
  const lines = e.message.split('\n');
  expect(lines[0]).toBe('Cloud Cron set-up: `npm test` needs 5 tools this machine lacks:');
  for (const name of names(e)) expect(lines.filter((l) => l.startsWith(`  ${name} `))).toHaveLength(1);
  expect(e.message).toContain('/usr/bin/python3 has no moto');
  expect(e.message).toContain('/usr/bin/skopeo not found');
  expect(e.message).toContain(
    'Not installed here: apt-get needs root; the Python package index https://pypi.org/simple/ did not answer within 3 s.',
  );
  expect(e.message).toContain(`  ${e.command}`);
  expect(machine.executed).toEqual([]);
});

test('a missing Python package alone: the new .venv gets every Python row, python3-venv when Debian lacks it', async () => {
  const machine = FakeMachine.complete();
  machine.system = {
    version: '3.11.2',
    venv: false,
    packages: { ...structuredClone(FULL_PYTHON), moto: { version: null, missing: ['moto', 'flask', 'flask_cors'] } },
  };
  const e = await failure(machine);
  expect(names(e)).toEqual(['moto_server']);
  expect(e.message.split('\n')[0]).toBe('Cloud Cron set-up: `npm test` needs a tool this machine lacks:');
  expect(e.command).toBe(
    `sudo apt-get update && sudo apt-get install -y python3-venv && python3 -m venv ${VENV} && ` +
      `${VENV_PYTHON} -m pip install ${PY_SPECS}`,
  );
});

test('as root with apt: installs the Debian packages (only those apt has), then finds them', async () => {
  const machine = FakeMachine.complete();
  machine.isRoot = true;
  machine.files.delete('/usr/bin/skopeo');
  machine.files.delete('/usr/bin/openssl');
  const log: string[] = [];
  await setUp('test', { host: machine, log: (l) => log.push(l), venvDir: VENV });
  expect(machine.executed).toEqual([
    '/usr/bin/apt-get update -qq',
    '/usr/bin/apt-get install -y -qq --no-install-recommends skopeo openssl',
  ]);
  expect(log.at(-1)).toMatch(
    /^set-up: installed what was missing; found .*skopeo 1\.9\.3.*openssl 3\.0\.19, chromium 156\.0\.8078\.114$/,
  );
});

test('as root, a package apt does not have is left out of the install and named, with the rest installed', async () => {
  const machine = FakeMachine.complete();
  machine.isRoot = true;
  machine.aptCandidates.delete('docker-registry');
  machine.files.delete('/usr/bin/skopeo');
  machine.files.delete('/usr/bin/docker-registry');
  const e = await failure(machine);
  expect(machine.executed).toContain('/usr/bin/apt-get install -y -qq --no-install-recommends skopeo');
  expect(names(e)).toEqual(['docker-registry']);
  expect(e.message).toContain('Not installed here: apt has no package docker-registry.');
  expect(e.command).toBe('apt-get update && apt-get install -y docker-registry');
});

test('an install that runs yet brings nothing usable: still named, and the message says the installs ran', async () => {
  const machine = FakeMachine.complete();
  machine.isRoot = true;
  machine.tool('/usr/bin/skopeo', 'skopeo version 1.4.1');
  machine.install = () => undefined; // apt-get finds skopeo 1.4.1 already the newest (Ubuntu 22.04)
  const e = await failure(machine);
  expect(machine.executed).toContain('/usr/bin/apt-get install -y -qq --no-install-recommends skopeo');
  expect(names(e)).toEqual(['skopeo']);
  expect(e.message).toContain('Not installed here: the installs ran, yet skopeo is still not as needed.');
});

test('the package index answers: makes .venv and pip-installs every Python row into it', async () => {
  const machine = FakeMachine.complete();
  machine.index = true;
  machine.system = { version: '3.11.2', venv: true, packages: structuredClone(EMPTY_PYTHON) };
  const findings = await setUp('test', { host: machine, log: () => undefined, venvDir: VENV });
  expect(machine.executed).toEqual([
    `/usr/bin/python3 -m venv ${VENV}`,
    `${VENV_PYTHON} -m pip install --disable-pip-version-check -q moto[server]>=5.2,<6 cfn-lint>=1.51,<2 aws-sam-translator>=1.110,<2`,
  ]);
  expect(findings.find((f) => f.requirement.name === 'moto_server')).toMatchObject({ ok: true, version: '5.2.1' });
});

test('pip fails: the half-made .venv is removed (python3 keeps its packages) and the message says why', async () => {
  const machine = FakeMachine.complete();
  machine.index = true;
  machine.pipFails = true;
  machine.system = {
    version: '3.11.2',
    venv: true,
    packages: { ...structuredClone(FULL_PYTHON), 'cfn-lint': { version: null, missing: ['cfnlint'] } },
  };
  const e = await failure(machine);
  expect(machine.removed).toEqual([VENV]);
  expect(names(e)).toEqual(['cfn-lint']);
  expect(e.message).toContain('Not installed here: pip install failed (exit 1).');
  expect(e.command).toBe(`python3 -m venv ${VENV} && ${VENV_PYTHON} -m pip install ${PY_SPECS}`);
});

test('too old and incomplete count as missing: skopeo 1.4.1, moto without its server extras', async () => {
  const machine = FakeMachine.complete();
  machine.tool('/usr/bin/skopeo', 'skopeo version 1.4.1');
  machine.system = {
    version: '3.11.2',
    venv: true,
    packages: { ...structuredClone(FULL_PYTHON), moto: { version: '5.2.1', missing: ['flask', 'flask_cors'] } },
  };
  const e = await failure(machine);
  expect(e.missing.map((f) => [f.requirement.name, f.problem])).toEqual([
    ['moto_server', '/usr/bin/python3 has moto 5.2.1 without module flask, flask_cors'],
    ['skopeo', '/usr/bin/skopeo has 1.4.1, older than 1.6'],
  ]);
});

test('no python3 at all: python3 and every Python package are named, and the command brings python3 first', async () => {
  const machine = FakeMachine.complete();
  machine.files.delete('/usr/bin/python3');
  const e = await failure(machine);
  expect(names(e)).toEqual(['python3', 'moto_server', 'cfn-lint', 'aws-sam-translator']);
  expect(e.missing[1].problem).toBe('python3 not found on the PATH');
  expect(e.command).toBe(
    `sudo apt-get update && sudo apt-get install -y python3 python3-venv && python3 -m venv ${VENV} && ` +
      `${VENV_PYTHON} -m pip install ${PY_SPECS}`,
  );
});

test('npm start needs python3 and moto_server only', async () => {
  const machine = FakeMachine.complete();
  for (const f of ['/usr/bin/skopeo', '/usr/bin/docker-registry', '/usr/bin/openssl']) machine.files.delete(f);
  machine.system = {
    version: '3.11.2',
    venv: true,
    packages: { ...structuredClone(EMPTY_PYTHON), moto: { version: '5.2.1', missing: [] } },
  };
  await expect(setUp('start', { host: machine, log: () => undefined, venvDir: VENV })).resolves.toHaveLength(2);
  machine.system.packages.moto = { version: null, missing: ['moto'] };
  const e = await failure(machine, 'start');
  expect(names(e)).toEqual(['moto_server']);
  expect(e.message.split('\n')[0]).toBe('Cloud Cron set-up: `npm start` needs a tool this machine lacks:');
});

test('check only: installs nothing even as root, and says how to install', async () => {
  const machine = FakeMachine.complete();
  machine.isRoot = true;
  machine.index = true;
  machine.files.delete('/usr/bin/openssl');
  const e = await failure(machine, 'test', false);
  expect(machine.executed).toEqual([]);
  expect(e.message).toContain('this run only checks (`npm run setup` installs what it can)');
  expect(e.command).toBe('apt-get update && apt-get install -y openssl');
});

test('a row without a package is named as one to install by hand', () => {
  const row = { name: 'widget', role: 'a tool nobody packages', purposes: ['test' as const] };
  const plan = planFor([{ requirement: { ...row, find: { kind: 'command', command: 'widget' } }, ok: false }], {
    venvExists: false,
  });
  expect(plan).toMatchObject({ apt: [], pip: [], venv: false });
  expect(plan.byHand.map((f) => f.requirement.name)).toEqual(['widget']);
  expect(installCommand(plan, { root: true })).toBeUndefined();
});

test('which finds an executable on the PATH as the shell does, skipping files that are not executable', () => {
  const dir = tempDir('cloudcron-path-');
  const first = join(dir, 'a');
  const second = join(dir, 'b');
  mkdirSync(first);
  mkdirSync(second);
  writeFileSync(join(first, 'tool'), '#!/bin/sh\n');
  writeFileSync(join(second, 'tool'), '#!/bin/sh\n');
  chmodSync(join(second, 'tool'), 0o755);
  expect(which('tool', `${first}:${second}`, isExecutableFile)).toBe(join(second, 'tool'));
  expect(which('tool', first, isExecutableFile)).toBeUndefined();
  expect(which(join(second, 'tool'), '', isExecutableFile)).toBe(join(second, 'tool'));
});

test("the Python probe, run on this machine's python3: versions without imports, absent distributions as null", () => {
  const probe = {
    path: process.env.PATH ?? '',
    python: () => 'python3',
    isExecutable: isExecutableFile,
    run: (command: string, args: string[]) => {
      const res = spawnSync(command, args, { encoding: 'utf8' });
      return { status: res.status, stdout: res.stdout, stderr: res.stderr };
    },
  };
  const facts: PythonFacts = probePython(probe, { pip: ['pip'], 'no-such-distribution-cc': ['no_such_module_cc'] });
  expect(facts.problem).toBeUndefined();
  expect(facts.version).toMatch(/^3\.\d+\.\d+$/);
  expect(facts.packages['no-such-distribution-cc']).toEqual({ version: null, missing: ['no_such_module_cc'] });
  expect(facts.packages.pip.version).toMatch(/^\d+\./);
  expect(check(REQUIREMENTS.slice(0, 1), probe).findings[0]).toMatchObject({ ok: true });
});

test('compareVersions compares numerically', () => {
  expect(compareVersions('1.10', '1.9')).toBeGreaterThan(0);
  expect(compareVersions('3.11.2', '3.11')).toBeGreaterThan(0);
  expect(compareVersions('3.10.12', '3.11')).toBeLessThan(0);
  expect(compareVersions('1.6', '1.6.0')).toBe(0);
});

test('moto_server that cannot be spawned is a MotoStartError that says what to run, not an unhandled error', async () => {
  const python = join(tempDir('cloudcron-no-python-'), 'python3');
  const result = await startMoto('us-east-1', { python }).catch((e: unknown) => e);
  if (!(result instanceof Error)) await (result as Moto).stop();
  expect(result).toBeInstanceOf(MotoStartError);
  expect((result as Error).message).toBe(
    `moto_server could not be started: spawn ${python} ENOENT; run \`npm run setup\`, which installs or names what is missing`,
  );
});
