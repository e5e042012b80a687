// Goal: `quote_blocks` names exactly the blocks in which an FX quote appears (an `fx.quote`, `fx.convert` or
// `fx.cancel` transaction of it, whatever its result), is written in the block's SQLite transaction beside
// `program_blocks` without mixing with it, and is built on open for a file that lacks it (or lacks its newest
// blocks), while a read-only open of such a file still answers. Method: real SQLite files in a temp dir, canonically
// encoded transactions (signatures are not checked by the store), as program-blocks.test.ts does for programs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BlockHeader,
  decodeTransaction,
  encodeTransaction,
  type StateEntry,
  type TransferOp,
  TX_TAGS,
  type TxBody,
  type TxCode,
} from '@paychain/core';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { BlockStore, programOfTx, quoteOfTx } from './block-store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'paychain-quote-blocks-'));
  dirs.push(dir);
  return join(dir, 'ledger.sqlite');
}

const zero = new Uint8Array(32);
const id = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(32 - prefix.length, '0')}`;
const A = id('9f', 1);
const B = id('9f', 2);
const NEVER = id('9f', 3);
const PROGRAM = id('5b', 1);
const PAYER = id('ba', 1);
const MERCHANT = id('1c', 1);

let counter = 0;
function tx(body: TxBody): Uint8Array {
  return encodeTransaction({
    chainId: 'paychain-quote-blocks-test',
    id: id('7', ++counter),
    expiresAt: 1_900_000_000_000n,
    body,
    signatures: [{ publicKey: new Uint8Array(65).fill(4), signature: new Uint8Array(64).fill(9) }],
  });
}
const transfer = (n: number): TransferOp => ({
  type: 'transfer',
  source: id('c0', n),
  target: id('d0', n),
  asset: 'HKD',
  amount: BigInt(n),
  memo: 'unrelated',
});
const post = (quote: string): TxBody => ({
  type: 'fx.quote',
  quote,
  provider: 'fxlp',
  baseAsset: 'HKD',
  quoteAsset: 'ICBC-CNY',
  rateNum: 9213n,
  rateDen: 10000n,
  minBase: 1_00n,
  maxBase: 5_000_00n,
  capacity: 9_000_00n,
  baseAccount: id('1f', 1),
  quoteAccount: id('1f', 2),
  expiresAt: 1_800_000_000_000n,
});
const convert = (quote: string, baseAmount: bigint): TxBody => ({
  type: 'fx.convert',
  quote,
  source: PAYER,
  target: MERCHANT,
  baseAmount,
  rateNum: 9213n,
  rateDen: 10000n,
  memo: 'cross-currency payment',
});
const cancel = (quote: string): TxBody => ({ type: 'fx.cancel', quote });
const balance = (account: string): StateEntry => ({
  kind: 'balance',
  account,
  asset: 'HKD',
  debitsPosted: 0n,
  creditsPosted: 1n,
  debitsPending: 0n,
  creditsPending: 0n,
  day: 0n,
  daySpent: 0n,
});
function header(height: bigint, txCount: number): BlockHeader {
  return {
    chainId: 't',
    height,
    prevHash: zero,
    time: 1n,
    txCount,
    txRoot: zero,
    resultRoot: zero,
    stateCommitment: zero,
  };
}

interface TestBlock {
  readonly bodies: TxBody[];
  readonly codes?: TxCode[];
}
function toCommit(height: bigint, block: TestBlock) {
  const txs = block.bodies.map(tx);
  return {
    header: header(height, txs.length),
    hash: new Uint8Array(32).fill(Number(height)),
    txs,
    results: txs.map((bytes, i) => {
      const decoded = decodeTransaction(bytes);
      if (!decoded.ok) throw new Error('test setup: a transaction decodes');
      return { id: decoded.value.tx.id, code: block.codes?.[i] ?? ('ok' as const), opIndex: 0 };
    }),
    expired: [],
    changes: [
      { key: `balance:${id('c0', Number(height))}:HKD`, before: null, after: balance(id('c0', Number(height))) },
    ],
    commitmentBytes: new Uint8Array(2048),
  };
}

/** Heights 1..9: A appears in 2, 3, 4, 6, 7; B in 5, 7; a program in 8; the rest are ordinary payments. */
const CHAIN: TestBlock[] = [
  { bodies: [transfer(1), transfer(2)] },
  { bodies: [transfer(3), post(A)] },
  { bodies: [convert(A, 100_00n), transfer(4), convert(A, 5_00n)] },
  // A refused conversion still names its block: the reader decides what counts.
  { bodies: [convert(A, 9_999_00n)], codes: ['amount_outside_quote'] },
  { bodies: [transfer(5), post(B)] },
  { bodies: [cancel(A)] },
  { bodies: [convert(B, 1_00n), convert(A, 1_00n), transfer(6)], codes: ['ok', 'quote_expired', 'ok'] },
  { bodies: [{ type: 'program.fund', program: PROGRAM, amount: 1_000n }] },
  { bodies: [transfer(7), { type: 'batch', ops: [transfer(8), transfer(9)] }] },
];
const A_HEIGHTS = [2n, 3n, 4n, 6n, 7n];
const B_HEIGHTS = [5n, 7n];

function writeChain(path: string): void {
  const store = BlockStore.open(path, { create: true });
  for (const [i, block] of CHAIN.entries()) store.commitBlock(toCommit(BigInt(i + 1), block));
  store.close();
}

function indexRows(path: string, table = 'quote_blocks', column = 'quote'): Array<[string, number]> {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare(`SELECT ${column} AS id, height FROM ${table} ORDER BY id, height`).all() as Array<{
      id: string;
      height: number;
    }>;
    return rows.map((r) => [r.id, r.height]);
  } finally {
    db.close();
  }
}
const expectedRows = (): Array<[string, number]> => [
  ...A_HEIGHTS.map((h): [string, number] => [A, Number(h)]),
  ...B_HEIGHTS.map((h): [string, number] => [B, Number(h)]),
];

describe('quote_blocks', () => {
  it('reads the quote id of every FX transaction at its offset (tags 60–62), and none of any other bytes', () => {
    expect([TX_TAGS['fx.quote'], TX_TAGS['fx.convert'], TX_TAGS['fx.cancel']]).toEqual([60, 61, 62]);
    for (const block of CHAIN) {
      for (const body of block.bodies) {
        const bytes = tx(body);
        expect(quoteOfTx(bytes), body.type).toBe(body.type.startsWith('fx.') && 'quote' in body ? body.quote : null);
        // The two indexes never name each other's transactions.
        if (body.type.startsWith('fx.')) expect(programOfTx(bytes)).toBe(null);
      }
    }
    // A long chain id moves the offset; bytes that are not a transaction of this version name no quote.
    const long = encodeTransaction({
      chainId: 'x'.repeat(64),
      id: id('7', 999),
      expiresAt: 1n,
      body: cancel(B),
      signatures: [],
    });
    expect(quoteOfTx(long)).toBe(B);
    // After the quote id of a cancel comes only the signature count: cut it, then cut into the id.
    expect(quoteOfTx(long.subarray(0, long.length - 1))).toBe(B);
    expect(quoteOfTx(long.subarray(0, long.length - 2))).toBe(null);
    expect(quoteOfTx(new Uint8Array([2, ...long.subarray(1)]))).toBe(null);
    expect(quoteOfTx(new Uint8Array([1]))).toBe(null);
    expect(quoteOfTx(new Uint8Array(0))).toBe(null);
  });

  it('holds exactly the heights where each quote appears, ascending; [] for a quote never seen', () => {
    const path = tempPath();
    writeChain(path);
    const store = BlockStore.open(path);
    try {
      expect(store.quoteHeights(A)).toEqual(A_HEIGHTS);
      expect(store.quoteHeights(B)).toEqual(B_HEIGHTS);
      expect(store.quoteHeights(NEVER)).toEqual([]);
      expect(store.quoteHeights('not an id')).toEqual([]);
      expect(store.quoteIndexHeight()).toBe(BigInt(CHAIN.length));
      expect(indexRows(path)).toEqual(expectedRows());
      // The program index is as before: only the program's block.
      expect(indexRows(path, 'program_blocks', 'program')).toEqual([[PROGRAM, 8]]);
    } finally {
      store.close();
    }
  });

  it('is written in the block transaction: a failed commit leaves no row and a later one indexes as usual', () => {
    const path = tempPath();
    const store = BlockStore.open(path, { create: true });
    try {
      store.commitBlock(toCommit(1n, { bodies: [post(A)] }));
      const block = toCommit(2n, { bodies: [post(B), convert(A, 1_00n)] });
      // The state value fails to encode after the index rows are written (u64 out of range): all of it rolls back.
      const bad = { ...balance(id('c0', 2)), creditsPosted: -1n };
      expect(() =>
        store.commitBlock({ ...block, changes: [{ key: `balance:${id('c0', 2)}:HKD`, before: null, after: bad }] }),
      ).toThrow();
      expect(store.getBlock(2n)).toBeNull();
      expect(store.quoteHeights(B)).toEqual([]);
      expect(store.quoteHeights(A)).toEqual([1n]);
      expect(store.quoteIndexHeight()).toBe(1n);
      store.commitBlock(block);
      expect(store.quoteHeights(B)).toEqual([2n]);
      expect(store.quoteHeights(A)).toEqual([1n, 2n]);
      expect(store.quoteIndexHeight()).toBe(2n);
    } finally {
      store.close();
    }
    expect(indexRows(path)).toEqual([
      [A, 1],
      [A, 2],
      [B, 2],
    ]);
  });

  it('is built on open for a file from before the index; read-only, such a file is answered from its blocks', () => {
    const path = tempPath();
    writeChain(path);
    // The older layout: no index table and no index height (the program index stays).
    const raw = new Database(path);
    raw.exec("DROP TABLE quote_blocks; DELETE FROM meta WHERE key = 'quote_index_height'");
    raw.close();

    const readonly = BlockStore.open(path, { readonly: true });
    try {
      expect(readonly.quoteIndexHeight()).toBe(0n);
      expect(readonly.quoteHeights(A)).toEqual(A_HEIGHTS);
      expect(readonly.quoteHeights(B)).toEqual(B_HEIGHTS);
      expect(readonly.quoteHeights(NEVER)).toEqual([]);
    } finally {
      readonly.close();
    }

    const upgraded = BlockStore.open(path);
    try {
      expect(indexRows(path)).toEqual(expectedRows());
      expect(upgraded.quoteIndexHeight()).toBe(BigInt(CHAIN.length));
      expect(upgraded.quoteHeights(A)).toEqual(A_HEIGHTS);
      upgraded.commitBlock(toCommit(10n, { bodies: [convert(B, 2_00n)] }));
      expect(upgraded.quoteHeights(B)).toEqual([...B_HEIGHTS, 10n]);
    } finally {
      upgraded.close();
    }
  });

  it('indexes the blocks a build without the index added, on the next writable open', () => {
    const path = tempPath();
    writeChain(path);
    // As if blocks 5..9 were committed by an older build: no rows for them, the index height still at 4.
    const raw = new Database(path);
    raw.exec(
      "DELETE FROM quote_blocks WHERE height > 4; UPDATE meta SET value = x'34' WHERE key = 'quote_index_height'",
    );
    raw.close();

    const readonly = BlockStore.open(path, { readonly: true });
    try {
      expect(readonly.quoteHeights(A)).toEqual(A_HEIGHTS);
      expect(readonly.quoteHeights(B)).toEqual(B_HEIGHTS);
    } finally {
      readonly.close();
    }
    expect(indexRows(path).length).toBeLessThan(expectedRows().length);

    BlockStore.open(path).close();
    expect(indexRows(path)).toEqual(expectedRows());
  });
});
