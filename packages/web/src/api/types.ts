/**
 * The JSON shapes of the gateway API (docs/gateway-api.md) and of the peer API routes the ops console reads
 * (packages/node/src/openapi.ts), as the web app uses them. Money is `{amount: "12.34", currency}` (decimal
 * strings), times are ms since the epoch, ids 32 lowercase hex characters; peer heights and times are decimal
 * strings because they may exceed 2^53. The server is trusted for shape, not for truth: receipts are re-verified
 * in the browser (chain/verify-receipt.ts) and transactions to sign are decoded locally (chain/decode-for-display.ts).
 */
import type { ReceiptJson } from '@paychain/core/browser';
import type { PaymentFx, QrFxOption } from './fx';

export interface Money {
  readonly amount: string;
  readonly currency: string;
}

export type KeyMode = 'custodial' | 'browser';

/** KYC class of a wallet: 1 (class I, fully verified, highest limits) to 3 (class III, a new wallet). */
export type KycTier = 1 | 2 | 3;

/** Spending limits of a KYC class; null is no limit. */
export interface Limits {
  readonly perPayment: Money | null;
  readonly perDay: Money | null;
}

export interface User {
  readonly id: string;
  readonly phone: string;
  readonly kycTier: KycTier;
  readonly keyMode: KeyMode;
  readonly ledgerAccountId: string;
  readonly status: 'active' | 'frozen';
  readonly createdAtMs: number;
  /** In the contract; optional here because an older gateway did not answer it. */
  readonly limits?: Limits;
  /** The wallet key registered for the ledger account (hex); the gateway answers it, the contract does not list it. */
  readonly publicKey?: string;
  /** `user` or `ops` (granted with `paychain gateway grant-ops`); not in the contract's User yet. */
  readonly role?: string;
}

export interface Session {
  readonly token: string;
  readonly tokenType: string;
  readonly expiresAtMs: number;
  readonly user: User;
  readonly deviceNewlyBound: boolean;
}

export interface Device {
  readonly deviceId: string;
  readonly label: string;
  readonly boundAtMs: number;
  readonly revokedAtMs: number | null;
}

export interface Wallet {
  readonly accountId: string;
  readonly balance: Money;
  readonly available: Money;
  readonly frozen: boolean;
  readonly kycTier: KycTier;
  readonly limits: Limits;
  readonly spentToday: Money;
  /** Every asset of this bank the wallet holds (the main currency always); an older gateway answers none. */
  readonly balances?: readonly { readonly balance: Money; readonly available: Money }[];
}

export type PaymentKind =
  | 'p2p'
  | 'qr'
  | 'paycode'
  | 'topup'
  | 'withdraw'
  | 'authorize'
  | 'capture'
  | 'void'
  | 'refund'
  /** A merchant's settlement money paid out to its bank account (burned on the ledger, credited at the bank). */
  | 'payout';

export type PaymentStatus = 'awaiting_signature' | 'pending' | 'final' | 'refused';

export interface Signing {
  readonly unsignedTx: string;
  readonly signingBytes: string;
  /** The gateway's handle of the unsigned payment, sent back with the signature (not in the contract's text). */
  readonly intent?: string;
  /** When the unsigned payment lapses (120 s). */
  readonly expiresAtMs?: number;
}

export interface Payment {
  readonly txId: string;
  readonly kind: PaymentKind;
  readonly status: PaymentStatus;
  readonly amount: Money;
  readonly refunded: Money;
  readonly direction: 'in' | 'out';
  readonly counterparty: {
    readonly kind: 'user' | 'merchant' | 'bank';
    readonly name: string;
    readonly phone?: string;
  };
  readonly merchantId: string | null;
  readonly refundOf: string | null;
  /** For a capture or a void: the authorization it settles. */
  readonly authorizationOf?: string | null;
  readonly memo: string | null;
  readonly code: string | null;
  readonly createdAtMs: number;
  readonly ledger: { readonly height: number | string; readonly index: number } | null;
  readonly receipt: ReceiptJson | null;
  readonly signing?: Signing;
  /** The purpose-bound program the payment was paid from (`program.spend`); null for ordinary money. */
  readonly programId: string | null;
  /** Paid in another currency through a quote (`fx.convert`): what left the payer and the rate; null otherwise. */
  readonly fx: PaymentFx | null;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly next: string | null;
}

export interface PayCode {
  readonly code: string;
  readonly payload: string;
  readonly expiresAtMs: number;
}

/** Who a scanned QR pays: a merchant (its name), or a user (the masked phone, "138****0001"). */
export interface QrPayee {
  /** bank_merchant: a merchant of another bank, paid by an interbank transfer. */
  readonly kind: 'merchant' | 'user' | 'bank_merchant';
  readonly name: string;
  /** For bank_merchant: the merchant's bank (an organization id). */
  readonly bank?: string;
}

export interface QrResolution {
  /** Null when the QR is a user's (personal collection code or money request). */
  readonly merchant: {
    readonly id: string;
    readonly name: string;
    readonly mcc: string;
    readonly city: string;
  } | null;
  readonly payee: QrPayee;
  readonly amount: Money | null;
  readonly requestId: string | null;
  readonly oneTime: boolean;
  readonly expiresAtMs: number | null;
  /**
   * The payer's programs with money in the QR's currency, and whether this merchant (and amount) may take it; an
   * older gateway answers none (`[]`).
   */
  readonly programs: readonly QrProgramOption[];
  /** Paying in another of the payer's currencies: the best live quote per currency; an older gateway answers none. */
  readonly conversions: readonly QrFxOption[];
}

/** A program balance the payer may choose to pay a resolved QR with. */
export interface QrProgramOption {
  readonly id: string;
  readonly name: string;
  readonly balance: Money;
  readonly eligible: boolean;
  /** Why not (a `program_ineligible` reason code), when not eligible. */
  readonly reason: string | null;
}

/** `GET /v1/me/qr`: the user's static collection QR (EMVCo, no amount: the payer enters it). */
export interface PersonalQr {
  readonly payload: string;
}

/** `POST /v1/me/payment-requests`: a one-time QR asking anyone who scans it to pay this user an amount. */
export interface PaymentRequest {
  readonly requestId: string;
  readonly payload: string;
  readonly amount: Money;
  readonly oneTime: true;
  readonly expiresAtMs: number;
}

export interface Merchant {
  readonly id: string;
  readonly name: string;
  readonly mcc: string;
  readonly city: string;
  readonly region: string;
  readonly settlementAccountId: string;
  /** The merchant's account at its bank, where payouts go (6..34 letters, digits, spaces or dashes). */
  readonly bankAccount: string;
  readonly staticQr: string;
  readonly createdAtMs: number;
}

export interface DynamicQr {
  readonly requestId: string;
  readonly payload: string;
  readonly amount: Money;
  readonly oneTime: boolean;
  readonly expiresAtMs: number | null;
}

export interface MerchantSummary {
  readonly day: string;
  readonly count: number;
  readonly gross: Money;
  readonly refunded: Money;
  readonly net: Money;
}

export interface Webhook {
  readonly url: string;
  readonly secret: string;
}

export interface PeerStatus {
  readonly org: string;
  readonly height: string | number;
  readonly headHash: string;
  /** The contract's flag; the gateway answers `certifiedHeight` instead. */
  readonly certified?: boolean;
  readonly certifiedHeight?: string;
}

export interface FreezeResult {
  readonly accountId: string;
  readonly frozen: boolean;
  readonly txId: string;
  /** In the contract; when absent the console reads it from `GET /v1/transactions/{txId}`. */
  readonly receipt?: ReceiptJson | null;
}

// ---- peer API (packages/node/src/openapi.ts) ----

export interface ChainHead {
  readonly chainId: string;
  readonly suite: string;
  readonly height: string;
  readonly hash: string;
  readonly time: string;
  readonly certifiedHeight: string;
  readonly peers: readonly {
    readonly org: string;
    readonly height: string;
    readonly certifiedHeight: string;
    readonly validator: boolean;
  }[];
}

export interface BlockJson {
  readonly chainId: string;
  readonly height: string;
  readonly prevHash: string;
  readonly time: string;
  readonly txCount: number;
  readonly txRoot: string;
  readonly resultRoot: string;
  readonly stateCommitment: string;
  readonly hash: string;
  readonly certificate: { readonly signatures: readonly { readonly org: string; readonly signature: string }[] } | null;
  readonly transactions: readonly {
    readonly id: string;
    readonly index: number;
    readonly type: string | null;
    readonly code: string;
  }[];
  readonly expired: readonly string[];
}

export interface TransactionJson {
  readonly id: string;
  readonly status: 'pending' | 'committed' | 'final';
  readonly height?: string;
  readonly index?: number;
  readonly result?: { readonly code: string; readonly message: string; readonly opIndex: number };
  readonly receipt?: ReceiptJson;
  readonly tx?: {
    readonly hex: string;
    readonly decoded: {
      readonly chainId: string;
      readonly id: string;
      readonly expiresAt: string;
      readonly type: string;
      readonly body: Readonly<Record<string, unknown>>;
      readonly signatures: readonly { readonly publicKey: string; readonly signature: string }[];
    } | null;
  };
}

export interface AccountJson {
  readonly id: string;
  readonly issuer: string;
  readonly tier: number;
  readonly frozen: boolean;
  readonly closed: boolean;
  readonly allowNegative: boolean;
  readonly owners: readonly string[];
  readonly threshold: number;
  readonly openedAt: string;
  readonly balances: readonly {
    readonly asset: string;
    readonly posted: string;
    readonly available: string;
    readonly pendingDebits: string;
    readonly pendingCredits: string;
    readonly decimal: string;
    readonly availableDecimal: string;
  }[];
}
