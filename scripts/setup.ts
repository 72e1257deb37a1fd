/**
 * `npm run setup`: checks what Cloud Cron's tests and `npm start` need beyond npm packages, installs what is missing
 * where it can, and otherwise names every missing tool with the one command that installs them all.
 * `npm test` runs it first (`--for test`); `npm start` makes the same check for what it needs.
 */
import { REQUIREMENTS } from '../tooling/requirements';
import { SetupError, setUp } from '../tooling/setup';

const USAGE = `Usage: npm run setup [-- --for test|start] [-- --check]

Checks what Cloud Cron's tests and npm start need beyond npm packages and installs what is missing:
Debian/Ubuntu packages with apt-get (when run as root), Python packages with pip into the project's .venv (when
the package index answers: PyPI, or PIP_INDEX_URL). What it cannot install, it names, with one command for all.

Options:
  --for test|start   only what \`npm test\` or \`npm start\` needs (default: both)
  --check            check only, install nothing
  -h, --help         this help

What it looks for:
${REQUIREMENTS.map((r) => `  ${r.name.padEnd(20)} ${r.role}`).join('\n')}`;

type Options = { purpose: 'test' | 'start' | 'all'; install: boolean };

class UsageError extends Error {
  override name = 'UsageError';
}

function parseOptions(argv: string[]): Options | undefined {
  const o: Options = { purpose: 'all', install: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help' || a === 'help') return undefined;
    if (a === '--check') o.install = false;
    else if (a === '--for') {
      const v = argv[++i];
      if (v !== 'test' && v !== 'start') throw new UsageError(`--for needs test or start, not ${v ?? 'nothing'}`);
      o.purpose = v;
    } else throw new UsageError(`unknown option ${a}`);
  }
  return o;
}

if (require.main === module) {
  let opts: Options | undefined;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (!opts) {
    console.log(USAGE);
    process.exit(0);
  }
  setUp(opts.purpose, { install: opts.install }).then(
    () => process.exit(0),
    (e: Error) => {
      console.error(e instanceof SetupError ? `\n${e.message}\n` : `\nset-up failed: ${e.message}\n`);
      process.exit(1);
    },
  );
}
