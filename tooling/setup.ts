/**
 * The project's set-up: checks the requirement table (tooling/requirements.ts) once, installs what is missing
 * where it can, and otherwise stops with one message that names every missing tool and the one command that
 * installs them all.
 *
 * - Debian/Ubuntu packages: `apt-get` when running as root and apt-get exists.
 * - Python packages: pip, into the project's own environment `.venv` (Debian's and Ubuntu's system Python refuses
 *   `pip install`, PEP 668), when the package index answers within a few seconds (PyPI, or PIP_INDEX_URL).
 *   A new `.venv` gets every Python row of the table: once it exists it is the project's Python.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { VENV } from './paths';
import { projectPython, VENV_PYTHON } from './python';
import {
  check,
  type Finding,
  isExecutableFile,
  type Probe,
  type Purpose,
  type PythonFacts,
  REQUIREMENTS,
  type Requirement,
  type RunResult,
  requirementsFor,
  which,
} from './requirements';

export class SetupError extends Error {
  override name = 'SetupError';
  constructor(
    message: string,
    readonly missing: Finding[],
    readonly command: string | undefined,
  ) {
    super(message);
  }
}

/** The machine as the set-up sees it and changes it: the probe plus what installing needs. */
export type Host = Probe & {
  isRoot: boolean;
  env: NodeJS.ProcessEnv;
  /** Runs an install step; its output goes to the terminal. */
  exec(command: string, args: string[], env?: NodeJS.ProcessEnv): RunResult;
  /** Whether the Python package index answers (any HTTP answer) within `timeoutMs`. */
  indexAnswers(url: string, timeoutMs: number): Promise<boolean>;
  /** Removes a directory the set-up made and could not finish. */
  remove(dir: string): void;
};

export const DEFAULT_INDEX = 'https://pypi.org/simple/';
const INDEX_TIMEOUT_MS = 3000;

/** The machine this process runs on. */
export function systemHost(env: NodeJS.ProcessEnv = process.env): Host {
  return {
    path: env.PATH ?? '',
    env,
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    python: projectPython,
    isExecutable: isExecutableFile,
    run(command, args) {
      const res = spawnSync(command, args, { encoding: 'utf8', env, timeout: 60000 });
      return { status: res.status, stdout: res.stdout ?? '', stderr: res.stderr ?? '', error: res.error?.message };
    },
    exec(command, args, extra = {}) {
      const res = spawnSync(command, args, {
        stdio: ['ignore', 'inherit', 'pipe'],
        encoding: 'utf8',
        env: { ...env, ...extra },
      });
      if (res.stderr) process.stderr.write(res.stderr);
      return { status: res.status, stdout: '', stderr: res.stderr ?? '', error: res.error?.message };
    },
    async indexAnswers(url, timeoutMs) {
      try {
        await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) });
        return true;
      } catch {
        return false;
      }
    },
    remove(dir) {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------------------------------- the plan

export type Plan = {
  /** Debian/Ubuntu packages to install. */
  apt: string[];
  /** Whether `.venv` must be made first. */
  venv: boolean;
  /** PyPI requirements to install into `.venv`. */
  pip: string[];
  /** Missing tools no package in the table provides. */
  byHand: Finding[];
};

export type PlanContext = {
  /** Whether the project's `.venv` exists. */
  venvExists: boolean;
  /** What the probe learnt of the project's Python (absent: none was looked at). */
  python?: PythonFacts;
  /** The whole table: a new `.venv` gets every Python row of it. */
  table?: readonly Requirement[];
};

export function planFor(missing: Finding[], ctx: PlanContext): Plan {
  const table = ctx.table ?? REQUIREMENTS;
  const apt = new Set<string>();
  const pipMissing: string[] = [];
  const byHand: Finding[] = [];
  for (const f of missing) {
    if (f.requirement.apt) apt.add(f.requirement.apt);
    else if (f.requirement.pip) pipMissing.push(f.requirement.pip);
    else byHand.push(f);
  }
  const venv = pipMissing.length > 0 && !ctx.venvExists;
  const pip = venv ? table.filter((r) => r.pip).map((r) => r.pip as string) : pipMissing;
  if (venv) {
    // Making the environment needs python3 and, on Debian and Ubuntu, its venv module (package python3-venv).
    const pythonMissing = missing.some((f) => f.requirement.find.kind === 'python');
    if (pythonMissing) {
      const python = table.find((r) => r.find.kind === 'python');
      if (python?.apt) apt.add(python.apt);
    }
    if (pythonMissing || ctx.python?.venv === false) apt.add('python3-venv');
  }
  return { apt: [...apt], venv, pip, byHand };
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The one shell command that carries out a plan. */
export function installCommand(plan: Plan, options: { root: boolean; venvDir?: string }): string | undefined {
  const venvDir = options.venvDir ?? VENV;
  const sudo = options.root ? '' : 'sudo ';
  const parts: string[] = [];
  if (plan.apt.length > 0) {
    parts.push(`${sudo}apt-get update`, `${sudo}apt-get install -y ${plan.apt.join(' ')}`);
  }
  if (plan.venv) parts.push(`python3 -m venv ${shellQuote(venvDir)}`);
  if (plan.pip.length > 0) {
    parts.push(`${shellQuote(`${venvDir}/bin/python`)} -m pip install ${plan.pip.map(shellQuote).join(' ')}`);
  }
  return parts.length > 0 ? parts.join(' && ') : undefined;
}

/** The message for what is still missing: every tool, why, what was not tried and the one command. */
export function missingMessage(
  /** Who needs them, with the verb: "`npm test` needs". */
  forWhat: string,
  missing: Finding[],
  plan: Plan,
  options: { root: boolean; venvDir?: string; notInstalled: string[]; rerun: string },
): string {
  const venvDir = options.venvDir ?? VENV;
  const n = missing.length;
  const width = Math.max(...missing.map((f) => f.requirement.name.length));
  const lines = [
    `Cloud Cron set-up: ${forWhat} ${n === 1 ? 'a tool' : `${n} tools`} this machine lacks:`,
    ...missing.map((f) => `  ${f.requirement.name.padEnd(width)}  ${f.requirement.role}: ${f.problem}`),
  ];
  if (options.notInstalled.length > 0) lines.push(`Not installed here: ${options.notInstalled.join('; ')}.`);
  const command = installCommand(plan, { root: options.root, venvDir });
  if (command) {
    lines.push(`Install ${n === 1 ? 'it' : 'them all'} with this one command, then run ${options.rerun} again:`);
    lines.push(`  ${command}`);
    if (plan.pip.length > 0) {
      lines.push(
        `(Python packages go into the project's own environment ${venvDir}, which the tests and npm start use;` +
          ' set PIP_INDEX_URL for a package index other than PyPI.)',
      );
    }
  }
  for (const f of plan.byHand) lines.push(`Install ${f.requirement.name} by hand: ${f.requirement.role}.`);
  return lines.join('\n');
}

// ------------------------------------------------------------------------------------------- the run

export type SetupOptions = {
  /** Install what is missing where possible (default); false only checks. */
  install?: boolean;
  host?: Host;
  /** Progress lines (default: stdout). */
  log?: (line: string) => void;
  /** The command the message tells the user to run again (default: from the purpose). */
  rerun?: string;
  /** Who needs the tools, with the verb (default: from the purpose, "`npm test` needs"). */
  needs?: string;
  /** The requirements (default: those of the purpose in the table). */
  requirements?: readonly Requirement[];
  table?: readonly Requirement[];
  venvDir?: string;
};

const NEEDS: Record<Purpose | 'all', string> = {
  test: '`npm test` needs',
  start: '`npm start` needs',
  all: 'the tests and `npm start` need',
};

function summary(findings: Finding[]): string {
  return findings.map((f) => (f.version ? `${f.requirement.name} ${f.version}` : f.requirement.name)).join(', ');
}

/**
 * Checks what `purpose` needs; installs what is missing where it can; throws a SetupError naming everything
 * still missing. Returns the findings when everything is there.
 */
export async function setUp(purpose: Purpose | 'all', options: SetupOptions = {}): Promise<Finding[]> {
  const host = options.host ?? systemHost();
  const log = options.log ?? ((line: string) => console.log(line));
  const table = options.table ?? REQUIREMENTS;
  const venvDir = options.venvDir ?? VENV;
  const venvPython = options.venvDir ? `${options.venvDir}/bin/python` : VENV_PYTHON;
  const requirements = options.requirements ?? (purpose === 'all' ? [...table] : requirementsFor(purpose, table));
  const rerun =
    options.rerun ?? (purpose === 'start' ? '`npm start`' : purpose === 'test' ? '`npm test`' : '`npm run setup`');
  const venvExists = () => host.isExecutable(venvPython);

  let result = check(requirements, host);
  let missing = result.findings.filter((f) => !f.ok);
  if (missing.length === 0) {
    log(`set-up: found ${summary(result.findings)}`);
    return result.findings;
  }

  const notInstalled: string[] = [];
  if (options.install === false) {
    notInstalled.push('this run only checks (`npm run setup` installs what it can)');
  } else {
    const plan = planFor(missing, { venvExists: venvExists(), python: result.python, table });
    const installed = plan.apt.length > 0 ? installApt(plan.apt, host, log, notInstalled) : [];
    if (plan.pip.length > 0 && (await installPip(plan, host, log, notInstalled, { venvDir, venvPython }))) {
      installed.push(...plan.pip);
    }
    result = check(requirements, host);
    missing = result.findings.filter((f) => !f.ok);
    if (missing.length === 0) {
      log(`set-up: installed what was missing; found ${summary(result.findings)}`);
      return result.findings;
    }
    const ranInVain = missing.filter((f) => installed.some((p) => p === f.requirement.apt || p === f.requirement.pip));
    if (ranInVain.length > 0) {
      const which = ranInVain.map((f) => f.requirement.name).join(', ');
      notInstalled.push(`the installs ran, yet ${which} ${ranInVain.length === 1 ? 'is' : 'are'} still not as needed`);
    }
  }
  const plan = planFor(missing, { venvExists: venvExists(), python: result.python, table });
  const command = installCommand(plan, { root: host.isRoot, venvDir });
  throw new SetupError(
    missingMessage(options.needs ?? NEEDS[purpose], missing, plan, { root: host.isRoot, venvDir, notInstalled, rerun }),
    missing,
    command,
  );
}

function installApt(packages: string[], host: Host, log: (line: string) => void, notInstalled: string[]): string[] {
  if (!host.isRoot) {
    notInstalled.push('apt-get needs root');
    return [];
  }
  const aptGet = which('apt-get', host.path, (f) => host.isExecutable(f));
  if (!aptGet) {
    notInstalled.push('this machine has no apt-get (the names are Debian/Ubuntu packages)');
    return [];
  }
  log(`set-up: apt-get install ${packages.join(' ')}`);
  const update = host.exec(aptGet, ['update', '-qq']);
  if (update.status !== 0) {
    notInstalled.push(`apt-get update failed (${update.error ?? `exit ${update.status}`})`);
    return [];
  }
  // apt-get install installs nothing when one name is unknown: leave out the ones apt has no candidate for.
  const known = packages.filter((p) => /Candidate: (?!\(none\))\S+/.test(host.run('apt-cache', ['policy', p]).stdout));
  const unknown = packages.filter((p) => !known.includes(p));
  if (unknown.length > 0) notInstalled.push(`apt has no package ${unknown.join(', ')}`);
  if (known.length === 0) return [];
  const res = host.exec(aptGet, ['install', '-y', '-qq', '--no-install-recommends', ...known], {
    DEBIAN_FRONTEND: 'noninteractive',
  });
  if (res.status !== 0) {
    notInstalled.push(`apt-get install failed (${res.error ?? `exit ${res.status}`})`);
    return [];
  }
  return known;
}

async function installPip(
  plan: Plan,
  host: Host,
  log: (line: string) => void,
  notInstalled: string[],
  paths: { venvDir: string; venvPython: string },
): Promise<boolean> {
  const index = host.env.PIP_INDEX_URL || DEFAULT_INDEX;
  if (!(await host.indexAnswers(index, INDEX_TIMEOUT_MS))) {
    notInstalled.push(`the Python package index ${index} did not answer within ${INDEX_TIMEOUT_MS / 1000} s`);
    return false;
  }
  let made = false;
  if (plan.venv) {
    const python3 = which('python3', host.path, (f) => host.isExecutable(f));
    if (!python3) {
      notInstalled.push('no python3 to make the environment with');
      return false;
    }
    log(`set-up: python3 -m venv ${paths.venvDir}`);
    const res = host.exec(python3, ['-m', 'venv', paths.venvDir]);
    if (res.status !== 0) {
      host.remove(paths.venvDir);
      notInstalled.push(`python3 -m venv failed (${res.error ?? `exit ${res.status}`})`);
      return false;
    }
    made = true;
  }
  log(`set-up: pip install ${plan.pip.join(' ')} (into ${paths.venvDir})`);
  const res = host.exec(paths.venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', ...plan.pip]);
  if (res.status !== 0) {
    // A half-made environment would hide the packages python3 has: leave the machine as it was.
    if (made) host.remove(paths.venvDir);
    notInstalled.push(`pip install failed (${res.error ?? `exit ${res.status}`})`);
    return false;
  }
  return true;
}
