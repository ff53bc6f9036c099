import { describe, expect, test } from 'vitest';
import { fmtSpread, median, spread } from '../../bench/lib/stats.ts';

// bench/lib/stats.ts: the median (min–max) every bench reports.

describe('median', () => {
  test('odd count: the middle sample; even: the mean of the two middle ones; input left unsorted', () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('spread and fmtSpread', () => {
  test('rounded to the digits asked, printed as "median (min–max)"', () => {
    const s = spread([10.26, 9.94, 12.05], 1);
    expect(s).toEqual({ median: 10.3, min: 9.9, max: 12.1 });
    expect(fmtSpread(s, 0)).toBe('10 (10–12)');
    expect(fmtSpread(s)).toBe('10.3 (9.9–12.1)');
  });
});
