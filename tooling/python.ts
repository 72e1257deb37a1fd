/**
 * The project's Python: `.venv/bin/python` once the set-up has made that environment (tooling/setup.ts), else
 * `python3` on the PATH. moto_server, cfn-lint and the SAM translator all run through it, so the interpreter the
 * set-up checked is the one that runs them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, VENV } from './paths';

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

/**
 * `moto_server ARGS` through the project's Python (or the interpreter given), by tooling/moto_server.py: moto's own
 * server with its DynamoDB requests served one at a time, so a conditional write is atomic as on DynamoDB (moto's
 * threaded server can let two concurrent conditional puts of one key both succeed; that file says more).
 */
export function motoServerCommand(args: string[], python = projectPython()): [string, string[]] {
  return [python, [join(ROOT, 'tooling', 'moto_server.py'), ...args]];
}
