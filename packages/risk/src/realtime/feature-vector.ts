import { isPlainObject } from './validation-issue.ts';

/**
 * The features of one payment, computed from what the engine knew before it. Names are snake_case
 * because rules written by operators and the model file refer to them; the order is the model's
 * column order and never changes meaning (add new names at the end).
 *
 * Amounts are in major units of the payment's currency (yuan, not fen); velocity counts and sums are
 * of prior attempts, not counting this one; "new" and "history" features come from committed
 * payments only (see `FeatureStore`).
 */
export const FEATURE_NAMES = [
  // Velocity of prior attempts, per paying account, device and merchant.
  'account_count_1m',
  'account_count_1h',
  'account_count_24h',
  'account_sum_1m',
  'account_sum_1h',
  'account_sum_24h',
  'device_count_1m',
  'device_count_1h',
  'device_count_24h',
  'device_sum_1m',
  'device_sum_1h',
  'device_sum_24h',
  'merchant_count_1m',
  'merchant_count_1h',
  'merchant_count_24h',
  'merchant_sum_1m',
  'merchant_sum_1h',
  'merchant_sum_24h',
  // This payment's amount, alone and against the account's committed history (log scale).
  'amount',
  'amount_z',
  'amount_log_ratio',
  'account_history_count',
  // Newness: payee, device, region, location.
  'new_payee',
  'new_payee_count_1h',
  'new_device',
  'device_known_hours',
  'ip_region_changed',
  'geo_distance_km',
  'geo_velocity_kmh',
  'geo_home_distance_km',
  // Context.
  'hour_of_day',
  'night',
  'mcc_risk',
  'channel_transfer',
  'account_age_days',
  // Card testing: prior small payments to merchants in the last 10 minutes, and whether this is one.
  'small_amount_burst_10m',
  'small_amount',
  // Conjunctions the fraud patterns are made of, which a linear model cannot form by itself.
  'new_device_amount_log_ratio',
  'fresh_device_new_payee',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

export type FeatureVector = { readonly [K in FeatureName]: number };

const FEATURE_NAME_SET: ReadonlySet<string> = new Set(FEATURE_NAMES);

export function isFeatureName(value: string): value is FeatureName {
  return FEATURE_NAME_SET.has(value);
}

/** The features in `FEATURE_NAMES` order, for training. */
export function featureVectorToRow(features: FeatureVector): number[] {
  return FEATURE_NAMES.map((name) => features[name]);
}

/** True when `value` has every feature as a finite number (features stored as JSON, read back). */
export function isFeatureVector(value: unknown): value is FeatureVector {
  if (!isPlainObject(value)) return false;
  return FEATURE_NAMES.every((name) => typeof value[name] === 'number' && Number.isFinite(value[name]));
}
