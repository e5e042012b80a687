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
 */
import { assert } from '@paychain/core';
import {
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
  SEALED_KEY_BYTES_MAX,
  USER_PUBLIC_KEY_BYTES_MAX,
  WEBHOOK_ERROR_CHARS_MAX,
  WEBHOOK_EVENT_CHARS_MAX,
  WEBHOOK_SECRET_SEALED_BYTES_MAX,
  WEBHOOK_URL_CHARS_MAX,
} from './gateway-db.ts';
import type { SqlDialect } from './sql-backend.ts';

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
 * Ascending, contiguous from 1; append only once released (a released migration is never edited). Version 1 has not
 * been released yet: it still changes in place.
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', sql: { sqlite: initialSchema('sqlite'), postgres: initialSchema('postgres') } },
];

/** The newest schema this build knows. */
export const SCHEMA_VERSION = MIGRATIONS.length;

for (const [i, migration] of MIGRATIONS.entries()) {
  assert(
    migration.version === i + 1,
    `migration ${migration.name} is numbered ${migration.version}, expected ${i + 1}`,
  );
}
