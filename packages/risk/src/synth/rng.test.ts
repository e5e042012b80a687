// Goal: the generator's randomness is reproducible from the seed, separate per stream, and has
// the distributions the generator relies on. Method: fixed seeds, and sample means with bounds
// about six standard errors wide, so a correct generator cannot fail them.
import { describe, expect, it } from 'vitest';
import { cumulativeOf, pickCumulative, Rng } from './rng.ts';

const draws = (rng: Rng, n: number, f: (r: Rng) => number) => Array.from({ length: n }, () => f(rng));
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('Rng', () => {
  it('repeats for a seed and stream, and differs across seeds and streams', () => {
    const a = draws(new Rng(42, 1), 8, (r) => r.next());
    expect(draws(new Rng(42, 1), 8, (r) => r.next())).toEqual(a);
    expect(draws(new Rng(43, 1), 8, (r) => r.next())).not.toEqual(a);
    expect(draws(new Rng(42, 2), 8, (r) => r.next())).not.toEqual(a);
    // Seeds differing only above 32 bits are different seeds.
    expect(draws(new Rng(42 + 2 ** 32, 1), 8, (r) => r.next())).not.toEqual(a);
  });

  it.each([-1, 0.5, 2 ** 53, Number.NaN])('refuses the seed %d', (seed) => {
    expect(() => new Rng(seed, 1)).toThrow();
  });

  it('draws in range with the expected means', () => {
    const rng = new Rng(7, 0);
    const n = 100_000;
    const floats = draws(rng, n, (r) => r.float());
    expect(floats.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Math.abs(mean(floats) - 0.5)).toBeLessThan(6 * Math.sqrt(1 / 12 / n));
    const ints = draws(rng, n, (r) => r.int(3, 10));
    expect(ints.every((x) => Number.isInteger(x) && x >= 3 && x <= 10)).toBe(true);
    expect(new Set(ints).size).toBe(8);
    const normals = draws(rng, n, (r) => r.normal());
    expect(Math.abs(mean(normals))).toBeLessThan(6 / Math.sqrt(n));
    const counts = draws(rng, n, (r) => r.poisson(1.5, 40));
    expect(Math.abs(mean(counts) - 1.5)).toBeLessThan(6 * Math.sqrt(1.5 / n));
    const medians = draws(rng, n, (r) => r.logNormal(100, 0.8)).sort((x, y) => x - y);
    expect(Math.abs((medians[n / 2] ?? 0) / 100 - 1)).toBeLessThan(0.03);
  });

  it('draws bigints inside the range, both ends included', () => {
    const rng = new Rng(9, 0);
    const values = draws(rng, 2000, (r) => Number(r.bigintBetween(4_500_000n, 4_500_003n)));
    expect(new Set(values)).toEqual(new Set([4_500_000, 4_500_001, 4_500_002, 4_500_003]));
    const wide = draws(rng, 2000, (r) => Number(r.bigintBetween(0n, 2n ** 50n)));
    expect(wide.every((x) => x >= 0 && x <= 2 ** 50)).toBe(true);
  });

  it('picks by cumulative weight', () => {
    const rng = new Rng(11, 0);
    const cumulative = cumulativeOf([1, 0, 3]);
    const picks = draws(rng, 40_000, (r) => pickCumulative(r, cumulative));
    expect(picks.includes(1)).toBe(false);
    expect(Math.abs(picks.filter((p) => p === 2).length / 40_000 - 0.75)).toBeLessThan(6 * Math.sqrt(0.1875 / 40_000));
  });
});
