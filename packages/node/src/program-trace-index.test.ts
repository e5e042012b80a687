// Goal: a program's trace, statement and report read only the blocks that hold the program's movements (the store's
// program index), and give exactly what reading every certified block gives. Method: a real three-peer Consortium on
// temporary SQLite files; a chain of many blocks of unrelated payments around a few blocks of two programs (one swept
// at its end); the primary peer's BlockStore wrapped in Proxies that count getBlock calls, and that answer
// programHeights with every height (the full scan the index replaces).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ProgramCreateBody, type Signer, signAndEncode, type TxBody } from '@paychain/core';
import type { BlockStore } from '@paychain/store';
import { afterEach, describe, expect, it } from 'vitest';
import { Consortium, type FinalOutcome } from './consortium.ts';
import { consortiumOptionsOf, DEFAULT_ORGS, initDataDir, openDataDir } from './data-dir.ts';
import { beneficiaryStatement, traceProgram, transparencyReport } from './program-trace.ts';

const CHAIN_ID = 'paychain-program-trace-index-test';
const P = '5b0000000000000000000000000000a1';
const Q = '5b0000000000000000000000000000a2';
/** Unrelated payments per stretch, each final before the next, so each in its own block. */
const STRETCH = 15;
/** P's spending window after its creation: the steps before its expiry take a few seconds. */
const WINDOW_MS = 8_000n;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const accountOf = (prefix: string, i: number): string => `${prefix}${i.toString(16).padStart(32 - prefix.length, '0')}`;

/** The store, with getBlock calls recorded. */
function counting(store: BlockStore, reads: bigint[]): BlockStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'getBlock')
        return (height: bigint) => {
          reads.push(height);
          return target.getBlock(height);
        };
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The store as if it had no index: every stored height is a candidate, so the trace reads every block. */
function fullScan(store: BlockStore): BlockStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'programHeights')
        return () => Array.from({ length: Number(target.head()?.height ?? 0n) }, (_, i) => BigInt(i + 1));
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('program trace through the program index', () => {
  it('reads only the blocks of the program and matches a scan of every block', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paychain-program-trace-index-'));
    initDataDir({ dir, suite: 'intl', chainId: CHAIN_ID, orgs: DEFAULT_ORGS, time: BigInt(Date.now()) });
    const data = openDataDir(dir);
    const consortium = Consortium.open({ ...consortiumOptionsOf(data), blockIntervalMs: 5, verifyWorkers: 2 });
    cleanups.push(async () => {
      await consortium.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const admin = (org: string): Signer => {
      const keys = data.keys.get(org);
      if (keys === undefined) throw new Error(`test setup: ${org} keys`);
      return { privateKey: keys.adminPrivateKey, publicKey: keys.adminPublicKey };
    };
    const bank = admin('bank');
    const regulator = admin('regulator');
    let counter = 0;
    const tx = (body: TxBody, signers: readonly Signer[]): Uint8Array =>
      signAndEncode(
        data.suite,
        {
          chainId: CHAIN_ID,
          id: (++counter).toString(16).padStart(32, '0'),
          expiresAt: BigInt(Date.now()) + 600_000n,
          body,
        },
        signers,
      );
    const submit = (bytes: Uint8Array): Promise<FinalOutcome> => consortium.submit(bytes);
    const ok = async (bytes: Uint8Array): Promise<FinalOutcome> => {
      const outcome = await submit(bytes);
      expect(outcome.code).toBe('ok');
      return outcome;
    };
    const key = data.suite.generateKeyPair();
    const open = (account: string): Uint8Array =>
      tx(
        {
          type: 'account.open',
          account,
          issuer: 'bank',
          owners: [key.publicKey],
          threshold: 1,
          tier: 1,
          flags: { allowNegative: false },
        },
        [bank],
      );

    const funding = accountOf('f0', 1);
    const merchant = accountOf('a0', 1);
    const payer = accountOf('c0', 1);
    const payee = accountOf('c0', 2);
    const farmers = [accountOf('be', 1), accountOf('be', 2)] as const;
    for (const account of [funding, merchant, payer, payee, ...farmers]) await ok(open(account));
    await ok(tx({ type: 'mint', asset: 'CNY', account: funding, amount: 1_000_000_00n }, [bank]));
    await ok(tx({ type: 'mint', asset: 'CNY', account: payer, amount: 1_000_00n }, [bank]));
    await ok(tx({ type: 'account.merchant', account: merchant, mcc: '5261', region: 'CN-SC' }, [bank]));
    let paid = 0;
    const unrelated = async (): Promise<void> => {
      for (let i = 0; i < STRETCH; i++)
        await ok(
          tx({ type: 'transfer', source: payer, target: payee, asset: 'CNY', amount: 1n, memo: `${++paid}` }, [key]),
        );
    };
    const program = (id: string, validUntilMs: bigint): ProgramCreateBody => ({
      type: 'program.create',
      program: id,
      funder: 'bank',
      auditor: 'regulator',
      asset: 'CNY',
      budget: 100_000_00n,
      rules: {
        mccs: ['5261'],
        merchants: [],
        regions: ['CN-SC'],
        perPaymentMax: 300_00n,
        perBeneficiaryMax: 500_00n,
        validFromMs: BigInt(Date.now()) - 60_000n,
        validUntilMs,
        atExpiry: 'release',
      },
      fundingAccount: funding,
    });

    await unrelated();
    const validUntilMs = BigInt(Date.now()) + WINDOW_MS;
    await ok(tx(program(P, validUntilMs), [bank, key]));
    await ok(tx({ type: 'program.fund', program: P, amount: 2_000_00n + 7n }, [bank]));
    await unrelated();
    await ok(tx(program(Q, validUntilMs + 3_600_000n), [bank, key]));
    await ok(tx({ type: 'program.fund', program: Q, amount: 50_00n }, [bank]));
    const allocations = farmers.map((beneficiary, i) => ({ beneficiary, amount: 400_00n + BigInt(i) }));
    await ok(tx({ type: 'program.disburse', program: P, allocations }, [bank]));
    await ok(
      tx({ type: 'program.disburse', program: Q, allocations: [{ beneficiary: payee, amount: 10_00n }] }, [bank]),
    );
    const spend = (amount: bigint): Uint8Array =>
      tx({ type: 'program.spend', program: P, beneficiary: farmers[0], merchant, amount }, [key]);
    await ok(spend(120_01n));
    expect((await submit(spend(300_01n))).code).toBe('amount_above_cap');
    await unrelated();
    await ok(tx({ type: 'program.redeem', program: P, merchant, amount: 100_00n }, [key]));
    await ok(tx({ type: 'program.suspend', program: P, reason: 'audit' }, [bank]));
    expect((await submit(spend(1_00n))).code).toBe('program_suspended');
    await ok(tx({ type: 'program.resume', program: P, reason: 'audit done' }, [bank]));
    await ok(
      tx({ type: 'program.clawback', program: P, beneficiary: farmers[1], amount: 33n, reason: 'moved' }, [
        bank,
        regulator,
      ]),
    );
    await unrelated();
    expect(BigInt(Date.now())).toBeLessThan(validUntilMs);
    // P's end: the first block at or after validUntilMs releases what the farmers hold; then more payments.
    while (BigInt(Date.now()) <= validUntilMs) await new Promise((resolve) => setTimeout(resolve, 100));
    await unrelated();

    const store = consortium.primary.store;
    const head = store.certifiedHeight();
    const heights = store.programHeights(P).filter((h) => h <= head);
    expect(heights.length).toBeGreaterThanOrEqual(10);
    expect(Number(head)).toBeGreaterThan(heights.length + 4 * STRETCH);
    const sweptAt = heights.find((h) => store.getBlock(h)?.programSweeps.some((s) => s.program === P));
    expect(sweptAt).toBeDefined();

    const reads: bigint[] = [];
    const trace = traceProgram(counting(store, reads), P);
    expect(reads).toEqual(heights);
    const everyBlock: bigint[] = [];
    expect(trace).toEqual(traceProgram(counting(fullScan(store), everyBlock), P));
    expect(everyBlock).toEqual(Array.from({ length: Number(head) }, (_, i) => BigInt(i + 1)));
    expect(trace.program.status).toBe('expired');
    expect(trace.height).toBe(head);
    const held = 800_01n - 120_01n - 33n;
    expect(trace.totals).toEqual({
      funded: 2_000_00n + 7n,
      disbursed: 800_01n,
      spent: 120_01n,
      redeemed: 100_00n,
      returned: 2_000_00n + 7n - 800_01n,
      clawedBack: 33n,
      released: held,
      pool: 0n,
      heldByBeneficiaries: 0n,
      merchantReceivables: 20_01n,
    });
    expect(trace.edges.map((e) => e.kind)).toEqual([
      'fund',
      'disburse',
      'spend',
      'redeem',
      'clawback',
      'expiry_release',
      'expiry_return',
    ]);

    for (const farmer of farmers) {
      reads.length = 0;
      const statement = beneficiaryStatement(counting(store, reads), P, farmer);
      expect(reads).toEqual(heights);
      expect(statement).toEqual(beneficiaryStatement(fullScan(store), P, farmer));
      expect(statement.rows.at(-1)?.kind).toBe('expiry_release');
      expect(statement.balance).toBe(0n);
    }
    reads.length = 0;
    expect(transparencyReport(counting(store, reads), P)).toEqual(transparencyReport(fullScan(store), P));
    expect(reads).toEqual(heights);

    // The other program: its own few blocks, its own totals.
    const qHeights = store.programHeights(Q).filter((h) => h <= head);
    expect(qHeights.length).toBe(3);
    expect(qHeights.some((h) => heights.includes(h))).toBe(false);
    reads.length = 0;
    const traceQ = traceProgram(counting(store, reads), Q);
    expect(reads).toEqual(qHeights);
    expect(traceQ).toEqual(traceProgram(fullScan(store), Q));
    expect(traceQ.totals).toMatchObject({
      funded: 50_00n,
      disbursed: 10_00n,
      pool: 40_00n,
      heldByBeneficiaries: 10_00n,
    });

    // A program no block names reads no block at all.
    reads.length = 0;
    expect(() => traceProgram(counting(store, reads), '5b00000000000000000000000000dead')).toThrow(
      expect.objectContaining({ code: 'program_not_found' }),
    );
    expect(reads).toEqual([]);
  }, 90_000);
});
