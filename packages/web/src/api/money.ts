/**
 * Money at the UI edge: what a user types ("1,234.5", "¥12") becomes the API's decimal string ("1234.50"), and an
 * API amount (decimal string) or a ledger amount (bigint minor units) is shown as "¥1,234.56" in the user's locale.
 * No float ever holds an amount: Intl.NumberFormat supplies only the locale's symbols and their order, learnt
 * from a sample number; the digits, their grouping and the fraction come from the string, so amounts above 2^53
 * print exactly.
 */
import { AMOUNT_MAX, formatAmount } from '@paychain/core/browser';

/** CNY has two decimals (fen); the consortium's asset list is the authority, this is the default. */
export const CNY_DECIMALS = 2;
/** Characters a user may type: digits, one point, grouping commas, spaces and a currency sign. */
const INPUT_CHARS_MAX = 40;
/** Whole-part digits beyond which an amount is certainly above AMOUNT_MAX (core's bound, < 10^25). */
const AMOUNT_DIGITS_MAX = 25;

export type MoneyInputError =
  | 'amount_empty'
  | 'amount_format'
  | 'amount_precision'
  | 'amount_zero'
  | 'amount_too_large';

export type MoneyInputResult =
  | { readonly ok: true; readonly value: string; readonly minor: bigint }
  | { readonly ok: false; readonly error: MoneyInputError };

/** Full-width digits and signs that Chinese input methods produce, mapped to ASCII. */
function normalizeWidth(text: string): string {
  return text.replace(/[０-９．，]/g, (ch) => {
    if (ch === '．') return '.';
    if (ch === '，') return ',';
    return String.fromCharCode(ch.charCodeAt(0) - 0xff10 + 0x30);
  });
}

/**
 * Parses what a user typed into the API's decimal string with exactly `decimals` fraction digits: "1,234.5" →
 * "1234.50". Commas are accepted only as thousands separators; errors are codes, which the UI translates.
 */
export function parseMoneyInput(text: string, decimals: number = CNY_DECIMALS): MoneyInputResult {
  if (text.length > INPUT_CHARS_MAX) return { ok: false, error: 'amount_format' };
  const trimmed = normalizeWidth(text)
    .replace(/^\s*[¥￥]\s*/, '')
    .replace(/\s+/g, '');
  if (trimmed === '') return { ok: false, error: 'amount_empty' };
  const match = /^(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d*))?$/.exec(trimmed);
  if (match === null || (match[1] === undefined && (match[2] ?? '') === ''))
    return { ok: false, error: 'amount_format' };
  const whole = (match[1] ?? '0').replaceAll(',', '').replace(/^0+(?=\d)/, '');
  const fraction = match[2] ?? '';
  if (fraction.length > decimals) return { ok: false, error: 'amount_precision' };
  const padded = fraction.padEnd(decimals, '0');
  // Digits only by the regex above, so BigInt cannot throw; the length bound keeps it small before AMOUNT_MAX.
  if (whole.length > AMOUNT_DIGITS_MAX) return { ok: false, error: 'amount_too_large' };
  const minor = BigInt(`${whole}${padded}`);
  if (minor === 0n) return { ok: false, error: 'amount_zero' };
  if (minor > AMOUNT_MAX) return { ok: false, error: 'amount_too_large' };
  return { ok: true, value: decimals > 0 ? `${whole}.${padded}` : whole, minor };
}

interface LocaleMoneyParts {
  /** The parts of a sample positive amount, in the locale's order. */
  readonly positive: readonly Intl.NumberFormatPart[];
  readonly negative: readonly Intl.NumberFormatPart[];
  readonly group: string;
  readonly decimal: string;
}

/** Formats are cached per (locale, currency): a screen of payments formats many amounts. */
const FORMAT_CACHE_MAX = 16;
const formatCache = new Map<string, LocaleMoneyParts>();

function localeParts(locale: string, currency: string, decimals: number): LocaleMoneyParts {
  const cacheKey = `${locale}|${currency}|${decimals}`;
  const cached = formatCache.get(cacheKey);
  if (cached !== undefined) return cached;
  let format: Intl.NumberFormat;
  try {
    format = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      // "¥" for the yuan every screen is about; any other currency keeps its distinct symbol ("HK$", not "$").
      currencyDisplay: currency === 'CNY' ? 'narrowSymbol' : 'symbol',
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
  } catch (error: unknown) {
    // An unknown currency code: show the code itself, in English number style.
    if (!(error instanceof RangeError)) throw error;
    format = new Intl.NumberFormat('en', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  }
  // Sample numbers only teach the symbols and their order; they are small, exact floats, never amounts.
  const sample = format.formatToParts(1234567.5);
  const parts: LocaleMoneyParts = {
    positive: sample,
    negative: format.formatToParts(-1234567.5),
    group: sample.find((p) => p.type === 'group')?.value ?? ',',
    decimal: sample.find((p) => p.type === 'decimal')?.value ?? '.',
  };
  if (formatCache.size >= FORMAT_CACHE_MAX) formatCache.clear();
  formatCache.set(cacheKey, parts);
  return parts;
}

function groupDigits(whole: string, separator: string): string {
  const groups: string[] = [];
  for (let end = whole.length; end > 0; end -= 3) groups.unshift(whole.slice(Math.max(0, end - 3), end));
  return groups.join(separator);
}

/**
 * Formats a decimal string ("1234.5", "-0.01") in the locale: "¥1,234.50". A value that is not a plain decimal
 * string is shown as given, so a surprise from the server is visible rather than hidden.
 */
export function formatDecimal(
  amount: string,
  currency: string,
  locale: string,
  decimals: number = CNY_DECIMALS,
): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount);
  if (match === null) return `${amount} ${currency}`;
  const negative = match[1] === '-';
  const whole = (match[2] ?? '0').replace(/^0+(?=\d)/, '');
  const fraction = (match[3] ?? '').padEnd(decimals, '0');
  const parts = localeParts(locale, currency, Math.max(decimals, fraction.length));
  let out = '';
  let numberWritten = false;
  let currencyWritten = false;
  for (const part of negative ? parts.negative : parts.positive) {
    switch (part.type) {
      case 'integer':
      case 'group':
        if (!numberWritten) out += groupDigits(whole, parts.group);
        numberWritten = true;
        break;
      case 'decimal':
        out += parts.decimal;
        break;
      case 'fraction':
        out += fraction;
        break;
      case 'currency':
        out += part.value;
        currencyWritten = true;
        break;
      default:
        out += part.value;
    }
  }
  // The fallback format of an unknown currency has no symbol: the code follows the number.
  return currencyWritten ? out : `${out} ${currency}`;
}

/** Formats the API's Money object. */
export function formatMoney(money: { readonly amount: string; readonly currency: string }, locale: string): string {
  return formatDecimal(money.amount, money.currency, locale);
}

/** Formats bigint minor units of an asset with `decimals` (a decoded transaction's amount). */
export function formatMinor(minor: bigint, decimals: number, currency: string, locale: string): string {
  return formatDecimal(formatAmount(minor, decimals), currency, locale, decimals);
}
