// Goal: the store keeps what a committed block wrote and nothing of a block whose commit
// failed, answers "consumed?" the same from memory and from disk, and reports damaged or
// missing files as StoreError. Method: real SQLite files in a temp dir.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlockHeader, StateEntry } from '@paychain/core';
import { afterEach, describe, expect, it } from 'vitest';
import { BlockStore, StoreError } from './block-store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'paychain-store-'));
  dirs.push(dir);
  return join(dir, 'ledger.sqlite');
}

const zero = new Uint8Array(32);
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
const id = (n: number) => n.toString(16).padStart(32, '0');
const balance = (n: number, credits: bigint): StateEntry => ({
  kind: 'balance',
  account: id(n),
  asset: 'CNY',
  debitsPosted: 0n,
  creditsPosted: credits,
  debitsPending: 0n,
  creditsPending: 0n,
  day: 0n,
  daySpent: 0n,
});

function block(height: bigint, ids: number[]) {
  return {
    header: header(height, ids.length),
    hash: new Uint8Array(32).fill(Number(height)),
    txs: ids.map((n) => new Uint8Array([n])),
    results: ids.map((n) => ({ id: id(n), code: 'ok' as const, opIndex: 0 })),
    expired: [],
    changes: ids.map((n) => ({ key: `balance:${id(n)}:CNY`, before: null, after: balance(n, BigInt(n)) })),
    commitmentBytes: new Uint8Array(2048),
  };
}

describe('BlockStore', () => {
  it('keeps committed blocks and consumed ids across a reopen, and nothing of a failed commit', () => {
    const path = tempPath();
    const store = BlockStore.open(path, { create: true });
    const ids = Array.from({ length: 300 }, (_, i) => i + 1);
    store.commitBlock(block(1n, ids));
    expect(store.isConsumed(id(5))).toBe(true);
    expect(store.isConsumed(id(1_000))).toBe(false);
    // Height 1 again violates the primary key: the whole block must be refused.
    expect(() => store.commitBlock(block(1n, [1_001, 1_002]))).toThrow(StoreError);
    expect(store.isConsumed(id(1_001))).toBe(false);
    expect(store.getStateEntry(`balance:${id(1_001)}:CNY`)).toBeUndefined();
    store.close();
    const reopened = BlockStore.open(path);
    expect(reopened.head()?.height).toBe(1n);
    expect(reopened.getBlock(1n)?.txs.length).toBe(300);
    expect(ids.every((n) => reopened.isConsumed(id(n)))).toBe(true);
    expect(reopened.isConsumed(id(1_001))).toBe(false);
    expect(reopened.getTx(id(7))?.index).toBe(6);
    expect([...reopened.stateEntries()].length).toBe(300);
    reopened.close();
  });

  it('counts an id as consumed only by a result that consumes it, in memory and after a reopen', () => {
    const path = tempPath();
    const store = BlockStore.open(path, { create: true });
    const refused = block(1n, [1, 2, 3]);
    // A forged copy (bad signature) and an unknown signer leave the id free; insufficient funds takes it.
    const codes = ['signature_invalid', 'account_not_found', 'insufficient_funds'] as const;
    store.commitBlock({ ...refused, results: refused.results.map((r, i) => ({ ...r, code: codes[i] ?? 'ok' })) });
    expect([1, 2, 3].map((n) => store.isConsumed(id(n)))).toEqual([false, false, true]);
    // The real payment with id 1 comes later and applies: now the id is taken.
    store.commitBlock(block(2n, [1]));
    expect(store.isConsumed(id(1))).toBe(true);
    expect(store.getTx(id(1))?.height).toBe(2n);
    store.close();
    const reopened = BlockStore.open(path);
    expect([1, 2, 3].map((n) => reopened.isConsumed(id(n)))).toEqual([true, false, true]);
    reopened.close();
  });

  it('reports a missing file and a file that is not a database as StoreError', () => {
    const path = tempPath();
    expect(() => BlockStore.open(path)).toThrow(expect.objectContaining({ code: 'store_missing' }));
    writeFileSync(path, 'this is not a database, just some text that fills a page '.repeat(100));
    expect(() => BlockStore.open(path)).toThrow(expect.objectContaining({ code: 'store_corrupt' }));
  });
});
