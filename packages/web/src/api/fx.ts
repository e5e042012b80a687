/**
 * Paying a QR in another of the wallet's currencies (docs/settlement.md, "In the wallet"): the scan's answer lists,
 * per currency the payer holds, the best live quote into what the payee receives (`conversions`); the wallet shows
 * the rate, the provider, the expiry and what the payer pays before anything is signed, and sends the quote with
 * the rate it showed. The price is the gateway's and the ledger's: the payer pays ⌈amount × den / num⌉ minor units,
 * the payee gets ⌊pay × num / den⌋ (at least the amount). Parsers check the answer's shape, so a surprise from the
 * server is an error, not a wrong price.
 */
import { baseAmountFor, convertedAmount, formatAmount, parseAmount } from '@paychain/core/browser';
import { ApiError, isRecord } from './client';
import type { Money } from './types';

/** A rate as the ledger keeps it: quote-asset minor units per base-asset minor unit. */
export interface Rate {
  readonly num: bigint;
  readonly den: bigint;
}

export interface FxQuoteOffer {
  readonly id: string;
  readonly provider: string;
  readonly providerName: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly rate: Rate;
  readonly minBase: Money;
  readonly maxBase: Money;
  readonly expiresAtMs: number;
}

/** One way to pay a scanned QR in another currency. */
export interface QrFxOption {
  readonly currency: string;
  readonly available: Money;
  readonly quote: FxQuoteOffer;
  /** For a QR with an amount: the price; null for a static QR (the wallet prices what the payer types). */
  readonly pay: Money | null;
  readonly receives: Money | null;
  readonly eligible: boolean;
  /** The ledger's code (`quote_exhausted`, `amount_outside_quote`, …) or `insufficient_funds`, when not eligible. */
  readonly reason: string | null;
}

/** A payment paid through a quote: what left the payer, and the rate. */
export interface PaymentFx {
  readonly quoteId: string;
  readonly paid: Money;
  readonly rate: Rate;
}

const DECIMAL = /^[0-9]{1,40}(\.[0-9]{1,18})?$/;
const RATE_TERM = /^[1-9][0-9]{0,19}$/;

function bad(where: string, expected: string): never {
  throw new ApiError('bad_response', `${where}: expected ${expected}`, 200);
}

function moneyOf(value: unknown, where: string): Money {
  if (!isRecord(value) || typeof value.amount !== 'string' || !DECIMAL.test(value.amount)) bad(where, 'Money');
  if (typeof value.currency !== 'string') bad(`${where}.currency`, 'a string');
  return { amount: value.amount, currency: value.currency };
}

function rateOf(value: unknown, where: string): Rate {
  if (!isRecord(value) || typeof value.num !== 'string' || typeof value.den !== 'string') bad(where, '{num, den}');
  if (!RATE_TERM.test(value.num) || !RATE_TERM.test(value.den)) bad(where, 'positive integers');
  return { num: BigInt(value.num), den: BigInt(value.den) };
}

function stringOf(value: unknown, where: string): string {
  return typeof value === 'string' ? value : bad(where, 'a string');
}

/** The scan answer's `conversions`, checked; a gateway from before FX answers none (`[]`). */
export function qrFxOptionsOf(value: unknown): QrFxOption[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return bad('conversions', 'an array');
  return value.map((item: unknown, i): QrFxOption => {
    const where = `conversions[${i}]`;
    if (!isRecord(item) || !isRecord(item.quote)) return bad(where, 'an object with a quote');
    const q = item.quote;
    if (typeof q.expiresAtMs !== 'number' || !Number.isSafeInteger(q.expiresAtMs)) {
      return bad(`${where}.quote.expiresAtMs`, 'ms since the epoch');
    }
    if (typeof item.eligible !== 'boolean') return bad(`${where}.eligible`, 'true or false');
    if (item.reason !== null && typeof item.reason !== 'string') return bad(`${where}.reason`, 'a string or null');
    return {
      currency: stringOf(item.currency, `${where}.currency`),
      available: moneyOf(item.available, `${where}.available`),
      quote: {
        id: stringOf(q.id, `${where}.quote.id`),
        provider: stringOf(q.provider, `${where}.quote.provider`),
        providerName: stringOf(q.providerName, `${where}.quote.providerName`),
        baseAsset: stringOf(q.baseAsset, `${where}.quote.baseAsset`),
        quoteAsset: stringOf(q.quoteAsset, `${where}.quote.quoteAsset`),
        rate: rateOf(q.rate, `${where}.quote.rate`),
        minBase: moneyOf(q.minBase, `${where}.quote.minBase`),
        maxBase: moneyOf(q.maxBase, `${where}.quote.maxBase`),
        expiresAtMs: q.expiresAtMs,
      },
      pay: item.pay === null ? null : moneyOf(item.pay, `${where}.pay`),
      receives: item.receives === null ? null : moneyOf(item.receives, `${where}.receives`),
      eligible: item.eligible,
      reason: item.eligible ? null : (item.reason ?? 'unknown'),
    };
  });
}

/** A payment's `fx`, checked; absent (a gateway from before FX) is null. */
export function paymentFxOf(value: unknown): PaymentFx | null {
  if (value === undefined || value === null) return null;
  if (!isRecord(value)) return bad('fx', 'an object or null');
  return {
    quoteId: stringOf(value.quoteId, 'fx.quoteId'),
    paid: moneyOf(value.paid, 'fx.paid'),
    rate: rateOf(value.rate, 'fx.rate'),
  };
}

/** The number of decimals a Money string is written with ("48.85": 2). */
export function decimalsOfMoney(money: Money): number {
  return money.amount.split('.')[1]?.length ?? 0;
}

/**
 * What the payer pays and the payee gets for `amount` (quote-asset minor units) at `rate`, as the gateway and the
 * ledger compute it: pay = ⌈amount × den / num⌉, receives = ⌊pay × num / den⌋ ≥ amount.
 */
export function fxPrice(amount: bigint, rate: Rate): { readonly pay: bigint; readonly receives: bigint } {
  const pay = baseAmountFor(amount, rate.num, rate.den);
  return { pay, receives: convertedAmount(pay, rate.num, rate.den) };
}

/**
 * The price of a typed amount with an option's quote, in Money (the base asset's decimals from the quote's limits),
 * and whether the quote and the balance can take it; null for an amount that is not a positive decimal.
 */
export function priceTyped(
  option: QrFxOption,
  amount: string,
  quoteDecimals: number,
): { readonly pay: Money; readonly receives: Money; readonly reason: string | null } | null {
  const baseDecimals = decimalsOfMoney(option.quote.minBase);
  const [typed, minBase, maxBase, available] = [
    parseAmount(amount.trim(), quoteDecimals),
    parseAmount(option.quote.minBase.amount, baseDecimals),
    parseAmount(option.quote.maxBase.amount, baseDecimals),
    parseAmount(option.available.amount, baseDecimals),
  ];
  if (!typed.ok || typed.value === 0n || !minBase.ok || !maxBase.ok || !available.ok) return null;
  const { pay, receives } = fxPrice(typed.value, option.quote.rate);
  const reason =
    pay < minBase.value || pay > maxBase.value
      ? 'amount_outside_quote'
      : pay > available.value
        ? 'insufficient_funds'
        : null;
  return {
    pay: { amount: formatAmount(pay, baseDecimals), currency: option.currency },
    receives: { amount: formatAmount(receives, quoteDecimals), currency: option.quote.quoteAsset },
    reason,
  };
}
