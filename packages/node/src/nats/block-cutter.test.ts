// Goal: the block cutter is a deterministic function of the stream — size cuts, marker cuts, ignored markers,
// clamped time — and a peer resuming at any stored block boundary forms the same blocks as one that never stopped.
// Method: tables of hand-written message sequences, then a fast-check property over random sequences (random
// gaps, clocks that go back, current/stale/malformed/empty markers) comparing resumed runs with one run.
import { AssertionError, BLOCK_BYTES_MAX, BLOCK_TXS_MAX, TX_DISBURSE_BYTES_MAX } from '@paychain/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BlockCutter,
  CUT_MARKER_BYTES,
  type CutBlock,
  type CutterPosition,
  decodeCutMarker,
  encodeCutMarker,
  type OrderingMessage,
} from './block-cutter.ts';

const GENESIS: CutterPosition = { height: 1n, lastSeq: 0, prevTimeMs: 1_000n };

function tx(seq: number, timeMs: number, byte = seq): OrderingMessage {
  return { seq, timeMs: BigInt(timeMs), kind: 'tx', data: new Uint8Array([byte & 0xff, byte >> 8]) };
}

function cut(seq: number, timeMs: number, height: bigint, firstSeq: number): OrderingMessage {
  return { seq, timeMs: BigInt(timeMs), kind: 'cut', data: encodeCutMarker({ height, firstSeq }) };
}

function rawCut(seq: number, timeMs: number, data: Uint8Array): OrderingMessage {
  return { seq, timeMs: BigInt(timeMs), kind: 'cut', data };
}

function cutAll(
  blockTxsMax: number,
  position: CutterPosition,
  messages: readonly OrderingMessage[],
): { blocks: CutBlock[]; cutter: BlockCutter } {
  const cutter = new BlockCutter({ blockTxsMax }, position);
  const blocks: CutBlock[] = [];
  for (const m of messages) {
    const block = cutter.push(m);
    if (block !== undefined) blocks.push(block);
  }
  return { blocks, cutter };
}

/** Blocks without their bytes, for readable tables. */
function shape(
  blocks: readonly CutBlock[],
): { height: bigint; n: number; first: number; last: number; time: bigint }[] {
  return blocks.map((b) => ({ height: b.height, n: b.txs.length, first: b.firstSeq, last: b.lastSeq, time: b.timeMs }));
}

describe('cut markers', () => {
  it('round-trip height and first sequence in 16 big-endian bytes', () => {
    const bytes = encodeCutMarker({ height: 0x0102n, firstSeq: 0x0304 });
    expect(bytes).toEqual(new Uint8Array([0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 3, 4]));
    expect(decodeCutMarker(bytes)).toEqual({ height: 0x0102n, firstSeq: 0x0304 });
  });

  it.each([
    { name: 'empty', data: new Uint8Array(0) },
    { name: 'height only (8 bytes)', data: new Uint8Array(8) },
    { name: '15 bytes', data: new Uint8Array(15) },
    { name: '17 bytes', data: new Uint8Array(17) },
    { name: 'first sequence 0', data: new Uint8Array(CUT_MARKER_BYTES) },
    { name: 'first sequence beyond 2^53', data: new Uint8Array(CUT_MARKER_BYTES).fill(0xff) },
  ])('decodes $name as no marker', ({ data }) => {
    expect(decodeCutMarker(data)).toBeUndefined();
  });
});

describe('BlockCutter rule', () => {
  it.each([
    {
      name: 'size cut: blockTxsMax txs make a block, the rest stays pending',
      max: 2,
      messages: [tx(1, 2000), tx(2, 2001), tx(3, 2002)],
      blocks: [{ height: 1n, n: 2, first: 1, last: 2, time: 2001n }],
      pending: { height: 2n, firstSeq: 3, txCount: 1 },
    },
    {
      name: 'marker cut: the marker naming (h, first seq) cuts, at the marker time',
      max: 10,
      messages: [tx(1, 2000), tx(2, 2001), cut(3, 2500, 1n, 1), tx(4, 2600)],
      blocks: [{ height: 1n, n: 2, first: 1, last: 3, time: 2500n }],
      pending: { height: 2n, firstSeq: 4, txCount: 1 },
    },
    {
      name: 'stale markers (past or future height) are ignored',
      max: 10,
      messages: [tx(1, 2000), cut(2, 2100, 0n, 1), cut(3, 2200, 2n, 1), tx(4, 2300)],
      blocks: [],
      pending: { height: 1n, firstSeq: 1, txCount: 2 },
    },
    {
      name: 'a marker for height h but another first sequence is ignored',
      max: 10,
      messages: [tx(1, 2000), tx(2, 2001), cut(3, 2100, 1n, 2), cut(4, 2200, 1n, 1)],
      blocks: [{ height: 1n, n: 2, first: 1, last: 4, time: 2200n }],
      pending: undefined,
    },
    {
      name: 'malformed markers are ignored',
      max: 10,
      messages: [
        tx(1, 2000),
        rawCut(2, 2100, new Uint8Array(0)),
        rawCut(3, 2100, new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1])),
        rawCut(4, 2100, new Uint8Array(17)),
      ],
      blocks: [],
      pending: { height: 1n, firstSeq: 1, txCount: 1 },
    },
    {
      name: 'a marker while nothing is pending is ignored (and does not cut the next block)',
      max: 10,
      messages: [cut(1, 2000, 1n, 1), cut(2, 2000, 1n, 3), tx(3, 2100), cut(4, 2200, 1n, 3)],
      blocks: [{ height: 1n, n: 1, first: 3, last: 4, time: 2200n }],
      pending: undefined,
    },
    {
      name: 'the marker of a block already cut by size is stale',
      max: 2,
      messages: [tx(1, 2000), tx(2, 2001), cut(3, 2100, 1n, 1), tx(4, 2200), cut(5, 2300, 2n, 4)],
      blocks: [
        { height: 1n, n: 2, first: 1, last: 2, time: 2001n },
        { height: 2n, n: 1, first: 4, last: 5, time: 2300n },
      ],
      pending: undefined,
    },
    {
      name: 'a leader clock that goes back is clamped to the previous block time',
      max: 1,
      messages: [tx(1, 5000), tx(2, 4000), tx(3, 4500), tx(4, 6000)],
      blocks: [
        { height: 1n, n: 1, first: 1, last: 1, time: 5000n },
        { height: 2n, n: 1, first: 2, last: 2, time: 5000n },
        { height: 3n, n: 1, first: 3, last: 3, time: 5000n },
        { height: 4n, n: 1, first: 4, last: 4, time: 6000n },
      ],
      pending: undefined,
    },
    {
      name: 'stream times before the genesis time are clamped to it',
      max: 1,
      messages: [tx(1, 10)],
      blocks: [{ height: 1n, n: 1, first: 1, last: 1, time: 1000n }],
      pending: undefined,
    },
    {
      name: 'sequence gaps change nothing',
      max: 2,
      messages: [tx(5, 2000), tx(9, 2001), tx(20, 2002), cut(30, 2003, 2n, 20)],
      blocks: [
        { height: 1n, n: 2, first: 5, last: 9, time: 2001n },
        { height: 2n, n: 1, first: 20, last: 30, time: 2003n },
      ],
      pending: undefined,
    },
  ])('$name', ({ max, messages, blocks, pending }) => {
    const run = cutAll(max, GENESIS, messages);
    expect(shape(run.blocks)).toEqual(blocks);
    expect(run.cutter.pending()).toEqual(pending);
  });

  it('passes transaction bytes through in stream order, duplicates included', () => {
    const same = new Uint8Array([7, 7, 7]);
    const messages: OrderingMessage[] = [
      { seq: 1, timeMs: 2000n, kind: 'tx', data: same },
      { seq: 2, timeMs: 2000n, kind: 'tx', data: new Uint8Array([1]) },
      { seq: 3, timeMs: 2000n, kind: 'tx', data: same },
    ];
    const { blocks } = cutAll(3, GENESIS, messages);
    expect(blocks[0]?.txs).toEqual([same, new Uint8Array([1]), same]);
  });

  it('cuts by bytes: a transaction that would pass BLOCK_BYTES_MAX starts the next block; resuming agrees', () => {
    const big = (seq: number, timeMs: number): OrderingMessage => ({
      seq,
      timeMs: BigInt(timeMs),
      kind: 'tx',
      data: new Uint8Array(TX_DISBURSE_BYTES_MAX).fill(seq & 0xff),
    });
    const perBlock = Math.floor(BLOCK_BYTES_MAX / TX_DISBURSE_BYTES_MAX);
    const messages: OrderingMessage[] = [];
    for (let seq = 1; seq <= perBlock + 1; seq++) messages.push(big(seq, 2000 + seq));
    messages.push(cut(perBlock + 2, 9000, 1n, 1), cut(perBlock + 3, 9000, 2n, perBlock + 1));
    const whole = cutAll(BLOCK_TXS_MAX, GENESIS, messages);
    // Block 1 ends at its last transaction (not at the one that did not fit), with that transaction's time.
    expect(shape(whole.blocks)).toEqual([
      { height: 1n, n: perBlock, first: 1, last: perBlock, time: BigInt(2000 + perBlock) },
      { height: 2n, n: 1, first: perBlock + 1, last: perBlock + 3, time: 9000n },
    ]);
    for (const block of whole.blocks) {
      expect(block.txs.reduce((sum, t) => sum + t.length, 0)).toBeLessThanOrEqual(BLOCK_BYTES_MAX);
    }
    const first = whole.blocks[0];
    if (first === undefined) throw new Error('no first block');
    const position = { height: 2n, lastSeq: first.lastSeq, prevTimeMs: first.timeMs };
    expect(whole.cutter.position()).toEqual({ height: 3n, lastSeq: perBlock + 3, prevTimeMs: 9000n });
    const resumed = cutAll(
      BLOCK_TXS_MAX,
      position,
      messages.filter((m) => m.seq > position.lastSeq),
    );
    expect(resumed.blocks).toEqual(whole.blocks.slice(1));
  });

  it('positions: after a block, the position is (h + 1, its lastSeq, its time)', () => {
    const { cutter } = cutAll(10, GENESIS, [tx(1, 2000), tx(2, 2001), cut(3, 2500, 1n, 1), tx(4, 2600)]);
    expect(cutter.position()).toEqual({ height: 2n, lastSeq: 3, prevTimeMs: 2500n });
    expect(cutter.readSeq).toBe(4);
  });

  it('resuming at a stored block boundary reads from lastSeq + 1 and gives the same blocks', () => {
    const messages = [tx(1, 2000), cut(2, 2100, 0n, 1), tx(3, 2200), cut(4, 2300, 1n, 1), cut(5, 2300, 1n, 1)];
    messages.push(tx(6, 2400), tx(7, 2100), cut(8, 2000, 2n, 6));
    const whole = cutAll(3, GENESIS, messages);
    expect(shape(whole.blocks)).toEqual([
      { height: 1n, n: 2, first: 1, last: 4, time: 2300n },
      { height: 2n, n: 2, first: 6, last: 8, time: 2300n },
    ]);
    const first = whole.blocks[0];
    if (first === undefined) throw new Error('no first block');
    const position = { height: first.height + 1n, lastSeq: first.lastSeq, prevTimeMs: first.timeMs };
    const resumed = cutAll(
      3,
      position,
      messages.filter((m) => m.seq > position.lastSeq),
    );
    expect(resumed.blocks).toEqual(whole.blocks.slice(1));
  });

  it.each([
    { name: 'a repeated sequence', messages: [tx(3, 2000), tx(3, 2000)] },
    { name: 'a sequence going back', messages: [tx(3, 2000), tx(2, 2000)] },
    {
      name: 'a sequence at or before the start position',
      messages: [tx(1, 2000)],
      position: { ...GENESIS, lastSeq: 1 },
    },
    { name: 'a negative time', messages: [tx(1, -1)] },
  ])('asserts stream order: $name is a bug in the caller', ({ messages, position }) => {
    expect(() => cutAll(2, position ?? GENESIS, messages)).toThrow(AssertionError);
  });

  it('asserts its options', () => {
    expect(() => new BlockCutter({ blockTxsMax: 0 }, GENESIS)).toThrow(AssertionError);
    expect(() => new BlockCutter({ blockTxsMax: 1.5 }, GENESIS)).toThrow(AssertionError);
    expect(() => new BlockCutter({ blockTxsMax: 1 }, { ...GENESIS, lastSeq: -1 })).toThrow(AssertionError);
  });
});

type Action =
  | { readonly kind: 'tx'; readonly gap: number; readonly dt: number }
  | { readonly kind: 'cut-current' | 'cut-empty'; readonly gap: number; readonly dt: number }
  | { readonly kind: 'cut-stale'; readonly gap: number; readonly dt: number; readonly offset: bigint }
  | { readonly kind: 'cut-malformed'; readonly gap: number; readonly dt: number; readonly length: number };

const gapArb = fc.nat({ max: 2 });
const dtArb = fc.integer({ min: -300, max: 400 });
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('tx' as const), gap: gapArb, dt: dtArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cut-current' as const), gap: gapArb, dt: dtArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cut-empty' as const), gap: gapArb, dt: dtArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('cut-stale' as const),
      gap: gapArb,
      dt: dtArb,
      offset: fc.constantFrom(-2n, -1n, 1n, 2n),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('cut-malformed' as const),
      gap: gapArb,
      dt: dtArb,
      length: fc.integer({ min: 0, max: 24 }).filter((n) => n !== CUT_MARKER_BYTES),
    }),
  },
);

/**
 * Turns actions into stream messages. Markers meant to match need the pending block's (height, first seq): a
 * helper cutter follows along to know them; the property then runs fresh cutters over the finished stream.
 */
function buildStream(blockTxsMax: number, start: CutterPosition, actions: readonly Action[]): OrderingMessage[] {
  const follower = new BlockCutter({ blockTxsMax }, start);
  const messages: OrderingMessage[] = [];
  let seq = start.lastSeq;
  let timeMs = 5_000;
  for (const action of actions) {
    seq += 1 + action.gap;
    timeMs = Math.max(0, timeMs + action.dt);
    const pending = follower.pending();
    const height = pending?.height ?? follower.position().height;
    let message: OrderingMessage;
    switch (action.kind) {
      case 'tx':
        message = tx(seq, timeMs);
        break;
      case 'cut-current':
        message = cut(seq, timeMs, height, pending?.firstSeq ?? seq);
        break;
      case 'cut-empty':
        message = cut(seq, timeMs, follower.position().height, seq + 1);
        break;
      case 'cut-stale': {
        const stale = height + action.offset;
        message = cut(seq, timeMs, stale < 0n ? 0n : stale, pending?.firstSeq ?? seq);
        break;
      }
      case 'cut-malformed':
        message = rawCut(seq, timeMs, new Uint8Array(action.length).fill(1));
        break;
    }
    follower.push(message);
    messages.push(message);
  }
  return messages;
}

describe('BlockCutter properties', () => {
  it('resuming at any emitted block boundary gives the same blocks; every tx appears once, in stream order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.record({
          height: fc.bigInt({ min: 1n, max: 1_000n }),
          lastSeq: fc.nat({ max: 50 }),
          prevTimeMs: fc.bigInt({ min: 0n, max: 8_000n }),
        }),
        fc.array(actionArb, { maxLength: 150 }),
        (blockTxsMax, start, actions) => {
          const messages = buildStream(blockTxsMax, start, actions);
          const whole = cutAll(blockTxsMax, start, messages);

          // Heights consecutive, sizes within bounds, sequence ranges increasing, times non-decreasing.
          let previous: CutterPosition = start;
          for (const block of whole.blocks) {
            expect(block.height).toBe(previous.height);
            expect(block.txs.length).toBeGreaterThanOrEqual(1);
            expect(block.txs.length).toBeLessThanOrEqual(blockTxsMax);
            expect(block.firstSeq).toBeGreaterThan(previous.lastSeq);
            expect(block.lastSeq).toBeGreaterThanOrEqual(block.firstSeq);
            const trigger = messages.find((m) => m.seq === block.lastSeq);
            const expectedTime =
              trigger !== undefined && trigger.timeMs > previous.prevTimeMs ? trigger.timeMs : previous.prevTimeMs;
            expect(block.timeMs).toBe(expectedTime);
            previous = { height: block.height + 1n, lastSeq: block.lastSeq, prevTimeMs: block.timeMs };
          }
          expect(whole.cutter.position()).toEqual(previous);

          // Every tx exactly once, in stream order: the blocks' txs then the pending ones are the tx messages.
          const txMessages = messages.filter((m) => m.kind === 'tx');
          const cutTxs = whole.blocks.flatMap((b) => b.txs);
          const pendingCount = whole.cutter.pending()?.txCount ?? 0;
          expect(cutTxs.length + pendingCount).toBe(txMessages.length);
          expect(cutTxs).toEqual(txMessages.slice(0, cutTxs.length).map((m) => m.data));
          expect(txMessages.slice(cutTxs.length).every((m) => m.seq > previous.lastSeq)).toBe(true);

          // Resume at every boundary: same later blocks, same pending block.
          for (const [index, block] of whole.blocks.entries()) {
            const position = { height: block.height + 1n, lastSeq: block.lastSeq, prevTimeMs: block.timeMs };
            const resumed = cutAll(
              blockTxsMax,
              position,
              messages.filter((m) => m.seq > position.lastSeq),
            );
            expect(resumed.blocks).toEqual(whole.blocks.slice(index + 1));
            expect(resumed.cutter.pending()).toEqual(whole.cutter.pending());
            expect(resumed.cutter.position()).toEqual(whole.cutter.position());
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
