/**
 * Paying in another currency (issue 7, docs/settlement.md "In the wallet"): a wallet holding Hong Kong dollars pays
 * a yuan QR through a liquidity provider's quote, chosen when the QR is scanned and shown to the payer before anything
 * is signed. The payment is one `fx.convert` to the payee; the ledger applies both legs or neither, only at the rate
 * in the transaction.
 *
 * The payee must get at least what the QR asks. The ledger gives `⌊base × num / den⌋`, so the payer pays the
 * smallest base amount that reaches it, `⌈amount × den / num⌉`. With a rate of at most one quote unit per base unit
 * (0.9213 fen per Hong Kong cent) the payee gets exactly the amount; with a larger rate it can get up to one base
 * unit's worth more, which the payer sees before paying.
 *
 * Pure functions over the ledger's state: the gateway's checks before signing are the ledger's own, in its order.
 */
import { balanceAvailable, baseAmountFor, convertedAmount, type LedgerState, type QuoteEntry } from '@paychain/core';

/** A quote offered at a scan must stay usable this long: the payer reads it, signs, and the block comes. */
export const FX_QUOTE_MARGIN_MS = 30_000;

/** Why a quote cannot take a payment now, with the ledger's codes; null when it can. */
export type FxRefusal =
  | 'quote_not_found'
  | 'quote_expired'
  | 'rate_mismatch'
  | 'amount_outside_quote'
  | 'quote_exhausted'
  | 'insufficient_liquidity';

export interface FxPrice {
  /** Base-asset minor units leaving the payer. */
  readonly pay: bigint;
  /** Quote-asset minor units reaching the payee (≥ the amount asked). */
  readonly receives: bigint;
}

export function priceOf(quote: QuoteEntry, amount: bigint): FxPrice {
  const pay = baseAmountFor(amount, quote.rateNum, quote.rateDen);
  return { pay, receives: convertedAmount(pay, quote.rateNum, quote.rateDen) };
}

/**
 * Whether `quote` can convert for a payment of `amount` (quote-asset units) at time `nowMs` plus the margin: live,
 * the base amount within its limits and capacity, and the provider's quote account able to pay.
 */
export function fxRefusal(state: LedgerState, quote: QuoteEntry, amount: bigint, nowMs: number): FxRefusal | null {
  if (quote.cancelled || quote.expiresAt <= BigInt(nowMs + FX_QUOTE_MARGIN_MS)) return 'quote_expired';
  const { pay, receives } = priceOf(quote, amount);
  if (pay < quote.minBase || pay > quote.maxBase) return 'amount_outside_quote';
  if (quote.used + pay > quote.capacity) return 'quote_exhausted';
  const liquidity = state.getBalance(quote.quoteAccount, quote.quoteAsset);
  const available = liquidity === undefined ? 0n : balanceAvailable(liquidity);
  if (state.getAccount(quote.quoteAccount)?.flags.allowNegative !== true && available < receives) {
    return 'insufficient_liquidity';
  }
  return null;
}

/**
 * The quote a payment of `amount` (or, not known yet, of any amount) would use: the best rate for the payer among the
 * live quotes of the pair that can take it, and else why the best one cannot. Null when the pair has no live quote.
 */
export function chooseQuote(
  state: LedgerState,
  baseAsset: string,
  quoteAsset: string,
  amount: bigint | null,
  nowMs: number,
): { readonly quote: QuoteEntry; readonly refusal: FxRefusal | null } | null {
  const live = state.liveQuotes(baseAsset, quoteAsset, BigInt(nowMs + FX_QUOTE_MARGIN_MS));
  const best = live[0];
  if (best === undefined) return null;
  if (amount === null) return { quote: best, refusal: null };
  for (const quote of live) {
    if (fxRefusal(state, quote, amount, nowMs) === null) return { quote, refusal: null };
  }
  return { quote: best, refusal: fxRefusal(state, best, amount, nowMs) };
}
