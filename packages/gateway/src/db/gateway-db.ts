/**
 * The gateway's storage: one async interface (`GatewayDb`) over the users, devices, sessions, merchants, QR payment
 * requests, pay codes, payments, daily KYC spend, idempotency records and webhooks of issue 4, implemented on SQLite
 * (the default, `sqlite-db.ts`) and on PostgreSQL (`postgres-db.ts`). Both run the same statements
 * (`sql-gateway-db.ts`) and one shared test suite (`gateway-db.test.ts`).
 *
 * Conventions, so the API above needs no knowledge of the backend:
 * - Money is `bigint` minor units in 1..AMOUNT_MAX (a signed 64-bit column on both backends); times are ms since the
 *   epoch as `number` (safe integers), passed in by the caller (`nowMs`): this layer reads no clock.
 * - Ids are 128-bit lowercase hex (32 chars) made by the caller; hashes of secrets (session tokens, pay codes,
 *   request bodies) are 64 lowercase hex chars (SHA-256), never the secret itself.
 * - Inputs are checked with `assert`: the API validates outside input first, so a bad value here is a bug.
 * - Expected refusals (a pay code used twice, a refund above the amount, a daily limit crossed…) are result unions,
 *   reasons in precedence order. Operating errors (server gone, disk, conflicts between writers, damaged rows) are
 *   `GatewayDbError` with a code; the one expected outcome reported as an error is `db_phone_taken`, because it
 *   surfaces from a unique constraint on insert (the API maps it to 409).
 */

export type KycTier = 1 | 2 | 3;
export type KeyMode = 'browser' | 'custodial';
export type UserStatus = 'active' | 'frozen';
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
  | 'payout';
export type UserRole = 'user' | 'ops';
/** Risk control's decisions, least severe first. */
export type RiskDecisionKind = 'allow' | 'review' | 'step_up' | 'block';
/** Decisions under which a payment goes ahead (step_up: after the payer passed a step-up check). */
export type RiskPassDecision = Exclude<RiskDecisionKind, 'block'>;
export type AmlCaseStatus = 'open' | 'assigned' | 'closed';
export type AmlCaseResolution = 'reported' | 'false_positive' | 'no_action';
export type PaymentStatus = 'pending' | 'final' | 'refused';
export type GatewayDbBackend = 'sqlite' | 'postgres';

export const KYC_TIERS: readonly KycTier[] = [1, 2, 3];
export const KEY_MODES: readonly KeyMode[] = ['browser', 'custodial'];
export const USER_STATUSES: readonly UserStatus[] = ['active', 'frozen'];
export const PAYMENT_KINDS: readonly PaymentKind[] = [
  'p2p',
  'qr',
  'paycode',
  'topup',
  'withdraw',
  'authorize',
  'capture',
  'void',
  'refund',
  'payout',
];
export const USER_ROLES: readonly UserRole[] = ['user', 'ops'];
export const RISK_DECISION_KINDS: readonly RiskDecisionKind[] = ['allow', 'review', 'step_up', 'block'];
export const AML_CASE_STATUSES: readonly AmlCaseStatus[] = ['open', 'assigned', 'closed'];
export const AML_CASE_RESOLUTIONS: readonly AmlCaseResolution[] = ['reported', 'false_positive', 'no_action'];
export const PAYMENT_STATUSES: readonly PaymentStatus[] = ['pending', 'final', 'refused'];
/** Merchant payments, the only ones a refund may point at. */
export const REFUNDABLE_KINDS: readonly PaymentKind[] = ['qr', 'paycode', 'capture'];
/** Payments that belong to a merchant (and only those carry a merchant id). */
export const MERCHANT_KINDS: readonly PaymentKind[] = [
  'qr',
  'paycode',
  'authorize',
  'capture',
  'void',
  'refund',
  'payout',
];
/** Payments that act on a pre-authorization (and only those name it). */
export const AUTHORIZATION_KINDS: readonly PaymentKind[] = ['capture', 'void'];

// --- Limits (each checked before a write, and again by a CHECK constraint in the schema). ---

export const PASSWORD_HASH_CHARS_MAX = 512;
export const PASSKEY_CREDENTIAL_ID_CHARS_MAX = 1366;
export const PASSKEY_PUBLIC_KEY_BYTES_MAX = 1024;
export const PASSKEY_TRANSPORTS_CHARS_MAX = 200;
/** `listPasskeys` answers at most this many. */
export const PASSKEYS_LIST_MAX = 32;
/** A sealed (encrypted) private key: nonce, ciphertext and tag of a key of at most a few hundred bytes. */
export const SEALED_KEY_BYTES_MAX = 1024;
export const DEVICE_LABEL_CHARS_MAX = 64;
export const DEVICE_PUBLIC_KEY_BYTES_MAX = 256;
/** A wallet's public key: Ed25519 32 bytes, SM2 65 bytes; room for others. */
export const USER_PUBLIC_KEY_BYTES_MAX = 256;
export const PAYMENT_MEMO_CHARS_MAX = 140;
/** What a payment's party is shown as: a phone number, a merchant's name, the bank. */
export const PAYMENT_LABEL_CHARS_MAX = 120;
/** A ledger result code, e.g. 'ok', 'insufficient_funds'. */
export const PAYMENT_CODE_CHARS_MAX = 64;
/** Search text for a user's history. */
export const PAYMENT_SEARCH_CHARS_MAX = 64;
/** `listDevices` answers at most this many (a user has a handful of phones). */
export const DEVICES_LIST_MAX = 64;
/** The rule: a consumer-presented pay code expires within 60 s. */
export const PAY_CODE_LIFETIME_MS_MAX = 60_000;
export const MERCHANT_NAME_CHARS_MAX = 100;
export const MERCHANT_CITY_CHARS_MAX = 64;
export const MERCHANT_REGION_CHARS_MAX = 64;
/** The merchant's account at its bank, where payouts go: 6..34 letters, digits, spaces or dashes (IBAN-sized). */
export const MERCHANT_BANK_ACCOUNT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 -]{4,32}[A-Za-z0-9]$/;
/** `listMerchantsByOwner` answers at most this many. */
export const MERCHANTS_LIST_MAX = 100;
export const IDEMPOTENCY_SCOPE_CHARS_MAX = 128;
export const IDEMPOTENCY_KEY_CHARS_MAX = 255;
/** A stored response is replayed byte for byte, so it is kept whole; larger answers are not idempotent POSTs. */
export const IDEMPOTENCY_RESPONSE_CHARS_MAX = 256 * 1024;
/** A claim whose response is never stored (lost, released) makes this many read-after-insert attempts at most. */
export const IDEMPOTENCY_CLAIM_ATTEMPTS_MAX = 3;
export const WEBHOOK_URL_CHARS_MAX = 2048;
export const WEBHOOK_SECRET_SEALED_BYTES_MAX = 1024;
/** The event is stored as the exact JSON text that is signed and sent. */
export const WEBHOOK_EVENT_CHARS_MAX = 64 * 1024;
export const WEBHOOK_ERROR_CHARS_MAX = 500;
export const WEBHOOK_CLAIM_BATCH_MAX = 100;
/** A claimed delivery is not handed out again for this long, so a worker that dies gives it back by itself. */
export const WEBHOOK_DELIVERY_LEASE_MS = 60_000;
/** Deliveries that failed this many times are no longer claimed (kept for the console). */
export const WEBHOOK_DELIVERY_ATTEMPTS_MAX = 16;
export const PAGE_ITEMS_MAX = 100;
/** Ids one batch lookup takes at most (the warehouse loader enriches a batch of transfers at a time). */
export const LOOKUP_IDS_MAX = 10_000;
/** Reasons a risk decision keeps (each a short sentence). */
export const RISK_REASONS_MAX = 16;
export const RISK_REASON_CHARS_MAX = 200;
/** A rule set's JSON text as stored (rules are small; a few hundred of them fit). */
export const RISK_RULE_SET_CHARS_MAX = 256 * 1024;
export const RISK_RULE_SET_NOTE_CHARS_MAX = 500;
/** An AML alert's id: the detector's deterministic id (letters, digits, `_`, `-`, `:`). */
export const AML_ALERT_ID_PATTERN = /^[A-Za-z0-9_:-]{1,64}$/;
export const AML_PATTERN_CHARS_MAX = 32;
export const AML_ALERT_ACCOUNTS_MAX = 200;
export const AML_ALERT_TXS_MAX = 2_000;
export const AML_EXPLANATION_CHARS_MAX = 1_000;
/** Alerts written by one `upsertAlerts` call at most. */
export const AML_ALERTS_BATCH_MAX = 1_000;
/** Alerts one case may gather. */
export const AML_CASE_ALERTS_MAX = 100;
export const AML_CASE_TITLE_CHARS_MAX = 200;
export const AML_CASE_NOTE_CHARS_MAX = 4_000;
/** `listCaseNotes` answers at most this many, oldest first. */
export const AML_CASE_NOTES_MAX = 500;
export const PURGE_BATCH_MAX = 10_000;
export const PROGRAM_NAME_CHARS_MAX = 100;
export const PROGRAM_PURPOSE_CHARS_MAX = 1_000;
/** `listPrograms` answers at most this many, newest first. */
export const PROGRAMS_LIST_MAX = 500;

// --- Rows. ---

export interface User {
  readonly id: string;
  /** E.164: `+` then 2–15 digits, the first not 0. */
  readonly phone: string;
  /** Opaque, made elsewhere (e.g. `scrypt$…`); null for a user who signs in with passkeys only. */
  readonly passwordHash: string | null;
  readonly kycTier: KycTier;
  readonly ledgerAccountId: string;
  readonly keyMode: KeyMode;
  /** The wallet key that owns the ledger account (held by the browser, or sealed below). */
  readonly publicKey: Uint8Array;
  /** Present exactly when keyMode is 'custodial'. */
  readonly sealedKey: Uint8Array | null;
  readonly status: UserStatus;
  /** 'ops': may use the ops / regulator console. */
  readonly role: UserRole;
  readonly createdAtMs: number;
}

export type NewUser = Omit<User, 'status' | 'role'>;

/** A WebAuthn credential (passkey) a user signs in with. */
export interface Passkey {
  /** The credential id, base64url as WebAuthn gives it. */
  readonly credentialId: string;
  readonly userId: string;
  /** The COSE public key. */
  readonly publicKey: Uint8Array;
  /** The authenticator's signature counter, to spot a cloned authenticator. */
  readonly counter: number;
  /** Comma-separated transports hints (usb, nfc, ble, internal, hybrid…). */
  readonly transports: string;
  readonly createdAtMs: number;
}

export interface Device {
  readonly userId: string;
  readonly deviceId: string;
  readonly label: string;
  readonly publicKey: Uint8Array | null;
  readonly boundAtMs: number;
  readonly revokedAtMs: number | null;
}

export type NewDevice = Omit<Device, 'revokedAtMs'>;

export interface Session {
  /** SHA-256 of the token, hex: the raw token is never stored. */
  readonly tokenHash: string;
  readonly userId: string;
  /** The bound device the session was opened on, if any. */
  readonly deviceId: string | null;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly revokedAtMs: number | null;
}

export type NewSession = Omit<Session, 'revokedAtMs'>;

export interface Merchant {
  readonly id: string;
  readonly ownerUserId: string;
  readonly name: string;
  /** ISO 18245 merchant category code, 4 digits. */
  readonly mcc: string;
  readonly city: string;
  readonly region: string;
  readonly settlementAccountId: string;
  /** Where payouts of the settlement account go (MERCHANT_BANK_ACCOUNT_PATTERN). */
  readonly bankAccount: string;
  readonly createdAtMs: number;
}

/** A dynamic QR for a fixed amount, valid until expiresAtMs: a merchant's, or a user's request for money. */
export interface PaymentRequest {
  readonly id: string;
  /** Exactly one of merchantId and payeeUserId is set: who is paid. */
  readonly merchantId: string | null;
  readonly payeeUserId: string | null;
  readonly amount: bigint;
  /** A ledger asset id, e.g. 'CNY'. */
  readonly currency: string;
  /** One-time requests are paid at most once; the others any number of times until they expire. */
  readonly oneTime: boolean;
  /** Shown to the payer and kept with the payment (a user's "what for"); empty for merchants' QRs. */
  readonly memo: string;
  readonly expiresAtMs: number;
  /** The payment that paid a one-time request (released again if the ledger refuses it); null otherwise. */
  readonly paidTxId: string | null;
  readonly createdAtMs: number;
}

export type NewPaymentRequest = Omit<PaymentRequest, 'paidTxId'>;

/** A consumer-presented one-time code. */
export interface PayCode {
  /** SHA-256 of the code, hex. */
  readonly codeHash: string;
  readonly userId: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly usedAtMs: number | null;
  readonly usedByTxId: string | null;
}

export type NewPayCode = Omit<PayCode, 'usedAtMs' | 'usedByTxId'>;

/** The gateway's record of one ledger transfer it submitted. */
export interface Payment {
  readonly txId: string;
  /** The user on whose behalf it was submitted (for a refund: the merchant's owner). */
  readonly payerUserId: string;
  readonly payeeAccountId: string;
  /** Set exactly for the MERCHANT_KINDS. */
  readonly merchantId: string | null;
  /** The dynamic QR it pays, if any. */
  readonly paymentRequestId: string | null;
  /** Set exactly for kind 'refund': the payment it refunds. */
  readonly refundOf: string | null;
  /** Set exactly for kinds 'capture' and 'void': the authorization they act on. */
  readonly authorizationOf: string | null;
  readonly amount: bigint;
  readonly currency: string;
  readonly kind: PaymentKind;
  readonly memo: string;
  /** How the payer and the payee are shown (phone number, merchant name, 'bank'), and what history search reads. */
  readonly payerLabel: string;
  readonly payeeLabel: string;
  readonly status: PaymentStatus;
  /** The ledger's result code: 'ok' when final, the refusal reason when refused, null while pending. */
  readonly code: string | null;
  /** Where the ledger put it: set exactly when status is 'final'. */
  readonly ledgerHeight: bigint | null;
  readonly ledgerIndex: number | null;
  /** Running total of refunds reserved or done against it, never above amount. */
  readonly refunded: bigint;
  /** What risk control decided before it was signed; null for payments it does not score (top-ups, refunds…). */
  readonly risk: PaymentRisk | null;
  /** The program whose money paid it (`program.spend`); only for kind 'qr', never refunded. */
  readonly programId: string | null;
  /** Paid in another currency through an FX quote (`fx.convert`); `amount`/`currency` are what the payee got. */
  readonly fx: PaymentFx | null;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

/** A payment's conversion: the quote, what left the payer in which asset, and the exact rate the payer was shown. */
export interface PaymentFx {
  readonly quoteId: string;
  readonly paidAmount: bigint;
  readonly paidCurrency: string;
  /** Quote-asset minor units per base-asset minor unit, as the ledger's quote has it. */
  readonly rateNum: bigint;
  readonly rateDen: bigint;
}

/**
 * The gateway's own facts about a program it funds: its name and purpose for people, who created it, its funding
 * account. Everything else (rules, status, money) is on the ledger, read from the ledger's state.
 */
export interface ProgramRecord {
  readonly id: string;
  readonly name: string;
  readonly purpose: string;
  readonly fundingAccountId: string;
  readonly createdByUserId: string;
  readonly createdAtMs: number;
}

/** Risk control's decision on a payment that went ahead, kept with it. */
export interface PaymentRisk {
  readonly decision: RiskPassDecision;
  /** The model's score in millionths, 0..1,000,000 (an integer, so both backends store it exactly). */
  readonly scorePpm: number;
  /** At most RISK_REASONS_MAX, each 1..RISK_REASON_CHARS_MAX chars. */
  readonly reasons: readonly string[];
  readonly ruleSetVersion: number;
}

export interface NewPayment {
  readonly txId: string;
  readonly payerUserId: string;
  readonly payeeAccountId: string;
  readonly merchantId: string | null;
  readonly paymentRequestId: string | null;
  readonly authorizationOf: string | null;
  readonly amount: bigint;
  readonly currency: string;
  /** Refunds are made by `reserveRefund`, which derives their other fields from the original. */
  readonly kind: Exclude<PaymentKind, 'refund'>;
  readonly memo: string;
  readonly payerLabel: string;
  readonly payeeLabel: string;
  readonly risk: PaymentRisk | null;
  /** Set only for kind 'qr' paid with program money. */
  readonly programId: string | null;
  /** Set only for a QR or P2P payment paid in another currency; absent is null. */
  readonly fx?: PaymentFx | null;
  readonly createdAtMs: number;
}

export interface NewRefund {
  readonly txId: string;
  readonly originalTxId: string;
  readonly amount: bigint;
  readonly createdAtMs: number;
}

export interface PaymentCursor {
  readonly createdAtMs: number;
  readonly txId: string;
}

/** A user's history: payments they made and payments into their account, optionally matching a search text. */
export interface UserPaymentFilter {
  readonly userId: string;
  readonly accountId: string;
  /** Case-insensitive substring of the labels or memo, or a prefix of the tx id; null for all. */
  readonly search: string | null;
}

export type PaymentFilter =
  | { readonly payerUserId: string }
  | { readonly payeeAccountId: string }
  | { readonly merchantId: string };

export interface PaymentPage {
  /** Newest first. */
  readonly items: readonly Payment[];
  /** Pass as `before` for the next page; null when this page is the last. */
  readonly next: PaymentCursor | null;
}

export interface StoredResponse {
  readonly httpStatus: number;
  /** The response body exactly as first sent (JSON text). */
  readonly body: string;
}

export interface WebhookEndpoint {
  readonly merchantId: string;
  readonly url: string;
  /** The HMAC secret, sealed (encrypted at rest) by the caller. */
  readonly secretSealed: Uint8Array;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

export interface NewWebhookEndpoint {
  readonly merchantId: string;
  readonly url: string;
  readonly secretSealed: Uint8Array;
  readonly nowMs: number;
}

export interface WebhookDelivery {
  readonly id: string;
  readonly merchantId: string;
  /** The exact JSON text to sign and send. */
  readonly eventJson: string;
  readonly attempts: number;
  readonly nextAttemptAtMs: number;
  readonly deliveredAtMs: number | null;
  readonly lastError: string | null;
  readonly createdAtMs: number;
}

export type NewWebhookDelivery = Pick<WebhookDelivery, 'id' | 'merchantId' | 'eventJson' | 'createdAtMs'>;

/** A payment risk control refused (block) or held for a step-up the payer did not pass: never signed. */
export interface RiskRefusal {
  readonly id: string;
  readonly userId: string;
  readonly kind: PaymentKind;
  readonly decision: 'block' | 'step_up';
  readonly payeeAccountId: string;
  readonly merchantId: string | null;
  readonly amount: bigint;
  readonly currency: string;
  readonly scorePpm: number;
  readonly reasons: readonly string[];
  readonly ruleSetVersion: number;
  readonly createdAtMs: number;
}

export interface RiskRefusalCursor {
  readonly createdAtMs: number;
  readonly id: string;
}

/** A version of the risk rules, as edited through the API: its JSON text exactly as validated. */
export interface StoredRuleSet {
  readonly version: number;
  readonly json: string;
  /** Who saved it; null for the built-in default written at first start. */
  readonly authorUserId: string | null;
  readonly note: string;
  readonly createdAtMs: number;
}

/** An AML detector's finding over the committed chain. */
export interface AmlAlert {
  readonly id: string;
  readonly pattern: string;
  readonly scorePpm: number;
  /** Ledger account ids, at most AML_ALERT_ACCOUNTS_MAX. */
  readonly accounts: readonly string[];
  /** Ledger transaction ids (the evidence), 1..AML_ALERT_TXS_MAX. */
  readonly txIds: readonly string[];
  readonly explanation: string;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly detectedAtMs: number;
  /** The case that took it up, if any. */
  readonly caseId: string | null;
}

export type NewAmlAlert = Omit<AmlAlert, 'caseId'>;

export interface AmlAlertCursor {
  readonly detectedAtMs: number;
  readonly id: string;
}

export interface AmlAlertFilter {
  /** undefined: all; null: only alerts in no case; a string: the alerts of that case. */
  readonly caseId?: string | null;
  readonly pattern?: string;
}

/** A regulator's case: open → assigned → closed (closed is final). */
export interface AmlCase {
  readonly id: string;
  readonly title: string;
  readonly status: AmlCaseStatus;
  readonly assigneeUserId: string | null;
  readonly resolution: AmlCaseResolution | null;
  readonly createdByUserId: string;
  readonly alertCount: number;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  readonly closedAtMs: number | null;
}

export interface NewAmlCase {
  readonly id: string;
  readonly title: string;
  readonly createdByUserId: string;
  /** 1..AML_CASE_ALERTS_MAX distinct alert ids, each in no case yet. */
  readonly alertIds: readonly string[];
  readonly nowMs: number;
}

export interface AmlCaseNote {
  readonly caseId: string;
  /** 1, 2, 3… within the case. */
  readonly seq: number;
  readonly authorUserId: string;
  readonly text: string;
  readonly createdAtMs: number;
}

export interface AmlCaseCursor {
  readonly updatedAtMs: number;
  readonly id: string;
}

// --- Results of the operations that can be refused (reasons in precedence order). ---

export type CreateCaseResult =
  | { readonly ok: true; readonly case: AmlCase }
  | { readonly ok: false; readonly reason: 'alert_not_found' | 'alert_in_case'; readonly alertId: string };

export type CaseChangeResult =
  | { readonly ok: true; readonly case: AmlCase }
  | { readonly ok: false; readonly reason: 'not_found' | 'closed' };

export type AddCaseNoteResult =
  | { readonly ok: true; readonly note: AmlCaseNote }
  | { readonly ok: false; readonly reason: 'not_found' | 'closed' };

export type MarkPaidResult =
  | { readonly ok: true; readonly request: PaymentRequest }
  | { readonly ok: false; readonly reason: 'not_found' | 'already_paid' | 'expired' };

export type UsePayCodeResult =
  | { readonly ok: true; readonly userId: string }
  | { readonly ok: false; readonly reason: 'not_found' | 'used' | 'expired' };

export type RefundResult =
  | { readonly ok: true; readonly refund: Payment; readonly refundedTotal: bigint }
  | { readonly ok: false; readonly reason: 'not_found' | 'not_refundable' | 'not_final' | 'exceeds_paid' };

export type DailySpendResult =
  | { readonly ok: true; readonly spent: bigint }
  | { readonly ok: false; readonly reason: 'limit_exceeded'; readonly spent: bigint };

/** 'new': the caller owns the key and stores its response with `completeIdempotencyKey` (or releases it). */
export type IdempotencyClaim = 'new' | 'conflict' | 'in_progress' | { readonly replay: StoredResponse };

export type BindDeviceResult = 'bound' | 'already_bound';

export interface MigrateResult {
  readonly fromVersion: number;
  readonly toVersion: number;
  /** Versions applied by this call, ascending; empty when the schema was already current. */
  readonly applied: readonly number[];
}

export interface PurgeRequest {
  readonly nowMs: number;
  /** Idempotency records created before nowMs minus this are deleted. */
  readonly idempotencyRetentionMs: number;
  /** Rows deleted per table at most, 1..PURGE_BATCH_MAX. */
  readonly limit: number;
}

export interface PurgeResult {
  readonly sessions: number;
  readonly payCodes: number;
  readonly idempotencyKeys: number;
}

/** The data operations, on the database or inside one `transaction`. */
export interface GatewayDbOps {
  // Users. createUser throws GatewayDbError 'db_phone_taken' when the phone is registered.
  createUser(user: NewUser): Promise<void>;
  getUserById(id: string): Promise<User | null>;
  getUserByPhone(phone: string): Promise<User | null>;
  /** The user whose wallet this ledger account is (what a personal QR names). */
  getUserByLedgerAccount(accountId: string): Promise<User | null>;
  setUserKycTier(id: string, tier: KycTier): Promise<boolean>;
  setUserStatus(id: string, status: UserStatus): Promise<boolean>;
  /** Issuer-assisted recovery: a new key, browser-held (sealedKey null) or custodial. */
  setUserKey(id: string, keyMode: KeyMode, publicKey: Uint8Array, sealedKey: Uint8Array | null): Promise<boolean>;
  setUserRole(id: string, role: UserRole): Promise<boolean>;

  // Passkeys. addPasskey throws 'db_duplicate' for a credential id registered already.
  addPasskey(passkey: Passkey): Promise<void>;
  getPasskey(credentialId: string): Promise<Passkey | null>;
  /** Oldest first, at most PASSKEYS_LIST_MAX. */
  listPasskeys(userId: string): Promise<Passkey[]>;
  /** Stores the counter of a successful sign-in; false if the credential is unknown. */
  setPasskeyCounter(credentialId: string, counter: number): Promise<boolean>;

  // Devices. Binding a revoked device again binds it anew; binding a bound one changes nothing.
  bindDevice(device: NewDevice): Promise<BindDeviceResult>;
  getDevice(userId: string, deviceId: string): Promise<Device | null>;
  /** Oldest first, at most DEVICES_LIST_MAX. */
  listDevices(userId: string): Promise<Device[]>;
  /** Revokes the device and, in the same transaction, its sessions. False if not bound. */
  revokeDevice(userId: string, deviceId: string, nowMs: number): Promise<boolean>;

  // Sessions.
  createSession(session: NewSession): Promise<void>;
  /** Null when unknown, revoked, or expired at nowMs. */
  findSession(tokenHash: string, nowMs: number): Promise<Session | null>;
  revokeSession(tokenHash: string, nowMs: number): Promise<boolean>;
  /** Revokes every live session of the user; answers how many. */
  revokeUserSessions(userId: string, nowMs: number): Promise<number>;

  // Merchants.
  createMerchant(merchant: Merchant): Promise<void>;
  getMerchant(id: string): Promise<Merchant | null>;
  /** The merchant whose settlement account this is (what a merchant QR names). */
  getMerchantBySettlementAccount(accountId: string): Promise<Merchant | null>;
  /** The merchants of these settlement accounts (any order; unknown ids are left out), at most LOOKUP_IDS_MAX ids. */
  getMerchantsBySettlementAccounts(accountIds: readonly string[]): Promise<Merchant[]>;
  /** The users of these wallet accounts (any order; unknown ids are left out), at most LOOKUP_IDS_MAX ids. */
  getUsersByLedgerAccounts(accountIds: readonly string[]): Promise<User[]>;
  /** Oldest first, at most MERCHANTS_LIST_MAX. */
  listMerchantsByOwner(ownerUserId: string): Promise<Merchant[]>;

  // Payment requests (dynamic QR).
  createPaymentRequest(request: NewPaymentRequest): Promise<void>;
  getPaymentRequest(id: string): Promise<PaymentRequest | null>;
  /**
   * One-time request: sets paidTxId to txId if it is unpaid and unexpired, at most once. Reusable request: only checks
   * the expiry. txId must be a payment of this request, recorded in the same transaction (a deferred foreign key).
   */
  markPaymentRequestPaid(id: string, txId: string, nowMs: number): Promise<MarkPaidResult>;

  // Pay codes.
  createPayCode(code: NewPayCode): Promise<void>;
  getPayCode(codeHash: string): Promise<PayCode | null>;
  /**
   * Marks the code used by txId if unused and unexpired at nowMs, at most once. txId must be a payment by the code's
   * user, recorded in the same transaction (a deferred foreign key). A used code is never given back.
   */
  usePayCode(codeHash: string, nowMs: number, txId: string): Promise<UsePayCodeResult>;

  // Payments.
  /** Records a submitted transfer as pending. */
  insertPayment(payment: NewPayment): Promise<void>;
  getPayment(txId: string): Promise<Payment | null>;
  /** The recorded payments of these transactions (any order; unknown ids are left out), at most LOOKUP_IDS_MAX ids. */
  getPayments(txIds: readonly string[]): Promise<Payment[]>;
  listPayments(filter: PaymentFilter, limit: number, before: PaymentCursor | null): Promise<PaymentPage>;
  /** A user's history, newest first: made by the user or paid into accountId. */
  listUserPayments(filter: UserPaymentFilter, limit: number, before: PaymentCursor | null): Promise<PaymentPage>;
  /** Payments still pending, oldest first: what a restarted gateway settles against the ledger. */
  listPendingPayments(limit: number): Promise<Payment[]>;
  /** pending → final at (height, index), code 'ok'. False if not pending. */
  markPaymentFinal(txId: string, ledgerHeight: bigint, ledgerIndex: number, nowMs: number): Promise<boolean>;
  /**
   * pending → refused, and in the same transaction: a refused refund gives its amount back to the original's
   * refunded total, and a one-time payment request it had paid becomes payable again. False if not pending.
   */
  markPaymentRefused(txId: string, code: string, nowMs: number): Promise<boolean>;
  /**
   * Adds the amount to a final merchant payment's refunded total (never above its amount) and records the refund as
   * a pending payment from the merchant's owner to the original payer, both in one transaction.
   */
  reserveRefund(refund: NewRefund): Promise<RefundResult>;

  // Daily spend for KYC limits. `day` is 'YYYY-MM-DD' in the gateway's time zone.
  /** Adds amount to the day's total unless the total would pass limit (then nothing changes). */
  addDailySpend(userId: string, day: string, amount: bigint, limit: bigint): Promise<DailySpendResult>;
  getDailySpend(userId: string, day: string): Promise<bigint>;

  // Idempotency keys. requestHash: SHA-256 hex of the request (method, path, body).
  claimIdempotencyKey(scope: string, key: string, requestHash: string, nowMs: number): Promise<IdempotencyClaim>;
  /** Stores the response of a claimed key; false if the key is not claimed with this hash or already complete. */
  completeIdempotencyKey(
    scope: string,
    key: string,
    requestHash: string,
    response: StoredResponse,
    nowMs: number,
  ): Promise<boolean>;
  /** Gives up a claim that has no response yet (the request failed before any effect), so a retry can run. */
  releaseIdempotencyKey(scope: string, key: string, requestHash: string): Promise<boolean>;

  // Webhooks: one endpoint per merchant.
  setWebhookEndpoint(endpoint: NewWebhookEndpoint): Promise<void>;
  getWebhookEndpoint(merchantId: string): Promise<WebhookEndpoint | null>;
  deleteWebhookEndpoint(merchantId: string): Promise<boolean>;
  enqueueWebhook(delivery: NewWebhookDelivery): Promise<void>;
  getWebhookDelivery(id: string): Promise<WebhookDelivery | null>;
  /**
   * Hands out up to limit deliveries due at nowMs (undelivered, under WEBHOOK_DELIVERY_ATTEMPTS_MAX attempts),
   * oldest due first, each to exactly one caller: a claimed one is due again only WEBHOOK_DELIVERY_LEASE_MS later.
   */
  claimDueDeliveries(nowMs: number, limit: number): Promise<WebhookDelivery[]>;
  markDeliveryDelivered(id: string, nowMs: number): Promise<boolean>;
  /** A failed attempt: attempts + 1, the error kept (truncated to WEBHOOK_ERROR_CHARS_MAX), due again at nextAttemptAtMs. */
  rescheduleDelivery(id: string, nextAttemptAtMs: number, error: string): Promise<boolean>;

  // Risk control. Payments carry their decision (NewPayment.risk); refusals are kept here, since they are never paid.
  insertRiskRefusal(refusal: RiskRefusal): Promise<void>;
  /** Newest first. */
  listRiskRefusals(limit: number, before: RiskRefusalCursor | null): Promise<RiskRefusal[]>;
  /** Payments let through under 'review', newest first: the review queue. */
  listReviewPayments(limit: number, before: PaymentCursor | null): Promise<PaymentPage>;
  /** Decisions made in [fromMs, toMs): payments by their risk decision plus refusals; every kind present (0 if none). */
  countRiskDecisions(fromMs: number, toMs: number): Promise<Record<RiskDecisionKind, number>>;
  /** Saves a new version; throws GatewayDbError 'db_duplicate' when the version exists. */
  insertRuleSet(ruleSet: StoredRuleSet): Promise<void>;
  /** The highest version, or null when none was saved. */
  latestRuleSet(): Promise<StoredRuleSet | null>;
  /** Newest first. */
  listRuleSets(limit: number): Promise<StoredRuleSet[]>;

  // AML alerts and cases.
  /** Inserts the alerts whose id is new (1..AML_ALERTS_BATCH_MAX); known ids are left as they are. Answers how many were new. */
  upsertAlerts(alerts: readonly NewAmlAlert[]): Promise<number>;
  getAlert(id: string): Promise<AmlAlert | null>;
  /** Newest detection first. */
  listAlerts(filter: AmlAlertFilter, limit: number, before: AmlAlertCursor | null): Promise<AmlAlert[]>;
  /** Alerts detected in [fromMs, toMs), by pattern. */
  countAlertsByPattern(fromMs: number, toMs: number): Promise<Record<string, number>>;
  /** Opens a case over alerts that are in no case yet, all in one transaction (nothing changes when refused). */
  createCase(input: NewAmlCase): Promise<CreateCaseResult>;
  getCase(id: string): Promise<AmlCase | null>;
  /** How many cases are in each status (every status present, 0 if none). */
  countCasesByStatus(): Promise<Record<AmlCaseStatus, number>>;
  /** Most recently updated first; `status` filters when given. */
  listCases(
    filter: { readonly status?: AmlCaseStatus },
    limit: number,
    before: AmlCaseCursor | null,
  ): Promise<AmlCase[]>;
  /** open or assigned → assigned to the user (a reassignment is allowed); a closed case is refused. */
  assignCase(id: string, assigneeUserId: string, nowMs: number): Promise<CaseChangeResult>;
  /** → closed with a resolution; a closed case is refused. */
  closeCase(id: string, resolution: AmlCaseResolution, nowMs: number): Promise<CaseChangeResult>;
  /** Appends a note (seq = previous + 1) and touches the case's updatedAtMs; a closed case takes no notes. */
  addCaseNote(caseId: string, authorUserId: string, text: string, nowMs: number): Promise<AddCaseNoteResult>;
  /** Oldest first, at most AML_CASE_NOTES_MAX. */
  listCaseNotes(caseId: string): Promise<AmlCaseNote[]>;

  /** Deletes expired sessions and pay codes and old idempotency records, at most `limit` rows per table. */
  purgeExpired(request: PurgeRequest): Promise<PurgeResult>;

  // Programs (issue 6): the catalogue of programs this gateway funds.
  createProgram(record: ProgramRecord): Promise<void>;
  getProgram(id: string): Promise<ProgramRecord | null>;
  /** Newest first, at most PROGRAMS_LIST_MAX. */
  listPrograms(): Promise<ProgramRecord[]>;
  /** Removes a catalogue row whose program the ledger refused to create; true when a row was removed. */
  deleteProgram(id: string): Promise<boolean>;
}

export interface GatewayDb extends GatewayDbOps {
  readonly backend: GatewayDbBackend;
  /** Applies the numbered migrations not applied yet, all in one transaction. A second call is a no-op. */
  migrate(nowMs: number): Promise<MigrateResult>;
  /** 0 for an empty database. */
  schemaVersion(): Promise<number>;
  /**
   * Runs fn in one transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: one pooled connection, BEGIN … COMMIT), rolled
   * back if fn throws. Do not catch a GatewayDbError inside fn and go on: PostgreSQL aborts the transaction on any
   * failed statement. Use only the `tx` handle inside fn.
   */
  transaction<T>(fn: (tx: GatewayDbOps) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type GatewayDbErrorCode =
  /** The server or file cannot be reached or opened. */
  | 'db_unavailable'
  /** The database's schema is newer than this build, or a migration failed. */
  | 'db_schema'
  /** Writers collided (serialization failure, deadlock, lock wait timeout): retrying may succeed. */
  | 'db_conflict'
  /** A file or row is damaged (not a database, a value of the wrong type). */
  | 'db_corrupt'
  /** A user with this phone number exists (API: 409). */
  | 'db_phone_taken'
  /** Another unique key collided (an id used twice). */
  | 'db_duplicate'
  /** A row refers to one that does not exist (unknown user, merchant, payment). */
  | 'db_reference'
  /** A CHECK or NOT NULL constraint refused a row the checks above let through: a bug. */
  | 'db_constraint'
  /** The database spec is not understood. */
  | 'db_config'
  /** Any other failure of the database. */
  | 'db_io';

/** An operating error of the storage, with a code the caller decides on. */
export class GatewayDbError extends Error {
  override readonly name = 'GatewayDbError';
  readonly code: GatewayDbErrorCode;
  /** The constraint or native error code behind it, when known (never a value). */
  readonly detail: string | null;
  constructor(code: GatewayDbErrorCode, message: string, options?: { cause?: unknown; detail?: string | null }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.detail = options?.detail ?? null;
  }
}
