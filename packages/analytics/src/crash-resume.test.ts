// Goal: a loader killed at any moment (SIGKILL, mid-write or between writes) leaves a warehouse
// that the next load completes with every applied movement exactly once. Method: a real chain;
// a child process loads it block by block into a real DuckDB file or ClickHouse database and is
// killed at a seeded random moment, twice; then the test loads the rest and compares the rows
// with its own record of the applied payments.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockLoader } from './block-loader.ts';
import { TEST_GENESIS_MS, TestChain } from './test-chain.ts';
import { type EngineHarness, startEngine, WAREHOUSE_ENGINES } from './test-engines.ts';
import { DAY_MS, HOUR_MS } from './warehouse.ts';

const CHILD = fileURLToPath(new URL('./test-load-child.ts', import.meta.url));
// Fixed unless PAYCHAIN_TEST_SEED says otherwise; the kill moments also depend on timing, so each run differs a little anyway.
const SEED = Number(process.env.PAYCHAIN_TEST_SEED ?? 1);
const KILLS = 2;
const EVERYTHING = { fromMs: 0, toMs: TEST_GENESIS_MS + 365 * DAY_MS, currency: 'CNY' };

/** Runs the child until it has loaded `afterHeight`, waits `delayMs`, kills it; answers whether it was still loading. */
function loadAndKill(store: string, spec: string, afterHeight: bigint, delayMs: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, store, spec], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let finished = false;
    let killed = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'done') finished = true;
      const loaded = /^loaded (\d+)$/.exec(line)?.[1];
      if (!killed && loaded !== undefined && BigInt(loaded) >= afterHeight) {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(!finished);
      else reject(new Error(`the loading child exited with ${code}: ${stderr}`));
    });
  });
}

describe.each(WAREHOUSE_ENGINES)('a loader killed while loading into %s', (engine) => {
  let harness: EngineHarness;
  let chain: TestChain;

  beforeAll(async () => {
    harness = await startEngine(engine);
    chain = TestChain.create();
    const people = [chain.open('bank'), chain.open('coop'), chain.open('bank')] as const;
    chain.commit(TEST_GENESIS_MS + 1_000);
    for (const person of people) chain.mint(person, 10_000_000n);
    chain.commit(TEST_GENESIS_MS + 2_000);
    for (let b = 0; b < 40; b++) {
      for (let i = 0; i < 30; i++)
        chain.transfer(people[i % 3] as string, people[(i + 1) % 3] as string, BigInt(1 + i + b));
      chain.batch(people[b % 3] as string, [
        { target: people[(b + 1) % 3] as string, amount: 5n },
        { target: people[(b + 2) % 3] as string, amount: 6n },
      ]);
      chain.commit(TEST_GENESIS_MS + HOUR_MS + b * 60_000);
    }
  });
  afterAll(async () => {
    chain?.close();
    await harness?.stop();
  });

  it(`completes with no duplicate and no gap (seed ${SEED})`, async () => {
    let random = SEED;
    const next = () => {
      random = (random * 1_103_515_245 + 12_345) % 2_147_483_648;
      return random / 2_147_483_648;
    };
    const name = `crash_${engine}`;
    for (let kill = 1; kill <= KILLS; kill++) {
      const afterHeight = BigInt(kill * 10 + Math.floor(next() * 5));
      const stillLoading = await loadAndKill(chain.storePath, harness.spec(name), afterHeight, Math.floor(next() * 8));
      expect(stillLoading, `kill ${kill} came before the child finished`).toBe(true);
    }
    const warehouse = await harness.open(name);
    try {
      const checkpoint = await warehouse.recoverCheckpoint('analytics-test');
      expect(checkpoint?.height ?? 0n).toBeGreaterThanOrEqual(BigInt(KILLS * 10));
      expect(checkpoint?.height ?? 0n).toBeLessThan(chain.height);
      await new BlockLoader(warehouse).load(chain.store);
      const total = chain.expected.reduce((sum, r) => sum + r.amount, 0n);
      expect(await warehouse.totals(EVERYTHING)).toEqual({ count: chain.expected.length, value: total.toString() });
      const byDay = await warehouse.volumeByDay(EVERYTHING);
      expect(byDay.reduce((n, d) => n + d.count, 0)).toBe(chain.expected.length);
    } finally {
      await warehouse.close();
    }
  });
});
