/**
 * The PostgreSQL baseline of `paychain bench ledger`: the same payments done the classic way, as a
 * bank's core system would do them, so the ledger's transfers/s can be printed next to a figure
 * measured on the same machine in the same run.
 *
 * Method: a fresh schema per run (unique name, dropped at the end even on failure) with a
 * double-entry design — accounts with a non-negative balance, one payments row per payment keyed by
 * the client's payment id (idempotency), two entries rows per payment (-debit, +credit). Each payment
 * is one SQL transaction on one of `connections` connections: BEGIN; lock both account rows with one
 * SELECT … ORDER BY id FOR UPDATE (rows are locked in id order, so two payments never deadlock);
 * check funds; UPDATE both balances; INSERT the payment and its two entries (one statement); COMMIT.
 * Statements are named (prepared once per connection). Durability is the server's own setting: we
 * report synchronous_commit and never change it, because the ledger is durable too.
 *
 * Estimate, written before measuring: a payment is 5 round trips. On loopback with a 2-core machine
 * shared by Node and PostgreSQL, each costs ~30–60 µs of server CPU plus ~30 µs of client CPU, and the
 * COMMIT's WAL flush (fdatasync ~0.15 ms here, shared by concurrent commits) overlaps with other
 * connections' work. So CPU bounds it: about 2 cores / ~0.5 ms per payment ≈ 2,000–4,000 payments/s,
 * little gained past 8 connections, and hot merchants (a few rows taking 20% of payments) add lock
 * waits of one commit each.
 *
 * A run interrupted by a signal can leave its schema behind: every schema is named
 * `paychain_bench_<hex>`, so leftovers are easy to find and drop by hand.
 */
import { randomBytes } from 'node:crypto';
import { AssertionError, assert } from '@paychain/core';
import { Client, DatabaseError } from 'pg';

export const POSTGRES_BASELINE_URL_DEFAULT = 'postgres://postgres@127.0.0.1:5432/postgres';
/** The pre-generated plan takes 40 bytes per payment: 40 MB at this maximum. */
export const POSTGRES_BASELINE_PAYMENTS_MAX = 1_000_000;
export const POSTGRES_BASELINE_PAYERS_MAX = 10_000_000;
export const POSTGRES_BASELINE_HOT_MERCHANTS_MAX = 10_000;
/** Below PostgreSQL's default max_connections (100), which the admin connection shares. */
export const POSTGRES_BASELINE_CONNECTIONS_MAX = 64;
/** Attempts per payment when PostgreSQL reports a serialization failure or a deadlock. */
export const POSTGRES_BASELINE_ATTEMPTS_MAX = 16;
/** 10,000.00 in minor units: with payments of at most 100.00, a payer runs dry only in long runs. */
export const POSTGRES_BASELINE_FUNDING_MINOR_DEFAULT = 1_000_000n;
/** Same range as the ledger workload's payments (`Workload.payment`, maxMinor 10_000). */
export const POSTGRES_BASELINE_AMOUNT_MAX_MINOR = 10_000n;
const CONNECT_TIMEOUT_MS = 5_000;
const SCHEMA_PREFIX = 'paychain_bench_';
const CURRENCY = 'CNY';

export interface PostgresBaselineOptions {
  /** Default POSTGRES_BASELINE_URL_DEFAULT. */
  readonly url?: string;
  readonly payments: number;
  /** Payer accounts, ids 1..payers; each starts with fundingMinor. */
  readonly payers: number;
  /** Merchant accounts, ids after the payers; they start empty and only receive. */
  readonly hotMerchants: number;
  /** Share of payments to the hot merchants, in percent; the rest go to another random payer. */
  readonly hotSharePercent: number;
  /** Concurrent connections, each running one payment transaction at a time. */
  readonly connections: number;
  readonly seed: bigint;
  /** Starting balance of each payer. Default POSTGRES_BASELINE_FUNDING_MINOR_DEFAULT. */
  readonly fundingMinor?: bigint;
  /** Leave the schema in place (named in the result) for inspection; the caller then drops it. */
  readonly keepSchema?: boolean;
}

export interface PostgresBaselineResult {
  /** committed / seconds. */
  readonly perSec: number;
  readonly payments: number;
  readonly committed: number;
  /** Refused for insufficient funds (rolled back, nothing written). */
  readonly rejected: number;
  /** Attempts repeated after a serialization failure or deadlock (0 expected: locks are ordered). */
  readonly retries: number;
  /** Wall time of the payment phase only, not setup or checks. */
  readonly seconds: number;
  readonly connections: number;
  readonly serverVersion: string;
  readonly synchronousCommit: string;
  /** Per payment, from BEGIN of its first attempt to the COMMIT (or ROLLBACK) reply. */
  readonly p99LatencyMs: number;
  /** The run's schema: already dropped unless keepSchema was set. */
  readonly schema: string;
}

export type PostgresBaselineErrorCode =
  | 'setup_failed'
  | 'payment_failed'
  | 'payment_attempts_exhausted'
  | 'cleanup_failed';

/** An operating error of the baseline (server, connection): the bench decides whether to go on without it. */
export class PostgresBaselineError extends Error {
  override readonly name = 'PostgresBaselineError';
  readonly code: PostgresBaselineErrorCode;
  readonly schema: string;
  constructor(code: PostgresBaselineErrorCode, schema: string, message: string, options: { cause: unknown }) {
    super(message, options);
    this.code = code;
    this.schema = schema;
  }
}

/**
 * Runs the payments the classic way and measures them. Null when no server answers the first
 * connection (refused, unreachable, timeout, or refused login): the bench then omits the figures.
 * Any later failure throws a PostgresBaselineError after dropping the schema.
 */
export async function runPostgresBaseline(options: PostgresBaselineOptions): Promise<PostgresBaselineResult | null> {
  assertOptions(options);
  const plan = createPaymentPlan(options);
  const url = options.url ?? POSTGRES_BASELINE_URL_DEFAULT;
  const schema = `${SCHEMA_PREFIX}${randomBytes(8).toString('hex')}`;
  const admin = createClient(url);
  // An idle connection that breaks reports here (the next query on it then fails too).
  let adminError: Error | null = null;
  admin.on('error', (error) => {
    adminError ??= error;
  });
  const connectError: unknown = await admin.connect().then(
    () => null,
    (error: unknown) => error ?? 'connect failed',
  );
  // No server to compare against (refused, unreachable, timed out, login refused): omit the figures.
  if (connectError !== null) return null;

  let failure: unknown = null;
  try {
    return await runOnSchema(admin, url, schema, plan, options);
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    await dropAndClose(admin, schema, options.keepSchema === true && failure === null, failure ?? adminError);
  }
}

function assertOptions(options: PostgresBaselineOptions): void {
  const { payments, payers, hotMerchants, hotSharePercent, connections } = options;
  assert(Number.isSafeInteger(payments) && payments >= 1, 'payments must be a positive integer');
  assert(payments <= POSTGRES_BASELINE_PAYMENTS_MAX, 'payments exceeds POSTGRES_BASELINE_PAYMENTS_MAX');
  assert(Number.isSafeInteger(payers) && payers >= 2, 'payers must be an integer >= 2 (a payer pays another payer)');
  assert(payers <= POSTGRES_BASELINE_PAYERS_MAX, 'payers exceeds POSTGRES_BASELINE_PAYERS_MAX');
  assert(Number.isSafeInteger(hotMerchants) && hotMerchants >= 0, 'hotMerchants must be a non-negative integer');
  assert(
    hotMerchants <= POSTGRES_BASELINE_HOT_MERCHANTS_MAX,
    'hotMerchants exceeds POSTGRES_BASELINE_HOT_MERCHANTS_MAX',
  );
  assert(
    Number.isInteger(hotSharePercent) && hotSharePercent >= 0 && hotSharePercent <= 100,
    'hotSharePercent in 0..100',
  );
  assert(hotSharePercent === 0 || hotMerchants > 0, 'a hot share needs hot merchants');
  assert(Number.isSafeInteger(connections) && connections >= 1, 'connections must be a positive integer');
  assert(connections <= POSTGRES_BASELINE_CONNECTIONS_MAX, 'connections exceeds POSTGRES_BASELINE_CONNECTIONS_MAX');
  assert((options.fundingMinor ?? POSTGRES_BASELINE_FUNDING_MINOR_DEFAULT) >= 0n, 'fundingMinor must be >= 0');
  // Account ids live in an Int32Array and in a bigint column.
  assert(payers + hotMerchants < 2 ** 31, 'account ids must fit 31 bits');
}

function createClient(url: string): Client {
  return new Client({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'paychain-bench',
  });
}

// --- The payment plan: pre-generated from the seed, so every run pays the same payments. ---

interface PaymentPlan {
  readonly count: number;
  readonly payers: number;
  readonly hotMerchants: number;
  readonly fundingMinor: bigint;
  /** The client's 128-bit payment id, in two halves. */
  readonly idHigh: BigUint64Array;
  readonly idLow: BigUint64Array;
  readonly source: Int32Array;
  readonly target: Int32Array;
  readonly amountMinor: BigInt64Array;
}

const MASK_64 = (1n << 64n) - 1n;

/** SplitMix64 (same algorithm as `rng.ts`): tiny, seeded, and identical on every machine. */
function createSplitMix64(seed: bigint): () => bigint {
  let state = seed & MASK_64;
  return () => {
    state = (state + 0x9e3779b97f4a7c15n) & MASK_64;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
    return z ^ (z >> 31n);
  };
}

function createPaymentPlan(options: PostgresBaselineOptions): PaymentPlan {
  const next64 = createSplitMix64(options.seed);
  const below = (n: number): number => Number(next64() % BigInt(n));
  const count = options.payments;
  const plan: PaymentPlan = {
    count,
    payers: options.payers,
    hotMerchants: options.hotMerchants,
    fundingMinor: options.fundingMinor ?? POSTGRES_BASELINE_FUNDING_MINOR_DEFAULT,
    idHigh: new BigUint64Array(count),
    idLow: new BigUint64Array(count),
    source: new Int32Array(count),
    target: new Int32Array(count),
    amountMinor: new BigInt64Array(count),
  };
  for (let i = 0; i < count; i++) {
    const source = 1 + below(options.payers);
    let target: number;
    if (below(100) < options.hotSharePercent) {
      target = options.payers + 1 + below(options.hotMerchants);
    } else {
      // Another payer: draw from the payers without the source, so no loop is needed.
      target = 1 + below(options.payers - 1);
      if (target >= source) target += 1;
    }
    plan.idHigh[i] = next64();
    plan.idLow[i] = next64();
    plan.source[i] = source;
    plan.target[i] = target;
    plan.amountMinor[i] = 1n + (next64() % POSTGRES_BASELINE_AMOUNT_MAX_MINOR);
  }
  return plan;
}

function paymentIdToUuid(high: bigint, low: bigint): string {
  const hex = high.toString(16).padStart(16, '0') + low.toString(16).padStart(16, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// --- Schema and statements. ---

interface Statements {
  readonly lock: string;
  readonly move: string;
  readonly record: string;
}

function quoteIdentifier(name: string): string {
  assert(/^[a-z_][a-z0-9_]*$/.test(name), `unexpected identifier ${name}`);
  return `"${name}"`;
}

function createStatements(schema: string): Statements {
  const s = quoteIdentifier(schema);
  return {
    // ORDER BY runs below the row locks, so both rows are locked in ascending id order.
    lock: `SELECT id, balance FROM ${s}.accounts WHERE id IN ($1::bigint, $2::bigint) ORDER BY id FOR UPDATE`,
    move: `UPDATE ${s}.accounts SET balance = balance + CASE WHEN id = $1::bigint THEN -$3::bigint ELSE $3::bigint END,
             updated_at = now() WHERE id IN ($1::bigint, $2::bigint)`,
    record: `WITH payment AS (
               INSERT INTO ${s}.payments (id, source, target, amount, created_at)
               VALUES ($1::uuid, $2::bigint, $3::bigint, $4::bigint, now()) RETURNING id)
             INSERT INTO ${s}.entries (payment_id, account_id, amount, created_at)
             SELECT payment.id, leg.account_id, leg.amount, now()
             FROM payment, (VALUES ($2::bigint, -$4::bigint), ($3::bigint, $4::bigint)) AS leg(account_id, amount)`,
  };
}

async function createSchema(admin: Client, schema: string, plan: PaymentPlan): Promise<void> {
  const s = quoteIdentifier(schema);
  await admin.query(`
    CREATE SCHEMA ${s};
    CREATE TABLE ${s}.accounts (
      id bigint PRIMARY KEY,
      currency char(3) NOT NULL,
      balance bigint NOT NULL CHECK (balance >= 0),
      updated_at timestamptz NOT NULL);
    CREATE TABLE ${s}.payments (
      id uuid PRIMARY KEY,
      source bigint NOT NULL REFERENCES ${s}.accounts,
      target bigint NOT NULL REFERENCES ${s}.accounts,
      amount bigint NOT NULL CHECK (amount > 0),
      created_at timestamptz NOT NULL);
    CREATE TABLE ${s}.entries (
      id bigserial PRIMARY KEY,
      payment_id uuid NOT NULL REFERENCES ${s}.payments,
      account_id bigint NOT NULL REFERENCES ${s}.accounts,
      amount bigint NOT NULL,
      created_at timestamptz NOT NULL);
    CREATE INDEX entries_account_id ON ${s}.entries (account_id);`);
  await admin.query(
    `INSERT INTO ${s}.accounts (id, currency, balance, updated_at)
     SELECT g, $1, CASE WHEN g <= $2::bigint THEN $3::bigint ELSE 0 END, now() FROM generate_series(1, $4::bigint) AS g`,
    [CURRENCY, String(plan.payers), String(plan.fundingMinor), String(plan.payers + plan.hotMerchants)],
  );
  await admin.query(`ANALYZE ${s}.accounts`);
}

// --- The run. ---

interface Tally {
  next: number;
  committed: number;
  rejected: number;
  retries: number;
  /** Set by the first worker that fails, so the others stop taking payments. */
  failure: unknown;
}

async function runOnSchema(
  admin: Client,
  url: string,
  schema: string,
  plan: PaymentPlan,
  options: PostgresBaselineOptions,
): Promise<PostgresBaselineResult> {
  let serverVersion: string;
  let synchronousCommit: string;
  try {
    serverVersion = await showSetting(admin, 'server_version');
    synchronousCommit = await showSetting(admin, 'synchronous_commit');
    await createSchema(admin, schema, plan);
  } catch (error) {
    throw new PostgresBaselineError('setup_failed', schema, `could not create ${schema}: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const tally: Tally = { next: 0, committed: 0, rejected: 0, retries: 0, failure: null };
  const workers = await connectWorkers(url, schema, options.connections, tally);
  const statements = createStatements(schema);
  const latencyMs = new Float64Array(plan.count);
  let seconds: number;
  try {
    const started = performance.now();
    await Promise.all(workers.map((client) => runWorker(client, statements, plan, tally, latencyMs, schema)));
    seconds = (performance.now() - started) / 1000;
  } finally {
    await Promise.allSettled(workers.map((client) => client.end()));
  }
  if (tally.failure !== null) throw tally.failure;
  assert(tally.committed + tally.rejected === plan.count, 'every payment is committed or rejected exactly once');
  await assertLedgerConsistent(admin, schema, plan, tally.committed);
  return {
    perSec: tally.committed / seconds,
    payments: plan.count,
    committed: tally.committed,
    rejected: tally.rejected,
    retries: tally.retries,
    seconds,
    connections: options.connections,
    serverVersion,
    synchronousCommit,
    p99LatencyMs: percentile(latencyMs, 0.99),
    schema,
  };
}

async function showSetting(client: Client, name: 'server_version' | 'synchronous_commit'): Promise<string> {
  const result = await client.query<Record<string, string>>(`SHOW ${name}`);
  const value = result.rows[0]?.[name];
  assert(typeof value === 'string', `SHOW ${name} returns one row`);
  return value;
}

async function connectWorkers(url: string, schema: string, connections: number, tally: Tally): Promise<Client[]> {
  const workers: Client[] = [];
  for (let i = 0; i < connections; i++) {
    const client = createClient(url);
    // A connection that breaks between queries: stop the run (the next query on it would fail anyway).
    client.on('error', (error) => {
      tally.failure ??= new PostgresBaselineError('payment_failed', schema, `connection lost: ${error.message}`, {
        cause: error,
      });
    });
    workers.push(client);
  }
  const connected = await Promise.allSettled(workers.map((client) => client.connect()));
  const refused = connected.find((outcome) => outcome.status === 'rejected');
  if (refused !== undefined) {
    await Promise.allSettled(workers.map((client) => client.end()));
    throw new PostgresBaselineError('setup_failed', schema, `could not open ${connections} connections`, {
      cause: refused.reason,
    });
  }
  return workers;
}

type PaymentOutcome = 'committed' | 'rejected';

async function runWorker(
  client: Client,
  statements: Statements,
  plan: PaymentPlan,
  tally: Tally,
  latencyMs: Float64Array,
  schema: string,
): Promise<void> {
  while (tally.failure === null) {
    const index = tally.next;
    if (index >= plan.count) return;
    tally.next = index + 1;
    const started = performance.now();
    let outcome: PaymentOutcome;
    try {
      outcome = await makePayment(client, statements, plan, index, tally, schema);
    } catch (error) {
      tally.failure ??= error;
      return;
    }
    latencyMs[index] = performance.now() - started;
    if (outcome === 'committed') tally.committed += 1;
    else tally.rejected += 1;
  }
}

/** Serialization failure and deadlock: PostgreSQL rolled the transaction back, and the same payment may be tried again. */
const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(['40001', '40P01']);

async function makePayment(
  client: Client,
  statements: Statements,
  plan: PaymentPlan,
  index: number,
  tally: Tally,
  schema: string,
): Promise<PaymentOutcome> {
  const idHigh = plan.idHigh[index];
  const idLow = plan.idLow[index];
  const source = plan.source[index];
  const target = plan.target[index];
  const amountMinor = plan.amountMinor[index];
  assert(
    idHigh !== undefined &&
      idLow !== undefined &&
      source !== undefined &&
      target !== undefined &&
      amountMinor !== undefined,
    'payment index within the plan',
  );
  const payment: PlannedPayment = {
    id: paymentIdToUuid(idHigh, idLow),
    source: String(source),
    target: String(target),
    amountMinor,
  };
  for (let attempt = 1; ; attempt++) {
    try {
      return await paymentTransaction(client, statements, payment);
    } catch (error) {
      if (error instanceof AssertionError) throw error;
      try {
        // A no-op with a warning when the transaction already ended; fails only on a broken connection.
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        throw new PostgresBaselineError(
          'payment_failed',
          schema,
          `payment ${payment.id} failed (${messageOf(error)}) and its ROLLBACK too (${messageOf(rollbackError)})`,
          { cause: error },
        );
      }
      if (!RETRYABLE_SQLSTATES.has(sqlStateOf(error))) {
        throw new PostgresBaselineError('payment_failed', schema, `payment ${payment.id} failed: ${messageOf(error)}`, {
          cause: error,
        });
      }
      if (attempt >= POSTGRES_BASELINE_ATTEMPTS_MAX) {
        throw new PostgresBaselineError(
          'payment_attempts_exhausted',
          schema,
          `payment ${payment.id} failed ${attempt} times: ${messageOf(error)}`,
          { cause: error },
        );
      }
      tally.retries += 1;
    }
  }
}

interface PlannedPayment {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly amountMinor: bigint;
}

async function paymentTransaction(
  client: Client,
  statements: Statements,
  payment: PlannedPayment,
): Promise<PaymentOutcome> {
  const amount = String(payment.amountMinor);
  await client.query('BEGIN');
  const locked = await client.query<{ id: string; balance: string }>({
    name: 'baseline_lock',
    text: statements.lock,
    values: [payment.source, payment.target],
  });
  assert(locked.rows.length === 2, `both accounts of payment ${payment.id} exist`);
  const sourceRow = locked.rows.find((row) => row.id === payment.source);
  assert(sourceRow !== undefined, `source account of payment ${payment.id} is locked`);
  if (BigInt(sourceRow.balance) < payment.amountMinor) {
    await client.query('ROLLBACK');
    return 'rejected';
  }
  const moved = await client.query({
    name: 'baseline_move',
    text: statements.move,
    values: [payment.source, payment.target, amount],
  });
  assert(moved.rowCount === 2, `payment ${payment.id} updates exactly its two accounts`);
  const recorded = await client.query({
    name: 'baseline_record',
    text: statements.record,
    values: [payment.id, payment.source, payment.target, amount],
  });
  assert(recorded.rowCount === 2, `payment ${payment.id} writes exactly two entries`);
  await client.query('COMMIT');
  return 'committed';
}

// --- Checks and cleanup (outside the timed phase). ---

/** Money conserved, one payment row and two entries per committed payment, entries balanced. */
async function assertLedgerConsistent(
  admin: Client,
  schema: string,
  plan: PaymentPlan,
  committed: number,
): Promise<void> {
  const s = quoteIdentifier(schema);
  const result = await admin.query<{ balance_total: string; payments: string; entries: string; entry_total: string }>(
    `SELECT (SELECT sum(balance) FROM ${s}.accounts)::text AS balance_total,
            (SELECT count(*) FROM ${s}.payments)::text AS payments,
            (SELECT count(*) FROM ${s}.entries)::text AS entries,
            (SELECT coalesce(sum(amount), 0) FROM ${s}.entries)::text AS entry_total`,
  );
  const row = result.rows[0];
  assert(row !== undefined, 'the consistency query returns one row');
  assert(BigInt(row.balance_total) === BigInt(plan.payers) * plan.fundingMinor, 'money is conserved');
  assert(Number(row.payments) === committed, 'one payments row per committed payment');
  assert(Number(row.entries) === 2 * committed, 'two entries per committed payment');
  assert(BigInt(row.entry_total) === 0n, 'debits equal credits');
}

async function dropAndClose(admin: Client, schema: string, keepSchema: boolean, failure: unknown): Promise<void> {
  let dropError: unknown = null;
  if (!keepSchema) {
    try {
      await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    } catch (error) {
      dropError = error;
    }
  }
  await admin.end();
  if (dropError === null) return;
  const after = failure === null ? '' : ` after an earlier failure (${messageOf(failure)})`;
  throw new PostgresBaselineError(
    'cleanup_failed',
    schema,
    `could not drop schema ${schema}${after}; drop it by hand: ${messageOf(dropError)}`,
    { cause: dropError },
  );
}

/** Nearest-rank percentile; 0 for no values. */
function percentile(values: Float64Array, fraction: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

function sqlStateOf(error: unknown): string {
  if (error instanceof DatabaseError && typeof error.code === 'string') return error.code;
  return '';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
