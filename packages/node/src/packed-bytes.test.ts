// Goal: a batch posted to a worker arrives as the same byte strings, in order, including empty
// ones, and a damaged offset table is refused rather than read out of bounds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packBytes, unpackBytes } from './packed-bytes.ts';

describe('packBytes / unpackBytes', () => {
  it('round-trips any list of byte strings', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 50 }), (items) => {
        const back = unpackBytes(packBytes(items));
        expect(back.map((b) => [...b])).toEqual(items.map((b) => [...b]));
      }),
    );
  });

  it('refuses offsets that go backwards or past the data', () => {
    const packed = packBytes([new Uint8Array([1, 2]), new Uint8Array([3])]);
    expect(() => unpackBytes({ data: packed.data, ends: new Uint32Array([2, 1]) })).toThrow(RangeError);
    expect(() => unpackBytes({ data: packed.data, ends: new Uint32Array([2, 9]) })).toThrow(RangeError);
  });
});
