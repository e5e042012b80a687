// Goal: `paychain verify` catches every kind of edit to a peer's SQLite file — changed, added,
// removed and reordered transactions and blocks, an edited balance, forged signatures, a damaged
// file — and reports which organization, the first bad height and what is wrong, with a non-zero
// exit and no stack trace. Method: one real 3-organization chain built once (a few hundred signed
// payments over many small blocks); per case, a copy of its data directory in which ONE peer's
// ledger.sqlite is edited directly through better-sqlite3 (all handles closed first), then the
// real CLI is run as a process on the copy. Workload seed: VERIFY_TAMPER_SEED below.
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeCertificate,
  decodeHeader,
  decodeStateEntry,
  decodeTransaction,
  encodeCertificate,
  encodeHeader,
  encodeStateEntry,
  encodeTransaction,
  type StateEntry,
  type Transaction,
} from '@paychain/core';
import { ledgerPath, openDataDir, Peer } from '@paychain/node';
import { BlockStore } from '@paychain/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildChainFixture, type ChainFixture, FIXTURE_GENESIS_TIME_MS } from './helpers/chain-fixture.ts';
import { type CliResult, describeRun, runCli, stackTraceLines } from './helpers/cli.ts';

const VERIFY_TAMPER_SEED = 20_260_101n;

let root: string;
let fixture: ChainFixture;
/** A block in the payment phase with at least three transfers and two blocks after it. */
let middle: bigint;
let head: bigint;
let caseNumber = 0;

beforeAll(async () => {
  console.log(`verify-tamper: workload seed ${VERIFY_TAMPER_SEED}`);
  root = mkdtempSync(join(tmpdir(), 'paychain-tamper-'));
  fixture = await buildChainFixture({
    dir: join(root, 'pristine'),
    suite: 'intl',
    payers: 40,
    merchants: 2,
    payments: 300,
    blockTxsMax: 40,
    seed: VERIFY_TAMPER_SEED,
  });
  head = fixture.headHeight;
  const paymentHeights = [...new Set(fixture.payments.map((p) => p.height))].sort((a, b) => (a < b ? -1 : 1));
  const candidates = paymentHeights.filter(
    (h) => h < head - 1n && fixture.payments.filter((p) => p.height === h).length >= 3,
  );
  const picked = candidates[Math.floor(candidates.length / 2)];
  if (picked === undefined)
    throw new Error(`fixture has no middle payment block (heights ${paymentHeights.join(',')})`);
  middle = picked;
  expect(fixture.payments.every((p) => p.code === 'ok')).toBe(true);
}, 120_000);

afterAll(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

/** A fresh copy of the pristine data directory. */
function copyFixture(): string {
  const dir = join(root, `case-${++caseNumber}`);
  cpSync(fixture.dir, dir, { recursive: true });
  return dir;
}

/** Edits one peer's ledger through a raw better-sqlite3 handle, closed before returning. */
function editLedger(dir: string, org: string, edit: (db: BlockStore['database']) => void): void {
  const store = BlockStore.open(ledgerPath(dir, org));
  try {
    store.transaction(() => edit(store.database));
  } finally {
    store.close();
  }
}

interface TxRow {
  height: number;
  idx: number;
  id: Buffer;
  bytes: Buffer;
  code: number;
  op_index: number;
}

function txRow(db: BlockStore['database'], height: bigint, idx: number): TxRow {
  const row = db
    .prepare('SELECT height, idx, id, bytes, code, op_index FROM txs WHERE height = ? AND idx = ?')
    .get(height, idx) as TxRow | undefined;
  if (row === undefined) throw new Error(`no transaction ${height}/${idx}`);
  return row;
}

function txCountAt(db: BlockStore['database'], height: bigint): number {
  return db.prepare('SELECT COUNT(*) FROM txs WHERE height = ?').pluck().get(height) as number;
}

function decodeTx(bytes: Uint8Array): Transaction {
  const decoded = decodeTransaction(bytes);
  if (!decoded.ok) throw new Error(decoded.error);
  return decoded.value.tx;
}

function flipBit(bytes: Uint8Array, index: number, bit = 0): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[index] = (copy[index] as number) ^ (1 << bit);
  return copy;
}

function setTxBytes(db: BlockStore['database'], height: bigint, idx: number, bytes: Uint8Array): void {
  const info = db.prepare('UPDATE txs SET bytes = ? WHERE height = ? AND idx = ?').run(bytes, height, idx);
  expect(info.changes).toBe(1);
}

/** Moves every row of `from` to `to` in a table keyed by height (through a free height). */
function swapHeights(db: BlockStore['database'], table: 'blocks' | 'txs', a: bigint, b: bigint): void {
  const parking = -1;
  db.prepare(`UPDATE ${table} SET height = ? WHERE height = ?`).run(parking, a);
  db.prepare(`UPDATE ${table} SET height = ? WHERE height = ?`).run(a, b);
  db.prepare(`UPDATE ${table} SET height = ? WHERE height = ?`).run(b, parking);
}

/** Executes one empty block on top of a peer's head through the real peer code (no certificate). */
function appendExecutedBlock(dir: string, org: string): bigint {
  const data = openDataDir(dir);
  const peer = Peer.open({
    orgId: org,
    dbPath: ledgerPath(dir, org),
    genesis: data.genesis,
    suite: data.suite,
    validatorKey: null,
  });
  try {
    const executed = peer.execute({ time: FIXTURE_GENESIS_TIME_MS + 10_000_000n, txs: [] });
    return executed.sealed.header.height;
  } finally {
    peer.close();
  }
}

interface Expectation {
  /** The organization whose file was edited: the only one that must FAIL. */
  readonly org: string;
  /** The first bad height, or null when the file as a whole is damaged. */
  readonly heights: () => readonly bigint[] | null;
  /** What is wrong, as the report must say it. */
  readonly problem: RegExp;
}

function failLineOf(result: CliResult, org: string): string | undefined {
  return result.stderr.split('\n').find((line) => line.startsWith(`FAIL ${org}`));
}

function expectReported(args: readonly string[], result: CliResult, expectation: Expectation): void {
  const why = describeRun(args, result);
  expect(result.code, why).not.toBe(0);
  expect(result.code, why).not.toBeNull();
  expect(stackTraceLines(result.stderr), why).toEqual([]);
  expect(result.stderr, why).not.toMatch(/unexpected error/);
  const line = failLineOf(result, expectation.org);
  expect(line, why).toBeDefined();
  expect(line, why).toMatch(expectation.problem);
  const heights = expectation.heights();
  if (heights !== null) {
    const named = heights.some((h) => new RegExp(`\\b(height|block) ${h}\\b`).test(line ?? ''));
    expect(named, `${why}\nexpected the report to name height ${heights.join(' or ')}`).toBe(true);
  }
  // The untouched peers still pass on their own.
  for (const other of fixture.orgs.filter((o) => o !== expectation.org)) {
    expect(result.stdout, why).toMatch(new RegExp(`^ok ${other}: `, 'm'));
  }
}

async function verifyCopy(dir: string): Promise<{ args: string[]; result: CliResult }> {
  const args = ['verify', '--data', dir];
  return { args, result: await runCli(args) };
}

interface TamperCase {
  readonly name: string;
  readonly org: string;
  readonly tamper: (dir: string) => void;
  readonly heights: () => readonly bigint[] | null;
  readonly problem: RegExp;
}

const MERKLE_MISMATCH = /Merkle root/;
const DAMAGED = /damaged/i;

const cases: readonly TamperCase[] = [
  {
    name: "a transfer's amount re-encoded (signatures kept)",
    org: 'network',
    tamper: (dir) =>
      editLedger(dir, 'network', (db) => {
        const tx = decodeTx(txRow(db, middle, 1).bytes);
        expect(tx.body.type).toBe('transfer');
        if (tx.body.type !== 'transfer') return;
        const forged = encodeTransaction({ ...tx, body: { ...tx.body, amount: tx.body.amount + 100_000n } });
        setTxBytes(db, middle, 1, forged);
      }),
    heights: () => [middle],
    problem: MERKLE_MISMATCH,
  },
  {
    name: 'one byte of a stored transaction changed',
    org: 'regulator',
    tamper: (dir) =>
      editLedger(dir, 'regulator', (db) => {
        const bytes = txRow(db, middle, 2).bytes;
        setTxBytes(db, middle, 2, flipBit(bytes, Math.floor(bytes.length / 2), 3));
      }),
    heights: () => [middle],
    problem: MERKLE_MISMATCH,
  },
  {
    // Traces read the index instead of every block: a row naming a program the block does not hold is caught.
    name: 'a program index row added for a block without that program',
    org: 'bank',
    tamper: (dir) =>
      editLedger(dir, 'bank', (db) => {
        db.prepare('INSERT INTO program_blocks (program, height) VALUES (?, ?)').run('5b'.padEnd(32, '0'), middle);
      }),
    heights: () => [middle],
    problem: /the program index differs from the programs in the block/,
  },
  {
    name: 'the last transaction of a block removed',
    org: 'bank',
    tamper: (dir) =>
      editLedger(dir, 'bank', (db) => {
        const last = txCountAt(db, middle) - 1;
        expect(db.prepare('DELETE FROM txs WHERE height = ? AND idx = ?').run(middle, last).changes).toBe(1);
      }),
    heights: () => [middle],
    problem: /header counts \d+ transactions, the store has \d+/,
  },
  {
    name: 'a transaction in the middle of a block removed',
    org: 'network',
    tamper: (dir) =>
      editLedger(dir, 'network', (db) => {
        expect(db.prepare('DELETE FROM txs WHERE height = ? AND idx = 1').run(middle).changes).toBe(1);
      }),
    heights: () => [middle],
    problem: /transaction 1 is missing|removed/,
  },
  {
    name: "a transaction added at the end of a block (another block's payment)",
    org: 'regulator',
    tamper: (dir) =>
      editLedger(dir, 'regulator', (db) => {
        const donor = txRow(db, middle + 1n, 0);
        db.prepare('INSERT INTO txs (height, idx, id, bytes, code, op_index) VALUES (?, ?, ?, ?, ?, ?)').run(
          middle,
          txCountAt(db, middle),
          donor.id,
          donor.bytes,
          donor.code,
          donor.op_index,
        );
      }),
    heights: () => [middle],
    problem: /header counts \d+ transactions, the store has \d+/,
  },
  {
    name: 'two transactions of a block swapped',
    org: 'bank',
    tamper: (dir) =>
      editLedger(dir, 'bank', (db) => {
        const move = db.prepare('UPDATE txs SET idx = ? WHERE height = ? AND idx = ?');
        move.run(-1, middle, 0);
        move.run(0, middle, 1);
        move.run(1, middle, -1);
      }),
    heights: () => [middle],
    problem: MERKLE_MISMATCH,
  },
  {
    name: "a transaction's stored result code changed",
    org: 'network',
    tamper: (dir) =>
      editLedger(dir, 'network', (db) => {
        // 42 = insufficient_funds: a plausible refusal instead of the real success.
        db.prepare('UPDATE txs SET code = 42 WHERE height = ? AND idx = 0').run(middle);
      }),
    heights: () => [middle],
    problem: /transaction 0: stored result insufficient_funds differs from replay ok/,
  },
  {
    name: 'a block in the middle removed',
    org: 'regulator',
    tamper: (dir) =>
      editLedger(dir, 'regulator', (db) => {
        expect(db.prepare('DELETE FROM blocks WHERE height = ?').run(middle).changes).toBe(1);
      }),
    heights: () => [middle],
    problem: /block is missing/,
  },
  {
    name: 'the head block removed',
    org: 'bank',
    tamper: (dir) =>
      editLedger(dir, 'bank', (db) => {
        expect(db.prepare('DELETE FROM blocks WHERE height = ?').run(head).changes).toBe(1);
      }),
    // The chain up to head-1 is intact: the store's state, transactions and consumed ids are
    // those of the removed head, which is where the audit can first see it.
    heights: () => [head - 1n, head],
    problem: /state|consumed|commitment|transaction/,
  },
  {
    name: "a block added: a copy of the head's row at head+1",
    org: 'network',
    tamper: (dir) =>
      editLedger(dir, 'network', (db) => {
        db.prepare(
          'INSERT INTO blocks (height, hash, header, expired, certificate) SELECT height + 1, hash, header, expired, certificate FROM blocks WHERE height = ?',
        ).run(head);
      }),
    heights: () => [head + 1n],
    problem: /header says height \d+/,
  },
  {
    name: "a block added: executed on the head, with the head's certificate copied in",
    org: 'regulator',
    tamper: (dir) => {
      const added = appendExecutedBlock(dir, 'regulator');
      expect(added).toBe(head + 1n);
      editLedger(dir, 'regulator', (db) => {
        db.prepare(
          'UPDATE blocks SET certificate = (SELECT certificate FROM blocks WHERE height = ?) WHERE height = ?',
        ).run(head, added);
      });
    },
    heights: () => [head + 1n],
    problem: /certificate: (height_mismatch|header_hash_mismatch)/,
  },
  {
    name: "two blocks' rows swapped (transaction rows left in place)",
    org: 'regulator',
    tamper: (dir) => editLedger(dir, 'regulator', (db) => swapHeights(db, 'blocks', middle - 1n, middle)),
    heights: () => [middle - 1n],
    problem: /header says height \d+/,
  },
  {
    name: 'two blocks swapped (block and transaction rows)',
    org: 'bank',
    tamper: (dir) =>
      editLedger(dir, 'bank', (db) => {
        swapHeights(db, 'blocks', middle, middle + 1n);
        swapHeights(db, 'txs', middle, middle + 1n);
      }),
    heights: () => [middle],
    problem: /header says height \d+|previous-hash/,
  },
  {
    name: 'a block header field edited (time), stored hash left as it was',
    org: 'network',
    tamper: (dir) =>
      editLedger(dir, 'network', (db) => {
        const bytes = db.prepare('SELECT header FROM blocks WHERE height = ?').pluck().get(middle) as Buffer;
        const decoded = decodeHeader(bytes);
        if (!decoded.ok) throw new Error(decoded.error);
        const edited = encodeHeader({ ...decoded.value, time: decoded.value.time + 1n });
        db.prepare('UPDATE blocks SET header = ? WHERE height = ?').run(edited, middle);
      }),
    heights: () => [middle],
    problem: /stored block hash does not match its header/,
  },
  {
    name: "an account's balance edited (creditsPosted + 1 yuan)",
    org: 'regulator',
    tamper: (dir) =>
      editLedger(dir, 'regulator', (db) => {
        const row = db.prepare("SELECT key, value FROM state WHERE key LIKE 'balance:%' ORDER BY key LIMIT 1").get() as
          | { key: string; value: Buffer }
          | undefined;
        if (row === undefined) throw new Error('no balance row');
        const decoded = decodeStateEntry(row.value);
        if (!decoded.ok || decoded.value.kind !== 'balance') throw new Error('not a balance entry');
        const edited: StateEntry = { ...decoded.value, creditsPosted: decoded.value.creditsPosted + 100n };
        db.prepare('UPDATE state SET value = ? WHERE key = ?').run(encodeStateEntry(edited), row.key);
      }),
    heights: () => [head],
    problem: /state entry balance:[0-9a-f]{32}:CNY differs from the replay/,
  },
  {
    name: "a transaction's signature forged (one bit flipped)",
    org: 'bank',
    tamper: (dir) =>
      editLedger(dir, 'bank', (db) => {
        const bytes = txRow(db, middle, 0).bytes;
        // The encoding ends with the last signature: its last byte is a signature byte.
        const forged = flipBit(bytes, bytes.length - 1, 0);
        const tx = decodeTx(forged);
        expect(tx.signatures.length).toBe(1);
        setTxBytes(db, middle, 0, forged);
      }),
    heights: () => [middle],
    problem: /Merkle root|signature/,
  },
  {
    name: "a certificate's validator signature forged (one bit flipped)",
    org: 'network',
    tamper: (dir) =>
      editLedger(dir, 'network', (db) => {
        const bytes = db.prepare('SELECT certificate FROM blocks WHERE height = ?').pluck().get(middle) as Buffer;
        const decoded = decodeCertificate(bytes);
        if (!decoded.ok) throw new Error(decoded.error);
        const [first, ...rest] = decoded.value.signatures;
        if (first === undefined) throw new Error('certificate without signatures');
        const forged = {
          ...decoded.value,
          signatures: [{ ...first, signature: flipBit(first.signature, 10, 5) }, ...rest],
        };
        db.prepare('UPDATE blocks SET certificate = ? WHERE height = ?').run(encodeCertificate(forged), middle);
      }),
    heights: () => [middle],
    problem: /certificate: signature_invalid/,
  },
  {
    name: 'the database file overwritten with garbage in the middle',
    org: 'regulator',
    tamper: (dir) => {
      const path = ledgerPath(dir, 'regulator');
      const bytes = readFileSync(path);
      const pageBytes = bytes.readUInt16BE(16) === 1 ? 65_536 : bytes.readUInt16BE(16);
      const pages = Math.floor(bytes.length / pageBytes);
      expect(pages).toBeGreaterThan(4);
      const start = Math.floor(pages / 2) * pageBytes;
      bytes.fill(0xa5, start, start + 2 * pageBytes);
      writeFileSync(path, bytes);
    },
    heights: () => null,
    problem: DAMAGED,
  },
  {
    name: 'the database file truncated to half its size',
    org: 'bank',
    tamper: (dir) => {
      const path = ledgerPath(dir, 'bank');
      truncateSync(path, Math.floor(statSync(path).size / 2));
    },
    heights: () => null,
    problem: DAMAGED,
  },
  {
    name: 'the database file replaced by a garbage file',
    org: 'network',
    tamper: (dir) => {
      const path = ledgerPath(dir, 'network');
      const garbage = Buffer.alloc(statSync(path).size);
      for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 131 + 7) & 0xff;
      writeFileSync(path, garbage);
    },
    heights: () => null,
    problem: DAMAGED,
  },
];

describe('paychain verify on a tampered peer store', () => {
  it('passes the untampered copy with a one-line summary per peer', async () => {
    const dir = copyFixture();
    const { args, result } = await verifyCopy(dir);
    const why = describeRun(args, result);
    expect(result.code, why).toBe(0);
    expect(result.stderr, why).toBe('');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines, why).toHaveLength(fixture.orgs.length);
    const txs = fixture.setup.length + fixture.funding.length + fixture.payments.length;
    for (const [i, org] of fixture.orgs.entries()) {
      expect(lines[i], why).toMatch(
        new RegExp(`^ok ${org}: height ${head}, certified ${head}, ${txs} transactions, head [0-9a-f]{16}…$`),
      );
    }
  });

  it.each(cases)('$name → FAIL $org', async (c) => {
    const dir = copyFixture();
    c.tamper(dir);
    const { args, result } = await verifyCopy(dir);
    expectReported(args, result, { org: c.org, heights: c.heights, problem: c.problem });
  });

  // The transaction rows' id column is the consumed-id index. Replacing a payment's id there
  // keeps every count, yet the peer would accept that payment again.
  it('a consumed payment id replaced by another id in the index → FAIL (the id differs from the transaction)', async () => {
    const dir = copyFixture();
    const victim = fixture.payments[0];
    if (victim === undefined) throw new Error('no payment');
    editLedger(dir, 'network', (db) => {
      const info = db
        .prepare('UPDATE txs SET id = ? WHERE id = ?')
        .run(Buffer.alloc(16, 0xee), Buffer.from(victim.id, 'hex'));
      expect(info.changes).toBe(1);
    });
    const { args, result } = await verifyCopy(dir);
    expectReported(args, result, { org: 'network', heights: () => [victim.height], problem: /stored id/ });
  });

  // Regression: rows at a height without a block were never read. Such a row is not harmless:
  // getTx answers from the highest height, and the next real block there fails its INSERT.
  it('a transaction row added above the head → FAIL (stored rows not produced by the chain)', async () => {
    const dir = copyFixture();
    editLedger(dir, 'bank', (db) => {
      const donor = txRow(db, middle, 0);
      db.prepare('INSERT INTO txs (height, idx, id, bytes, code, op_index) VALUES (?, 0, ?, ?, ?, ?)').run(
        head + 1n,
        donor.id,
        donor.bytes,
        donor.code,
        donor.op_index,
      );
    });
    const { args, result } = await verifyCopy(dir);
    expectReported(args, result, { org: 'bank', heights: () => [head + 1n, head], problem: /transaction/ });
  });

  it('reports an added but well-formed, uncertified head block as not certified (a crash leaves the same)', async () => {
    // A block stored without a certificate is what a crash between store and certify leaves, so
    // verify accepts it; it must at least show that the head is not certified.
    const dir = copyFixture();
    expect(appendExecutedBlock(dir, 'network')).toBe(head + 1n);
    const { args, result } = await verifyCopy(dir);
    const why = describeRun(args, result);
    expect(result.stdout, why).toMatch(new RegExp(`^ok network: height ${head + 1n}, certified ${head}, `, 'm'));
  });

  it('refuses a directory without genesis.json with a clear message', async () => {
    const dir = join(root, 'empty');
    cpSync(join(fixture.dir, 'orgs'), join(dir, 'orgs'), { recursive: true });
    const args = ['verify', '--data', dir];
    const result = await runCli(args);
    const why = describeRun(args, result);
    expect(result.code, why).not.toBe(0);
    expect(result.stderr, why).toMatch(/has no genesis\.json: run "paychain init --data .*" first/);
    expect(stackTraceLines(result.stderr), why).toEqual([]);
  });
});
