/**
 * What the gateway does with money, apart from HTTP: opening wallets and merchant accounts on the ledger, top-ups
 * and withdrawals through the bank's core system, transfers by phone number, merchant QR payments, pay codes,
 * pre-authorizations, refunds, and the settling of every submitted transaction against the ledger.
 *
 * One path for every payment:
 *   1. checks (amount, currency, KYC limits, balance, frozen accounts, QR and pay-code validity) — refused here,
 *      nothing is written;
 *   2. an *intent*: the unsigned ledger transaction and everything the gateway must record with it;
 *   3. signatures: a custodial key is opened and signs at once; a browser-held key gets the intent back (HMAC'd by
 *      the gateway, so nothing about it can be changed) and signs the transaction's signing bytes;
 *   4. one database transaction records the payment as pending and takes what is one-time (a one-time QR, a pay
 *      code, a refund's share of the original) — a race loses here, before anything reaches the ledger;
 *   5. submit; the outcome is recorded when the block is final (ok, or refused with the ledger's code, which gives
 *      back what step 4 took). A request waits `finalWaitMs` for that; a slower one answers "pending" and the
 *      payment settles in the background.
 * A payment recorded but never settled (the process stopped) is settled by `reconcile()` from the ledger: final
 * if the ledger has it, refused as expired once its transaction can no longer be included.
 *
 * Errors are `GatewayApiError`s: the service speaks the API's error vocabulary, so the routes only translate JSON.
 */
import { createHash, randomInt } from 'node:crypto';
import {
  type AccountEntry,
  assert,
  bytesToHex,
  decodeTransaction,
  encodeTransaction,
  formatAmount,
  hexToBytes,
  isHex,
  type KycTier,
  parseAmount,
  type QuoteEntry,
  type ReceiptJson,
  type Signer,
  sortSignatures,
  type TxBody,
  txSigningBytesOf,
  type UnsignedTransaction,
} from '@paychain/core';
import { SubmitError } from '@paychain/node';
import type { CoreBankingSystem } from '../bank/core-banking.ts';
import {
  type GatewayDb,
  type GatewayDbOps,
  type KeyMode,
  type Merchant,
  PAY_CODE_LIFETIME_MS_MAX,
  type Payment,
  type PaymentFx,
  type PaymentKind,
  type PaymentRequest,
  type PaymentRisk,
  RISK_REASON_CHARS_MAX,
  RISK_REASONS_MAX,
  type User,
} from '../db/gateway-db.ts';
import { GatewayApiError } from '../http/api-errors.ts';
import { type GatewayLedger, TX_LIFETIME_MS } from '../ledger/gateway-ledger.ts';
import type { GatewaySecrets } from '../ledger/gateway-secrets.ts';
import {
  type DynamicMerchantQr,
  decodeMerchantQr,
  encodeMerchantQr,
  isQrCurrencyAlpha,
  isQrExpired,
  type MerchantQr,
  type StaticMerchantQr,
} from '../qr/emvco.ts';
import { newWebhookSecret } from '../webhooks/webhook-signature.ts';
import { chooseQuote, type FxRefusal, fxRefusal, priceOf } from './fx-payments.ts';
import { programIneligible, programOrThrow, programSpendRefusal } from './program-rules.ts';
import {
  NO_PAYMENT_CONTEXT,
  type PaymentContext,
  RISK_SCORED_KINDS,
  type RiskCheck,
  type RiskControl,
  type RiskVerdict,
  StepUpTokens,
} from './risk-control.ts';

/** A request waits this long for its block to be final before answering "pending". */
export const FINAL_WAIT_MS_DEFAULT = 10_000;
/** A browser has this long to sign an intent (the transaction itself lives TX_LIFETIME_MS). */
export const INTENT_LIFETIME_MS = 100_000;
/** A pay code lives this long (the bound is 60 s). */
export const PAY_CODE_LIFETIME_MS = 60_000;
export const DYNAMIC_QR_LIFETIME_MS_DEFAULT = 5 * 60_000;
export const DYNAMIC_QR_LIFETIME_MS_MAX = 24 * 60 * 60_000;
export const PRE_AUTH_LIFETIME_MS_DEFAULT = 7 * 24 * 60 * 60_000;
/** A new wallet is KYC class III (phone-verified only): the smallest limits. */
export const KYC_TIER_AT_SIGN_UP: KycTier = 3;
/** Payments left pending after a restart are settled in batches of this size. */
const RECONCILE_BATCH = 500;
/** The payee of a burn (withdrawal) has no account: this id stands for the issuer's side. */
const BURN_PAYEE = '0'.repeat(32);
const QR_COUNTRY = 'CN';
const PERSONAL_QR_MCC = '4829';
/** A region as the ledger keeps it for merchants (`account.merchant`). */
const CHAIN_REGION_PATTERN = /^[A-Z0-9-]{1,16}$/;
/** The region put on chain for a merchant whose region is not a code: no program lists it. */
const CHAIN_REGION_UNKNOWN = 'ZZ';
/** Webhook secrets are sealed under this owner label (the dispatcher opens them without the merchant id). */
const WEBHOOK_SECRET_OWNER = 'webhook-secret';

/** `{amount, currency}` as clients send and receive it: a decimal string in major units. */
export interface MoneyJson {
  readonly amount: string;
  readonly currency: string;
}

export interface Money {
  readonly amount: bigint;
  readonly currency: string;
  readonly decimals: number;
}

/** Everything recorded with a payment; signed (MAC'd) when it travels through a browser. */
interface Intent {
  readonly v: 1;
  readonly txId: string;
  /** Whose key must sign (the payer; for captures, voids and refunds the merchant's owner). */
  readonly signerUserId: string;
  readonly payerUserId: string;
  readonly kind: Exclude<PaymentKind, 'refund'> | 'refund';
  readonly unsignedTx: string;
  readonly issuerCosigns: boolean;
  readonly payeeAccountId: string;
  readonly merchantId: string | null;
  readonly paymentRequestId: string | null;
  readonly refundOf: string | null;
  readonly authorizationOf: string | null;
  readonly payCodeHash: string | null;
  readonly amount: string;
  readonly currency: string;
  readonly memo: string;
  readonly payerLabel: string;
  readonly payeeLabel: string;
  /** Risk control's decision, made before the intent was; null for kinds it does not score. */
  readonly risk: PaymentRisk | null;
  /** The program whose money pays (a `program.spend`); null for ordinary money. */
  readonly programId: string | null;
  /** Paid in another currency through a quote (an `fx.convert`); amounts and rate as decimal strings. */
  readonly fx: {
    readonly quoteId: string;
    readonly paidAmount: string;
    readonly paidCurrency: string;
    readonly rateNum: string;
    readonly rateDen: string;
  } | null;
  readonly expiresAtMs: number;
}

/** The quote a payer chose at a QR, with the rate it was shown (what its transaction will carry). */
export interface FxChoice {
  readonly quoteId: string;
  readonly rateNum: bigint;
  readonly rateDen: bigint;
}

/** Paying a QR in another of the payer's currencies: the best quote that can take it, or why none can. */
export interface FxOption {
  /** The payer's asset that would pay (the quote's base asset). */
  readonly currency: string;
  readonly available: bigint;
  readonly quote: QuoteEntry;
  readonly providerName: string;
  /** For a QR with an amount: what the payer pays and what the payee gets; null until the amount is known. */
  readonly pay: bigint | null;
  readonly receives: bigint | null;
  /** Why this quote cannot take the payment (the ledger's code), or the payer's balance is short; null when it can. */
  readonly reason: FxRefusal | 'insufficient_funds' | null;
}

/** What a browser-held key must sign before the payment can go on. */
export interface SigningRequest {
  /** The intent, MAC'd: sent back unchanged with the signature. */
  readonly intent: string;
  /** The transaction without signatures (hex), to decode and show before signing. */
  readonly unsignedTx: string;
  /** What the key signs (hex). */
  readonly signingBytes: string;
  readonly expiresAtMs: number;
}

/** A payment as the service answers it. */
export interface PaymentOutcome {
  readonly payment: PaymentView;
  /** Present while a browser-held key has not signed yet. */
  readonly signing: SigningRequest | null;
}

/** The recorded payment, or (awaiting a signature) what will be recorded. */
export interface PaymentView {
  readonly txId: string;
  readonly kind: PaymentKind;
  readonly status: Payment['status'] | 'awaiting_signature';
  readonly payerUserId: string;
  readonly payeeAccountId: string;
  readonly merchantId: string | null;
  readonly refundOf: string | null;
  readonly authorizationOf: string | null;
  readonly amount: bigint;
  readonly currency: string;
  readonly refunded: bigint;
  readonly memo: string;
  readonly payerLabel: string;
  readonly payeeLabel: string;
  readonly code: string | null;
  readonly ledgerHeight: bigint | null;
  readonly ledgerIndex: number | null;
  readonly createdAtMs: number;
  readonly receipt: ReceiptJson | null;
  readonly programId: string | null;
  readonly fx: PaymentFx | null;
}

/** Who a QR pays: a merchant, or a user (a personal collection QR or a request for money). */
export type QrPayee =
  | { readonly kind: 'merchant'; readonly merchant: Merchant }
  | { readonly kind: 'user'; readonly user: User }
  /** A merchant of another bank of the settlement scheme: paid by an interbank transfer (docs/settlement.md). */
  | {
      readonly kind: 'bank_merchant';
      readonly accountId: string;
      readonly bank: string;
      readonly name: string;
      readonly city: string;
      readonly mcc: string;
    };

export interface ResolvedQr {
  readonly payee: QrPayee;
  readonly qr: MerchantQr;
  readonly request: PaymentRequest | null;
  readonly money: Money | null;
}

export interface PaymentEvents {
  /** A payment reached its end state (final or refused). Called once per payment, after it is recorded. */
  paymentSettled(payment: Payment): void;
  /**
   * The webhook event of a merchant's settled payment: its id and exact JSON text. Enqueued in the same database
   * transaction that records the outcome, so a recorded outcome always has its webhook (when the merchant has one).
   */
  webhookEvent?(payment: Payment): { readonly id: string; readonly json: string };
}

export interface PaymentServiceOptions {
  readonly db: GatewayDb;
  readonly ledger: GatewayLedger;
  readonly bank: CoreBankingSystem;
  readonly secrets: GatewaySecrets;
  readonly clock?: () => number;
  readonly finalWaitMs?: number;
  readonly events?: PaymentEvents;
  /** Errors of background settling, which no request is waiting for. */
  readonly onBackgroundError?: (error: unknown, context: string) => void;
  /** Asked before every payment of RISK_SCORED_KINDS is signed; without one every payment is allowed. */
  readonly risk?: RiskControl;
}

export interface NewWallet {
  readonly phone: string;
  /** Null for a wallet that signs in with passkeys only. */
  readonly passwordHash: string | null;
  readonly keyMode: KeyMode;
  /** Hex, required exactly for keyMode 'browser'. */
  readonly publicKey?: string | undefined;
}

export interface NewMerchantInput {
  readonly name: string;
  readonly mcc: string;
  readonly city: string;
  readonly region: string;
  /** The merchant's account at its bank, where payouts go. */
  readonly bankAccount: string;
}

/** A merchant-initiated charge of a pay code waiting for a browser-held key to confirm it. */
interface AwaitingConfirmation {
  readonly userId: string;
  readonly outcome: PaymentOutcome;
}

export class PaymentService {
  readonly db: GatewayDb;
  readonly ledger: GatewayLedger;
  private readonly bank: CoreBankingSystem;
  private readonly secrets: GatewaySecrets;
  private readonly clock: () => number;
  private readonly finalWaitMs: number;
  private readonly events: PaymentEvents | null;
  private readonly onBackgroundError: (error: unknown, context: string) => void;
  private readonly risk: RiskControl | null;
  readonly stepUps = new StepUpTokens();
  /** Transactions submitted by this process and not settled yet: the reconciler leaves them alone. */
  private readonly settling = new Map<string, Promise<Payment | null>>();
  private readonly confirmations = new Map<string, AwaitingConfirmation>();

  constructor(options: PaymentServiceOptions) {
    this.db = options.db;
    this.ledger = options.ledger;
    this.bank = options.bank;
    this.secrets = options.secrets;
    this.clock = options.clock ?? Date.now;
    this.finalWaitMs = options.finalWaitMs ?? FINAL_WAIT_MS_DEFAULT;
    this.events = options.events ?? null;
    this.onBackgroundError = options.onBackgroundError ?? (() => {});
    this.risk = options.risk ?? null;
  }

  now(): number {
    const ms = this.clock();
    assert(Number.isSafeInteger(ms) && ms >= 0, 'the clock gives whole ms since the epoch');
    return ms;
  }

  // ---- money and accounts ----

  /** Parses `{amount, currency}` from a client: a positive decimal of an asset this gateway issues. */
  money(input: MoneyJson): Money {
    const asset = this.ledger.issuedAsset(input.currency);
    if (asset === undefined) {
      throw new GatewayApiError('currency_unknown', `this gateway does not hold ${JSON.stringify(input.currency)}`, {
        currency: input.currency,
        known: this.ledger.issuedAssets().map((a) => a.asset.id),
      });
    }
    const decimals = asset.asset.decimals;
    const parsed = parseAmount(input.amount, decimals);
    if (!parsed.ok) throw new GatewayApiError('amount_invalid', parsed.error, { amount: input.amount });
    if (parsed.value === 0n) throw new GatewayApiError('amount_invalid', 'amount must be above zero');
    return { amount: parsed.value, currency: asset.asset.id, decimals };
  }

  formatMoney(amount: bigint, currency: string): MoneyJson {
    return { amount: formatAmount(amount, this.decimalsOf(currency)), currency };
  }

  decimalsOf(currency: string): number {
    return this.ledger.genesis.assets.find((a) => a.id === currency)?.decimals ?? 2;
  }

  private ledgerAccount(id: string): AccountEntry {
    const account = this.ledger.account(id);
    assert(account !== undefined, 'a recorded wallet or merchant has its ledger account');
    return account;
  }

  /** Opens the ledger account (waiting until final), then records the user. */
  async openWallet(input: NewWallet): Promise<User> {
    let publicKey: Uint8Array;
    let sealedPrivate: ((userId: string) => Uint8Array) | null = null;
    if (input.keyMode === 'browser') {
      publicKey = this.parsePublicKey(input.publicKey);
    } else {
      if (input.publicKey !== undefined) {
        throw new GatewayApiError('bad_request', 'a custodial key is made by the gateway: send no publicKey', {
          field: 'publicKey',
        });
      }
      const pair = this.ledger.suite.generateKeyPair();
      publicKey = pair.publicKey;
      sealedPrivate = (userId) => this.secrets.seal(pair.privateKey, userId);
    }
    const id = this.ledger.newId();
    const ledgerAccountId = this.ledger.newId();
    await this.issuerAct(
      {
        type: 'account.open',
        account: ledgerAccountId,
        issuer: this.ledger.issuer.org,
        owners: [publicKey],
        threshold: 1,
        tier: KYC_TIER_AT_SIGN_UP,
        flags: { allowNegative: false },
      },
      'opening the wallet account',
    );
    const user = {
      id,
      phone: input.phone,
      passwordHash: input.passwordHash,
      kycTier: KYC_TIER_AT_SIGN_UP,
      ledgerAccountId,
      keyMode: input.keyMode,
      publicKey,
      sealedKey: sealedPrivate === null ? null : sealedPrivate(id),
      createdAtMs: this.now(),
    };
    await this.db.createUser(user);
    return { ...user, status: 'active', role: 'user' };
  }

  /**
   * Issuer-assisted recovery: the user proved who they are (password, bound device), the issuer rotates the owner
   * key of the wallet and of the user's merchants' settlement accounts to a new one. The old key signs nothing more.
   */
  async rotateKey(user: User, keyMode: KeyMode, publicKeyHex: string | undefined): Promise<User> {
    let publicKey: Uint8Array;
    let sealed: Uint8Array | null = null;
    if (keyMode === 'browser') publicKey = this.parsePublicKey(publicKeyHex);
    else {
      if (publicKeyHex !== undefined) {
        throw new GatewayApiError('bad_request', 'a custodial key is made by the gateway: send no publicKey', {
          field: 'publicKey',
        });
      }
      const pair = this.ledger.suite.generateKeyPair();
      publicKey = pair.publicKey;
      sealed = this.secrets.seal(pair.privateKey, user.id);
    }
    const merchants = await this.db.listMerchantsByOwner(user.id);
    for (const account of [user.ledgerAccountId, ...merchants.map((m) => m.settlementAccountId)]) {
      await this.issuerAct(
        { type: 'account.rotate', account, owners: [publicKey], threshold: 1 },
        'rotating the account key',
      );
    }
    await this.db.setUserKey(user.id, keyMode, publicKey, sealed);
    return { ...user, keyMode, publicKey, sealedKey: sealed };
  }

  async openMerchant(owner: User, input: NewMerchantInput): Promise<Merchant> {
    const settlementAccountId = this.ledger.newId();
    await this.issuerAct(
      {
        type: 'account.open',
        account: settlementAccountId,
        issuer: this.ledger.issuer.org,
        owners: [owner.publicKey],
        threshold: 1,
        // A business account: the merchant's KYC is the onboarding itself; no personal tier limits.
        tier: 1,
        flags: { allowNegative: false },
      },
      'opening the settlement account',
    );
    // The merchant's category and region on chain, where every peer reads them to check program rules. A region
    // that is not a code (`CN-SC`, `SH`) is not put on chain: such a merchant fails any program's region rule.
    const region = input.region.trim().toUpperCase();
    await this.issuerAct(
      {
        type: 'account.merchant',
        account: settlementAccountId,
        mcc: input.mcc,
        region: CHAIN_REGION_PATTERN.test(region) ? region : CHAIN_REGION_UNKNOWN,
      },
      "recording the merchant's category and region",
    );
    const merchant: Merchant = {
      id: this.ledger.newId(),
      ownerUserId: owner.id,
      name: input.name,
      mcc: input.mcc,
      city: input.city,
      region: input.region,
      settlementAccountId,
      bankAccount: input.bankAccount,
      createdAtMs: this.now(),
    };
    await this.db.createMerchant(merchant);
    return merchant;
  }

  /** Sets a user's KYC class after verification: `account.tier` on chain, signed by the issuer, then recorded. */
  async setKycTier(phone: string, tier: KycTier): Promise<User> {
    const user = await this.db.getUserByPhone(phone);
    if (user === null) throw new GatewayApiError('not_found', 'no user with this phone number');
    await this.issuerAct({ type: 'account.tier', account: user.ledgerAccountId, tier }, 'setting the KYC class');
    await this.db.setUserKycTier(user.id, tier);
    return { ...user, kycTier: tier };
  }

  /** Freezes or unfreezes a ledger account, signed by the issuer (an ops action, on chain with its reason). */
  async setFrozen(accountId: string, frozen: boolean, reason: string): Promise<{ txId: string }> {
    if (this.ledger.account(accountId) === undefined) {
      throw new GatewayApiError('not_found', 'no ledger account with this id', { accountId });
    }
    const txId = await this.issuerAct(
      { type: frozen ? 'account.freeze' : 'account.unfreeze', account: accountId, reason },
      frozen ? 'freezing the account' : 'unfreezing the account',
    );
    return { txId };
  }

  /** Sets (or replaces) the merchant's webhook URL with a new secret, sealed at rest; answers the secret once. */
  async setWebhook(merchant: Merchant, url: string): Promise<Uint8Array> {
    const secret = newWebhookSecret();
    await this.db.setWebhookEndpoint({
      merchantId: merchant.id,
      url,
      secretSealed: this.secrets.seal(secret, WEBHOOK_SECRET_OWNER),
      nowMs: this.now(),
    });
    return secret;
  }

  /** Opens a sealed webhook secret (for the dispatcher). */
  openWebhookSecret(sealed: Uint8Array): Uint8Array {
    return this.secrets.open(sealed, WEBHOOK_SECRET_OWNER);
  }

  /** Submits a transaction signed by the issuer alone and waits until it is final and ok. */
  private async issuerAct(body: TxBody, what: string): Promise<string> {
    const unsigned = this.ledger.unsigned(body, this.now());
    let outcome: Awaited<ReturnType<GatewayLedger['submit']>>;
    try {
      outcome = await this.ledger.submit(this.ledger.sign(unsigned, [this.ledger.issuerSigner]));
    } catch (error: unknown) {
      if (error instanceof SubmitError) {
        throw new GatewayApiError('unavailable', `the ledger did not take the transaction ${what}: ${error.code}`);
      }
      throw error;
    }
    if (outcome.code !== 'ok') {
      throw new GatewayApiError('payment_refused', `the ledger refused ${what}: ${outcome.code}`, {
        txId: unsigned.id,
        code: outcome.code,
      });
    }
    return unsigned.id;
  }

  private parsePublicKey(hex: string | undefined): Uint8Array {
    if (hex === undefined) {
      throw new GatewayApiError('public_key_invalid', 'keyMode "browser" needs the publicKey the browser made', {
        field: 'publicKey',
      });
    }
    const bytes = isHex(hex) ? hexToBytes(hex) : null;
    if (
      bytes === null ||
      bytes.length !== this.ledger.suite.publicKeyBytes ||
      !this.ledger.suite.isValidPublicKey(bytes)
    ) {
      throw new GatewayApiError(
        'public_key_invalid',
        `publicKey must be a valid ${this.ledger.suite.name === 'intl' ? 'Ed25519' : 'SM2'} public key, ${this.ledger.suite.publicKeyBytes} bytes in hex`,
        { field: 'publicKey' },
      );
    }
    return bytes;
  }

  // ---- checks before a payment ----

  /**
   * Both sides, in this order: the payer active and its account not frozen, the payee's account open and not
   * frozen, then the payer's KYC limits and available balance.
   */
  private checkPayer(
    user: User,
    accountId: string,
    money: Money,
    options: { tierApplies: boolean; payeeAccountId: string | null },
  ): void {
    if (user.status === 'frozen') throw new GatewayApiError('user_frozen', 'this user is frozen');
    const account = this.ledgerAccount(accountId);
    if (account.frozen) {
      throw new GatewayApiError('account_frozen', 'the paying account is frozen', { accountId });
    }
    if (options.payeeAccountId !== null) this.checkPayee(options.payeeAccountId);
    const balance = this.ledger.balance(accountId, money.currency, this.now());
    if (options.tierApplies) {
      const limit = this.ledger.tierLimit(account.tier);
      if (limit !== null && money.amount > limit.perPaymentMax) {
        throw new GatewayApiError('kyc_limit_exceeded', `KYC class ${account.tier} allows at most this per payment`, {
          tier: account.tier,
          perPayment: this.formatMoney(limit.perPaymentMax, money.currency),
        });
      }
      if (limit !== null && balance.spentToday + money.amount > limit.perDayMax) {
        throw new GatewayApiError('kyc_daily_limit_exceeded', `KYC class ${account.tier} allows at most this per day`, {
          tier: account.tier,
          perDay: this.formatMoney(limit.perDayMax, money.currency),
          spentToday: this.formatMoney(balance.spentToday, money.currency),
        });
      }
    }
    if (balance.available < money.amount) {
      throw new GatewayApiError('insufficient_funds', 'the available balance does not cover this payment', {
        available: this.formatMoney(balance.available, money.currency),
      });
    }
  }

  private checkPayee(accountId: string): void {
    const account = this.ledger.account(accountId);
    if (account === undefined || account.closed) {
      throw new GatewayApiError('payee_not_found', 'the receiving account does not exist');
    }
    if (account.frozen) throw new GatewayApiError('account_frozen', 'the receiving account is frozen', { accountId });
  }

  private async userOrThrow(id: string): Promise<User> {
    const user = await this.db.getUserById(id);
    assert(user !== null, 'a referenced user exists');
    return user;
  }

  // ---- payments ----

  async topUp(user: User, input: MoneyJson): Promise<PaymentOutcome> {
    const money = this.money(input);
    if (user.status === 'frozen') throw new GatewayApiError('user_frozen', 'this user is frozen');
    this.checkPayee(user.ledgerAccountId);
    const unsigned = this.ledger.unsigned(
      { type: 'mint', asset: money.currency, account: user.ledgerAccountId, amount: money.amount },
      this.now(),
    );
    // Minted by the issuer alone: the user's key is not needed to receive.
    const intent = this.intent(unsigned, {
      signerUserId: user.id,
      payerUserId: user.id,
      kind: 'topup',
      issuerCosigns: true,
      payeeAccountId: user.ledgerAccountId,
      money,
      payerLabel: 'bank',
      payeeLabel: user.phone,
    });
    return this.execute(intent, this.ledger.sign(unsigned, [this.ledger.issuerSigner]));
  }

  /**
   * Money paid in at the bank into a ledger account the gateway's organization owns (a program's funding account):
   * the bank debits `bankAccount`, then the issuer mints, as a top-up does, with the same recovery — recorded as a
   * top-up made by `operator`, so a debit whose mint never happened is reversed by `reconcile()`.
   */
  async topUpAccount(
    operator: User,
    accountId: string,
    bankAccount: string,
    input: MoneyJson,
  ): Promise<PaymentOutcome> {
    const money = this.money(input);
    this.checkPayee(accountId);
    const unsigned = this.ledger.unsigned(
      { type: 'mint', asset: money.currency, account: accountId, amount: money.amount },
      this.now(),
    );
    const intent = this.intent(unsigned, {
      signerUserId: operator.id,
      payerUserId: operator.id,
      kind: 'topup',
      issuerCosigns: true,
      payeeAccountId: accountId,
      money,
      payerLabel: 'bank',
      payeeLabel: bankAccount,
    });
    return this.execute(intent, this.ledger.sign(unsigned, [this.ledger.issuerSigner]));
  }

  async withdraw(user: User, input: MoneyJson, context: PaymentContext = NO_PAYMENT_CONTEXT): Promise<PaymentOutcome> {
    const money = this.money(input);
    this.checkPayer(user, user.ledgerAccountId, money, { tierApplies: false, payeeAccountId: null });
    const unsigned = this.ledger.unsigned(
      { type: 'burn', asset: money.currency, account: user.ledgerAccountId, amount: money.amount },
      this.now(),
    );
    return this.sign(user, unsigned, {
      signerUserId: user.id,
      payerUserId: user.id,
      kind: 'withdraw',
      issuerCosigns: true,
      payeeAccountId: BURN_PAYEE,
      money,
      payerLabel: user.phone,
      payeeLabel: 'bank',
      context,
    });
  }

  async transfer(
    user: User,
    toPhone: string,
    input: MoneyJson,
    memo: string,
    context: PaymentContext = NO_PAYMENT_CONTEXT,
  ): Promise<PaymentOutcome> {
    const money = this.money(input);
    const payee = await this.db.getUserByPhone(toPhone);
    if (payee === null) throw new GatewayApiError('payee_not_found', 'no wallet with this phone number');
    if (payee.id === user.id) throw new GatewayApiError('bad_request', 'a transfer to yourself moves nothing');
    this.checkPayer(user, user.ledgerAccountId, money, { tierApplies: true, payeeAccountId: payee.ledgerAccountId });
    const unsigned = this.ledger.unsigned(
      {
        type: 'transfer',
        source: user.ledgerAccountId,
        target: payee.ledgerAccountId,
        asset: money.currency,
        amount: money.amount,
        memo,
      },
      this.now(),
    );
    return this.sign(user, unsigned, {
      signerUserId: user.id,
      payerUserId: user.id,
      kind: 'p2p',
      payeeAccountId: payee.ledgerAccountId,
      money,
      memo,
      payerLabel: user.phone,
      payeeLabel: payee.phone,
      context,
    });
  }

  /** Decodes a merchant's or a user's QR and checks it against what the gateway knows, without paying. */
  async resolveQr(payload: string): Promise<ResolvedQr> {
    const decoded = decodeMerchantQr(payload);
    if (!decoded.ok) {
      throw new GatewayApiError('qr_invalid', decoded.message, { reason: decoded.code, tag: decoded.tag ?? null });
    }
    const qr = decoded.value;
    const merchant = await this.db.getMerchantBySettlementAccount(qr.accountId);
    const user = merchant === null ? await this.db.getUserByLedgerAccount(qr.accountId) : null;
    let payee: QrPayee;
    if (merchant !== null) payee = { kind: 'merchant', merchant };
    else if (user !== null) payee = { kind: 'user', user };
    else {
      // Another bank's merchant: an open account on the ledger issued by a bank of this currency's scheme.
      const account = this.ledger.account(qr.accountId);
      const scheme = this.ledger.node.primary.ledger.getScheme(qr.currency);
      const theirs =
        account === undefined ? undefined : this.ledger.node.primary.ledger.getParticipant(qr.currency, account.issuer);
      const ours = this.ledger.node.primary.ledger.getParticipant(qr.currency, this.ledger.issuer.org);
      if (
        account === undefined ||
        account.closed ||
        scheme === undefined ||
        theirs === undefined ||
        ours === undefined
      ) {
        throw new GatewayApiError(
          'merchant_not_found',
          'the QR names no merchant or wallet of this gateway or of a bank it settles with',
        );
      }
      if (qr.kind !== 'static') {
        throw new GatewayApiError('qr_invalid', "another bank's one-time QR is paid in that bank's own app", {
          reason: 'other_bank_dynamic',
        });
      }
      payee = {
        kind: 'bank_merchant',
        accountId: qr.accountId,
        bank: account.issuer,
        name: qr.merchantName,
        city: qr.merchantCity,
        mcc: qr.mcc,
      };
    }
    if (qr.kind === 'static') return { payee, qr, request: null, money: null };
    const request = await this.db.getPaymentRequest(qr.requestId);
    const decimals = this.decimalsOf(qr.currency);
    assert(payee.kind !== 'bank_merchant', "another bank's dynamic QR was refused above");
    const requestPayee = payee.kind === 'merchant' ? request?.merchantId : request?.payeeUserId;
    if (
      request === null ||
      requestPayee !== (payee.kind === 'merchant' ? payee.merchant.id : payee.user.id) ||
      request.amount !== qr.amount ||
      request.currency !== qr.currency ||
      BigInt(request.expiresAtMs) !== qr.expiresAtMs
    ) {
      // A well-formed code whose amount, expiry or payee differ from the request it names was altered.
      throw new GatewayApiError('qr_invalid', 'the QR does not match the payment request it names', {
        reason: 'request_mismatch',
      });
    }
    if (isQrExpired(qr, BigInt(this.now()))) {
      throw new GatewayApiError('qr_expired', 'this QR code has expired', { expiresAtMs: request.expiresAtMs });
    }
    if (request.oneTime && request.paidTxId !== null) {
      throw new GatewayApiError('qr_already_paid', 'this one-time QR code has been paid');
    }
    return { payee, qr, request, money: { amount: request.amount, currency: request.currency, decimals } };
  }

  async payQr(
    user: User,
    payload: string,
    input: MoneyJson | null,
    context: PaymentContext = NO_PAYMENT_CONTEXT,
    programId: string | null = null,
    fx: FxChoice | null = null,
  ): Promise<PaymentOutcome> {
    const resolved = await this.resolveQr(payload);
    let money: Money;
    if (resolved.money === null) {
      if (input === null)
        throw new GatewayApiError('amount_invalid', 'this QR has no amount: send amount and currency');
      money = this.money(input);
      if (money.currency !== resolved.qr.currency) {
        throw new GatewayApiError('currency_unknown', `this QR takes ${resolved.qr.currency}`, {
          currency: money.currency,
        });
      }
    } else {
      money = resolved.money;
      if (input !== null && (this.money(input).amount !== money.amount || input.currency !== money.currency)) {
        throw new GatewayApiError('amount_invalid', 'this QR has its own amount: send none, or the same', {
          amount: this.formatMoney(money.amount, money.currency),
        });
      }
    }
    const { payee } = resolved;
    if (payee.kind === 'user' && payee.user.id === user.id) {
      throw new GatewayApiError('bad_request', 'this is your own QR: a payment to yourself moves nothing');
    }
    const payeeAccountId =
      payee.kind === 'merchant'
        ? payee.merchant.settlementAccountId
        : payee.kind === 'user'
          ? payee.user.ledgerAccountId
          : payee.accountId;
    const memo = resolved.request === null ? '' : resolved.request.memo;
    let body: TxBody;
    let paymentFx: Intent['fx'] = null;
    if (fx !== null) {
      if (programId !== null) {
        throw new GatewayApiError('bad_request', 'program money is never converted: send programId or fx, not both', {
          field: 'fx',
        });
      }
      const quote = this.checkFx(fx, this.payeeAssetOf(resolved), money);
      const { pay, receives } = priceOf(quote, money.amount);
      const paid: Money = { amount: pay, currency: quote.baseAsset, decimals: this.decimalsOf(quote.baseAsset) };
      this.checkPayer(user, user.ledgerAccountId, paid, { tierApplies: true, payeeAccountId });
      body = {
        type: 'fx.convert',
        quote: quote.id,
        source: user.ledgerAccountId,
        target: payeeAccountId,
        baseAmount: pay,
        rateNum: quote.rateNum,
        rateDen: quote.rateDen,
        memo,
      };
      money = { ...money, amount: receives };
      paymentFx = {
        quoteId: quote.id,
        paidAmount: pay.toString(),
        paidCurrency: quote.baseAsset,
        rateNum: quote.rateNum.toString(),
        rateDen: quote.rateDen.toString(),
      };
    } else if (payee.kind === 'bank_merchant') {
      if (programId !== null) {
        throw new GatewayApiError('bad_request', "program money pays this bank's merchants only", {
          field: 'programId',
        });
      }
      this.checkPayer(user, user.ledgerAccountId, money, { tierApplies: true, payeeAccountId });
      this.checkInterbankCap(resolved.qr.currency, money);
      body = {
        type: 'interbank.transfer',
        source: user.ledgerAccountId,
        target: payeeAccountId,
        currency: resolved.qr.currency,
        amount: money.amount,
        memo,
      };
    } else if (programId === null) {
      this.checkPayer(user, user.ledgerAccountId, money, { tierApplies: true, payeeAccountId });
      body = {
        type: 'transfer',
        source: user.ledgerAccountId,
        target: payeeAccountId,
        asset: money.currency,
        amount: money.amount,
        memo,
      };
    } else {
      if (payee.kind !== 'merchant') {
        throw new GatewayApiError('bad_request', "program money pays merchants only: this is a person's QR", {
          field: 'programId',
        });
      }
      const program = programOrThrow(this.ledger, programId);
      if (program.asset !== money.currency) {
        throw new GatewayApiError('currency_unknown', `this program pays in ${program.asset}`, {
          currency: money.currency,
        });
      }
      // The ordinary checks of a payer (frozen user or account, payee usable), without the ordinary balance.
      this.checkPayer(user, user.ledgerAccountId, { ...money, amount: 0n }, { tierApplies: false, payeeAccountId });
      const refusal = programSpendRefusal(
        this.ledger,
        program,
        user.ledgerAccountId,
        payeeAccountId,
        money.amount,
        this.now(),
      );
      if (refusal !== null) throw programIneligible(programId, refusal);
      body = {
        type: 'program.spend',
        program: programId,
        beneficiary: user.ledgerAccountId,
        merchant: payeeAccountId,
        amount: money.amount,
      };
    }
    const unsigned = this.ledger.unsigned(body, this.now());
    return this.sign(user, unsigned, {
      signerUserId: user.id,
      payerUserId: user.id,
      kind: payee.kind === 'merchant' ? 'qr' : 'p2p',
      payeeAccountId,
      merchantId: payee.kind === 'merchant' ? payee.merchant.id : null,
      ...(payee.kind === 'merchant' ? { merchant: payee.merchant } : {}),
      paymentRequestId: resolved.request?.id ?? null,
      money,
      memo,
      payerLabel: user.phone,
      payeeLabel:
        payee.kind === 'merchant' ? payee.merchant.name : payee.kind === 'user' ? payee.user.phone : payee.name,
      context,
      programId,
      fx: paymentFx,
    });
  }

  /** The asset a QR's payee receives: this bank's own for its merchants and wallets, the other bank's deposit else. */
  private payeeAssetOf(resolved: ResolvedQr): string {
    if (resolved.payee.kind !== 'bank_merchant') return resolved.qr.currency;
    const participant = this.ledger.node.primary.ledger.getParticipant(resolved.qr.currency, resolved.payee.bank);
    assert(participant !== undefined, "another bank's merchant was resolved against the scheme");
    return participant.depositAsset;
  }

  /**
   * The payer's ways to pay this QR in another of its currencies: for each asset of this bank it holds (other than
   * the one the payee receives) with a live quote into the payee's asset, the best quote that can take the payment.
   */
  fxOptions(user: User, resolved: ResolvedQr): FxOption[] {
    const state = this.ledger.node.primary.ledger;
    const target = this.payeeAssetOf(resolved);
    const amount = resolved.money?.amount ?? null;
    const nowMs = this.now();
    const options: FxOption[] = [];
    for (const asset of this.ledger.issuedAssets()) {
      const currency = asset.asset.id;
      if (currency === target) continue;
      const available = this.ledger.balance(user.ledgerAccountId, currency, nowMs).available;
      if (available <= 0n) continue;
      const chosen = chooseQuote(state, currency, target, amount, nowMs);
      if (chosen === null) continue;
      const price = amount === null ? null : priceOf(chosen.quote, amount);
      options.push({
        currency,
        available,
        quote: chosen.quote,
        providerName: state.getOrg(chosen.quote.provider)?.org.name ?? chosen.quote.provider,
        pay: price?.pay ?? null,
        receives: price?.receives ?? null,
        reason: chosen.refusal ?? (price !== null && price.pay > available ? 'insufficient_funds' : null),
      });
    }
    return options;
  }

  /**
   * The quote the payer chose, checked as the ledger will check it: it exists, converts into what the payee
   * receives, carries the rate the payer was shown, and can take this payment now. Refused before signing with
   * 409 `fx_quote_unavailable` and the ledger's reason (the wallet scans again and shows the new quote).
   */
  private checkFx(choice: FxChoice, payeeAsset: string, money: Money): QuoteEntry {
    const state = this.ledger.node.primary.ledger;
    const quote = state.getQuote(choice.quoteId);
    const refuse = (reason: FxRefusal, message: string, extra: Record<string, unknown> = {}): never => {
      throw new GatewayApiError('fx_quote_unavailable', message, { quoteId: choice.quoteId, reason, ...extra });
    };
    if (quote === undefined) return refuse('quote_not_found', 'no such FX quote: scan the QR again');
    if (quote.quoteAsset !== payeeAsset) {
      throw new GatewayApiError(
        'currency_unknown',
        `this quote pays ${quote.quoteAsset}; this QR takes ${payeeAsset}`,
        {
          field: 'fx',
        },
      );
    }
    if (this.ledger.issuedAsset(quote.baseAsset) === undefined) {
      throw new GatewayApiError('currency_unknown', `this gateway does not hold ${quote.baseAsset}`, { field: 'fx' });
    }
    if (quote.rateNum !== choice.rateNum || quote.rateDen !== choice.rateDen) {
      return refuse('rate_mismatch', 'the rate you were shown is not this quote’s: scan the QR again', {
        rate: { num: quote.rateNum.toString(), den: quote.rateDen.toString() },
      });
    }
    const refusal = fxRefusal(state, quote, money.amount, this.now());
    if (refusal === null) return quote;
    const messages: Record<Exclude<FxRefusal, 'quote_not_found' | 'rate_mismatch'>, string> = {
      quote_expired: 'this rate has expired: scan the QR again for a new one',
      amount_outside_quote: 'this quote does not take this amount',
      quote_exhausted: 'this quote has been used up: scan the QR again for a new one',
      insufficient_liquidity: 'the exchange cannot pay this amount now: try a smaller amount or later',
    };
    return refuse(refusal, messages[refusal as keyof typeof messages] ?? refusal, {
      minBase: this.formatMoney(quote.minBase, quote.baseAsset),
      maxBase: this.formatMoney(quote.maxBase, quote.baseAsset),
    });
  }

  /**
   * Refuses, before anything is signed, a payment to another bank that would take this bank past its net debit cap
   * (its pledged liquidity): the ledger would refuse it with `net_debit_cap_exceeded`, and the payer is told why.
   */
  private checkInterbankCap(currency: string, money: Money): void {
    const state = this.ledger.node.primary.ledger;
    const scheme = state.getScheme(currency);
    const ours = state.getParticipant(currency, this.ledger.issuer.org);
    assert(scheme !== undefined && ours !== undefined, 'the QR was resolved against the scheme');
    const open = state.getWindow(currency, scheme.openWindow);
    const net = (open?.positions.find((p) => p.org === ours.org)?.net ?? 0n) - money.amount;
    const exposure = ours.owed + (net < 0n ? -net : 0n);
    if (exposure > ours.pledged) {
      throw new GatewayApiError(
        'interbank_cap_exceeded',
        'your bank has reached its limit for payments to other banks until the current settlement window settles: pay a merchant of your bank, or try again later',
        { bank: ours.org, headroom: this.formatMoney(ours.pledged - (exposure - money.amount), money.currency) },
      );
    }
  }

  /** The user's personal collection QR: static, the payer enters the amount. */
  personalQr(user: User): string {
    const currency = this.ledger.currency;
    assert(isQrCurrencyAlpha(currency), 'the issued asset has an ISO 4217 code');
    const encoded = encodeMerchantQr({ ...this.personalQrCommon(user, currency), kind: 'static' });
    assert(encoded.ok, 'a personal QR encodes');
    return encoded.value;
  }

  /** A one-time request for money: a dynamic QR that pays this user. */
  async requestMoney(
    user: User,
    input: MoneyJson,
    lifetimeMs: number,
    memo: string,
  ): Promise<{ request: PaymentRequest; payload: string }> {
    const money = this.money(input);
    if (!isQrCurrencyAlpha(money.currency)) {
      throw new GatewayApiError('currency_unknown', `${money.currency} has no ISO 4217 code for a QR`);
    }
    const nowMs = this.now();
    const request: PaymentRequest = {
      id: this.ledger.newId(),
      merchantId: null,
      payeeUserId: user.id,
      amount: money.amount,
      memo,
      currency: money.currency,
      oneTime: true,
      expiresAtMs: nowMs + lifetimeMs,
      paidTxId: null,
      createdAtMs: nowMs,
    };
    const encoded = encodeMerchantQr({
      ...this.personalQrCommon(user, money.currency),
      kind: 'dynamic',
      amount: money.amount,
      requestId: request.id,
      expiresAtMs: BigInt(request.expiresAtMs),
    });
    if (!encoded.ok) throw new GatewayApiError('amount_invalid', encoded.message, { reason: encoded.code });
    await this.db.createPaymentRequest(request);
    return { request, payload: encoded.value };
  }

  private personalQrCommon(user: User, currency: string): Omit<StaticMerchantQr, 'kind'> {
    assert(isQrCurrencyAlpha(currency), 'a QR currency');
    return {
      accountId: user.ledgerAccountId,
      merchantName: maskedPhone(user.phone),
      merchantCity: 'PERSONAL',
      // ISO 18245 4829: money transfer — the code payment networks use for person-to-person payments.
      mcc: PERSONAL_QR_MCC,
      currency,
      country: QR_COUNTRY,
    };
  }

  /** A dynamic QR for one amount: the payment request and its EMVCo payload. */
  async createDynamicQr(
    merchant: Merchant,
    input: MoneyJson,
    oneTime: boolean,
    lifetimeMs: number,
  ): Promise<{ request: PaymentRequest; payload: string }> {
    const money = this.money(input);
    if (!isQrCurrencyAlpha(money.currency)) {
      throw new GatewayApiError('currency_unknown', `${money.currency} has no ISO 4217 code for a QR`);
    }
    const nowMs = this.now();
    const request: PaymentRequest = {
      id: this.ledger.newId(),
      merchantId: merchant.id,
      payeeUserId: null,
      amount: money.amount,
      memo: '',
      currency: money.currency,
      oneTime,
      expiresAtMs: nowMs + lifetimeMs,
      paidTxId: null,
      createdAtMs: nowMs,
    };
    const qr: DynamicMerchantQr = {
      ...this.qrCommon(merchant, money.currency),
      kind: 'dynamic',
      amount: money.amount,
      requestId: request.id,
      expiresAtMs: BigInt(request.expiresAtMs),
    };
    const encoded = encodeMerchantQr(qr);
    if (!encoded.ok) throw new GatewayApiError('amount_invalid', encoded.message, { reason: encoded.code });
    await this.db.createPaymentRequest(request);
    return { request, payload: encoded.value };
  }

  staticQr(merchant: Merchant, currency: string): string {
    if (!isQrCurrencyAlpha(currency)) return '';
    const qr: StaticMerchantQr = { ...this.qrCommon(merchant, currency), kind: 'static' };
    const encoded = encodeMerchantQr(qr);
    assert(encoded.ok, 'a merchant static QR encodes');
    return encoded.value;
  }

  private qrCommon(merchant: Merchant, currency: string): Omit<StaticMerchantQr, 'kind'> {
    assert(isQrCurrencyAlpha(currency), 'a QR currency');
    const asciiName = toQrText(merchant.name, 25) || 'MERCHANT';
    const asciiCity = toQrText(merchant.city, 15) || 'CITY';
    const needsAlternate = asciiName !== merchant.name || asciiCity !== merchant.city;
    return {
      accountId: merchant.settlementAccountId,
      merchantName: asciiName,
      merchantCity: asciiCity,
      mcc: merchant.mcc,
      currency,
      country: QR_COUNTRY,
      ...(needsAlternate
        ? {
            alternateLanguage: {
              language: 'ZH',
              merchantName: [...merchant.name].slice(0, 25).join(''),
              merchantCity: [...merchant.city].slice(0, 15).join(''),
            },
          }
        : {}),
    };
  }

  /** A one-time consumer-presented code: 18 digits, shown as a QR or bar code, valid PAY_CODE_LIFETIME_MS. */
  async createPayCode(user: User): Promise<{ code: string; expiresAtMs: number }> {
    if (user.status === 'frozen') throw new GatewayApiError('user_frozen', 'this user is frozen');
    const digits = Array.from({ length: 16 }, () => randomInt(10)).join('');
    const code = `28${digits}`;
    const nowMs = this.now();
    const expiresAtMs = nowMs + Math.min(PAY_CODE_LIFETIME_MS, PAY_CODE_LIFETIME_MS_MAX);
    await this.db.createPayCode({ codeHash: payCodeHash(code), userId: user.id, createdAtMs: nowMs, expiresAtMs });
    return { code, expiresAtMs };
  }

  /** The merchant scans a pay code and charges (or, with `hold`, pre-authorizes) the amount. */
  async chargePayCode(
    merchant: Merchant,
    code: string,
    input: MoneyJson,
    hold: { readonly lifetimeMs: number } | null,
    context: PaymentContext = NO_PAYMENT_CONTEXT,
  ): Promise<PaymentOutcome> {
    const money = this.money(input);
    const hash = /^[0-9]{18}$/.test(code) ? payCodeHash(code) : null;
    const found = hash === null ? null : await this.db.getPayCode(hash);
    if (hash === null || found === null) throw new GatewayApiError('pay_code_not_found', 'no such pay code');
    if (found.usedAtMs !== null) throw new GatewayApiError('pay_code_used', 'this pay code has been used');
    if (this.now() >= found.expiresAtMs) throw new GatewayApiError('pay_code_expired', 'this pay code has expired');
    const payer = await this.userOrThrow(found.userId);
    this.checkPayer(payer, payer.ledgerAccountId, money, {
      tierApplies: true,
      payeeAccountId: merchant.settlementAccountId,
    });
    const nowMs = this.now();
    const body: TxBody =
      hold === null
        ? {
            type: 'transfer',
            source: payer.ledgerAccountId,
            target: merchant.settlementAccountId,
            asset: money.currency,
            amount: money.amount,
            memo: '',
          }
        : {
            type: 'pending.create',
            source: payer.ledgerAccountId,
            target: merchant.settlementAccountId,
            asset: money.currency,
            amount: money.amount,
            timeoutMs: BigInt(hold.lifetimeMs),
            memo: '',
          };
    const unsigned = this.ledger.unsigned(body, nowMs);
    const outcome = await this.sign(payer, unsigned, {
      signerUserId: payer.id,
      payerUserId: payer.id,
      kind: hold === null ? 'paycode' : 'authorize',
      payeeAccountId: merchant.settlementAccountId,
      merchantId: merchant.id,
      merchant,
      payCodeHash: hash,
      money,
      payerLabel: payer.phone,
      payeeLabel: merchant.name,
      context,
    });
    if (outcome.signing !== null) {
      // The payer holds the key: their wallet confirms it (GET /v1/me/confirmations) while the code is fresh.
      this.confirmations.set(outcome.payment.txId, { userId: payer.id, outcome });
      this.dropStaleConfirmations();
    }
    return outcome;
  }

  /** Charges of the user's pay codes that wait for the user's browser-held key. */
  confirmationsFor(userId: string): PaymentOutcome[] {
    this.dropStaleConfirmations();
    return [...this.confirmations.values()].filter((c) => c.userId === userId).map((c) => c.outcome);
  }

  private dropStaleConfirmations(): void {
    const nowMs = this.now();
    for (const [txId, c] of this.confirmations) {
      if (c.outcome.signing === null || c.outcome.signing.expiresAtMs <= nowMs) this.confirmations.delete(txId);
    }
  }

  /** Captures up to the authorized amount (the rest of the hold is released). */
  async capture(owner: User, merchant: Merchant, authorizationTxId: string, input: MoneyJson): Promise<PaymentOutcome> {
    const auth = await this.openAuthorization(merchant, authorizationTxId);
    const money = this.money(input);
    if (money.currency !== auth.currency || money.amount > auth.amount) {
      throw new GatewayApiError('amount_invalid', 'a capture is at most the authorized amount, in its currency', {
        authorized: this.formatMoney(auth.amount, auth.currency),
      });
    }
    const unsigned = this.ledger.unsigned(
      { type: 'pending.post', pending: auth.txId, amount: money.amount },
      this.now(),
    );
    return this.sign(owner, unsigned, {
      signerUserId: owner.id,
      payerUserId: auth.payerUserId,
      kind: 'capture',
      payeeAccountId: merchant.settlementAccountId,
      merchantId: merchant.id,
      authorizationOf: auth.txId,
      money,
      payerLabel: auth.payerLabel,
      payeeLabel: merchant.name,
    });
  }

  async voidAuthorization(owner: User, merchant: Merchant, authorizationTxId: string): Promise<PaymentOutcome> {
    const auth = await this.openAuthorization(merchant, authorizationTxId);
    const unsigned = this.ledger.unsigned({ type: 'pending.void', pending: auth.txId }, this.now());
    return this.sign(owner, unsigned, {
      signerUserId: owner.id,
      payerUserId: auth.payerUserId,
      kind: 'void',
      payeeAccountId: merchant.settlementAccountId,
      merchantId: merchant.id,
      authorizationOf: auth.txId,
      money: { amount: auth.amount, currency: auth.currency, decimals: this.decimalsOf(auth.currency) },
      payerLabel: auth.payerLabel,
      payeeLabel: merchant.name,
    });
  }

  private async openAuthorization(merchant: Merchant, txId: string): Promise<Payment> {
    const auth = await this.db.getPayment(txId);
    if (auth === null || auth.merchantId !== merchant.id || auth.kind !== 'authorize') {
      throw new GatewayApiError('payment_not_found', 'no authorization of this merchant with this id');
    }
    const pending = auth.status === 'final' ? this.ledger.node.primary.ledger.getPending(auth.txId) : undefined;
    if (pending === undefined || pending.state !== 'pending') {
      throw new GatewayApiError(
        'authorization_not_open',
        'this authorization is not open (captured, voided or expired)',
        {
          state: pending?.state ?? auth.status,
        },
      );
    }
    return auth;
  }

  /** Pays the merchant's settlement balance out to its bank account: burned on the ledger, then credited by the bank. */
  async payout(
    owner: User,
    merchant: Merchant,
    input: MoneyJson,
    context: PaymentContext = NO_PAYMENT_CONTEXT,
  ): Promise<PaymentOutcome> {
    const money = this.money(input);
    this.checkPayer(owner, merchant.settlementAccountId, money, { tierApplies: false, payeeAccountId: null });
    const unsigned = this.ledger.unsigned(
      { type: 'burn', asset: money.currency, account: merchant.settlementAccountId, amount: money.amount },
      this.now(),
    );
    return this.sign(owner, unsigned, {
      signerUserId: owner.id,
      payerUserId: owner.id,
      kind: 'payout',
      issuerCosigns: true,
      payeeAccountId: BURN_PAYEE,
      merchantId: merchant.id,
      merchant,
      money,
      payerLabel: merchant.name,
      payeeLabel: 'bank',
      context,
    });
  }

  /** A refund from the merchant's settlement account to the payer: never above what was paid, over all refunds. */
  async refund(owner: User, merchant: Merchant, originalTxId: string, input: MoneyJson): Promise<PaymentOutcome> {
    const original = await this.db.getPayment(originalTxId);
    if (original === null || original.merchantId !== merchant.id) {
      throw new GatewayApiError('payment_not_found', 'no payment of this merchant with this id');
    }
    if (original.kind !== 'qr' && original.kind !== 'paycode' && original.kind !== 'capture') {
      throw new GatewayApiError('payment_not_refundable', `a ${original.kind} payment cannot be refunded`);
    }
    if (original.programId !== null) {
      throw new GatewayApiError(
        'payment_not_refundable',
        "a payment with program money cannot be refunded: it returns to the funder by clawback or at the program's end",
        { programId: original.programId },
      );
    }
    if (original.status !== 'final') {
      throw new GatewayApiError('payment_not_refundable', 'only a final payment can be refunded', {
        status: original.status,
      });
    }
    const money = this.money(input);
    if (money.currency !== original.currency) {
      throw new GatewayApiError('currency_unknown', `the payment was in ${original.currency}`);
    }
    if (money.amount > original.amount - original.refunded) {
      throw new GatewayApiError('refund_exceeds_paid', 'the refunds would exceed what was paid', {
        paid: this.formatMoney(original.amount, original.currency),
        refunded: this.formatMoney(original.refunded, original.currency),
      });
    }
    const payer = await this.userOrThrow(original.payerUserId);
    this.checkPayer(owner, merchant.settlementAccountId, money, {
      tierApplies: false,
      payeeAccountId: payer.ledgerAccountId,
    });
    const unsigned = this.ledger.unsigned(
      {
        type: 'transfer',
        source: merchant.settlementAccountId,
        target: payer.ledgerAccountId,
        asset: money.currency,
        amount: money.amount,
        memo: `refund ${original.txId}`,
      },
      this.now(),
    );
    return this.sign(owner, unsigned, {
      signerUserId: owner.id,
      payerUserId: owner.id,
      kind: 'refund',
      payeeAccountId: payer.ledgerAccountId,
      merchantId: merchant.id,
      refundOf: original.txId,
      money,
      memo: '',
      payerLabel: original.payeeLabel,
      payeeLabel: original.payerLabel,
    });
  }

  // ---- signing ----

  private intent(
    unsigned: UnsignedTransaction,
    fields: {
      signerUserId: string;
      payerUserId: string;
      kind: Intent['kind'];
      issuerCosigns?: boolean;
      payeeAccountId: string;
      merchantId?: string | null;
      paymentRequestId?: string | null;
      refundOf?: string | null;
      authorizationOf?: string | null;
      payCodeHash?: string | null;
      money: Money;
      memo?: string;
      payerLabel: string;
      payeeLabel: string;
      /** Where the payer's request came from, for risk control. */
      context?: PaymentContext;
      /** The merchant paid (or paying out), which the caller has at hand: risk control reads its MCC. */
      merchant?: Merchant;
      risk?: PaymentRisk | null;
      programId?: string | null;
      fx?: Intent['fx'];
    },
  ): Intent {
    return {
      v: 1,
      txId: unsigned.id,
      signerUserId: fields.signerUserId,
      payerUserId: fields.payerUserId,
      kind: fields.kind,
      unsignedTx: bytesToHex(this.ledger.forSigning(unsigned).unsignedTx),
      issuerCosigns: fields.issuerCosigns ?? false,
      payeeAccountId: fields.payeeAccountId,
      merchantId: fields.merchantId ?? null,
      paymentRequestId: fields.paymentRequestId ?? null,
      refundOf: fields.refundOf ?? null,
      authorizationOf: fields.authorizationOf ?? null,
      payCodeHash: fields.payCodeHash ?? null,
      amount: fields.money.amount.toString(),
      currency: fields.money.currency,
      memo: fields.memo ?? '',
      payerLabel: fields.payerLabel,
      payeeLabel: fields.payeeLabel,
      risk: fields.risk ?? null,
      programId: fields.programId ?? null,
      fx: fields.fx ?? null,
      expiresAtMs: Math.min(this.now() + INTENT_LIFETIME_MS, Number(unsigned.expiresAt) - 5_000),
    };
  }

  /** Signs with the custodial key and goes on, or hands the intent to the browser that holds the key. */
  private async sign(
    signer: User,
    unsigned: UnsignedTransaction,
    fields: Parameters<PaymentService['intent']>[1],
  ): Promise<PaymentOutcome> {
    const risk = await this.assessRisk(signer, unsigned, fields);
    const intent = this.intent(unsigned, { ...fields, risk });
    const extra: Signer[] = intent.issuerCosigns ? [this.ledger.issuerSigner] : [];
    if (signer.keyMode === 'custodial') {
      assert(signer.sealedKey !== null, 'a custodial user has a sealed key');
      const privateKey = this.secrets.open(signer.sealedKey, signer.id);
      const bytes = this.ledger.sign(unsigned, [{ privateKey, publicKey: signer.publicKey }, ...extra]);
      privateKey.fill(0);
      return this.execute(intent, bytes);
    }
    const text = JSON.stringify(intent);
    const token = this.secrets.macToken(text);
    const { signingBytes } = this.ledger.forSigning(unsigned);
    return {
      payment: viewOfIntent(intent, 'awaiting_signature'),
      signing: {
        intent: token,
        unsignedTx: intent.unsignedTx,
        signingBytes: bytesToHex(signingBytes),
        expiresAtMs: intent.expiresAtMs,
      },
    };
  }

  /**
   * Asks risk control about a payment the gateway's own checks let through. A block is refused with its reasons; a
   * step-up is refused until the payer brings a fresh step-up token, and then goes ahead as 'step_up'. Both refusals
   * are recorded (they never become payments). Null for the kinds that are not scored, or without risk control.
   */
  private async assessRisk(
    signer: User,
    unsigned: UnsignedTransaction,
    fields: Parameters<PaymentService['intent']>[1],
  ): Promise<PaymentRisk | null> {
    if (this.risk === null || !RISK_SCORED_KINDS.includes(fields.kind)) return null;
    const payer = fields.payerUserId === signer.id ? signer : await this.userOrThrow(fields.payerUserId);
    const merchant = fields.merchant ?? null;
    assert((merchant === null) === (fields.merchantId == null), 'a merchant payment brings its merchant');
    const context = fields.context ?? NO_PAYMENT_CONTEXT;
    const nowMs = this.now();
    const check: RiskCheck = {
      txId: unsigned.id,
      timestampMs: nowMs,
      payerUserId: payer.id,
      payerAccountId:
        fields.kind === 'payout' && merchant !== null ? merchant.settlementAccountId : payer.ledgerAccountId,
      payerOpenedAtMs: payer.createdAtMs,
      kind: fields.kind,
      amount: fields.money.amount,
      currency: fields.money.currency,
      payeeAccountId: fields.payeeAccountId,
      merchantId: fields.merchantId ?? null,
      mcc: merchant?.mcc ?? null,
      context,
    };
    const assessed = checkedVerdict(await this.risk.assess(check));
    // A merchant charging a pay code cannot prove it is the payer: a step-up there is a refusal.
    const verdict: RiskVerdict =
      assessed.decision === 'step_up' && (fields.kind === 'paycode' || fields.kind === 'authorize')
        ? {
            ...assessed,
            decision: 'block',
            reasons: [...assessed.reasons, 'a step-up is needed, and a pay code charge cannot ask the payer for one'],
          }
        : assessed;
    const refuse = async (decision: 'block' | 'step_up'): Promise<void> => {
      await this.db.insertRiskRefusal({
        id: this.ledger.newId(),
        userId: payer.id,
        kind: fields.kind,
        decision,
        payeeAccountId: fields.payeeAccountId,
        merchantId: fields.merchantId ?? null,
        amount: fields.money.amount,
        currency: fields.money.currency,
        scorePpm: verdict.scorePpm,
        reasons: verdict.reasons,
        ruleSetVersion: verdict.ruleSetVersion,
        createdAtMs: nowMs,
      });
    };
    if (verdict.decision === 'block') {
      await refuse('block');
      throw new GatewayApiError('risk_refused', 'the payment was refused by risk control', {
        reasons: verdict.reasons,
      });
    }
    if (
      verdict.decision === 'step_up' &&
      (context.stepUpToken === null || !this.stepUps.use(context.stepUpToken, payer.id, nowMs))
    ) {
      await refuse('step_up');
      throw new GatewayApiError(
        'step_up_required',
        'confirm it is you (password or passkey) with POST /v1/me/step-up, then send the payment again with the token',
        { reasons: verdict.reasons, methods: payer.passwordHash === null ? ['passkey'] : ['password', 'passkey'] },
      );
    }
    this.risk.commit?.(check);
    return {
      decision: verdict.decision,
      scorePpm: verdict.scorePpm,
      reasons: verdict.reasons,
      ruleSetVersion: verdict.ruleSetVersion,
    };
  }

  /** The browser's signature over an intent it was given: checked, then the payment goes on. */
  async submitSignature(user: User, txId: string, token: string, signatureHex: string): Promise<PaymentOutcome> {
    const intent = this.openIntent(token);
    if (intent.txId !== txId) throw new GatewayApiError('intent_invalid', 'the intent is for another payment');
    if (intent.signerUserId !== user.id) {
      throw new GatewayApiError('payment_not_found', 'no payment awaiting your signature with this id');
    }
    const recorded = await this.db.getPayment(txId);
    if (recorded !== null) return this.outcomeOf(recorded);
    if (this.now() >= intent.expiresAtMs) {
      this.confirmations.delete(txId);
      throw new GatewayApiError('intent_expired', 'the time to sign this payment is over: start it again');
    }
    const signature = isHex(signatureHex) ? hexToBytes(signatureHex) : null;
    const decoded = decodeTransaction(hexToBytes(intent.unsignedTx));
    assert(decoded.ok, 'an intent the gateway MACed holds a transaction it encoded');
    const { tx, unsignedBytes } = decoded.value;
    const signingBytes = txSigningBytesOf(hexToBytes(intent.unsignedTx), unsignedBytes);
    if (
      signature === null ||
      signature.length !== this.ledger.suite.signatureBytes ||
      !this.ledger.suite.verify(user.publicKey, signingBytes, signature)
    ) {
      throw new GatewayApiError('signature_invalid', "the signature does not verify with this wallet's key");
    }
    const unsigned: UnsignedTransaction = { chainId: tx.chainId, id: tx.id, expiresAt: tx.expiresAt, body: tx.body };
    const issuer = this.ledger.issuerSigner;
    const issuerSignature = intent.issuerCosigns
      ? [{ publicKey: issuer.publicKey, signature: this.ledger.suite.sign(issuer.privateKey, signingBytes) }]
      : [];
    const signed = encodeSigned(unsigned, [{ publicKey: user.publicKey, signature }, ...issuerSignature]);
    this.confirmations.delete(txId);
    return this.execute(intent, signed);
  }

  private openIntent(token: string): Intent {
    const text = this.secrets.openMacToken(token);
    if (text === null) {
      throw new GatewayApiError('intent_invalid', 'the intent was not made by this gateway, or was changed');
    }
    const parsed = JSON.parse(text) as Omit<Intent, 'programId' | 'fx'> & {
      programId?: string | null;
      fx?: Intent['fx'];
    };
    assert(parsed.v === 1, 'an intent of this version');
    // Intents made before programs or FX have neither: ordinary money in one currency.
    return { ...parsed, programId: parsed.programId ?? null, fx: parsed.fx ?? null };
  }

  // ---- recording and settling ----

  /** Records, submits and settles a signed intent (a fresh one: `submitSignature` answers one recorded already). */
  private async execute(intent: Intent, txBytes: Uint8Array): Promise<PaymentOutcome> {
    const nowMs = this.now();
    // A payment that takes nothing one-time is one statement: it joins the storage's group commit.
    const takesOneTime = intent.kind === 'refund' || intent.paymentRequestId !== null || intent.payCodeHash !== null;
    await (takesOneTime
      ? this.db.transaction((tx) => this.record(tx, intent, nowMs))
      : this.record(this.db, intent, nowMs));
    if (intent.kind === 'topup') {
      const debit = await this.bank.debit({
        reference: intent.txId,
        bankAccount: intent.payeeLabel,
        amount: BigInt(intent.amount),
        currency: intent.currency,
      });
      if (!debit.ok) {
        await this.db.markPaymentRefused(intent.txId, `bank_${debit.code}`, this.now());
        throw new GatewayApiError('bank_refused', `the bank refused the top-up: ${debit.message}`, {
          reason: debit.code,
          txId: intent.txId,
        });
      }
    }
    const settled = this.settle(intent, this.ledger.submit(txBytes));
    this.settling.set(intent.txId, settled);
    const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), this.finalWaitMs).unref());
    const payment = (await Promise.race([settled, timeout])) ?? (await this.db.getPayment(intent.txId));
    assert(payment !== null, 'a recorded payment is found');
    if (payment.status === 'refused') {
      throw new GatewayApiError('payment_refused', `the ledger refused the payment: ${payment.code}`, {
        txId: payment.txId,
        code: payment.code,
      });
    }
    return this.outcomeOf(payment);
  }

  /** Records the payment pending and takes what is one-time; a refusal throws and rolls everything back. */
  private async record(tx: GatewayDbOps, intent: Intent, nowMs: number): Promise<void> {
    const amount = BigInt(intent.amount);
    if (intent.kind === 'refund') {
      assert(intent.refundOf !== null, 'a refund names its payment');
      const reserved = await tx.reserveRefund({
        txId: intent.txId,
        originalTxId: intent.refundOf,
        amount,
        createdAtMs: nowMs,
      });
      if (!reserved.ok) {
        throw reserved.reason === 'exceeds_paid'
          ? new GatewayApiError('refund_exceeds_paid', 'the refunds would exceed what was paid')
          : new GatewayApiError('payment_not_refundable', `the payment cannot be refunded: ${reserved.reason}`);
      }
    } else {
      await tx.insertPayment({
        txId: intent.txId,
        payerUserId: intent.payerUserId,
        payeeAccountId: intent.payeeAccountId,
        merchantId: intent.merchantId,
        paymentRequestId: intent.paymentRequestId,
        authorizationOf: intent.authorizationOf,
        amount,
        currency: intent.currency,
        kind: intent.kind,
        memo: intent.memo,
        payerLabel: intent.payerLabel,
        payeeLabel: intent.payeeLabel,
        risk: intent.risk,
        programId: intent.programId,
        fx: fxOfIntent(intent),
        createdAtMs: nowMs,
      });
    }
    if (intent.paymentRequestId !== null) {
      const paid = await tx.markPaymentRequestPaid(intent.paymentRequestId, intent.txId, nowMs);
      if (!paid.ok) {
        throw paid.reason === 'expired'
          ? new GatewayApiError('qr_expired', 'this QR code has expired')
          : paid.reason === 'already_paid'
            ? new GatewayApiError('qr_already_paid', 'this one-time QR code has been paid')
            : new GatewayApiError('qr_invalid', 'the QR names no payment request');
      }
    }
    if (intent.payCodeHash !== null) {
      const used = await tx.usePayCode(intent.payCodeHash, nowMs, intent.txId);
      if (!used.ok) {
        throw used.reason === 'used'
          ? new GatewayApiError('pay_code_used', 'this pay code has been used')
          : used.reason === 'expired'
            ? new GatewayApiError('pay_code_expired', 'this pay code has expired')
            : new GatewayApiError('pay_code_not_found', 'no such pay code');
      }
    }
  }

  /** Waits for the ledger's outcome and records it; never throws (a request may not be waiting). */
  private async settle(intent: Intent, outcome: Promise<{ height: bigint; index: number; code: string }>) {
    try {
      let result: { ok: true; height: bigint; index: number } | { ok: false; code: string };
      try {
        const o = await outcome;
        result = o.code === 'ok' ? { ok: true, height: o.height, index: o.index } : { ok: false, code: o.code };
      } catch (error: unknown) {
        if (!(error instanceof SubmitError)) throw error;
        // 'busy' or 'closed': the transaction may still be ordered later; leave it to the reconciler.
        if (error.code === 'busy' || error.code === 'closed') return null;
        result = { ok: false, code: error.code };
      }
      return await this.recordOutcome(intent.txId, result, intent.merchantId);
    } catch (error: unknown) {
      this.onBackgroundError(error, `settling payment ${intent.txId}`);
      return null;
    } finally {
      this.settling.delete(intent.txId);
    }
  }

  private async recordOutcome(
    txId: string,
    result: { ok: true; height: bigint; index: number } | { ok: false; code: string },
    merchantId: string | null,
  ): Promise<Payment | null> {
    const before = await this.db.getPayment(txId);
    if (before === null || before.status !== 'pending') return before;
    // The bank side follows the ledger, and goes first: its calls are idempotent per reference, so if the process
    // stops before the outcome is recorded, `reconcile()` does both again and nothing is paid twice or lost.
    if (before.kind === 'topup' && !result.ok) {
      const reversed = await this.bank.reverse(txId);
      if (!reversed.ok && reversed.code !== 'reference_unknown' && reversed.code !== 'already_reversed') {
        this.onBackgroundError(new Error(reversed.message), `reversing the bank debit of ${txId}`);
      }
    }
    if ((before.kind === 'withdraw' || before.kind === 'payout') && result.ok) {
      const merchant = before.merchantId === null ? null : await this.db.getMerchant(before.merchantId);
      const credited = await this.bank.credit({
        reference: txId,
        bankAccount: merchant === null ? before.payerLabel : merchant.bankAccount,
        amount: before.amount,
        currency: before.currency,
      });
      if (!credited.ok) this.onBackgroundError(new Error(credited.message), `crediting the ${before.kind} ${txId}`);
    }
    const nowMs = this.now();
    const events = this.events;
    // Without a merchant there is no webhook to enqueue with it: a final outcome is then one statement.
    const single = result.ok && (merchantId === null || events?.webhookEvent === undefined);
    const changed = single
      ? await this.db.markPaymentFinal(txId, result.height, result.index, nowMs)
      : await this.db.transaction(async (tx) => {
          const marked = result.ok
            ? await tx.markPaymentFinal(txId, result.height, result.index, nowMs)
            : await tx.markPaymentRefused(txId, result.code, nowMs);
          if (!marked || events?.webhookEvent === undefined) return marked;
          const recorded = await tx.getPayment(txId);
          if (recorded?.merchantId == null || (await tx.getWebhookEndpoint(recorded.merchantId)) === null)
            return marked;
          const event = events.webhookEvent(recorded);
          await tx.enqueueWebhook({
            id: event.id,
            merchantId: recorded.merchantId,
            eventJson: event.json,
            createdAtMs: nowMs,
          });
          return marked;
        });
    const payment = await this.db.getPayment(txId);
    if (!changed || payment === null) return payment;
    this.events?.paymentSettled(payment);
    return payment;
  }

  /**
   * Settles payments left pending by a stopped process: final or refused as the ledger has them; refused as
   * 'tx_expired' when the ledger does not have one whose transaction can no longer be included.
   */
  async reconcile(): Promise<{ settled: number }> {
    let settled = 0;
    const nowMs = this.now();
    for (const payment of await this.db.listPendingPayments(RECONCILE_BATCH)) {
      if (this.settling.has(payment.txId)) continue;
      const standing = this.ledger.standing(payment.txId);
      if (standing.state === 'final') {
        const result =
          standing.code === 'ok'
            ? ({ ok: true, height: standing.height, index: standing.index } as const)
            : ({ ok: false, code: standing.code } as const);
        if ((await this.recordOutcome(payment.txId, result, payment.merchantId)) !== null) settled++;
      } else if (standing.state === 'unknown' && nowMs > payment.createdAtMs + TX_LIFETIME_MS + 10_000) {
        const expired = { ok: false, code: 'tx_expired' } as const;
        if ((await this.recordOutcome(payment.txId, expired, payment.merchantId)) !== null) settled++;
      }
    }
    return { settled };
  }

  /** Waits for every settlement this process started (for shutdown and tests). */
  async drain(): Promise<void> {
    await Promise.all([...this.settling.values()]);
  }

  async outcomeOf(payment: Payment): Promise<PaymentOutcome> {
    return { payment: this.viewOf(payment), signing: null };
  }

  viewOf(payment: Payment): PaymentView {
    return {
      ...payment,
      receipt: payment.status === 'final' ? this.ledger.receipt(payment.txId) : null,
    };
  }
}

/** How a user is shown to someone paying them: "138****0001" (the national number, its middle hidden). */
export function maskedPhone(phone: string): string {
  const national = phone.startsWith('+86') ? phone.slice(3) : phone.slice(1);
  if (national.length <= 7) return `${national.slice(0, 2)}***`;
  return `${national.slice(0, 3)}****${national.slice(-4)}`;
}

export function payCodeHash(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

function viewOfIntent(intent: Intent, status: PaymentView['status']): PaymentView {
  return {
    txId: intent.txId,
    kind: intent.kind,
    status,
    payerUserId: intent.payerUserId,
    payeeAccountId: intent.payeeAccountId,
    merchantId: intent.merchantId,
    refundOf: intent.refundOf,
    authorizationOf: intent.authorizationOf,
    amount: BigInt(intent.amount),
    currency: intent.currency,
    refunded: 0n,
    memo: intent.memo,
    payerLabel: intent.payerLabel,
    payeeLabel: intent.payeeLabel,
    code: null,
    ledgerHeight: null,
    ledgerIndex: null,
    createdAtMs: intent.expiresAtMs - INTENT_LIFETIME_MS,
    receipt: null,
    programId: intent.programId,
    fx: fxOfIntent(intent),
  };
}

function fxOfIntent(intent: Intent): PaymentFx | null {
  const fx = intent.fx;
  if (fx === null) return null;
  return {
    quoteId: fx.quoteId,
    paidAmount: BigInt(fx.paidAmount),
    paidCurrency: fx.paidCurrency,
    rateNum: BigInt(fx.rateNum),
    rateDen: BigInt(fx.rateDen),
  };
}

function encodeSigned(
  unsigned: UnsignedTransaction,
  signatures: ReadonlyArray<{ publicKey: Uint8Array; signature: Uint8Array }>,
): Uint8Array {
  return encodeTransaction({ ...unsigned, signatures: sortSignatures(signatures) });
}

/** Printable ASCII only (EMV "ans"), at most `max` characters. */
function toQrText(text: string, max: number): string {
  return [...text]
    .filter((c) => c >= ' ' && c <= '~')
    .join('')
    .trim()
    .slice(0, max);
}

/** A verdict cut to what the payment record keeps: a risk engine's bug must not fail the payment's write. */
function checkedVerdict(verdict: RiskVerdict): RiskVerdict {
  assert(
    Number.isInteger(verdict.scorePpm) && verdict.scorePpm >= 0 && verdict.scorePpm <= 1_000_000,
    'a risk score is 0..1,000,000 ppm',
  );
  assert(Number.isInteger(verdict.ruleSetVersion) && verdict.ruleSetVersion >= 0, 'a rule set version');
  const reasons = verdict.reasons
    .slice(0, RISK_REASONS_MAX)
    .map((r) => (r.length > RISK_REASON_CHARS_MAX ? `${r.slice(0, RISK_REASON_CHARS_MAX - 1)}…` : r))
    .filter((r) => r.length > 0);
  return { ...verdict, reasons };
}
