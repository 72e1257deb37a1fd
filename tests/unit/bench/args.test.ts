/** `npm run bench` arguments: the sections, the report's destination, and the watchdog's job counts on moto. */
import { BenchUsageError, parseArgs } from '../../../bench/run';

test('by default every section, and the moto job counts left to the plan', () => {
  expect(parseArgs([])).toMatchObject({ quick: false, update: false, runsMotoSizes: undefined });
  expect(parseArgs([]).only).toContain('runs');
});

test('--runs-moto-sizes takes job counts, inline or as the next argument', () => {
  expect(parseArgs(['--only', 'runs', '--runs-moto-sizes', '10,100,1000'])).toMatchObject({
    only: ['runs'],
    runsMotoSizes: [10, 100, 1000],
  });
  expect(parseArgs(['--runs-moto-sizes=50']).runsMotoSizes).toEqual([50]);
});

test.each([['0'], ['10,x'], ['1.5'], ['20000'], ['10,,100']])(
  '--runs-moto-sizes %s is refused, saying what to give',
  (value) => {
    expect(() => parseArgs(['--runs-moto-sizes', value])).toThrow(BenchUsageError);
    expect(() => parseArgs(['--runs-moto-sizes', value])).toThrow(/job counts from 1 to 10000/);
  },
);

test('an unknown argument names the ones there are; --update is not for --quick', () => {
  expect(() => parseArgs(['--fast'])).toThrow(/unknown argument --fast: .*--runs-moto-sizes/);
  expect(() => parseArgs(['--quick', '--update'])).toThrow(/not with --quick/);
});
