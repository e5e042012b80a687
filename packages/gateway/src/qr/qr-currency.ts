/**
 * The currencies Paychain accepts in QR codes: EMV tag 53 holds the ISO 4217 numeric code, the
 * ledger and the API use the alphabetic one, and the minor unit (decimals) turns an EMV amount
 * such as "23.72" into exact `bigint` minor units. A small table, not all of ISO 4217: a code a
 * wallet cannot settle should be refused when scanned, not later.
 */

export interface QrCurrency {
  /** ISO 4217 alphabetic code, e.g. "CNY". */
  readonly alpha: string;
  /** ISO 4217 numeric code, three digits, e.g. "156": the value of EMV tag 53. */
  readonly numeric: string;
  /** ISO 4217 minor unit: digits after the decimal mark. */
  readonly decimals: number;
}

export const QR_CURRENCIES = [
  { alpha: 'CNY', numeric: '156', decimals: 2 },
  { alpha: 'HKD', numeric: '344', decimals: 2 },
  { alpha: 'MOP', numeric: '446', decimals: 2 },
  { alpha: 'USD', numeric: '840', decimals: 2 },
  { alpha: 'EUR', numeric: '978', decimals: 2 },
  { alpha: 'GBP', numeric: '826', decimals: 2 },
  { alpha: 'SGD', numeric: '702', decimals: 2 },
  { alpha: 'JPY', numeric: '392', decimals: 0 },
] as const satisfies readonly QrCurrency[];

/** One row of the table: a `QrCurrency` whose alphabetic code is known to the type system. */
export type QrCurrencyEntry = (typeof QR_CURRENCIES)[number];
export type QrCurrencyAlpha = QrCurrencyEntry['alpha'];

export function isQrCurrencyAlpha(value: string): value is QrCurrencyAlpha {
  return QR_CURRENCIES.some((c) => c.alpha === value);
}

export function qrCurrencyByAlpha(alpha: string): QrCurrencyEntry | undefined {
  return QR_CURRENCIES.find((c) => c.alpha === alpha);
}

export function qrCurrencyByNumeric(numeric: string): QrCurrencyEntry | undefined {
  return QR_CURRENCIES.find((c) => c.numeric === numeric);
}
