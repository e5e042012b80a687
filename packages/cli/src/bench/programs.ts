/**
 * `paychain bench programs`: purpose-bound programs (issue 6) through the whole embedded pipeline with one validator
 * (submit, signature verification on worker threads, execution, durable SQLite commit, certificate): beneficiaries
 * credited per second by batch disbursements, and eligible program spends per second, each next to plain signed
 * transfers measured in the same run on the same chain (ratios).
 *
 * Back of the envelope (intl, 2 cores): a disbursement of 10,000 is one signature and ~240 KB; per allocation the
 * executor checks and writes one program-balance entry (~3 µs), the LtHash updates it (~12 µs) and SQLite writes a
 * state row (~3 µs): ≈ 20 µs, i.e. ≈ 50k beneficiaries/s, several times the transfer rate (≈ 8–12k/s here, bound by
 * signature checks and 2 balance entries each). A spend is a signature plus 2 program-balance entries, the program
 * entry and the merchant lookup: expect spendsRatio ≈ 0.8–1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert, type KeyPair, PROGRAM_ALLOCATIONS_MAX, type Signer, signAndEncode, type TxBody } from '@paychain/core';
import { Consortium, initDataDir, ledgerPath, openDataDir } from '@paychain/node';
import { submitAll, Workload } from '../workload.ts';
import { type MachineFacts, machineFacts } from './machine.ts';

export interface ProgramsBenchOptions {
  /** Beneficiaries credited in the timed disbursements, in batches of at most PROGRAMS_BENCH_BATCH_MAX. */
  readonly beneficiaries: number;
  /** Eligible spends in the timed spend run; as many plain transfers are timed as the baseline. */
  readonly spends: number;
  readonly log: (line: string) => void;
}

export interface ProgramsBenchResult {
  suite: 'intl';
  beneficiaries: number;
  batches: number;
  batchSize: number;
  beneficiariesCreditedPerSec: number;
  spends: number;
  spendsPerSec: number;
  transfers: number;
  transfersPerSec: number;
  /** Beneficiaries credited per second ÷ plain transfers per second. */
  creditsRatio: number;
  /** Eligible spends per second ÷ plain transfers per second. */
  spendsRatio: number;
  failed: { disbursements: number; spends: number; transfers: number };
  blocks: { disbursements: number; spends: number; transfers: number };
  durable: true;
  validators: 1;
  machine: MachineFacts;
}

/** Beneficiaries per disbursement: the 10,000, within the ledger's PROGRAM_ALLOCATIONS_MAX. */
export const PROGRAMS_BENCH_BATCH_MAX = 10_000;
/** Distinct spending beneficiaries (each with its own key, like the transfer baseline's payers). */
export const PROGRAMS_BENCH_SPENDERS_MAX = 20_000;
const SUBMIT_WINDOW = 8_000;
const EXPIRY_MS = 600_000n;
const ALLOCATION_MINOR = 100_00n;
const SPEND_MINOR = 1_00n;
const PROGRAM = 'b7000000000000000000000000000001';
assert(PROGRAMS_BENCH_BATCH_MAX <= PROGRAM_ALLOCATIONS_MAX, 'a bench batch is one valid disbursement');

export async function benchPrograms(options: ProgramsBenchOptions): Promise<ProgramsBenchResult> {
  assert(options.beneficiaries > 0 && options.spends > 0, 'bench programs: positive sizes');
  const dir = mkdtempSync(join(tmpdir(), 'paychain-bench-programs-'));
  try {
    initDataDir({
      dir,
      suite: 'intl',
      chainId: 'paychain-bench-programs',
      // The regulator only audits (program.create needs an auditor org); bank is the one validator.
      orgs: [
        { id: 'bank', name: 'Bank', roles: ['issuer', 'validator'] },
        { id: 'regulator', name: 'Regulator', roles: ['auditor'] },
      ],
      time: BigInt(Date.now()),
    });
    const data = openDataDir(dir);
    const issuer = data.keys.get('bank');
    if (issuer === undefined) throw new Error('bench: bank keys missing');
    const bank: Signer = { privateKey: issuer.adminPrivateKey, publicKey: issuer.adminPublicKey };
    const consortium = Consortium.open({
      genesis: data.genesis,
      suite: data.suite,
      peers: [{ orgId: 'bank', dbPath: ledgerPath(dir, 'bank'), validatorKey: issuer.validatorPrivateKey }],
      blockTxsMax: 4_000,
      blockIntervalMs: 5,
    });
    let counter = 0;
    const tx = (body: TxBody, signers: readonly Signer[]): Uint8Array =>
      signAndEncode(
        data.suite,
        {
          chainId: data.genesis.chainId,
          id: `b7${(++counter).toString(16).padStart(30, '0')}`,
          expiresAt: BigInt(Date.now()) + EXPIRY_MS,
          body,
        },
        signers,
      );
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
        },
        [bank],
      );
    /** Submits and returns how many did not apply and how many blocks they took. */
    const run = async (txs: readonly Uint8Array[]): Promise<{ failed: number; blocks: number; seconds: number }> => {
      const heightBefore = consortium.primary.tip.height;
      const started = performance.now();
      const outcomes = await submitAll(consortium, txs, SUBMIT_WINDOW);
      const seconds = (performance.now() - started) / 1000;
      return {
        failed: outcomes.filter((o) => o.code !== 'ok').length,
        blocks: Number(consortium.primary.tip.height - heightBefore),
        seconds,
      };
    };
    const setup = async (what: string, txs: readonly Uint8Array[]): Promise<void> => {
      const { failed } = await run(txs);
      if (failed > 0) throw new Error(`bench programs: ${failed} ${what} transactions failed`);
    };
    try {
      const batchSize = Math.min(PROGRAMS_BENCH_BATCH_MAX, options.beneficiaries);
      const batches = Math.ceil(options.beneficiaries / batchSize);
      const spenders = Math.min(PROGRAMS_BENCH_SPENDERS_MAX, options.beneficiaries, options.spends);
      assert(
        BigInt(Math.ceil(options.spends / spenders)) * SPEND_MINOR <= ALLOCATION_MINOR,
        'bench programs: every spend is covered by its allocation (raise --beneficiaries)',
      );
      options.log(`setting up ${options.beneficiaries} beneficiaries (${spenders} with their own key) and a program`);
      const treasury = data.suite.generateKeyPair();
      const funding = `f7${'0'.repeat(29)}1`;
      const merchant = `a7${'0'.repeat(29)}1`;
      const merchantOwner = data.suite.generateKeyPair();
      await setup('funding', [open(funding, treasury), open(merchant, merchantOwner)]);
      const budget = BigInt(options.beneficiaries) * ALLOCATION_MINOR;
      await setup('funding', [
        tx({ type: 'mint', asset: 'CNY', account: funding, amount: budget }, [bank]),
        tx({ type: 'account.merchant', account: merchant, mcc: '5261', region: 'CN-SC' }, [bank]),
      ]);
      const now = BigInt(Date.now());
      await setup('program', [
        tx(
          {
            type: 'program.create',
            program: PROGRAM,
            funder: 'bank',
            auditor: 'regulator',
            asset: 'CNY',
            budget,
            rules: {
              mccs: ['0763', '5261'],
              merchants: [],
              regions: ['CN-SC'],
              perPaymentMax: 0n,
              perBeneficiaryMax: ALLOCATION_MINOR,
              validFromMs: now - 60_000n,
              validUntilMs: now + 24n * 3_600_000n,
              atExpiry: 'return',
            },
            fundingAccount: funding,
          },
          [bank, treasury],
        ),
      ]);
      await setup('program', [tx({ type: 'program.fund', program: PROGRAM, amount: budget }, [bank])]);
      const sharedKey = data.suite.generateKeyPair();
      const keys = Array.from({ length: spenders }, () => data.suite.generateKeyPair());
      const beneficiaries = Array.from({ length: options.beneficiaries }, (_, i) => ({
        id: `be${i.toString(16).padStart(30, '0')}`,
        key: keys[i] ?? sharedKey,
      }));
      await setup(
        'account',
        beneficiaries.map((b) => open(b.id, b.key)),
      );
      // Plain transfers' payers and merchants, set up before any timing.
      const workload = new Workload({
        suite: data.suite,
        genesis: data.genesis,
        issuer,
        seed: 7n,
        hotSharePercent: 20,
      });
      await setup('transfer setup', workload.setup(spenders, 10, BigInt(Date.now())));
      await setup('transfer funding', workload.funding(1_000_000_000n, BigInt(Date.now())));

      options.log(`signing ${batches} disbursements of ${batchSize} (not timed)`);
      const disbursements: Uint8Array[] = [];
      for (let start = 0; start < beneficiaries.length; start += batchSize) {
        const allocations = beneficiaries
          .slice(start, start + batchSize)
          .map((b) => ({ beneficiary: b.id, amount: ALLOCATION_MINOR }));
        disbursements.push(tx({ type: 'program.disburse', program: PROGRAM, allocations }, [bank]));
      }
      const disbursed = await run(disbursements);
      const beneficiariesCreditedPerSec = options.beneficiaries / disbursed.seconds;
      options.log(`disbursements: ${beneficiariesCreditedPerSec.toFixed(0)} beneficiaries credited/s`);

      options.log(`signing ${options.spends} spends and ${options.spends} transfers (not timed)`);
      const spendTxs = Array.from({ length: options.spends }, (_, i) => {
        const b = beneficiaries[i % spenders];
        assert(b !== undefined, 'a spender per index');
        return tx({ type: 'program.spend', program: PROGRAM, beneficiary: b.id, merchant, amount: SPEND_MINOR }, [
          b.key,
        ]);
      });
      const transferTxs = Array.from({ length: options.spends }, () => workload.payment(BigInt(Date.now())).bytes);
      const spent = await run(spendTxs);
      const spendsPerSec = options.spends / spent.seconds;
      options.log(`spends: ${spendsPerSec.toFixed(0)}/s`);
      const transferred = await run(transferTxs);
      const transfersPerSec = options.spends / transferred.seconds;
      options.log(`plain transfers: ${transfersPerSec.toFixed(0)}/s`);

      return {
        suite: 'intl',
        beneficiaries: options.beneficiaries,
        batches,
        batchSize,
        beneficiariesCreditedPerSec: Math.round(beneficiariesCreditedPerSec),
        spends: options.spends,
        spendsPerSec: Math.round(spendsPerSec),
        transfers: options.spends,
        transfersPerSec: Math.round(transfersPerSec),
        creditsRatio: Number((beneficiariesCreditedPerSec / transfersPerSec).toFixed(2)),
        spendsRatio: Number((spendsPerSec / transfersPerSec).toFixed(3)),
        failed: { disbursements: disbursed.failed, spends: spent.failed, transfers: transferred.failed },
        blocks: { disbursements: disbursed.blocks, spends: spent.blocks, transfers: transferred.blocks },
        durable: true,
        validators: 1,
        machine: machineFacts(),
      };
    } finally {
      await consortium.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
