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

export type Role = 'issuer' | 'operator' | 'auditor' | 'funder' | 'validator' | 'settlement' | 'liquidity';
/** In bit order of the encoding's role mask: append only. */
export const ROLES: readonly Role[] = [
  'issuer',
  'operator',
  'auditor',
  'funder',
  'validator',
  'settlement',
  'liquidity',
];

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

/** Public business attributes of a merchant account, set by its issuer: what program rules are checked against. */
export interface AccountMerchantBody {
  readonly type: 'account.merchant';
  readonly account: AccountId;
  /** Merchant category code: 4 digits, e.g. `5261` (lawn and garden supply). */
  readonly mcc: string;
  /** Region code: 1..16 of [A-Z0-9-], e.g. `CN-SC`. */
  readonly region: string;
}

/**
 * What happens to a beneficiary's unspent program money when the program ends: `return` it to the funding account
 * (a subsidy for one season), or `release` it into the beneficiary's ordinary balance (the purpose ends, the money
 * stays theirs). Undisbursed money in the pool always returns to the funder.
 */
export type ProgramExpiryAction = 'return' | 'release';

/** Codes of ProgramExpiryAction in the canonical encoding (u8). */
export const PROGRAM_EXPIRY_ACTIONS: readonly ProgramExpiryAction[] = ['return', 'release'];

/** What a program's money may be spent on. Empty lists allow any; lists are sets in ascending order. */
export interface ProgramRules {
  readonly mccs: readonly string[];
  readonly merchants: readonly AccountId[];
  readonly regions: readonly string[];
  /** Largest single spend; 0 = no cap. */
  readonly perPaymentMax: bigint;
  /** Largest total allocation to one beneficiary (a second disbursement above it is refused). */
  readonly perBeneficiaryMax: bigint;
  /** Spending opens at this block time. */
  readonly validFromMs: bigint;
  /** At the first block at or after this time, the program ends: see `atExpiry`. */
  readonly validUntilMs: bigint;
  /** Beneficiaries' unspent money at the end: back to the funding account, or released to them. */
  readonly atExpiry: ProgramExpiryAction;
}

/** A purpose-bound program: signed by the funder org and the funding account's owners. */
export interface ProgramCreateBody {
  readonly type: 'program.create';
  readonly program: Id128;
  readonly funder: OrgId;
  readonly auditor: OrgId;
  readonly asset: AssetId;
  readonly budget: bigint;
  readonly rules: ProgramRules;
  /** The funder's account that money comes from and returns to. */
  readonly fundingAccount: AccountId;
}

/** Funding account → program pool. */
export interface ProgramFundBody {
  readonly type: 'program.fund';
  readonly program: Id128;
  readonly amount: bigint;
}

export interface ProgramAllocation {
  readonly beneficiary: AccountId;
  readonly amount: bigint;
}

/** Program pool → each beneficiary's program balance, all or nothing. */
export interface ProgramDisburseBody {
  readonly type: 'program.disburse';
  readonly program: Id128;
  readonly allocations: readonly ProgramAllocation[];
}

/** Beneficiary's program balance → the merchant's program receivable; signed by the beneficiary. */
export interface ProgramSpendBody {
  readonly type: 'program.spend';
  readonly program: Id128;
  readonly beneficiary: AccountId;
  readonly merchant: AccountId;
  readonly amount: bigint;
}

/** Merchant's program receivable → its ordinary balance of the program's asset. */
export interface ProgramRedeemBody {
  readonly type: 'program.redeem';
  readonly program: Id128;
  readonly merchant: AccountId;
  readonly amount: bigint;
}

/** Beneficiary's program balance → the funding account; signed by the funder and the auditor. */
export interface ProgramClawbackBody {
  readonly type: 'program.clawback';
  readonly program: Id128;
  readonly beneficiary: AccountId;
  readonly amount: bigint;
  readonly reason: string;
}

export interface ProgramSuspendBody {
  readonly type: 'program.suspend' | 'program.resume';
  readonly program: Id128;
  readonly reason: string;
}

export type ProgramBody =
  | ProgramCreateBody
  | ProgramFundBody
  | ProgramDisburseBody
  | ProgramSpendBody
  | ProgramRedeemBody
  | ProgramClawbackBody
  | ProgramSuspendBody;

/** ISO 4217 code of a settlement scheme's currency: three capital letters, e.g. `CNY`. */
export type CurrencyCode = string;

/**
 * Interbank settlement (issue 7, docs/settlement.md). A scheme per currency, run by the settlement institution that
 * issues its settlement asset; banks join with the deposit asset they issue in that currency and their account at the
 * settlement institution.
 */
export interface SettlementSchemeBody {
  readonly type: 'settlement.scheme';
  readonly currency: CurrencyCode;
  /** Issued by the signing settlement institution; what windows settle in. */
  readonly settlementAsset: AssetId;
}

export interface SettlementJoinBody {
  readonly type: 'settlement.join';
  readonly currency: CurrencyCode;
  readonly org: OrgId;
  /** The bank's tokenized deposit in this currency, issued by `org`. */
  readonly depositAsset: AssetId;
  /** The bank's account at the settlement institution, holding the settlement asset. */
  readonly settlementAccount: AccountId;
}

/** Pledge settlement asset from the settlement account as liquidity (the net debit cap), or release it back. */
export interface SettlementPledgeBody {
  readonly type: 'settlement.pledge' | 'settlement.release';
  readonly currency: CurrencyCode;
  readonly org: OrgId;
  readonly amount: bigint;
}

/**
 * A payment from a customer of one bank to a customer of another: the payer's deposit at its bank goes, the payee's
 * deposit at its bank comes, and the current window records that the payer's bank owes the payee's. Signed by the
 * payer.
 */
export interface InterbankTransferBody {
  readonly type: 'interbank.transfer';
  readonly source: AccountId;
  readonly target: AccountId;
  readonly currency: CurrencyCode;
  readonly amount: bigint;
  readonly memo: string;
}

/** Close the open window `window` (and open the next), or settle the closed window `window`. */
export interface SettlementWindowBody {
  readonly type: 'settlement.close' | 'settlement.settle';
  readonly currency: CurrencyCode;
  readonly window: bigint;
}

/**
 * A liquidity provider's FX quote: it takes `baseAsset` into `baseAccount` and pays `quoteAsset` out of
 * `quoteAccount` at `rateNum / rateDen` quote minor units per base minor unit, for conversions of `minBase..maxBase`,
 * up to `capacity` in all, until block time `expiresAt`. Signed by the provider and the quote account's owners.
 */
export interface FxQuoteBody {
  readonly type: 'fx.quote';
  readonly quote: Id128;
  readonly provider: OrgId;
  readonly baseAsset: AssetId;
  readonly quoteAsset: AssetId;
  readonly rateNum: bigint;
  readonly rateDen: bigint;
  readonly minBase: bigint;
  readonly maxBase: bigint;
  readonly capacity: bigint;
  readonly baseAccount: AccountId;
  readonly quoteAccount: AccountId;
  readonly expiresAt: bigint;
}

/**
 * A conversion at a quote, both legs or neither: `baseAmount` of the base asset from `source` to the provider, and
 * ⌊baseAmount × rateNum / rateDen⌋ of the quote asset from the provider to `target` (the payer's own account, or a
 * merchant's: a cross-currency payment). Carries the rate the payer was shown; signed by the payer.
 */
export interface FxConvertBody {
  readonly type: 'fx.convert';
  readonly quote: Id128;
  readonly source: AccountId;
  readonly target: AccountId;
  readonly baseAmount: bigint;
  readonly rateNum: bigint;
  readonly rateDen: bigint;
  readonly memo: string;
}

/** The provider withdraws a quote before it expires. */
export interface FxCancelBody {
  readonly type: 'fx.cancel';
  readonly quote: Id128;
}

export type FxBody = FxQuoteBody | FxConvertBody | FxCancelBody;

export type SettlementBody =
  | SettlementSchemeBody
  | SettlementJoinBody
  | SettlementPledgeBody
  | InterbankTransferBody
  | SettlementWindowBody;

export type TxBody =
  | OrgAddBody
  | OrgRemoveBody
  | AssetDefineBody
  | AccountOpenBody
  | AccountCloseBody
  | AccountFreezeBody
  | AccountRotateBody
  | AccountTierBody
  | AccountMerchantBody
  | MoneyOp
  | BatchBody
  | ProgramBody
  | SettlementBody
  | FxBody;

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
