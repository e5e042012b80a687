/**
 * One payment as the risk engine, the AML detectors, the generator and the warehouse see it: the
 * row of the import format (`id,timestamp,from_account,to_account,amount,currency,channel,mcc,
 * merchant_id,device_id,ip_region,lat,lon`). Money is `bigint` minor units of `currency`; the
 * timestamp is UTC milliseconds. Fields that do not apply (no merchant for a transfer between
 * people, no location) are null.
 */
export interface TransferRecord {
  readonly id: string;
  readonly timestampMs: number;
  readonly fromAccount: string;
  readonly toAccount: string;
  readonly amount: bigint;
  readonly currency: string;
  readonly channel: Channel;
  readonly mcc: string | null;
  readonly merchantId: string | null;
  readonly deviceId: string | null;
  readonly ipRegion: string | null;
  readonly lat: number | null;
  readonly lon: number | null;
}

/**
 * How the money moved: `qr` and `pay_code` pay a merchant, `transfer` is between people,
 * `topup` and `withdrawal` cross to and from a bank account, `online` is an in-app merchant
 * payment, `payout` is a merchant's settlement to its bank.
 */
export const CHANNELS = ['qr', 'pay_code', 'transfer', 'topup', 'withdrawal', 'online', 'payout'] as const;
export type Channel = (typeof CHANNELS)[number];

export function isChannel(value: string): value is Channel {
  return (CHANNELS as readonly string[]).includes(value);
}

/** The import format's header, in order. */
export const TRANSFER_CSV_HEADER = [
  'id',
  'timestamp',
  'from_account',
  'to_account',
  'amount',
  'currency',
  'channel',
  'mcc',
  'merchant_id',
  'device_id',
  'ip_region',
  'lat',
  'lon',
] as const;

/**
 * The laundering patterns the generator injects and the AML detectors find. Each is described
 * with its parameters in `docs/aml-patterns.md`.
 */
export const LAUNDERING_PATTERNS = [
  'fan_out',
  'fan_in',
  'cycle',
  'scatter_gather',
  'gather_scatter',
  'bipartite',
  'stack',
  'structuring',
  'smurfing',
  'rapid_pass_through',
  'dormant_activation',
] as const;
export type LaunderingPattern = (typeof LAUNDERING_PATTERNS)[number];

export function isLaunderingPattern(value: string): value is LaunderingPattern {
  return (LAUNDERING_PATTERNS as readonly string[]).includes(value);
}

/** Card and account fraud, scored in real time by `@paychain/risk`'s engine. */
export const FRAUD_PATTERNS = ['account_takeover', 'new_device_high_amount', 'geo_velocity', 'card_testing'] as const;
export type FraudPattern = (typeof FRAUD_PATTERNS)[number];

/** An illicit transaction that belongs to no pattern. */
export const UNPATTERNED = 'unpatterned';

export type LabelPattern = LaunderingPattern | FraudPattern | typeof UNPATTERNED;

/** One row of the labels file (`id,is_illicit,pattern`); `pattern` is null for licit rows. */
export interface TransferLabel {
  readonly id: string;
  readonly isIllicit: boolean;
  readonly pattern: LabelPattern | null;
}

/** The currencies of the import format and their minor units (ISO 4217). */
export const CURRENCY_DECIMALS: Readonly<Record<string, number>> = {
  CNY: 2,
  HKD: 2,
  MOP: 2,
  USD: 2,
  EUR: 2,
  GBP: 2,
  SGD: 2,
  JPY: 0,
};

/** The large-value reporting threshold the generator structures below: 50,000 CNY in fen. */
export const LARGE_VALUE_THRESHOLD_DEFAULT = 5_000_000n;
