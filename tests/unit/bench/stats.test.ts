import { median, pairedDifference, pairedRatio, rotation, summarize } from '../../../bench/lib/stats';

describe('median', () => {
  test('the middle value of an odd count, whatever the order', () => {
    expect(median([9, 1, 5])).toBe(5);
  });

  test('the mean of the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  test('does not reorder its input', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  test('refuses an empty series', () => {
    expect(() => median([])).toThrow(RangeError);
  });
});

test('summarize gives count, median, min and max', () => {
  expect(summarize([120, 80, 100, 300])).toEqual({ n: 4, median: 110, min: 80, max: 300 });
  expect(() => summarize([])).toThrow('summary of no values');
});

describe('pairedRatio', () => {
  test('is the median of the per-pair ratios, not the ratio of the medians', () => {
    // Per pair: 2, 1, 1.5 -> median 1.5; the ratio of the medians would be 20 / 20 = 1.
    expect(pairedRatio([20, 30, 15], [10, 30, 10])).toBe(1.5);
  });

  test('refuses series of different lengths and a non-positive baseline', () => {
    expect(() => pairedRatio([1, 2], [1])).toThrow('paired series differ in length: 2 and 1');
    expect(() => pairedRatio([1], [0])).toThrow('baseline value 0 at pair 0 is not positive');
  });
});

test('pairedDifference is the median of the per-pair differences', () => {
  // Per pair: 10, 0, 5 -> median 5; the difference of the medians would be 20 - 20 = 0.
  expect(pairedDifference([20, 30, 15], [10, 30, 10])).toBe(5);
  expect(() => pairedDifference([1], [])).toThrow('paired series differ in length: 1 and 0');
});

describe('rotation', () => {
  test('alternates two sides', () => {
    expect([0, 1, 2, 3].map((i) => rotation(['a', 'b'], i))).toEqual([
      ['a', 'b'],
      ['b', 'a'],
      ['a', 'b'],
      ['b', 'a'],
    ]);
  });

  test('gives each of three sides the first place equally often', () => {
    const firsts = [0, 1, 2, 3, 4, 5].map((i) => rotation(['a', 'b', 'c'], i)[0]);
    expect(firsts).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    expect(rotation(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
  });

  test('of no sides is empty', () => {
    expect(rotation([], 3)).toEqual([]);
  });
});
