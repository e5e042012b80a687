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
/** A program disbursement names up to this many beneficiaries in one transaction. */
export const PROGRAM_ALLOCATIONS_MAX = 20_000;
/** Bytes of one allocation: beneficiary id (16) and amount (8). */
export const PROGRAM_ALLOCATION_BYTES = 24;
/** Only a program disbursement may be larger than TX_BYTES_MAX, up to this. */
export const TX_DISBURSE_BYTES_MAX = 512 * 1024;
export const PROGRAM_MCCS_MAX = 64;
export const PROGRAM_MERCHANTS_MAX = 256;
export const PROGRAM_REGIONS_MAX = 64;
export const REGION_BYTES_MAX = 16;
/** Longest validity window of a program. */
export const PROGRAM_WINDOW_MS_MAX = 5n * 366n * DAY_MS;
/** Program balances returned by the expiry sweep per block; the rest carries to the next block. */
export const PROGRAM_SWEEP_BALANCES_MAX = 20_000;
/**
 * Bytes of transactions in one block: orderers cut a block before it would pass this (besides BLOCK_TXS_MAX), so a
 * block of large disbursements stays a bounded amount of memory on every peer (BLOCK_TXS_MAX × TX_DISBURSE_BYTES_MAX
 * would be 5 GiB).
 */
export const BLOCK_BYTES_MAX = 16 * 1024 * 1024;
/**
 * Banks in one settlement scheme. A window keeps a position per bank that paid or was paid in it, so a close or a
 * settlement touches at most this many participants.
 */
export const SCHEME_PARTICIPANTS_MAX = 256;
/** An FX quote lives at most this long from the block that posts it: a rate is a promise for minutes, not weeks. */
export const QUOTE_LIFETIME_MS_MAX = DAY_MS;
/** Programs the expiry sweep visits per block, in (validUntilMs, id) order; the rest are due at the next block. */
export const PROGRAM_SWEEPS_MAX = 64;

assert(TX_SIGNATURES_MAX >= ACCOUNT_OWNERS_MAX, 'a transaction can carry every owner signature');
assert(TX_SIGNATURES_MAX >= ORG_ADMIN_KEYS_MAX, 'a transaction can carry an org admin signature');
assert(BATCH_ITEMS_MAX * 200 < TX_BYTES_MAX, 'a full batch of transfers fits in one transaction');
assert(PENDING_TIMEOUT_MS_MIN < PENDING_TIMEOUT_MS_MAX, 'pending timeout range is not empty');
assert(PROGRAM_ALLOCATIONS_MAX >= 10_000, 'one disbursement reaches ten thousand beneficiaries');
assert(
  PROGRAM_ALLOCATIONS_MAX * PROGRAM_ALLOCATION_BYTES + 1024 < TX_DISBURSE_BYTES_MAX,
  'a full disbursement fits in one transaction',
);
assert(TX_DISBURSE_BYTES_MAX > TX_BYTES_MAX, 'the disbursement size limit extends the ordinary one');
assert(
  PROGRAM_MERCHANTS_MAX * 16 + (PROGRAM_MCCS_MAX + PROGRAM_REGIONS_MAX) * 17 + 512 < TX_BYTES_MAX,
  'a program with full rule lists fits in an ordinary transaction',
);
assert(
  PROGRAM_SWEEP_BALANCES_MAX >= PROGRAM_ALLOCATIONS_MAX,
  'one block sweeps at least every beneficiary of one full disbursement',
);
assert(PROGRAM_SWEEPS_MAX >= 1, 'the sweep makes progress at every block');
assert(BLOCK_BYTES_MAX >= TX_DISBURSE_BYTES_MAX, 'a block holds at least one largest disbursement');
assert(BLOCK_BYTES_MAX >= BLOCK_TXS_MAX * 1024, 'ordinary payments (under 1 KiB) fill a block by count, not by bytes');
