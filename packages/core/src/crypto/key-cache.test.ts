// Goal: the key cache is bounded and evicts the least recently used entry. Method: a table of
// get/set sequences on a small cache, checked against the expected survivors.
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../assert.ts';
import { KeyCache, PRIVATE_KEY_CACHE_ENTRIES_MAX, PUBLIC_KEY_CACHE_ENTRIES_MAX } from './key-cache.ts';

describe('KeyCache', () => {
  it('has named maxima in the intended relation', () => {
    expect(PUBLIC_KEY_CACHE_ENTRIES_MAX).toBe(65_536);
    expect(PRIVATE_KEY_CACHE_ENTRIES_MAX).toBeLessThanOrEqual(PUBLIC_KEY_CACHE_ENTRIES_MAX);
  });

  it.each([
    { name: 'fills to the maximum', ops: ['set a', 'set b', 'set c'], present: ['a', 'b', 'c'], absent: [] },
    {
      name: 'evicts the oldest when full',
      ops: ['set a', 'set b', 'set c', 'set d'],
      present: ['b', 'c', 'd'],
      absent: ['a'],
    },
    {
      name: 'a hit refreshes an entry',
      ops: ['set a', 'set b', 'set c', 'get a', 'set d'],
      present: ['a', 'c', 'd'],
      absent: ['b'],
    },
    {
      name: 're-setting a key does not grow the cache',
      ops: ['set a', 'set a', 'set b', 'set c'],
      present: ['a', 'b', 'c'],
      absent: [],
    },
  ])('$name', ({ ops, present, absent }) => {
    const cache = new KeyCache<string>(3);
    for (const op of ops) {
      const [verb, key] = op.split(' ') as [string, string];
      if (verb === 'set') cache.set(key, key.toUpperCase());
      else cache.get(key);
    }
    expect(cache.size).toBeLessThanOrEqual(3);
    for (const key of present) expect(cache.get(key)).toBe(key.toUpperCase());
    for (const key of absent) expect(cache.get(key)).toBeUndefined();
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects entriesMax %s', (entriesMax) => {
    expect(() => new KeyCache<string>(entriesMax)).toThrow(AssertionError);
  });
});
