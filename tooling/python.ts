/**
 * The project's Python: `.venv/bin/python` once the set-up has made that environment (tooling/setup.ts), else
 * `python3` on the PATH. moto_server, cfn-lint and the SAM translator all run through it, so the interpreter the
 * set-up checked is the one that runs them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { VENV } from './paths';

/** The Python of the project's own environment, whether or not it exists yet. */
export const VENV_PYTHON = join(VENV, 'bin', 'python');

export function projectPython(): string {
  return existsSync(VENV_PYTHON) ? VENV_PYTHON : 'python3';
}

/** `cfn-lint ARGS` through the project's Python (what cfn-lint's own console script runs). */
export function cfnLintCommand(args: string[]): [string, string[]] {
  const main = 'import sys; from cfnlint.runner import main; sys.argv[0] = "cfn-lint"; sys.exit(main())';
  return [projectPython(), ['-c', main, ...args]];
}

/** `moto_server ARGS` through the project's Python (or the interpreter given). */
export function motoServerCommand(args: string[], python = projectPython()): [string, string[]] {
  return [python, ['-m', 'moto.server', ...args]];
}
