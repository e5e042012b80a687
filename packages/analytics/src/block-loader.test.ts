// Goal: the warehouse holds each money movement the ledger applied exactly once — after a load
// cut by a failure, a close and a reopen, and while following a growing chain — and nothing the
// ledger refused. Method: a real peer builds a chain (SQLite in a temp dir); the loader writes to
// a real DuckDB file and a real ClickHouse server; the rows are compared with the test's own
// record of the payments the ledger applied.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AccountInfo, StaticAccountDirectory, StaticPaymentDirectory } from './account-directory.ts';
import { BlockLoader } from './block-loader.ts';
import { type ExpectedRow, TEST_GENESIS_MS, TestChain } from './test-chain.ts';
import { type EngineHarness, startEngine, WAREHOUSE_ENGINES } from './test-engines.ts';
import { DAY_MS, HOUR_MS, type Warehouse, type WarehouseEngine, WarehouseError } from './warehouse.ts';

const EVERYTHING = { fromMs: 0, toMs: TEST_GENESIS_MS + 365 * DAY_MS, currency: 'CNY' };

interface Parties {
  alice: string;
  bob: string;
  carol: string;
  shop: string;
  cafe: string;
}

/** Opens accounts at both banks and funds them (block 1 and 2). */
function openParties(chain: TestChain, timeMs: number): Parties {
  const parties = {
    alice: chain.open('bank'),
    bob: chain.open('coop'),
    carol: chain.open('bank'),
    shop: chain.open('bank'),
    cafe: chain.open('coop'),
  };
  chain.commit(timeMs);
  chain.mint(parties.alice, 1_000_000n);
  chain.mint(parties.bob, 500_000n);
  chain.mint(parties.carol, 50n);
  chain.commit(timeMs + 1_000);
  return parties;
}

/** Payments of every kind over `blocks` blocks an hour apart, refused ones among them. */
function pay(chain: TestChain, p: Parties, blocks: number, startMs: number): void {
  for (let b = 0; b < blocks; b++) {
    const i = chain.height;
    chain.transfer(p.alice, p.shop, 100n + i);
    chain.transfer(p.bob, p.cafe, 200n + i);
    chain.transfer(p.alice, p.bob, 7n);
    // Refused (insufficient funds): nothing moves, so no row.
    chain.transfer(p.carol, p.shop, 1_000_000_000n);
    const hold = chain.hold(p.bob, p.shop, 500n);
    chain.batch(p.alice, [
      { target: p.carol, amount: 3n },
      { target: p.cafe, amount: 4n },
    ]);
    // A batch with an operation over the balance: refused as a whole.
    chain.batch(p.carol, [
      { target: p.alice, amount: 1n },
      { target: p.bob, amount: 10_000_000n },
    ]);
    chain.commit(startMs + b * HOUR_MS);
    // Captured for less than held; another hold released, which moves nothing.
    chain.capture(hold, 321n);
    chain.release(chain.hold(p.alice, p.cafe, 50n));
    if (b % 3 === 0) chain.burn(p.shop, 10n);
    chain.mint(p.alice, 1_000n);
    chain.commit(startMs + b * HOUR_MS + 30_000);
  }
}

function directoryOf(p: Parties): StaticAccountDirectory {
  const person = (region: string): AccountInfo => ({ kind: 'personal', merchantId: null, mcc: null, region });
  return new StaticAccountDirectory(
    new Map<string, AccountInfo>([
      [p.alice, person('north')],
      [p.bob, person('south')],
      [p.shop, { kind: 'merchant', merchantId: 'shop-1', mcc: '5411', region: 'east' }],
      [p.cafe, { kind: 'merchant', merchantId: 'cafe-1', mcc: '5812', region: 'west' }],
    ]),
  );
}

interface LoadedRow {
  id: string;
  height: string;
  from_account: string;
  to_account: string;
  amount: string;
  issuer: string;
}

/** Every row the warehouse holds, through its CSV export read back by DuckDB. */
async function loadedRows(warehouse: Warehouse, dir: string): Promise<LoadedRow[]> {
  const path = join(dir, `rows-${Math.random().toString(16).slice(2)}.csv`);
  await warehouse.exportCsv(path);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll(
    `SELECT id, CAST(height AS VARCHAR) AS height, from_account, to_account, CAST(amount AS VARCHAR) AS amount, issuer
     FROM read_csv('${path}', header = true, all_varchar = true) ORDER BY id`,
  );
  const rows = reader.getRowObjectsJson() as unknown as LoadedRow[];
  connection.closeSync();
  instance.closeSync();
  rmSync(path);
  return rows;
}

function asLoaded(rows: readonly ExpectedRow[]): LoadedRow[] {
  return rows
    .map((r) => ({
      id: r.id,
      height: r.height.toString(),
      from_account: r.fromAccount,
      to_account: r.toAccount,
      amount: r.amount.toString(),
      issuer: r.issuer,
    }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function sumOf(rows: readonly ExpectedRow[]): string {
  return rows.reduce((sum, r) => sum + r.amount, 0n).toString();
}

function renameTable(engine: WarehouseEngine, from: string, to: string): string {
  return engine === 'duckdb' ? `ALTER TABLE ${from} RENAME TO ${to}` : `RENAME TABLE ${from} TO ${to}`;
}

describe.each(WAREHOUSE_ENGINES)('BlockLoader into %s', (engine) => {
  let harness: EngineHarness;
  let dir: string;
  const chains: TestChain[] = [];
  const open: Warehouse[] = [];
  let names = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paychain-loader-test-'));
    harness = await startEngine(engine);
  });
  afterEach(async () => {
    for (const warehouse of open.splice(0)) await warehouse.close();
    for (const chain of chains.splice(0)) chain.close();
  });
  afterAll(async () => {
    await harness?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const newChain = () => {
    const chain = TestChain.create();
    chains.push(chain);
    return chain;
  };
  const openWarehouse = async (name: string) => {
    const warehouse = await harness.open(name);
    open.push(warehouse);
    return warehouse;
  };
  const freshName = () => `loader_${++names}`;

  it('loads each applied movement once, enriched, and nothing refused', async () => {
    const chain = newChain();
    const parties = openParties(chain, TEST_GENESIS_MS + 1_000);
    pay(chain, parties, 4, TEST_GENESIS_MS + DAY_MS - 2 * HOUR_MS);
    const warehouse = await openWarehouse(freshName());
    const batchTx = chain.batch(parties.alice, [{ target: parties.shop, amount: 9n }]);
    chain.commit(TEST_GENESIS_MS + 2 * DAY_MS);
    const payments = new StaticPaymentDirectory(
      new Map([[batchTx, { channel: 'online' as const, riskDecision: 'review' as const, riskScore: 0.75 }]]),
    );
    const loader = new BlockLoader(warehouse, { accounts: directoryOf(parties), payments });
    const result = await loader.load(chain.store);
    expect(result).toEqual({
      fromHeight: 0n,
      toHeight: chain.height,
      blocks: Number(chain.height),
      rows: chain.expected.length,
    });
    expect(await loadedRows(warehouse, dir)).toEqual(asLoaded(chain.expected));
    expect(await warehouse.totals(EVERYTHING)).toEqual({ count: chain.expected.length, value: sumOf(chain.expected) });
    // Its sales: the payouts from its account are the merchant's too, but not sales.
    const shop = chain.expected.filter((r) => r.toAccount === parties.shop);
    expect(await warehouse.topMerchants(EVERYTHING, 1)).toEqual([
      { merchantId: 'shop-1', count: shop.length, value: sumOf(shop) },
    ]);
    const mcc = await warehouse.volumeByMcc(EVERYTHING);
    expect(mcc.map((g) => g.mcc).sort()).toEqual(['5411', '5812', null].sort());
    const regions = new Map((await warehouse.volumeByRegion(EVERYTHING)).map((g) => [g.region, g.count]));
    // Payments to a merchant and its payouts count in its region; transfers between people in the payer's.
    expect(regions.get('east')).toBe(
      chain.expected.filter((r) => [r.fromAccount, r.toAccount].includes(parties.shop)).length,
    );
    expect(regions.get('north')).toBe(
      chain.expected.filter(
        (r) => r.fromAccount === parties.alice && r.toAccount !== parties.shop && r.toAccount !== parties.cafe,
      ).length + chain.expected.filter((r) => r.fromAccount.startsWith('org:') && r.toAccount === parties.alice).length,
    );
    const issuers = await warehouse.volumeByIssuer(EVERYTHING);
    for (const issuer of ['bank', 'coop'] as const) {
      const mine = chain.expected.filter((r) => r.issuer === issuer);
      expect(issuers.find((g) => g.issuer === issuer)).toEqual({ issuer, count: mine.length, value: sumOf(mine) });
    }
    const days = await warehouse.volumeByDay(EVERYTHING);
    expect(days.map((d) => d.day)).toEqual(['2023-11-14', '2023-11-15', '2023-11-16']);
    expect(await warehouse.readCheckpoint('analytics-test')).toEqual(
      await warehouse.recoverCheckpoint('analytics-test'),
    );
    expect((await warehouse.readCheckpoint('analytics-test'))?.height).toBe(chain.height);
    // A loaded warehouse has nothing more to do.
    expect(await loader.load(chain.store)).toMatchObject({ blocks: 0, rows: 0 });
  });

  it('resumes after a failed write and a reopen with no duplicate and no gap', async () => {
    const chain = newChain();
    const parties = openParties(chain, TEST_GENESIS_MS + 1_000);
    pay(chain, parties, 6, TEST_GENESIS_MS + HOUR_MS);
    const name = freshName();
    const first = await openWarehouse(name);
    const partial = chain.height / 2n;
    // The same loader goes on: it knows its checkpoint, so its next write is the first thing to fail.
    const loader = new BlockLoader(first);
    await loader.load(chain.store, { throughHeight: partial });
    const loadedBefore = chain.expected.filter((r) => r.height <= partial);
    expect((await first.totals(EVERYTHING)).count).toBe(loadedBefore.length);

    // The checkpoint table goes away: the next write fails between its rows and its checkpoint.
    await harness.raw(first, renameTable(engine, 'load_state', 'load_state_gone'));
    await expect(loader.load(chain.store)).rejects.toThrow(WarehouseError);
    const cut = (await first.totals(EVERYTHING)).count;
    // DuckDB rolled the rows back with the checkpoint; ClickHouse kept rows above the checkpoint.
    if (engine === 'duckdb') expect(cut).toBe(loadedBefore.length);
    else expect(cut).toBeGreaterThan(loadedBefore.length);
    await harness.raw(first, renameTable(engine, 'load_state_gone', 'load_state'));
    // Reading the checkpoint (a status page) neither moves it nor touches the rows.
    expect((await first.readCheckpoint('analytics-test'))?.height).toBe(partial);
    expect((await first.totals(EVERYTHING)).count).toBe(cut);
    await first.close();
    open.splice(open.indexOf(first), 1);

    // Meanwhile the chain went on.
    pay(chain, parties, 2, TEST_GENESIS_MS + DAY_MS);
    const reopened = await openWarehouse(name);
    const result = await new BlockLoader(reopened).load(chain.store);
    expect(result.fromHeight).toBe(partial);
    expect(result.toHeight).toBe(chain.height);
    expect(await loadedRows(reopened, dir)).toEqual(asLoaded(chain.expected));
    expect(await reopened.totals(EVERYTHING)).toEqual({ count: chain.expected.length, value: sumOf(chain.expected) });
  });

  it('follows new blocks as they are committed until stopped', async () => {
    const chain = newChain();
    const parties = openParties(chain, TEST_GENESIS_MS + 1_000);
    const warehouse = await openWarehouse(freshName());
    const loads: bigint[] = [];
    const follower = new BlockLoader(warehouse).follow(chain.store, {
      intervalMs: 20,
      onLoad: (result) => loads.push(result.toHeight),
    });
    for (let round = 0; round < 3; round++) {
      pay(chain, parties, 1, TEST_GENESIS_MS + (round + 1) * HOUR_MS);
      for (let waited = 0; (await warehouse.totals(EVERYTHING)).count < chain.expected.length; waited += 20) {
        expect(waited).toBeLessThan(10_000);
        await sleep(20);
      }
    }
    await follower.stop();
    expect(loads.at(-1)).toBe(chain.height);
    expect(await loadedRows(warehouse, dir)).toEqual(asLoaded(chain.expected));
  });

  it('loads only certified blocks unless told to load every stored one', async () => {
    const chain = newChain();
    const parties = openParties(chain, TEST_GENESIS_MS + 1_000);
    chain.transfer(parties.alice, parties.bob, 5n);
    chain.commit(TEST_GENESIS_MS + HOUR_MS, { certify: false });
    const certified = chain.expected.filter((r) => r.height < chain.height);
    const warehouse = await openWarehouse(freshName());
    expect(await new BlockLoader(warehouse).load(chain.store)).toMatchObject({ toHeight: chain.height - 1n });
    expect((await warehouse.totals(EVERYTHING)).count).toBe(certified.length);
    expect(await new BlockLoader(warehouse, { finality: 'stored' }).load(chain.store)).toMatchObject({
      toHeight: chain.height,
    });
    expect((await warehouse.totals(EVERYTHING)).count).toBe(chain.expected.length);
  });

  it('refuses to continue a warehouse loaded from another chain', async () => {
    const one = newChain();
    openParties(one, TEST_GENESIS_MS + 1_000);
    const other = newChain();
    openParties(other, TEST_GENESIS_MS + 1_000);
    const warehouse = await openWarehouse(freshName());
    await new BlockLoader(warehouse).load(one.store);
    // Same chain id and heights, different keys: block hashes differ.
    await expect(new BlockLoader(warehouse).load(other.store)).rejects.toMatchObject({ code: 'chain_mismatch' });
  });
});
