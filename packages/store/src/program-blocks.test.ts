// Goal: `program_blocks` names exactly the blocks in which a program appears (any `program.*` transaction of it,
// whatever its result, or an expiry sweep of it), is written in the block's SQLite transaction, and is built on open
// for a file that lacks it (or lacks its newest blocks), while a read-only open of such a file still answers. Method:
// real SQLite files in a temp dir, canonically encoded transactions (signatures are not checked by the store).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BlockHeader,
  decodeTransaction,
  encodeTransaction,
  type ProgramSweep,
  type StateEntry,
  type TransferOp,
  type TxBody,
  type TxCode,
} from '@paychain/core';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { BlockStore, programOfTx } from './block-store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'paychain-program-blocks-'));
  dirs.push(dir);
  return join(dir, 'ledger.sqlite');
}

const zero = new Uint8Array(32);
const id = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(32 - prefix.length, '0')}`;
const P = id('5b', 1);
const Q = id('5b', 2);
const NEVER = id('5b', 3);
const FUNDING = id('f0', 1);
const BENEFICIARY = id('be', 1);
const MERCHANT = id('a0', 1);

let counter = 0;
function tx(body: TxBody): Uint8Array {
  return encodeTransaction({
    chainId: 'paychain-program-blocks-test',
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
  asset: 'CNY',
  amount: BigInt(n),
  memo: 'unrelated',
});
const create = (program: string): TxBody => ({
  type: 'program.create',
  program,
  funder: 'bank',
  auditor: 'regulator',
  asset: 'CNY',
  budget: 1_000_00n,
  rules: {
    mccs: ['5261'],
    merchants: [],
    regions: ['CN-SC'],
    perPaymentMax: 100_00n,
    perBeneficiaryMax: 500_00n,
    validFromMs: 0n,
    validUntilMs: 2_000_000_000_000n,
    atExpiry: 'return',
  },
  fundingAccount: FUNDING,
});
const sweep = (program: string): ProgramSweep => ({
  program,
  pool: 10n,
  balances: [{ account: BENEFICIARY, amount: 5n }],
  complete: true,
});
const balance = (account: string): StateEntry => ({
  kind: 'balance',
  account,
  asset: 'CNY',
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
  readonly sweeps?: ProgramSweep[];
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
    programSweeps: block.sweeps ?? [],
    changes: [
      { key: `balance:${id('c0', Number(height))}:CNY`, before: null, after: balance(id('c0', Number(height))) },
    ],
    commitmentBytes: new Uint8Array(2048),
  };
}

/** Heights 1..14: P appears in 2, 4, 5, 7, 8, 9, 10, 11, 13; Q in 6, 12; the rest are ordinary payments. */
const CHAIN: TestBlock[] = [
  { bodies: [transfer(1), transfer(2)] },
  { bodies: [transfer(3), create(P)] },
  { bodies: [transfer(4), { type: 'account.merchant', account: MERCHANT, mcc: '5261', region: 'CN-SC' }] },
  { bodies: [transfer(5), { type: 'program.fund', program: P, amount: 1_000n }, transfer(6)] },
  { bodies: [{ type: 'program.disburse', program: P, allocations: [{ beneficiary: BENEFICIARY, amount: 300n }] }] },
  { bodies: [transfer(7), create(Q)] },
  // A refused spend still names its block: the trace decides what counts.
  {
    bodies: [{ type: 'program.spend', program: P, beneficiary: BENEFICIARY, merchant: MERCHANT, amount: 999n }],
    codes: ['amount_above_cap'],
  },
  {
    bodies: [
      { type: 'program.spend', program: P, beneficiary: BENEFICIARY, merchant: MERCHANT, amount: 100n },
      { type: 'program.redeem', program: P, merchant: MERCHANT, amount: 50n },
    ],
  },
  { bodies: [{ type: 'program.clawback', program: P, beneficiary: BENEFICIARY, amount: 10n, reason: 'duplicate' }] },
  { bodies: [transfer(8), { type: 'program.suspend', program: P, reason: 'audit' }] },
  { bodies: [{ type: 'program.resume', program: P, reason: 'audit done' }] },
  // Sweeps only: Q's in a block with a payment, P's in a block without transactions.
  { bodies: [transfer(9)], sweeps: [sweep(Q)] },
  { bodies: [], sweeps: [sweep(P)] },
  { bodies: [transfer(10), { type: 'batch', ops: [transfer(11), transfer(12)] }] },
];
const P_HEIGHTS = [2n, 4n, 5n, 7n, 8n, 9n, 10n, 11n, 13n];
const Q_HEIGHTS = [6n, 12n];

function writeChain(path: string): void {
  const store = BlockStore.open(path, { create: true });
  for (const [i, block] of CHAIN.entries()) store.commitBlock(toCommit(BigInt(i + 1), block));
  store.close();
}

function indexRows(path: string): Array<[string, number]> {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare('SELECT program, height FROM program_blocks ORDER BY program, height').all() as Array<{
      program: string;
      height: number;
    }>;
    return rows.map((r) => [r.program, r.height]);
  } finally {
    db.close();
  }
}
const expectedRows = (): Array<[string, number]> => [
  ...P_HEIGHTS.map((h): [string, number] => [P, Number(h)]),
  ...Q_HEIGHTS.map((h): [string, number] => [Q, Number(h)]),
];

describe('program_blocks', () => {
  it('reads the program id of every program transaction at its offset, and none of any other bytes', () => {
    for (const block of CHAIN) {
      for (const body of block.bodies) {
        const bytes = tx(body);
        expect(programOfTx(bytes), body.type).toBe('program' in body ? body.program : null);
      }
    }
    // A long chain id moves the offset; bytes that are not a transaction of this version name no program.
    const long = encodeTransaction({
      chainId: 'x'.repeat(64),
      id: id('7', 999),
      expiresAt: 1n,
      body: { type: 'program.fund', program: Q, amount: 1n },
      signatures: [],
    });
    expect(programOfTx(long)).toBe(Q);
    // Cut inside the program id (after it: amount:u64 and the signature count).
    expect(programOfTx(long.subarray(0, long.length - 9))).toBe(Q);
    expect(programOfTx(long.subarray(0, long.length - 10))).toBe(null);
    expect(programOfTx(new Uint8Array([2, ...long.subarray(1)]))).toBe(null);
    expect(programOfTx(new Uint8Array([1]))).toBe(null);
    expect(programOfTx(new Uint8Array(0))).toBe(null);
  });

  it('holds exactly the heights where each program appears, ascending; [] for a program never seen', () => {
    const path = tempPath();
    writeChain(path);
    const store = BlockStore.open(path);
    try {
      expect(store.programHeights(P)).toEqual(P_HEIGHTS);
      expect(store.programHeights(Q)).toEqual(Q_HEIGHTS);
      expect(store.programHeights(NEVER)).toEqual([]);
      expect(store.programHeights('not an id')).toEqual([]);
      expect(indexRows(path)).toEqual(expectedRows());
    } finally {
      store.close();
    }
  });

  it('is written in the block transaction: a failed commit leaves no row and a later one indexes as usual', () => {
    const path = tempPath();
    const store = BlockStore.open(path, { create: true });
    try {
      store.commitBlock(toCommit(1n, { bodies: [create(P)] }));
      const block = toCommit(2n, { bodies: [{ type: 'program.fund', program: Q, amount: 5n }], sweeps: [sweep(P)] });
      // The state value fails to encode after the index rows are written (u64 out of range): all of it rolls back.
      const bad = { ...balance(id('c0', 2)), creditsPosted: -1n };
      expect(() =>
        store.commitBlock({ ...block, changes: [{ key: `balance:${id('c0', 2)}:CNY`, before: null, after: bad }] }),
      ).toThrow();
      expect(store.getBlock(2n)).toBeNull();
      expect(store.programHeights(Q)).toEqual([]);
      expect(store.programHeights(P)).toEqual([1n]);
      store.commitBlock(block);
      expect(store.programHeights(Q)).toEqual([2n]);
      expect(store.programHeights(P)).toEqual([1n, 2n]);
    } finally {
      store.close();
    }
    expect(indexRows(path)).toEqual([
      [P, 1],
      [P, 2],
      [Q, 2],
    ]);
  });

  it('is built on open for a file from before the index; read-only, such a file is answered from its blocks', () => {
    const path = tempPath();
    writeChain(path);
    // The older layout: no index table and no index height.
    const raw = new Database(path);
    raw.exec("DROP TABLE program_blocks; DELETE FROM meta WHERE key = 'program_index_height'");
    raw.close();

    const readonly = BlockStore.open(path, { readonly: true });
    try {
      expect(readonly.programHeights(P)).toEqual(P_HEIGHTS);
      expect(readonly.programHeights(Q)).toEqual(Q_HEIGHTS);
      expect(readonly.programHeights(NEVER)).toEqual([]);
    } finally {
      readonly.close();
    }

    const upgraded = BlockStore.open(path);
    try {
      expect(indexRows(path)).toEqual(expectedRows());
      expect(upgraded.programHeights(P)).toEqual(P_HEIGHTS);
      upgraded.commitBlock(toCommit(15n, { bodies: [{ type: 'program.fund', program: Q, amount: 1n }] }));
      expect(upgraded.programHeights(Q)).toEqual([...Q_HEIGHTS, 15n]);
    } finally {
      upgraded.close();
    }
  });

  it('indexes the blocks a build without the index added, on the next writable open', () => {
    const path = tempPath();
    writeChain(path);
    // As if blocks 10..14 were committed by an older build: no rows for them, the index height still at 9.
    const raw = new Database(path);
    raw.exec(
      "DELETE FROM program_blocks WHERE height > 9; UPDATE meta SET value = x'39' WHERE key = 'program_index_height'",
    );
    raw.close();

    const readonly = BlockStore.open(path, { readonly: true });
    try {
      expect(readonly.programHeights(P)).toEqual(P_HEIGHTS);
      expect(readonly.programHeights(Q)).toEqual(Q_HEIGHTS);
    } finally {
      readonly.close();
    }
    expect(indexRows(path).length).toBeLessThan(expectedRows().length);

    BlockStore.open(path).close();
    expect(indexRows(path)).toEqual(expectedRows());
  });
});
