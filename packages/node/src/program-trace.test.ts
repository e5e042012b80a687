// Goal: issue 6's scenario — a subsidy for 10,000 farmers in CN-SC, spendable only at agricultural-supply merchants
// (MCC 0763 and 5261 in CN-SC), partial spending, refused attempts with their reasons, a redemption, a clawback by
// funder and auditor, and the expiry sweep — reconciles to the fen between the ledger state, the chain trace and the
// transparency report, before and after expiry. Method: a real three-peer Consortium on temporary SQLite files, every
// transaction submitted in process and final before the next step; the trace reads the primary peer's BlockStore.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AccountOpenBody,
  type KeyPair,
  type ProgramCreateBody,
  type Signer,
  signAndEncode,
  type TxBody,
} from '@paychain/core';
import { afterEach, describe, expect, it } from 'vitest';
import { Consortium, type FinalOutcome } from './consortium.ts';
import { consortiumOptionsOf, DEFAULT_ORGS, initDataDir, openDataDir } from './data-dir.ts';
import {
  beneficiaryStatement,
  type ProgramTotals,
  ProgramTraceError,
  TRACE_EVIDENCE_MAX,
  traceProgram,
  transparencyReport,
  transparencyReportToCsv,
  transparencyReportToJson,
} from './program-trace.ts';

const CHAIN_ID = 'paychain-program-trace-test';
const EXPIRY_MS = 600_000n;
const PROGRAM = '5b0000000000000000000000000000f1';
const FARMERS = 10_000;
const SPENDERS = 300;
/** Spending stays open this long after the program is created; the steps before expiry take a few seconds. */
const WINDOW_MS = 12_000n;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const accountOf = (prefix: string, i: number): string => `${prefix}${i.toString(16).padStart(32 - prefix.length, '0')}`;

describe('program trace: the 10,000-farmer subsidy', () => {
  it('reconciles ledger, trace and transparency report to the fen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paychain-program-trace-'));
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
          expiresAt: BigInt(Date.now()) + EXPIRY_MS,
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
    const open = (account: string, owner: KeyPair): Uint8Array =>
      tx(
        {
          type: 'account.open',
          account,
          issuer: 'bank',
          owners: [owner.publicKey],
          threshold: 1,
          tier: 1,
          flags: { allowNegative: false },
        } satisfies AccountOpenBody,
        [bank],
      );

    // Accounts: the funder's treasury, four merchants and the farmers (one owner key for all, as a test shortcut).
    const treasury = data.suite.generateKeyPair();
    const funding = accountOf('f0', 1);
    const farmerKey = data.suite.generateKeyPair();
    const merchantKey = data.suite.generateKeyPair();
    const merchants = {
      seed: accountOf('a0', 1), // 0763 agricultural co-operative, CN-SC
      supply: accountOf('a0', 2), // 5261 lawn and garden supply, CN-SC
      cafe: accountOf('a0', 3), // 5812 eating place, CN-SC: wrong MCC
      beijing: accountOf('a0', 4), // 5261 in CN-BJ: wrong region
    };
    const farmers = Array.from({ length: FARMERS }, (_, i) => accountOf('be', i));
    await ok(open(funding, treasury));
    await ok(tx({ type: 'mint', asset: 'CNY', account: funding, amount: 10_000_000_00n }, [bank]));
    for (const m of Object.values(merchants)) await ok(open(m, merchantKey));
    const attributes: Array<[string, string, string]> = [
      [merchants.seed, '0763', 'CN-SC'],
      [merchants.supply, '5261', 'CN-SC'],
      [merchants.cafe, '5812', 'CN-SC'],
      [merchants.beijing, '5261', 'CN-BJ'],
    ];
    for (const [account, mcc, region] of attributes)
      await ok(tx({ type: 'account.merchant', account, mcc, region }, [bank]));
    const opened = await Promise.all(farmers.map((f) => submit(open(f, farmerKey))));
    expect(opened.every((o) => o.code === 'ok')).toBe(true);

    // The program: 500.00 CNY per farmer at most, 300.00 per payment, agricultural MCCs in CN-SC only.
    const validUntilMs = BigInt(Date.now()) + WINDOW_MS;
    const create: ProgramCreateBody = {
      type: 'program.create',
      program: PROGRAM,
      funder: 'bank',
      auditor: 'regulator',
      asset: 'CNY',
      budget: 5_000_000_00n,
      rules: {
        mccs: ['0763', '5261'],
        merchants: [],
        regions: ['CN-SC'],
        perPaymentMax: 300_00n,
        perBeneficiaryMax: 500_00n,
        validFromMs: BigInt(Date.now()) - 60_000n,
        validUntilMs,
        atExpiry: 'return',
      },
      fundingAccount: funding,
    };
    await ok(tx(create, [bank, treasury]));
    const funded = 4_000_000_00n + 17n;
    await ok(tx({ type: 'program.fund', program: PROGRAM, amount: funded }, [bank]));
    const allocationOf = (i: number): bigint => 200_00n + BigInt(i % 7) * 3n;
    const disbursement = await ok(
      tx(
        {
          type: 'program.disburse',
          program: PROGRAM,
          allocations: farmers.map((beneficiary, i) => ({ beneficiary, amount: allocationOf(i) })),
        },
        [bank],
      ),
    );

    // Refused attempts, each with its reason, before any spending.
    const spend = (i: number, merchant: string, amount: bigint): Uint8Array =>
      tx({ type: 'program.spend', program: PROGRAM, beneficiary: farmers[i] ?? '', merchant, amount }, [farmerKey]);
    const refused = await Promise.all([
      submit(spend(0, merchants.cafe, 10_00n)),
      submit(spend(1, merchants.beijing, 10_00n)),
      submit(spend(2, merchants.seed, 300_01n)),
      submit(spend(3, merchants.supply, 250_00n)),
    ]);
    expect(refused.map((o) => o.code)).toEqual([
      'merchant_not_eligible_mcc',
      'merchant_not_eligible_region',
      'amount_above_cap',
      'insufficient_program_funds',
    ]);

    // Partial spending: SPENDERS farmers, alternating between the two eligible merchants, odd amounts.
    const spendOf = (i: number): bigint => 50_00n + BigInt(i) * 11n + 1n;
    const spends = await Promise.all(
      Array.from({ length: SPENDERS }, (_, i) =>
        submit(spend(i, i % 2 === 0 ? merchants.seed : merchants.supply, spendOf(i))),
      ),
    );
    expect(spends.every((o) => o.code === 'ok')).toBe(true);
    let spentSeed = 0n;
    let spentSupply = 0n;
    for (let i = 0; i < SPENDERS; i++) {
      if (i % 2 === 0) spentSeed += spendOf(i);
      else spentSupply += spendOf(i);
    }
    const redeemed = spentSeed / 2n + 3n;
    await ok(
      tx({ type: 'program.redeem', program: PROGRAM, merchant: merchants.seed, amount: redeemed }, [merchantKey]),
    );
    const clawbackOf = { farmer: 5, amount: 123_45n };
    const clawback = {
      type: 'program.clawback',
      program: PROGRAM,
      beneficiary: farmers[clawbackOf.farmer] ?? '',
      amount: clawbackOf.amount,
      reason: 'duplicate registration',
    } as const;
    expect((await submit(tx(clawback, [bank]))).code).toBe('unauthorized');
    await ok(tx(clawback, [bank, regulator]));
    expect(BigInt(Date.now())).toBeLessThan(validUntilMs);

    let disbursed = 0n;
    for (let i = 0; i < FARMERS; i++) disbursed += allocationOf(i);
    const spent = spentSeed + spentSupply;
    const store = consortium.primary.store;

    /** The state's view: getProgram totals plus the sums of every balance and receivable, on every peer. */
    const ledgerTotals = (): ProgramTotals => {
      const views = consortium.peers.map((peer) => {
        const program = peer.ledger.getProgram(PROGRAM);
        if (program === undefined) throw new Error('program missing');
        let held = 0n;
        for (const f of farmers) held += peer.ledger.programBalance(PROGRAM, f);
        let receivables = 0n;
        for (const m of Object.values(merchants)) receivables += peer.ledger.programReceivable(PROGRAM, m);
        return {
          funded: program.funded,
          disbursed: program.disbursed,
          spent: program.spent,
          redeemed: program.redeemed,
          returned: program.returned,
          clawedBack: program.clawedBack,
          released: program.released,
          pool: program.pool,
          heldByBeneficiaries: held,
          merchantReceivables: receivables,
        };
      });
      for (const view of views) expect(view).toEqual(views[0]);
      const view = views[0];
      if (view === undefined) throw new Error('no peer');
      return view;
    };
    const conserved = (t: ProgramTotals): bigint =>
      t.heldByBeneficiaries + t.merchantReceivables + t.redeemed + t.returned + t.clawedBack + t.released + t.pool;

    // Before expiry: ledger = trace = report, with money still in the pool and with the farmers.
    const before = ledgerTotals();
    expect(before).toEqual({
      funded,
      disbursed,
      spent,
      redeemed,
      returned: 0n,
      clawedBack: clawbackOf.amount,
      released: 0n,
      pool: funded - disbursed,
      heldByBeneficiaries: disbursed - spent - clawbackOf.amount,
      merchantReceivables: spent - redeemed,
    });
    expect(traceProgram(store, PROGRAM).totals).toEqual(before);
    expect(transparencyReport(store, PROGRAM).totals).toEqual(before);

    // Expiry: the first block at or after validUntilMs returns the pool and every unspent balance to the funder.
    while (BigInt(Date.now()) <= validUntilMs) await new Promise((resolve) => setTimeout(resolve, 100));
    await ok(open(accountOf('c0', 1), farmerKey));
    const after = ledgerTotals();
    expect(after.pool).toBe(0n);
    expect(after.heldByBeneficiaries).toBe(0n);
    expect(after.returned).toBe(before.pool + before.heldByBeneficiaries);
    expect(conserved(after)).toBe(funded);
    for (const peer of consortium.peers) expect(peer.ledger.getProgram(PROGRAM)?.status).toBe('expired');

    const trace = traceProgram(store, PROGRAM);
    expect(trace.totals).toEqual(after);
    expect(conserved(trace.totals)).toBe(trace.totals.funded);
    expect(trace.program).toMatchObject({ funder: 'bank', auditor: 'regulator', asset: 'CNY', status: 'expired' });
    expect(trace.program.rules).toEqual(create.rules);
    expect(trace.beneficiaries).toBe(FARMERS);
    expect(trace.merchants).toBe(2);
    const edge = (kind: string, target?: string) => {
      const found = trace.edges.filter((e) => e.kind === kind && (target === undefined || e.target === target));
      expect(found.length, `${kind} ${target ?? ''}`).toBeGreaterThan(0);
      return {
        amount: found.reduce((s, e) => s + e.amount, 0n),
        count: found.reduce((s, e) => s + e.count, 0),
        evidence: found.flatMap((e) => e.evidence),
      };
    };
    expect(edge('fund')).toMatchObject({ amount: funded, count: 1 });
    const disburseEdge = edge('disburse');
    expect(disburseEdge).toMatchObject({ amount: disbursed, count: FARMERS });
    expect(disburseEdge.evidence).toEqual([{ height: disbursement.height, txId: disbursement.id }]);
    const seedEdge = edge('spend', `merchant:${merchants.seed}`);
    expect(seedEdge).toMatchObject({ amount: spentSeed, count: SPENDERS / 2 });
    expect(seedEdge.evidence.length).toBe(Math.min(TRACE_EVIDENCE_MAX, SPENDERS / 2));
    expect(edge('spend', `merchant:${merchants.supply}`)).toMatchObject({ amount: spentSupply, count: SPENDERS / 2 });
    expect(edge('redeem')).toMatchObject({ amount: redeemed, count: 1 });
    expect(edge('clawback')).toMatchObject({ amount: clawbackOf.amount, count: 1 });
    const returns = edge('expiry_return');
    expect(returns.amount).toBe(after.returned);
    // Every farmer with money left (all but none: nobody spent their whole allocation) plus the pool.
    expect(returns.count).toBe(FARMERS + 1);
    expect(returns.evidence.every((e) => e.txId === null)).toBe(true);

    // The transparency report: same totals, spending only in CN-SC, split between the two agricultural MCCs.
    const report = transparencyReport(store, PROGRAM);
    expect(report.totals).toEqual(after);
    expect(report.beneficiaries).toBe(FARMERS);
    expect(report.spendingByRegion).toEqual([{ key: 'CN-SC', merchants: 2, spends: SPENDERS, amount: spent }]);
    expect(report.spendingByMcc).toEqual([
      { key: '0763', merchants: 1, spends: SPENDERS / 2, amount: spentSeed },
      { key: '5261', merchants: 1, spends: SPENDERS / 2, amount: spentSupply },
    ]);
    const json = JSON.stringify(transparencyReportToJson(report));
    const csv = transparencyReportToCsv(report);
    for (const account of [...Object.values(merchants), farmers[0] ?? '', farmers[5] ?? '', funding]) {
      expect(json).not.toContain(account);
      expect(csv).not.toContain(account);
    }
    expect(csv).toContain(`total,spent,,,${spent}\r\n`);
    expect(csv).toContain(`total,returned,,,${after.returned}\r\n`);
    expect(csv).toContain(`mcc,0763,1,${SPENDERS / 2},${spentSeed}\r\n`);
    expect(csv).toContain(`region,CN-SC,2,${SPENDERS},${spent}\r\n`);

    // A farmer's statement: allocation, spend, clawback, expiry return, running balance down to zero.
    const statement = beneficiaryStatement(store, PROGRAM, farmers[5] ?? '');
    expect(statement.rows.map((r) => [r.kind, r.amount])).toEqual([
      ['disburse', allocationOf(5)],
      ['spend', -spendOf(5)],
      ['clawback', -clawbackOf.amount],
      ['expiry_return', -(allocationOf(5) - spendOf(5) - clawbackOf.amount)],
    ]);
    expect(statement.rows.map((r) => r.balance)).toEqual([
      allocationOf(5),
      allocationOf(5) - spendOf(5),
      allocationOf(5) - spendOf(5) - clawbackOf.amount,
      0n,
    ]);
    expect(statement.rows[2]?.reason).toBe('duplicate registration');
    expect(statement.rows[1]?.merchant).toBe(merchants.supply);
    const heights = statement.rows.map((r) => r.height);
    expect([...heights].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(heights);
    expect(statement.balance).toBe(0n);
    // A farmer who did not spend: allocation then return.
    expect(beneficiaryStatement(store, PROGRAM, farmers[FARMERS - 1] ?? '').rows.map((r) => r.kind)).toEqual([
      'disburse',
      'expiry_return',
    ]);

    expect(() => traceProgram(store, '5b00000000000000000000000000dead')).toThrow(ProgramTraceError);
  }, 90_000);
});
