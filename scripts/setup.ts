/**
 * `npm run setup`: checks what Cloud Cron's tests and `npm start` need beyond npm packages, installs what is missing
 * where it can, and otherwise names every missing tool with the one command that installs them all.
 * `npm test` runs it first (`--for test`); `npm start` makes the same check for what it needs.
 */
import { defineCommand, exitWith, runCommand } from '../cli/args';
import { REQUIREMENTS } from '../tooling/requirements';
import { SetupError, setUp } from '../tooling/setup';

export const command = defineCommand({
  name: 'npm run setup --',
  summary:
    "Checks what Cloud Cron's tests and npm start need beyond npm packages and installs what is missing:\nDebian/Ubuntu packages with apt-get (when run as root), Python packages with pip into the project's .venv (when\nthe package index answers: PyPI, or PIP_INDEX_URL). What it cannot install, it names, with one command for all.",
  flags: {
    for: {
      value: 'test|start',
      choices: ['test', 'start'],
      description: 'only what `npm test` or `npm start` needs (default: both)',
    },
    check: { description: 'check only, install nothing' },
  },
  notes: ['what it looks for:', ...REQUIREMENTS.map((r) => `  ${r.name.padEnd(20)} ${r.role}`)],
  examples: ['npm run setup', 'npm run setup -- --for test --check'],
});

if (require.main === module) {
  exitWith(
    runCommand(command, process.argv.slice(2), async ({ flags }, { err }) => {
      try {
        await setUp(flags.for ?? 'all', { install: !flags.check });
        return 0;
      } catch (e) {
        err(e instanceof SetupError ? `\n${e.message}\n` : `\nset-up failed: ${(e as Error).message}\n`);
        return 1;
      }
    }),
    'npm run setup',
  );
}
