/**
 * Open items ordered by (timeout, id) — pending transfers by their timeout, programs by the end of
 * their validity: a binary min-heap, so a block finds the ones due at its time in O(k log n)
 * instead of scanning every open one. Entries are
 * removed lazily: `isOpen` says whether a popped entry still counts (the transfer may have
 * been posted, voided, or re-added with the same timeout after a rollback).
 */
import type { TxId } from './types.ts';

interface Item {
  readonly timeoutAt: bigint;
  readonly id: TxId;
}

function before(a: Item, b: Item): boolean {
  return a.timeoutAt < b.timeoutAt || (a.timeoutAt === b.timeoutAt && a.id < b.id);
}

export class TimeoutQueue {
  private readonly heap: Item[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(id: TxId, timeoutAt: bigint): void {
    const heap = this.heap;
    heap.push({ id, timeoutAt });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const item = heap[i] as Item;
      const up = heap[parent] as Item;
      if (!before(item, up)) break;
      heap[i] = up;
      heap[parent] = item;
      i = parent;
    }
  }

  private pop(): Item | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left] as Item, heap[smallest] as Item)) smallest = left;
      if (right < heap.length && before(heap[right] as Item, heap[smallest] as Item)) smallest = right;
      if (smallest === i) return top;
      const item = heap[i] as Item;
      heap[i] = heap[smallest] as Item;
      heap[smallest] = item;
      i = smallest;
    }
  }

  /**
   * Ids of open entries with timeout ≤ time, in (timeout, id) order, each once, at most `max`.
   * Stale entries on the way are dropped; the due ones stay queued until they are closed.
   */
  due(time: bigint, isOpen: (id: TxId, timeoutAt: bigint) => boolean, max = Number.POSITIVE_INFINITY): TxId[] {
    const found: Item[] = [];
    const seen = new Set<TxId>();
    for (let top = this.heap[0]; top !== undefined && top.timeoutAt <= time && found.length < max; top = this.heap[0]) {
      this.pop();
      if (!isOpen(top.id, top.timeoutAt) || seen.has(top.id)) continue;
      seen.add(top.id);
      found.push(top);
    }
    for (const item of found) this.push(item.id, item.timeoutAt);
    return found.map((item) => item.id);
  }
}
