/**
 * The gateway's operations written once, as parameterized SQL that SQLite and PostgreSQL both run
 * (`sql-backend.ts`), so the two backends cannot drift apart; only the claim of webhook deliveries differs by dialect.
 *
 * How the at-most-once operations stay atomic without locks held across round trips:
 * - One conditional statement decides, and the database serializes writers to a row: `UPDATE … WHERE paid_tx_id IS
 *   NULL`, `… WHERE used_at IS NULL AND expires_at > now`, `… WHERE $amount <= amount - refunded`, `INSERT … ON
 *   CONFLICT DO UPDATE … WHERE spent <= limit - amount`, `INSERT … ON CONFLICT DO NOTHING`. On PostgreSQL (READ
 *   COMMITTED) a second writer waits for the first to commit and then re-evaluates the WHERE on the new row version, so
 *   it loses; on SQLite there is one writer at a time. The statement's RETURNING (or change count) says who won.
 * - When a refusal needs a reason, a second read classifies it; the states involved only move forward (used stays
 *   used, expired stays expired), so the reason is stable.
 * - Several writes that must land together (a refund and its reservation, a refusal and the releases it implies, a
 *   device and its sessions, a case and its alerts, a batch of alerts) run in one transaction (`atomic`): a new one,
 *   or the caller's when called inside `transaction`.
 * - Where the decision needs more than one row, the rows are held first: createCase reads its alerts with FOR UPDATE
 *   on PostgreSQL (in sorted order, so two cases over overlapping alerts cannot deadlock) before it judges and
 *   writes; addCaseNote first updates its case's row, so concurrent notes on one case take max(seq) + 1 one after
 *   the other. On SQLite the transaction (BEGIN IMMEDIATE) already holds the whole file.
 * - Money comparisons are written so they cannot overflow 64 bits: `$x <= amount - refunded`, never
 *   `refunded + $x <= amount` (SQLite turns an overflowing sum into a float).
 */
import { AMOUNT_MAX, assert, isAssetId, isId128 } from '@paychain/core';
import {
  type AddCaseNoteResult,
  AML_ALERT_ACCOUNTS_MAX,
  AML_ALERT_ID_PATTERN,
  AML_ALERT_TXS_MAX,
  AML_ALERTS_BATCH_MAX,
  AML_CASE_ALERTS_MAX,
  AML_CASE_NOTE_CHARS_MAX,
  AML_CASE_NOTES_MAX,
  AML_CASE_RESOLUTIONS,
  AML_CASE_STATUSES,
  AML_CASE_TITLE_CHARS_MAX,
  AML_EXPLANATION_CHARS_MAX,
  AML_PATTERN_CHARS_MAX,
  type AmlAlert,
  type AmlAlertCursor,
  type AmlAlertFilter,
  type AmlCase,
  type AmlCaseCursor,
  type AmlCaseNote,
  type AmlCaseResolution,
  type AmlCaseStatus,
  AUTHORIZATION_KINDS,
  type BindDeviceResult,
  type CaseChangeResult,
  type CreateCaseResult,
  type DailySpendResult,
  DEVICE_LABEL_CHARS_MAX,
  DEVICE_PUBLIC_KEY_BYTES_MAX,
  DEVICES_LIST_MAX,
  type Device,
  type GatewayDb,
  type GatewayDbBackend,
  GatewayDbError,
  type GatewayDbOps,
  IDEMPOTENCY_CLAIM_ATTEMPTS_MAX,
  IDEMPOTENCY_KEY_CHARS_MAX,
  IDEMPOTENCY_RESPONSE_CHARS_MAX,
  IDEMPOTENCY_SCOPE_CHARS_MAX,
  type IdempotencyClaim,
  KEY_MODES,
  type KeyMode,
  KYC_TIERS,
  type KycTier,
  LOOKUP_IDS_MAX,
  type MarkPaidResult,
  MERCHANT_BANK_ACCOUNT_PATTERN,
  MERCHANT_CITY_CHARS_MAX,
  MERCHANT_KINDS,
  MERCHANT_NAME_CHARS_MAX,
  MERCHANT_REGION_CHARS_MAX,
  MERCHANTS_LIST_MAX,
  type Merchant,
  type MigrateResult,
  type NewAmlAlert,
  type NewAmlCase,
  type NewDevice,
  type NewPayCode,
  type NewPayment,
  type NewPaymentRequest,
  type NewRefund,
  type NewSession,
  type NewUser,
  type NewWebhookDelivery,
  type NewWebhookEndpoint,
  PAGE_ITEMS_MAX,
  PASSKEY_CREDENTIAL_ID_CHARS_MAX,
  PASSKEY_PUBLIC_KEY_BYTES_MAX,
  PASSKEY_TRANSPORTS_CHARS_MAX,
  PASSKEYS_LIST_MAX,
  PASSWORD_HASH_CHARS_MAX,
  PAY_CODE_LIFETIME_MS_MAX,
  PAYMENT_CODE_CHARS_MAX,
  PAYMENT_KINDS,
  PAYMENT_LABEL_CHARS_MAX,
  PAYMENT_MEMO_CHARS_MAX,
  PAYMENT_SEARCH_CHARS_MAX,
  PAYMENT_STATUSES,
  type Passkey,
  type PayCode,
  type Payment,
  type PaymentCursor,
  type PaymentFilter,
  type PaymentFx,
  type PaymentPage,
  type PaymentRequest,
  type PaymentRisk,
  PROGRAM_NAME_CHARS_MAX,
  PROGRAM_PURPOSE_CHARS_MAX,
  PROGRAMS_LIST_MAX,
  type ProgramRecord,
  PURGE_BATCH_MAX,
  type PurgeRequest,
  type PurgeResult,
  REFUNDABLE_KINDS,
  type RefundResult,
  RISK_DECISION_KINDS,
  RISK_REASON_CHARS_MAX,
  RISK_REASONS_MAX,
  RISK_RULE_SET_CHARS_MAX,
  RISK_RULE_SET_NOTE_CHARS_MAX,
  type RiskDecisionKind,
  type RiskPassDecision,
  type RiskRefusal,
  type RiskRefusalCursor,
  SEALED_KEY_BYTES_MAX,
  type Session,
  type StoredResponse,
  type StoredRuleSet,
  USER_PUBLIC_KEY_BYTES_MAX,
  USER_ROLES,
  USER_STATUSES,
  type UsePayCodeResult,
  type User,
  type UserPaymentFilter,
  type UserRole,
  type UserStatus,
  WEBHOOK_CLAIM_BATCH_MAX,
  WEBHOOK_DELIVERY_ATTEMPTS_MAX,
  WEBHOOK_DELIVERY_LEASE_MS,
  WEBHOOK_ERROR_CHARS_MAX,
  WEBHOOK_EVENT_CHARS_MAX,
  WEBHOOK_SECRET_SEALED_BYTES_MAX,
  WEBHOOK_URL_CHARS_MAX,
  type WebhookDelivery,
  type WebhookEndpoint,
} from './gateway-db.ts';
import {
  AML_ALERT_REF_CHARS_MAX,
  MIGRATIONS,
  RISK_RULE_SET_VERSION_MAX,
  RISK_SCORE_PPM_MAX,
  SCHEMA_VERSION,
  SCHEMA_VERSION_TABLE_EXISTS_SQL,
  schemaVersionTableSql,
} from './schema.ts';
import type { SqlBackend, SqlDialect, SqlRow, SqlSession, SqlValue } from './sql-backend.ts';

const HASH_PATTERN = /^[0-9a-f]{64}$/;
const PHONE_PATTERN = /^\+[1-9][0-9]{1,14}$/;
const MCC_PATTERN = /^[0-9]{4}$/;
const DAY_PATTERN = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const URL_PATTERN = /^https?:\/\/\S+$/;
/** Ledger heights are u64 in the core; the column is signed 64-bit. */
const LEDGER_HEIGHT_MAX = (1n << 63n) - 1n;
/** The column is a 32-bit integer; a block holds far fewer transactions (BLOCK_TXS_MAX). */
const LEDGER_INDEX_MAX = 2 ** 31 - 1;

const USER_COLUMNS =
  'id, phone, password_hash, kyc_tier, ledger_account_id, key_mode, public_key, sealed_key, status, role, created_at';
const DEVICE_COLUMNS = 'user_id, device_id, label, public_key, bound_at, revoked_at';
const SESSION_COLUMNS = 'token_hash, user_id, device_id, created_at, expires_at, revoked_at';
/**
 * A list of ids as one parameter (a JSON array), so a batch lookup is one statement with one bound value on both
 * backends instead of a statement text that grows with the batch.
 */
const IDS_OF_JSON_PARAM: Readonly<Record<SqlDialect, string>> = {
  sqlite: '(SELECT value FROM json_each($1))',
  postgres: '(SELECT jsonb_array_elements_text($1::jsonb))',
};

const MERCHANT_COLUMNS = 'id, owner_user_id, name, mcc, city, region, settlement_account_id, bank_account, created_at';
const REQUEST_COLUMNS =
  'id, merchant_id, payee_user_id, amount, memo, currency, one_time, expires_at, paid_tx_id, created_at';
const PAYMENT_COLUMNS =
  'tx_id, payer_user_id, payee_account_id, merchant_id, payment_request_id, refund_of, authorization_of, amount, ' +
  'currency, kind, memo, payer_label, payee_label, status, code, ledger_height, ledger_index, refunded, created_at, ' +
  'updated_at, risk_decision, risk_score_ppm, risk_reasons, risk_rule_set_version, program_id, fx_quote_id, ' +
  'fx_paid_currency, fx_paid_amount, fx_rate';
const PROGRAM_COLUMNS = 'id, name, purpose, funding_account_id, created_by_user_id, created_at';
const PASSKEY_COLUMNS = 'credential_id, user_id, public_key, counter, transports, created_at';
const PAY_CODE_COLUMNS = 'code_hash, user_id, created_at, expires_at, used_at, used_by_tx';
const ENDPOINT_COLUMNS = 'merchant_id, url, secret_sealed, created_at, updated_at';
const DELIVERY_COLUMN_NAMES = [
  'id',
  'merchant_id',
  'event_json',
  'attempts',
  'next_attempt_at',
  'delivered_at',
  'last_error',
  'created_at',
] as const;
const DELIVERY_COLUMNS = DELIVERY_COLUMN_NAMES.join(', ');
const REFUSAL_COLUMNS =
  'id, user_id, kind, decision, payee_account_id, merchant_id, amount, currency, score_ppm, reasons, ' +
  'rule_set_version, created_at';
const RULE_SET_COLUMNS = 'version, rules_json, author_user_id, note, created_at';
const ALERT_COLUMNS =
  'id, pattern, score_ppm, accounts, tx_ids, explanation, window_start, window_end, detected_at, case_id';
const CASE_COLUMNS =
  'id, title, status, assignee_user_id, resolution, created_by_user_id, alert_count, created_at, updated_at, closed_at';
const NOTE_COLUMNS = 'case_id, seq, author_user_id, body, created_at';
/** The decisions under which a payment goes ahead, and those kept as refusals. */
const RISK_PASS_DECISIONS: readonly RiskPassDecision[] = ['allow', 'review', 'step_up'];
const RISK_REFUSAL_DECISIONS: readonly RiskRefusal['decision'][] = ['block', 'step_up'];
/**
 * A case's new updated_at given the time parameter (e.g. `$3`): it never moves back (gateways' clocks differ a
 * little), so a touched case only moves up its list.
 */
function touchedAt(nowParam: string): string {
  return `CASE WHEN updated_at > ${nowParam} THEN updated_at ELSE ${nowParam} END`;
}

/** The column each payment filter reads, so listPayments' SQL is one of three constant strings. */
const FILTER_COLUMNS = {
  payerUserId: 'payer_user_id',
  payeeAccountId: 'payee_account_id',
  merchantId: 'merchant_id',
} as const;

/**
 * The claim of due webhook deliveries, per dialect. PostgreSQL: many gateways may claim at once, so the due rows are
 * locked with FOR UPDATE SKIP LOCKED (a row another claimer holds is skipped, not waited for, and a row it already
 * pushed past nowMs fails the re-checked WHERE) and pushed WEBHOOK_DELIVERY_LEASE_MS ahead in the same statement.
 * SQLite: one writer at a time per file, so the UPDATE … WHERE id IN (due) … RETURNING alone is the claim.
 * $1 nowMs, $2 limit, $3 attempts max, $4 lease end.
 */
const CLAIM_DUE_SQL: Readonly<Record<SqlDialect, string>> = {
  postgres: `WITH due AS (
      SELECT id FROM webhook_deliveries
      WHERE delivered_at IS NULL AND next_attempt_at <= $1 AND attempts < $3
      ORDER BY next_attempt_at, id LIMIT $2
      FOR UPDATE SKIP LOCKED)
    UPDATE webhook_deliveries AS d SET next_attempt_at = $4 FROM due WHERE d.id = due.id
    RETURNING ${DELIVERY_COLUMN_NAMES.map((c) => `d.${c}`).join(', ')}`,
  sqlite: `UPDATE webhook_deliveries SET next_attempt_at = $4
    WHERE id IN (
      SELECT id FROM webhook_deliveries
      WHERE delivered_at IS NULL AND next_attempt_at <= $1 AND attempts < $3
      ORDER BY next_attempt_at, id LIMIT $2)
    RETURNING ${DELIVERY_COLUMNS}`,
};

/**
 * Reads an alert createCase is about to take, per dialect. PostgreSQL: FOR UPDATE holds the row until commit, so a
 * concurrent createCase over the same alert waits and then sees it taken. SQLite: the transaction (BEGIN IMMEDIATE)
 * already keeps every other writer out. $1 alert id.
 */
const LOCK_ALERT_SQL: Readonly<Record<SqlDialect, string>> = {
  postgres: 'SELECT case_id FROM aml_alerts WHERE id = $1 FOR UPDATE',
  sqlite: 'SELECT case_id FROM aml_alerts WHERE id = $1',
};

// --- Checks on the way in (a failure is a bug in the caller: the API validates outside input first). ---

function assertId(value: string, what: string): void {
  assert(isId128(value), `${what} must be a 128-bit lowercase hex id`);
}

function assertHash(value: string, what: string): void {
  assert(HASH_PATTERN.test(value), `${what} must be 64 lowercase hex chars`);
}

function assertTimeMs(value: number, what: string): void {
  assert(Number.isSafeInteger(value) && value >= 0, `${what} must be a non-negative integer of ms`);
}

function assertAmount(value: bigint, what: string): void {
  assert(value > 0n && value <= AMOUNT_MAX, `${what} must be in 1..AMOUNT_MAX`);
}

/** JS length counts UTF-16 units, never fewer than the characters both databases count. */
function assertText(value: string, charsMax: number, what: string, emptyAllowed = false): void {
  const min = emptyAllowed ? 0 : 1;
  assert(value.length >= min && value.length <= charsMax, `${what} must be ${min}..${charsMax} chars`);
}

function assertBytes(value: Uint8Array, bytesMax: number, what: string): void {
  assert(value.length >= 1 && value.length <= bytesMax, `${what} must be 1..${bytesMax} bytes`);
}

function assertLimit(value: number, max: number, what: string): void {
  assert(Number.isSafeInteger(value) && value >= 1 && value <= max, `${what} must be in 1..${max}`);
}

function assertScorePpm(value: number, what: string): void {
  assert(Number.isSafeInteger(value) && value >= 0 && value <= RISK_SCORE_PPM_MAX, `${what} must be 0..1,000,000 ppm`);
}

function assertRuleSetVersion(value: number, min: number, what: string): void {
  assert(
    Number.isSafeInteger(value) && value >= min && value <= RISK_RULE_SET_VERSION_MAX,
    `${what} must be in ${min}..RISK_RULE_SET_VERSION_MAX`,
  );
}

function assertAlertId(value: string, what: string): void {
  assert(AML_ALERT_ID_PATTERN.test(value), `${what} must match AML_ALERT_ID_PATTERN`);
}

/** At most itemsMax strings of 1..charsMax chars each, as JSON text (the column's format). */
function stringArrayToJson(
  items: readonly string[],
  itemsMin: number,
  itemsMax: number,
  charsMax: number,
  what: string,
): string {
  assert(items.length >= itemsMin && items.length <= itemsMax, `${what}: ${itemsMin}..${itemsMax} items`);
  for (const item of items) assertText(item, charsMax, what);
  return JSON.stringify(items);
}

function riskReasonsToJson(reasons: readonly string[]): string {
  return stringArrayToJson(reasons, 0, RISK_REASONS_MAX, RISK_REASON_CHARS_MAX, 'risk reasons');
}

function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch (error) {
    // Only a SyntaxError says the text is not JSON; anything else is unexpected and goes on up.
    if (error instanceof SyntaxError) return false;
    throw error;
  }
}

/** Cuts to at most charsMax UTF-16 units without splitting a surrogate pair. */
function truncateText(value: string, charsMax: number): string {
  if (value.length <= charsMax) return value;
  const code = value.charCodeAt(charsMax - 1);
  return value.slice(0, code >= 0xd800 && code <= 0xdbff ? charsMax - 1 : charsMax);
}

function int(value: number): bigint {
  return BigInt(value);
}

// --- Decoding on the way out: a value of the wrong shape is a damaged row, not a bug here. ---

function corrupt(table: string, column: string, what: string): GatewayDbError {
  return new GatewayDbError('db_corrupt', `${table}.${column}: ${what}`, { detail: `${table}.${column}` });
}

function readText(row: SqlRow, table: string, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw corrupt(table, column, 'expected text');
  return value;
}

function readTextOrNull(row: SqlRow, table: string, column: string): string | null {
  return row[column] === null ? null : readText(row, table, column);
}

function readBigint(row: SqlRow, table: string, column: string): bigint {
  const value = row[column];
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw corrupt(table, column, 'expected an integer');
}

function readBigintOrNull(row: SqlRow, table: string, column: string): bigint | null {
  return row[column] === null ? null : readBigint(row, table, column);
}

function readInt(row: SqlRow, table: string, column: string): number {
  const value = readBigint(row, table, column);
  if (value < BigInt(Number.MIN_SAFE_INTEGER) || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw corrupt(table, column, 'integer out of range');
  }
  return Number(value);
}

function readIntOrNull(row: SqlRow, table: string, column: string): number | null {
  return row[column] === null ? null : readInt(row, table, column);
}

function readBool(row: SqlRow, table: string, column: string): boolean {
  const value = row[column];
  if (typeof value === 'boolean') return value;
  if (value === 0n || value === 0) return false;
  if (value === 1n || value === 1) return true;
  throw corrupt(table, column, 'expected a boolean');
}

function readBytesOrNull(row: SqlRow, table: string, column: string): Uint8Array | null {
  const value = row[column];
  if (value === null) return null;
  if (!(value instanceof Uint8Array)) throw corrupt(table, column, 'expected bytes');
  // A plain copy: callers get a Uint8Array whatever the driver's Buffer pooling does.
  return new Uint8Array(value);
}

function readBytes(row: SqlRow, table: string, column: string): Uint8Array {
  const value = readBytesOrNull(row, table, column);
  if (value === null) throw corrupt(table, column, 'expected bytes');
  return value;
}

function readEnum<T extends string | number>(row: SqlRow, table: string, column: string, allowed: readonly T[]): T {
  const raw = row[column];
  const value = typeof raw === 'bigint' ? Number(raw) : raw;
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw corrupt(table, column, 'unexpected value');
  return found;
}

/** A JSON text array of at most itemsMax strings (what `stringArrayToJson` wrote). */
function readStringArray(row: SqlRow, table: string, column: string, itemsMax: number): string[] {
  const text = readText(row, table, column);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new GatewayDbError('db_corrupt', `${table}.${column}: expected JSON`, {
      cause: error,
      detail: `${table}.${column}`,
    });
  }
  if (!Array.isArray(value) || value.length > itemsMax) throw corrupt(table, column, 'expected a JSON array');
  const items: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string') throw corrupt(table, column, 'expected strings');
    items.push(item);
  }
  return items;
}

function userFromRow(row: SqlRow): User {
  return {
    id: readText(row, 'users', 'id'),
    phone: readText(row, 'users', 'phone'),
    passwordHash: readTextOrNull(row, 'users', 'password_hash'),
    kycTier: readEnum(row, 'users', 'kyc_tier', KYC_TIERS),
    ledgerAccountId: readText(row, 'users', 'ledger_account_id'),
    keyMode: readEnum(row, 'users', 'key_mode', KEY_MODES),
    publicKey: readBytes(row, 'users', 'public_key'),
    sealedKey: readBytesOrNull(row, 'users', 'sealed_key'),
    status: readEnum(row, 'users', 'status', USER_STATUSES),
    role: readEnum(row, 'users', 'role', USER_ROLES),
    createdAtMs: readInt(row, 'users', 'created_at'),
  };
}

function deviceFromRow(row: SqlRow): Device {
  return {
    userId: readText(row, 'devices', 'user_id'),
    deviceId: readText(row, 'devices', 'device_id'),
    label: readText(row, 'devices', 'label'),
    publicKey: readBytesOrNull(row, 'devices', 'public_key'),
    boundAtMs: readInt(row, 'devices', 'bound_at'),
    revokedAtMs: readIntOrNull(row, 'devices', 'revoked_at'),
  };
}

function sessionFromRow(row: SqlRow): Session {
  return {
    tokenHash: readText(row, 'sessions', 'token_hash'),
    userId: readText(row, 'sessions', 'user_id'),
    deviceId: readTextOrNull(row, 'sessions', 'device_id'),
    createdAtMs: readInt(row, 'sessions', 'created_at'),
    expiresAtMs: readInt(row, 'sessions', 'expires_at'),
    revokedAtMs: readIntOrNull(row, 'sessions', 'revoked_at'),
  };
}

function programFromRow(row: SqlRow): ProgramRecord {
  return {
    id: readText(row, 'programs', 'id'),
    name: readText(row, 'programs', 'name'),
    purpose: readText(row, 'programs', 'purpose'),
    fundingAccountId: readText(row, 'programs', 'funding_account_id'),
    createdByUserId: readText(row, 'programs', 'created_by_user_id'),
    createdAtMs: readInt(row, 'programs', 'created_at'),
  };
}

function merchantFromRow(row: SqlRow): Merchant {
  return {
    id: readText(row, 'merchants', 'id'),
    ownerUserId: readText(row, 'merchants', 'owner_user_id'),
    name: readText(row, 'merchants', 'name'),
    mcc: readText(row, 'merchants', 'mcc'),
    city: readText(row, 'merchants', 'city'),
    region: readText(row, 'merchants', 'region'),
    settlementAccountId: readText(row, 'merchants', 'settlement_account_id'),
    bankAccount: readText(row, 'merchants', 'bank_account'),
    createdAtMs: readInt(row, 'merchants', 'created_at'),
  };
}

function requestFromRow(row: SqlRow): PaymentRequest {
  return {
    id: readText(row, 'payment_requests', 'id'),
    merchantId: readTextOrNull(row, 'payment_requests', 'merchant_id'),
    payeeUserId: readTextOrNull(row, 'payment_requests', 'payee_user_id'),
    amount: readBigint(row, 'payment_requests', 'amount'),
    memo: readText(row, 'payment_requests', 'memo'),
    currency: readText(row, 'payment_requests', 'currency'),
    oneTime: readBool(row, 'payment_requests', 'one_time'),
    expiresAtMs: readInt(row, 'payment_requests', 'expires_at'),
    paidTxId: readTextOrNull(row, 'payment_requests', 'paid_tx_id'),
    createdAtMs: readInt(row, 'payment_requests', 'created_at'),
  };
}

function passkeyFromRow(row: SqlRow): Passkey {
  return {
    credentialId: readText(row, 'passkeys', 'credential_id'),
    userId: readText(row, 'passkeys', 'user_id'),
    publicKey: readBytes(row, 'passkeys', 'public_key'),
    counter: readInt(row, 'passkeys', 'counter'),
    transports: readText(row, 'passkeys', 'transports'),
    createdAtMs: readInt(row, 'passkeys', 'created_at'),
  };
}

function payCodeFromRow(row: SqlRow): PayCode {
  return {
    codeHash: readText(row, 'pay_codes', 'code_hash'),
    userId: readText(row, 'pay_codes', 'user_id'),
    createdAtMs: readInt(row, 'pay_codes', 'created_at'),
    expiresAtMs: readInt(row, 'pay_codes', 'expires_at'),
    usedAtMs: readIntOrNull(row, 'pay_codes', 'used_at'),
    usedByTxId: readTextOrNull(row, 'pay_codes', 'used_by_tx'),
  };
}

function paymentFromRow(row: SqlRow): Payment {
  return {
    txId: readText(row, 'payments', 'tx_id'),
    payerUserId: readText(row, 'payments', 'payer_user_id'),
    payeeAccountId: readText(row, 'payments', 'payee_account_id'),
    merchantId: readTextOrNull(row, 'payments', 'merchant_id'),
    paymentRequestId: readTextOrNull(row, 'payments', 'payment_request_id'),
    refundOf: readTextOrNull(row, 'payments', 'refund_of'),
    authorizationOf: readTextOrNull(row, 'payments', 'authorization_of'),
    amount: readBigint(row, 'payments', 'amount'),
    currency: readText(row, 'payments', 'currency'),
    kind: readEnum(row, 'payments', 'kind', PAYMENT_KINDS),
    memo: readText(row, 'payments', 'memo'),
    payerLabel: readText(row, 'payments', 'payer_label'),
    payeeLabel: readText(row, 'payments', 'payee_label'),
    status: readEnum(row, 'payments', 'status', PAYMENT_STATUSES),
    code: readTextOrNull(row, 'payments', 'code'),
    ledgerHeight: readBigintOrNull(row, 'payments', 'ledger_height'),
    ledgerIndex: readIntOrNull(row, 'payments', 'ledger_index'),
    refunded: readBigint(row, 'payments', 'refunded'),
    risk: paymentRiskFromRow(row),
    programId: readTextOrNull(row, 'payments', 'program_id'),
    fx: paymentFxFromRow(row),
    createdAtMs: readInt(row, 'payments', 'created_at'),
    updatedAtMs: readInt(row, 'payments', 'updated_at'),
  };
}

/** Null for a payment in one currency: the four columns are null together (a CHECK). */
function paymentFxFromRow(row: SqlRow): PaymentFx | null {
  const quoteId = readTextOrNull(row, 'payments', 'fx_quote_id');
  if (quoteId === null) return null;
  const rate = /^([1-9][0-9]{0,19})\/([1-9][0-9]{0,19})$/.exec(readText(row, 'payments', 'fx_rate'));
  if (rate === null) throw new Error('payments.fx_rate is not num/den: the stored payment is damaged');
  return {
    quoteId,
    paidCurrency: readText(row, 'payments', 'fx_paid_currency'),
    paidAmount: readBigint(row, 'payments', 'fx_paid_amount'),
    rateNum: BigInt(rate[1] as string),
    rateDen: BigInt(rate[2] as string),
  };
}

/** Null when the payment was not scored: the four columns are null together (a CHECK), anything else is damage. */
function paymentRiskFromRow(row: SqlRow): PaymentRisk | null {
  const columns = ['risk_decision', 'risk_score_ppm', 'risk_reasons', 'risk_rule_set_version'];
  const nulls = columns.filter((column) => row[column] === null).length;
  if (nulls === columns.length) return null;
  if (nulls !== 0) throw corrupt('payments', 'risk_decision', 'risk columns partly null');
  return {
    decision: readEnum(row, 'payments', 'risk_decision', RISK_PASS_DECISIONS),
    scorePpm: readInt(row, 'payments', 'risk_score_ppm'),
    reasons: readStringArray(row, 'payments', 'risk_reasons', RISK_REASONS_MAX),
    ruleSetVersion: readInt(row, 'payments', 'risk_rule_set_version'),
  };
}

function refusalFromRow(row: SqlRow): RiskRefusal {
  return {
    id: readText(row, 'risk_refusals', 'id'),
    userId: readText(row, 'risk_refusals', 'user_id'),
    kind: readEnum(row, 'risk_refusals', 'kind', PAYMENT_KINDS),
    decision: readEnum(row, 'risk_refusals', 'decision', RISK_REFUSAL_DECISIONS),
    payeeAccountId: readText(row, 'risk_refusals', 'payee_account_id'),
    merchantId: readTextOrNull(row, 'risk_refusals', 'merchant_id'),
    amount: readBigint(row, 'risk_refusals', 'amount'),
    currency: readText(row, 'risk_refusals', 'currency'),
    scorePpm: readInt(row, 'risk_refusals', 'score_ppm'),
    reasons: readStringArray(row, 'risk_refusals', 'reasons', RISK_REASONS_MAX),
    ruleSetVersion: readInt(row, 'risk_refusals', 'rule_set_version'),
    createdAtMs: readInt(row, 'risk_refusals', 'created_at'),
  };
}

function ruleSetFromRow(row: SqlRow): StoredRuleSet {
  return {
    version: readInt(row, 'risk_rule_sets', 'version'),
    json: readText(row, 'risk_rule_sets', 'rules_json'),
    authorUserId: readTextOrNull(row, 'risk_rule_sets', 'author_user_id'),
    note: readText(row, 'risk_rule_sets', 'note'),
    createdAtMs: readInt(row, 'risk_rule_sets', 'created_at'),
  };
}

function alertFromRow(row: SqlRow): AmlAlert {
  return {
    id: readText(row, 'aml_alerts', 'id'),
    pattern: readText(row, 'aml_alerts', 'pattern'),
    scorePpm: readInt(row, 'aml_alerts', 'score_ppm'),
    accounts: readStringArray(row, 'aml_alerts', 'accounts', AML_ALERT_ACCOUNTS_MAX),
    txIds: readStringArray(row, 'aml_alerts', 'tx_ids', AML_ALERT_TXS_MAX),
    explanation: readText(row, 'aml_alerts', 'explanation'),
    windowStartMs: readInt(row, 'aml_alerts', 'window_start'),
    windowEndMs: readInt(row, 'aml_alerts', 'window_end'),
    detectedAtMs: readInt(row, 'aml_alerts', 'detected_at'),
    caseId: readTextOrNull(row, 'aml_alerts', 'case_id'),
  };
}

function caseFromRow(row: SqlRow): AmlCase {
  const resolution = row.resolution === null ? null : readEnum(row, 'aml_cases', 'resolution', AML_CASE_RESOLUTIONS);
  return {
    id: readText(row, 'aml_cases', 'id'),
    title: readText(row, 'aml_cases', 'title'),
    status: readEnum(row, 'aml_cases', 'status', AML_CASE_STATUSES),
    assigneeUserId: readTextOrNull(row, 'aml_cases', 'assignee_user_id'),
    resolution,
    createdByUserId: readText(row, 'aml_cases', 'created_by_user_id'),
    alertCount: readInt(row, 'aml_cases', 'alert_count'),
    createdAtMs: readInt(row, 'aml_cases', 'created_at'),
    updatedAtMs: readInt(row, 'aml_cases', 'updated_at'),
    closedAtMs: readIntOrNull(row, 'aml_cases', 'closed_at'),
  };
}

function noteFromRow(row: SqlRow): AmlCaseNote {
  return {
    caseId: readText(row, 'aml_case_notes', 'case_id'),
    seq: readInt(row, 'aml_case_notes', 'seq'),
    authorUserId: readText(row, 'aml_case_notes', 'author_user_id'),
    text: readText(row, 'aml_case_notes', 'body'),
    createdAtMs: readInt(row, 'aml_case_notes', 'created_at'),
  };
}

function endpointFromRow(row: SqlRow): WebhookEndpoint {
  return {
    merchantId: readText(row, 'webhook_endpoints', 'merchant_id'),
    url: readText(row, 'webhook_endpoints', 'url'),
    secretSealed: readBytes(row, 'webhook_endpoints', 'secret_sealed'),
    createdAtMs: readInt(row, 'webhook_endpoints', 'created_at'),
    updatedAtMs: readInt(row, 'webhook_endpoints', 'updated_at'),
  };
}

function deliveryFromRow(row: SqlRow): WebhookDelivery {
  return {
    id: readText(row, 'webhook_deliveries', 'id'),
    merchantId: readText(row, 'webhook_deliveries', 'merchant_id'),
    eventJson: readText(row, 'webhook_deliveries', 'event_json'),
    attempts: readInt(row, 'webhook_deliveries', 'attempts'),
    nextAttemptAtMs: readInt(row, 'webhook_deliveries', 'next_attempt_at'),
    deliveredAtMs: readIntOrNull(row, 'webhook_deliveries', 'delivered_at'),
    lastError: readTextOrNull(row, 'webhook_deliveries', 'last_error'),
    createdAtMs: readInt(row, 'webhook_deliveries', 'created_at'),
  };
}

/** A page from limit + 1 rows: the extra row tells whether another page follows. */
function pageOf(rows: readonly SqlRow[], limit: number): PaymentPage {
  const items = rows.slice(0, limit).map(paymentFromRow);
  const last = items[items.length - 1];
  const next = rows.length > limit && last !== undefined ? { createdAtMs: last.createdAtMs, txId: last.txId } : null;
  return { items, next };
}

function first<T>(rows: readonly SqlRow[], decode: (row: SqlRow) => T): T | null {
  const row = rows[0];
  return row === undefined ? null : decode(row);
}

type Atomic = <T>(fn: (ops: SqlGatewayOps) => Promise<T>) => Promise<T>;

/** The data operations over one session: the whole database, or one transaction. */
class SqlGatewayOps implements GatewayDbOps {
  protected readonly session: SqlSession;
  protected readonly dialect: SqlDialect;
  /** Runs fn in a transaction: a new one on the database, or the current one inside `transaction`. */
  private readonly atomic: Atomic;

  constructor(session: SqlSession, dialect: SqlDialect, atomic: Atomic | null) {
    this.session = session;
    this.dialect = dialect;
    this.atomic = atomic ?? ((fn) => fn(this));
  }

  private async rows(sql: string, params: readonly SqlValue[]): Promise<readonly SqlRow[]> {
    return (await this.session.query(sql, params)).rows;
  }

  private async changes(sql: string, params: readonly SqlValue[]): Promise<number> {
    return (await this.session.query(sql, params)).changes;
  }

  // --- Users. ---

  async createUser(user: NewUser): Promise<void> {
    assertId(user.id, 'user id');
    assert(PHONE_PATTERN.test(user.phone), 'phone must be E.164');
    if (user.passwordHash !== null) assertText(user.passwordHash, PASSWORD_HASH_CHARS_MAX, 'password hash');
    assert(KYC_TIERS.includes(user.kycTier), 'KYC tier must be 1, 2 or 3');
    assertId(user.ledgerAccountId, 'ledger account id');
    assert(KEY_MODES.includes(user.keyMode), 'unknown key mode');
    assertBytes(user.publicKey, USER_PUBLIC_KEY_BYTES_MAX, 'public key');
    assertSealedKey(user.keyMode, user.sealedKey);
    assertTimeMs(user.createdAtMs, 'createdAtMs');
    await this.changes(
      `INSERT INTO users (${USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', 'user', $9)`,
      [
        user.id,
        user.phone,
        user.passwordHash,
        int(user.kycTier),
        user.ledgerAccountId,
        user.keyMode,
        user.publicKey,
        user.sealedKey,
        int(user.createdAtMs),
      ],
    );
  }

  async getUserById(id: string): Promise<User | null> {
    assertId(id, 'user id');
    return first(await this.rows(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]), userFromRow);
  }

  async getUserByLedgerAccount(accountId: string): Promise<User | null> {
    assertId(accountId, 'ledger account id');
    const sql = `SELECT ${USER_COLUMNS} FROM users WHERE ledger_account_id = $1`;
    return first(await this.rows(sql, [accountId]), userFromRow);
  }

  async getUserByPhone(phone: string): Promise<User | null> {
    assert(PHONE_PATTERN.test(phone), 'phone must be E.164');
    return first(await this.rows(`SELECT ${USER_COLUMNS} FROM users WHERE phone = $1`, [phone]), userFromRow);
  }

  async setUserKycTier(id: string, tier: KycTier): Promise<boolean> {
    assertId(id, 'user id');
    assert(KYC_TIERS.includes(tier), 'KYC tier must be 1, 2 or 3');
    return (await this.changes('UPDATE users SET kyc_tier = $2 WHERE id = $1', [id, int(tier)])) === 1;
  }

  async setUserStatus(id: string, status: UserStatus): Promise<boolean> {
    assertId(id, 'user id');
    assert(USER_STATUSES.includes(status), 'unknown user status');
    return (await this.changes('UPDATE users SET status = $2 WHERE id = $1', [id, status])) === 1;
  }

  async setUserKey(
    id: string,
    keyMode: KeyMode,
    publicKey: Uint8Array,
    sealedKey: Uint8Array | null,
  ): Promise<boolean> {
    assertId(id, 'user id');
    assert(KEY_MODES.includes(keyMode), 'unknown key mode');
    assertBytes(publicKey, USER_PUBLIC_KEY_BYTES_MAX, 'public key');
    assertSealedKey(keyMode, sealedKey);
    const sql = 'UPDATE users SET key_mode = $2, public_key = $3, sealed_key = $4 WHERE id = $1';
    return (await this.changes(sql, [id, keyMode, publicKey, sealedKey])) === 1;
  }

  async setUserRole(id: string, role: UserRole): Promise<boolean> {
    assertId(id, 'user id');
    assert(USER_ROLES.includes(role), 'unknown user role');
    return (await this.changes('UPDATE users SET role = $2 WHERE id = $1', [id, role])) === 1;
  }

  // --- Passkeys. ---

  async addPasskey(passkey: Passkey): Promise<void> {
    assertText(passkey.credentialId, PASSKEY_CREDENTIAL_ID_CHARS_MAX, 'credential id');
    assertId(passkey.userId, 'user id');
    assertBytes(passkey.publicKey, PASSKEY_PUBLIC_KEY_BYTES_MAX, 'passkey public key');
    assert(Number.isSafeInteger(passkey.counter) && passkey.counter >= 0, 'a passkey counter is a whole number');
    assertText(passkey.transports, PASSKEY_TRANSPORTS_CHARS_MAX, 'transports', true);
    assertTimeMs(passkey.createdAtMs, 'createdAtMs');
    await this.changes(`INSERT INTO passkeys (${PASSKEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`, [
      passkey.credentialId,
      passkey.userId,
      passkey.publicKey,
      int(passkey.counter),
      passkey.transports,
      int(passkey.createdAtMs),
    ]);
  }

  async getPasskey(credentialId: string): Promise<Passkey | null> {
    assertText(credentialId, PASSKEY_CREDENTIAL_ID_CHARS_MAX, 'credential id');
    const sql = `SELECT ${PASSKEY_COLUMNS} FROM passkeys WHERE credential_id = $1`;
    return first(await this.rows(sql, [credentialId]), passkeyFromRow);
  }

  async listPasskeys(userId: string): Promise<Passkey[]> {
    assertId(userId, 'user id');
    const sql = `SELECT ${PASSKEY_COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at, credential_id LIMIT $2`;
    return (await this.rows(sql, [userId, int(PASSKEYS_LIST_MAX)])).map(passkeyFromRow);
  }

  async setPasskeyCounter(credentialId: string, counter: number): Promise<boolean> {
    assertText(credentialId, PASSKEY_CREDENTIAL_ID_CHARS_MAX, 'credential id');
    assert(Number.isSafeInteger(counter) && counter >= 0, 'a passkey counter is a whole number');
    const sql = 'UPDATE passkeys SET counter = $2 WHERE credential_id = $1';
    return (await this.changes(sql, [credentialId, int(counter)])) === 1;
  }

  // --- Devices. ---

  async bindDevice(device: NewDevice): Promise<BindDeviceResult> {
    assertId(device.userId, 'user id');
    assertId(device.deviceId, 'device id');
    assertText(device.label, DEVICE_LABEL_CHARS_MAX, 'device label');
    if (device.publicKey !== null) assertBytes(device.publicKey, DEVICE_PUBLIC_KEY_BYTES_MAX, 'device public key');
    assertTimeMs(device.boundAtMs, 'boundAtMs');
    // Only a revoked device is bound anew; a bound one keeps its key (rebinding it is the API's explicit revoke first).
    const rows = await this.rows(
      `INSERT INTO devices (${DEVICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, NULL)
       ON CONFLICT (user_id, device_id) DO UPDATE SET label = excluded.label, public_key = excluded.public_key,
         bound_at = excluded.bound_at, revoked_at = NULL
       WHERE devices.revoked_at IS NOT NULL
       RETURNING device_id`,
      [device.userId, device.deviceId, device.label, device.publicKey, int(device.boundAtMs)],
    );
    return rows.length === 1 ? 'bound' : 'already_bound';
  }

  async getDevice(userId: string, deviceId: string): Promise<Device | null> {
    assertId(userId, 'user id');
    assertId(deviceId, 'device id');
    const sql = `SELECT ${DEVICE_COLUMNS} FROM devices WHERE user_id = $1 AND device_id = $2`;
    return first(await this.rows(sql, [userId, deviceId]), deviceFromRow);
  }

  async listDevices(userId: string): Promise<Device[]> {
    assertId(userId, 'user id');
    const sql = `SELECT ${DEVICE_COLUMNS} FROM devices WHERE user_id = $1 ORDER BY bound_at, device_id LIMIT $2`;
    return (await this.rows(sql, [userId, int(DEVICES_LIST_MAX)])).map(deviceFromRow);
  }

  async revokeDevice(userId: string, deviceId: string, nowMs: number): Promise<boolean> {
    assertId(userId, 'user id');
    assertId(deviceId, 'device id');
    assertTimeMs(nowMs, 'nowMs');
    return this.atomic(async (ops) => {
      const revoked = await ops.changes(
        'UPDATE devices SET revoked_at = $3 WHERE user_id = $1 AND device_id = $2 AND revoked_at IS NULL',
        [userId, deviceId, int(nowMs)],
      );
      if (revoked === 0) return false;
      await ops.changes(
        'UPDATE sessions SET revoked_at = $3 WHERE user_id = $1 AND device_id = $2 AND revoked_at IS NULL',
        [userId, deviceId, int(nowMs)],
      );
      return true;
    });
  }

  // --- Sessions. ---

  async createSession(session: NewSession): Promise<void> {
    assertHash(session.tokenHash, 'token hash');
    assertId(session.userId, 'user id');
    if (session.deviceId !== null) assertId(session.deviceId, 'device id');
    assertTimeMs(session.createdAtMs, 'createdAtMs');
    assertTimeMs(session.expiresAtMs, 'expiresAtMs');
    assert(session.expiresAtMs > session.createdAtMs, 'a session expires after it is created');
    await this.changes(`INSERT INTO sessions (${SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, NULL)`, [
      session.tokenHash,
      session.userId,
      session.deviceId,
      int(session.createdAtMs),
      int(session.expiresAtMs),
    ]);
  }

  async findSession(tokenHash: string, nowMs: number): Promise<Session | null> {
    assertHash(tokenHash, 'token hash');
    assertTimeMs(nowMs, 'nowMs');
    const sql = `SELECT ${SESSION_COLUMNS} FROM sessions
      WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2`;
    return first(await this.rows(sql, [tokenHash, int(nowMs)]), sessionFromRow);
  }

  async revokeSession(tokenHash: string, nowMs: number): Promise<boolean> {
    assertHash(tokenHash, 'token hash');
    assertTimeMs(nowMs, 'nowMs');
    const sql = 'UPDATE sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL';
    return (await this.changes(sql, [tokenHash, int(nowMs)])) === 1;
  }

  async revokeUserSessions(userId: string, nowMs: number): Promise<number> {
    assertId(userId, 'user id');
    assertTimeMs(nowMs, 'nowMs');
    const sql = 'UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2';
    return this.changes(sql, [userId, int(nowMs)]);
  }

  // --- Merchants. ---

  async createMerchant(merchant: Merchant): Promise<void> {
    assertId(merchant.id, 'merchant id');
    assertId(merchant.ownerUserId, 'owner user id');
    assertText(merchant.name, MERCHANT_NAME_CHARS_MAX, 'merchant name');
    assert(MCC_PATTERN.test(merchant.mcc), 'MCC must be 4 digits');
    assertText(merchant.city, MERCHANT_CITY_CHARS_MAX, 'merchant city');
    assertText(merchant.region, MERCHANT_REGION_CHARS_MAX, 'merchant region');
    assertId(merchant.settlementAccountId, 'settlement account id');
    assert(
      MERCHANT_BANK_ACCOUNT_PATTERN.test(merchant.bankAccount),
      'a bank account of 6..34 letters, digits, - or space',
    );
    assertTimeMs(merchant.createdAtMs, 'createdAtMs');
    await this.changes(`INSERT INTO merchants (${MERCHANT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
      merchant.id,
      merchant.ownerUserId,
      merchant.name,
      merchant.mcc,
      merchant.city,
      merchant.region,
      merchant.settlementAccountId,
      merchant.bankAccount,
      int(merchant.createdAtMs),
    ]);
  }

  async getMerchant(id: string): Promise<Merchant | null> {
    assertId(id, 'merchant id');
    return first(await this.rows(`SELECT ${MERCHANT_COLUMNS} FROM merchants WHERE id = $1`, [id]), merchantFromRow);
  }

  async getMerchantBySettlementAccount(accountId: string): Promise<Merchant | null> {
    assertId(accountId, 'settlement account id');
    const sql = `SELECT ${MERCHANT_COLUMNS} FROM merchants WHERE settlement_account_id = $1`;
    return first(await this.rows(sql, [accountId]), merchantFromRow);
  }

  async getMerchantsBySettlementAccounts(accountIds: readonly string[]): Promise<Merchant[]> {
    assert(accountIds.length <= LOOKUP_IDS_MAX, `at most ${LOOKUP_IDS_MAX} ids per lookup`);
    for (const id of accountIds) assertId(id, 'settlement account id');
    if (accountIds.length === 0) return [];
    const sql = `SELECT ${MERCHANT_COLUMNS} FROM merchants WHERE settlement_account_id IN ${IDS_OF_JSON_PARAM[this.dialect]}`;
    return (await this.rows(sql, [JSON.stringify(accountIds)])).map(merchantFromRow);
  }

  async getUsersByLedgerAccounts(accountIds: readonly string[]): Promise<User[]> {
    assert(accountIds.length <= LOOKUP_IDS_MAX, `at most ${LOOKUP_IDS_MAX} ids per lookup`);
    for (const id of accountIds) assertId(id, 'ledger account id');
    if (accountIds.length === 0) return [];
    const sql = `SELECT ${USER_COLUMNS} FROM users WHERE ledger_account_id IN ${IDS_OF_JSON_PARAM[this.dialect]}`;
    return (await this.rows(sql, [JSON.stringify(accountIds)])).map(userFromRow);
  }

  async listMerchantsByOwner(ownerUserId: string): Promise<Merchant[]> {
    assertId(ownerUserId, 'owner user id');
    const sql = `SELECT ${MERCHANT_COLUMNS} FROM merchants WHERE owner_user_id = $1 ORDER BY created_at, id LIMIT $2`;
    return (await this.rows(sql, [ownerUserId, int(MERCHANTS_LIST_MAX)])).map(merchantFromRow);
  }

  // --- Payment requests. ---

  async createPaymentRequest(request: NewPaymentRequest): Promise<void> {
    assertId(request.id, 'payment request id');
    assert((request.merchantId === null) !== (request.payeeUserId === null), 'a request pays a merchant or a user');
    if (request.merchantId !== null) assertId(request.merchantId, 'merchant id');
    if (request.payeeUserId !== null) assertId(request.payeeUserId, 'payee user id');
    assertAmount(request.amount, 'amount');
    assert(isAssetId(request.currency), 'currency must be a ledger asset id');
    assertTimeMs(request.createdAtMs, 'createdAtMs');
    assertTimeMs(request.expiresAtMs, 'expiresAtMs');
    assert(request.expiresAtMs > request.createdAtMs, 'a payment request expires after it is created');
    assertText(request.memo, PAYMENT_MEMO_CHARS_MAX, 'memo', true);
    await this.changes(
      `INSERT INTO payment_requests (${REQUEST_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9)`,
      [
        request.id,
        request.merchantId,
        request.payeeUserId,
        request.amount,
        request.memo,
        request.currency,
        request.oneTime,
        int(request.expiresAtMs),
        int(request.createdAtMs),
      ],
    );
  }

  async getPaymentRequest(id: string): Promise<PaymentRequest | null> {
    assertId(id, 'payment request id');
    const sql = `SELECT ${REQUEST_COLUMNS} FROM payment_requests WHERE id = $1`;
    return first(await this.rows(sql, [id]), requestFromRow);
  }

  async markPaymentRequestPaid(id: string, txId: string, nowMs: number): Promise<MarkPaidResult> {
    assertId(id, 'payment request id');
    assertId(txId, 'tx id');
    assertTimeMs(nowMs, 'nowMs');
    const won = first(
      await this.rows(
        `UPDATE payment_requests SET paid_tx_id = $2
         WHERE id = $1 AND one_time AND paid_tx_id IS NULL AND expires_at > $3
         RETURNING ${REQUEST_COLUMNS}`,
        [id, txId, int(nowMs)],
      ),
      requestFromRow,
    );
    if (won !== null) return { ok: true, request: won };
    const request = await this.getPaymentRequest(id);
    if (request === null) return { ok: false, reason: 'not_found' };
    if (request.oneTime) {
      if (request.paidTxId === null && request.expiresAtMs <= nowMs) return { ok: false, reason: 'expired' };
      // Paid; or unpaid now only because a refusal released it after the UPDATE above lost: the caller may retry.
      return { ok: false, reason: 'already_paid' };
    }
    if (request.expiresAtMs <= nowMs) return { ok: false, reason: 'expired' };
    // Reusable and not expired: nothing to record on the request (its payments point at it).
    return { ok: true, request };
  }

  // --- Pay codes. ---

  async createPayCode(code: NewPayCode): Promise<void> {
    assertHash(code.codeHash, 'code hash');
    assertId(code.userId, 'user id');
    assertTimeMs(code.createdAtMs, 'createdAtMs');
    assertTimeMs(code.expiresAtMs, 'expiresAtMs');
    const lifetimeMs = code.expiresAtMs - code.createdAtMs;
    assert(lifetimeMs > 0 && lifetimeMs <= PAY_CODE_LIFETIME_MS_MAX, 'a pay code lives 1..PAY_CODE_LIFETIME_MS_MAX');
    await this.changes(
      'INSERT INTO pay_codes (code_hash, user_id, created_at, expires_at, used_at, used_by_tx) VALUES ($1, $2, $3, $4, NULL, NULL)',
      [code.codeHash, code.userId, int(code.createdAtMs), int(code.expiresAtMs)],
    );
  }

  async getPayCode(codeHash: string): Promise<PayCode | null> {
    assertHash(codeHash, 'code hash');
    const sql = `SELECT ${PAY_CODE_COLUMNS} FROM pay_codes WHERE code_hash = $1`;
    return first(await this.rows(sql, [codeHash]), payCodeFromRow);
  }

  async usePayCode(codeHash: string, nowMs: number, txId: string): Promise<UsePayCodeResult> {
    assertHash(codeHash, 'code hash');
    assertTimeMs(nowMs, 'nowMs');
    assertId(txId, 'tx id');
    const used = await this.rows(
      `UPDATE pay_codes SET used_at = $2, used_by_tx = $3
       WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2
       RETURNING user_id`,
      [codeHash, int(nowMs), txId],
    );
    const row = used[0];
    if (row !== undefined) return { ok: true, userId: readText(row, 'pay_codes', 'user_id') };
    const existing = (await this.rows('SELECT used_at, expires_at FROM pay_codes WHERE code_hash = $1', [codeHash]))[0];
    if (existing === undefined) return { ok: false, reason: 'not_found' };
    if (existing.used_at !== null) return { ok: false, reason: 'used' };
    return { ok: false, reason: 'expired' };
  }

  // --- Payments. ---

  async insertPayment(payment: NewPayment): Promise<void> {
    assertId(payment.txId, 'tx id');
    assertId(payment.payerUserId, 'payer user id');
    assertId(payment.payeeAccountId, 'payee account id');
    // 'refund' is excluded by the type, and by the schema (a refund must name the payment it refunds).
    assert(PAYMENT_KINDS.includes(payment.kind), 'unknown payment kind');
    assert(
      (payment.merchantId !== null) === MERCHANT_KINDS.includes(payment.kind),
      'a merchant id exactly for merchant payments',
    );
    if (payment.merchantId !== null) assertId(payment.merchantId, 'merchant id');
    if (payment.paymentRequestId !== null) {
      assertId(payment.paymentRequestId, 'payment request id');
      assert(payment.kind === 'qr' || payment.kind === 'p2p', 'only a QR or P2P payment pays a payment request');
    }
    assert(
      (payment.authorizationOf !== null) === AUTHORIZATION_KINDS.includes(payment.kind),
      'an authorization exactly for captures and voids',
    );
    if (payment.authorizationOf !== null) assertId(payment.authorizationOf, 'authorization tx id');
    assertAmount(payment.amount, 'amount');
    assert(isAssetId(payment.currency), 'currency must be a ledger asset id');
    assertText(payment.memo, PAYMENT_MEMO_CHARS_MAX, 'memo', true);
    assertText(payment.payerLabel, PAYMENT_LABEL_CHARS_MAX, 'payer label');
    assertText(payment.payeeLabel, PAYMENT_LABEL_CHARS_MAX, 'payee label');
    assertTimeMs(payment.createdAtMs, 'createdAtMs');
    if (payment.programId !== null) {
      assertId(payment.programId, 'program id');
      assert(payment.kind === 'qr', 'only a QR payment is paid with program money');
    }
    const fx = payment.fx ?? null;
    if (fx !== null) {
      assertId(fx.quoteId, 'quote id');
      assert(payment.kind === 'qr' || payment.kind === 'p2p', 'only a QR or P2P payment is paid through FX');
      assert(payment.programId === null, 'program money is never converted');
      assertAmount(fx.paidAmount, 'paid amount');
      assert(isAssetId(fx.paidCurrency), 'paid currency must be a ledger asset id');
      assert(fx.rateNum > 0n && fx.rateDen > 0n && fx.rateNum < 10n ** 20n && fx.rateDen < 10n ** 20n, 'a rate');
    }
    const risk = payment.risk;
    if (risk !== null) {
      assert(RISK_PASS_DECISIONS.includes(risk.decision), 'a payment goes ahead only under allow, review or step_up');
      assertScorePpm(risk.scorePpm, 'risk score');
      assertRuleSetVersion(risk.ruleSetVersion, 0, 'rule set version');
    }
    await this.changes(
      `INSERT INTO payments (${PAYMENT_COLUMNS})
       VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, $9, $10, $11, $12, 'pending', NULL, NULL, NULL, 0, $13, $13,
         $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
      [
        payment.txId,
        payment.payerUserId,
        payment.payeeAccountId,
        payment.merchantId,
        payment.paymentRequestId,
        payment.authorizationOf,
        payment.amount,
        payment.currency,
        payment.kind,
        payment.memo,
        payment.payerLabel,
        payment.payeeLabel,
        int(payment.createdAtMs),
        risk === null ? null : risk.decision,
        risk === null ? null : int(risk.scorePpm),
        risk === null ? null : riskReasonsToJson(risk.reasons),
        risk === null ? null : int(risk.ruleSetVersion),
        payment.programId,
        fx === null ? null : fx.quoteId,
        fx === null ? null : fx.paidCurrency,
        fx === null ? null : fx.paidAmount,
        fx === null ? null : `${fx.rateNum}/${fx.rateDen}`,
      ],
    );
  }

  async getPayment(txId: string): Promise<Payment | null> {
    assertId(txId, 'tx id');
    return first(await this.rows(`SELECT ${PAYMENT_COLUMNS} FROM payments WHERE tx_id = $1`, [txId]), paymentFromRow);
  }

  async getPayments(txIds: readonly string[]): Promise<Payment[]> {
    assert(txIds.length <= LOOKUP_IDS_MAX, `at most ${LOOKUP_IDS_MAX} ids per lookup`);
    for (const id of txIds) assertId(id, 'tx id');
    if (txIds.length === 0) return [];
    const sql = `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE tx_id IN ${IDS_OF_JSON_PARAM[this.dialect]}`;
    return (await this.rows(sql, [JSON.stringify(txIds)])).map(paymentFromRow);
  }

  async listPayments(filter: PaymentFilter, limit: number, before: PaymentCursor | null): Promise<PaymentPage> {
    assertLimit(limit, PAGE_ITEMS_MAX, 'page limit');
    let column: string;
    let value: string;
    if ('payerUserId' in filter) {
      column = FILTER_COLUMNS.payerUserId;
      value = filter.payerUserId;
    } else if ('payeeAccountId' in filter) {
      column = FILTER_COLUMNS.payeeAccountId;
      value = filter.payeeAccountId;
    } else {
      column = FILTER_COLUMNS.merchantId;
      value = filter.merchantId;
    }
    assertId(value, column);
    // One row more than asked tells whether another page follows.
    let rows: readonly SqlRow[];
    if (before === null) {
      rows = await this.rows(
        `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE ${column} = $1 ORDER BY created_at DESC, tx_id DESC LIMIT $2`,
        [value, int(limit + 1)],
      );
    } else {
      assertTimeMs(before.createdAtMs, 'cursor createdAtMs');
      assertId(before.txId, 'cursor tx id');
      rows = await this.rows(
        `SELECT ${PAYMENT_COLUMNS} FROM payments
         WHERE ${column} = $1 AND (created_at < $2 OR (created_at = $2 AND tx_id < $3))
         ORDER BY created_at DESC, tx_id DESC LIMIT $4`,
        [value, int(before.createdAtMs), before.txId, int(limit + 1)],
      );
    }
    return pageOf(rows, limit);
  }

  async listUserPayments(filter: UserPaymentFilter, limit: number, before: PaymentCursor | null): Promise<PaymentPage> {
    assertLimit(limit, PAGE_ITEMS_MAX, 'page limit');
    assertId(filter.userId, 'user id');
    assertId(filter.accountId, 'account id');
    const params: SqlValue[] = [filter.userId, filter.accountId];
    let where = '(payer_user_id = $1 OR payee_account_id = $2)';
    if (filter.search !== null) {
      assertText(filter.search, PAYMENT_SEARCH_CHARS_MAX, 'search');
      // LIKE with the wildcards of the search text escaped, so "50%" finds "50%" and nothing else.
      const escaped = filter.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
      params.push(`%${escaped}%`, `${escaped}%`);
      where +=
        ` AND (lower(payer_label) LIKE $3 ESCAPE '\\' OR lower(payee_label) LIKE $3 ESCAPE '\\'` +
        ` OR lower(memo) LIKE $3 ESCAPE '\\' OR tx_id LIKE $4 ESCAPE '\\')`;
    }
    if (before !== null) {
      assertTimeMs(before.createdAtMs, 'cursor createdAtMs');
      assertId(before.txId, 'cursor tx id');
      const at = params.length;
      params.push(int(before.createdAtMs), before.txId);
      where += ` AND (created_at < $${at + 1} OR (created_at = $${at + 1} AND tx_id < $${at + 2}))`;
    }
    params.push(int(limit + 1));
    const rows = await this.rows(
      `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE ${where} ORDER BY created_at DESC, tx_id DESC LIMIT $${params.length}`,
      params,
    );
    return pageOf(rows, limit);
  }

  async listPendingPayments(limit: number): Promise<Payment[]> {
    assertLimit(limit, PURGE_BATCH_MAX, 'limit');
    const rows = await this.rows(
      `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE status = 'pending' ORDER BY created_at, tx_id LIMIT $1`,
      [int(limit)],
    );
    return rows.map(paymentFromRow);
  }

  async markPaymentFinal(txId: string, ledgerHeight: bigint, ledgerIndex: number, nowMs: number): Promise<boolean> {
    assertId(txId, 'tx id');
    assert(ledgerHeight >= 0n && ledgerHeight <= LEDGER_HEIGHT_MAX, 'ledger height out of range');
    assert(Number.isSafeInteger(ledgerIndex) && ledgerIndex >= 0 && ledgerIndex <= LEDGER_INDEX_MAX, 'ledger index');
    assertTimeMs(nowMs, 'nowMs');
    const changed = await this.changes(
      `UPDATE payments SET status = 'final', code = 'ok', ledger_height = $2, ledger_index = $3, updated_at = $4
       WHERE tx_id = $1 AND status = 'pending'`,
      [txId, ledgerHeight, int(ledgerIndex), int(nowMs)],
    );
    return changed === 1;
  }

  async markPaymentRefused(txId: string, code: string, nowMs: number): Promise<boolean> {
    assertId(txId, 'tx id');
    assertText(code, PAYMENT_CODE_CHARS_MAX, 'code');
    assert(code !== 'ok', 'a refused payment has a refusal code');
    assertTimeMs(nowMs, 'nowMs');
    return this.atomic(async (ops) => {
      const row = (
        await ops.rows(
          `UPDATE payments SET status = 'refused', code = $3, updated_at = $2 WHERE tx_id = $1 AND status = 'pending'
           RETURNING refund_of, amount`,
          [txId, int(nowMs), code],
        )
      )[0];
      if (row === undefined) return false;
      const refundOf = readTextOrNull(row, 'payments', 'refund_of');
      if (refundOf !== null) {
        // The refund never happened: its amount may be refunded again.
        const released = await ops.changes(
          'UPDATE payments SET refunded = refunded - $2, updated_at = $3 WHERE tx_id = $1',
          [refundOf, readBigint(row, 'payments', 'amount'), int(nowMs)],
        );
        assert(released === 1, 'a refund points at a recorded payment');
      }
      // A one-time QR this payment had taken may be paid by someone else now.
      await ops.changes('UPDATE payment_requests SET paid_tx_id = NULL WHERE paid_tx_id = $1', [txId]);
      return true;
    });
  }

  async reserveRefund(refund: NewRefund): Promise<RefundResult> {
    assertId(refund.txId, 'refund tx id');
    assertId(refund.originalTxId, 'original tx id');
    assert(refund.txId !== refund.originalTxId, 'a refund has its own tx id');
    assertAmount(refund.amount, 'refund amount');
    assertTimeMs(refund.createdAtMs, 'createdAtMs');
    return this.atomic(async (ops): Promise<RefundResult> => {
      const reserved = (
        await ops.rows(
          `UPDATE payments SET refunded = refunded + $2, updated_at = $3
           WHERE tx_id = $1 AND status = 'final' AND kind IN ('qr', 'paycode', 'capture') AND program_id IS NULL
             AND $2 <= amount - refunded
           RETURNING refunded`,
          [refund.originalTxId, refund.amount, int(refund.createdAtMs)],
        )
      )[0];
      if (reserved === undefined) {
        const original = await ops.getPayment(refund.originalTxId);
        if (original === null) return { ok: false, reason: 'not_found' };
        if (!REFUNDABLE_KINDS.includes(original.kind) || original.programId !== null) {
          return { ok: false, reason: 'not_refundable' };
        }
        if (original.status !== 'final') return { ok: false, reason: 'not_final' };
        return { ok: false, reason: 'exceeds_paid' };
      }
      // The refund goes from the merchant's owner back to the account of the user who paid. Risk control does not
      // score refunds: the risk columns stay null.
      const inserted = await ops.rows(
        `INSERT INTO payments (tx_id, payer_user_id, payee_account_id, merchant_id, refund_of, amount, currency, kind,
           memo, payer_label, payee_label, status, refunded, created_at, updated_at)
         SELECT $1, m.owner_user_id, u.ledger_account_id, p.merchant_id, p.tx_id, CAST($2 AS BIGINT), p.currency,
           'refund', '', p.payee_label, p.payer_label, 'pending', 0, CAST($3 AS BIGINT), CAST($3 AS BIGINT)
         FROM payments p JOIN merchants m ON m.id = p.merchant_id JOIN users u ON u.id = p.payer_user_id
         WHERE p.tx_id = $4
         RETURNING ${PAYMENT_COLUMNS}`,
        [refund.txId, refund.amount, int(refund.createdAtMs), refund.originalTxId],
      );
      const row = inserted[0];
      assert(row !== undefined && inserted.length === 1, 'a merchant payment has its merchant and payer');
      return {
        ok: true,
        refund: paymentFromRow(row),
        refundedTotal: readBigint(reserved, 'payments', 'refunded'),
      };
    });
  }

  // --- Daily spend. ---

  async addDailySpend(userId: string, day: string, amount: bigint, limit: bigint): Promise<DailySpendResult> {
    assertId(userId, 'user id');
    assert(DAY_PATTERN.test(day), 'day must be YYYY-MM-DD');
    assertAmount(amount, 'amount');
    assert(limit >= 0n && limit <= AMOUNT_MAX, 'limit must be in 0..AMOUNT_MAX');
    if (amount <= limit) {
      // `spent <= limit - amount`: both sides stay within 64 bits (spent never passes limit).
      const rows = await this.rows(
        `INSERT INTO daily_spend (user_id, day, spent) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, day) DO UPDATE SET spent = daily_spend.spent + excluded.spent
         WHERE daily_spend.spent <= CAST($4 AS BIGINT) - excluded.spent
         RETURNING spent`,
        [userId, day, amount, limit],
      );
      const row = rows[0];
      if (row !== undefined) return { ok: true, spent: readBigint(row, 'daily_spend', 'spent') };
    }
    return { ok: false, reason: 'limit_exceeded', spent: await this.getDailySpend(userId, day) };
  }

  async getDailySpend(userId: string, day: string): Promise<bigint> {
    assertId(userId, 'user id');
    assert(DAY_PATTERN.test(day), 'day must be YYYY-MM-DD');
    const rows = await this.rows('SELECT spent FROM daily_spend WHERE user_id = $1 AND day = $2', [userId, day]);
    const row = rows[0];
    return row === undefined ? 0n : readBigint(row, 'daily_spend', 'spent');
  }

  // --- Idempotency keys. ---

  async claimIdempotencyKey(scope: string, key: string, requestHash: string, nowMs: number): Promise<IdempotencyClaim> {
    assertIdempotencyKey(scope, key, requestHash);
    assertTimeMs(nowMs, 'nowMs');
    // The INSERT decides: of concurrent claims exactly one inserts; the others wait for it (PostgreSQL) and do
    // nothing. The read after it classifies; if the row vanished in between (released), claim again.
    for (let attempt = 0; attempt < IDEMPOTENCY_CLAIM_ATTEMPTS_MAX; attempt++) {
      const inserted = await this.rows(
        `INSERT INTO idempotency_keys (scope, idem_key, request_hash, http_status, response_body, created_at, completed_at)
         VALUES ($1, $2, $3, NULL, NULL, $4, NULL)
         ON CONFLICT (scope, idem_key) DO NOTHING
         RETURNING scope`,
        [scope, key, requestHash, int(nowMs)],
      );
      if (inserted.length === 1) return 'new';
      const row = (
        await this.rows(
          'SELECT request_hash, http_status, response_body FROM idempotency_keys WHERE scope = $1 AND idem_key = $2',
          [scope, key],
        )
      )[0];
      if (row === undefined) continue;
      if (readText(row, 'idempotency_keys', 'request_hash') !== requestHash) return 'conflict';
      const httpStatus = readIntOrNull(row, 'idempotency_keys', 'http_status');
      if (httpStatus === null) return 'in_progress';
      return { replay: { httpStatus, body: readText(row, 'idempotency_keys', 'response_body') } };
    }
    return 'in_progress';
  }

  async completeIdempotencyKey(
    scope: string,
    key: string,
    requestHash: string,
    response: StoredResponse,
    nowMs: number,
  ): Promise<boolean> {
    assertIdempotencyKey(scope, key, requestHash);
    assert(
      Number.isInteger(response.httpStatus) && response.httpStatus >= 100 && response.httpStatus <= 599,
      'HTTP status must be 100..599',
    );
    assert(
      response.body.length <= IDEMPOTENCY_RESPONSE_CHARS_MAX,
      'response body above IDEMPOTENCY_RESPONSE_CHARS_MAX',
    );
    assertTimeMs(nowMs, 'nowMs');
    const changed = await this.changes(
      `UPDATE idempotency_keys SET http_status = $4, response_body = $5, completed_at = $6
       WHERE scope = $1 AND idem_key = $2 AND request_hash = $3 AND http_status IS NULL`,
      [scope, key, requestHash, int(response.httpStatus), response.body, int(nowMs)],
    );
    return changed === 1;
  }

  async releaseIdempotencyKey(scope: string, key: string, requestHash: string): Promise<boolean> {
    assertIdempotencyKey(scope, key, requestHash);
    const changed = await this.changes(
      `DELETE FROM idempotency_keys
       WHERE scope = $1 AND idem_key = $2 AND request_hash = $3 AND http_status IS NULL`,
      [scope, key, requestHash],
    );
    return changed === 1;
  }

  // --- Webhooks. ---

  async setWebhookEndpoint(endpoint: NewWebhookEndpoint): Promise<void> {
    assertId(endpoint.merchantId, 'merchant id');
    assert(
      URL_PATTERN.test(endpoint.url) && endpoint.url.length <= WEBHOOK_URL_CHARS_MAX,
      'webhook URL must be http(s) within WEBHOOK_URL_CHARS_MAX',
    );
    assertBytes(endpoint.secretSealed, WEBHOOK_SECRET_SEALED_BYTES_MAX, 'sealed webhook secret');
    assertTimeMs(endpoint.nowMs, 'nowMs');
    await this.changes(
      `INSERT INTO webhook_endpoints (${ENDPOINT_COLUMNS}) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (merchant_id) DO UPDATE SET url = excluded.url, secret_sealed = excluded.secret_sealed,
         updated_at = excluded.updated_at`,
      [endpoint.merchantId, endpoint.url, endpoint.secretSealed, int(endpoint.nowMs)],
    );
  }

  async getWebhookEndpoint(merchantId: string): Promise<WebhookEndpoint | null> {
    assertId(merchantId, 'merchant id');
    const sql = `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE merchant_id = $1`;
    return first(await this.rows(sql, [merchantId]), endpointFromRow);
  }

  async deleteWebhookEndpoint(merchantId: string): Promise<boolean> {
    assertId(merchantId, 'merchant id');
    return (await this.changes('DELETE FROM webhook_endpoints WHERE merchant_id = $1', [merchantId])) === 1;
  }

  async enqueueWebhook(delivery: NewWebhookDelivery): Promise<void> {
    assertId(delivery.id, 'delivery id');
    assertId(delivery.merchantId, 'merchant id');
    assert(
      delivery.eventJson.length >= 2 && delivery.eventJson.length <= WEBHOOK_EVENT_CHARS_MAX,
      'event JSON must be 2..WEBHOOK_EVENT_CHARS_MAX chars',
    );
    assertTimeMs(delivery.createdAtMs, 'createdAtMs');
    await this.changes(
      `INSERT INTO webhook_deliveries (${DELIVERY_COLUMNS}) VALUES ($1, $2, $3, 0, $4, NULL, NULL, $4)`,
      [delivery.id, delivery.merchantId, delivery.eventJson, int(delivery.createdAtMs)],
    );
  }

  async getWebhookDelivery(id: string): Promise<WebhookDelivery | null> {
    assertId(id, 'delivery id');
    const sql = `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1`;
    return first(await this.rows(sql, [id]), deliveryFromRow);
  }

  async claimDueDeliveries(nowMs: number, limit: number): Promise<WebhookDelivery[]> {
    assertTimeMs(nowMs, 'nowMs');
    assertLimit(limit, WEBHOOK_CLAIM_BATCH_MAX, 'claim limit');
    const rows = await this.rows(CLAIM_DUE_SQL[this.dialect], [
      int(nowMs),
      int(limit),
      int(WEBHOOK_DELIVERY_ATTEMPTS_MAX),
      int(nowMs + WEBHOOK_DELIVERY_LEASE_MS),
    ]);
    assert(rows.length <= limit, 'a claim returns at most limit deliveries');
    // RETURNING has no order: oldest first, as they were due.
    return rows
      .map(deliveryFromRow)
      .sort((a, b) => a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async markDeliveryDelivered(id: string, nowMs: number): Promise<boolean> {
    assertId(id, 'delivery id');
    assertTimeMs(nowMs, 'nowMs');
    const sql = 'UPDATE webhook_deliveries SET delivered_at = $2 WHERE id = $1 AND delivered_at IS NULL';
    return (await this.changes(sql, [id, int(nowMs)])) === 1;
  }

  async rescheduleDelivery(id: string, nextAttemptAtMs: number, error: string): Promise<boolean> {
    assertId(id, 'delivery id');
    assertTimeMs(nextAttemptAtMs, 'nextAttemptAtMs');
    const changed = await this.changes(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3
       WHERE id = $1 AND delivered_at IS NULL`,
      [id, int(nextAttemptAtMs), truncateText(error, WEBHOOK_ERROR_CHARS_MAX)],
    );
    return changed === 1;
  }

  // --- Risk control. ---

  async insertRiskRefusal(refusal: RiskRefusal): Promise<void> {
    assertId(refusal.id, 'refusal id');
    assertId(refusal.userId, 'user id');
    assert(PAYMENT_KINDS.includes(refusal.kind), 'unknown payment kind');
    assert(RISK_REFUSAL_DECISIONS.includes(refusal.decision), 'a refusal is a block or an unpassed step-up');
    assertId(refusal.payeeAccountId, 'payee account id');
    assert(
      (refusal.merchantId !== null) === MERCHANT_KINDS.includes(refusal.kind),
      'a merchant id exactly for merchant payments',
    );
    if (refusal.merchantId !== null) assertId(refusal.merchantId, 'merchant id');
    assertAmount(refusal.amount, 'amount');
    assert(isAssetId(refusal.currency), 'currency must be a ledger asset id');
    assertScorePpm(refusal.scorePpm, 'risk score');
    assertRuleSetVersion(refusal.ruleSetVersion, 0, 'rule set version');
    assertTimeMs(refusal.createdAtMs, 'createdAtMs');
    await this.changes(
      `INSERT INTO risk_refusals (${REFUSAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        refusal.id,
        refusal.userId,
        refusal.kind,
        refusal.decision,
        refusal.payeeAccountId,
        refusal.merchantId,
        refusal.amount,
        refusal.currency,
        int(refusal.scorePpm),
        riskReasonsToJson(refusal.reasons),
        int(refusal.ruleSetVersion),
        int(refusal.createdAtMs),
      ],
    );
  }

  async listRiskRefusals(limit: number, before: RiskRefusalCursor | null): Promise<RiskRefusal[]> {
    assertLimit(limit, PAGE_ITEMS_MAX, 'page limit');
    if (before === null) {
      const sql = `SELECT ${REFUSAL_COLUMNS} FROM risk_refusals ORDER BY created_at DESC, id DESC LIMIT $1`;
      return (await this.rows(sql, [int(limit)])).map(refusalFromRow);
    }
    assertTimeMs(before.createdAtMs, 'cursor createdAtMs');
    assertId(before.id, 'cursor refusal id');
    const rows = await this.rows(
      `SELECT ${REFUSAL_COLUMNS} FROM risk_refusals WHERE created_at < $1 OR (created_at = $1 AND id < $2)
       ORDER BY created_at DESC, id DESC LIMIT $3`,
      [int(before.createdAtMs), before.id, int(limit)],
    );
    return rows.map(refusalFromRow);
  }

  async listReviewPayments(limit: number, before: PaymentCursor | null): Promise<PaymentPage> {
    assertLimit(limit, PAGE_ITEMS_MAX, 'page limit');
    // The `review` range of the partial index payments_risk, newest first.
    let rows: readonly SqlRow[];
    if (before === null) {
      rows = await this.rows(
        `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE risk_decision = 'review'
         ORDER BY created_at DESC, tx_id DESC LIMIT $1`,
        [int(limit + 1)],
      );
    } else {
      assertTimeMs(before.createdAtMs, 'cursor createdAtMs');
      assertId(before.txId, 'cursor tx id');
      rows = await this.rows(
        `SELECT ${PAYMENT_COLUMNS} FROM payments
         WHERE risk_decision = 'review' AND (created_at < $1 OR (created_at = $1 AND tx_id < $2))
         ORDER BY created_at DESC, tx_id DESC LIMIT $3`,
        [int(before.createdAtMs), before.txId, int(limit + 1)],
      );
    }
    return pageOf(rows, limit);
  }

  async countRiskDecisions(fromMs: number, toMs: number): Promise<Record<RiskDecisionKind, number>> {
    assertTimeMs(fromMs, 'fromMs');
    assertTimeMs(toMs, 'toMs');
    assert(fromMs <= toMs, 'a time range starts before it ends');
    // The three decisions a payment can carry, named, so each is a time range of the partial index payments_risk.
    const rows = await this.rows(
      `SELECT risk_decision AS decision, COUNT(*) AS decisions FROM payments
       WHERE risk_decision IN ('allow', 'review', 'step_up') AND created_at >= $1 AND created_at < $2
       GROUP BY risk_decision
       UNION ALL
       SELECT decision, COUNT(*) AS decisions FROM risk_refusals
       WHERE created_at >= $1 AND created_at < $2 GROUP BY decision`,
      [int(fromMs), int(toMs)],
    );
    const counts: Record<RiskDecisionKind, number> = { allow: 0, review: 0, step_up: 0, block: 0 };
    // At most 3 + 2 rows: one per decision of each table (step_up appears in both).
    assert(rows.length <= RISK_PASS_DECISIONS.length + RISK_REFUSAL_DECISIONS.length, 'one row per decision');
    for (const row of rows) {
      const decision = readEnum(row, 'risk_decisions', 'decision', RISK_DECISION_KINDS);
      counts[decision] += readInt(row, 'risk_decisions', 'decisions');
    }
    return counts;
  }

  async insertRuleSet(ruleSet: StoredRuleSet): Promise<void> {
    assertRuleSetVersion(ruleSet.version, 1, 'rule set version');
    assertText(ruleSet.json, RISK_RULE_SET_CHARS_MAX, 'rule set JSON');
    assert(isJsonText(ruleSet.json), 'a rule set is JSON text');
    if (ruleSet.authorUserId !== null) assertId(ruleSet.authorUserId, 'author user id');
    assertText(ruleSet.note, RISK_RULE_SET_NOTE_CHARS_MAX, 'rule set note', true);
    assertTimeMs(ruleSet.createdAtMs, 'createdAtMs');
    // A version saved twice is the primary key's db_duplicate.
    await this.changes(`INSERT INTO risk_rule_sets (${RULE_SET_COLUMNS}) VALUES ($1, $2, $3, $4, $5)`, [
      int(ruleSet.version),
      ruleSet.json,
      ruleSet.authorUserId,
      ruleSet.note,
      int(ruleSet.createdAtMs),
    ]);
  }

  async latestRuleSet(): Promise<StoredRuleSet | null> {
    const sql = `SELECT ${RULE_SET_COLUMNS} FROM risk_rule_sets ORDER BY version DESC LIMIT 1`;
    return first(await this.rows(sql, []), ruleSetFromRow);
  }

  async listRuleSets(limit: number): Promise<StoredRuleSet[]> {
    assertLimit(limit, PAGE_ITEMS_MAX, 'limit');
    const sql = `SELECT ${RULE_SET_COLUMNS} FROM risk_rule_sets ORDER BY version DESC LIMIT $1`;
    return (await this.rows(sql, [int(limit)])).map(ruleSetFromRow);
  }

  // --- AML alerts and cases. ---

  async upsertAlerts(alerts: readonly NewAmlAlert[]): Promise<number> {
    assert(alerts.length >= 1 && alerts.length <= AML_ALERTS_BATCH_MAX, 'alerts: 1..AML_ALERTS_BATCH_MAX per call');
    const params = alerts.map((alert): SqlValue[] => {
      assertAlertId(alert.id, 'alert id');
      assertText(alert.pattern, AML_PATTERN_CHARS_MAX, 'alert pattern');
      assertScorePpm(alert.scorePpm, 'alert score');
      const accounts = stringArrayToJson(
        alert.accounts,
        0,
        AML_ALERT_ACCOUNTS_MAX,
        AML_ALERT_REF_CHARS_MAX,
        'accounts',
      );
      const txIds = stringArrayToJson(alert.txIds, 1, AML_ALERT_TXS_MAX, AML_ALERT_REF_CHARS_MAX, 'alert tx ids');
      assertText(alert.explanation, AML_EXPLANATION_CHARS_MAX, 'alert explanation', true);
      assertTimeMs(alert.windowStartMs, 'windowStartMs');
      assertTimeMs(alert.windowEndMs, 'windowEndMs');
      assert(alert.windowStartMs <= alert.windowEndMs, 'an alert window starts before it ends');
      assertTimeMs(alert.detectedAtMs, 'detectedAtMs');
      return [
        alert.id,
        alert.pattern,
        int(alert.scorePpm),
        accounts,
        txIds,
        alert.explanation,
        int(alert.windowStartMs),
        int(alert.windowEndMs),
        int(alert.detectedAtMs),
      ];
    });
    // One statement per alert (a fixed text, so prepared once) in one transaction: a batch lands whole or not at all.
    return this.atomic(async (ops) => {
      let inserted = 0;
      for (const values of params) {
        inserted += await ops.changes(
          `INSERT INTO aml_alerts (${ALERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL)
           ON CONFLICT (id) DO NOTHING`,
          values,
        );
      }
      assert(inserted <= alerts.length, 'at most one row per alert');
      return inserted;
    });
  }

  async getAlert(id: string): Promise<AmlAlert | null> {
    assertAlertId(id, 'alert id');
    return first(await this.rows(`SELECT ${ALERT_COLUMNS} FROM aml_alerts WHERE id = $1`, [id]), alertFromRow);
  }

  async listAlerts(filter: AmlAlertFilter, limit: number, before: AmlAlertCursor | null): Promise<AmlAlert[]> {
    assertLimit(limit, PAGE_ITEMS_MAX, 'page limit');
    // At most 3 × 2 × 2 statement texts: case (any, none, one) × pattern (any, one) × cursor (none, one).
    const params: SqlValue[] = [];
    const conditions: string[] = [];
    if (filter.caseId === null) {
      conditions.push('case_id IS NULL');
    } else if (filter.caseId !== undefined) {
      assertId(filter.caseId, 'case id');
      params.push(filter.caseId);
      conditions.push(`case_id = $${params.length}`);
    }
    if (filter.pattern !== undefined) {
      assertText(filter.pattern, AML_PATTERN_CHARS_MAX, 'alert pattern');
      params.push(filter.pattern);
      conditions.push(`pattern = $${params.length}`);
    }
    if (before !== null) {
      assertTimeMs(before.detectedAtMs, 'cursor detectedAtMs');
      assertAlertId(before.id, 'cursor alert id');
      params.push(int(before.detectedAtMs), before.id);
      const at = params.length - 1;
      conditions.push(`(detected_at < $${at} OR (detected_at = $${at} AND id < $${at + 1}))`);
    }
    params.push(int(limit));
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    const rows = await this.rows(
      `SELECT ${ALERT_COLUMNS} FROM aml_alerts ${where} ORDER BY detected_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(alertFromRow);
  }

  async countAlertsByPattern(fromMs: number, toMs: number): Promise<Record<string, number>> {
    assertTimeMs(fromMs, 'fromMs');
    assertTimeMs(toMs, 'toMs');
    assert(fromMs <= toMs, 'a time range starts before it ends');
    const rows = await this.rows(
      `SELECT pattern, COUNT(*) AS alerts FROM aml_alerts WHERE detected_at >= $1 AND detected_at < $2
       GROUP BY pattern ORDER BY pattern`,
      [int(fromMs), int(toMs)],
    );
    // fromEntries defines own properties, so even a pattern named `__proto__` is a plain key.
    return Object.fromEntries(
      rows.map((row) => [readText(row, 'aml_alerts', 'pattern'), readInt(row, 'aml_alerts', 'alerts')]),
    );
  }

  async createCase(input: NewAmlCase): Promise<CreateCaseResult> {
    assertId(input.id, 'case id');
    assertText(input.title, AML_CASE_TITLE_CHARS_MAX, 'case title');
    assertId(input.createdByUserId, 'created by user id');
    assert(
      input.alertIds.length >= 1 && input.alertIds.length <= AML_CASE_ALERTS_MAX,
      'a case takes 1..AML_CASE_ALERTS_MAX alerts',
    );
    for (const alertId of input.alertIds) assertAlertId(alertId, 'alert id');
    assert(new Set(input.alertIds).size === input.alertIds.length, 'a case takes each alert once');
    assertTimeMs(input.nowMs, 'nowMs');
    return this.atomic(async (ops): Promise<CreateCaseResult> => {
      // Read (and on PostgreSQL lock) every alert first, in one global order so that two cases over overlapping
      // alerts cannot deadlock; then judge them in the order given: the first that fails is the one reported.
      const caseIdOf = new Map<string, string | null>();
      for (const alertId of [...input.alertIds].sort()) {
        const row = (await ops.rows(LOCK_ALERT_SQL[ops.dialect], [alertId]))[0];
        if (row !== undefined) caseIdOf.set(alertId, readTextOrNull(row, 'aml_alerts', 'case_id'));
      }
      for (const alertId of input.alertIds) {
        const caseId = caseIdOf.get(alertId);
        if (caseId === undefined) return { ok: false, reason: 'alert_not_found', alertId };
        if (caseId !== null) return { ok: false, reason: 'alert_in_case', alertId };
      }
      // Nothing is written before this point, so a refusal above changed nothing.
      const created = await ops.rows(
        `INSERT INTO aml_cases (${CASE_COLUMNS}) VALUES ($1, $2, 'open', NULL, NULL, $3, $4, $5, $5, NULL)
         RETURNING ${CASE_COLUMNS}`,
        [input.id, input.title, input.createdByUserId, int(input.alertIds.length), int(input.nowMs)],
      );
      const row = created[0];
      assert(row !== undefined && created.length === 1, 'a created case is returned');
      for (const alertId of input.alertIds) {
        const taken = await ops.changes('UPDATE aml_alerts SET case_id = $2 WHERE id = $1 AND case_id IS NULL', [
          alertId,
          input.id,
        ]);
        assert(taken === 1, 'an alert read in no case, and held since, joins the case');
      }
      return { ok: true, case: caseFromRow(row) };
    });
  }

  async countCasesByStatus(): Promise<Record<AmlCaseStatus, number>> {
    const rows = await this.rows('SELECT status, COUNT(*) AS cases FROM aml_cases GROUP BY status', []);
    const counts: Record<AmlCaseStatus, number> = { open: 0, assigned: 0, closed: 0 };
    for (const row of rows) {
      counts[readEnum(row, 'aml_cases', 'status', AML_CASE_STATUSES)] = readInt(row, 'aml_cases', 'cases');
    }
    return counts;
  }

  async getCase(id: string): Promise<AmlCase | null> {
    assertId(id, 'case id');
    return first(await this.rows(`SELECT ${CASE_COLUMNS} FROM aml_cases WHERE id = $1`, [id]), caseFromRow);
  }

  async listCases(
    filter: { readonly status?: AmlCaseStatus },
    limit: number,
    before: AmlCaseCursor | null,
  ): Promise<AmlCase[]> {
    assertLimit(limit, PAGE_ITEMS_MAX, 'page limit');
    const params: SqlValue[] = [];
    const conditions: string[] = [];
    if (filter.status !== undefined) {
      assert(AML_CASE_STATUSES.includes(filter.status), 'unknown case status');
      params.push(filter.status);
      conditions.push(`status = $${params.length}`);
    }
    if (before !== null) {
      assertTimeMs(before.updatedAtMs, 'cursor updatedAtMs');
      assertId(before.id, 'cursor case id');
      params.push(int(before.updatedAtMs), before.id);
      const at = params.length - 1;
      conditions.push(`(updated_at < $${at} OR (updated_at = $${at} AND id < $${at + 1}))`);
    }
    params.push(int(limit));
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    const rows = await this.rows(
      `SELECT ${CASE_COLUMNS} FROM aml_cases ${where} ORDER BY updated_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(caseFromRow);
  }

  async assignCase(id: string, assigneeUserId: string, nowMs: number): Promise<CaseChangeResult> {
    assertId(id, 'case id');
    assertId(assigneeUserId, 'assignee user id');
    assertTimeMs(nowMs, 'nowMs');
    const changed = await this.rows(
      `UPDATE aml_cases SET status = 'assigned', assignee_user_id = $2, updated_at = ${touchedAt('$3')}
       WHERE id = $1 AND status <> 'closed'
       RETURNING ${CASE_COLUMNS}`,
      [id, assigneeUserId, int(nowMs)],
    );
    return this.caseChangeResult(id, changed);
  }

  async closeCase(id: string, resolution: AmlCaseResolution, nowMs: number): Promise<CaseChangeResult> {
    assertId(id, 'case id');
    assert(AML_CASE_RESOLUTIONS.includes(resolution), 'unknown case resolution');
    assertTimeMs(nowMs, 'nowMs');
    // In an UPDATE every right-hand side reads the old row: closed_at and updated_at get the same value.
    const changed = await this.rows(
      `UPDATE aml_cases SET status = 'closed', resolution = $2, closed_at = ${touchedAt('$3')},
         updated_at = ${touchedAt('$3')}
       WHERE id = $1 AND status <> 'closed'
       RETURNING ${CASE_COLUMNS}`,
      [id, resolution, int(nowMs)],
    );
    return this.caseChangeResult(id, changed);
  }

  /** The changed case, or why none changed: closed stays closed, so the reason read afterwards is stable. */
  private async caseChangeResult(id: string, changed: readonly SqlRow[]): Promise<CaseChangeResult> {
    const row = changed[0];
    if (row !== undefined) return { ok: true, case: caseFromRow(row) };
    const existing = await this.getCase(id);
    if (existing === null) return { ok: false, reason: 'not_found' };
    assert(existing.status === 'closed', 'only a closed case refuses a change');
    return { ok: false, reason: 'closed' };
  }

  async addCaseNote(caseId: string, authorUserId: string, text: string, nowMs: number): Promise<AddCaseNoteResult> {
    assertId(caseId, 'case id');
    assertId(authorUserId, 'author user id');
    assertText(text, AML_CASE_NOTE_CHARS_MAX, 'case note');
    assertTimeMs(nowMs, 'nowMs');
    return this.atomic(async (ops): Promise<AddCaseNoteResult> => {
      // Touching the case first holds its row (PostgreSQL: until commit; SQLite: the transaction holds the file), so
      // concurrent notes on one case take max + 1 one after the other; each statement of a READ COMMITTED
      // transaction sees the notes committed before it started.
      const touched = await ops.changes(
        `UPDATE aml_cases SET updated_at = ${touchedAt('$2')} WHERE id = $1 AND status <> 'closed'`,
        [caseId, int(nowMs)],
      );
      if (touched === 0) {
        const existing = await ops.getCase(caseId);
        if (existing === null) return { ok: false, reason: 'not_found' };
        assert(existing.status === 'closed', 'only a closed case refuses a note');
        return { ok: false, reason: 'closed' };
      }
      const inserted = await ops.rows(
        `INSERT INTO aml_case_notes (${NOTE_COLUMNS})
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, CAST($4 AS BIGINT) FROM aml_case_notes WHERE case_id = $1
         RETURNING ${NOTE_COLUMNS}`,
        [caseId, authorUserId, text, int(nowMs)],
      );
      const row = inserted[0];
      assert(row !== undefined && inserted.length === 1, 'a note is inserted');
      return { ok: true, note: noteFromRow(row) };
    });
  }

  async listCaseNotes(caseId: string): Promise<AmlCaseNote[]> {
    assertId(caseId, 'case id');
    const sql = `SELECT ${NOTE_COLUMNS} FROM aml_case_notes WHERE case_id = $1 ORDER BY seq LIMIT $2`;
    return (await this.rows(sql, [caseId, int(AML_CASE_NOTES_MAX)])).map(noteFromRow);
  }

  // --- Housekeeping. ---

  async createProgram(record: ProgramRecord): Promise<void> {
    assertId(record.id, 'program id');
    assertText(record.name, PROGRAM_NAME_CHARS_MAX, 'program name');
    assertText(record.purpose, PROGRAM_PURPOSE_CHARS_MAX, 'program purpose', true);
    assertId(record.fundingAccountId, 'funding account id');
    assertId(record.createdByUserId, 'creator user id');
    assertTimeMs(record.createdAtMs, 'createdAtMs');
    await this.changes(`INSERT INTO programs (${PROGRAM_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`, [
      record.id,
      record.name,
      record.purpose,
      record.fundingAccountId,
      record.createdByUserId,
      int(record.createdAtMs),
    ]);
  }

  async getProgram(id: string): Promise<ProgramRecord | null> {
    assertId(id, 'program id');
    return first(await this.rows(`SELECT ${PROGRAM_COLUMNS} FROM programs WHERE id = $1`, [id]), programFromRow);
  }

  async listPrograms(): Promise<ProgramRecord[]> {
    const rows = await this.rows(`SELECT ${PROGRAM_COLUMNS} FROM programs ORDER BY created_at DESC, id DESC LIMIT $1`, [
      int(PROGRAMS_LIST_MAX),
    ]);
    return rows.map(programFromRow);
  }

  async deleteProgram(id: string): Promise<boolean> {
    assertId(id, 'program id');
    return (await this.changes('DELETE FROM programs WHERE id = $1', [id])) === 1;
  }

  async purgeExpired(request: PurgeRequest): Promise<PurgeResult> {
    assertTimeMs(request.nowMs, 'nowMs');
    assertTimeMs(request.idempotencyRetentionMs, 'idempotencyRetentionMs');
    assertLimit(request.limit, PURGE_BATCH_MAX, 'purge limit');
    const now = int(request.nowMs);
    const limit = int(request.limit);
    const sessions = await this.changes(
      `DELETE FROM sessions WHERE token_hash IN (
         SELECT token_hash FROM sessions WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)`,
      [now, limit],
    );
    const payCodes = await this.changes(
      `DELETE FROM pay_codes WHERE code_hash IN (
         SELECT code_hash FROM pay_codes WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)`,
      [now, limit],
    );
    const idempotencyKeys = await this.changes(
      `DELETE FROM idempotency_keys WHERE (scope, idem_key) IN (
         SELECT scope, idem_key FROM idempotency_keys WHERE created_at < $1 ORDER BY created_at LIMIT $2)`,
      [int(Math.max(0, request.nowMs - request.idempotencyRetentionMs)), limit],
    );
    return { sessions, payCodes, idempotencyKeys };
  }
}

function assertSealedKey(keyMode: KeyMode, sealedKey: Uint8Array | null): void {
  assert((keyMode === 'custodial') === (sealedKey !== null), 'a sealed key exactly for the custodial key mode');
  if (sealedKey !== null) assertBytes(sealedKey, SEALED_KEY_BYTES_MAX, 'sealed key');
}

function assertIdempotencyKey(scope: string, key: string, requestHash: string): void {
  assertText(scope, IDEMPOTENCY_SCOPE_CHARS_MAX, 'idempotency scope');
  assertText(key, IDEMPOTENCY_KEY_CHARS_MAX, 'idempotency key');
  assertHash(requestHash, 'request hash');
}

function newerSchemaError(version: number): GatewayDbError {
  return new GatewayDbError(
    'db_schema',
    `database schema version ${version} is newer than this build's ${SCHEMA_VERSION}: upgrade the gateway`,
    { detail: String(version) },
  );
}

async function readSchemaVersion(session: SqlSession, dialect: SqlDialect): Promise<number> {
  const exists = await session.query(SCHEMA_VERSION_TABLE_EXISTS_SQL[dialect]);
  if (exists.rows.length === 0) return 0;
  const row = (await session.query('SELECT MAX(version) AS version FROM schema_version')).rows[0];
  return row === undefined || row.version === null ? 0 : readInt(row, 'schema_version', 'version');
}

/** `GatewayDb` over a backend: the operations above plus schema, transactions and closing. */
export class SqlGatewayDb extends SqlGatewayOps implements GatewayDb {
  readonly backend: GatewayDbBackend;
  private readonly sql: SqlBackend;
  private closed = false;

  private constructor(sql: SqlBackend) {
    super(sql, sql.dialect, (fn) => sql.transaction((session) => fn(new SqlGatewayOps(session, sql.dialect, null))));
    this.sql = sql;
    this.backend = sql.dialect;
  }

  /** Wraps an open backend; refuses (and closes it) when its schema is newer than this build. */
  static async open(sql: SqlBackend): Promise<SqlGatewayDb> {
    const db = new SqlGatewayDb(sql);
    try {
      const version = await db.schemaVersion();
      if (version > SCHEMA_VERSION) throw newerSchemaError(version);
    } catch (error) {
      // The open failure is what the caller needs; a failure to close as well adds nothing to it.
      await Promise.allSettled([sql.close()]);
      throw error;
    }
    return db;
  }

  async migrate(nowMs: number): Promise<MigrateResult> {
    assertTimeMs(nowMs, 'nowMs');
    const dialect = this.sql.dialect;
    return this.sql.transaction(async (session) => {
      await this.sql.beginMigration(session);
      await session.exec(schemaVersionTableSql(dialect));
      const fromVersion = await readSchemaVersion(session, dialect);
      if (fromVersion > SCHEMA_VERSION) throw newerSchemaError(fromVersion);
      const applied: number[] = [];
      for (const migration of MIGRATIONS) {
        if (migration.version <= fromVersion) continue;
        try {
          await session.exec(migration.sql[dialect]);
        } catch (error) {
          throw new GatewayDbError('db_schema', `migration ${migration.version} (${migration.name}) failed`, {
            cause: error,
            detail: String(migration.version),
          });
        }
        await session.query('INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)', [
          int(migration.version),
          migration.name,
          int(nowMs),
        ]);
        applied.push(migration.version);
      }
      return { fromVersion, toVersion: SCHEMA_VERSION, applied };
    });
  }

  schemaVersion(): Promise<number> {
    return readSchemaVersion(this.sql, this.sql.dialect);
  }

  transaction<T>(fn: (tx: GatewayDbOps) => Promise<T>): Promise<T> {
    return this.sql.transaction((session) => fn(new SqlGatewayOps(session, this.sql.dialect, null)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sql.close();
  }
}
