/**
 * Every command the README and the docs show runs as written. Each one is extracted from the Markdown and split as
 * the shell splits it, then:
 *   - the ones that run here are run, from the folder the page runs them in, and must exit 0 (`npx cloud-cron ...`,
 *     `npm run readme -- --check`, every `--help`, ...);
 *   - the ones that need an AWS account, Docker or minutes of work are listed below with the reason, and checked as
 *     far as they can be without running: the files, templates, config-envs, functions and events they name exist,
 *     every flag they pass is in the command's --help, and every `sam deploy --parameter-overrides` value survives
 *     the SAM CLI's parser whole and satisfies the template's constraints.
 * A command that is neither is a failure: a new command in the docs must be run or listed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { COMMANDS } from '../../cli/main';
import { APPS } from '../../tooling/apps';
import { loadTemplate, type Template } from '../../tooling/cfn-yaml';
import { type DocCommand, docCommands } from '../../tooling/doc-commands';
import { ROOT } from '../../tooling/paths';
import { parameterProblem } from '../../tooling/template-params';

const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  bin: Record<string, string>;
};

const DOCS = [
  'README.md',
  ...APPS.map((a) => a.docs),
  'docs/benchmarks.md',
  'examples/README.md',
  'examples/parent/README.md',
  'examples/templates/README.md',
  'examples/terraform/README.md',
  'terraform/README.md',
  'packages/job/README.md',
];
/** examples/parent/README.md deploys "from this folder". */
const commands = docCommands(DOCS, (f) => (f === 'examples/parent/README.md' ? 'examples/parent' : ''));
const simple = commands.flatMap((c) => c.commands.map((argv) => ({ doc: c, argv: unwrap(argv) })));
const where = (d: DocCommand) => `${d.file}:${d.line}`;

/** `fn=$(aws ... text)` is the aws command inside. */
function unwrap(argv: string[]): string[] {
  const m = /^\w+=\$\((.*)$/.exec(argv[0] ?? '');
  if (!m) return argv;
  const rest = [m[1], ...argv.slice(1)];
  rest[rest.length - 1] = rest[rest.length - 1].replace(/\)$/, '');
  return rest;
}

/** A word standing for a value to fill in: <name>, a ... elision, a [--flag] synopsis, or a one-letter stand-in. */
const placeholder = (w: string) => /<[^>]+>|\.\.\.|^\[|\]$|^[A-Z]$/.test(w);

/** Commands that do not run here, and why; each is still checked by `check` below. */
const NOT_RUN: [RegExp, string][] = [
  [/^sam /, 'needs the SAM CLI and an AWS account (not on this machine); checked: files, config-envs, overrides'],
  [/^aws /, 'needs an AWS account; checked: the files it names'],
  [/^docker |^curl /, 'needs a Docker engine (not on this machine) or a running container; checked: files it names'],
  [/^sha256sum/, 'part of the line before it'],
  [/^npm (ci|install)\b/, 'installs the dependencies: what CI does first (.ci/run)'],
  [/^npm test$/, 'the test suite itself'],
  [/^npm start$/, 'run end to end by tests/integration/start/start.test.ts'],
  [
    /^npm start -- --task$/,
    'the task mode: tests/integration/start/start.test.ts runs it end to end; checked: its flags',
  ],
  [
    /^npm start -- --from /,
    'npm start over simulated time: tests/integration/start/start.test.ts runs that mode end to end; checked: its flags',
  ],
  [
    /^npm start -- --jobs /,
    'npm start with the Jobs app: tests/integration/jobs/start.test.ts runs that mode end to end; checked: its flags',
  ],
  [
    /^npx cloud-cron jobs (apply|list|get|rm|pause|resume|run)\b/,
    "writes or reads the Jobs app's table in an AWS account; tests/integration/jobs/cli.test.ts runs them against moto_server",
  ],
  [
    /^npx cloud-cron (runs|status|run)\b/,
    "reads the Runs app's ledger in an AWS account; tests/integration/runs/cli.test.ts runs them against moto_server",
  ],
  [
    /^npx cloud-cron dashboard\b/,
    "serves the dashboard until Ctrl-C, on an AWS account's Runs and Jobs apps; tests/integration/dashboard runs it against moto_server",
  ],
  [
    /^npm start -- --dashboard$/,
    'keeps the demo and its dashboard running until Ctrl-C: tests/integration/dashboard/browser.test.ts drives it in chromium',
  ],
  [
    /^npm run build:dashboard$/,
    "rewrites the dashboard's shipped bundle; tests/unit/dashboard/bundle.test.ts fails while it is stale",
  ],
  [/^echo /, 'prints the exit code of the command before it'],
  [/^npm run bench\b/, 'minutes of measurements, run by hand (docs/benchmarks.md); its --help runs here'],
  [/^npx tsx bench\//, 'a benchmark of its own (minutes); checked: the file exists'],
  [/^npm run (package|release)\b/, 'needs an S3 bucket (tests/integration/publish runs the library against moto)'],
  [/^npm run readme$/, 'rewrites the docs; `npm run readme -- --check` runs here instead'],
  [/^npm run terraform$/, 'rewrites terraform/modules/; `npm run terraform -- --check` runs here instead'],
  [
    /^terraform\b/,
    'needs Terraform and an AWS account (not on this machine); tests/templates/terraform.test.ts parses and checks every module and examples/terraform without it; checked: the folder it runs in',
  ],
  [/^npx jest\b/, 'part of npm test (jest.config.js roots: tests/ and packages/); checked: the paths exist'],
  [/^cp /, 'copies a sample file to fill in (examples/terraform); checked: the sample exists'],
  [/^npm run lock:platforms$/, 'rewrites package-lock.json; tests/unit/tooling/lock-platforms.test.ts checks it'],
  [/^npx prism mock /, 'a long-running mock server (tests/integration/sms/contract.test.ts starts it)'],
  [/^cd /, 'moves the folder the next commands run in (followed); checked: the folder exists'],
];

/** How a runnable command is run: `npx cloud-cron` is the package's bin, `npm run X` its script. */
function runnable(argv: string[]): string[] | undefined {
  if (argv.some(placeholder) || NOT_RUN.some(([re]) => re.test(argv.join(' ')))) return undefined;
  const [cmd, ...rest] = argv;
  if (cmd === 'npx' && rest[0] === 'cloud-cron') return [join(ROOT, pkg.bin['cloud-cron']), ...rest.slice(1)];
  const script = npmScript(argv);
  if (!script) return undefined;
  // The set-up only checks on a machine that has the tools (npm test ran it first), and installs what is missing.
  const runs =
    (['readme', 'terraform'].includes(script.name) && script.args.join(' ') === '--check') || script.name === 'setup';
  const help = script.args.includes('--help') || script.args.includes('-h');
  const build = script.name === 'build';
  if (!runs && !help && !build) return undefined;
  const m = /^tsx (\S+)$/.exec(pkg.scripts[script.name] ?? '');
  return m ? [TSX, m[1], ...script.args] : undefined;
}

function npmScript(argv: string[]): { name: string; args: string[] } | undefined {
  const [cmd, sub, name, ...rest] = argv;
  if (cmd !== 'npm') return undefined;
  if (sub === 'start') return { name: 'start', args: argv.slice(2).filter((a, i) => !(i === 0 && a === '--')) };
  if (sub !== 'run' || !name) return undefined;
  return { name, args: rest[0] === '--' ? rest.slice(1) : rest };
}

function exec(argv: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, { cwd: join(ROOT, cwd), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const helpCache = new Map<string, Promise<string>>();
/** The --help text of an npm script or a cloud-cron command. */
function helpOf(argv: string[]): Promise<string> {
  const script = npmScript(argv);
  let key: string[];
  if (script) {
    const m = /^tsx (\S+)$/.exec(pkg.scripts[script.name] ?? '');
    if (!m) return Promise.resolve('');
    key = [TSX, m[1], '--help'];
  } else {
    const words = argv.slice(2).filter((w) => !w.startsWith('-'));
    // The longest command of the table the words start with (`preview email`, `jobs apply`, `schedule`).
    const path =
      COMMANDS.map((c) => c.path.split(' '))
        .filter((p) => p.every((w, i) => words[i] === w))
        .sort((a, b) => b.length - a.length)[0] ?? words.slice(0, 1);
    key = [join(ROOT, pkg.bin['cloud-cron']), ...path, '--help'];
  }
  const id = key.join(' ');
  if (!helpCache.has(id))
    helpCache.set(
      id,
      exec(key, '').then((r) => (r.code === 0 ? r.out : `FAILED ${r.err}`)),
    );
  return helpCache.get(id)!;
}

/**
 * What the SAM CLI makes of one --parameter-overrides word (as the shell passed it), modelled on its documented
 * behaviour: pairs ` Name=value`, the value a double- or single-quoted string (backslash escapes) or a run of
 * characters other than space, `"` and backslash. Text outside every pair is silently lost.
 */
function samOverrides(word: string): { pairs: [string, string][]; lost: string } {
  const text = ` ${word.trim()}`;
  const pair = / ([A-Za-z0-9"']+)=("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|(?:\\.|[^ "\\])+)/g;
  const pairs: [string, string][] = [];
  const gaps: string[] = [];
  let end = 0;
  const unquote = (v: string) =>
    (/^(["']).*\1$/s.test(v) ? v.slice(1, -1) : v).replace(/\\ /g, ' ').replace(/\\"/g, '"').replace(/\\'/g, "'");
  for (const m of text.matchAll(pair)) {
    gaps.push(text.slice(end, m.index));
    end = (m.index ?? 0) + m[0].length;
    pairs.push([unquote(m[1]), unquote(m[2])]);
  }
  gaps.push(text.slice(end));
  return { pairs, lost: gaps.join(' ').trim() };
}

/** A folder with a Terraform configuration (a .tf file), or a folder of modules that each have one. */
function holdsTerraform(dir: string): boolean {
  const at = join(ROOT, dir);
  if (!existsSync(at)) return false;
  const entries = readdirSync(at, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && e.name.endsWith('.tf'))) return true;
  const modules = join(at, 'modules');
  return existsSync(modules) && readdirSync(modules).some((m) => existsSync(join(modules, m, 'versions.tf')));
}

const exists = (cwd: string, p: string) => existsSync(join(ROOT, cwd, p)) || existsSync(join(ROOT, p));
const optionValue = (argv: string[], flag: string) => {
  const i = argv.indexOf(flag);
  return i < 0 ? undefined : argv[i + 1];
};

/** The static problems of one simple command (files, templates, config-envs, flags, overrides). */
async function check(doc: DocCommand, argv: string[], lastBuilt: Map<string, string>): Promise<string[]> {
  const problems: string[] = [];
  const at = `${where(doc)} ${argv.join(' ')}`;
  const [cmd, sub] = argv;
  if (cmd === 'cd' && !existsSync(join(ROOT, doc.cwd))) problems.push(`${at}: no folder ${doc.cwd}`);
  if (cmd === 'cp' && argv[1] && !placeholder(argv[1]) && !existsSync(join(ROOT, doc.cwd, argv[1])))
    problems.push(`${at}: ${argv[1]} does not exist (from ${doc.cwd || '.'})`);
  if (cmd === 'terraform' && ![doc.cwd, dirname(doc.file)].some(holdsTerraform))
    problems.push(`${at}: no Terraform configuration in ${doc.cwd || dirname(doc.file)}`);
  if (cmd === 'npx' && argv[1] === 'jest')
    for (const p of argv.slice(2).filter((w) => !w.startsWith('-')))
      if (!existsSync(join(ROOT, doc.cwd, p))) problems.push(`${at}: no ${p}`);
  // file://x (aws) and @x (curl) name files; npm's @scope/name is a package.
  for (const w of cmd === 'npm' ? [] : argv) {
    const file = /^(?:file:\/\/|@)(.+)$/.exec(w)?.[1];
    if (file && !placeholder(file) && !existsSync(join(ROOT, doc.cwd, file)))
      problems.push(`${at}: ${file} does not exist (from ${doc.cwd || '.'})`);
  }
  if (cmd === 'npx' && argv[1] === 'tsx' && !existsSync(join(ROOT, argv[2]))) problems.push(`${at}: no ${argv[2]}`);
  if (cmd === 'npx' && argv[1] === 'prism' && !existsSync(join(ROOT, 'node_modules', '.bin', 'prism')))
    problems.push(`${at}: prism is not installed`);
  if (cmd === 'npm' && ['run', 'start'].includes(sub)) {
    const script = npmScript(argv);
    if (!script || !(script.name in pkg.scripts)) problems.push(`${at}: package.json has no script ${argv[2]}`);
  }
  if ((cmd === 'npx' && argv[1] === 'cloud-cron') || npmScript(argv)) {
    const flags = argv
      .filter((w) => /^-{1,2}[a-z]/.test(w.replace(/^\[/, '')))
      .map((w) => w.replace(/^\[/, '').split('=')[0]);
    if (flags.length > 0) {
      const help = await helpOf(argv);
      for (const f of flags)
        if (!new RegExp(`(^|[\\s,])${f}\\b`).test(help)) problems.push(`${at}: ${f} is not in its --help`);
    }
  }
  if (cmd === 'sam') {
    const samconfig = readFileSync(join(ROOT, doc.cwd, 'samconfig.toml'), 'utf8');
    const env = optionValue(argv, '--config-env');
    if (env && !new RegExp(`^\\[${env}\\.deploy\\.parameters\\]`, 'm').test(samconfig))
      problems.push(`${at}: samconfig.toml has no config-env ${env}`);
    const t = optionValue(argv, '-t') ?? optionValue(argv, '--template-file');
    if (t && t !== '.aws-sam/build/template.yaml' && !exists(doc.cwd, t)) problems.push(`${at}: no template ${t}`);
    if (sub === 'build' && t) lastBuilt.set(`${doc.file}\0${doc.cwd}`, t);
    if (sub === 'local') {
      const event = optionValue(argv, '-e');
      if (event && !exists(doc.cwd, event)) problems.push(`${at}: no event ${event}`);
      const fn = argv[3] && !argv[3].startsWith('-') ? argv[3] : undefined;
      if (!t || !fn)
        problems.push(`${at}: sam local invoke needs the function and -t (the repository has no template.yaml)`);
      else if (!loadTemplate(join(ROOT, t)).Resources[fn]) problems.push(`${at}: ${t} has no resource ${fn}`);
    }
    const at2 = argv.indexOf('--parameter-overrides');
    if (at2 >= 0) {
      const file =
        (t && t !== '.aws-sam/build/template.yaml' ? t : undefined) ??
        APPS.find((a) => a.id === env)?.template ??
        lastBuilt.get(`${doc.file}\0${doc.cwd}`) ??
        (existsSync(join(ROOT, doc.cwd, 'template.yaml')) ? join(doc.cwd, 'template.yaml') : undefined);
      const template: Template | undefined = file ? loadTemplate(join(ROOT, file)) : undefined;
      if (!template) problems.push(`${at}: cannot tell which template it deploys`);
      for (const word of argv.slice(at2 + 1)) {
        if (word.startsWith('--')) break;
        const { pairs, lost } = samOverrides(word);
        if (lost) problems.push(`${where(doc)}: the SAM CLI drops "${lost}" of ${word}`);
        if (!/^[A-Za-z0-9]+="/.test(word)) problems.push(`${where(doc)}: quote the value as 'Name="value"': ${word}`);
        for (const [name, value] of pairs) {
          const p = template?.Parameters?.[name];
          if (!p) problems.push(`${where(doc)}: ${file} has no parameter ${name}`);
          else if (!value.includes('...')) {
            const problem = parameterProblem(p, value);
            if (problem) problems.push(`${where(doc)}: ${name}=${value} ${problem}`);
          }
        }
      }
    }
  }
  return problems;
}

test('the docs show commands, and the shell can read every one of them', () => {
  expect(simple.length).toBeGreaterThan(60);
  expect(commands.filter((c) => c.error).map((c) => `${where(c)}: ${c.error}: ${c.text}`)).toEqual([]);
});

test('every command is either run here or listed with the reason it is not', () => {
  const unknown = simple.filter(({ argv }) => !runnable(argv) && !NOT_RUN.some(([re]) => re.test(argv.join(' '))));
  const placeholders = unknown.filter(({ argv }) => argv.some(placeholder) && argv[0] === 'npx');
  // `npx cloud-cron ... <file>` with a placeholder cannot run; its command and flags are checked below.
  expect(
    unknown.filter((u) => !placeholders.includes(u)).map(({ doc, argv }) => `${where(doc)}: ${argv.join(' ')}`),
  ).toEqual([]);
});

test('what they name exists, their flags are in the --help, and every parameter override survives the SAM CLI', async () => {
  const lastBuilt = new Map<string, string>();
  const problems: string[] = [];
  for (const { doc, argv } of simple) problems.push(...(await check(doc, argv, lastBuilt)));
  expect(problems).toEqual([]);
}, 120_000);

test('the ones that run here run as written and exit 0', async () => {
  const runs = new Map<string, { argv: string[]; cwd: string; at: string }>();
  for (const { doc, argv } of simple) {
    const run = runnable(argv);
    if (run)
      runs.set(`${doc.cwd}\0${run.join('\0')}`, { argv: run, cwd: doc.cwd, at: `${where(doc)} ${argv.join(' ')}` });
  }
  expect(runs.size).toBeGreaterThan(9);
  const failures: string[] = [];
  const queue = [...runs.values()];
  // Two at a time: the machine has two cores.
  await Promise.all(
    [0, 1].map(async () => {
      for (let r = queue.shift(); r; r = queue.shift()) {
        const result = await exec(r.argv, r.cwd);
        if (result.code !== 0) failures.push(`${r.at}: exit ${result.code}\n${result.err.slice(0, 600)}`);
      }
    }),
  );
  expect(failures).toEqual([]);
}, 240_000);

test('the SAM CLI parser model keeps quoted values whole and loses what the SAM CLI loses', () => {
  expect(samOverrides('ScheduleExpression="cron(0 7 ? * MON-FRI *)"')).toEqual({
    pairs: [['ScheduleExpression', 'cron(0 7 ? * MON-FRI *)']],
    lost: '',
  });
  expect(samOverrides('SchedulePayload="{\\"a\\":1}"').pairs).toEqual([['SchedulePayload', '{"a":1}']]);
  // What the shell leaves of ScheduleExpression='cron(0 7 ? * MON-FRI *)': the value ends at the first space.
  expect(samOverrides('ScheduleExpression=cron(0 7 ? * MON-FRI *)')).toEqual({
    pairs: [['ScheduleExpression', 'cron(0']],
    lost: '7 ? * MON-FRI *)',
  });
  expect(samOverrides('A=x B=y').pairs).toEqual([
    ['A', 'x'],
    ['B', 'y'],
  ]);
});

test('every cloud-cron command and npm script follows the convention: --help, help, --version, exit 2 on a mistake', async () => {
  const bin = join(ROOT, pkg.bin['cloud-cron']);
  // Every npm script that is a command of ours (`tsx <file>`): a script added to package.json is checked here too.
  const ours = Object.entries(pkg.scripts).flatMap(([name, line]) => {
    const m = /^tsx (\S+)$/.exec(line);
    return m ? [{ name, file: m[1] }] : [];
  });
  expect(ours.map((s) => s.name)).toEqual(
    expect.arrayContaining([
      'start',
      'readme',
      'package',
      'release',
      'bench',
      'build',
      'lock:platforms',
      'setup',
      'terraform',
    ]),
  );
  const scripts = ours.map((s) => [TSX, s.file]);
  // Every command of the table (cli/main.ts): a command added there is checked here without a line more.
  const programs = [[bin], ...COMMANDS.map((c) => [bin, ...c.path.split(' ')]), ...scripts];
  const problems: string[] = [];
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const checks = programs.flatMap((p) => {
    const name = p.slice(1).join(' ') || 'cloud-cron';
    return [
      ...[['--help'], ['-h'], ['help']].map((help) => async () => {
        const r = await exec([...p, ...help], '');
        if (r.code !== 0 || !r.out.startsWith('usage: ') || r.err !== '')
          problems.push(`${name} ${help}: exit ${r.code}, ${r.err}`);
      }),
      async () => {
        const v = await exec([...p, '--version'], '');
        if (v.code !== 0 || v.out.trim() !== `cloud-cron ${version}`)
          problems.push(`${name} --version: ${v.out}${v.err}`);
      },
      async () => {
        const bad = await exec([...p, '--no-such-flag'], '');
        if (bad.code !== 2 || !bad.err.includes('--no-such-flag') || bad.out !== '')
          problems.push(`${name} --no-such-flag: exit ${bad.code}, ${bad.err.split('\n')[0]}`);
      },
    ];
  });
  // Two at a time: the machine has two cores.
  await Promise.all(
    [0, 1].map(async () => {
      for (let c = checks.shift(); c; c = checks.shift()) await c();
    }),
  );
  const unknown = await exec([bin, 'frobnicate'], '');
  if (unknown.code !== 2 || !unknown.err.startsWith('cloud-cron: unknown command "frobnicate"'))
    problems.push(`cloud-cron frobnicate: exit ${unknown.code}, ${unknown.err.split('\n')[0]}`);
  expect(problems).toEqual([]);
}, 240_000);
