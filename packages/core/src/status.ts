/**
 * Outcomes of a transaction, in precedence order: when several apply, the first listed wins.
 * Codes before `consumed` in the list leave the transaction id free (the sender was not
 * authenticated, so a forged copy cannot burn a real payment's id); codes from `consumed` on
 * record the transaction against its id for good, like a success.
 *
 * The numbers are part of the encoding of results: append only, never renumber.
 */
export const TX_CODES = {
  ok: 0,
  // Envelope: the transaction as bytes.
  tx_malformed: 1,
  chain_mismatch: 2,
  tx_expired: 3,
  expiry_too_far: 4,
  signature_invalid: 5,
  duplicate_id: 6,
  // What the signers must exist as.
  org_not_found: 10,
  asset_not_found: 11,
  account_not_found: 12,
  pending_not_found: 13,
  unauthorized: 14,
  program_not_found: 15,
  scheme_not_found: 16,
  participant_not_found: 17,
  window_not_found: 18,
  // Authorized but refused: these consume the id.
  org_exists: 20,
  org_invalid: 21,
  quorum_broken: 22,
  asset_exists: 23,
  asset_invalid: 24,
  not_issuer: 25,
  org_removed: 26,
  account_exists: 30,
  account_invalid: 31,
  account_closed: 32,
  account_frozen: 33,
  account_not_empty: 34,
  same_account: 35,
  target_not_found: 36,
  asset_unknown: 37,
  amount_invalid: 40,
  timeout_invalid: 41,
  insufficient_funds: 42,
  limit_per_payment: 43,
  limit_per_day: 44,
  supply_overflow: 45,
  balance_overflow: 46,
  pending_closed: 47,
  post_exceeds_pending: 48,
  frozen_unchanged: 49,
  // Programs (purpose-bound funds).
  program_exists: 50,
  program_invalid: 51,
  not_funder: 52,
  program_suspended: 53,
  program_not_started: 54,
  program_expired: 55,
  merchant_not_eligible_mcc: 56,
  merchant_not_eligible_region: 57,
  merchant_not_listed: 58,
  amount_above_cap: 59,
  insufficient_program_funds: 60,
  budget_exceeded: 61,
  duplicate_beneficiary: 62,
  allocation_exceeded: 63,
  insufficient_pool: 64,
  program_state_unchanged: 65,
  // Interbank settlement.
  scheme_exists: 70,
  scheme_invalid: 71,
  participant_exists: 72,
  participant_invalid: 73,
  scheme_full: 74,
  same_bank: 75,
  net_debit_cap_exceeded: 76,
  pledge_in_use: 77,
  window_not_open: 78,
  window_not_closed: 79,
  window_settled: 80,
  window_out_of_order: 81,
} as const;

export type TxCode = keyof typeof TX_CODES;

const CODE_BY_NUMBER = new Map<number, TxCode>(
  (Object.entries(TX_CODES) as [TxCode, number][]).map(([code, n]) => [n, code]),
);

export function txCodeToNumber(code: TxCode): number {
  return TX_CODES[code];
}

export function txCodeFromNumber(n: number): TxCode | undefined {
  return CODE_BY_NUMBER.get(n);
}

/** Whether a transaction with this outcome takes its id for good. */
export function isIdConsumed(code: TxCode): boolean {
  return TX_CODES[code] === 0 || TX_CODES[code] >= 20;
}

export const TX_CODE_MESSAGES: Readonly<Record<TxCode, string>> = {
  ok: 'applied',
  tx_malformed: 'the transaction bytes do not decode',
  chain_mismatch: 'the transaction names another chain',
  tx_expired: 'the transaction expired before the block time',
  expiry_too_far: 'the expiry is further ahead of the block time than the chain allows',
  signature_invalid: 'a signature does not verify',
  duplicate_id: 'a transaction with this id was already applied',
  org_not_found: 'no such organization',
  asset_not_found: 'no such asset',
  account_not_found: 'no such account',
  pending_not_found: 'no such pending transfer',
  unauthorized: 'the required signatures are missing',
  org_exists: 'the organization exists already',
  org_invalid: 'the organization is invalid (id, roles or keys)',
  quorum_broken: 'the change would leave fewer than one validator or member',
  asset_exists: 'the asset exists already',
  asset_invalid: 'the asset is invalid (id, name or decimals)',
  not_issuer: 'the organization does not have the issuer role',
  org_removed: 'the organization was already removed',
  account_exists: 'the account exists already',
  account_invalid: 'the account is invalid (owners, threshold or tier)',
  account_closed: 'the account is closed',
  account_frozen: 'the account is frozen',
  account_not_empty: 'the account still has a balance or a pending transfer',
  same_account: 'source and target are the same account',
  target_not_found: 'the account to credit does not exist',
  asset_unknown: 'the transaction names an asset that does not exist',
  amount_invalid: 'the amount must be positive and within the maximum',
  timeout_invalid: 'the pending timeout is out of range',
  insufficient_funds: 'the available balance is too low',
  limit_per_payment: 'the amount is above the per-payment limit of the account tier',
  limit_per_day: 'the amount would exceed the daily limit of the account tier',
  supply_overflow: 'the supply would exceed the maximum',
  balance_overflow: 'a balance would exceed the maximum',
  pending_closed: 'the pending transfer was already posted, voided or expired',
  post_exceeds_pending: 'the amount to post is above the pending amount',
  frozen_unchanged: 'the account is already in that freeze state',
  program_not_found: 'no such program',
  program_exists: 'the program exists already',
  program_invalid: 'the program is invalid (auditor, asset, budget, rules or validity window)',
  not_funder: 'the organization has neither the funder nor the issuer role',
  program_suspended: 'the program is suspended',
  program_not_started: 'the program is not valid yet',
  program_expired: 'the program has expired',
  merchant_not_eligible_mcc: "the merchant's category is not allowed by the program",
  merchant_not_eligible_region: "the merchant's region is not allowed by the program",
  merchant_not_listed: 'the merchant is not on the program list',
  amount_above_cap: 'the amount is above the program per-payment cap',
  insufficient_program_funds: 'the program balance is too low',
  budget_exceeded: 'the funding would exceed the program budget',
  duplicate_beneficiary: 'a beneficiary appears twice in the disbursement',
  allocation_exceeded: "a beneficiary's total allocation would exceed the program maximum",
  insufficient_pool: 'the program pool is too low for the disbursement',
  program_state_unchanged: 'the program is already in that state',
  scheme_not_found: 'no settlement scheme for this currency',
  participant_not_found: 'the bank does not take part in the settlement scheme of this currency',
  window_not_found: 'no such settlement window',
  scheme_exists: 'a settlement scheme for this currency exists already',
  scheme_invalid: 'the scheme is invalid (currency, or a settlement asset not issued by the signer)',
  participant_exists: 'the bank takes part in this scheme already',
  participant_invalid: 'the participant is invalid (deposit asset, decimals or settlement account)',
  scheme_full: 'the scheme has the most participants it can take',
  same_bank: 'payer and payee are at the same bank: an ordinary transfer moves this money',
  net_debit_cap_exceeded: "the payment would take the payer's bank past its net debit cap (its pledged liquidity)",
  pledge_in_use: 'the release would leave less pledged than the bank owes in unsettled windows',
  window_not_open: 'the window is not the open window of the scheme',
  window_not_closed: 'the window is still open: close it before settling',
  window_settled: 'the window is settled already',
  window_out_of_order: 'an earlier window is not settled yet: windows settle in order',
};
