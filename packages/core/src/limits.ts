/**
 * Named limits of the ledger. Each is checked at the edge where outside input enters
 * (decoding, validation); their relations are asserted below so a change that breaks
 * one is caught at load time.
 */
import { assert } from './assert.ts';

/** Largest amount, balance or supply in minor units: fits a signed 64-bit column anywhere. */
export const AMOUNT_MAX = (1n << 63n) - 1n;
export const TX_BYTES_MAX = 16 * 1024;
export const TX_SIGNATURES_MAX = 16;
export const TX_EXPIRY_WINDOW_MS = 24n * 60n * 60n * 1000n;
export const BATCH_ITEMS_MAX = 64;
export const ACCOUNT_OWNERS_MAX = 8;
export const ORG_ADMIN_KEYS_MAX = 4;
export const ORG_ID_BYTES_MAX = 32;
export const ORG_NAME_BYTES_MAX = 128;
export const ORGS_MAX = 64;
export const ASSET_ID_BYTES_MAX = 16;
export const ASSET_NAME_BYTES_MAX = 64;
export const ASSET_DECIMALS_MAX = 18;
export const MEMO_BYTES_MAX = 64;
export const REASON_BYTES_MAX = 200;
export const PUBLIC_KEY_BYTES_MAX = 65;
export const SIGNATURE_BYTES_MAX = 64;
export const CHAIN_ID_BYTES_MAX = 64;
export const PENDING_TIMEOUT_MS_MIN = 1_000n;
export const PENDING_TIMEOUT_MS_MAX = 30n * 24n * 60n * 60n * 1000n;
export const BLOCK_TXS_MAX = 10_000;
export const DAY_MS = 24n * 60n * 60n * 1000n;

assert(TX_SIGNATURES_MAX >= ACCOUNT_OWNERS_MAX, 'a transaction can carry every owner signature');
assert(TX_SIGNATURES_MAX >= ORG_ADMIN_KEYS_MAX, 'a transaction can carry an org admin signature');
assert(BATCH_ITEMS_MAX * 200 < TX_BYTES_MAX, 'a full batch of transfers fits in one transaction');
assert(PENDING_TIMEOUT_MS_MIN < PENDING_TIMEOUT_MS_MAX, 'pending timeout range is not empty');
