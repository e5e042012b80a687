// Goal: a peer that begins blocks ahead of finishing them (execution overlapped with hashing)
// produces exactly the chain of a peer that executes one block at a time, never applies an id
// twice across unfinished blocks, and refuses to reopen a store whose state was edited.
// Method: two real peers on SQLite files in a temp dir, fed the same signed transactions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bytesToHex,
  commitmentDelta,
  encodeStateEntry,
  type KeyPair,
  signAndEncode,
  type TxBody,
} from '@paychain/core';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { commitmentXof } from './commitment-xof.ts';
import { type DataDir, initDataDir, type OrgKeys, openDataDir } from './data-dir.ts';
import { Peer, PeerError } from './peer.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Signed transactions as a bank and its customers would make them (ids from a counter). */
class Txs {
  private next = 1;
  readonly accounts: Array<{ id: string; key: KeyPair }> = [];
  private readonly data: DataDir;
  private readonly bank: OrgKeys;
  constructor(data: DataDir, bank: OrgKeys) {
    this.data = data;
    this.bank = bank;
  }
  private sign(body: TxBody, signer: { privateKey: Uint8Array; publicKey: Uint8Array }): Uint8Array {
    const id = (this.next++).toString(16).padStart(32, '0');
    return signAndEncode(this.data.suite, { chainId: this.data.genesis.chainId, id, expiresAt: 3_600_000n, body }, [
      signer,
    ]);
  }
  private get bankSigner() {
    return { privateKey: this.bank.adminPrivateKey, publicKey: this.bank.adminPublicKey };
  }
  open(n: number): Uint8Array[] {
    return Array.from({ length: n }, () => {
      const account = {
        id: `a${(this.accounts.length + 1).toString(16).padStart(31, '0')}`,
        key: this.data.suite.generateKeyPair(),
      };
      this.accounts.push(account);
      const owners = [account.key.publicKey];
      return this.sign(
        {
          type: 'account.open',
          account: account.id,
          issuer: 'bank',
          owners,
          threshold: 1,
          tier: 1,
          flags: { allowNegative: false },
        },
        this.bankSigner,
      );
    });
  }
  fund(amount: bigint): Uint8Array[] {
    return this.accounts.map((a) => this.sign({ type: 'mint', asset: 'CNY', account: a.id, amount }, this.bankSigner));
  }
  pay(i: number): Uint8Array {
    const source = this.accounts[i % this.accounts.length] as { id: string; key: KeyPair };
    const target = this.accounts[(i * 7 + 1) % this.accounts.length] as { id: string; key: KeyPair };
    const body: TxBody = {
      type: 'transfer',
      source: source.id,
      target: target.id,
      asset: 'CNY',
      amount: BigInt(1 + (i % 50)),
      memo: '',
    };
    return this.sign(body, source.key);
  }
}

function setup(): { data: DataDir; open: (name: string) => Peer; txs: Txs } {
  const dir = mkdtempSync(join(tmpdir(), 'paychain-peer-'));
  dirs.push(dir);
  initDataDir({
    dir,
    suite: 'intl',
    chainId: 'peer-test',
    orgs: [{ id: 'bank', name: 'Bank', roles: ['issuer', 'validator'] }],
    time: 1_000n,
  });
  const data = openDataDir(dir);
  const keys = data.keys.get('bank');
  if (keys === undefined) throw new Error('bank keys');
  const open = (name: string) =>
    Peer.open({
      orgId: 'bank',
      dbPath: join(dir, `${name}.sqlite`),
      genesis: data.genesis,
      suite: data.suite,
      validatorKey: keys.validatorPrivateKey,
    });
  return { data, open, txs: new Txs(data, keys) };
}

const valid = (txs: Uint8Array[]) => txs.map((bytes) => ({ bytes, signaturesValid: true }));

describe('Peer: begin ahead, finish in order', () => {
  it('gives the same headers as executing one block at a time, and no id applies twice', () => {
    const { data, open, txs: make } = setup();
    const serial = open('serial');
    const pipelined = open('pipelined');
    const xof = commitmentXof(data.genesis.suite);
    const t = 2_000n;
    const blocks = [make.open(33), make.fund(1_000_000n)];
    const payments = Array.from({ length: 60 }, (_, i) => make.pay(i));
    // The same payment in two consecutive blocks: the second copy must be a duplicate even
    // though the first block is not stored yet when the second executes.
    blocks.push(payments.slice(0, 30), [...payments.slice(30), payments[0] as Uint8Array]);
    for (const txs of blocks) serial.execute({ time: t, txs: valid(txs) });
    const begun = blocks.map((txs) => pipelined.begin({ time: t, txs: valid(txs) }));
    const finished = begun.map((b) => pipelined.finish(b, commitmentDelta(xof, b.work)));
    const last = finished.at(-1);
    expect(last?.sealed.execution.results.at(-1)?.code).toBe('duplicate_id');
    expect(pipelined.tip.height).toBe(serial.tip.height);
    for (let h = 1n; h <= serial.tip.height; h++) {
      expect(bytesToHex(pipelined.store.getBlock(h)?.hash ?? new Uint8Array())).toBe(
        bytesToHex(serial.store.getBlock(h)?.hash ?? new Uint8Array()),
      );
    }
    serial.close();
    pipelined.close();
  });

  it('refuses to open a store whose state rows were edited', () => {
    const { open, txs: make } = setup();
    const peer = open('edited');
    peer.execute({ time: 2_000n, txs: valid(make.open(4)) });
    peer.execute({ time: 2_000n, txs: valid(make.fund(500n)) });
    const entry = [...peer.store.stateEntries()].find((e) => e.kind === 'balance');
    if (entry === undefined || entry.kind !== 'balance') throw new Error('a balance');
    const dbPath = peer.store.database.name;
    peer.close();
    const db = new Database(dbPath);
    db.prepare('UPDATE state SET value = ? WHERE key = ?').run(
      encodeStateEntry({ ...entry, creditsPosted: entry.creditsPosted + 1n }),
      `balance:${entry.account}:${entry.asset}`,
    );
    db.close();
    expect(() => open('edited')).toThrow(PeerError);
    try {
      open('edited');
    } catch (error) {
      expect((error as PeerError).code).toBe('state_diverged');
    }
  });
});
