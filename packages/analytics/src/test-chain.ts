/**
 * For tests: a real chain made by a real peer (`@paychain/node`'s Peer on a SQLite file in a
 * temp dir: the executor, sealing and the store as a node runs them), with block times chosen
 * by the test and a certificate stored for each block. Two issuing banks (`bank` issues CNY,
 * `coop` only opens accounts). It keeps its own model of what the warehouse must hold — each
 * money movement the test asked for whose transaction the ledger applied — computed from the
 * test's requests and the stored results, never from the code under test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert, type KeyPair, type MoneyOp, signAndEncode, type TxBody, type TxCode } from '@paychain/core';
import { type DataDir, initDataDir, type OrgKeys, openDataDir, Peer } from '@paychain/node';
import type { BlockStore } from '@paychain/store';

export const TEST_CHAIN_ID = 'analytics-test';
export const TEST_GENESIS_MS = 1_700_000_000_000;
export type TestIssuer = 'bank' | 'coop';

/** A row the warehouse must hold, as the test asked for it. */
export interface ExpectedRow {
  readonly id: string;
  readonly height: bigint;
  readonly timestampMs: number;
  readonly fromAccount: string;
  readonly toAccount: string;
  readonly amount: bigint;
  readonly issuer: TestIssuer;
}

interface Queued {
  readonly id: string;
  readonly body: TxBody;
  readonly signers: readonly { readonly privateKey: Uint8Array; readonly publicKey: Uint8Array }[];
  /** The rows this transaction adds when it applies. */
  readonly rows: readonly Omit<ExpectedRow, 'height' | 'timestampMs'>[];
}

interface Hold {
  readonly source: string;
  readonly target: string;
}

export class TestChain {
  readonly expected: ExpectedRow[] = [];
  private readonly dir: string;
  private readonly data: DataDir;
  private readonly peerValue: Peer;
  private readonly accounts = new Map<string, { readonly key: KeyPair; readonly issuer: TestIssuer }>();
  private readonly holds = new Map<string, Hold>();
  private queue: Queued[] = [];
  private nextId = 1;

  private constructor(dir: string) {
    this.dir = dir;
    initDataDir({
      dir,
      suite: 'intl',
      chainId: TEST_CHAIN_ID,
      orgs: [
        { id: 'bank', name: 'Bank', roles: ['issuer', 'validator'] },
        { id: 'coop', name: 'Cooperative Bank', roles: ['issuer'] },
      ],
      time: BigInt(TEST_GENESIS_MS),
    });
    this.data = openDataDir(dir);
    this.peerValue = this.openPeer();
  }

  static create(): TestChain {
    return new TestChain(mkdtempSync(join(tmpdir(), 'paychain-analytics-chain-')));
  }

  private openPeer(): Peer {
    return Peer.open({
      orgId: 'bank',
      dbPath: this.storePath,
      genesis: this.data.genesis,
      suite: this.data.suite,
      validatorKey: this.org('bank').validatorPrivateKey,
      durable: false,
    });
  }

  get store(): BlockStore {
    return this.peerValue.store;
  }

  /** The peer's SQLite file, for a process of its own to read. */
  get storePath(): string {
    return join(this.dir, 'bank.sqlite');
  }

  get height(): bigint {
    return this.peerValue.tip.height;
  }

  private org(id: TestIssuer): OrgKeys {
    const keys = this.data.keys.get(id);
    assert(keys !== undefined, `keys of ${id}`);
    return keys;
  }

  private orgSigner(id: TestIssuer) {
    const keys = this.org(id);
    return { privateKey: keys.adminPrivateKey, publicKey: keys.adminPublicKey };
  }

  private freshId(): string {
    return (this.nextId++).toString(16).padStart(32, '0');
  }

  private account(id: string) {
    const account = this.accounts.get(id);
    assert(account !== undefined, `test account ${id}`);
    return account;
  }

  /** Opens an account at `issuer`; answers its id. */
  open(issuer: TestIssuer): string {
    const id = `a${(this.accounts.size + 1).toString(16).padStart(31, '0')}`;
    const key = this.data.suite.generateKeyPair();
    this.accounts.set(id, { key, issuer });
    const body: TxBody = {
      type: 'account.open',
      account: id,
      issuer,
      owners: [key.publicKey],
      threshold: 1,
      tier: 1,
      flags: { allowNegative: false },
    };
    this.queue.push({ id: this.freshId(), body, signers: [this.orgSigner(issuer)], rows: [] });
    return id;
  }

  mint(account: string, amount: bigint): string {
    const id = this.freshId();
    const body: TxBody = { type: 'mint', asset: 'CNY', account, amount };
    const row = { id, fromAccount: 'org:bank', toAccount: account, amount, issuer: this.account(account).issuer };
    this.queue.push({ id, body, signers: [this.orgSigner('bank')], rows: [row] });
    return id;
  }

  burn(account: string, amount: bigint): string {
    const id = this.freshId();
    const body: TxBody = { type: 'burn', asset: 'CNY', account, amount };
    const row = { id, fromAccount: account, toAccount: 'org:bank', amount, issuer: this.account(account).issuer };
    this.queue.push({ id, body, signers: [this.orgSigner('bank'), this.account(account).key], rows: [row] });
    return id;
  }

  transfer(source: string, target: string, amount: bigint): string {
    const id = this.freshId();
    const body: TxBody = { type: 'transfer', source, target, asset: 'CNY', amount, memo: '' };
    const row = { id, fromAccount: source, toAccount: target, amount, issuer: this.account(source).issuer };
    this.queue.push({ id, body, signers: [this.account(source).key], rows: [row] });
    return id;
  }

  /** A two-phase hold (moves nothing yet); answers its id, which `capture` and `release` name. */
  hold(source: string, target: string, amount: bigint): string {
    const id = this.freshId();
    const body: TxBody = {
      type: 'pending.create',
      source,
      target,
      asset: 'CNY',
      amount,
      timeoutMs: 3_600_000n,
      memo: '',
    };
    this.holds.set(id, { source, target });
    this.queue.push({ id, body, signers: [this.account(source).key], rows: [] });
    return id;
  }

  capture(holdId: string, amount: bigint): string {
    const hold = this.holds.get(holdId);
    assert(hold !== undefined, `hold ${holdId}`);
    const id = this.freshId();
    const body: TxBody = { type: 'pending.post', pending: holdId, amount };
    const row = {
      id,
      fromAccount: hold.source,
      toAccount: hold.target,
      amount,
      issuer: this.account(hold.source).issuer,
    };
    this.queue.push({ id, body, signers: [this.account(hold.target).key], rows: [row] });
    return id;
  }

  release(holdId: string): string {
    const hold = this.holds.get(holdId);
    assert(hold !== undefined, `hold ${holdId}`);
    const id = this.freshId();
    this.queue.push({
      id,
      body: { type: 'pending.void', pending: holdId },
      signers: [this.account(hold.target).key],
      rows: [],
    });
    return id;
  }

  /** Transfers from one account to several, linked: all apply or none. */
  batch(source: string, targets: readonly { readonly target: string; readonly amount: bigint }[]): string {
    const id = this.freshId();
    const ops: MoneyOp[] = targets.map(({ target, amount }) => ({
      type: 'transfer',
      source,
      target,
      asset: 'CNY',
      amount,
      memo: '',
    }));
    const issuer = this.account(source).issuer;
    const rows = targets.map(({ target, amount }, i) => ({
      id: `${id}:${i}`,
      fromAccount: source,
      toAccount: target,
      amount,
      issuer,
    }));
    this.queue.push({ id, body: { type: 'batch', ops }, signers: [this.account(source).key], rows });
    return id;
  }

  /**
   * Executes what was queued as one block at `timeMs`, stores it with its certificate unless
   * `certify` is false, and adds the rows of applied transactions to `expected`. Answers each
   * transaction's result code.
   */
  commit(timeMs: number, options: { readonly certify?: boolean } = {}): Map<string, TxCode> {
    const queued = this.queue;
    this.queue = [];
    const time = BigInt(timeMs);
    const txs = queued.map((q) => ({
      bytes: signAndEncode(
        this.data.suite,
        { chainId: TEST_CHAIN_ID, id: q.id, expiresAt: time + 3_600_000n, body: q.body },
        q.signers,
      ),
      signaturesValid: true,
    }));
    const executed = this.peerValue.execute({ time, txs });
    const { header, hash } = executed.sealed;
    if (options.certify !== false) {
      assert(executed.signature !== null, 'the bank validates');
      this.store.putCertificate(header.height, {
        height: header.height,
        headerHash: hash,
        signatures: [{ org: 'bank', signature: executed.signature }],
      });
    }
    const codes = new Map<string, TxCode>();
    for (const [i, q] of queued.entries()) {
      const result = executed.sealed.execution.results[i];
      assert(result !== undefined && result.id === q.id, 'a result per transaction, in order');
      codes.set(q.id, result.code);
      if (result.code !== 'ok') continue;
      for (const row of q.rows) {
        this.expected.push({ ...row, height: header.height, timestampMs: Number(header.time) });
      }
    }
    return codes;
  }

  close(): void {
    this.peerValue.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
