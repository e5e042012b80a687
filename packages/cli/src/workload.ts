/**
 * Client-side workload: opens customer and merchant accounts, funds them, and makes signed
 * payments the way a wallet would (each payer signs with its own key). Used by `demo`,
 * `simulate` and `bench`. Payers are many; a share of payments goes to a few hot merchants.
 */
import {
  assert,
  type CryptoSuite,
  type Genesis,
  type KeyPair,
  type Signer,
  signAndEncode,
  type TxBody,
} from '@paychain/core';
import type { FinalOutcome, LedgerNode, OrgKeys } from '@paychain/node';
import { SeededRng } from './rng.ts';

export interface WorkloadAccount {
  readonly id: string;
  readonly key: KeyPair;
}

export interface WorkloadOptions {
  readonly suite: CryptoSuite;
  readonly genesis: Genesis;
  readonly issuer: OrgKeys;
  readonly seed: bigint;
  readonly asset?: string;
  /** Share of payments to hot merchants, in percent. */
  readonly hotSharePercent?: number;
}

/** Ten minutes: a payment not final by then is never applied, and the client may retry safely. */
export const PAYMENT_EXPIRY_MS = 600_000n;

export class Workload {
  readonly payers: WorkloadAccount[] = [];
  readonly merchants: WorkloadAccount[] = [];
  private readonly rng: SeededRng;
  private readonly suite: CryptoSuite;
  private readonly genesis: Genesis;
  private readonly issuerSigner: Signer;
  private readonly issuerOrg: string;
  readonly asset: string;
  private readonly hotSharePercent: number;

  constructor(options: WorkloadOptions) {
    this.rng = new SeededRng(options.seed);
    this.suite = options.suite;
    this.genesis = options.genesis;
    this.issuerOrg = options.issuer.org;
    this.issuerSigner = { privateKey: options.issuer.adminPrivateKey, publicKey: options.issuer.adminPublicKey };
    this.asset = options.asset ?? 'CNY';
    this.hotSharePercent = options.hotSharePercent ?? 20;
  }

  private tx(body: TxBody, signers: readonly Signer[], now: bigint): Uint8Array {
    return signAndEncode(
      this.suite,
      { chainId: this.genesis.chainId, id: this.rng.id128(), expiresAt: now + PAYMENT_EXPIRY_MS, body },
      signers,
    );
  }

  private newAccount(): WorkloadAccount {
    return { id: this.rng.id128(), key: this.suite.generateKeyPair() };
  }

  /** account.open and mint transactions for `payers` payers and `merchants` merchants. */
  setup(payers: number, merchants: number, now: bigint): Uint8Array[] {
    const txs: Uint8Array[] = [];
    const open = (account: WorkloadAccount, tier: 1 | 2 | 3) =>
      this.tx(
        {
          type: 'account.open',
          account: account.id,
          issuer: this.issuerOrg,
          owners: [account.key.publicKey],
          threshold: 1,
          tier,
          flags: { allowNegative: false },
        },
        [this.issuerSigner],
        now,
      );
    for (let i = 0; i < payers; i++) {
      const account = this.newAccount();
      this.payers.push(account);
      txs.push(open(account, 1));
    }
    for (let i = 0; i < merchants; i++) {
      const account = this.newAccount();
      this.merchants.push(account);
      txs.push(open(account, 1));
    }
    return txs;
  }

  funding(fundingMinor: bigint, now: bigint): Uint8Array[] {
    return this.payers.map((p) =>
      this.tx({ type: 'mint', asset: this.asset, account: p.id, amount: fundingMinor }, [this.issuerSigner], now),
    );
  }

  /** One signed payment: from a random payer to a hot merchant (hotSharePercent) or to another random account. */
  payment(now: bigint, maxMinor = 10_000): { bytes: Uint8Array; source: string; target: string; amount: bigint } {
    const payer = this.payers[this.rng.below(this.payers.length)];
    assert(payer !== undefined, 'an index below the length picks an account');
    let target: WorkloadAccount | undefined;
    if (this.rng.below(100) < this.hotSharePercent && this.merchants.length > 0) {
      target = this.merchants[this.rng.below(this.merchants.length)];
    } else {
      do target = this.payers[this.rng.below(this.payers.length)];
      while (target === payer && this.payers.length > 1);
    }
    assert(target !== undefined, 'an index below the length picks an account');
    const amount = BigInt(1 + this.rng.below(maxMinor));
    const bytes = this.tx(
      { type: 'transfer', source: payer.id, target: target.id, asset: this.asset, amount, memo: '' },
      [{ privateKey: payer.key.privateKey, publicKey: payer.key.publicKey }],
      now,
    );
    return { bytes, source: payer.id, target: target.id, amount };
  }
}

/**
 * Submits transactions with at most `window` in flight, as a pool of clients would, and
 * returns each one's final outcome in input order.
 */
export async function submitAll(
  consortium: Pick<LedgerNode, 'submit'>,
  txs: readonly Uint8Array[],
  window: number,
): Promise<FinalOutcome[]> {
  const outcomes: FinalOutcome[] = new Array(txs.length);
  let next = 0;
  const lane = async () => {
    while (next < txs.length) {
      const i = next++;
      const tx = txs[i];
      assert(tx !== undefined, 'i < txs.length by the loop condition');
      outcomes[i] = await consortium.submit(tx);
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, txs.length) }, lane));
  return outcomes;
}
