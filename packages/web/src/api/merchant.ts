/**
 * Merchant rules the console applies before or after calling the API: the bank account payouts go to (checked as
 * the gateway checks it, so a typo is caught in the form), the settlement balance read from the ledger account
 * (`GET /v1/accounts/{settlementAccountId}`, peer API), and which payments can still be refunded, captured or voided.
 */
import { formatAmount, parseAmount } from '@paychain/core/browser';
import { CNY_DECIMALS } from './money';
import type { AccountJson, Money, Payment, PaymentKind } from './types';

/**
 * A merchant's bank account: 6..34 letters, digits, spaces or dashes (IBAN-sized), beginning and ending with a
 * letter or a digit (surrounding spaces are trimmed before the check).
 */
export const BANK_ACCOUNT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 -]{4,32}[A-Za-z0-9]$/;

export type BankAccountResult = { readonly ok: true; readonly value: string } | { readonly ok: false };

/** What the user typed, trimmed, if it is a bank account the gateway accepts. */
export function parseBankAccount(text: string): BankAccountResult {
  const value = text.trim();
  return BANK_ACCOUNT_PATTERN.test(value) ? { ok: true, value } : { ok: false };
}

export interface AccountBalance {
  /** Booked balance (posted). */
  readonly posted: Money;
  /** What can be spent now: posted less pending debits (holds). */
  readonly available: Money;
}

/**
 * An account's balance in one asset as decimal strings. The ledger lists no entry for an asset the account never
 * held: that is a zero balance.
 */
export function accountBalance(account: AccountJson, asset = 'CNY', decimals = CNY_DECIMALS): AccountBalance {
  const entry = account.balances.find((b) => b.asset === asset);
  if (entry === undefined) {
    const zero = { amount: formatAmount(0n, decimals), currency: asset };
    return { posted: zero, available: zero };
  }
  return {
    posted: { amount: entry.decimal, currency: asset },
    available: { amount: entry.availableDecimal, currency: asset },
  };
}

/** Kinds of payment a merchant can refund (money the merchant received from a customer). */
const REFUNDABLE_KINDS: ReadonlySet<PaymentKind> = new Set(['qr', 'paycode', 'capture']);

/**
 * What is left to refund of a final, refundable payment: paid − refunded, as a decimal string ('' when nothing is).
 * A payment of program money is never refunded (it goes back to the funder only by clawback or expiry).
 */
export function refundable(payment: Payment): string {
  if (payment.status !== 'final' || !REFUNDABLE_KINDS.has(payment.kind) || payment.programId !== null) return '';
  const paid = parseAmount(payment.amount.amount, CNY_DECIMALS);
  const refunded = parseAmount(payment.refunded.amount, CNY_DECIMALS);
  if (!paid.ok || !refunded.ok || refunded.value >= paid.value) return '';
  return formatAmount(paid.value - refunded.value, CNY_DECIMALS);
}

/**
 * Whether an authorization can still be captured or voided, as far as the listed payments tell: it is final and no
 * final capture or void of it is listed. (The ledger has the last word: an expired hold is refused by the gateway.)
 */
export function isOpenAuthorization(authorization: Payment, listed: readonly Payment[]): boolean {
  if (authorization.kind !== 'authorize' || authorization.status !== 'final') return false;
  return !listed.some(
    (p) =>
      p.authorizationOf === authorization.txId && p.status === 'final' && (p.kind === 'capture' || p.kind === 'void'),
  );
}
