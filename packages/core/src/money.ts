/**
 * Decimal strings at the edges, `bigint` minor units inside. `parseAmount` is for outside
 * input: it refuses signs, exponents, spaces and more fraction digits than the asset has.
 */
import { AMOUNT_MAX } from './limits.ts';

export type AmountResult =
  | { readonly ok: true; readonly value: bigint }
  | { readonly ok: false; readonly error: string };

export function parseAmount(text: string, decimals: number): AmountResult {
  const match = /^(0|[1-9][0-9]{0,24})(?:\.([0-9]{1,18}))?$/.exec(text);
  if (match === null) return { ok: false, error: 'amount must be a plain decimal string such as "12.34"' };
  const whole = match[1] ?? '0';
  const fraction = match[2] ?? '';
  if (fraction.length > decimals) return { ok: false, error: `amount has more than ${decimals} decimal places` };
  const value = BigInt(whole + fraction.padEnd(decimals, '0'));
  if (value > AMOUNT_MAX) return { ok: false, error: 'amount is above the maximum' };
  return { ok: true, value };
}

export function formatAmount(value: bigint, decimals: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals);
  return `${negative ? '-' : ''}${whole}${decimals > 0 ? `.${fraction}` : ''}`;
}

/**
 * What a conversion at a quote gives (docs/settlement.md, FX): ⌊baseAmount × rateNum / rateDen⌋ minor units of the
 * quote asset, rounded down; the fraction stays with the provider.
 */
export function convertedAmount(baseAmount: bigint, rateNum: bigint, rateDen: bigint): bigint {
  return (baseAmount * rateNum) / rateDen;
}

/** The smallest base amount whose conversion reaches `quoteAmount`: ⌈quoteAmount × rateDen / rateNum⌉. */
export function baseAmountFor(quoteAmount: bigint, rateNum: bigint, rateDen: bigint): bigint {
  return (quoteAmount * rateDen + rateNum - 1n) / rateNum;
}
