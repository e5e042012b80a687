/**
 * Deterministic block cutting over an ordered stream (the cluster orderer, issue 3). Every peer reads the same
 * JetStream stream and must form identical blocks, so the rule here is a pure function of the stream's messages:
 * no clock, no I/O, no randomness. The stream's own stored timestamps (assigned by the stream leader, replicated
 * with the message) give the block time.
 *
 * The rule, exactly:
 * - State: the next height `h`, the last stream sequence consumed into an emitted block, the previous block time,
 *   and the pending transactions (in stream order).
 * - A `tx` message that would take pending past BLOCK_BYTES_MAX bytes first emits pending as it is (its `lastSeq` and
 *   time are those of pending's last transaction), then starts the next pending block. Any one message fits an empty
 *   block (a transaction is at most TX_DISBURSE_BYTES_MAX ≤ BLOCK_BYTES_MAX; the stream's messages are smaller still).
 * - A `tx` message is appended to pending; when pending holds `blockTxsMax` transactions the block is emitted.
 * - A `cut` message whose data is exactly a cut marker (16 bytes: u64 height ‖ u64 first sequence, big-endian)
 *   naming height `h` *and* the sequence of pending's first transaction emits the block. Any other cut message
 *   (another height, another first sequence, pending empty, wrong length) is ignored.
 * - The emitted block is `{ height: h, txs, firstSeq, lastSeq, timeMs }`: `firstSeq` is the first transaction's
 *   sequence, `lastSeq` the sequence of the message that triggered the cut (the last transaction for a size cut,
 *   the marker for a marker cut), `timeMs = max(previous block time, stored timestamp of that message)`, so block
 *   times never go back even when a new stream leader's clock is behind.
 *
 * Resume: right after block `h` is emitted, pending holds nothing before `lastSeq + 1`, so the whole state is the
 * `CutterPosition`
 * `{ height: h + 1, lastSeq, prevTimeMs: block h's time }`. A peer that stored block h (with its `lastSeq`) resumes
 * by building a cutter at that position and reading the stream from `lastSeq + 1`; it forms the same blocks as a
 * peer that never stopped. Messages between two blocks that were ignored (stale markers) are read again and ignored
 * again, since whether a marker matches depends only on the position and the messages after it.
 *
 * Duplicates: JetStream drops a republished message id only inside its duplicate window, so the same transaction
 * bytes can appear twice in the stream (a client retrying after the window). The cutter passes both copies on;
 * the ledger then refuses the second deterministically (`one application per id`), on every peer alike.
 *
 * Why the marker names the first sequence too (the brief had height only): marker ids are `cut-<h>-<firstSeq>`
 * and JetStream remembers ids for the duplicate window. With the height alone, a premature or misdirected marker
 * `cut-<h>` (published while block h was still empty) would be ignored by the cutter yet would also swallow the
 * real marker for h for ten minutes, stalling time cuts. Binding the marker to the block's first transaction makes
 * each marker name exactly one block.
 */
import { assert, assertNever, BLOCK_BYTES_MAX, U64_MAX } from '@paychain/core';

/** Sub-kind of a message in the transaction stream, from its subject. */
export type OrderingMessageKind = 'tx' | 'cut';

/** One message of the transaction stream, as every peer sees it. */
export interface OrderingMessage {
  /** Stream sequence: strictly increasing along the stream. */
  readonly seq: number;
  /** The stream's stored timestamp, ms since the epoch (the same on every replica). */
  readonly timeMs: bigint;
  readonly kind: OrderingMessageKind;
  readonly data: Uint8Array;
}

export interface CutBlock {
  readonly height: bigint;
  /** Transaction bytes in stream order, as published. */
  readonly txs: readonly Uint8Array[];
  /** Stream sequence of the first transaction. */
  readonly firstSeq: number;
  /** Stream sequence of the message that triggered the cut; the next block's messages come after it. */
  readonly lastSeq: number;
  readonly timeMs: bigint;
}

/** A cutter's state at a block boundary: everything a restarted peer needs besides the stream itself. */
export interface CutterPosition {
  /** Height of the next block to emit. */
  readonly height: bigint;
  /** Stream sequence of the last message consumed into an emitted block (0 before the first block). */
  readonly lastSeq: number;
  /** Time of the previous block (the genesis time before the first block). */
  readonly prevTimeMs: bigint;
}

export interface PendingBlock {
  readonly height: bigint;
  readonly firstSeq: number;
  readonly txCount: number;
}

export interface CutMarker {
  readonly height: bigint;
  readonly firstSeq: number;
}

export interface BlockCutterOptions {
  /** Consensus parameter: every peer of a chain must use the same value. */
  readonly blockTxsMax: number;
}

export const CUT_MARKER_BYTES = 16;

export function encodeCutMarker(marker: CutMarker): Uint8Array {
  assert(marker.height >= 0n && marker.height <= U64_MAX, `cut marker height out of range: ${marker.height}`);
  assert(Number.isSafeInteger(marker.firstSeq) && marker.firstSeq > 0, `cut marker seq: ${marker.firstSeq}`);
  const bytes = new Uint8Array(CUT_MARKER_BYTES);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, marker.height);
  view.setBigUint64(8, BigInt(marker.firstSeq));
  return bytes;
}

/** A marker from the stream, or undefined when the bytes are not one (wrong length, sequence beyond 2^53). */
export function decodeCutMarker(data: Uint8Array): CutMarker | undefined {
  if (data.length !== CUT_MARKER_BYTES) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const height = view.getBigUint64(0);
  const firstSeq = view.getBigUint64(8);
  if (firstSeq === 0n || firstSeq > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return { height, firstSeq: Number(firstSeq) };
}

export class BlockCutter {
  private readonly blockTxsMax: number;
  private boundary: CutterPosition;
  private pendingTxs: Uint8Array[] = [];
  private pendingFirstSeq = 0;
  /** Bytes of pending's transactions; a block stays within BLOCK_BYTES_MAX. */
  private pendingBytes = 0;
  /** Sequence and stored time of pending's last transaction: where a cut by bytes ends the block. */
  private pendingLastSeq = 0;
  private pendingLastTimeMs = 0n;
  private readSeqValue: number;

  constructor(options: BlockCutterOptions, position: CutterPosition) {
    assert(Number.isSafeInteger(options.blockTxsMax) && options.blockTxsMax >= 1, 'blockTxsMax is a positive integer');
    assert(position.height >= 0n && position.height <= U64_MAX, `height out of range: ${position.height}`);
    assert(Number.isSafeInteger(position.lastSeq) && position.lastSeq >= 0, `lastSeq: ${position.lastSeq}`);
    assert(position.prevTimeMs >= 0n, `prevTimeMs: ${position.prevTimeMs}`);
    this.blockTxsMax = options.blockTxsMax;
    this.boundary = { ...position };
    this.readSeqValue = position.lastSeq;
  }

  /** The position after the last emitted block: where a restarted peer resumes (reading from `lastSeq + 1`). */
  position(): CutterPosition {
    return this.boundary;
  }

  /** Sequence of the last message pushed (at or after `position().lastSeq`). */
  get readSeq(): number {
    return this.readSeqValue;
  }

  pending(): PendingBlock | undefined {
    if (this.pendingTxs.length === 0) return undefined;
    return { height: this.boundary.height, firstSeq: this.pendingFirstSeq, txCount: this.pendingTxs.length };
  }

  /** Consumes the next message of the stream; returns the block it completes, if any. */
  push(message: OrderingMessage): CutBlock | undefined {
    assert(
      Number.isSafeInteger(message.seq) && message.seq > this.readSeqValue,
      `stream order: seq ${message.seq} after ${this.readSeqValue}`,
    );
    assert(message.timeMs >= 0n, `message time: ${message.timeMs}`);
    this.readSeqValue = message.seq;
    switch (message.kind) {
      case 'tx': {
        let byBytes: CutBlock | undefined;
        if (this.pendingTxs.length > 0 && this.pendingBytes + message.data.length > BLOCK_BYTES_MAX) {
          byBytes = this.emit({ seq: this.pendingLastSeq, timeMs: this.pendingLastTimeMs });
        }
        if (this.pendingTxs.length === 0) this.pendingFirstSeq = message.seq;
        this.pendingTxs.push(message.data);
        this.pendingBytes += message.data.length;
        this.pendingLastSeq = message.seq;
        this.pendingLastTimeMs = message.timeMs;
        if (byBytes !== undefined) {
          // blockTxsMax ≥ 2 here: with 1, pending is always empty when a transaction arrives.
          assert(this.pendingTxs.length < this.blockTxsMax, 'one block per message');
          return byBytes;
        }
        return this.pendingTxs.length >= this.blockTxsMax ? this.emit(message) : undefined;
      }
      case 'cut': {
        if (this.pendingTxs.length === 0) return undefined;
        const marker = decodeCutMarker(message.data);
        if (marker === undefined) return undefined;
        if (marker.height !== this.boundary.height || marker.firstSeq !== this.pendingFirstSeq) return undefined;
        return this.emit(message);
      }
      default:
        return assertNever(message.kind, 'message kind');
    }
  }

  private emit(trigger: { readonly seq: number; readonly timeMs: bigint }): CutBlock {
    assert(this.pendingTxs.length > 0 && this.pendingTxs.length <= this.blockTxsMax, 'a block has 1..max txs');
    const timeMs = trigger.timeMs > this.boundary.prevTimeMs ? trigger.timeMs : this.boundary.prevTimeMs;
    const block: CutBlock = {
      height: this.boundary.height,
      txs: this.pendingTxs,
      firstSeq: this.pendingFirstSeq,
      lastSeq: trigger.seq,
      timeMs,
    };
    this.boundary = { height: this.boundary.height + 1n, lastSeq: trigger.seq, prevTimeMs: timeMs };
    this.pendingTxs = [];
    this.pendingFirstSeq = 0;
    this.pendingBytes = 0;
    return block;
  }
}
