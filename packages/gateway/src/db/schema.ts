/**
 * The gateway's schema as numbered migrations, one text per dialect built from a single description, so SQLite and
 * PostgreSQL get the same tables, keys and constraints. `migrate()` (`sql-gateway-db.ts`) applies the ones a database
 * lacks, in one transaction, and records each in `schema_version`; a database whose version is above SCHEMA_VERSION
 * was written by a newer build and is refused.
 *
 * Why the constraints: every invariant the operations rely on is also a CHECK, UNIQUE or FOREIGN KEY, so a bug in
 * the code above fails loudly instead of storing an inconsistent row. Types: money and times are 64-bit integers
 * (SQLite STRICT tables refuse a float in an INTEGER column); ids and hashes are lowercase hex text; sealed keys are
 * bytes; JSON stays TEXT because webhook events and idempotent responses are signed or replayed byte for byte.
 *
 * Two foreign keys are DEFERRABLE INITIALLY DEFERRED: a pay code's `used_by_tx` and a payment request's `paid_tx_id`
 * must name a recorded payment of that user / that request, but the code is used (which tells who pays) before the
 * payment row can be written; both happen in one transaction and the key is checked at COMMIT. SQLite accepts a
 * foreign key to a table created later and has no ALTER TABLE … ADD CONSTRAINT, PostgreSQL the reverse: the one key
 * between payment_requests and payments (created after it) is placed accordingly.
 *
 * Migration 2 (risk control and AML, issue 5) adds four nullable columns to payments with ALTER TABLE … ADD COLUMN,
 * which both dialects run; SQLite's ADD COLUMN takes column constraints only, so the rule that the four are all null
 * or all set is a named CHECK on the last column's definition (both dialects accept a column CHECK that reads other
 * columns; PostgreSQL keeps it as a table constraint). Lists (risk reasons, an alert's accounts and transactions) are
 * JSON text arrays whose shape and item count are CHECKed with each dialect's JSON functions.
 */
import { assert } from '@paychain/core';
import {
  AML_ALERT_ACCOUNTS_MAX,
  AML_ALERT_TXS_MAX,
  AML_CASE_ALERTS_MAX,
  AML_CASE_NOTE_CHARS_MAX,
  AML_CASE_TITLE_CHARS_MAX,
  AML_EXPLANATION_CHARS_MAX,
  AML_PATTERN_CHARS_MAX,
  DEVICE_LABEL_CHARS_MAX,
  DEVICE_PUBLIC_KEY_BYTES_MAX,
  IDEMPOTENCY_KEY_CHARS_MAX,
  IDEMPOTENCY_RESPONSE_CHARS_MAX,
  IDEMPOTENCY_SCOPE_CHARS_MAX,
  MERCHANT_CITY_CHARS_MAX,
  MERCHANT_NAME_CHARS_MAX,
  MERCHANT_REGION_CHARS_MAX,
  PASSKEY_CREDENTIAL_ID_CHARS_MAX,
  PASSKEY_PUBLIC_KEY_BYTES_MAX,
  PASSKEY_TRANSPORTS_CHARS_MAX,
  PASSWORD_HASH_CHARS_MAX,
  PAY_CODE_LIFETIME_MS_MAX,
  PAYMENT_CODE_CHARS_MAX,
  PAYMENT_LABEL_CHARS_MAX,
  PAYMENT_MEMO_CHARS_MAX,
  PROGRAM_NAME_CHARS_MAX,
  PROGRAM_PURPOSE_CHARS_MAX,
  RISK_REASON_CHARS_MAX,
  RISK_REASONS_MAX,
  RISK_RULE_SET_CHARS_MAX,
  RISK_RULE_SET_NOTE_CHARS_MAX,
  SEALED_KEY_BYTES_MAX,
  USER_PUBLIC_KEY_BYTES_MAX,
  WEBHOOK_ERROR_CHARS_MAX,
  WEBHOOK_EVENT_CHARS_MAX,
  WEBHOOK_SECRET_SEALED_BYTES_MAX,
  WEBHOOK_URL_CHARS_MAX,
} from './gateway-db.ts';
import type { SqlDialect } from './sql-backend.ts';

/** A risk or AML score in millionths: 0..RISK_SCORE_PPM_MAX (an integer, exact on both backends). */
export const RISK_SCORE_PPM_MAX = 1_000_000;
/** Rule set versions are 32-bit columns. Saved versions start at 1; a decision may name version 0 (no saved set). */
export const RISK_RULE_SET_VERSION_MAX = 2 ** 31 - 1;
/**
 * One account or transaction id inside an alert's JSON lists: their format is the detector's business, their size is
 * bounded here so the lists are.
 */
export const AML_ALERT_REF_CHARS_MAX = 128;

/**
 * The longest JSON text of an array of at most `items` strings of at most `charsMax` UTF-16 units each, as
 * JSON.stringify writes it: a unit takes at most 6 chars (`\u001f`), each item adds 2 quotes and a comma.
 */
export function jsonStringArrayCharsMax(items: number, charsMax: number): number {
  return 2 + items * (6 * charsMax + 3);
}

export const RISK_REASONS_JSON_CHARS_MAX = jsonStringArrayCharsMax(RISK_REASONS_MAX, RISK_REASON_CHARS_MAX);
export const AML_ALERT_ACCOUNTS_JSON_CHARS_MAX = jsonStringArrayCharsMax(
  AML_ALERT_ACCOUNTS_MAX,
  AML_ALERT_REF_CHARS_MAX,
);
export const AML_ALERT_TXS_JSON_CHARS_MAX = jsonStringArrayCharsMax(AML_ALERT_TXS_MAX, AML_ALERT_REF_CHARS_MAX);

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: Readonly<Record<SqlDialect, string>>;
}

/** The column types and value checks that differ between the dialects. */
interface Ddl {
  readonly int64: string;
  readonly int32: string;
  readonly bytes: string;
  /** ' STRICT' on SQLite: column types are enforced, not just affinities. */
  readonly tableSuffix: string;
  boolColumn(column: string): string;
  hex(column: string, chars: number): string;
  digits(column: string, count: number): string;
  phone(column: string): string;
  assetId(column: string): string;
  day(column: string): string;
  /** AML_ALERT_ID_PATTERN: 1..64 letters, digits, `_`, `:` or `-`. */
  alertId(column: string): string;
  /** Text ordered and compared byte by byte on both dialects (PostgreSQL's default collation may differ). */
  readonly binaryText: string;
  /** Valid JSON text (PostgreSQL: invalid text fails the cast, an error rather than a CHECK violation). */
  json(column: string): string;
  /** A JSON array of itemsMin..itemsMax items (NULL passes, as for any CHECK). */
  jsonArray(column: string, itemsMin: number, itemsMax: number): string;
}

const SQLITE_DDL: Ddl = {
  int64: 'INTEGER',
  int32: 'INTEGER',
  bytes: 'BLOB',
  tableSuffix: ' STRICT',
  boolColumn: (c) => `${c} INTEGER NOT NULL CHECK (${c} IN (0, 1))`,
  // GLOB is case-sensitive and built in (REGEXP is not), so other tools can still write to the file.
  hex: (c, n) => `length(${c}) = ${n} AND ${c} NOT GLOB '*[^0-9a-f]*'`,
  digits: (c, n) => `length(${c}) = ${n} AND ${c} NOT GLOB '*[^0-9]*'`,
  phone: (c) => `length(${c}) BETWEEN 3 AND 16 AND ${c} GLOB '+[1-9]*' AND substr(${c}, 2) NOT GLOB '*[^0-9]*'`,
  assetId: (c) => `length(${c}) BETWEEN 1 AND 16 AND ${c} NOT GLOB '*[^A-Z0-9-]*' AND ${c} NOT GLOB '-*'`,
  day: (c) => `${c} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'`,
  alertId: (c) => `length(${c}) BETWEEN 1 AND 64 AND ${c} NOT GLOB '*[^A-Za-z0-9_:-]*'`,
  binaryText: 'TEXT',
  json: (c) => `json_valid(${c})`,
  // CASE: json_type on malformed text raises an error, so validity is decided first.
  jsonArray: (c, min, max) =>
    `${c} IS NULL OR CASE WHEN json_valid(${c}) THEN json_type(${c}) = 'array' AND json_array_length(${c}) BETWEEN ${min} AND ${max} ELSE 0 END`,
};

const POSTGRES_DDL: Ddl = {
  int64: 'BIGINT',
  int32: 'INTEGER',
  bytes: 'BYTEA',
  tableSuffix: '',
  boolColumn: (c) => `${c} BOOLEAN NOT NULL`,
  hex: (c, n) => `${c} ~ '^[0-9a-f]{${n}}$'`,
  digits: (c, n) => `${c} ~ '^[0-9]{${n}}$'`,
  phone: (c) => `${c} ~ '^\\+[1-9][0-9]{1,14}$'`,
  assetId: (c) => `${c} ~ '^[A-Z0-9][A-Z0-9-]{0,15}$'`,
  day: (c) => `${c} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'`,
  alertId: (c) => `${c} ~ '^[A-Za-z0-9_:-]{1,64}$'`,
  binaryText: 'TEXT COLLATE "C"',
  json: (c) => `CAST(${c} AS json) IS NOT NULL`,
  // CASE: json_array_length raises an error on a non-array, so the type is decided first.
  jsonArray: (c, min, max) =>
    `${c} IS NULL OR CASE WHEN json_typeof(CAST(${c} AS json)) = 'array' THEN json_array_length(CAST(${c} AS json)) BETWEEN ${min} AND ${max} ELSE false END`,
};

const DDL: Readonly<Record<SqlDialect, Ddl>> = { sqlite: SQLITE_DDL, postgres: POSTGRES_DDL };

/** Created by `migrate()` before any migration; not a migration itself, since it records them. */
export function schemaVersionTableSql(dialect: SqlDialect): string {
  const d = DDL[dialect];
  return `CREATE TABLE IF NOT EXISTS schema_version (
  version ${d.int32} NOT NULL PRIMARY KEY CHECK (version >= 1),
  name TEXT NOT NULL,
  applied_at ${d.int64} NOT NULL
)${d.tableSuffix}`;
}

/** One row (`present`) when the schema_version table exists in the database (PostgreSQL: in the current schema). */
export const SCHEMA_VERSION_TABLE_EXISTS_SQL: Readonly<Record<SqlDialect, string>> = {
  sqlite: "SELECT 1 AS present FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
  postgres:
    "SELECT 1 AS present FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_version'",
};

const PAID_BY_OWN_PAYMENT_FK = `CONSTRAINT payment_requests_paid_by_own_payment
    FOREIGN KEY (paid_tx_id, id) REFERENCES payments (tx_id, payment_request_id) DEFERRABLE INITIALLY DEFERRED`;

function initialSchema(dialect: SqlDialect): string {
  const d = DDL[dialect];
  const t = d.tableSuffix;
  return `
CREATE TABLE users (
  id TEXT NOT NULL PRIMARY KEY CHECK (${d.hex('id', 32)}),
  phone TEXT NOT NULL CHECK (${d.phone('phone')}),
  password_hash TEXT CHECK (length(password_hash) BETWEEN 1 AND ${PASSWORD_HASH_CHARS_MAX}),
  kyc_tier ${d.int32} NOT NULL CHECK (kyc_tier IN (1, 2, 3)),
  ledger_account_id TEXT NOT NULL CHECK (${d.hex('ledger_account_id', 32)}),
  key_mode TEXT NOT NULL CHECK (key_mode IN ('browser', 'custodial')),
  public_key ${d.bytes} NOT NULL CHECK (length(public_key) BETWEEN 1 AND ${USER_PUBLIC_KEY_BYTES_MAX}),
  sealed_key ${d.bytes} CHECK (length(sealed_key) BETWEEN 1 AND ${SEALED_KEY_BYTES_MAX}),
  status TEXT NOT NULL CHECK (status IN ('active', 'frozen')),
  role TEXT NOT NULL CHECK (role IN ('user', 'ops')),
  created_at ${d.int64} NOT NULL CHECK (created_at >= 0),
  CONSTRAINT users_phone_unique UNIQUE (phone),
  CONSTRAINT users_ledger_account_unique UNIQUE (ledger_account_id),
  CONSTRAINT users_sealed_key_iff_custodial CHECK ((key_mode = 'custodial') = (sealed_key IS NOT NULL))
)${t};

CREATE TABLE passkeys (
  credential_id TEXT NOT NULL PRIMARY KEY CHECK (length(credential_id) BETWEEN 1 AND ${PASSKEY_CREDENTIAL_ID_CHARS_MAX}),
  user_id TEXT NOT NULL REFERENCES users (id),
  public_key ${d.bytes} NOT NULL CHECK (length(public_key) BETWEEN 1 AND ${PASSKEY_PUBLIC_KEY_BYTES_MAX}),
  counter ${d.int64} NOT NULL CHECK (counter >= 0),
  transports TEXT NOT NULL CHECK (length(transports) <= ${PASSKEY_TRANSPORTS_CHARS_MAX}),
  created_at ${d.int64} NOT NULL CHECK (created_at >= 0)
)${t};
CREATE INDEX passkeys_user ON passkeys (user_id, created_at);

CREATE TABLE devices (
  user_id TEXT NOT NULL REFERENCES users (id),
  device_id TEXT NOT NULL CHECK (${d.hex('device_id', 32)}),
  label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND ${DEVICE_LABEL_CHARS_MAX}),
  public_key ${d.bytes} CHECK (length(public_key) BETWEEN 1 AND ${DEVICE_PUBLIC_KEY_BYTES_MAX}),
  bound_at ${d.int64} NOT NULL CHECK (bound_at >= 0),
  revoked_at ${d.int64} CHECK (revoked_at >= 0),
  PRIMARY KEY (user_id, device_id)
)${t};

CREATE TABLE sessions (
  token_hash TEXT NOT NULL PRIMARY KEY CHECK (${d.hex('token_hash', 64)}),
  user_id TEXT NOT NULL REFERENCES users (id),
  device_id TEXT,
  created_at ${d.int64} NOT NULL CHECK (created_at >= 0),
  expires_at ${d.int64} NOT NULL,
  revoked_at ${d.int64} CHECK (revoked_at >= 0),
  CONSTRAINT sessions_expiry_after_creation CHECK (expires_at > created_at),
  CONSTRAINT sessions_on_own_device FOREIGN KEY (user_id, device_id) REFERENCES devices (user_id, device_id)
)${t};
CREATE INDEX sessions_user ON sessions (user_id, device_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE merchants (
  id TEXT NOT NULL PRIMARY KEY CHECK (${d.hex('id', 32)}),
  owner_user_id TEXT NOT NULL REFERENCES users (id),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND ${MERCHANT_NAME_CHARS_MAX}),
  mcc TEXT NOT NULL CHECK (${d.digits('mcc', 4)}),
  city TEXT NOT NULL CHECK (length(city) BETWEEN 1 AND ${MERCHANT_CITY_CHARS_MAX}),
  region TEXT NOT NULL CHECK (length(region) BETWEEN 1 AND ${MERCHANT_REGION_CHARS_MAX}),
  settlement_account_id TEXT NOT NULL CHECK (${d.hex('settlement_account_id', 32)}),
  bank_account TEXT NOT NULL CHECK (length(bank_account) BETWEEN 6 AND 34),
  created_at ${d.int64} NOT NULL CHECK (created_at >= 0)
)${t};
CREATE INDEX merchants_owner ON merchants (owner_user_id, created_at);
CREATE UNIQUE INDEX merchants_settlement_account ON merchants (settlement_account_id);

CREATE TABLE payment_requests (
  id TEXT NOT NULL PRIMARY KEY CHECK (${d.hex('id', 32)}),
  merchant_id TEXT REFERENCES merchants (id),
  payee_user_id TEXT REFERENCES users (id),
  amount ${d.int64} NOT NULL CHECK (amount > 0),
  memo TEXT NOT NULL CHECK (length(memo) <= ${PAYMENT_MEMO_CHARS_MAX}),
  currency TEXT NOT NULL CHECK (${d.assetId('currency')}),
  ${d.boolColumn('one_time')},
  expires_at ${d.int64} NOT NULL,
  paid_tx_id TEXT CHECK (${d.hex('paid_tx_id', 32)}),
  created_at ${d.int64} NOT NULL CHECK (created_at >= 0),
  CONSTRAINT payment_requests_expiry_after_creation CHECK (expires_at > created_at),
  CONSTRAINT payment_requests_one_payee CHECK ((merchant_id IS NULL) <> (payee_user_id IS NULL)),
  CONSTRAINT payment_requests_paid_only_if_one_time CHECK (one_time OR paid_tx_id IS NULL),
  CONSTRAINT payment_requests_paid_tx_unique UNIQUE (paid_tx_id)${dialect === 'sqlite' ? `,\n  ${PAID_BY_OWN_PAYMENT_FK}` : ''}
)${t};
CREATE INDEX payment_requests_merchant ON payment_requests (merchant_id, created_at);

CREATE TABLE payments (
  tx_id TEXT NOT NULL PRIMARY KEY CHECK (${d.hex('tx_id', 32)}),
  payer_user_id TEXT NOT NULL REFERENCES users (id),
  payee_account_id TEXT NOT NULL CHECK (${d.hex('payee_account_id', 32)}),
  merchant_id TEXT REFERENCES merchants (id),
  payment_request_id TEXT REFERENCES payment_requests (id),
  refund_of TEXT REFERENCES payments (tx_id),
  authorization_of TEXT REFERENCES payments (tx_id),
  amount ${d.int64} NOT NULL CHECK (amount > 0),
  currency TEXT NOT NULL CHECK (${d.assetId('currency')}),
  kind TEXT NOT NULL CHECK (
    kind IN ('p2p', 'qr', 'paycode', 'topup', 'withdraw', 'authorize', 'capture', 'void', 'refund', 'payout')),
  memo TEXT NOT NULL CHECK (length(memo) <= ${PAYMENT_MEMO_CHARS_MAX}),
  payer_label TEXT NOT NULL CHECK (length(payer_label) BETWEEN 1 AND ${PAYMENT_LABEL_CHARS_MAX}),
  payee_label TEXT NOT NULL CHECK (length(payee_label) BETWEEN 1 AND ${PAYMENT_LABEL_CHARS_MAX}),
  status TEXT NOT NULL CHECK (status IN ('pending', 'final', 'refused')),
  code TEXT CHECK (length(code) BETWEEN 1 AND ${PAYMENT_CODE_CHARS_MAX}),
  ledger_height ${d.int64} CHECK (ledger_height >= 0),
  ledger_index ${d.int32} CHECK (ledger_index >= 0),
  refunded ${d.int64} NOT NULL CHECK (refunded >= 0),
  created_at ${d.int64} NOT NULL CHECK (created_at >= 0),
  updated_at ${d.int64} NOT NULL CHECK (updated_at >= 0),
  CONSTRAINT payments_refunded_within_amount CHECK (refunded <= amount),
  CONSTRAINT payments_refunds_only_of_merchant_payments CHECK (refunded = 0 OR kind IN ('qr', 'paycode', 'capture')),
  CONSTRAINT payments_position_iff_final CHECK ((status = 'final') = (ledger_height IS NOT NULL)),
  CONSTRAINT payments_height_iff_index CHECK ((ledger_height IS NULL) = (ledger_index IS NULL)),
  CONSTRAINT payments_merchant_iff_merchant_kind CHECK (
    (merchant_id IS NOT NULL) = (kind IN ('qr', 'paycode', 'authorize', 'capture', 'void', 'refund', 'payout'))),
  CONSTRAINT payments_refund_of_iff_refund CHECK ((refund_of IS NOT NULL) = (kind = 'refund')),
  CONSTRAINT payments_authorization_of_iff_capture_or_void CHECK (
    (authorization_of IS NOT NULL) = (kind IN ('capture', 'void'))),
  CONSTRAINT payments_code_iff_settled CHECK ((code IS NULL) = (status = 'pending')),
  CONSTRAINT payments_final_is_ok CHECK (status <> 'final' OR code = 'ok'),
  CONSTRAINT payments_request_only_for_qr CHECK (payment_request_id IS NULL OR kind IN ('qr', 'p2p')),
  CONSTRAINT payments_tx_request_unique UNIQUE (tx_id, payment_request_id),
  CONSTRAINT payments_tx_payer_unique UNIQUE (tx_id, payer_user_id)
)${t};
CREATE INDEX payments_payer ON payments (payer_user_id, created_at, tx_id);
CREATE INDEX payments_payee ON payments (payee_account_id, created_at, tx_id);
CREATE INDEX payments_merchant ON payments (merchant_id, created_at, tx_id);
CREATE INDEX payments_refund_of ON payments (refund_of);
CREATE INDEX payments_pending ON payments (created_at) WHERE status = 'pending';
${dialect === 'postgres' ? `ALTER TABLE payment_requests ADD ${PAID_BY_OWN_PAYMENT_FK};` : ''}

CREATE TABLE pay_codes (
  code_hash TEXT NOT NULL PRIMARY KEY CHECK (${d.hex('code_hash', 64)}),
  user_id TEXT NOT NULL REFERENCES users (id),
  created_at ${d.int64} NOT NULL CHECK (created_at >= 0),
  expires_at ${d.int64} NOT NULL,
  used_at ${d.int64} CHECK (used_at >= 0),
  used_by_tx TEXT CHECK (${d.hex('used_by_tx', 32)}),
  CONSTRAINT pay_codes_short_lived CHECK (expires_at > created_at AND expires_at - created_at <= ${PAY_CODE_LIFETIME_MS_MAX}),
  CONSTRAINT pay_codes_used_iff_tx CHECK ((used_at IS NULL) = (used_by_tx IS NULL)),
  CONSTRAINT pay_codes_used_by_tx_unique UNIQUE (used_by_tx),
  CONSTRAINT pay_codes_used_by_own_payment FOREIGN KEY (used_by_tx, user_id)
    REFERENCES payments (tx_id, payer_user_id) DEFERRABLE INITIALLY DEFERRED
)${t};
CREATE INDEX pay_codes_expires ON pay_codes (expires_at);

CREATE TABLE daily_spend (
  user_id TEXT NOT NULL REFERENCES users (id),
  day TEXT NOT NULL CHECK (${d.day('day')}),
  spent ${d.int64} NOT NULL CHECK (spent >= 0),
  PRIMARY KEY (user_id, day)
)${t};

CREATE TABLE idempotency_keys (
  scope TEXT NOT NULL CHECK (length(scope) BETWEEN 1 AND ${IDEMPOTENCY_SCOPE_CHARS_MAX}),
  idem_key TEXT NOT NULL CHECK (length(idem_key) BETWEEN 1 AND ${IDEMPOTENCY_KEY_CHARS_MAX}),
  request_hash TEXT NOT NULL CHECK (${d.hex('request_hash', 64)}),
  http_status ${d.int32} CHECK (http_status BETWEEN 100 AND 599),
  response_body TEXT CHECK (length(response_body) <= ${IDEMPOTENCY_RESPONSE_CHARS_MAX}),
  created_at ${d.int64} NOT NULL CHECK (created_at >= 0),
  completed_at ${d.int64} CHECK (completed_at >= 0),
  PRIMARY KEY (scope, idem_key),
  CONSTRAINT idempotency_keys_status_iff_body CHECK ((http_status IS NULL) = (response_body IS NULL)),
  CONSTRAINT idempotency_keys_status_iff_completed CHECK ((http_status IS NULL) = (completed_at IS NULL))
)${t};
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE webhook_endpoints (
  merchant_id TEXT NOT NULL PRIMARY KEY REFERENCES merchants (id),
  url TEXT NOT NULL CHECK (length(url) BETWEEN 8 AND ${WEBHOOK_URL_CHARS_MAX}),
  secret_sealed ${d.bytes} NOT NULL CHECK (length(secret_sealed) BETWEEN 1 AND ${WEBHOOK_SECRET_SEALED_BYTES_MAX}),
  created_at ${d.int64} NOT NULL CHECK (created_at >= 0),
  updated_at ${d.int64} NOT NULL CHECK (updated_at >= 0)
)${t};

CREATE TABLE webhook_deliveries (
  id TEXT NOT NULL PRIMARY KEY CHECK (${d.hex('id', 32)}),
  merchant_id TEXT NOT NULL REFERENCES merchants (id),
  event_json TEXT NOT NULL CHECK (length(event_json) BETWEEN 2 AND ${WEBHOOK_EVENT_CHARS_MAX}),
  attempts ${d.int32} NOT NULL CHECK (attempts >= 0),
  next_attempt_at ${d.int64} NOT NULL CHECK (next_attempt_at >= 0),
  delivered_at ${d.int64} CHECK (delivered_at >= 0),
  last_error TEXT CHECK (length(last_error) <= ${WEBHOOK_ERROR_CHARS_MAX}),
  created_at ${d.int64} NOT NULL CHECK (created_at >= 0)
)${t};
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE delivered_at IS NULL;
`;
}

/**
 * Issue 5: risk control's decision kept with each payment it let through, the payments it refused, the versions of
 * its rules, and the AML detectors' alerts with the regulator's cases and notes over them.
 *
 * - payments: the four risk columns are all null (a payment risk control does not score, and every row written
 *   before this migration) or all set. One partial index, `payments_risk` (decision, then time), holds only scored
 *   payments: the review queue is its `review` range read backwards, and the decision counts are three time ranges
 *   in it (an index on time first would serve the counts but make the queue scan every scored payment).
 * - aml_cases before aml_alerts, which refer to it. A case's alert_count is stored, set when the case is created:
 *   that is the only time alerts join a case (createCase checks that each alert it takes was in no case).
 * - aml_case_notes: seq 1, 2, 3… per case, the primary key with case_id, so two notes can never share a number.
 * - aml_alerts.id is binary text (COLLATE "C" on PostgreSQL) so alerts with equal detection times are paged in the
 *   same order on both backends.
 */
function riskAndAmlSchema(dialect: SqlDialect): string {
  const d = DDL[dialect];
  const t = d.tableSuffix;
  return `
ALTER TABLE payments ADD COLUMN risk_decision TEXT CHECK (risk_decision IN ('allow', 'review', 'step_up'));
ALTER TABLE payments ADD COLUMN risk_score_ppm ${d.int32} CHECK (risk_score_ppm BETWEEN 0 AND ${RISK_SCORE_PPM_MAX});
ALTER TABLE payments ADD COLUMN risk_reasons TEXT CHECK (
  length(risk_reasons) BETWEEN 2 AND ${RISK_REASONS_JSON_CHARS_MAX} AND (${d.jsonArray('risk_reasons', 0, RISK_REASONS_MAX)}));
ALTER TABLE payments ADD COLUMN risk_rule_set_version ${d.int32}
  CONSTRAINT payments_risk_rule_set_version_range CHECK (risk_rule_set_version BETWEEN 0 AND ${RISK_RULE_SET_VERSION_MAX})
  CONSTRAINT payments_risk_all_or_none CHECK (
    (risk_decision IS NULL) = (risk_score_ppm IS NULL) AND (risk_decision IS NULL) = (risk_reasons IS NULL)
    AND (risk_decision IS NULL) = (risk_rule_set_version IS NULL));
CREATE INDEX payments_risk ON payments (risk_decision, created_at, tx_id) WHERE risk_decision IS NOT NULL;

CREATE TABLE risk_refusals (
  id TEXT NOT NULL PRIMARY KEY CHECK (${d.hex('id', 32)}),
  user_id TEXT NOT NULL REFERENCES users (id),
  kind TEXT NOT NULL CHECK (
    kind IN ('p2p', 'qr', 'paycode', 'topup', 'withdraw', 'authorize', 'capture', 'void', 'refund', 'payout')),
  decision TEXT NOT NULL CHECK (decision IN ('block', 'step_up')),
  payee_account_id TEXT NOT NULL CHECK (${d.hex('payee_account_id', 32)}),
  merchant_id TEXT REFERENCES merchants (id),
  amount ${d.int64} NOT NULL CHECK (amount > 0),
  currency TEXT NOT NULL CHECK (${d.assetId('currency')}),
  score_ppm ${d.int32} NOT NULL CHECK (score_ppm BETWEEN 0 AND ${RISK_SCORE_PPM_MAX}),
  reasons TEXT NOT NULL CHECK (
    length(reasons) BETWEEN 2 AND ${RISK_REASONS_JSON_CHARS_MAX} AND (${d.jsonArray('reasons', 0, RISK_REASONS_MAX)})),
  rule_set_version ${d.int32} NOT NULL CHECK (rule_set_version BETWEEN 0 AND ${RISK_RULE_SET_VERSION_MAX}),
  created_at ${d.int64} NOT NULL CHECK (created_at >= 0),
  CONSTRAINT risk_refusals_merchant_iff_merchant_kind CHECK (
    (merchant_id IS NOT NULL) = (kind IN ('qr', 'paycode', 'authorize', 'capture', 'void', 'refund', 'payout')))
)${t};
CREATE INDEX risk_refusals_created ON risk_refusals (created_at, id);

CREATE TABLE risk_rule_sets (
  version ${d.int32} NOT NULL PRIMARY KEY CHECK (version BETWEEN 1 AND ${RISK_RULE_SET_VERSION_MAX}),
  rules_json TEXT NOT NULL CHECK (length(rules_json) BETWEEN 1 AND ${RISK_RULE_SET_CHARS_MAX} AND ${d.json('rules_json')}),
  author_user_id TEXT REFERENCES users (id),
  note TEXT NOT NULL CHECK (length(note) <= ${RISK_RULE_SET_NOTE_CHARS_MAX}),
  created_at ${d.int64} NOT NULL CHECK (created_at >= 0)
)${t};

CREATE TABLE aml_cases (
  id TEXT NOT NULL PRIMARY KEY CHECK (${d.hex('id', 32)}),
  title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND ${AML_CASE_TITLE_CHARS_MAX}),
  status TEXT NOT NULL CHECK (status IN ('open', 'assigned', 'closed')),
  assignee_user_id TEXT REFERENCES users (id),
  resolution TEXT CHECK (resolution IN ('reported', 'false_positive', 'no_action')),
  created_by_user_id TEXT NOT NULL REFERENCES users (id),
  alert_count ${d.int32} NOT NULL CHECK (alert_count BETWEEN 1 AND ${AML_CASE_ALERTS_MAX}),
  created_at ${d.int64} NOT NULL CHECK (created_at >= 0),
  updated_at ${d.int64} NOT NULL,
  closed_at ${d.int64},
  CONSTRAINT aml_cases_updated_after_creation CHECK (updated_at >= created_at),
  CONSTRAINT aml_cases_open_unassigned CHECK (status <> 'open' OR assignee_user_id IS NULL),
  CONSTRAINT aml_cases_assigned_has_assignee CHECK (status <> 'assigned' OR assignee_user_id IS NOT NULL),
  CONSTRAINT aml_cases_resolution_iff_closed CHECK ((status = 'closed') = (resolution IS NOT NULL)),
  CONSTRAINT aml_cases_closed_at_iff_closed CHECK ((status = 'closed') = (closed_at IS NOT NULL)),
  CONSTRAINT aml_cases_closed_after_creation CHECK (closed_at >= created_at AND closed_at <= updated_at)
)${t};
CREATE INDEX aml_cases_updated ON aml_cases (updated_at, id);
CREATE INDEX aml_cases_status ON aml_cases (status, updated_at, id);

CREATE TABLE aml_alerts (
  id ${d.binaryText} NOT NULL PRIMARY KEY CHECK (${d.alertId('id')}),
  pattern TEXT NOT NULL CHECK (length(pattern) BETWEEN 1 AND ${AML_PATTERN_CHARS_MAX}),
  score_ppm ${d.int32} NOT NULL CHECK (score_ppm BETWEEN 0 AND ${RISK_SCORE_PPM_MAX}),
  accounts TEXT NOT NULL CHECK (
    length(accounts) BETWEEN 2 AND ${AML_ALERT_ACCOUNTS_JSON_CHARS_MAX}
    AND (${d.jsonArray('accounts', 0, AML_ALERT_ACCOUNTS_MAX)})),
  tx_ids TEXT NOT NULL CHECK (
    length(tx_ids) BETWEEN 2 AND ${AML_ALERT_TXS_JSON_CHARS_MAX} AND (${d.jsonArray('tx_ids', 1, AML_ALERT_TXS_MAX)})),
  explanation TEXT NOT NULL CHECK (length(explanation) <= ${AML_EXPLANATION_CHARS_MAX}),
  window_start ${d.int64} NOT NULL CHECK (window_start >= 0),
  window_end ${d.int64} NOT NULL,
  detected_at ${d.int64} NOT NULL CHECK (detected_at >= 0),
  case_id TEXT REFERENCES aml_cases (id),
  CONSTRAINT aml_alerts_window_ordered CHECK (window_end >= window_start)
)${t};
CREATE INDEX aml_alerts_detected ON aml_alerts (detected_at, id);
CREATE INDEX aml_alerts_case ON aml_alerts (case_id, detected_at, id);
CREATE INDEX aml_alerts_pattern ON aml_alerts (pattern, detected_at, id);

CREATE TABLE aml_case_notes (
  case_id TEXT NOT NULL REFERENCES aml_cases (id),
  seq ${d.int32} NOT NULL CHECK (seq >= 1),
  author_user_id TEXT NOT NULL REFERENCES users (id),
  body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND ${AML_CASE_NOTE_CHARS_MAX}),
  created_at ${d.int64} NOT NULL CHECK (created_at >= 0),
  PRIMARY KEY (case_id, seq)
)${t};
`;
}

/**
 * Issue 6: programs this gateway funds (the names people read; rules and money are on the ledger) and the program a
 * QR payment was paid from. A program payment is a kind 'qr' payment and is never refunded (its money goes back to
 * the funder only by clawback or expiry): one column CHECK says both, as migration 2 does for its columns.
 */
function programsSchema(dialect: SqlDialect): string {
  const d = DDL[dialect];
  const t = d.tableSuffix;
  return `
ALTER TABLE payments ADD COLUMN program_id TEXT
  CONSTRAINT payments_program_only_unrefunded_qr CHECK (
    program_id IS NULL OR (${d.hex('program_id', 32)} AND kind = 'qr' AND refunded = 0));

CREATE TABLE programs (
  id TEXT NOT NULL PRIMARY KEY CHECK (${d.hex('id', 32)}),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND ${PROGRAM_NAME_CHARS_MAX}),
  purpose TEXT NOT NULL CHECK (length(purpose) <= ${PROGRAM_PURPOSE_CHARS_MAX}),
  funding_account_id TEXT NOT NULL UNIQUE CHECK (${d.hex('funding_account_id', 32)}),
  created_by_user_id TEXT NOT NULL REFERENCES users (id),
  created_at ${d.int64} NOT NULL CHECK (created_at >= 0)
)${t};
CREATE INDEX programs_created ON programs (created_at, id);
`;
}

/**
 * Issue 7: a payment paid in another currency through an FX quote (`fx.convert`): the quote, what the payer paid in
 * which asset, and the rate it was shown (`num/den`, exact). `amount` and `currency` stay what the payee received.
 * The four columns are set together or not at all, only for QR and person-to-person payments.
 */
function fxSchema(dialect: SqlDialect): string {
  const d = DDL[dialect];
  return `
ALTER TABLE payments ADD COLUMN fx_quote_id TEXT CHECK (${d.hex('fx_quote_id', 32)});
ALTER TABLE payments ADD COLUMN fx_paid_currency TEXT CHECK (${d.assetId('fx_paid_currency')});
ALTER TABLE payments ADD COLUMN fx_paid_amount ${d.int64} CHECK (fx_paid_amount > 0);
ALTER TABLE payments ADD COLUMN fx_rate TEXT
  CONSTRAINT payments_fx_together CHECK (
    (fx_rate IS NULL) = (fx_quote_id IS NULL) AND (fx_rate IS NULL) = (fx_paid_currency IS NULL)
    AND (fx_rate IS NULL) = (fx_paid_amount IS NULL)
    AND (fx_rate IS NULL OR (length(fx_rate) BETWEEN 3 AND 41 AND kind IN ('qr', 'p2p'))));
`;
}

/**
 * Ascending, contiguous from 1; append only once released (a released migration is never edited, nor any constant it
 * reads). Version 1 is released; versions 2 to 4 are not yet, and still change in place until they are.
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', sql: { sqlite: initialSchema('sqlite'), postgres: initialSchema('postgres') } },
  {
    version: 2,
    name: 'risk and aml',
    sql: { sqlite: riskAndAmlSchema('sqlite'), postgres: riskAndAmlSchema('postgres') },
  },
  { version: 3, name: 'programs', sql: { sqlite: programsSchema('sqlite'), postgres: programsSchema('postgres') } },
  { version: 4, name: 'fx', sql: { sqlite: fxSchema('sqlite'), postgres: fxSchema('postgres') } },
];

/** The newest schema this build knows. */
export const SCHEMA_VERSION = MIGRATIONS.length;

for (const [i, migration] of MIGRATIONS.entries()) {
  assert(
    migration.version === i + 1,
    `migration ${migration.name} is numbered ${migration.version}, expected ${i + 1}`,
  );
}
