/** cli/args.ts: the one command-line convention (parsing, usage, exit codes, the command table). */
import {
  defineCommand,
  type Io,
  packageVersion,
  parse,
  runCommand,
  runProgram,
  UsageError,
  usage,
} from '../../../cli/args';
import { COMMANDS, main } from '../../../cli/main';

const spec = defineCommand({
  name: 'tool do',
  summary: 'Does it.',
  positionals: [{ name: '<thing>', description: 'what to do it to' }],
  flags: {
    zone: { value: 'ZONE', description: 'where', default: 'UTC' },
    file: { value: 'FILE', description: 'input', required: true },
    tag: { value: 'T', description: 'a tag', multiple: true },
    dry: { description: 'do nothing', short: 'n' },
  },
});

function capture(): Io & { outs: string[]; errs: string[] } {
  const outs: string[] = [];
  const errs: string[] = [];
  return { outs, errs, out: (t) => outs.push(t), err: (t) => errs.push(t) };
}

test('values: --flag value, --flag=value, defaults, repeatable, switches and short names, positionals after --', () => {
  expect(parse(spec, ['x', '--file', 'a.json', '--tag=1', '--tag', '2', '-n'])).toEqual({
    kind: 'run',
    flags: { zone: 'UTC', file: 'a.json', tag: ['1', '2'], dry: true },
    positionals: ['x'],
  });
  expect(parse(spec, ['--file=f', '--', '--not-a-flag'])).toMatchObject({ positionals: ['--not-a-flag'] });
});

test.each([
  [['x'], '--file FILE is required'],
  [['x', '--file', 'f', '--bogus'], 'unknown option --bogus'],
  [['x', '--file', 'f', '-q'], 'unknown option -q'],
  [['x', '--file'], '--file needs a value (FILE)'],
  [['x', '--file', '--dry'], '--file needs a value (FILE)'],
  [['x', '--file', 'f', '--dry=yes'], '--dry takes no value'],
  [['x', '--file', 'f', '--zone', 'a', '--zone', 'b'], '--zone is given twice'],
  [['--file', 'f'], 'give <thing>'],
  [['x', 'y', '--file', 'f'], 'unexpected argument "y" (at most 1)'],
])('%j is a usage error: %s', (argv, message) => {
  expect(() => parse(spec, argv)).toThrow(UsageError);
  expect(() => parse(spec, argv)).toThrow(message);
});

test('help (-h, --help, help) and --version win over everything else', () => {
  for (const argv of [['-h'], ['--help'], ['help'], ['x', '--bogus', '--help']])
    expect(parse(spec, argv)).toEqual({ kind: 'help' });
  expect(parse(spec, ['--version'])).toEqual({ kind: 'version' });
});

test('the usage names every flag, its value, default and repeatability', () => {
  const text = usage(spec);
  expect(text.split('\n')[0]).toBe('usage: tool do --file FILE <thing> [options]');
  for (const line of [
    '--zone ZONE',
    '(default: UTC)',
    '--file FILE',
    '--tag T',
    '(repeatable)',
    '-n, --dry',
    '-h, --help',
    '--version',
  ])
    expect(text).toContain(line);
});

test('runCommand: help on stdout exit 0, version, usage errors on stderr exit 2, the work exit code', async () => {
  const io = capture();
  expect(await runCommand(spec, ['--help'], () => 9, io)).toBe(0);
  expect(io.outs[0]).toBe(usage(spec));
  expect(await runCommand(spec, ['--version'], () => 9, io)).toBe(0);
  expect(io.outs[1]).toBe(`cloud-cron ${packageVersion()}`);
  expect(await runCommand(spec, ['x', '--bogus'], () => 9, io)).toBe(2);
  expect(io.errs[0]).toMatch(/^tool do: unknown option --bogus\n\nusage: tool do/);
  expect(await runCommand(spec, ['x', '--file', 'f'], ({ flags }) => (flags.file === 'f' ? 7 : 0), io)).toBe(7);
  expect(
    await runCommand(
      spec,
      ['x', '--file', 'f'],
      () => {
        throw new UsageError('--file f is empty');
      },
      io,
    ),
  ).toBe(2);
  expect(io.errs[1]).toMatch(/^tool do: --file f is empty/);
  expect(io.outs).toHaveLength(2);
});

test('runProgram: the command table, help, and which command is unknown', async () => {
  const io = capture();
  expect(await main([], io)).toBe(2);
  expect(io.errs.pop()).toMatch(/^cloud-cron: give a command\n\nusage: cloud-cron <command>/);
  expect(await main(['--help'], io)).toBe(0);
  for (const c of COMMANDS) expect(io.outs.at(-1)).toContain(`${c.path}  `);
  expect(await main(['help', 'preview', 'sms'], io)).toBe(0);
  expect(io.outs.at(-1)).toMatch(/^usage: cloud-cron preview sms --message FILE/);
  expect(await main(['frobnicate'], io)).toBe(2);
  expect(io.errs.pop()).toMatch(/^cloud-cron: unknown command "frobnicate"/);
  expect(await main(['preview'], io)).toBe(2);
  expect(io.errs.pop()).toMatch(/^cloud-cron: preview needs one of: email, sms/);
  expect(await main(['preview', 'fax'], io)).toBe(2);
  expect(io.errs.pop()).toMatch(/^cloud-cron: unknown command "preview fax": preview needs one of: email, sms/);
  const dispatched: string[][] = [];
  const program = {
    name: 't',
    summary: 's',
    commands: [
      {
        path: 'a b',
        summary: 'x',
        load: () => ({
          run: async (argv: string[]) => {
            dispatched.push(argv);
            return 0;
          },
        }),
      },
    ],
  };
  expect(await runProgram(program, ['a', 'b', '--x', 'y'], io)).toBe(0);
  expect(dispatched).toEqual([['--x', 'y']]);
});

test('choices: the parser refuses another value, naming the flag and the choices; the usage lists them', () => {
  const colours = defineCommand({
    name: 'tool paint',
    summary: 'Paints.',
    flags: { colour: { value: 'C', description: 'the colour', choices: ['red', 'blue'], default: 'red' } },
  });
  expect(parse(colours, ['--colour', 'blue'])).toMatchObject({ flags: { colour: 'blue' } });
  expect(parse(colours, [])).toMatchObject({ flags: { colour: 'red' } });
  expect(() => parse(colours, ['--colour', 'green'])).toThrow(
    new UsageError('--colour must be one of red, blue (got "green")'),
  );
  expect(usage(colours)).toMatch(/--colour C\s+the colour \(one of red, blue; default: red\)/);
  expect(() =>
    defineCommand({
      name: 'x',
      summary: '',
      flags: { c: { value: 'C', description: '', choices: ['a'], default: 'b' } },
    }),
  ).toThrow(/default is one of them/);
});
