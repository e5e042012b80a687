/**
 * The ledger as the gateway sees it: one issuing organization's view of a running node (the embedded consortium or
 * a cluster peer, both `LedgerNode`) in this process. It reads balances, accounts and tier limits from the primary
 * peer's state, builds unsigned transactions with a fresh id and a short expiry, signs as the issuer, submits and
 * answers receipts of final transactions. Every rule that matters is enforced again by every peer: what the
 * gateway checks first is only there to refuse early, with a clearer reason, before anything is signed.
 */
import { randomBytes } from 'node:crypto';
import {
  type AccountEntry,
  type AssetEntry,
  assert,
  balanceAvailable,
  balancePosted,
  bytesToHex,
  type CryptoSuite,
  encodeTransaction,
  encodeTxSigningBytes,
  type Genesis,
  genesisHash,
  type KycTier,
  type ReceiptJson,
  receiptToJson,
  type Signer,
  signAndEncode,
  type TierLimit,
  type TxBody,
  type UnsignedTransaction,
  verifyReceipt,
} from '@paychain/core';
import { type FinalOutcome, FinalReceipts, type LedgerNode } from '@paychain/node';

/** A transaction the gateway builds is refused by the ledger after this long: a lost one is surely dead by then. */
export const TX_LIFETIME_MS = 120_000;
const DAY_MS = 86_400_000n;

/** The organization the gateway issues for: its id and one of its admin keys. */
export interface GatewayIssuer {
  readonly org: string;
  readonly adminPrivateKey: Uint8Array;
  readonly adminPublicKey: Uint8Array;
}

export interface AccountBalance {
  readonly posted: bigint;
  readonly available: bigint;
  /** Spent today (the ledger's day: block time plus the chain's day offset). */
  readonly spentToday: bigint;
}

/** What a browser needs to verify a receipt by itself. */
export interface ConsortiumInfo {
  readonly chainId: string;
  readonly suite: string;
  readonly genesisHash: string;
  readonly validators: ReadonlyArray<{
    readonly org: string;
    readonly publicKey: string;
    readonly activeFrom: string;
    readonly removedFrom: string | null;
  }>;
  readonly assets: ReadonlyArray<{ readonly id: string; readonly name: string; readonly decimals: number }>;
}

/** Where a transaction stands on the primary peer. */
export type TxStanding =
  | { readonly state: 'unknown' }
  | { readonly state: 'committed'; readonly height: bigint }
  | { readonly state: 'final'; readonly height: bigint; readonly index: number; readonly code: string };

export class GatewayLedger {
  readonly node: LedgerNode;
  readonly issuer: GatewayIssuer;
  /** The asset wallets hold: the first this issuer issues at genesis (e.g. CNY). */
  readonly currency: string;
  private readonly genesisHashHex: string;
  private readonly receipts: FinalReceipts;

  constructor(node: LedgerNode, issuer: GatewayIssuer) {
    this.node = node;
    this.issuer = issuer;
    const org = node.genesis.orgs.find((o) => o.id === issuer.org);
    assert(org !== undefined, `${issuer.org} is an organization of this chain`);
    assert(
      node.suite.isValidPublicKey(issuer.adminPublicKey) &&
        bytesToHex(node.suite.publicKeyFromPrivate(issuer.adminPrivateKey)) === bytesToHex(issuer.adminPublicKey),
      'the issuer key pair matches',
    );
    const asset = node.genesis.assets.find((a) => a.issuer === issuer.org);
    assert(asset !== undefined, `${issuer.org} issues an asset at genesis`);
    this.currency = asset.id;
    this.genesisHashHex = bytesToHex(genesisHash(node.suite, node.genesis));
    this.receipts = new FinalReceipts(node.primary.store, node.suite);
  }

  get suite(): CryptoSuite {
    return this.node.suite;
  }

  get genesis(): Genesis {
    return this.node.genesis;
  }

  /** An asset this gateway's issuer issues, or undefined (another issuer's, or none). */
  issuedAsset(id: string): AssetEntry | undefined {
    const asset = this.node.primary.ledger.getAsset(id);
    return asset?.asset.issuer === this.issuer.org ? asset : undefined;
  }

  issuedAssets(): AssetEntry[] {
    const ledger = this.node.primary.ledger;
    return ledger
      .assetIds()
      .map((id) => ledger.getAsset(id))
      .filter((a): a is AssetEntry => a !== undefined && a.asset.issuer === this.issuer.org);
  }

  account(id: string): AccountEntry | undefined {
    return this.node.primary.ledger.getAccount(id);
  }

  balance(account: string, asset: string, nowMs: number): AccountBalance {
    const entry = this.node.primary.ledger.getBalance(account, asset);
    if (entry === undefined) return { posted: 0n, available: 0n, spentToday: 0n };
    const today = (BigInt(nowMs) + this.genesis.params.dayOffsetMs) / DAY_MS;
    return {
      posted: balancePosted(entry),
      available: balanceAvailable(entry),
      spentToday: entry.day === today ? entry.daySpent : 0n,
    };
  }

  tierLimit(tier: KycTier): TierLimit | null {
    return this.genesis.params.tierLimits[tier];
  }

  newId(): string {
    return randomBytes(16).toString('hex');
  }

  unsigned(body: TxBody, nowMs: number, id: string = this.newId()): UnsignedTransaction {
    return { chainId: this.genesis.chainId, id, expiresAt: BigInt(nowMs + TX_LIFETIME_MS), body };
  }

  get issuerSigner(): Signer {
    return { privateKey: this.issuer.adminPrivateKey, publicKey: this.issuer.adminPublicKey };
  }

  sign(unsigned: UnsignedTransaction, signers: readonly Signer[]): Uint8Array {
    return signAndEncode(this.suite, unsigned, signers);
  }

  /** The transaction with no signatures yet (what a browser decodes to see what it signs), and its signing bytes. */
  forSigning(unsigned: UnsignedTransaction): { readonly unsignedTx: Uint8Array; readonly signingBytes: Uint8Array } {
    return {
      unsignedTx: encodeTransaction({ ...unsigned, signatures: [] }),
      signingBytes: encodeTxSigningBytes(unsigned),
    };
  }

  /** Resolves when the transaction's block is final (throws SubmitError when refused before ordering). */
  submit(bytes: Uint8Array): Promise<FinalOutcome> {
    return this.node.submit(bytes);
  }

  standing(txId: string): TxStanding {
    const peer = this.node.primary;
    const tx = peer.store.getTx(txId);
    if (tx === null) return { state: 'unknown' };
    if (tx.height > peer.certifiedHeight) return { state: 'committed', height: tx.height };
    return { state: 'final', height: tx.height, index: tx.index, code: tx.result.code };
  }

  receipt(txId: string): ReceiptJson | null {
    const found = this.receipts.of(txId);
    return found === null || found.receipt === null ? null : receiptToJson(found.receipt);
  }

  /**
   * A final transaction's receipt checked as an outsider would check it (proofs against the header, the header's
   * certificate against the validators of its height): the evidence behind an AML alert. Null when the transaction
   * is not final on this node.
   */
  checkedReceipt(txId: string): {
    readonly height: bigint;
    readonly index: number;
    readonly blockTimeMs: number;
    readonly verified: boolean;
    readonly reason: string | null;
  } | null {
    const found = this.receipts.of(txId);
    if (found === null || found.receipt === null) return null;
    const receipt = found.receipt;
    const status = verifyReceipt(
      this.suite,
      this.genesis.chainId,
      this.node.primary.validatorSet(receipt.header.height),
      receipt,
    );
    return {
      height: receipt.header.height,
      index: receipt.txProof.leafIndex,
      blockTimeMs: Number(receipt.header.time),
      verified: status.ok,
      reason: status.ok ? null : status.reason,
    };
  }

  consortiumInfo(): ConsortiumInfo {
    const ledger = this.node.primary.ledger;
    return {
      chainId: this.genesis.chainId,
      suite: this.suite.name,
      genesisHash: this.genesisHashHex,
      validators: ledger
        .orgs()
        .filter((o) => o.org.validatorKey !== null)
        .map((o) => ({
          org: o.org.id,
          publicKey: bytesToHex(o.org.validatorKey ?? new Uint8Array(0)),
          activeFrom: o.activeFrom.toString(),
          removedFrom: o.removedFrom === 0n ? null : o.removedFrom.toString(),
        })),
      assets: ledger
        .assetIds()
        .map((id) => ledger.getAsset(id))
        .filter((a): a is AssetEntry => a !== undefined)
        .map((a) => ({ id: a.asset.id, name: a.asset.name, decimals: a.asset.decimals })),
    };
  }
}
