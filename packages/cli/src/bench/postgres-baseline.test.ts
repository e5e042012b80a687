// Goal: the PostgreSQL baseline pays each planned payment exactly once (committed or rejected), conserves
// money in its double-entry schema, replays from its seed, leaves no schema behind, and returns null without a
// server. Method: small runs against the real local PostgreSQL (skipped, saying why, when none answers), checked
// with SQL on a kept schema; a table of invalid options; a run against a closed port.
import { AssertionError } from '@paychain/core';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  POSTGRES_BASELINE_CONNECTIONS_MAX,
  POSTGRES_BASELINE_URL_DEFAULT,
  type PostgresBaselineOptions,
  runPostgresBaseline,
} from './postgres-baseline.ts';

const URL = process.env.PAYCHAIN_TEST_POSTGRES_URL ?? POSTGRES_BASELINE_URL_DEFAULT;
const RUN_TIMEOUT_MS = 60_000;

async function isServerReachable(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  const reachable = await client.connect().then(
    () => true,
    () => false,
  );
  if (reachable) await client.end();
  return reachable;
}

const serverReachable = await isServerReachable(URL);

describe.skipIf(!serverReachable)(`against the PostgreSQL server at ${URL} (skipped when it does not answer)`, () => {
  const admin = new Client({ connectionString: URL });
  beforeAll(() => admin.connect());
  afterAll(() => admin.end());

  async function schemaExists(schema: string): Promise<boolean> {
    const result = await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    return result.rows.length === 1;
  }

  async function scalar(sql: string): Promise<string> {
    const result = await admin.query<{ value: string }>(sql);
    const value = result.rows[0]?.value;
    if (typeof value !== 'string') throw new Error(`no value from: ${sql}`);
    return value;
  }

  it(
    'pays every payment once, reports the server settings, and drops its schema',
    async () => {
      const result = await runPostgresBaseline({
        url: URL,
        payments: 500,
        payers: 200,
        hotMerchants: 10,
        hotSharePercent: 20,
        connections: 4,
        seed: 1n,
      });
      expect(result).not.toBeNull();
      if (result === null) return;
      expect(result.committed + result.rejected).toBe(500);
      expect(result.payments).toBe(500);
      expect(result.connections).toBe(4);
      expect(result.perSec).toBeGreaterThan(0);
      expect(result.p99LatencyMs).toBeGreaterThan(0);
      expect(result.serverVersion).toMatch(/^\d+/);
      expect(result.synchronousCommit).not.toBe('');
      expect(await schemaExists(result.schema)).toBe(false);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'conserves money: balances sum to the funding, every account reconciles with its entries',
    async () => {
      // Little funding and half the payments to two merchants who never pay: payers run dry, so both outcomes occur.
      const fundingMinor = 20_000n;
      const payers = 20;
      const result = await runPostgresBaseline({
        url: URL,
        payments: 300,
        payers,
        hotMerchants: 2,
        hotSharePercent: 50,
        connections: 4,
        seed: 7n,
        fundingMinor,
        keepSchema: true,
      });
      expect(result).not.toBeNull();
      if (result === null) return;
      const s = `"${result.schema}"`;
      try {
        expect(result.committed + result.rejected).toBe(300);
        expect(result.rejected).toBeGreaterThan(0);
        expect(result.committed).toBeGreaterThan(0);
        expect(BigInt(await scalar(`SELECT sum(balance)::text AS value FROM ${s}.accounts`))).toBe(
          BigInt(payers) * fundingMinor,
        );
        expect(await scalar(`SELECT count(*)::text AS value FROM ${s}.payments`)).toBe(String(result.committed));
        // Each payment's two entries cancel out, and debit the source and credit the target by the amount.
        const unbalanced = `SELECT count(*)::text AS value FROM ${s}.payments p
          WHERE (SELECT count(*) FROM ${s}.entries e WHERE e.payment_id = p.id) <> 2
             OR NOT EXISTS (SELECT 1 FROM ${s}.entries e WHERE e.payment_id = p.id AND e.account_id = p.source AND e.amount = -p.amount)
             OR NOT EXISTS (SELECT 1 FROM ${s}.entries e WHERE e.payment_id = p.id AND e.account_id = p.target AND e.amount = p.amount)`;
        expect(await scalar(unbalanced)).toBe('0');
        // Each balance is its opening balance plus its entries.
        const unreconciled = `SELECT count(*)::text AS value FROM ${s}.accounts a
          WHERE a.balance <> (CASE WHEN a.id <= ${payers} THEN ${fundingMinor} ELSE 0 END)
                 + coalesce((SELECT sum(e.amount) FROM ${s}.entries e WHERE e.account_id = a.id), 0)`;
        expect(await scalar(unreconciled)).toBe('0');
      } finally {
        await admin.query(`DROP SCHEMA ${s} CASCADE`);
      }
      expect(await schemaExists(result.schema)).toBe(false);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'replays: one connection and the same seed give the same outcome',
    async () => {
      const options: PostgresBaselineOptions = {
        url: URL,
        payments: 200,
        payers: 10,
        hotMerchants: 2,
        hotSharePercent: 50,
        connections: 1,
        seed: 99n,
        fundingMinor: 30_000n,
      };
      const first = await runPostgresBaseline(options);
      const second = await runPostgresBaseline(options);
      expect(first).not.toBeNull();
      expect(second).not.toBeNull();
      expect([second?.committed, second?.rejected]).toEqual([first?.committed, first?.rejected]);
      expect(first?.rejected).toBeGreaterThan(0);
      expect(first?.retries).toBe(0);
    },
    RUN_TIMEOUT_MS,
  );
});

describe('without a server', () => {
  it('returns null for a closed port', async () => {
    const result = await runPostgresBaseline({
      url: 'postgres://postgres@127.0.0.1:1/postgres',
      payments: 10,
      payers: 5,
      hotMerchants: 1,
      hotSharePercent: 20,
      connections: 2,
      seed: 1n,
    });
    expect(result).toBeNull();
  }, 10_000);

  const valid: PostgresBaselineOptions = {
    url: 'postgres://postgres@127.0.0.1:1/postgres',
    payments: 10,
    payers: 5,
    hotMerchants: 1,
    hotSharePercent: 20,
    connections: 2,
    seed: 1n,
  };
  it.each<[string, Partial<PostgresBaselineOptions>]>([
    ['no payments', { payments: 0 }],
    ['a fractional payment count', { payments: 1.5 }],
    ['a single payer', { payers: 1 }],
    ['negative hot merchants', { hotMerchants: -1 }],
    ['a hot share above 100%', { hotSharePercent: 101 }],
    ['a hot share without hot merchants', { hotMerchants: 0 }],
    ['no connections', { connections: 0 }],
    ['too many connections', { connections: POSTGRES_BASELINE_CONNECTIONS_MAX + 1 }],
    ['negative funding', { fundingMinor: -1n }],
  ])('rejects %s as a bug, before connecting', async (_, change) => {
    await expect(runPostgresBaseline({ ...valid, ...change })).rejects.toBeInstanceOf(AssertionError);
  });
});
