// Goal: the timeout queue returns exactly the open entries due at a time, in (timeout, id)
// order (the first `max` when asked), like a full scan and sort would. Method: fast-check command sequences against a Map model.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimeoutQueue } from './timeout-queue.ts';

type Op =
  | { kind: 'open'; id: number; timeout: number }
  | { kind: 'close'; id: number }
  | { kind: 'due'; time: number; max: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('open' as const), id: fc.nat(30), timeout: fc.nat(50) }),
  fc.record({ kind: fc.constant('close' as const), id: fc.nat(30) }),
  // max 0..8, or none (9 stands for no limit): the expiry sweep takes the first few due programs only.
  fc.record({ kind: fc.constant('due' as const), time: fc.nat(60), max: fc.nat(9) }),
);

describe('TimeoutQueue', () => {
  it('matches a scan of the open entries, in (timeout, id) order, the first max of them', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const queue = new TimeoutQueue();
        const open = new Map<string, bigint>();
        for (const o of ops) {
          const id = o.kind === 'due' ? '' : o.id.toString(16).padStart(32, '0');
          if (o.kind === 'open') {
            if (open.get(id) !== BigInt(o.timeout)) queue.push(id, BigInt(o.timeout));
            open.set(id, BigInt(o.timeout));
          } else if (o.kind === 'close') {
            open.delete(id);
          } else {
            const time = BigInt(o.time);
            const expected = [...open]
              .filter(([, t]) => t <= time)
              .sort(([a, ta], [b, tb]) => (ta < tb ? -1 : ta > tb ? 1 : a < b ? -1 : 1))
              .map(([i]) => i);
            const isOpen = (i: string, t: bigint) => open.get(i) === t;
            if (o.max === 9) expect(queue.due(time, isOpen)).toEqual(expected);
            else expect(queue.due(time, isOpen, o.max)).toEqual(expected.slice(0, o.max));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
