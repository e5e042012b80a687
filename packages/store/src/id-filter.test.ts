// Goal: the consumed-id filter never says "no" for an id that was added, and says "maybe"
// rarely for ids never added. Method: random 128-bit ids from a seeded generator.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdFilter } from './id-filter.ts';

describe('IdFilter', () => {
  it('has no false negatives', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { maxLength: 2_000 }), (ids) => {
        const filter = new IdFilter(ids.length);
        for (const id of ids) filter.add(id);
        return ids.every((id) => filter.mightContain(id));
      }),
      { numRuns: 50 },
    );
  });

  it('keeps false positives near 1% at its sizing', () => {
    const random = fc.sample(fc.uint8Array({ minLength: 16, maxLength: 16 }), { numRuns: 40_000, seed: 42 });
    const added = random.slice(0, 20_000);
    const others = random.slice(20_000);
    const filter = new IdFilter(added.length);
    for (const id of added) filter.add(id);
    const falsePositives = others.filter((id) => filter.mightContain(id)).length;
    expect(falsePositives / others.length).toBeLessThan(0.02);
  });

  it('grows by layers past its sizing, without false negatives', () => {
    const filter = new IdFilter(0);
    const ids = fc.sample(fc.uint8Array({ minLength: 16, maxLength: 16 }), { numRuns: 120_000, seed: 7 });
    for (const id of ids) filter.add(id);
    expect(filter.layerCount).toBe(2);
    expect(filter.size).toBe(ids.length);
    expect(ids.every((id) => filter.mightContain(id))).toBe(true);
  });
});
