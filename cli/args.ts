/**
 * The one command-line convention of Cloud Cron, for `cloud-cron` and for every npm script of ours (`npm start`,
 * `npm run package|release|bench|build|readme|terraform|setup|lock:platforms`; a test runs each of them):
 *
 *   -h, --help or `help`  print the usage on stdout, exit 0
 *   --version             print the project's version (package.json: `cloud-cron 0.1.0`), exit 0
 *   an unknown command, an unknown flag, a missing or extra value: say which on stderr, then the usage; exit 2
 *   a failure of the work itself: a message on stderr, exit 1
 *
 * A command is declared once (`defineCommand`): its flags, positionals and examples. The parser, the usage text and
 * the typed values all come from that declaration, so a flag cannot exist without appearing in the usage, and adding
 * a flag is one entry. `runProgram` dispatches a table of such commands (`cloud-cron <command>`).
 *
 * The API (kept stable; other commands build on it):
 *   const command = defineCommand({ name, summary, flags: { tz: { value: 'ZONE', description } }, positionals });
 *   exitWith(runCommand(command, argv, async ({ flags, positionals }, io) => exitCode), label)   a script
 *   runProgram({ name, summary, commands: [{ path: 'runs', summary, load: () => module }] }, argv)
 *     cloud-cron's table; `module.run(argv, io)` calls runCommand with its own command
 *   throw new UsageError('...') inside work: exit 2 with the usage; any other error: exit 1 with its message.
 * A new cloud-cron command is one entry in cli/main.ts's COMMANDS; a new npm script calls runCommand. The
 * convention test (tests/house/docs-commands.test.ts) then checks it without a line more.
 *
 * Product code: imports nothing but Node. Scripts and tooling may import it; it never imports them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A flag `--name`: a switch (no `value`), or an option taking a value named `value` in the usage. */
export type FlagSpec = {
  description: string;
  /** Placeholder of the value in the usage (e.g. `ZONE`); absent for a switch. */
  value?: string;
  /** One-letter alias (`-x`). `-h` is taken by help. */
  short?: string;
  /** Value when the flag is not given (shown in the usage). */
  default?: string;
  /** The command cannot run without it. */
  required?: boolean;
  /** May be given several times; the values are collected in order. */
  multiple?: boolean;
  /** The only values it takes (the parser refuses others, naming them; the usage lists them). */
  choices?: readonly string[];
};

export type PositionalSpec = {
  name: string;
  description: string;
  optional?: boolean;
  variadic?: boolean;
  /** The usage error when it is missing (default: "give <name>"). */
  missing?: string;
};

export type CommandSpec<F extends Record<string, FlagSpec> = Record<string, FlagSpec>> = {
  /** How it is called, e.g. `cloud-cron schedule` or `npm start --`. */
  name: string;
  summary: string;
  positionals?: readonly PositionalSpec[];
  flags: F;
  /** Extra usage lines (environment variables, notes). */
  notes?: readonly string[];
  examples?: readonly string[];
  /** The usage error for too many positionals, given how many there were (e.g. "quote the expression"). */
  tooMany?: (count: number) => string;
};

type ValueOf<S extends FlagSpec> = S extends { choices: readonly (infer C extends string)[] } ? C : string;
type FlagValue<S extends FlagSpec> = S extends { value: string }
  ? S extends { multiple: true }
    ? ValueOf<S>[]
    : S extends { default: string } | { required: true }
      ? ValueOf<S>
      : ValueOf<S> | undefined
  : boolean;

export type Flags<F extends Record<string, FlagSpec>> = { -readonly [K in keyof F]: FlagValue<F[K]> };
export type Parsed<F extends Record<string, FlagSpec>> = { flags: Flags<F>; positionals: string[] };

/** A mistake in how a command was called: exit 2 with the usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type Io = { out: (text: string) => void; err: (text: string) => void };
const consoleIo: Io = { out: (t) => console.log(t), err: (t) => console.error(t) };

/** The version in package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/** Declares a command; keeps the flag names as literal types so parsed values are typed. */
export function defineCommand<const F extends Record<string, FlagSpec>>(spec: CommandSpec<F>): CommandSpec<F> {
  for (const [name, f] of Object.entries(spec.flags)) {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`${spec.name}: flag name ${name} must be kebab-case`);
    if (['help', 'version'].includes(name) || f.short === 'h')
      throw new Error(`${spec.name}: --${name}/-${f.short} is reserved`);
    if (f.choices && (!f.value || (f.default !== undefined && !f.choices.includes(f.default))))
      throw new Error(`${spec.name}: --${name} has choices: it takes a value, and its default is one of them`);
  }
  return spec;
}

const flagLabel = (name: string, f: FlagSpec) =>
  `${f.short ? `-${f.short}, ` : ''}--${name}${f.value ? ` ${f.value}` : ''}`;

function synopsis(spec: CommandSpec): string {
  const words = [spec.name];
  for (const [name, f] of Object.entries(spec.flags)) {
    if (f.required) words.push(`--${name}${f.value ? ` ${f.value}` : ''}`);
  }
  for (const p of spec.positionals ?? []) {
    const word = `${p.name}${p.variadic ? '...' : ''}`;
    words.push(p.optional ? `[${word}]` : word);
  }
  if (Object.values(spec.flags).some((f) => !f.required)) words.push('[options]');
  return words.join(' ');
}

/** The usage text: synopsis, summary, every flag (with its default), notes, examples. */
export function usage(spec: CommandSpec): string {
  const lines = [`usage: ${synopsis(spec)}`, '', spec.summary];
  const rows: [string, string][] = [];
  for (const p of spec.positionals ?? []) rows.push([p.name, p.description]);
  for (const [name, f] of Object.entries(spec.flags)) {
    const extra = [
      f.choices ? `one of ${f.choices.join(', ')}` : '',
      f.default !== undefined ? `default: ${f.default || '(empty)'}` : '',
      f.multiple ? 'repeatable' : '',
    ]
      .filter(Boolean)
      .join('; ');
    rows.push([flagLabel(name, f), `${f.description}${extra ? ` (${extra})` : ''}`]);
  }
  rows.push(['-h, --help', 'print this help and exit'], ['--version', 'print the version and exit']);
  const width = Math.min(28, Math.max(...rows.map(([l]) => l.length)));
  lines.push('', 'options:');
  for (const [label, text] of rows) {
    lines.push(
      label.length > width ? `  ${label}\n  ${' '.repeat(width)}  ${text}` : `  ${label.padEnd(width)}  ${text}`,
    );
  }
  if (spec.notes?.length) lines.push('', ...spec.notes);
  if (spec.examples?.length) lines.push('', 'examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

export type ParseOutcome<F extends Record<string, FlagSpec>> =
  | { kind: 'help' }
  | { kind: 'version' }
  | ({ kind: 'run' } & Parsed<F>);

/** Parses argv by the declaration. Throws UsageError naming the flag or argument at fault. */
export function parse<F extends Record<string, FlagSpec>>(
  spec: CommandSpec<F>,
  argv: readonly string[],
): ParseOutcome<F> {
  const flags = spec.flags as Record<string, FlagSpec>;
  const byShort = new Map(
    Object.entries(flags)
      .filter(([, f]) => f.short)
      .map(([n, f]) => [f.short as string, n]),
  );
  const end = argv.indexOf('--');
  const options = end < 0 ? argv : argv.slice(0, end);
  if (options.includes('-h') || options.includes('--help') || options[0] === 'help') return { kind: 'help' };
  if (options.includes('--version')) return { kind: 'version' };

  const values: Record<string, string | boolean | string[] | undefined> = {};
  const positionals: string[] = [];
  const isFlag = (a: string | undefined) =>
    a !== undefined &&
    ((a.startsWith('--') && a.slice(2).split('=')[0] in flags) || (/^-[a-zA-Z]$/.test(a) && byShort.has(a.slice(1))));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (i === end) {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
      if (!(name in flags)) throw new UsageError(`unknown option --${name}`);
    } else if (/^-[a-zA-Z]$/.test(arg)) {
      name = byShort.get(arg.slice(1));
      if (!name) throw new UsageError(`unknown option ${arg}`);
    } else {
      positionals.push(arg);
      continue;
    }
    const f = flags[name];
    if (!f.value) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value (got --${arg.slice(2)})`);
      values[name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || i + 1 === end || isFlag(next))
        throw new UsageError(`--${name} needs a value (${f.value})`);
      value = next;
      i++;
    }
    if (f.choices && !f.choices.includes(value))
      throw new UsageError(`--${name} must be one of ${f.choices.join(', ')} (got ${JSON.stringify(value)})`);
    if (f.multiple) values[name] = [...((values[name] as string[] | undefined) ?? []), value];
    else if (values[name] !== undefined) throw new UsageError(`--${name} is given twice`);
    else values[name] = value;
  }
  for (const [name, f] of Object.entries(flags)) {
    if (values[name] === undefined) {
      if (f.required) throw new UsageError(`--${name}${f.value ? ` ${f.value}` : ''} is required`);
      values[name] = f.value ? (f.multiple ? [] : f.default) : false;
    }
  }
  const specs = spec.positionals ?? [];
  const min = specs.filter((p) => !p.optional && !p.variadic).length;
  const max = specs.some((p) => p.variadic) ? Number.POSITIVE_INFINITY : specs.length;
  if (positionals.length < min) {
    const missing = specs[positionals.length];
    throw new UsageError(missing.missing ?? `give ${missing.name}`);
  }
  if (positionals.length > max) {
    throw new UsageError(
      spec.tooMany?.(positionals.length) ??
        `unexpected argument ${JSON.stringify(positionals[max])}${max > 0 ? ` (at most ${max})` : ''}`,
    );
  }
  return { kind: 'run', flags: values as Flags<F>, positionals };
}

/**
 * Runs one command by the convention: help and version, usage errors (exit 2), then `work`. `work` returns the exit
 * code; a UsageError it throws (a value that parses but is wrong, e.g. --count abc) is a usage error too.
 */
export async function runCommand<F extends Record<string, FlagSpec>>(
  spec: CommandSpec<F>,
  argv: readonly string[],
  work: (args: Parsed<F>, io: Io) => Promise<number> | number,
  io: Io = consoleIo,
): Promise<number> {
  try {
    const outcome = parse(spec, argv);
    if (outcome.kind === 'help') {
      io.out(usage(spec));
      return EXIT.ok;
    }
    if (outcome.kind === 'version') {
      io.out(`cloud-cron ${packageVersion()}`);
      return EXIT.ok;
    }
    return await work(outcome, io);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`${spec.name.replace(/ --$/, '')}: ${e.message}\n\n${usage(spec)}`);
    return EXIT.usage;
  }
}

/** One entry of a program's command table. `load` is called only when the command runs (fast start-up). */
export type CommandEntry = {
  /** The words that name it, e.g. `preview email`. */
  path: string;
  summary: string;
  load: () => { run(argv: string[], io?: Io): Promise<number> };
};

export type Program = { name: string; summary: string; commands: readonly CommandEntry[]; notes?: readonly string[] };

export function programUsage(program: Program): string {
  const width = Math.max(...program.commands.map((c) => c.path.length));
  return [
    `usage: ${program.name} <command> [options]`,
    '',
    program.summary,
    '',
    'commands:',
    ...program.commands.map((c) => `  ${c.path.padEnd(width)}  ${c.summary}`),
    '',
    `${program.name} <command> --help   the options of one command`,
    `${program.name} --version          the version`,
    ...(program.notes ?? []),
  ].join('\n');
}

/** Dispatches `argv` to the command whose path it starts with (the longest such path). */
export async function runProgram(program: Program, argv: readonly string[], io: Io = consoleIo): Promise<number> {
  const [first] = argv;
  if (first === undefined) {
    io.err(`${program.name}: give a command\n\n${programUsage(program)}`);
    return EXIT.usage;
  }
  if (first === '-h' || first === '--help') {
    io.out(programUsage(program));
    return EXIT.ok;
  }
  if (first === '--version') {
    io.out(`${program.name} ${packageVersion()}`);
    return EXIT.ok;
  }
  const help = first === 'help';
  const words = help ? argv.slice(1) : argv;
  if (help && words.length === 0) {
    io.out(programUsage(program));
    return EXIT.ok;
  }
  const match = [...program.commands]
    .sort((a, b) => b.path.split(' ').length - a.path.split(' ').length)
    .find((c) => c.path.split(' ').every((w, i) => words[i] === w));
  if (!match) {
    const group = program.commands.filter((c) => c.path.startsWith(`${words[0]} `));
    const choices = `${words[0]} needs one of: ${group.map((c) => c.path.split(' ').slice(1).join(' ')).join(', ')}`;
    const why =
      group.length === 0
        ? `unknown command "${words[0]}"`
        : words[1] === undefined
          ? choices
          : `unknown command "${words[0]} ${words[1]}": ${choices}`;
    io.err(`${program.name}: ${why}\n\n${programUsage(program)}`);
    return EXIT.usage;
  }
  const rest = words.slice(match.path.split(' ').length);
  return match.load().run(help ? ['--help'] : [...rest], io);
}

/** Ends the process with the exit code `run` resolves to; an unexpected error exits 1 with its message. */
export function exitWith(run: Promise<number>, label: string): void {
  run.then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(`${label}: ${e.message}`);
      process.exit(EXIT.failed);
    },
  );
}
