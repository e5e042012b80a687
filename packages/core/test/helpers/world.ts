// Goal: a small consortium to run real signed transactions on (issuer bank, validator network, auditor pboc, keys
// from fixed labels). Method: only the public core API (genesisState, signAndEncode, executeBlock).
import { createHash } from 'node:crypto';
import {
  type AccountOpenBody,
  AMOUNT_MAX,
  type BlockExecution,
  type BlockTxInput,
  type BurnOp,
  bytesToHex,
  encodeStateEntry,
  entryKey,
  executeBlock,
  type Genesis,
  genesisState,
  getSuite,
  LedgerState,
  type MintOp,
  type PendingCreateOp,
  type Signer,
  signAndEncode,
  type TransferOp,
  type TxBody,
  type TxCode,
  type UnsignedTransaction,
  verifyTransactionSignatures,
} from '../../src/index.ts';

export const suite = getSuite('intl');

/** A deterministic key pair: the private key is SHA-256(label). */
export function keyOf(label: string): Signer {
  const privateKey = new Uint8Array(createHash('sha256').update(`paychain test key: ${label}`).digest());
  return { privateKey, publicKey: suite.publicKeyFromPrivate(privateKey) };
}

export const K = {
  bank: keyOf('bank admin'),
  network: keyOf('network admin'),
  networkValidator: keyOf('network validator'),
  pboc: keyOf('pboc admin'),
  icbc: keyOf('icbc admin'),
  icbcValidator: keyOf('icbc validator'),
  alice: keyOf('alice'),
  bob: keyOf('bob'),
  carol: keyOf('carol'),
  dave: keyOf('dave'),
  erin: keyOf('erin'),
  treasury: keyOf('treasury'),
  mallory: keyOf('mallory'),
  aliceNew: keyOf('alice, new phone'),
} as const;

/** 2026-01-01T00:00:00Z. */
export const T0 = 1_767_225_600_000n;
export const SECOND_MS = 1000n;
export const HOUR_MS = 3_600_000n;
/** UTC+8: days are cut at 16:00 UTC. */
export const DAY_OFFSET_MS = 8n * HOUR_MS;
export const CHAIN_ID = 'paychain-test';

export const TIER2 = { perPaymentMax: 5_000_00n, perDayMax: 10_000_00n } as const;
export const TIER3 = { perPaymentMax: 500_00n, perDayMax: 1_000_00n } as const;

export const genesis: Genesis = {
  chainId: CHAIN_ID,
  suite: 'intl',
  time: T0,
  params: { tierLimits: { 1: null, 2: TIER2, 3: TIER3 }, dayOffsetMs: DAY_OFFSET_MS },
  orgs: [
    { id: 'bank', name: 'Bank of Example', roles: ['issuer'], adminKeys: [K.bank.publicKey], validatorKey: null },
    {
      id: 'network',
      name: 'Payment Network',
      roles: ['operator', 'validator'],
      adminKeys: [K.network.publicKey],
      validatorKey: K.networkValidator.publicKey,
    },
    { id: 'pboc', name: 'Regulator', roles: ['auditor'], adminKeys: [K.pboc.publicKey], validatorKey: null },
  ],
  assets: [
    { id: 'CNY', name: 'Yuan deposit token', issuer: 'bank', decimals: 2 },
    { id: 'USD', name: 'Dollar deposit token', issuer: 'bank', decimals: 2 },
  ],
};

/** Account ids, readable in failure output. */
export const A = {
  alice: 'a11ce000000000000000000000000001',
  bob: 'b0b00000000000000000000000000002',
  carol: 'ca701000000000000000000000000003',
  dave: 'da7e0000000000000000000000000004',
  erin: 'e7100000000000000000000000000005',
  treasury: '7ea50000000000000000000000000006',
  nobody: '00000000000000000000000000000bad',
} as const;

export interface TxOptions {
  readonly id?: string;
  readonly chainId?: string;
  /** Absolute expiry; default: the next block's time + 60 s. */
  readonly expiresAt?: bigint;
}

/** Options for a transaction meant for a block at `time`: it expires 60 s after it. */
export function expiringAfter(time: bigint): TxOptions {
  return { expiresAt: time + 60n * SECOND_MS };
}

export interface Signed {
  readonly id: string;
  readonly bytes: Uint8Array;
}

/** Drives a LedgerState block by block, the way a peer does: consumed ids persist across blocks. */
export class Ledger {
  height = 0n;
  time = T0;
  private idCounter = 0;

  readonly state: LedgerState;
  /** Ids consumed by earlier blocks: what a peer's transaction index answers. */
  readonly consumed: Set<string>;
  private readonly idPrefix: string;

  private constructor(state: LedgerState, consumed: Set<string>, idPrefix: string) {
    this.state = state;
    this.consumed = consumed;
    this.idPrefix = idPrefix;
  }

  static fromGenesis(idPrefix = '1d'): Ledger {
    return new Ledger(genesisState(genesis), new Set(), idPrefix);
  }

  /** An independent copy (state entries are immutable values, so sharing them is safe). */
  clone(idPrefix = this.idPrefix): Ledger {
    const copy = new Ledger(LedgerState.fromEntries([...this.state.all()]), new Set(this.consumed), idPrefix);
    copy.height = this.height;
    copy.time = this.time;
    copy.idCounter = this.idCounter;
    return copy;
  }

  nextId(): string {
    this.idCounter++;
    return `${this.idPrefix}${this.idCounter.toString(16).padStart(30 - this.idPrefix.length, '0')}00`;
  }

  sign(body: TxBody, signers: readonly Signer[], options: TxOptions = {}): Signed {
    const unsigned: UnsignedTransaction = {
      chainId: options.chainId ?? CHAIN_ID,
      id: options.id ?? this.nextId(),
      expiresAt: options.expiresAt ?? this.time + 61n * SECOND_MS,
      body,
    };
    return { id: unsigned.id, bytes: signAndEncode(suite, unsigned, signers) };
  }

  /** Executes one block at `time` (default: 1 s after the last one). */
  block(txs: ReadonlyArray<Signed | Uint8Array>, time: bigint = this.time + SECOND_MS): BlockExecution {
    const inputs: BlockTxInput[] = txs.map((t) => {
      const bytes = t instanceof Uint8Array ? t : t.bytes;
      return { bytes, signaturesValid: verifyTransactionSignatures(suite, bytes) };
    });
    this.height++;
    this.time = time;
    const execution = executeBlock(
      this.state,
      {
        chainId: CHAIN_ID,
        height: this.height,
        time,
        params: genesis.params,
        isValidPublicKey: suite.isValidPublicKey,
      },
      inputs,
      this.consumed,
    );
    for (const { id } of execution.consumed) this.consumed.add(id);
    return execution;
  }

  /** Executes a block whose transactions must all apply. */
  blockOk(txs: ReadonlyArray<Signed | Uint8Array>, time?: bigint): BlockExecution {
    const execution = this.block(txs, time);
    const failed = execution.results.filter((r) => r.code !== 'ok');
    if (failed.length > 0) throw new Error(`setup block failed: ${JSON.stringify(failed)}`);
    return execution;
  }

  /** Every state entry as canonical hex, by key: equal snapshots mean equal states. */
  snapshot(): Map<string, string> {
    const out = new Map<string, string>();
    for (const entry of this.state.all()) out.set(entryKey(entry), bytesToHex(encodeStateEntry(entry)));
    return out;
  }

  /** Posted balance (credits − debits) of an account in an asset. */
  posted(account: string, asset = 'CNY'): bigint {
    const b = this.state.getBalance(account, asset);
    return b === undefined ? 0n : b.creditsPosted - b.debitsPosted;
  }

  available(account: string, asset = 'CNY'): bigint {
    const b = this.state.getBalance(account, asset);
    return b === undefined ? 0n : b.creditsPosted - b.debitsPosted - b.debitsPending;
  }
}

export const open = (account: string, owner: Signer, tier: 1 | 2 | 3, allowNegative = false): AccountOpenBody => ({
  type: 'account.open',
  account,
  issuer: 'bank',
  owners: [owner.publicKey],
  threshold: 1,
  tier,
  flags: { allowNegative },
});

export const transfer = (source: string, target: string, amount: bigint, asset = 'CNY', memo = ''): TransferOp => ({
  type: 'transfer',
  source,
  target,
  asset,
  amount,
  memo,
});

export const pendingCreate = (
  source: string,
  target: string,
  amount: bigint,
  timeoutMs = 60_000n,
): PendingCreateOp => ({
  type: 'pending.create',
  source,
  target,
  asset: 'CNY',
  amount,
  timeoutMs,
  memo: '',
});

export const mint = (account: string, amount: bigint, asset = 'CNY'): MintOp => ({
  type: 'mint',
  asset,
  account,
  amount,
});
export const burn = (account: string, amount: bigint, asset = 'CNY'): BurnOp => ({
  type: 'burn',
  asset,
  account,
  amount,
});

/**
 * The standard world after two blocks: alice (tier 3, 2,000.00 CNY), bob (tier 2, empty),
 * carol (tier 1, 10,000.00), dave (tier 1, 100.00, frozen), erin (closed), treasury (the
 * bank's settlement account, allowNegative, empty).
 */
export function standardWorld(): Ledger {
  const w = Ledger.fromGenesis();
  w.blockOk([
    w.sign(open(A.alice, K.alice, 3), [K.bank]),
    w.sign(open(A.bob, K.bob, 2), [K.bank]),
    w.sign(open(A.carol, K.carol, 1), [K.bank]),
    w.sign(open(A.dave, K.dave, 1), [K.bank]),
    w.sign(open(A.erin, K.erin, 1), [K.bank]),
    w.sign(open(A.treasury, K.treasury, 1, true), [K.bank]),
  ]);
  w.blockOk([
    w.sign(mint(A.alice, 2_000_00n), [K.bank]),
    w.sign(mint(A.carol, 10_000_00n), [K.bank]),
    w.sign(mint(A.dave, 100_00n), [K.bank]),
    w.sign({ type: 'account.freeze', account: A.dave, reason: 'fraud report' }, [K.bank]),
    w.sign({ type: 'account.close', account: A.erin }, [K.erin]),
  ]);
  return w;
}

export function codesOf(execution: BlockExecution): TxCode[] {
  return execution.results.map((r) => r.code);
}

export { AMOUNT_MAX };
