/**
 * The ledger's data model. Ids are 128-bit and written as 32 lowercase hex characters;
 * money is `bigint` minor units; times are `bigint` milliseconds since the Unix epoch,
 * taken from block headers only.
 */

/** 128-bit id as 32 lowercase hex characters. */
export type Id128 = string;
export type TxId = Id128;
export type AccountId = Id128;
/** Organization id: 1..32 of [a-z0-9-], e.g. `boc`, `network`. */
export type OrgId = string;
/** Asset id: 1..16 of [A-Z0-9-], e.g. `CNY`. */
export type AssetId = string;

export type Role = 'issuer' | 'operator' | 'auditor' | 'funder' | 'validator';
export const ROLES: readonly Role[] = ['issuer', 'operator', 'auditor', 'funder', 'validator'];

/** KYC tiers of a personal account (PBoC class I/II/III): limits per payment and per day. */
export type KycTier = 1 | 2 | 3;

export interface Org {
  readonly id: OrgId;
  readonly name: string;
  readonly roles: readonly Role[];
  /** Keys that sign for the organization (governance, issuing); any one of them suffices. */
  readonly adminKeys: readonly Uint8Array[];
  /** The peer key that signs block headers; present when `roles` has `validator`. */
  readonly validatorKey: Uint8Array | null;
}

export interface Asset {
  readonly id: AssetId;
  readonly name: string;
  readonly issuer: OrgId;
  readonly decimals: number;
}

export interface AccountFlags {
  /** Balances may go below zero (an issuer's settlement account); never for customers. */
  readonly allowNegative: boolean;
}

export interface Signature {
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
}

export interface TransferOp {
  readonly type: 'transfer';
  readonly source: AccountId;
  readonly target: AccountId;
  readonly asset: AssetId;
  readonly amount: bigint;
  readonly memo: string;
}

/** Two-phase transfer, phase one: the amount is held on the source until post, void or timeout. */
export interface PendingCreateOp {
  readonly type: 'pending.create';
  readonly source: AccountId;
  readonly target: AccountId;
  readonly asset: AssetId;
  readonly amount: bigint;
  readonly timeoutMs: bigint;
  readonly memo: string;
}

/** Posts up to the pending amount; the rest of the hold is released. */
export interface PendingPostOp {
  readonly type: 'pending.post';
  readonly pending: TxId;
  readonly amount: bigint;
}

export interface PendingVoidOp {
  readonly type: 'pending.void';
  readonly pending: TxId;
}

export interface MintOp {
  readonly type: 'mint';
  readonly asset: AssetId;
  readonly account: AccountId;
  readonly amount: bigint;
}

export interface BurnOp {
  readonly type: 'burn';
  readonly asset: AssetId;
  readonly account: AccountId;
  readonly amount: bigint;
}

/** Operations that move money; they may also appear inside a batch. */
export type MoneyOp = TransferOp | PendingCreateOp | PendingPostOp | PendingVoidOp | MintOp | BurnOp;

export interface OrgAddBody {
  readonly type: 'org.add';
  readonly org: Org;
}

export interface OrgRemoveBody {
  readonly type: 'org.remove';
  readonly org: OrgId;
}

export interface AssetDefineBody {
  readonly type: 'asset.define';
  readonly asset: Asset;
}

export interface AccountOpenBody {
  readonly type: 'account.open';
  readonly account: AccountId;
  readonly issuer: OrgId;
  readonly owners: readonly Uint8Array[];
  readonly threshold: number;
  readonly tier: KycTier;
  readonly flags: AccountFlags;
}

export interface AccountCloseBody {
  readonly type: 'account.close';
  readonly account: AccountId;
}

export interface AccountFreezeBody {
  readonly type: 'account.freeze' | 'account.unfreeze';
  readonly account: AccountId;
  readonly reason: string;
}

/** New owner keys: by the owners themselves, or by the issuer after re-verification (recovery). */
export interface AccountRotateBody {
  readonly type: 'account.rotate';
  readonly account: AccountId;
  readonly owners: readonly Uint8Array[];
  readonly threshold: number;
}

export interface AccountTierBody {
  readonly type: 'account.tier';
  readonly account: AccountId;
  readonly tier: KycTier;
}

/** Linked operations that apply all together or not at all. */
export interface BatchBody {
  readonly type: 'batch';
  readonly ops: readonly MoneyOp[];
}

export type TxBody =
  | OrgAddBody
  | OrgRemoveBody
  | AssetDefineBody
  | AccountOpenBody
  | AccountCloseBody
  | AccountFreezeBody
  | AccountRotateBody
  | AccountTierBody
  | MoneyOp
  | BatchBody;

export type TxType = TxBody['type'];

export interface Transaction {
  readonly chainId: string;
  readonly id: TxId;
  /** The transaction is refused in any block whose time is at or after this. */
  readonly expiresAt: bigint;
  readonly body: TxBody;
  /** Sorted by public key, one per key. */
  readonly signatures: readonly Signature[];
}

export type UnsignedTransaction = Omit<Transaction, 'signatures'>;

export interface TierLimit {
  readonly perPaymentMax: bigint;
  readonly perDayMax: bigint;
}

/** Chain parameters fixed at genesis. */
export interface ChainParams {
  /** Limits per KYC tier, in each asset's minor units; tier 1 is unlimited when absent. */
  readonly tierLimits: Readonly<Record<KycTier, TierLimit | null>>;
  /** Offset added to block time before cutting days for daily limits (UTC+8 is 28,800,000). */
  readonly dayOffsetMs: bigint;
}
