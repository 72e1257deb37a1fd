/** `npm run bench` arguments: the sections, the report's destination, and the watchdog's job counts on moto. */

import { args, command } from '../../../bench/run';
import { parse, UsageError } from '../../../cli/args';

function benchArgs(argv: string[]) {
  const outcome = parse(command, argv);
  if (outcome.kind !== 'run') throw new Error(`expected a run, got ${outcome.kind}`);
  return args(outcome.flags);
}

test('by default every section, and the moto job counts left to the plan', () => {
  expect(benchArgs([])).toMatchObject({ quick: false, update: false, runsMotoSizes: undefined });
  expect(benchArgs([]).only).toContain('runs');
});

test('--runs-moto-sizes takes job counts, inline or as the next argument', () => {
  expect(benchArgs(['--only', 'runs', '--runs-moto-sizes', '10,100,1000'])).toMatchObject({
    only: ['runs'],
    runsMotoSizes: [10, 100, 1000],
  });
  expect(benchArgs(['--runs-moto-sizes=50']).runsMotoSizes).toEqual([50]);
});

test.each([['0'], ['10,x'], ['1.5'], ['20000'], ['10,,100']])(
  '--runs-moto-sizes %s is refused, saying what to give',
  (value) => {
    expect(() => benchArgs(['--runs-moto-sizes', value])).toThrow(UsageError);
    expect(() => benchArgs(['--runs-moto-sizes', value])).toThrow(/job counts from 1 to 10000/);
  },
);

test('an unknown flag is named; an unknown section too; --update is not for --quick', () => {
  expect(() => benchArgs(['--fast'])).toThrow(/--fast/);
  expect(() => benchArgs(['--only', 'cold,nope'])).toThrow(/unknown section\(s\) nope/);
  expect(() => benchArgs(['--quick', '--update'])).toThrow(/not with --quick/);
});
