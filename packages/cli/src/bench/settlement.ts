/**
 * `paychain bench settlement`: interbank settlement (issue 7, docs/settlement.md) through the whole embedded pipeline
 * with one validator (submit, signature verification on worker threads, execution, durable SQLite commit,
 * certificate), on one chain: a settlement institution `cb` (issues RES-CNY, the one validator) and three banks with
 * their tokenized deposits, settlement accounts, pledges and customers, all in the CNY scheme. Measured in the same
 * run:
 *
 * 1. same-bank payments/s: plain `transfer`s of a bank's deposit between two of its customers (the baseline);
 * 2. cross-bank payments/s: `interbank.transfer`s between customers of different banks (burn, mint and the window's
 *    positions), and their ratio to the baseline; pledges cover every payment, so no cap is hit;
 * 3. closing and settling a window of `--window` payments: submit → final of the one `settlement.close` and the one
 *    `settlement.settle`, whose work is the window's positions (one per bank), not its payments.
 *
 * Back of the envelope (2 cores): a payment is one Ed25519 verification (≈ 12,800/s per core on the worker threads)
 * and a handful of state entries; an interbank transfer writes 5 entries (2 balances, 2 asset supplies, the window)
 * against a transfer's 2. Both are bound by signature checks, so expect a ratio near 1 (0.98 measured: ≈ 11,500/s
 * each on 2 cores). A close or a settle is one signature and ≈ 10 entries: a block interval and a commit, ≈ 6 ms,
 * whatever the size of the window. The window's million payments are signed before timing (≈ 40 s on one core,
 * ≈ 2 GB resident with their bytes) and submitted like the cross-bank run (≈ 90 s).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert, type Signer, signAndEncode, type TxBody } from '@paychain/core';
import { Consortium, type FinalOutcome, initDataDir, ledgerPath, type OrgKeys, openDataDir } from '@paychain/node';
import { SeededRng } from '../rng.ts';
import { submitAll } from '../workload.ts';
import { type MachineFacts, machineFacts } from './machine.ts';

export interface SettlementBenchOptions {
  /** Same-bank payments in the baseline run, and as many cross-bank payments. */
  readonly payments: number;
  /** Cross-bank payments in the window that is closed and settled. */
  readonly window: number;
  readonly log: (line: string) => void;
}

export interface SettlementRun {
  payments: number;
  perSec: number;
  seconds: number;
  failed: number;
  blocks: number;
}

export interface SettledWindow {
  /** The window's number in the CNY scheme. */
  seq: number;
  payments: number;
  /** Sum of the window's payments, in minor units (fen), as a decimal string. */
  grossMinor: string;
  /** Each bank's net position in the window (Σ = 0), in minor units, as decimal strings. */
  positions: Array<{ org: string; netMinor: string }>;
  /** Time to submit the window's payments and see them all final (the first window's: the cross-bank run). */
  submitSeconds: number;
  paymentsPerSec: number;
  failed: number;
  /** `settlement.close`: submit → final. */
  closeMs: number;
  /** `settlement.settle`: submit → final. */
  settleMs: number;
}

export interface SettlementBenchResult {
  suite: 'intl';
  banks: number;
  customersPerBank: number;
  sameBank: SettlementRun;
  crossBank: SettlementRun;
  /** Cross-bank payments per second ÷ same-bank payments per second. */
  crossToSameRatio: number;
  /** Window 1: the cross-bank run's payments, closed and settled. */
  firstWindow: SettledWindow;
  /** Window 2: `--window` payments, closed and settled. */
  window: SettledWindow;
  durable: true;
  validators: 1;
  machine: MachineFacts;
}

export const SETTLEMENT_BENCH_BANKS = ['boc', 'icbc', 'ccb'] as const;
/** Customers of each bank, each with its own key. */
export const SETTLEMENT_BENCH_CUSTOMERS = 5_000;
/** A payment is 0.01 to 100.00 (1 to 10,000 fen). */
export const SETTLEMENT_BENCH_PAYMENT_MAX = 10_000;
const CURRENCY = 'CNY';
const RES = 'RES-CNY';
const INSTITUTION = 'cb';
const SUBMIT_WINDOW = 8_000;
/** Transactions are signed well ahead of a long run; the ledger accepts expiries up to 24 h ahead. */
const EXPIRY_MS = 3_600_000n;
const PROGRESS_EVERY = 100_000;
const PROGRESS_MS = 10_000;

/** A payment picked by `PaymentGenerator`: payer and payee by bank and customer index. */
export interface PlannedPayment {
  readonly fromBank: number;
  readonly fromCustomer: number;
  readonly toBank: number;
  readonly toCustomer: number;
  readonly amount: bigint;
}

/**
 * Seeded payments between the customers of `banks` banks, `customers` each, funded with `funding` minor units of
 * their bank's deposit: same-bank payments (two customers of one bank) or cross-bank ones (banks differ), of 1 to
 * `maxMinor`, never more than the payer holds (it tracks every customer's balance as the ledger will). It also keeps
 * the banks' net positions since the last `takeWindow`, as the ledger's open window will.
 */
export class PaymentGenerator {
  private readonly rng: SeededRng;
  private readonly banks: number;
  private readonly customers: number;
  private readonly maxMinor: bigint;
  private readonly balances: bigint[];
  private nets: bigint[];
  private gross = 0n;
  private count = 0;

  constructor(options: {
    readonly seed: bigint;
    readonly banks: number;
    readonly customers: number;
    readonly funding: bigint;
    readonly maxMinor: number;
  }) {
    assert(options.banks >= 2 && options.customers >= 2, 'payments need two banks of two customers');
    assert(options.funding > 0n && options.maxMinor > 0, 'positive funding and amounts');
    this.rng = new SeededRng(options.seed);
    this.banks = options.banks;
    this.customers = options.customers;
    this.maxMinor = BigInt(options.maxMinor);
    this.balances = new Array<bigint>(options.banks * options.customers).fill(options.funding);
    this.nets = new Array<bigint>(options.banks).fill(0n);
  }

  balance(bank: number, customer: number): bigint {
    const b = this.balances[bank * this.customers + customer];
    assert(b !== undefined, 'a customer of a bank');
    return b;
  }

  /** A payment from one customer to another of the same bank (`cross` false) or of another bank (`cross` true). */
  next(cross: boolean): PlannedPayment {
    for (;;) {
      const fromBank = this.rng.below(this.banks);
      const fromCustomer = this.rng.below(this.customers);
      const available = this.balance(fromBank, fromCustomer);
      if (available <= 0n) continue;
      const toBank = cross ? (fromBank + 1 + this.rng.below(this.banks - 1)) % this.banks : fromBank;
      const toCustomer = cross
        ? this.rng.below(this.customers)
        : (fromCustomer + 1 + this.rng.below(this.customers - 1)) % this.customers;
      const ceiling = available < this.maxMinor ? available : this.maxMinor;
      const amount = 1n + (this.rng.next64() % ceiling);
      this.balances[fromBank * this.customers + fromCustomer] = available - amount;
      this.balances[toBank * this.customers + toCustomer] = this.balance(toBank, toCustomer) + amount;
      if (cross) {
        this.nets[fromBank] = (this.nets[fromBank] ?? 0n) - amount;
        this.nets[toBank] = (this.nets[toBank] ?? 0n) + amount;
        this.gross += amount;
        this.count++;
      }
      return { fromBank, fromCustomer, toBank, toCustomer, amount };
    }
  }

  /** The cross-bank payments, gross and net positions since the last call (a window's, when all applied). */
  takeWindow(): { payments: number; gross: bigint; nets: bigint[] } {
    const window = { payments: this.count, gross: this.gross, nets: this.nets };
    this.nets = new Array<bigint>(this.banks).fill(0n);
    this.gross = 0n;
    this.count = 0;
    return window;
  }
}

const customerId = (bank: number, i: number): string => `c${bank.toString(16)}${i.toString(16).padStart(30, '0')}`;
const settlementAccountId = (bank: number): string => `5e${(bank + 1).toString(16).padStart(30, '0')}`;
const depositAsset = (bank: number): string => {
  const id = SETTLEMENT_BENCH_BANKS[bank];
  assert(id !== undefined, 'a bench bank');
  return `${id.toUpperCase()}-CNY`;
};

export async function benchSettlement(options: SettlementBenchOptions): Promise<SettlementBenchResult> {
  assert(options.payments > 0 && options.window > 0, 'bench settlement: positive sizes');
  const dir = mkdtempSync(join(tmpdir(), 'paychain-bench-settlement-'));
  try {
    initDataDir({
      dir,
      suite: 'intl',
      chainId: 'paychain-bench-settlement',
      // The settlement institution is the one validator; the banks are issuers of their deposits.
      orgs: [
        { id: INSTITUTION, name: 'Central Bank', roles: ['issuer', 'settlement', 'validator'] },
        ...SETTLEMENT_BENCH_BANKS.map((id) => ({ id, name: id.toUpperCase(), roles: ['issuer' as const] })),
      ],
      time: BigInt(Date.now()),
    });
    const data = openDataDir(dir);
    const keysOf = (org: string): OrgKeys => {
      const k = data.keys.get(org);
      if (k === undefined) throw new Error(`bench: ${org} keys missing`);
      return k;
    };
    const signerOf = (k: OrgKeys): Signer => ({ privateKey: k.adminPrivateKey, publicKey: k.adminPublicKey });
    const cbKeys = keysOf(INSTITUTION);
    const cb = signerOf(cbKeys);
    const banks = SETTLEMENT_BENCH_BANKS.map((id) => signerOf(keysOf(id)));
    const bankSigner = (bank: number): Signer => {
      const s = banks[bank];
      assert(s !== undefined, 'a bench bank');
      return s;
    };
    const consortium = Consortium.open({
      genesis: data.genesis,
      suite: data.suite,
      peers: [{ orgId: INSTITUTION, dbPath: ledgerPath(dir, INSTITUTION), validatorKey: cbKeys.validatorPrivateKey }],
      blockTxsMax: 4_000,
      blockIntervalMs: 5,
    });
    let counter = 0;
    const tx = (body: TxBody, signers: readonly Signer[]): Uint8Array =>
      signAndEncode(
        data.suite,
        {
          chainId: data.genesis.chainId,
          id: `5b${(++counter).toString(16).padStart(30, '0')}`,
          expiresAt: BigInt(Date.now()) + EXPIRY_MS,
          body,
        },
        signers,
      );
    /** Submits, logging progress on long runs; returns how many did not apply and how many blocks they took. */
    const run = async (
      what: string,
      txs: readonly Uint8Array[],
    ): Promise<{ outcomes: FinalOutcome[]; failed: number; blocks: number; seconds: number }> => {
      const heightBefore = consortium.primary.tip.height;
      let final = 0;
      const counted = {
        submit: (bytes: Uint8Array) =>
          consortium.submit(bytes).then((o) => {
            final++;
            return o;
          }),
      };
      const started = performance.now();
      const progress =
        txs.length >= PROGRESS_EVERY
          ? setInterval(() => {
              const s = (performance.now() - started) / 1000;
              options.log(`  ${what}: ${final}/${txs.length} final after ${s.toFixed(0)} s`);
            }, PROGRESS_MS)
          : undefined;
      try {
        const outcomes = await submitAll(counted, txs, SUBMIT_WINDOW);
        const seconds = (performance.now() - started) / 1000;
        return {
          outcomes,
          failed: outcomes.filter((o) => o.code !== 'ok').length,
          blocks: Number(consortium.primary.tip.height - heightBefore),
          seconds,
        };
      } finally {
        if (progress !== undefined) clearInterval(progress);
      }
    };
    const setup = async (what: string, txs: readonly Uint8Array[]): Promise<void> => {
      const { outcomes, failed } = await run(what, txs);
      if (failed > 0) {
        const first = outcomes.find((o) => o.code !== 'ok');
        throw new Error(`bench settlement: ${failed} ${what} transactions failed (first: ${first?.code})`);
      }
    };
    /** One transaction, submit → final, in ms; it must apply. */
    const timed = async (what: string, bytes: Uint8Array): Promise<number> => {
      const started = performance.now();
      const outcome = await consortium.submit(bytes);
      const ms = performance.now() - started;
      if (outcome.code !== 'ok') throw new Error(`bench settlement: ${what} failed: ${outcome.code}`);
      return ms;
    };
    try {
      const customers = SETTLEMENT_BENCH_CUSTOMERS;
      const maxPayments = Math.max(options.payments, options.window);
      // Every customer can pay every payment of the largest run, and every bank can owe every cross-bank payment.
      const funding = BigInt(maxPayments) * BigInt(SETTLEMENT_BENCH_PAYMENT_MAX);
      const pledge = BigInt(options.payments + options.window) * BigInt(SETTLEMENT_BENCH_PAYMENT_MAX);
      options.log(
        `setting up ${INSTITUTION} (RES-CNY) and ${banks.length} banks of ${customers} customers in the CNY scheme`,
      );
      const bankIndexes = SETTLEMENT_BENCH_BANKS.map((_, i) => i);
      const orgOf = (bank: number): string => {
        const id = SETTLEMENT_BENCH_BANKS[bank];
        assert(id !== undefined, 'a bench bank');
        return id;
      };
      const open = (account: string, issuer: string, issuerSigner: Signer, owner: Uint8Array): Uint8Array =>
        tx(
          {
            type: 'account.open',
            account,
            issuer,
            owners: [owner],
            threshold: 1,
            tier: 1,
            flags: { allowNegative: false },
          },
          [issuerSigner],
        );
      await setup('asset', [
        tx({ type: 'asset.define', asset: { id: RES, name: 'Reserves in yuan', issuer: INSTITUTION, decimals: 2 } }, [
          cb,
        ]),
        ...bankIndexes.map((b) =>
          tx(
            {
              type: 'asset.define',
              asset: { id: depositAsset(b), name: depositAsset(b), issuer: orgOf(b), decimals: 2 },
            },
            [bankSigner(b)],
          ),
        ),
      ]);
      const customerKeys = bankIndexes.map(() => Array.from({ length: customers }, () => data.suite.generateKeyPair()));
      const customerKey = (bank: number, i: number): Signer => {
        const k = customerKeys[bank]?.[i];
        assert(k !== undefined, 'a customer of a bank');
        return k;
      };
      await setup('account', [
        tx({ type: 'settlement.scheme', currency: CURRENCY, settlementAsset: RES }, [cb]),
        ...bankIndexes.map((b) => open(settlementAccountId(b), INSTITUTION, cb, bankSigner(b).publicKey)),
        ...bankIndexes.flatMap((b) =>
          Array.from({ length: customers }, (_, i) =>
            open(customerId(b, i), orgOf(b), bankSigner(b), customerKey(b, i).publicKey),
          ),
        ),
      ]);
      await setup('funding', [
        ...bankIndexes.map((b) =>
          tx({ type: 'mint', asset: RES, account: settlementAccountId(b), amount: pledge }, [cb]),
        ),
        ...bankIndexes.flatMap((b) =>
          Array.from({ length: customers }, (_, i) =>
            tx({ type: 'mint', asset: depositAsset(b), account: customerId(b, i), amount: funding }, [bankSigner(b)]),
          ),
        ),
      ]);
      await setup(
        'join',
        bankIndexes.map((b) =>
          tx(
            {
              type: 'settlement.join',
              currency: CURRENCY,
              org: orgOf(b),
              depositAsset: depositAsset(b),
              settlementAccount: settlementAccountId(b),
            },
            [cb, bankSigner(b)],
          ),
        ),
      );
      await setup(
        'pledge',
        bankIndexes.map((b) =>
          tx({ type: 'settlement.pledge', currency: CURRENCY, org: orgOf(b), amount: pledge }, [bankSigner(b)]),
        ),
      );

      const generator = new PaymentGenerator({
        seed: 7n,
        banks: bankIndexes.length,
        customers,
        funding,
        maxMinor: SETTLEMENT_BENCH_PAYMENT_MAX,
      });
      const sign = (p: PlannedPayment): Uint8Array => {
        const source = customerId(p.fromBank, p.fromCustomer);
        const target = customerId(p.toBank, p.toCustomer);
        const payer = customerKey(p.fromBank, p.fromCustomer);
        const body: TxBody =
          p.fromBank === p.toBank
            ? { type: 'transfer', source, target, asset: depositAsset(p.fromBank), amount: p.amount, memo: '' }
            : { type: 'interbank.transfer', source, target, currency: CURRENCY, amount: p.amount, memo: '' };
        return tx(body, [payer]);
      };
      const signPayments = (what: string, count: number, cross: boolean): Uint8Array[] => {
        const started = performance.now();
        const txs: Uint8Array[] = new Array(count);
        for (let i = 0; i < count; i++) {
          txs[i] = sign(generator.next(cross));
          if ((i + 1) % PROGRESS_EVERY === 0) {
            const s = (performance.now() - started) / 1000;
            options.log(`  signed ${i + 1}/${count} ${what} in ${s.toFixed(0)} s`);
          }
        }
        return txs;
      };
      const windowOf = async (
        seq: bigint,
        expected: { payments: number; gross: bigint; nets: bigint[] },
        submitted: { seconds: number; failed: number },
      ): Promise<SettledWindow> => {
        const closeMs = await timed(
          `closing window ${seq}`,
          tx({ type: 'settlement.close', currency: CURRENCY, window: seq }, [cb]),
        );
        const closed = consortium.primary.ledger.getWindow(CURRENCY, seq);
        assert(closed !== undefined && closed.status === 'closed', 'the window closed');
        const settleMs = await timed(
          `settling window ${seq}`,
          tx({ type: 'settlement.settle', currency: CURRENCY, window: seq }, [cb]),
        );
        // The ledger's window is the generator's, payment for payment, when every payment applied.
        if (submitted.failed === 0) {
          const nets = bankIndexes.map((b) => closed.positions.find((p) => p.org === orgOf(b))?.net ?? 0n);
          assert(
            closed.payments === BigInt(expected.payments) &&
              closed.gross === expected.gross &&
              nets.every((n, b) => n === expected.nets[b]),
            `window ${seq} reconciles with the payments made`,
          );
        }
        return {
          seq: Number(seq),
          payments: Number(closed.payments),
          grossMinor: closed.gross.toString(),
          positions: closed.positions.map((p) => ({ org: p.org, netMinor: p.net.toString() })),
          submitSeconds: Number(submitted.seconds.toFixed(3)),
          paymentsPerSec: submitted.seconds > 0 ? Math.round(Number(closed.payments) / submitted.seconds) : 0,
          failed: submitted.failed,
          closeMs: Number(closeMs.toFixed(1)),
          settleMs: Number(settleMs.toFixed(1)),
        };
      };

      options.log(`signing ${options.payments} same-bank and ${options.payments} cross-bank payments (not timed)`);
      const sameTxs = signPayments('same-bank payments', options.payments, false);
      const crossTxs = signPayments('cross-bank payments', options.payments, true);
      const same = await run('same-bank payments', sameTxs);
      options.log(`same-bank payments: ${(options.payments / same.seconds).toFixed(0)}/s`);
      const crossed = await run('cross-bank payments', crossTxs);
      options.log(`cross-bank payments: ${(options.payments / crossed.seconds).toFixed(0)}/s`);
      const firstWindow = await windowOf(1n, generator.takeWindow(), crossed);
      options.log(
        `window 1 (${firstWindow.payments} payments): close ${firstWindow.closeMs} ms, settle ${firstWindow.settleMs} ms`,
      );

      options.log(`signing the window's ${options.window} cross-bank payments (not timed)`);
      const windowTxs = signPayments('window payments', options.window, true);
      options.log(`submitting the window's ${options.window} payments`);
      const windowRun = await run('window payments', windowTxs);
      windowTxs.length = 0;
      options.log(`window payments: ${(options.window / windowRun.seconds).toFixed(0)}/s`);
      const window = await windowOf(2n, generator.takeWindow(), windowRun);
      options.log(`window 2 (${window.payments} payments): close ${window.closeMs} ms, settle ${window.settleMs} ms`);

      const sameRate = options.payments / same.seconds;
      const crossRate = options.payments / crossed.seconds;
      const runOf = (r: { seconds: number; failed: number; blocks: number }): SettlementRun => ({
        payments: options.payments,
        perSec: Math.round(options.payments / r.seconds),
        seconds: Number(r.seconds.toFixed(3)),
        failed: r.failed,
        blocks: r.blocks,
      });
      return {
        suite: 'intl',
        banks: bankIndexes.length,
        customersPerBank: customers,
        sameBank: runOf(same),
        crossBank: runOf(crossed),
        crossToSameRatio: Number((crossRate / sameRate).toFixed(3)),
        firstWindow,
        window,
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

/** A few lines for a person: rates, ratio, and the window's close and settle. */
export function formatSettlementSummary(r: SettlementBenchResult): string {
  const w = r.window;
  return [
    `same-bank payments:  ${r.sameBank.perSec}/s (${r.sameBank.payments}, ${r.sameBank.failed} failed)`,
    `cross-bank payments: ${r.crossBank.perSec}/s (${r.crossBank.payments}, ${r.crossBank.failed} failed), ${r.crossToSameRatio} × same-bank`,
    `window ${w.seq}: ${w.payments} payments submitted in ${w.submitSeconds} s (${w.paymentsPerSec}/s, ${w.failed} failed), gross ${w.grossMinor} fen`,
    `  positions: ${w.positions.map((p) => `${p.org} ${p.netMinor}`).join(', ')}`,
    `  close ${w.closeMs} ms, settle ${w.settleMs} ms (window 1 of ${r.firstWindow.payments}: close ${r.firstWindow.closeMs} ms, settle ${r.firstWindow.settleMs} ms)`,
    `${r.machine.cpus} cpus (${r.machine.model}), ${r.machine.memoryGiB} GiB, node ${r.machine.node}, one validator, durable`,
  ].join('\n');
}
