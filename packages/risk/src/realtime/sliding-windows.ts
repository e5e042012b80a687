import { assert } from '@paychain/core';

/** The first ring allocated for an entity: most accounts and devices pay a few times a day. */
const RING_CAPACITY_MIN = 8;

/**
 * Count and sum of the events of one entity (account, device, merchant) over several nested windows
 * ending now, e.g. 1 min ⊂ 1 h ⊂ 24 h. The events live in one ring of at most `eventsMax` entries
 * (grown by doubling, so a quiet entity costs little); each window keeps a start index and a running
 * sum, so adding and querying are O(1) amortised instead of a scan.
 *
 * An event at time t counts in a window of width w at time now while now - t < w: exactly w later it
 * has expired. When more than `eventsMax` events fall in the widest window the oldest are dropped,
 * so counts saturate at `eventsMax` (a merchant busier than that is "at least that busy").
 * Time never runs backwards inside one entity: an event older than the latest one is recorded at the
 * latest time (a late event from another gateway shifts by its lateness, nothing is lost), and a
 * window never takes back an event it has expired, so `advance` is meant for non-decreasing times.
 * Amounts should be integers (minor units) so the running sums stay exact.
 */
export class SlidingWindows {
  readonly widthsMs: readonly number[];
  readonly eventsMax: number;
  #times: Float64Array;
  #amounts: Float64Array;
  #mask: number;
  // Absolute indices: event number k is at ring slot k & mask; head..tail-1 are stored.
  #head = 0;
  #tail = 0;
  readonly #starts: number[];
  readonly #sums: number[];
  #latestMs = Number.NEGATIVE_INFINITY;

  constructor(widthsMs: readonly number[], eventsMax: number) {
    assert(widthsMs.length >= 1, 'at least one window');
    for (let i = 0; i < widthsMs.length; i++) {
      const width = widthsMs[i] ?? 0;
      assert(Number.isSafeInteger(width) && width > 0, `window width must be a positive integer: ${width}`);
      assert(i === 0 || width > (widthsMs[i - 1] ?? 0), 'window widths ascend: each window nests in the next');
    }
    assert(Number.isSafeInteger(eventsMax) && eventsMax >= 1, `eventsMax must be a positive integer: ${eventsMax}`);
    this.widthsMs = widthsMs;
    this.eventsMax = eventsMax;
    const capacity = Math.min(RING_CAPACITY_MIN, ceilPowerOfTwo(eventsMax));
    this.#times = new Float64Array(capacity);
    this.#amounts = new Float64Array(capacity);
    this.#mask = capacity - 1;
    this.#starts = widthsMs.map(() => 0);
    this.#sums = widthsMs.map(() => 0);
  }

  /** Events stored (those in the widest window, at most `eventsMax`). */
  get size(): number {
    return this.#tail - this.#head;
  }

  /** Moves every window's start past the events that have expired at `nowMs`. */
  advance(nowMs: number): void {
    for (let w = 0; w < this.widthsMs.length; w++) {
      const expiredAtOrBefore = nowMs - (this.widthsMs[w] ?? 0);
      let start = this.#starts[w] ?? 0;
      let sum = this.#sums[w] ?? 0;
      while (start < this.#tail && (this.#times[start & this.#mask] ?? 0) <= expiredAtOrBefore) {
        sum -= this.#amounts[start & this.#mask] ?? 0;
        start += 1;
      }
      this.#starts[w] = start;
      this.#sums[w] = sum;
    }
    // The widest window's start is the oldest event anyone still needs.
    this.#head = Math.max(this.#head, this.#starts[this.widthsMs.length - 1] ?? 0);
  }

  /** Events in window `w` as of the last `advance`. */
  count(w: number): number {
    return this.#tail - (this.#starts[w] ?? this.#tail);
  }

  /** Sum of the amounts in window `w` as of the last `advance`. */
  sum(w: number): number {
    return this.#sums[w] ?? 0;
  }

  add(timeMs: number, amount: number): void {
    const time = Math.max(timeMs, this.#latestMs);
    this.#latestMs = time;
    this.advance(time);
    if (this.size === this.eventsMax) this.#dropOldest();
    if (this.size === this.#mask + 1) this.#grow();
    const slot = this.#tail & this.#mask;
    this.#times[slot] = time;
    this.#amounts[slot] = amount;
    this.#tail += 1;
    for (let w = 0; w < this.#sums.length; w++) this.#sums[w] = (this.#sums[w] ?? 0) + amount;
    assert(this.size <= this.eventsMax, 'a window stays within eventsMax');
  }

  #dropOldest(): void {
    const amount = this.#amounts[this.#head & this.#mask] ?? 0;
    for (let w = 0; w < this.#starts.length; w++) {
      if (this.#starts[w] === this.#head) {
        this.#starts[w] = this.#head + 1;
        this.#sums[w] = (this.#sums[w] ?? 0) - amount;
      }
    }
    this.#head += 1;
  }

  #grow(): void {
    const capacity = (this.#mask + 1) * 2;
    const times = new Float64Array(capacity);
    const amounts = new Float64Array(capacity);
    const mask = capacity - 1;
    for (let k = this.#head; k < this.#tail; k++) {
      times[k & mask] = this.#times[k & this.#mask] ?? 0;
      amounts[k & mask] = this.#amounts[k & this.#mask] ?? 0;
    }
    this.#times = times;
    this.#amounts = amounts;
    this.#mask = mask;
  }
}

function ceilPowerOfTwo(n: number): number {
  let power = 1;
  while (power < n) power *= 2;
  return power;
}
