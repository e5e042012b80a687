// Goal: every GatewayDb operation behaves the same on SQLite and PostgreSQL — the valid cases, each refusal with
// nothing changed, at-most-once under concurrent calls, exact 64-bit money, risk decisions and AML cases stored
// exactly, and migrations (once; newer refused; version 1 data carried to version 2).
// Method: one suite run by describe.each against a temp SQLite file (WAL, synchronous=FULL) and against the real
// PostgreSQL server in a fresh schema per run (skipped, saying why, when no server answers); a fixed clock; ids from
// a counter, so every run writes the same rows. Tests of lists and counts over a whole table use a fresh database.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AMOUNT_MAX, AssertionError } from '@paychain/core';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AML_ALERT_ACCOUNTS_MAX,
  AML_ALERT_TXS_MAX,
  AML_CASE_ALERTS_MAX,
  type AmlAlert,
  type AmlAlertCursor,
  type AmlAlertFilter,
  type AmlCase,
  type AmlCaseCursor,
  type AmlCaseStatus,
  type CaseChangeResult,
  type GatewayDb,
  type GatewayDbBackend,
  GatewayDbError,
  type GatewayDbErrorCode,
  type KeyMode,
  type NewAmlAlert,
  type NewPayment,
  type PaymentRisk,
  type ProgramRecord,
  RISK_REASON_CHARS_MAX,
  RISK_REASONS_MAX,
  RISK_RULE_SET_CHARS_MAX,
  type RiskPassDecision,
  type RiskRefusal,
  type RiskRefusalCursor,
  type StoredRuleSet,
  type User,
  WEBHOOK_DELIVERY_ATTEMPTS_MAX,
  WEBHOOK_DELIVERY_LEASE_MS,
  WEBHOOK_ERROR_CHARS_MAX,
} from './gateway-db.ts';
import { openGatewayDb, parseGatewayDbSpec } from './open-db.ts';
import { openPostgresGatewayDb } from './postgres-db.ts';
import {
  AML_ALERT_REF_CHARS_MAX,
  MIGRATIONS,
  RISK_RULE_SET_VERSION_MAX,
  RISK_SCORE_PPM_MAX,
  SCHEMA_VERSION,
  schemaVersionTableSql,
} from './schema.ts';
import { isPostgresReachable, TEST_POSTGRES_URL } from './test-postgres.ts';

const PG_URL = TEST_POSTGRES_URL;
/** Fixed clock: 2025-06-15T15:06:40Z. */
const T0 = 1_750_000_000_000;
const HOUR_MS = 3_600_000;
/** Concurrent callers in the at-most-once tests; below the pool's POSTGRES_POOL_SIZE_DEFAULT, so all truly overlap. */
const RACERS = 8;
/** Names every database of this run: parallel runs never share a file or a schema. */
const RUN_TAG = randomBytes(6).toString('hex');
/** Pages a paging test reads at most, so a cursor that never advances fails instead of looping. */
const PAGES_MAX = 50;
const ALL_VERSIONS = MIGRATIONS.map((migration) => migration.version);

const pgReachable = await isPostgresReachable(PG_URL);

/** What the shared suite needs from each backend besides GatewayDb itself. */
interface Harness {
  readonly name: GatewayDbBackend;
  /** Null when the backend can run here; otherwise why not. */
  readonly skipReason: string | null;
  /** Opens database `tag` (fresh the first time; lowercase letters and digits). */
  open(tag: string): Promise<GatewayDb>;
  /** Records a schema version directly, as a newer build would have. */
  forceSchemaVersion(tag: string, version: number): Promise<void>;
  /** Runs SQL text directly on database `tag` (made if missing), as an older build or another tool would. */
  execRaw(tag: string, sql: string): Promise<void>;
  /** A literal of these bytes (hex) in the backend's SQL. */
  bytesLiteral(hex: string): string;
  /** Removes every database this harness made. */
  cleanup(): Promise<void>;
}

function createSqliteHarness(): Harness {
  let dir: string | null = null;
  const pathOf = (tag: string): string => {
    dir ??= mkdtempSync(join(tmpdir(), `paychain-gw-${RUN_TAG}-`));
    return join(dir, `${tag}.sqlite`);
  };
  return {
    name: 'sqlite',
    skipReason: null,
    open: (tag) => openGatewayDb(`sqlite:${pathOf(tag)}`),
    forceSchemaVersion: async (tag, version) => {
      const raw = new Database(pathOf(tag));
      try {
        raw.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (?, 'future', 0)").run(version);
      } finally {
        raw.close();
      }
    },
    execRaw: async (tag, sql) => {
      const raw = new Database(pathOf(tag));
      try {
        raw.exec(sql);
      } finally {
        raw.close();
      }
    },
    bytesLiteral: (hex) => `X'${hex}'`,
    cleanup: async () => {
      if (dir !== null) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function createPostgresHarness(): Harness {
  const schemas = new Set<string>();
  const schemaOf = (tag: string): string => {
    const schema = `paychain_gw_${RUN_TAG}_${tag}`;
    expect(schema).toMatch(/^[a-z0-9_]+$/);
    schemas.add(schema);
    return schema;
  };
  const withAdmin = async (fn: (admin: Client) => Promise<void>): Promise<void> => {
    const admin = new Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await fn(admin);
    } finally {
      await admin.end();
    }
  };
  return {
    name: 'postgres',
    skipReason: pgReachable ? null : `no PostgreSQL server answers at ${PG_URL} (set PAYCHAIN_TEST_POSTGRES_URL)`,
    open: (tag) => openGatewayDb(PG_URL, { postgresSchema: schemaOf(tag) }),
    forceSchemaVersion: (tag, version) =>
      withAdmin(async (admin) => {
        await admin.query(
          `INSERT INTO ${schemaOf(tag)}.schema_version (version, name, applied_at) VALUES ($1, 'future', 0)`,
          [version],
        );
      }),
    execRaw: (tag, sql) =>
      withAdmin(async (admin) => {
        const schema = schemaOf(tag);
        await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}; ${sql}`);
      }),
    bytesLiteral: (hex) => `'\\x${hex}'::bytea`,
    cleanup: () =>
      withAdmin(async (admin) => {
        for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      }),
  };
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (error: unknown) => error,
  );
}

async function expectDbError(promise: Promise<unknown>, code: GatewayDbErrorCode): Promise<GatewayDbError> {
  const error = await errorOf(promise);
  if (!(error instanceof GatewayDbError)) throw new Error(`expected GatewayDbError ${code}, got ${String(error)}`);
  expect(error.code).toBe(code);
  return error;
}

function countOf<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  return items.filter(predicate).length;
}

/** Newest first, equal times by id descending (byte order, as both backends compare these ids). */
function newestFirst<T>(items: readonly T[], timeOf: (item: T) => number, idOf: (item: T) => string): T[] {
  return [...items].sort((a, b) => {
    const [idA, idB] = [idOf(a), idOf(b)];
    return timeOf(b) - timeOf(a) || (idA < idB ? 1 : idA > idB ? -1 : 0);
  });
}

/** Every item of a newest-first list, read `limit` at a time, each page after the last item of the page before. */
async function readAllPages<T, C>(
  limit: number,
  list: (before: C | null) => Promise<readonly T[]>,
  cursorOf: (item: T) => C,
): Promise<T[]> {
  const all: T[] = [];
  let before: C | null = null;
  for (let page = 0; page < PAGES_MAX; page++) {
    const items = await list(before);
    expect(items.length).toBeLessThanOrEqual(limit);
    const last = items[items.length - 1];
    if (last === undefined) return all;
    all.push(...items);
    before = cursorOf(last);
  }
  throw new Error(`more than ${PAGES_MAX} pages`);
}

describe.each([createSqliteHarness(), createPostgresHarness()])('GatewayDb on $name', (harness) => {
  describe.skipIf(harness.skipReason !== null)(harness.skipReason ?? 'shared suite', () => {
    let db: GatewayDb;
    let counter = 0;
    /** 128-bit ids and 256-bit hashes from one counter: unique within the run, the same every run. */
    const nextId = (): string => (++counter).toString(16).padStart(32, '0');
    const nextHash = (): string => (++counter).toString(16).padStart(64, '0');
    const nextPhone = (): string => `+86138${String(++counter).padStart(8, '0')}`;

    beforeAll(async () => {
      db = await harness.open('main');
      await db.migrate(T0);
    });

    afterAll(async () => {
      await db?.close();
      await harness.cleanup();
    });

    async function newUser(keyMode: KeyMode = 'browser', on: GatewayDb = db): Promise<User> {
      const user = {
        id: nextId(),
        phone: nextPhone(),
        passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
        kycTier: 2 as const,
        ledgerAccountId: nextId(),
        keyMode,
        publicKey: new Uint8Array(32).fill(7),
        sealedKey: keyMode === 'custodial' ? new Uint8Array([1, 2, 3, 255]) : null,
        createdAtMs: T0,
      };
      await on.createUser(user);
      return { ...user, status: 'active', role: 'user' };
    }

    async function newMerchant(ownerUserId: string, on: GatewayDb = db): Promise<string> {
      const id = nextId();
      await on.createMerchant({
        id,
        ownerUserId,
        name: '老王面馆 Noodles',
        mcc: '5812',
        city: '上海',
        region: 'SH',
        settlementAccountId: nextId(),
        bankAccount: '6222 0210 0112 3456',
        createdAtMs: T0,
      });
      return id;
    }

    function payment(fields: Partial<NewPayment> & Pick<NewPayment, 'payerUserId'>): NewPayment {
      return {
        txId: nextId(),
        payeeAccountId: nextId(),
        merchantId: null,
        paymentRequestId: null,
        authorizationOf: null,
        programId: null,
        fx: null,
        amount: 100n,
        currency: 'CNY',
        kind: 'p2p',
        memo: '',
        payerLabel: '+8613800000001',
        payeeLabel: '老王面馆 Noodles',
        risk: null,
        createdAtMs: T0,
        ...fields,
      };
    }

    /** A final merchant payment of `amount` from a fresh payer to a fresh merchant. */
    async function finalMerchantPayment(amount: bigint): Promise<{ txId: string; payer: User; merchantId: string }> {
      const payer = await newUser();
      const owner = await newUser();
      const merchantId = await newMerchant(owner.id);
      const p = payment({ payerUserId: payer.id, merchantId, kind: 'qr', amount });
      await db.insertPayment(p);
      expect(await db.markPaymentFinal(p.txId, 7n, 0, T0 + 1)).toBe(true);
      return { txId: p.txId, payer, merchantId };
    }

    /** A fresh, migrated database `tag`, for tests that list or count a whole table; closed after fn. */
    async function withFreshDb(tag: string, fn: (fresh: GatewayDb) => Promise<void>): Promise<void> {
      const fresh = await harness.open(tag);
      try {
        await fresh.migrate(T0);
        await fn(fresh);
      } finally {
        await fresh.close();
      }
    }

    describe('migrations', () => {
      it('applies the migrations once: a second run is a no-op', async () => {
        const fresh = await harness.open('fresh');
        try {
          expect(await fresh.schemaVersion()).toBe(0);
          const first = await fresh.migrate(T0);
          expect(first).toEqual({ fromVersion: 0, toVersion: SCHEMA_VERSION, applied: ALL_VERSIONS });
          const second = await fresh.migrate(T0 + 1);
          expect(second).toEqual({ fromVersion: SCHEMA_VERSION, toVersion: SCHEMA_VERSION, applied: [] });
          expect(await fresh.schemaVersion()).toBe(SCHEMA_VERSION);
        } finally {
          await fresh.close();
        }
      });

      it('refuses a database written by a newer build, on open and on migrate', async () => {
        const current = await harness.open('future');
        try {
          await current.migrate(T0);
          await harness.forceSchemaVersion('future', SCHEMA_VERSION + 1);
          const error = await expectDbError(current.migrate(T0), 'db_schema');
          expect(error.message).toContain(`version ${SCHEMA_VERSION + 1}`);
        } finally {
          await current.close();
        }
        await expectDbError(harness.open('future'), 'db_schema');
      });

      it('migrates a version 1 database with a payment to the newest version: the payment is kept, with no risk and no program', async () => {
        const tag = 'version1';
        const dialect = harness.name;
        const initial = MIGRATIONS[0];
        if (initial === undefined) throw new Error('migration 1 is missing');
        const [payerId, payeeAccountId, txId, phone] = [nextId(), nextId(), nextId(), nextPhone()];
        // Written as the version 1 build did: its schema and its statements, no risk columns anywhere.
        await harness.execRaw(
          tag,
          `${schemaVersionTableSql(dialect)};
          ${initial.sql[dialect]}
          INSERT INTO schema_version (version, name, applied_at) VALUES (1, 'initial', ${T0});
          INSERT INTO users (id, phone, password_hash, kyc_tier, ledger_account_id, key_mode, public_key, sealed_key,
            status, role, created_at)
          VALUES ('${payerId}', '${phone}', NULL, 2, '${nextId()}', 'browser', ${harness.bytesLiteral('0707')}, NULL,
            'active', 'user', ${T0});
          INSERT INTO payments (tx_id, payer_user_id, payee_account_id, merchant_id, payment_request_id, refund_of,
            authorization_of, amount, currency, kind, memo, payer_label, payee_label, status, code, ledger_height,
            ledger_index, refunded, created_at, updated_at)
          VALUES ('${txId}', '${payerId}', '${payeeAccountId}', NULL, NULL, NULL, NULL, ${AMOUNT_MAX}, 'CNY', 'p2p',
            'rent', '${phone}', '+8613900000009', 'final', 'ok', 5, 0, 0, ${T0}, ${T0 + 1});`,
        );
        const old = await harness.open(tag);
        try {
          expect(await old.schemaVersion()).toBe(1);
          expect(await old.migrate(T0 + 2)).toEqual({
            fromVersion: 1,
            toVersion: SCHEMA_VERSION,
            applied: ALL_VERSIONS.filter((version) => version > 1),
          });
          expect(await old.getPayment(txId)).toEqual({
            txId,
            payerUserId: payerId,
            payeeAccountId,
            merchantId: null,
            paymentRequestId: null,
            refundOf: null,
            authorizationOf: null,
            amount: AMOUNT_MAX,
            currency: 'CNY',
            kind: 'p2p',
            memo: 'rent',
            payerLabel: phone,
            payeeLabel: '+8613900000009',
            status: 'final',
            code: 'ok',
            ledgerHeight: 5n,
            ledgerIndex: 0,
            refunded: 0n,
            risk: null,
            programId: null,
            fx: null,
            createdAtMs: T0,
            updatedAtMs: T0 + 1,
          });
          const risk: PaymentRisk = {
            decision: 'review',
            scorePpm: 510_000,
            reasons: ['new payee'],
            ruleSetVersion: 1,
          };
          const scored = payment({ payerUserId: payerId, risk, createdAtMs: T0 + 3 });
          await old.insertPayment(scored);
          expect((await old.getPayment(scored.txId))?.risk).toEqual(risk);
          expect((await old.listReviewPayments(10, null)).items.map((p) => p.txId)).toEqual([scored.txId]);
        } finally {
          await old.close();
        }
        // The four risk columns are all null or all set, whoever writes the row.
        await expect(
          harness.execRaw(tag, `UPDATE payments SET risk_decision = 'allow' WHERE tx_id = '${txId}'`),
        ).rejects.toThrow(/payments_risk_all_or_none/);
      });
    });

    describe('users', () => {
      it('creates a user and reads it by id and by phone, bytes and all', async () => {
        const user = await newUser('custodial');
        expect(await db.getUserById(user.id)).toEqual(user);
        expect(await db.getUserByPhone(user.phone)).toEqual(user);
        expect(await db.getUserById(nextId())).toBeNull();
        expect(await db.getUserByPhone('+8613900000000')).toBeNull();
      });

      it('changes tier, status and key; unknown ids change nothing', async () => {
        const user = await newUser('custodial');
        expect(await db.setUserKycTier(user.id, 3)).toBe(true);
        expect(await db.setUserStatus(user.id, 'frozen')).toBe(true);
        expect(await db.setUserKey(user.id, 'browser', new Uint8Array(32).fill(8), null)).toBe(true);
        expect(await db.setUserRole(user.id, 'ops')).toBe(true);
        expect(await db.getUserById(user.id)).toEqual({
          ...user,
          kycTier: 3,
          status: 'frozen',
          keyMode: 'browser',
          publicKey: new Uint8Array(32).fill(8),
          sealedKey: null,
          role: 'ops',
        });
        expect(await db.setUserKey(user.id, 'custodial', new Uint8Array(32).fill(9), new Uint8Array([9]))).toBe(true);
        expect((await db.getUserById(user.id))?.sealedKey).toEqual(new Uint8Array([9]));
        expect(await db.setUserRole(nextId(), 'ops')).toBe(false);
        expect(await db.setUserKycTier(nextId(), 1)).toBe(false);
        expect(await db.setUserStatus(nextId(), 'active')).toBe(false);
      });

      it('refuses a second user with the same phone (db_phone_taken) and keeps the first', async () => {
        const user = await newUser();
        const twin = { ...user, id: nextId(), ledgerAccountId: nextId() };
        await expectDbError(db.createUser(twin), 'db_phone_taken');
        expect(await db.getUserById(twin.id)).toBeNull();
        expect(await db.getUserByPhone(user.phone)).toEqual(user);
      });

      it('refuses a second user with the same id (db_duplicate)', async () => {
        const user = await newUser();
        await expectDbError(db.createUser({ ...user, phone: nextPhone(), ledgerAccountId: nextId() }), 'db_duplicate');
      });

      it('refuses a sealed key for a browser key (a bug: assertion)', async () => {
        const user = { ...(await newUser()), id: nextId(), phone: nextPhone(), ledgerAccountId: nextId() };
        await expect(db.createUser({ ...user, sealedKey: new Uint8Array([1]) })).rejects.toThrow(AssertionError);
      });
    });

    describe('passkeys', () => {
      it('stores passkeys per user, finds them by credential id, keeps the counter; a second copy is db_duplicate', async () => {
        const user = await newUser();
        const passkey = {
          credentialId: `cred-${nextId()}`,
          userId: user.id,
          publicKey: new Uint8Array([0xa5, 1, 2, 3]),
          counter: 0,
          transports: 'internal,hybrid',
          createdAtMs: T0,
        };
        await db.addPasskey(passkey);
        expect(await db.getPasskey(passkey.credentialId)).toEqual(passkey);
        expect(await db.listPasskeys(user.id)).toEqual([passkey]);
        expect(await db.setPasskeyCounter(passkey.credentialId, 7)).toBe(true);
        expect((await db.getPasskey(passkey.credentialId))?.counter).toBe(7);
        expect(await db.setPasskeyCounter('cred-unknown', 1)).toBe(false);
        expect(await db.getPasskey('cred-unknown')).toBeNull();
        await expectDbError(db.addPasskey(passkey), 'db_duplicate');
        await expectDbError(db.addPasskey({ ...passkey, credentialId: 'cred-x', userId: nextId() }), 'db_reference');
      });

      it('keeps a passkey-only user, who has no password hash', async () => {
        const user = { ...(await newUser()), id: nextId(), phone: nextPhone(), ledgerAccountId: nextId() };
        await db.createUser({ ...user, passwordHash: null });
        expect((await db.getUserById(user.id))?.passwordHash).toBeNull();
      });
    });

    describe('devices and sessions', () => {
      it('binds a device once, lists it, revokes it with its sessions, and binds it again', async () => {
        const user = await newUser();
        const deviceId = nextId();
        const device = { userId: user.id, deviceId, label: 'iPhone 15', publicKey: new Uint8Array(65).fill(4) };
        expect(await db.bindDevice({ ...device, boundAtMs: T0 })).toBe('bound');
        expect(await db.bindDevice({ ...device, label: 'other', boundAtMs: T0 + 1 })).toBe('already_bound');
        expect(await db.listDevices(user.id)).toEqual([{ ...device, boundAtMs: T0, revokedAtMs: null }]);

        const tokenHash = nextHash();
        await db.createSession({ tokenHash, userId: user.id, deviceId, createdAtMs: T0, expiresAtMs: T0 + HOUR_MS });
        expect(await db.findSession(tokenHash, T0 + 1)).not.toBeNull();

        expect(await db.revokeDevice(user.id, deviceId, T0 + 10)).toBe(true);
        expect(await db.revokeDevice(user.id, deviceId, T0 + 11)).toBe(false);
        expect((await db.getDevice(user.id, deviceId))?.revokedAtMs).toBe(T0 + 10);
        expect(await db.findSession(tokenHash, T0 + 12)).toBeNull();

        expect(await db.bindDevice({ ...device, label: 'iPhone 16', boundAtMs: T0 + 20 })).toBe('bound');
        expect(await db.getDevice(user.id, deviceId)).toEqual({
          ...device,
          label: 'iPhone 16',
          boundAtMs: T0 + 20,
          revokedAtMs: null,
        });
        expect(await db.findSession(tokenHash, T0 + 21)).toBeNull();
        expect(await db.revokeDevice(user.id, nextId(), T0)).toBe(false);
      });

      it('finds a live session and not one that expired or was revoked', async () => {
        const user = await newUser();
        const live = nextHash();
        const revoked = nextHash();
        const expiresAtMs = T0 + HOUR_MS;
        for (const tokenHash of [live, revoked]) {
          await db.createSession({ tokenHash, userId: user.id, deviceId: null, createdAtMs: T0, expiresAtMs });
        }
        expect(await db.findSession(live, expiresAtMs - 1)).toEqual({
          tokenHash: live,
          userId: user.id,
          deviceId: null,
          createdAtMs: T0,
          expiresAtMs,
          revokedAtMs: null,
        });
        expect(await db.findSession(live, expiresAtMs)).toBeNull();
        expect(await db.revokeSession(revoked, T0 + 5)).toBe(true);
        expect(await db.revokeSession(revoked, T0 + 6)).toBe(false);
        expect(await db.findSession(revoked, T0 + 7)).toBeNull();
        expect(await db.findSession(nextHash(), T0)).toBeNull();
      });

      it('revokes all of a user’s live sessions (logout everywhere)', async () => {
        const user = await newUser();
        const hashes = [nextHash(), nextHash(), nextHash()];
        for (const tokenHash of hashes) {
          await db.createSession({ tokenHash, userId: user.id, deviceId: null, createdAtMs: T0, expiresAtMs: T0 + 99 });
        }
        expect(await db.revokeUserSessions(user.id, T0 + 1)).toBe(3);
        expect(await db.revokeUserSessions(user.id, T0 + 2)).toBe(0);
        for (const tokenHash of hashes) expect(await db.findSession(tokenHash, T0 + 3)).toBeNull();
      });

      it('refuses a session on another user’s device or for an unknown user (db_reference)', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const deviceId = nextId();
        await db.bindDevice({ userId: alice.id, deviceId, label: 'phone', publicKey: null, boundAtMs: T0 });
        const session = { tokenHash: nextHash(), deviceId, createdAtMs: T0, expiresAtMs: T0 + 1 };
        await expectDbError(db.createSession({ ...session, userId: bob.id }), 'db_reference');
        await expectDbError(db.createSession({ ...session, userId: nextId(), deviceId: null }), 'db_reference');
      });
    });

    describe('merchants', () => {
      it('creates, reads and lists merchants by owner; an unknown owner is db_reference', async () => {
        const owner = await newUser();
        const first = await newMerchant(owner.id);
        const second = await newMerchant(owner.id);
        const merchant = await db.getMerchant(first);
        expect(merchant).toEqual({
          id: first,
          ownerUserId: owner.id,
          name: '老王面馆 Noodles',
          mcc: '5812',
          city: '上海',
          region: 'SH',
          settlementAccountId: merchant?.settlementAccountId,
          bankAccount: '6222 0210 0112 3456',
          createdAtMs: T0,
        });
        expect((await db.listMerchantsByOwner(owner.id)).map((m) => m.id)).toEqual([first, second].sort());
        expect(await db.getMerchant(nextId())).toBeNull();
        expect(await db.getMerchantBySettlementAccount(merchant?.settlementAccountId ?? '')).toEqual(merchant);
        expect(await db.getMerchantBySettlementAccount(nextId())).toBeNull();
        await expectDbError(newMerchant(nextId()), 'db_reference');
      });

      it('looks up merchants and users by many ledger accounts at once, leaving unknown ids out', async () => {
        const owner = await newUser();
        const merchants = await Promise.all([newMerchant(owner.id), newMerchant(owner.id)]);
        const accounts = await Promise.all(
          merchants.map(async (id) => (await db.getMerchant(id))?.settlementAccountId),
        );
        const known = accounts.filter((a): a is string => a !== undefined);
        const found = await db.getMerchantsBySettlementAccounts([...known, nextId()]);
        expect(found.map((m) => m.id).sort()).toEqual([...merchants].sort());
        expect(await db.getMerchantsBySettlementAccounts([])).toEqual([]);
        const users = await db.getUsersByLedgerAccounts([owner.ledgerAccountId, nextId(), ...known]);
        expect(users).toEqual([owner]);
      });
    });

    describe('payment requests (dynamic QR)', () => {
      it("records a user's request for money, paid by a P2P payment; a request names one payee", async () => {
        const payee = await newUser();
        const payer = await newUser();
        expect(await db.getUserByLedgerAccount(payee.ledgerAccountId)).toEqual(payee);
        expect(await db.getUserByLedgerAccount(nextId())).toBeNull();
        const request = {
          id: nextId(),
          merchantId: null,
          payeeUserId: payee.id,
          amount: 500n,
          memo: 'lunch 午饭',
          currency: 'CNY',
          oneTime: true,
          expiresAtMs: T0 + HOUR_MS,
          createdAtMs: T0,
        };
        await db.createPaymentRequest(request);
        expect(await db.getPaymentRequest(request.id)).toEqual({ ...request, paidTxId: null });
        const p = payment({
          payerUserId: payer.id,
          payeeAccountId: payee.ledgerAccountId,
          paymentRequestId: request.id,
          kind: 'p2p',
        });
        const paid = await db.transaction(async (tx) => {
          await tx.insertPayment(p);
          return tx.markPaymentRequestPaid(request.id, p.txId, T0 + 1);
        });
        expect(paid.ok).toBe(true);
        const merchantId = await newMerchant(payee.id);
        await expect(db.createPaymentRequest({ ...request, id: nextId(), merchantId })).rejects.toThrow(
          'a request pays a merchant or a user',
        );
      });

      async function newRequest(oneTime: boolean, expiresAtMs = T0 + HOUR_MS) {
        const owner = await newUser();
        const merchantId = await newMerchant(owner.id);
        const request = {
          id: nextId(),
          merchantId,
          payeeUserId: null,
          amount: 1234n,
          memo: '',
          currency: 'CNY',
          oneTime,
          expiresAtMs,
          createdAtMs: T0,
        };
        await db.createPaymentRequest(request);
        return request;
      }

      /** Records a pending QR payment of the request and marks the request paid by it, in one transaction. */
      async function pay(requestId: string, merchantId: string, nowMs: number) {
        const payer = await newUser();
        const p = payment({ payerUserId: payer.id, merchantId, paymentRequestId: requestId, kind: 'qr' });
        return db.transaction(async (tx) => {
          await tx.insertPayment(p);
          return { txId: p.txId, result: await tx.markPaymentRequestPaid(requestId, p.txId, nowMs) };
        });
      }

      it('marks a one-time request paid once; a second payment is refused', async () => {
        const request = await newRequest(true);
        expect(await db.getPaymentRequest(request.id)).toEqual({ ...request, paidTxId: null });
        const first = await pay(request.id, request.merchantId, T0 + 1);
        expect(first.result).toEqual({ ok: true, request: { ...request, paidTxId: first.txId } });
        const second = await pay(request.id, request.merchantId, T0 + 2);
        expect(second.result).toEqual({ ok: false, reason: 'already_paid' });
        expect((await db.getPaymentRequest(request.id))?.paidTxId).toBe(first.txId);
      });

      it('refuses an expired request and an unknown one, changing nothing', async () => {
        const request = await newRequest(true, T0 + 100);
        expect((await pay(request.id, request.merchantId, T0 + 100)).result).toEqual({ ok: false, reason: 'expired' });
        expect((await db.getPaymentRequest(request.id))?.paidTxId).toBeNull();
        expect(await db.markPaymentRequestPaid(nextId(), nextId(), T0)).toEqual({ ok: false, reason: 'not_found' });
      });

      it('lets a reusable request be paid many times until it expires', async () => {
        const request = await newRequest(false, T0 + 100);
        for (const nowMs of [T0 + 1, T0 + 2]) {
          expect((await pay(request.id, request.merchantId, nowMs)).result).toEqual({
            ok: true,
            request: { ...request, paidTxId: null },
          });
        }
        expect((await pay(request.id, request.merchantId, T0 + 100)).result).toEqual({ ok: false, reason: 'expired' });
      });

      it('refuses marking it paid by a payment not recorded for it (deferred key, db_reference)', async () => {
        const request = await newRequest(true);
        await expectDbError(db.markPaymentRequestPaid(request.id, nextId(), T0 + 1), 'db_reference');
        expect((await db.getPaymentRequest(request.id))?.paidTxId).toBeNull();
      });

      it('has exactly one winner among concurrent payments', async () => {
        const request = await newRequest(true);
        const payer = await newUser();
        const txIds: string[] = [];
        for (let i = 0; i < RACERS; i++) {
          const p = payment({
            payerUserId: payer.id,
            merchantId: request.merchantId,
            paymentRequestId: request.id,
            kind: 'qr',
          });
          await db.insertPayment(p);
          txIds.push(p.txId);
        }
        const results = await Promise.all(txIds.map((txId) => db.markPaymentRequestPaid(request.id, txId, T0 + 1)));
        expect(countOf(results, (r) => r.ok)).toBe(1);
        expect(countOf(results, (r) => !r.ok && r.reason === 'already_paid')).toBe(RACERS - 1);
        const winner = txIds[results.findIndex((r) => r.ok)];
        expect((await db.getPaymentRequest(request.id))?.paidTxId).toBe(winner);
      });

      it('becomes payable again when the ledger refuses the payment that took it', async () => {
        const request = await newRequest(true);
        const first = await pay(request.id, request.merchantId, T0 + 1);
        expect(await db.markPaymentRefused(first.txId, 'insufficient_funds', T0 + 2)).toBe(true);
        expect((await db.getPaymentRequest(request.id))?.paidTxId).toBeNull();
        const second = await pay(request.id, request.merchantId, T0 + 3);
        expect(second.result.ok).toBe(true);
        expect((await db.getPaymentRequest(request.id))?.paidTxId).toBe(second.txId);
      });
    });

    describe('pay codes', () => {
      async function newCode(userId: string, expiresAtMs = T0 + 60_000): Promise<string> {
        const codeHash = nextHash();
        await db.createPayCode({ codeHash, userId, createdAtMs: T0, expiresAtMs });
        return codeHash;
      }

      /** Uses the code and records the payment it pays, in one transaction, as the API does. */
      async function useAndPay(codeHash: string, payerUserId: string, nowMs: number) {
        const p = payment({ payerUserId, merchantId: await newMerchant(payerUserId), kind: 'paycode' });
        return db.transaction(async (tx) => {
          const result = await tx.usePayCode(codeHash, nowMs, p.txId);
          if (result.ok) await tx.insertPayment({ ...p, payerUserId: result.userId });
          return result;
        });
      }

      it('uses a code once; the second use and an unknown code are refused', async () => {
        const user = await newUser();
        const codeHash = await newCode(user.id);
        expect(await db.getPayCode(codeHash)).toMatchObject({ userId: user.id, usedAtMs: null, usedByTxId: null });
        expect(await useAndPay(codeHash, user.id, T0 + 1)).toEqual({ ok: true, userId: user.id });
        expect(await db.getPayCode(codeHash)).toMatchObject({ userId: user.id, usedAtMs: T0 + 1 });
        expect(await db.getPayCode(nextHash())).toBeNull();
        expect(await useAndPay(codeHash, user.id, T0 + 2)).toEqual({ ok: false, reason: 'used' });
        expect(await useAndPay(nextHash(), user.id, T0 + 3)).toEqual({ ok: false, reason: 'not_found' });
      });

      it('refuses a code at and after its expiry', async () => {
        const user = await newUser();
        const codeHash = await newCode(user.id, T0 + 30_000);
        expect(await useAndPay(codeHash, user.id, T0 + 30_000)).toEqual({ ok: false, reason: 'expired' });
        expect(await useAndPay(codeHash, user.id, T0 + 29_999)).toEqual({ ok: true, userId: user.id });
      });

      it('refuses a code that lives longer than 60 s (a bug: assertion)', async () => {
        const user = await newUser();
        await expect(newCode(user.id, T0 + 60_001)).rejects.toThrow(AssertionError);
      });

      it('refuses a code marked used by a payment of another payer (deferred key, db_reference)', async () => {
        const [owner, other] = [await newUser(), await newUser()];
        const codeHash = await newCode(owner.id);
        const p = payment({ payerUserId: other.id, merchantId: await newMerchant(other.id), kind: 'paycode' });
        await db.insertPayment(p);
        await expectDbError(db.usePayCode(codeHash, T0 + 1, p.txId), 'db_reference');
        expect(await useAndPay(codeHash, owner.id, T0 + 2)).toEqual({ ok: true, userId: owner.id });
      });

      it('fails only the faulty write among concurrent ones (a deferred key checked at commit)', async () => {
        const [owner, other] = [await newUser(), await newUser()];
        const codeHash = await newCode(owner.id);
        const p = payment({ payerUserId: other.id, merchantId: await newMerchant(other.id), kind: 'paycode' });
        await db.insertPayment(p);
        const fresh = Array.from({ length: 20 }, () => payment({ payerUserId: owner.id }));
        // Issued together, so the SQLite backend commits them as one group; on PostgreSQL they run on several
        // connections. Either way only the faulty one fails.
        const results = await Promise.allSettled([
          ...fresh.map((f) => db.insertPayment(f)),
          db.usePayCode(codeHash, T0 + 1, p.txId),
        ]);
        const faulty = results[fresh.length];
        expect(faulty?.status).toBe('rejected');
        expect(faulty?.status === 'rejected' ? faulty.reason : null).toMatchObject({ code: 'db_reference' });
        expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
        const marked = await Promise.all(fresh.map((f) => db.markPaymentFinal(f.txId, 7n, 0, T0 + 2)));
        expect(marked.every((m) => m)).toBe(true);
        for (const f of fresh) expect((await db.getPayment(f.txId))?.status).toBe('final');
        expect((await db.getPayCode(codeHash))?.usedAtMs).toBeNull();
      });

      it('has exactly one winner among concurrent uses', async () => {
        const user = await newUser();
        const merchantId = await newMerchant(user.id);
        const codeHash = await newCode(user.id);
        const txIds: string[] = [];
        for (let i = 0; i < RACERS; i++) {
          const p = payment({ payerUserId: user.id, merchantId, kind: 'paycode' });
          await db.insertPayment(p);
          txIds.push(p.txId);
        }
        const results = await Promise.all(txIds.map((txId) => db.usePayCode(codeHash, T0 + 1, txId)));
        expect(countOf(results, (r) => r.ok)).toBe(1);
        expect(countOf(results, (r) => !r.ok && r.reason === 'used')).toBe(RACERS - 1);
      });
    });

    describe('payments', () => {
      it('records a payment pending, then final with its ledger position, once', async () => {
        const payer = await newUser();
        const p = payment({ payerUserId: payer.id, kind: 'topup', amount: 50_000n });
        await db.insertPayment(p);
        const pending = await db.getPayment(p.txId);
        expect(pending).toEqual({
          ...p,
          refundOf: null,
          status: 'pending',
          code: null,
          ledgerHeight: null,
          ledgerIndex: null,
          refunded: 0n,
          updatedAtMs: T0,
        });
        expect(await db.markPaymentFinal(p.txId, 42n, 3, T0 + 5)).toBe(true);
        expect(await db.markPaymentFinal(p.txId, 43n, 0, T0 + 6)).toBe(false);
        expect(await db.markPaymentRefused(p.txId, 'insufficient_funds', T0 + 7)).toBe(false);
        expect(await db.getPayment(p.txId)).toEqual({
          ...pending,
          status: 'final',
          code: 'ok',
          ledgerHeight: 42n,
          ledgerIndex: 3,
          updatedAtMs: T0 + 5,
        });
        await expectDbError(db.insertPayment(p), 'db_duplicate');
        await expectDbError(db.insertPayment({ ...p, txId: nextId(), payerUserId: nextId() }), 'db_reference');
        const other = payment({ payerUserId: payer.id });
        await db.insertPayment(other);
        const many = await db.getPayments([p.txId, nextId(), other.txId]);
        expect(many.map((x) => x.txId).sort()).toEqual([p.txId, other.txId].sort());
        expect(await db.getPayments([])).toEqual([]);
      });

      it('marks a pending payment refused once', async () => {
        const payer = await newUser();
        const p = payment({ payerUserId: payer.id });
        await db.insertPayment(p);
        expect(await db.markPaymentRefused(p.txId, 'insufficient_funds', T0 + 1)).toBe(true);
        expect(await db.markPaymentRefused(p.txId, 'insufficient_funds', T0 + 2)).toBe(false);
        expect(await db.markPaymentFinal(p.txId, 1n, 0, T0 + 3)).toBe(false);
        expect(await db.getPayment(p.txId)).toMatchObject({ status: 'refused', code: 'insufficient_funds' });
      });

      it("lists a user's history both ways, searched by label, memo or id prefix, page by page", async () => {
        const alice = await newUser();
        const bob = await newUser();
        const out = payment({ payerUserId: alice.id, payeeAccountId: bob.ledgerAccountId, memo: 'Rent 50%' });
        const into = payment({
          payerUserId: bob.id,
          payeeAccountId: alice.ledgerAccountId,
          payerLabel: '+8613900000002',
          payeeLabel: '+8613800000001',
          createdAtMs: T0 + 1,
        });
        const other = payment({ payerUserId: bob.id, createdAtMs: T0 + 2 });
        for (const p of [out, into, other]) await db.insertPayment(p);
        const of = (search: string | null) => ({ userId: alice.id, accountId: alice.ledgerAccountId, search });
        const ids = async (search: string | null) =>
          (await db.listUserPayments(of(search), 10, null)).items.map((p) => p.txId);
        expect(await ids(null)).toEqual([into.txId, out.txId]);
        expect(await ids('RENT')).toEqual([out.txId]);
        expect(await ids('50%')).toEqual([out.txId]);
        expect(await ids('5_%')).toEqual([]);
        expect(await ids('13900000002')).toEqual([into.txId]);
        expect(await ids('noodles')).toEqual([out.txId]);
        expect(await ids(into.txId)).toEqual([into.txId]);
        const first = await db.listUserPayments(of(null), 1, null);
        const second = await db.listUserPayments(of(null), 1, first.next);
        expect([...first.items, ...second.items].map((p) => p.txId)).toEqual([into.txId, out.txId]);
        expect(second.next).toBeNull();
      });

      it('lists pending payments oldest first, for settling after a restart', async () => {
        const payer = await newUser();
        const a = payment({ payerUserId: payer.id, createdAtMs: T0 + 2 });
        const b = payment({ payerUserId: payer.id, createdAtMs: T0 + 1 });
        const c = payment({ payerUserId: payer.id, createdAtMs: T0 });
        for (const p of [a, b, c]) await db.insertPayment(p);
        await db.markPaymentFinal(c.txId, 1n, 0, T0 + 3);
        const mine = (await db.listPendingPayments(1000)).filter((p) => p.payerUserId === payer.id);
        expect(mine.map((p) => p.txId)).toEqual([b.txId, a.txId]);
      });

      it('ties captures and voids to an authorization, and nothing else', async () => {
        const payer = await newUser();
        const merchantId = await newMerchant((await newUser()).id);
        const auth = payment({ payerUserId: payer.id, merchantId, kind: 'authorize' });
        await db.insertPayment(auth);
        const capture = payment({ payerUserId: payer.id, merchantId, kind: 'capture', authorizationOf: auth.txId });
        await db.insertPayment(capture);
        expect((await db.getPayment(capture.txId))?.authorizationOf).toBe(auth.txId);
        await expectDbError(
          db.insertPayment(payment({ payerUserId: payer.id, merchantId, kind: 'void', authorizationOf: nextId() })),
          'db_reference',
        );
      });

      it('lists by payer, payee and merchant, newest first, page by page', async () => {
        const payer = await newUser();
        const merchantId = await newMerchant(payer.id);
        const payeeAccountId = nextId();
        const made: NewPayment[] = [];
        // Two share each timestamp, so the cursor must order by tx id as well.
        for (let i = 0; i < 5; i++) {
          const p = payment({
            payerUserId: payer.id,
            payeeAccountId,
            merchantId,
            kind: 'qr',
            createdAtMs: T0 + Math.floor(i / 2),
          });
          await db.insertPayment(p);
          made.push(p);
        }
        const newestFirst = made.map((p) => p.txId).reverse();
        for (const filter of [{ payerUserId: payer.id }, { payeeAccountId }, { merchantId }]) {
          const first = await db.listPayments(filter, 2, null);
          const second = await db.listPayments(filter, 2, first.next);
          const third = await db.listPayments(filter, 2, second.next);
          expect([...first.items, ...second.items, ...third.items].map((p) => p.txId)).toEqual(newestFirst);
          expect(third.next).toBeNull();
        }
        expect(await db.listPayments({ payerUserId: nextId() }, 10, null)).toEqual({ items: [], next: null });
      });
    });

    describe('refunds', () => {
      it('refunds in parts up to the amount, and no further (state unchanged)', async () => {
        const { txId, payer, merchantId } = await finalMerchantPayment(100n);
        const owner = (await db.getMerchant(merchantId))?.ownerUserId;
        const first = await db.reserveRefund({ txId: nextId(), originalTxId: txId, amount: 60n, createdAtMs: T0 + 2 });
        if (!first.ok) throw new Error(`refund refused: ${first.reason}`);
        expect(first.refundedTotal).toBe(60n);
        expect(first.refund).toMatchObject({
          payerUserId: owner,
          payeeAccountId: payer.ledgerAccountId,
          merchantId,
          refundOf: txId,
          amount: 60n,
          currency: 'CNY',
          kind: 'refund',
          status: 'pending',
          refunded: 0n,
        });
        expect(await db.getPayment(first.refund.txId)).toEqual(first.refund);

        const tooMuchId = nextId();
        const tooMuch = await db.reserveRefund({
          txId: tooMuchId,
          originalTxId: txId,
          amount: 41n,
          createdAtMs: T0 + 3,
        });
        expect(tooMuch).toEqual({ ok: false, reason: 'exceeds_paid' });
        expect(await db.getPayment(tooMuchId)).toBeNull();
        expect((await db.getPayment(txId))?.refunded).toBe(60n);

        const rest = await db.reserveRefund({ txId: nextId(), originalTxId: txId, amount: 40n, createdAtMs: T0 + 4 });
        expect(rest.ok && rest.refundedTotal).toBe(100n);
      });

      it('gives a refused refund’s amount back', async () => {
        const { txId } = await finalMerchantPayment(100n);
        const refund = await db.reserveRefund({
          txId: nextId(),
          originalTxId: txId,
          amount: 100n,
          createdAtMs: T0 + 2,
        });
        if (!refund.ok) throw new Error(`refund refused: ${refund.reason}`);
        expect(await db.markPaymentRefused(refund.refund.txId, 'insufficient_funds', T0 + 3)).toBe(true);
        expect((await db.getPayment(txId))?.refunded).toBe(0n);
        const again = await db.reserveRefund({ txId: nextId(), originalTxId: txId, amount: 100n, createdAtMs: T0 + 4 });
        expect(again.ok).toBe(true);
      });

      it('refuses refunds of unknown, non-merchant and pending payments, in that order', async () => {
        const payer = await newUser();
        const p2p = payment({ payerUserId: payer.id });
        await db.insertPayment(p2p);
        const merchantId = await newMerchant(payer.id);
        const pendingQr = payment({ payerUserId: payer.id, merchantId, kind: 'qr' });
        await db.insertPayment(pendingQr);
        const cases = [
          [nextId(), 'not_found'],
          [p2p.txId, 'not_refundable'],
          [pendingQr.txId, 'not_final'],
        ] as const;
        for (const [originalTxId, reason] of cases) {
          const result = await db.reserveRefund({ txId: nextId(), originalTxId, amount: 1n, createdAtMs: T0 });
          expect(result).toEqual({ ok: false, reason });
        }
        expect((await db.getPayment(pendingQr.txId))?.refunded).toBe(0n);
      });

      it('never goes above the amount under concurrent refunds', async () => {
        const { txId } = await finalMerchantPayment(100n);
        const results = await Promise.all(
          Array.from({ length: RACERS }, () =>
            db.reserveRefund({ txId: nextId(), originalTxId: txId, amount: 30n, createdAtMs: T0 + 2 }),
          ),
        );
        expect(countOf(results, (r) => r.ok)).toBe(3);
        expect(countOf(results, (r) => !r.ok && r.reason === 'exceeds_paid')).toBe(RACERS - 3);
        expect((await db.getPayment(txId))?.refunded).toBe(90n);
      });
    });

    describe('programs', () => {
      it('keeps the catalogue of programs newest first, removes one, and refuses a duplicate', async () => {
        await withFreshDb('programs', async (fresh) => {
          const creator = nextId();
          await fresh.createUser({
            id: creator,
            phone: nextPhone(),
            passwordHash: null,
            kycTier: 1,
            ledgerAccountId: nextId(),
            keyMode: 'browser',
            publicKey: new Uint8Array([7]),
            sealedKey: null,
            createdAtMs: T0,
          });
          const record = (createdAtMs: number): ProgramRecord => ({
            id: nextId(),
            name: '春耕补贴 Spring planting',
            purpose: 'seeds',
            fundingAccountId: nextId(),
            createdByUserId: creator,
            createdAtMs,
          });
          const older = record(T0);
          const newer = record(T0 + 1);
          await fresh.createProgram(older);
          await fresh.createProgram(newer);
          expect(await fresh.getProgram(older.id)).toEqual(older);
          expect((await fresh.listPrograms()).map((p) => p.id)).toEqual([newer.id, older.id]);
          await expectDbError(fresh.createProgram({ ...older, fundingAccountId: nextId() }), 'db_duplicate');
          await expectDbError(fresh.createProgram({ ...record(T0), createdByUserId: nextId() }), 'db_reference');
          expect(await fresh.deleteProgram(older.id)).toBe(true);
          expect(await fresh.deleteProgram(older.id)).toBe(false);
          expect(await fresh.getProgram(older.id)).toBeNull();
        });
      });

      it('records a QR payment made with program money, and never reserves a refund of it', async () => {
        const payer = await newUser();
        const owner = await newUser();
        const merchantId = await newMerchant(owner.id);
        const programId = nextId();
        const p = payment({ payerUserId: payer.id, merchantId, kind: 'qr', amount: 500n, programId });
        await db.insertPayment(p);
        expect(await db.markPaymentFinal(p.txId, 9n, 0, T0 + 1)).toBe(true);
        expect(await db.getPayment(p.txId)).toMatchObject({ programId, status: 'final' });
        const refundId = nextId();
        expect(
          await db.reserveRefund({ txId: refundId, originalTxId: p.txId, amount: 1n, createdAtMs: T0 + 2 }),
        ).toEqual({
          ok: false,
          reason: 'not_refundable',
        });
        expect(await db.getPayment(refundId)).toBeNull();
        expect((await db.getPayment(p.txId))?.refunded).toBe(0n);
        // Only a QR payment is paid from a program (a bug otherwise: an assertion before the database).
        await expect(
          db.insertPayment(payment({ payerUserId: payer.id, kind: 'p2p', amount: 1n, programId })),
        ).rejects.toThrow();
      });

      it('records a payment paid in another currency with its quote, what left the payer and the exact rate', async () => {
        const payer = await newUser();
        const owner = await newUser();
        const merchantId = await newMerchant(owner.id);
        // A rate of 20 digits on each side: kept exactly, as text.
        const fx = {
          quoteId: nextId(),
          paidAmount: 4885n,
          paidCurrency: 'HKD',
          rateNum: 99_999_999_999_999_999_999n,
          rateDen: 10_000_000_000_000_000_000n,
        };
        const p = payment({ payerUserId: payer.id, merchantId, kind: 'qr', amount: 4500n, fx });
        await db.insertPayment(p);
        expect(await db.getPayment(p.txId)).toMatchObject({ amount: 4500n, currency: 'CNY', fx });
        const plain = payment({ payerUserId: payer.id });
        await db.insertPayment(plain);
        expect((await db.getPayment(plain.txId))?.fx).toBeNull();
        // Only a QR or person-to-person payment is converted (an assertion before the database).
        await expect(
          db.insertPayment(payment({ payerUserId: payer.id, kind: 'topup', amount: 1n, fx })),
        ).rejects.toThrow();
      });
    });

    describe('daily spend', () => {
      it('adds up to the limit and refuses what would pass it (state unchanged)', async () => {
        const user = await newUser();
        const day = '2025-06-15';
        expect(await db.getDailySpend(user.id, day)).toBe(0n);
        expect(await db.addDailySpend(user.id, day, 600n, 1000n)).toEqual({ ok: true, spent: 600n });
        expect(await db.addDailySpend(user.id, day, 401n, 1000n)).toEqual({
          ok: false,
          reason: 'limit_exceeded',
          spent: 600n,
        });
        expect(await db.addDailySpend(user.id, day, 400n, 1000n)).toEqual({ ok: true, spent: 1000n });
        expect(await db.addDailySpend(user.id, day, 1n, 1000n)).toEqual({
          ok: false,
          reason: 'limit_exceeded',
          spent: 1000n,
        });
        expect(await db.addDailySpend(user.id, '2025-06-16', 1001n, 1000n)).toEqual({
          ok: false,
          reason: 'limit_exceeded',
          spent: 0n,
        });
        expect(await db.getDailySpend(user.id, '2025-06-16')).toBe(0n);
        expect(await db.getDailySpend(user.id, day)).toBe(1000n);
      });

      it('lets exactly as many concurrent payments through as the limit allows', async () => {
        const user = await newUser();
        const results = await Promise.all(
          Array.from({ length: RACERS }, () => db.addDailySpend(user.id, '2025-06-15', 100n, 500n)),
        );
        expect(countOf(results, (r) => r.ok)).toBe(5);
        expect(await db.getDailySpend(user.id, '2025-06-15')).toBe(500n);
      });
    });

    describe('64-bit money', () => {
      it('round-trips amounts, totals and heights of 2^63−1 exactly', async () => {
        expect(AMOUNT_MAX).toBe(2n ** 63n - 1n);
        const { txId, merchantId } = await finalMerchantPayment(AMOUNT_MAX);
        expect((await db.getPayment(txId))?.amount).toBe(AMOUNT_MAX);
        const refund = await db.reserveRefund({
          txId: nextId(),
          originalTxId: txId,
          amount: AMOUNT_MAX - 1n,
          createdAtMs: T0,
        });
        expect(refund.ok && refund.refundedTotal).toBe(AMOUNT_MAX - 1n);
        // 2 more would pass the amount; the check must not overflow on the way.
        expect(await db.reserveRefund({ txId: nextId(), originalTxId: txId, amount: 2n, createdAtMs: T0 })).toEqual({
          ok: false,
          reason: 'exceeds_paid',
        });
        expect((await db.reserveRefund({ txId: nextId(), originalTxId: txId, amount: 1n, createdAtMs: T0 })).ok).toBe(
          true,
        );
        expect((await db.getPayment(txId))?.refunded).toBe(AMOUNT_MAX);

        const requestId = nextId();
        await db.createPaymentRequest({
          id: requestId,
          merchantId,
          payeeUserId: null,
          amount: AMOUNT_MAX,
          memo: '',
          currency: 'CNY',
          oneTime: true,
          expiresAtMs: T0 + 1,
          createdAtMs: T0,
        });
        expect((await db.getPaymentRequest(requestId))?.amount).toBe(AMOUNT_MAX);

        const user = await newUser();
        expect(await db.addDailySpend(user.id, '2025-06-15', AMOUNT_MAX - 5n, AMOUNT_MAX)).toEqual({
          ok: true,
          spent: AMOUNT_MAX - 5n,
        });
        expect((await db.addDailySpend(user.id, '2025-06-15', 10n, AMOUNT_MAX)).ok).toBe(false);
        expect(await db.addDailySpend(user.id, '2025-06-15', 5n, AMOUNT_MAX)).toEqual({ ok: true, spent: AMOUNT_MAX });

        const p = payment({ payerUserId: user.id, amount: 1n });
        await db.insertPayment(p);
        await db.markPaymentFinal(p.txId, AMOUNT_MAX, 2 ** 31 - 1, T0);
        expect(await db.getPayment(p.txId)).toMatchObject({ ledgerHeight: AMOUNT_MAX, ledgerIndex: 2 ** 31 - 1 });
      });
    });

    describe('idempotency keys', () => {
      const body = '{"payment":{"txId":"ab","amount":"12.34"},"note":"支付"}';

      it('claims a new key, reports it in progress, then replays the stored response byte for byte', async () => {
        const scope = `user:${nextId()}`;
        const hash = nextHash();
        expect(await db.claimIdempotencyKey(scope, 'k1', hash, T0)).toBe('new');
        expect(await db.claimIdempotencyKey(scope, 'k1', hash, T0 + 1)).toBe('in_progress');
        expect(await db.completeIdempotencyKey(scope, 'k1', nextHash(), { httpStatus: 201, body }, T0 + 2)).toBe(false);
        expect(await db.completeIdempotencyKey(scope, 'k1', hash, { httpStatus: 201, body }, T0 + 2)).toBe(true);
        expect(await db.completeIdempotencyKey(scope, 'k1', hash, { httpStatus: 500, body: '{}' }, T0 + 3)).toBe(false);
        expect(await db.claimIdempotencyKey(scope, 'k1', hash, T0 + 4)).toEqual({ replay: { httpStatus: 201, body } });
        // The same key in another scope is another key.
        expect(await db.claimIdempotencyKey(`user:${nextId()}`, 'k1', hash, T0 + 5)).toBe('new');
      });

      it('refuses the same key with another request (conflict), before and after completion', async () => {
        const scope = `user:${nextId()}`;
        const hash = nextHash();
        expect(await db.claimIdempotencyKey(scope, 'k', hash, T0)).toBe('new');
        expect(await db.claimIdempotencyKey(scope, 'k', nextHash(), T0)).toBe('conflict');
        await db.completeIdempotencyKey(scope, 'k', hash, { httpStatus: 200, body }, T0);
        expect(await db.claimIdempotencyKey(scope, 'k', nextHash(), T0)).toBe('conflict');
      });

      it('frees a released claim for a retry, but never a completed one', async () => {
        const scope = `user:${nextId()}`;
        const hash = nextHash();
        expect(await db.claimIdempotencyKey(scope, 'k', hash, T0)).toBe('new');
        expect(await db.releaseIdempotencyKey(scope, 'k', hash)).toBe(true);
        expect(await db.claimIdempotencyKey(scope, 'k', hash, T0 + 1)).toBe('new');
        await db.completeIdempotencyKey(scope, 'k', hash, { httpStatus: 200, body }, T0 + 2);
        expect(await db.releaseIdempotencyKey(scope, 'k', hash)).toBe(false);
        expect(await db.claimIdempotencyKey(scope, 'k', hash, T0 + 3)).toEqual({ replay: { httpStatus: 200, body } });
      });

      it('gives a key to exactly one of many concurrent claims', async () => {
        const scope = `user:${nextId()}`;
        const hash = nextHash();
        const results = await Promise.all(
          Array.from({ length: RACERS }, () => db.claimIdempotencyKey(scope, 'race', hash, T0)),
        );
        expect(countOf(results, (r) => r === 'new')).toBe(1);
        expect(countOf(results, (r) => r === 'in_progress')).toBe(RACERS - 1);
      });
    });

    describe('webhooks', () => {
      it('sets, replaces, reads and deletes a merchant’s endpoint', async () => {
        const merchantId = await newMerchant((await newUser()).id);
        const secretSealed = new Uint8Array([7, 7, 7]);
        await db.setWebhookEndpoint({ merchantId, url: 'https://shop.example/hook', secretSealed, nowMs: T0 });
        await db.setWebhookEndpoint({ merchantId, url: 'https://shop.example/v2', secretSealed, nowMs: T0 + 1 });
        expect(await db.getWebhookEndpoint(merchantId)).toEqual({
          merchantId,
          url: 'https://shop.example/v2',
          secretSealed,
          createdAtMs: T0,
          updatedAtMs: T0 + 1,
        });
        expect(await db.deleteWebhookEndpoint(merchantId)).toBe(true);
        expect(await db.deleteWebhookEndpoint(merchantId)).toBe(false);
        expect(await db.getWebhookEndpoint(merchantId)).toBeNull();
      });

      it('claims due deliveries once per lease, reschedules failures and stops at delivery', async () => {
        // Far in the future, so deliveries of other tests are not due here.
        const t = T0 + 1_000 * HOUR_MS;
        const merchantId = await newMerchant((await newUser()).id);
        const [a, b, later] = [nextId(), nextId(), nextId()];
        await db.enqueueWebhook({ id: a, merchantId, eventJson: '{"n":1}', createdAtMs: t });
        await db.enqueueWebhook({ id: b, merchantId, eventJson: '{"n":2}', createdAtMs: t + 1 });
        await db.enqueueWebhook({ id: later, merchantId, eventJson: '{"n":3}', createdAtMs: t + 10_000 });

        const claimed = await db.claimDueDeliveries(t + 5, 10);
        expect(claimed.map((d) => d.id)).toEqual([a, b]);
        expect(claimed[0]).toEqual({
          id: a,
          merchantId,
          eventJson: '{"n":1}',
          attempts: 0,
          nextAttemptAtMs: t + 5 + WEBHOOK_DELIVERY_LEASE_MS,
          deliveredAtMs: null,
          lastError: null,
          createdAtMs: t,
        });
        expect(await db.claimDueDeliveries(t + 6, 10)).toEqual([]);

        expect(await db.markDeliveryDelivered(a, t + 7)).toBe(true);
        expect(await db.markDeliveryDelivered(a, t + 8)).toBe(false);
        expect(await db.rescheduleDelivery(b, t + 20_000, 'x'.repeat(WEBHOOK_ERROR_CHARS_MAX + 50))).toBe(true);
        expect(await db.rescheduleDelivery(a, t + 20_000, 'late')).toBe(false);
        const failed = await db.getWebhookDelivery(b);
        expect(failed?.attempts).toBe(1);
        expect(failed?.lastError?.length).toBe(WEBHOOK_ERROR_CHARS_MAX);

        expect((await db.claimDueDeliveries(t + 10_000, 10)).map((d) => d.id)).toEqual([later]);
        // The lease of `later` ran out without news: it is handed out again, with b now due.
        const afterLease = await db.claimDueDeliveries(t + 10_000 + WEBHOOK_DELIVERY_LEASE_MS, 10);
        expect(afterLease.map((d) => d.id)).toEqual([b, later]);
        // Delivered, so the later tests' claims (at later times) do not see them.
        for (const id of [b, later]) expect(await db.markDeliveryDelivered(id, t + 20_000)).toBe(true);
      });

      it('stops claiming a delivery after WEBHOOK_DELIVERY_ATTEMPTS_MAX failures', async () => {
        const t = T0 + 2_000 * HOUR_MS;
        const merchantId = await newMerchant((await newUser()).id);
        const id = nextId();
        await db.enqueueWebhook({ id, merchantId, eventJson: '{}', createdAtMs: t });
        for (let i = 0; i < WEBHOOK_DELIVERY_ATTEMPTS_MAX; i++) {
          expect((await db.claimDueDeliveries(t + i, 1)).map((d) => d.id)).toEqual([id]);
          await db.rescheduleDelivery(id, t + i + 1, `attempt ${i}`);
        }
        expect(await db.claimDueDeliveries(t + 10 * HOUR_MS, 10)).toEqual([]);
        expect((await db.getWebhookDelivery(id))?.attempts).toBe(WEBHOOK_DELIVERY_ATTEMPTS_MAX);
      });

      it('hands each due delivery to exactly one of several concurrent claimers', async () => {
        const t = T0 + 3_000 * HOUR_MS;
        const merchantId = await newMerchant((await newUser()).id);
        const ids: string[] = [];
        for (let i = 0; i < 20; i++) {
          const id = nextId();
          ids.push(id);
          await db.enqueueWebhook({ id, merchantId, eventJson: `{"i":${i}}`, createdAtMs: t });
        }
        const seen: string[] = [];
        // Claimers that skip locked rows may leave some for the next round; none is handed out twice.
        for (let round = 0; round < 5 && seen.length < ids.length; round++) {
          const batches = await Promise.all(Array.from({ length: 4 }, () => db.claimDueDeliveries(t + 1, 7)));
          for (const batch of batches) seen.push(...batch.map((d) => d.id));
        }
        expect([...seen].sort()).toEqual([...ids].sort());
        for (const id of ids) await db.markDeliveryDelivered(id, t + 2);
      });
    });

    describe('risk control', () => {
      /** The most and the longest reasons, with what JSON must escape (quotes, backslash, control chars, NUL). */
      const longestReasons = Array.from({ length: RISK_REASONS_MAX }, (_, i) =>
        `${i} "quoted" \\ \u0000 夜间 🚩`.padEnd(RISK_REASON_CHARS_MAX, '\u001f'),
      );
      const someRisk: PaymentRisk = { decision: 'allow', scorePpm: 1, reasons: ['r'], ruleSetVersion: 1 };

      function riskRefusal(fields: Partial<RiskRefusal> & Pick<RiskRefusal, 'userId'>): RiskRefusal {
        return {
          id: nextId(),
          kind: 'p2p',
          decision: 'block',
          payeeAccountId: nextId(),
          merchantId: null,
          amount: 100n,
          currency: 'CNY',
          scorePpm: 950_000,
          reasons: ['payee on a block list'],
          ruleSetVersion: 1,
          createdAtMs: T0,
          ...fields,
        };
      }

      it.each<[string, PaymentRisk | null]>([
        ['none (a payment risk control does not score)', null],
        ['allow with no reasons under version 0', { decision: 'allow', scorePpm: 0, reasons: [], ruleSetVersion: 0 }],
        [
          'review at the top score',
          {
            decision: 'review',
            scorePpm: RISK_SCORE_PPM_MAX,
            reasons: ['new payee', '金额为中位数的 12 倍'],
            ruleSetVersion: 7,
          },
        ],
        [
          'step_up with the most and longest reasons',
          {
            decision: 'step_up',
            scorePpm: 654_321,
            reasons: longestReasons,
            ruleSetVersion: RISK_RULE_SET_VERSION_MAX,
          },
        ],
      ])('keeps a payment’s risk exactly: %s', async (_, risk) => {
        const payer = await newUser();
        const p = payment({ payerUserId: payer.id, risk });
        await db.insertPayment(p);
        expect((await db.getPayment(p.txId))?.risk).toEqual(risk);
        expect(await db.markPaymentFinal(p.txId, 9n, 1, T0 + 1)).toBe(true);
        const listed = await db.listPayments({ payerUserId: payer.id }, 10, null);
        expect(listed.items.map((item) => item.risk)).toEqual([risk]);
      });

      it.each<[string, PaymentRisk]>([
        ['a negative score', { ...someRisk, scorePpm: -1 }],
        ['a score above 1,000,000 ppm', { ...someRisk, scorePpm: RISK_SCORE_PPM_MAX + 1 }],
        ['a fractional score', { ...someRisk, scorePpm: 0.5 }],
        ['too many reasons', { ...someRisk, reasons: Array.from({ length: RISK_REASONS_MAX + 1 }, () => 'r') }],
        ['an empty reason', { ...someRisk, reasons: [''] }],
        ['a reason too long', { ...someRisk, reasons: ['r'.repeat(RISK_REASON_CHARS_MAX + 1)] }],
        ['a negative rule set version', { ...someRisk, ruleSetVersion: -1 }],
        ['a rule set version above 32 bits', { ...someRisk, ruleSetVersion: RISK_RULE_SET_VERSION_MAX + 1 }],
      ])('refuses a payment’s risk with %s (a bug: assertion), storing nothing', async (_, risk) => {
        const payer = await newUser();
        const p = payment({ payerUserId: payer.id, risk });
        await expect(db.insertPayment(p)).rejects.toThrow(AssertionError);
        expect(await db.getPayment(p.txId)).toBeNull();
      });

      it('records refunds with no risk, whatever the original’s', async () => {
        const payer = await newUser();
        const merchantId = await newMerchant((await newUser()).id);
        const risk: PaymentRisk = { decision: 'review', scorePpm: 700_000, reasons: ['night'], ruleSetVersion: 2 };
        const original = payment({ payerUserId: payer.id, merchantId, kind: 'qr', amount: 500n, risk });
        await db.insertPayment(original);
        expect(await db.markPaymentFinal(original.txId, 3n, 0, T0 + 1)).toBe(true);
        const refunded = await db.reserveRefund({
          txId: nextId(),
          originalTxId: original.txId,
          amount: 200n,
          createdAtMs: T0 + 2,
        });
        if (!refunded.ok) throw new Error(`refund refused: ${refunded.reason}`);
        expect(refunded.refund.risk).toBeNull();
        expect((await db.getPayment(refunded.refund.txId))?.risk).toBeNull();
        expect((await db.getPayment(original.txId))?.risk).toEqual(risk);
      });

      it('keeps refusals exactly and lists them newest first, page by page, without gaps or repeats', async () => {
        await withFreshDb('refusals', async (fresh) => {
          const user = await newUser('browser', fresh);
          const merchantId = await newMerchant(user.id, fresh);
          const merchantRefusal = riskRefusal({ userId: user.id, kind: 'qr', merchantId, createdAtMs: T0 });
          const made: RiskRefusal[] = [merchantRefusal];
          // Two share each time, so the cursor must order by id as well.
          for (let i = 1; i < 5; i++) {
            made.push(
              riskRefusal({
                userId: user.id,
                decision: i % 2 === 0 ? 'block' : 'step_up',
                amount: i === 4 ? AMOUNT_MAX : 1_000n + BigInt(i),
                scorePpm: 900_000 + i,
                reasons: i === 3 ? [] : i === 2 ? longestReasons : ['new device', `velocity ${i}`],
                ruleSetVersion: i,
                createdAtMs: T0 + Math.floor(i / 2),
              }),
            );
          }
          for (const refusal of made) await fresh.insertRiskRefusal(refusal);
          const expected = newestFirst(
            made,
            (r) => r.createdAtMs,
            (r) => r.id,
          );
          for (const limit of [1, 2, 5]) {
            const all = await readAllPages<RiskRefusal, RiskRefusalCursor>(
              limit,
              (before) => fresh.listRiskRefusals(limit, before),
              (r) => ({ createdAtMs: r.createdAtMs, id: r.id }),
            );
            expect(all).toEqual(expected);
          }
          await expectDbError(fresh.insertRiskRefusal(merchantRefusal), 'db_duplicate');
          await expectDbError(
            fresh.insertRiskRefusal({ ...merchantRefusal, id: nextId(), userId: nextId() }),
            'db_reference',
          );
          await expect(fresh.insertRiskRefusal({ ...merchantRefusal, id: nextId(), kind: 'p2p' })).rejects.toThrow(
            AssertionError,
          );
          expect(await fresh.listRiskRefusals(100, null)).toEqual(expected);
        });
      });

      it('counts decisions in [from, to): payments by their risk, refusals by their decision, every kind present', async () => {
        await withFreshDb('counts', async (fresh) => {
          const payer = await newUser('browser', fresh);
          const none = { allow: 0, review: 0, step_up: 0, block: 0 };
          expect(await fresh.countRiskDecisions(T0, T0 + HOUR_MS)).toEqual(none);
          const scored = async (decision: RiskPassDecision | null, createdAtMs: number): Promise<void> => {
            const risk = decision === null ? null : { ...someRisk, decision };
            await fresh.insertPayment(payment({ payerUserId: payer.id, risk, createdAtMs }));
          };
          const refused = (decision: RiskRefusal['decision'], createdAtMs: number): Promise<void> =>
            fresh.insertRiskRefusal(riskRefusal({ userId: payer.id, decision, createdAtMs }));
          await scored('allow', T0);
          await scored('allow', T0 + 1);
          await scored('review', T0 + 2);
          await scored('step_up', T0 + 3);
          await scored(null, T0 + 4);
          await refused('block', T0 + 5);
          await refused('step_up', T0 + 6);
          await scored('allow', T0 + 10);
          await refused('block', T0 + 10);
          expect(await fresh.countRiskDecisions(T0, T0 + 10)).toEqual({ allow: 2, review: 1, step_up: 2, block: 1 });
          expect(await fresh.countRiskDecisions(T0 + 10, T0 + 11)).toEqual({ ...none, allow: 1, block: 1 });
          expect(await fresh.countRiskDecisions(T0 + 1, T0 + 3)).toEqual({ ...none, allow: 1, review: 1 });
          expect(await fresh.countRiskDecisions(T0 + 1, T0 + 1)).toEqual(none);
          await expect(fresh.countRiskDecisions(T0 + 1, T0)).rejects.toThrow(AssertionError);
        });
      });

      it('lists the review queue newest first, page by page, and nothing but payments under review', async () => {
        await withFreshDb('review', async (fresh) => {
          const payer = await newUser('browser', fresh);
          const review: NewPayment[] = [];
          const others: readonly (PaymentRisk | null)[] = [null, someRisk, { ...someRisk, decision: 'step_up' }];
          for (let i = 0; i < 5; i++) {
            const createdAtMs = T0 + Math.floor(i / 2);
            const p = payment({ payerUserId: payer.id, createdAtMs, risk: { ...someRisk, decision: 'review' } });
            await fresh.insertPayment(p);
            review.push(p);
            await fresh.insertPayment(payment({ payerUserId: payer.id, createdAtMs, risk: others[i % 3] ?? null }));
          }
          // Settled or not, a payment let through under review stays in the queue.
          for (const p of review.slice(0, 2)) expect(await fresh.markPaymentFinal(p.txId, 1n, 0, T0 + 9)).toBe(true);
          const expected = newestFirst(
            review,
            (p) => p.createdAtMs,
            (p) => p.txId,
          ).map((p) => p.txId);
          const first = await fresh.listReviewPayments(2, null);
          const second = await fresh.listReviewPayments(2, first.next);
          const third = await fresh.listReviewPayments(2, second.next);
          expect([...first.items, ...second.items, ...third.items].map((p) => p.txId)).toEqual(expected);
          expect(third.next).toBeNull();
          const all = await fresh.listReviewPayments(100, null);
          expect(all.items.map((p) => p.risk?.decision)).toEqual(expected.map(() => 'review'));
          expect(all.next).toBeNull();
        });
      });

      it('saves each rule set version once (again: db_duplicate); the latest and the list are newest first', async () => {
        await withFreshDb('rules', async (fresh) => {
          expect(await fresh.latestRuleSet()).toBeNull();
          expect(await fresh.listRuleSets(10)).toEqual([]);
          const author = await newUser('browser', fresh);
          const v1: StoredRuleSet = { version: 1, json: '{"rules":[]}', authorUserId: null, note: '', createdAtMs: T0 };
          const v2: StoredRuleSet = {
            version: 2,
            // Kept as written: spacing, order and non-ASCII text.
            json: '{ "rules": [\n  {"when": "amount > 5000", "then": "review"} ],\n "说明": "夜间" }',
            authorUserId: author.id,
            note: 'Review large payments at night',
            createdAtMs: T0 + 1,
          };
          const pad = 'x'.repeat(RISK_RULE_SET_CHARS_MAX - '{"pad":""}'.length);
          const v4: StoredRuleSet = { ...v2, version: 4, json: `{"pad":"${pad}"}`, createdAtMs: T0 + 2 };
          for (const ruleSet of [v1, v4, v2]) await fresh.insertRuleSet(ruleSet);
          expect(await fresh.latestRuleSet()).toEqual(v4);
          expect(await fresh.listRuleSets(10)).toEqual([v4, v2, v1]);
          expect(await fresh.listRuleSets(2)).toEqual([v4, v2]);
          await expectDbError(fresh.insertRuleSet({ ...v2, json: '{}', note: 'again' }), 'db_duplicate');
          await expectDbError(fresh.insertRuleSet({ ...v2, version: 3, authorUserId: nextId() }), 'db_reference');
          await expect(fresh.insertRuleSet({ ...v2, version: 0 })).rejects.toThrow(AssertionError);
          await expect(fresh.insertRuleSet({ ...v2, version: 3, json: '{"rules":' })).rejects.toThrow(AssertionError);
          await expect(fresh.insertRuleSet({ ...v2, version: 3, json: `${v4.json} ` })).rejects.toThrow(AssertionError);
          expect(await fresh.listRuleSets(10)).toEqual([v4, v2, v1]);
        });
      });
    });

    describe('AML alerts and cases', () => {
      /** An alert over fresh accounts, detected at T0 unless told. */
      function amlAlert(fields: Partial<NewAmlAlert> = {}): NewAmlAlert {
        return {
          id: `fan_out:${nextId()}`,
          pattern: 'fan_out',
          scorePpm: 800_000,
          accounts: [nextId(), nextId()],
          txIds: [nextId()],
          explanation: '1 source → 6 accounts in 3 h, 9,000–11,000 each',
          windowStartMs: T0 - HOUR_MS,
          windowEndMs: T0,
          detectedAtMs: T0,
          ...fields,
        };
      }

      function stored(alert: NewAmlAlert, caseId: string | null = null): AmlAlert {
        return { ...alert, caseId };
      }

      function okCase(result: CaseChangeResult): AmlCase {
        if (!result.ok) throw new Error(`case change refused: ${result.reason}`);
        return result.case;
      }

      it('stores new alerts exactly, leaves known ids as they are, and answers how many were new', async () => {
        const big = amlAlert({
          pattern: 'cycle',
          scorePpm: RISK_SCORE_PPM_MAX,
          accounts: Array.from({ length: AML_ALERT_ACCOUNTS_MAX }, () => nextId()),
          txIds: Array.from({ length: AML_ALERT_TXS_MAX }, (_, i) =>
            i === 0 ? 'BANK-"\\'.padEnd(AML_ALERT_REF_CHARS_MAX, '\u0001') : nextId(),
          ),
          explanation: '',
          windowStartMs: T0,
        });
        const small = amlAlert({ accounts: [], explanation: 'A→B→C→A, 环路 ✓' });
        expect(await db.upsertAlerts([big, small])).toBe(2);
        expect(await db.getAlert(big.id)).toEqual(stored(big));
        expect(await db.getAlert(small.id)).toEqual(stored(small));
        const third = amlAlert();
        expect(await db.upsertAlerts([{ ...small, pattern: 'changed', scorePpm: 1 }, third, third])).toBe(1);
        expect(await db.getAlert(small.id)).toEqual(stored(small));
        expect(await db.getAlert(third.id)).toEqual(stored(third));
        expect(await db.getAlert(`unknown:${nextId()}`)).toBeNull();
      });

      it.each<[string, Partial<NewAmlAlert>]>([
        ['a malformed id', { id: 'has space' }],
        ['a window ending before it starts', { windowStartMs: T0 + 1, windowEndMs: T0 }],
        ['no transactions', { txIds: [] }],
        ['an empty account id', { accounts: [''] }],
        ['an account id too long', { accounts: ['a'.repeat(AML_ALERT_REF_CHARS_MAX + 1)] }],
        ['a score above 1,000,000 ppm', { scorePpm: RISK_SCORE_PPM_MAX + 1 }],
      ])('refuses a batch with an alert of %s (a bug: assertion), storing none of it', async (_, fields) => {
        const fine = amlAlert();
        await expect(db.upsertAlerts([fine, amlAlert(fields)])).rejects.toThrow(AssertionError);
        expect(await db.getAlert(fine.id)).toBeNull();
      });

      it('lists alerts newest first, by case and by pattern, page by page, and counts them by pattern', async () => {
        await withFreshDb('alerts', async (fresh) => {
          const regulator = await newUser('browser', fresh);
          // Ids that differ in case and punctuation, three per detection time: both backends order them bytewise.
          const ids = ['A:1', 'a-1', 'a_1', 'b:2', 'Z', '0', 'z:9', 'a:1'];
          const alerts = ids.map((id, i) =>
            amlAlert({ id, pattern: i % 3 === 0 ? 'cycle' : 'fan_in', detectedAtMs: T0 + Math.floor(i / 3) }),
          );
          expect(await fresh.upsertAlerts(alerts)).toBe(alerts.length);
          const caseId = nextId();
          const taken = ['b:2', 'a-1'];
          const opened = await fresh.createCase({
            id: caseId,
            title: 'Ring',
            createdByUserId: regulator.id,
            alertIds: taken,
            nowMs: T0 + 5,
          });
          expect(opened.ok).toBe(true);
          const model = alerts.map((alert) => stored(alert, taken.includes(alert.id) ? caseId : null));
          const filters: AmlAlertFilter[] = [
            {},
            { caseId: null },
            { caseId },
            { pattern: 'cycle' },
            { pattern: 'fan_in', caseId: null },
            { pattern: 'fan_in', caseId },
            { caseId: nextId() },
            { pattern: 'nothing' },
          ];
          for (const filter of filters) {
            const expected = newestFirst(
              model.filter(
                (a) =>
                  (filter.caseId === undefined || a.caseId === filter.caseId) &&
                  (filter.pattern === undefined || a.pattern === filter.pattern),
              ),
              (a) => a.detectedAtMs,
              (a) => a.id,
            );
            for (const limit of [1, 3]) {
              const all = await readAllPages<AmlAlert, AmlAlertCursor>(
                limit,
                (before) => fresh.listAlerts(filter, limit, before),
                (a) => ({ detectedAtMs: a.detectedAtMs, id: a.id }),
              );
              expect(all).toEqual(expected);
            }
          }
          expect(await fresh.countAlertsByPattern(T0, T0 + 3)).toEqual({ cycle: 3, fan_in: 5 });
          expect(await fresh.countAlertsByPattern(T0, T0 + 2)).toEqual({ cycle: 2, fan_in: 4 });
          expect(await fresh.countAlertsByPattern(T0 + 2, T0 + 2)).toEqual({});
        });
      });

      type AlertRole = 'free' | 'free2' | 'taken' | 'unknown';

      /** Two free alerts, one already in a case (`takenBy`), and the id of none. */
      async function caseFixture(): Promise<{
        readonly regulator: User;
        readonly takenBy: string;
        readonly ids: Readonly<Record<AlertRole, string>>;
      }> {
        const regulator = await newUser();
        const [free, free2, taken] = [amlAlert(), amlAlert(), amlAlert()];
        expect(await db.upsertAlerts([free, free2, taken])).toBe(3);
        const takenBy = nextId();
        const opened = await db.createCase({
          id: takenBy,
          title: 'Earlier case',
          createdByUserId: regulator.id,
          alertIds: [taken.id],
          nowMs: T0,
        });
        expect(opened.ok).toBe(true);
        const ids = { free: free.id, free2: free2.id, taken: taken.id, unknown: `unknown:${nextId()}` };
        return { regulator, takenBy, ids };
      }

      it('opens a case over free alerts: the case, its alert count, and each alert in it', async () => {
        const f = await caseFixture();
        const id = nextId();
        const input = {
          id,
          title: '资金归集 fan-in',
          createdByUserId: f.regulator.id,
          alertIds: [f.ids.free2, f.ids.free],
          nowMs: T0 + 7,
        };
        const expected: AmlCase = {
          id,
          title: '资金归集 fan-in',
          status: 'open',
          assigneeUserId: null,
          resolution: null,
          createdByUserId: f.regulator.id,
          alertCount: 2,
          createdAtMs: T0 + 7,
          updatedAtMs: T0 + 7,
          closedAtMs: null,
        };
        expect(await db.createCase(input)).toEqual({ ok: true, case: expected });
        expect(await db.getCase(id)).toEqual(expected);
        const inCase = await db.listAlerts({ caseId: id }, 10, null);
        expect(inCase.map((a) => a.id).sort()).toEqual([f.ids.free, f.ids.free2].sort());
        expect(await db.createCase({ ...input, id: nextId(), alertIds: [f.ids.free] })).toEqual({
          ok: false,
          reason: 'alert_in_case',
          alertId: f.ids.free,
        });
        expect(await db.getCase(nextId())).toBeNull();
      });

      it.each<[string, readonly AlertRole[], 'alert_not_found' | 'alert_in_case', AlertRole]>([
        ['an unknown alert', ['free', 'unknown'], 'alert_not_found', 'unknown'],
        ['an alert already in a case', ['free', 'taken'], 'alert_in_case', 'taken'],
        ['an unknown alert, then one in a case', ['free', 'unknown', 'taken'], 'alert_not_found', 'unknown'],
        ['an alert in a case, then an unknown one', ['taken', 'free', 'unknown'], 'alert_in_case', 'taken'],
      ])(
        'refuses a case over %s: the first failing alert in the given order, nothing changed',
        async (_, roles, reason, failing) => {
          const f = await caseFixture();
          const id = nextId();
          const result = await db.createCase({
            id,
            title: 'Fan-out ring',
            createdByUserId: f.regulator.id,
            alertIds: roles.map((role) => f.ids[role]),
            nowMs: T0 + 1,
          });
          expect(result).toEqual({ ok: false, reason, alertId: f.ids[failing] });
          expect(await db.getCase(id)).toBeNull();
          expect((await db.getAlert(f.ids.free))?.caseId).toBeNull();
          expect((await db.getAlert(f.ids.taken))?.caseId).toBe(f.takenBy);
          expect(await db.getCase(f.takenBy)).toMatchObject({ alertCount: 1, updatedAtMs: T0 });
        },
      );

      it('rolls a case back whole when its insert fails: an id used twice (db_duplicate), an unknown creator (db_reference)', async () => {
        const f = await caseFixture();
        const input = { title: 't', createdByUserId: f.regulator.id, alertIds: [f.ids.free], nowMs: T0 + 1 };
        await expectDbError(db.createCase({ ...input, id: f.takenBy }), 'db_duplicate');
        await expectDbError(db.createCase({ ...input, id: nextId(), createdByUserId: nextId() }), 'db_reference');
        expect((await db.getAlert(f.ids.free))?.caseId).toBeNull();
        expect(await db.getCase(f.takenBy)).toMatchObject({ title: 'Earlier case', alertCount: 1 });
      });

      it.each<[string, (alertId: string) => readonly string[]]>([
        ['no alerts', () => []],
        ['an alert twice', (a) => [a, a]],
        [
          'more than AML_CASE_ALERTS_MAX alerts',
          (a) => Array.from({ length: AML_CASE_ALERTS_MAX + 1 }, (_, i) => `${a}-${i}`),
        ],
        ['a malformed alert id', () => ['not an id']],
      ])('refuses a case over %s (a bug: assertion)', async (_, alertIdsOf) => {
        const f = await caseFixture();
        const id = nextId();
        const alertIds = alertIdsOf(f.ids.free);
        await expect(
          db.createCase({ id, title: 't', createdByUserId: f.regulator.id, alertIds, nowMs: T0 + 1 }),
        ).rejects.toThrow(AssertionError);
        expect(await db.getCase(id)).toBeNull();
      });

      it('opens a case inside a running transaction, and rolls back with it', async () => {
        const f = await caseFixture();
        const id = nextId();
        const input = { id, title: 't', createdByUserId: f.regulator.id, alertIds: [f.ids.free], nowMs: T0 + 1 };
        const failure = new Error('stop');
        const caught = await errorOf(
          db.transaction(async (tx) => {
            expect(await tx.createCase(input)).toMatchObject({ ok: true });
            expect((await tx.getAlert(f.ids.free))?.caseId).toBe(id);
            expect(await tx.addCaseNote(id, f.regulator.id, 'first look', T0 + 2)).toMatchObject({ note: { seq: 1 } });
            throw failure;
          }),
        );
        expect(caught).toBe(failure);
        expect(await db.getCase(id)).toBeNull();
        expect((await db.getAlert(f.ids.free))?.caseId).toBeNull();
        expect(await db.listCaseNotes(id)).toEqual([]);
        expect(await db.transaction((tx) => tx.createCase(input))).toMatchObject({ ok: true });
        expect((await db.getAlert(f.ids.free))?.caseId).toBe(id);
      });

      it('gives a free alert to exactly one of many concurrent cases; the others change nothing', async () => {
        const regulator = await newUser();
        const shared = amlAlert();
        const racers = Array.from({ length: RACERS }, () => ({ caseId: nextId(), own: amlAlert() }));
        await db.upsertAlerts([shared, ...racers.map((r) => r.own)]);
        const results = await Promise.all(
          racers.map((r, i) =>
            db.createCase({
              id: r.caseId,
              title: `racer ${i}`,
              createdByUserId: regulator.id,
              alertIds: [r.own.id, shared.id],
              nowMs: T0 + 1,
            }),
          ),
        );
        expect(countOf(results, (r) => r.ok)).toBe(1);
        expect(countOf(results, (r) => !r.ok && r.reason === 'alert_in_case' && r.alertId === shared.id)).toBe(
          RACERS - 1,
        );
        const winner = racers[results.findIndex((r) => r.ok)];
        expect((await db.getAlert(shared.id))?.caseId).toBe(winner?.caseId);
        for (const r of racers) {
          expect((await db.getAlert(r.own.id))?.caseId).toBe(r === winner ? r.caseId : null);
          expect(await db.getCase(r.caseId)).toEqual(r === winner ? expect.objectContaining({ alertCount: 2 }) : null);
        }
      });

      type CaseState = 'open' | 'assigned' | 'closed' | 'unknown';

      /** A case in the given state over a fresh alert, updated last at T0 + 2 at most; for 'unknown', an id of none. */
      async function caseIn(state: CaseState, regulator: User): Promise<string> {
        const id = nextId();
        if (state === 'unknown') return id;
        const alert = amlAlert();
        await db.upsertAlerts([alert]);
        const input = { id, title: 'Case', createdByUserId: regulator.id, alertIds: [alert.id], nowMs: T0 };
        expect((await db.createCase(input)).ok).toBe(true);
        if (state !== 'open') okCase(await db.assignCase(id, regulator.id, T0 + 1));
        if (state === 'closed') okCase(await db.closeCase(id, 'no_action', T0 + 2));
        return id;
      }

      const NOTE_TEXT = 'Called the bank: the payee is a shell company.\n转账对手为空壳公司。';

      it.each<['assign' | 'close' | 'note', CaseState, 'ok' | 'not_found' | 'closed']>([
        ['assign', 'open', 'ok'],
        ['assign', 'assigned', 'ok'],
        ['assign', 'closed', 'closed'],
        ['assign', 'unknown', 'not_found'],
        ['close', 'open', 'ok'],
        ['close', 'assigned', 'ok'],
        ['close', 'closed', 'closed'],
        ['close', 'unknown', 'not_found'],
        ['note', 'open', 'ok'],
        ['note', 'assigned', 'ok'],
        ['note', 'closed', 'closed'],
        ['note', 'unknown', 'not_found'],
      ])('%s on a case that is %s: %s', async (action, state, outcome) => {
        const [regulator, analyst] = [await newUser(), await newUser()];
        const id = await caseIn(state, regulator);
        const before = await db.getCase(id);
        const now = T0 + 10;
        const result =
          action === 'assign'
            ? await db.assignCase(id, analyst.id, now)
            : action === 'close'
              ? await db.closeCase(id, 'reported', now)
              : await db.addCaseNote(id, analyst.id, NOTE_TEXT, now);
        if (outcome !== 'ok') {
          expect(result).toEqual({ ok: false, reason: outcome });
          expect(await db.getCase(id)).toEqual(before);
          expect(await db.listCaseNotes(id)).toEqual([]);
          return;
        }
        if (before === null) throw new Error('the case exists');
        const after: AmlCase =
          action === 'assign'
            ? { ...before, status: 'assigned', assigneeUserId: analyst.id, updatedAtMs: now }
            : action === 'close'
              ? { ...before, status: 'closed', resolution: 'reported', closedAtMs: now, updatedAtMs: now }
              : { ...before, updatedAtMs: now };
        expect(await db.getCase(id)).toEqual(after);
        if (action === 'note') {
          const note = { caseId: id, seq: 1, authorUserId: analyst.id, text: NOTE_TEXT, createdAtMs: now };
          expect(result).toEqual({ ok: true, note });
          expect(await db.listCaseNotes(id)).toEqual([note]);
        } else {
          expect(result).toEqual({ ok: true, case: after });
        }
      });

      it('never moves a case’s updatedAtMs back, whatever the caller’s clock says', async () => {
        const regulator = await newUser();
        const id = await caseIn('open', regulator);
        expect(okCase(await db.assignCase(id, regulator.id, T0 + 100)).updatedAtMs).toBe(T0 + 100);
        expect(await db.addCaseNote(id, regulator.id, 'a slow clock', T0 + 50)).toMatchObject({
          note: { createdAtMs: T0 + 50 },
        });
        expect(okCase(await db.closeCase(id, 'false_positive', T0 + 60))).toMatchObject({
          updatedAtMs: T0 + 100,
          closedAtMs: T0 + 100,
        });
      });

      it('numbers notes 1, 2, 3… when they arrive at once, and lists them oldest first', async () => {
        const regulator = await newUser();
        const id = await caseIn('assigned', regulator);
        const texts = Array.from({ length: RACERS }, (_, i) => `note ${i}`);
        const results = await Promise.all(texts.map((text, i) => db.addCaseNote(id, regulator.id, text, T0 + 10 + i)));
        const seqs = texts.map((_, i) => i + 1);
        expect(results.map((r) => (r.ok ? r.note.seq : 0)).sort((a, b) => a - b)).toEqual(seqs);
        const notes = await db.listCaseNotes(id);
        expect(notes.map((n) => n.seq)).toEqual(seqs);
        for (const r of results) expect(notes).toContainEqual(r.ok ? r.note : null);
        expect((await db.getCase(id))?.updatedAtMs).toBe(T0 + 10 + RACERS - 1);
        // An unknown author: the note and the touch of the case are rolled back together.
        await expectDbError(db.addCaseNote(id, nextId(), 'who?', T0 + 99), 'db_reference');
        expect(await db.listCaseNotes(id)).toEqual(notes);
        expect((await db.getCase(id))?.updatedAtMs).toBe(T0 + 10 + RACERS - 1);
      });

      it('lists cases most recently updated first, by status, page by page, without gaps or repeats', async () => {
        await withFreshDb('cases', async (fresh) => {
          const regulator = await newUser('browser', fresh);
          const alerts = Array.from({ length: 6 }, () => amlAlert());
          await fresh.upsertAlerts(alerts);
          const cases: AmlCase[] = [];
          for (const [i, alert] of alerts.entries()) {
            const created = await fresh.createCase({
              id: nextId(),
              title: `case ${i}`,
              createdByUserId: regulator.id,
              alertIds: [alert.id],
              nowMs: T0 + Math.floor(i / 2),
            });
            if (!created.ok) throw new Error(`case refused: ${created.reason}`);
            let current = created.case;
            // Some move on, at one time, so the order follows updatedAtMs and then the id.
            if (i === 0 || i === 4) current = okCase(await fresh.assignCase(current.id, regulator.id, T0 + 5));
            if (i === 1 || i === 4) current = okCase(await fresh.closeCase(current.id, 'reported', T0 + 5));
            cases.push(current);
          }
          const statuses: readonly (AmlCaseStatus | undefined)[] = [undefined, 'open', 'assigned', 'closed'];
          for (const status of statuses) {
            const filter = status === undefined ? {} : { status };
            const expected = newestFirst(
              cases.filter((c) => status === undefined || c.status === status),
              (c) => c.updatedAtMs,
              (c) => c.id,
            );
            expect(expected.length).toBeGreaterThan(0);
            for (const limit of [1, 2]) {
              const all = await readAllPages<AmlCase, AmlCaseCursor>(
                limit,
                (before) => fresh.listCases(filter, limit, before),
                (c) => ({ updatedAtMs: c.updatedAtMs, id: c.id }),
              );
              expect(all).toEqual(expected);
            }
          }
          // Cases 0..5: 0 assigned, 1 closed, 2 and 3 and 5 open, 4 closed (assigned first).
          expect(await fresh.countCasesByStatus()).toEqual({ open: 3, assigned: 1, closed: 2 });
        });
      });
    });

    describe('transactions and housekeeping', () => {
      it('rolls back every write of a transaction that throws, and commits one that returns', async () => {
        const user = await newUser();
        const merchantId = nextId();
        const failure = new Error('stop');
        const caught = await errorOf(
          db.transaction(async (tx) => {
            await tx.createMerchant({
              id: merchantId,
              ownerUserId: user.id,
              name: 'n',
              mcc: '5411',
              city: 'c',
              region: 'r',
              settlementAccountId: nextId(),
              bankAccount: '6222021001123456',
              createdAtMs: T0,
            });
            expect(await tx.getMerchant(merchantId)).not.toBeNull();
            await tx.addDailySpend(user.id, '2025-06-15', 5n, 10n);
            throw failure;
          }),
        );
        expect(caught).toBe(failure);
        expect(await db.getMerchant(merchantId)).toBeNull();
        expect(await db.getDailySpend(user.id, '2025-06-15')).toBe(0n);
        expect(await db.transaction((tx) => tx.addDailySpend(user.id, '2025-06-15', 5n, 10n))).toEqual({
          ok: true,
          spent: 5n,
        });
      });

      it('keeps a write made outside a running transaction when that transaction rolls back', async () => {
        const user = await newUser();
        const outside = nextId();
        const failure = new Error('stop');
        let started = (): void => {};
        const inside = new Promise<void>((resolve) => {
          started = resolve;
        });
        const rolledBack = errorOf(
          db.transaction(async (tx) => {
            await tx.addDailySpend(user.id, '2025-06-15', 5n, 10n);
            started();
            // A turn of the event loop, so the write below is issued while this transaction is open.
            await new Promise((resolve) => setImmediate(resolve));
            throw failure;
          }),
        );
        await inside;
        await db.createMerchant({
          id: outside,
          ownerUserId: user.id,
          name: 'outside',
          mcc: '5411',
          city: 'c',
          region: 'r',
          settlementAccountId: nextId(),
          bankAccount: '6222021001123456',
          createdAtMs: T0,
        });
        expect(await rolledBack).toBe(failure);
        expect(await db.getMerchant(outside)).not.toBeNull();
        expect(await db.getDailySpend(user.id, '2025-06-15')).toBe(0n);
      });

      it('purges expired sessions and pay codes and old idempotency records, within the limit', async () => {
        const t = T0 + 4_000 * HOUR_MS;
        const user = await newUser();
        for (let i = 0; i < 3; i++) {
          await db.createSession({
            tokenHash: nextHash(),
            userId: user.id,
            deviceId: null,
            createdAtMs: t,
            expiresAtMs: t + 1,
          });
          await db.createPayCode({ codeHash: nextHash(), userId: user.id, createdAtMs: t, expiresAtMs: t + 1 });
        }
        const live = nextHash();
        await db.createSession({
          tokenHash: live,
          userId: user.id,
          deviceId: null,
          createdAtMs: t,
          expiresAtMs: t + HOUR_MS,
        });
        const first = await db.purgeExpired({ nowMs: t + 1, idempotencyRetentionMs: t + 1, limit: 2 });
        expect(first.sessions).toBeGreaterThanOrEqual(2);
        expect(first.payCodes).toBe(2);
        expect(first.idempotencyKeys).toBe(0);
        let rest = await db.purgeExpired({ nowMs: t + 1, idempotencyRetentionMs: 24 * HOUR_MS, limit: 10_000 });
        while (rest.sessions > 0 || rest.payCodes > 0 || rest.idempotencyKeys > 0) {
          rest = await db.purgeExpired({ nowMs: t + 1, idempotencyRetentionMs: 24 * HOUR_MS, limit: 10_000 });
        }
        expect(await db.findSession(live, t + 2)).not.toBeNull();
        const scope = `user:${nextId()}`;
        expect(await db.claimIdempotencyKey(scope, 'k', nextHash(), t)).toBe('new');
        const purged = await db.purgeExpired({ nowMs: t + 2, idempotencyRetentionMs: 1, limit: 10 });
        expect(purged.idempotencyKeys).toBe(1);
      });
    });

    describe(`failures of the ${harness.name} backend`, () => {
      if (harness.name === 'sqlite') {
        it('refuses (instead of hanging) the database used inside its own transaction', async () => {
          const id = nextId();
          await expect(db.transaction(() => db.getMerchant(id))).rejects.toThrow(AssertionError);
          expect(await db.getMerchant(id)).toBeNull();
        });

        it('reports a file that is not a database as db_corrupt', async () => {
          const dir = mkdtempSync(join(tmpdir(), `paychain-gw-${RUN_TAG}-bad-`));
          try {
            const path = join(dir, 'not-a-db.sqlite');
            writeFileSync(path, 'this is not an SQLite database, just text long enough to have a header'.repeat(20));
            await expectDbError(openGatewayDb(`sqlite:${path}`), 'db_corrupt');
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        });
      } else {
        it('lets two gateways migrate one schema at once: one applies, the other finds it current', async () => {
          const [a, b] = [await harness.open('race'), await harness.open('race')];
          try {
            const results = await Promise.all([a.migrate(T0), b.migrate(T0)]);
            expect(results.map((r) => r.applied).sort()).toEqual([[], ALL_VERSIONS]);
            expect(await b.schemaVersion()).toBe(SCHEMA_VERSION);
          } finally {
            await Promise.all([a.close(), b.close()]);
          }
        });

        it('reports a server that does not answer as db_unavailable', async () => {
          const url = 'postgres://postgres@127.0.0.1:1/test';
          await expectDbError(openPostgresGatewayDb({ url, connectTimeoutMs: 2_000 }), 'db_unavailable');
        });
      }
    });
  });
});

describe('parseGatewayDbSpec', () => {
  it.each([
    ['sqlite:/var/lib/paychain/gateway.sqlite', { kind: 'sqlite', path: '/var/lib/paychain/gateway.sqlite' }],
    ['sqlite:gateway.sqlite', { kind: 'sqlite', path: 'gateway.sqlite' }],
    ['postgres://gw@db:5432/paychain', { kind: 'postgres', url: 'postgres://gw@db:5432/paychain' }],
    ['postgresql://gw@db/paychain', { kind: 'postgres', url: 'postgresql://gw@db/paychain' }],
    ['sqlite:', null],
    ['postgres://', null],
    ['mysql://db/paychain', null],
    ['/var/lib/gateway.sqlite', null],
    ['', null],
  ])('%j → %j', (text, expected) => {
    expect(parseGatewayDbSpec(text)).toEqual(expected);
  });

  it('refuses an unknown spec with db_config, without echoing it', async () => {
    const error = await expectDbError(openGatewayDb('mysql://root:secret@db/x'), 'db_config');
    expect(error.message).not.toContain('secret');
  });
});
