/**
 * `paychain bench ledger`: signed transfers per second through the whole embedded pipeline
 * (submit, signature verification on worker threads, execution, durable SQLite commit, header
 * signature, certificate) with one validator, against two baselines measured in the same run:
 * the suite's signature-verification ceiling on all cores, and the same payments done the
 * classic way on PostgreSQL.
 *
 * Back of the envelope (intl, 2 cores): Ed25519 verify ≈ 11–12.8k/s per core, so the ceiling
 * is ≈ 23k/s; per transfer the main thread also decodes (~3 µs), executes (~5 µs), updates
 * the LtHash (2 entries × 2 × 6 µs), writes 4 SQLite rows (~10 µs) and hashes Merkle leaves
 * (~2 µs) — ≈ 45 µs, i.e. ≈ 0.6 core at 13k/s. Expect ceilingRatio ≈ 0.5–0.6.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { assert, type SuiteName } from '@paychain/core';
import { Consortium, initDataDir, ledgerPath, openDataDir, VerifyPool } from '@paychain/node';
import { submitAll, Workload } from '../workload.ts';
import { type MachineFacts, machineFacts } from './machine.ts';

export interface LedgerBenchOptions {
  readonly suite: SuiteName;
  readonly transfers: number;
  readonly payers: number;
  readonly hotMerchants: number;
  readonly postgres: boolean;
  readonly log: (line: string) => void;
}

export interface LedgerBenchResult {
  suite: SuiteName;
  transfers: number;
  committedPerSec: number;
  p50LatencyMs: number;
  p99LatencyMs: number;
  latencyRatePerSec: number;
  verifyCeilingPerSec: number;
  ceilingRatio: number;
  postgresPerSec?: number;
  postgresRatio?: number;
  postgres?: unknown;
  failed: number;
  blocks: number;
  payers: number;
  hotMerchants: number;
  hotSharePercent: number;
  durable: true;
  validators: 1;
  machine: MachineFacts;
}

const SUBMIT_WINDOW = 8_000;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const value = sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  assert(value !== undefined, 'percentile: p is within 0..100');
  return value;
}

/** Submits with SUBMIT_WINDOW in flight; the number of transactions that did not apply. */
async function submitWindowed(consortium: Consortium, txs: readonly Uint8Array[]): Promise<number> {
  const outcomes = await submitAll(consortium, txs, SUBMIT_WINDOW);
  return outcomes.filter((o) => o.code !== 'ok').length;
}

export async function benchLedger(options: LedgerBenchOptions): Promise<LedgerBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'paychain-bench-'));
  try {
    initDataDir({
      dir,
      suite: options.suite,
      chainId: 'paychain-bench',
      orgs: [{ id: 'bank', name: 'Bank', roles: ['issuer', 'validator'] }],
      time: BigInt(Date.now()),
    });
    const data = openDataDir(dir);
    const issuer = data.keys.get('bank');
    if (issuer === undefined) throw new Error('bench: bank keys missing');
    const consortium = Consortium.open({
      genesis: data.genesis,
      suite: data.suite,
      peers: [{ orgId: 'bank', dbPath: ledgerPath(dir, 'bank'), validatorKey: issuer.validatorPrivateKey }],
      blockTxsMax: 4_000,
      blockIntervalMs: 5,
    });
    const workload = new Workload({ suite: data.suite, genesis: data.genesis, issuer, seed: 42n, hotSharePercent: 20 });
    const now = () => BigInt(Date.now());
    try {
      options.log(`setting up ${options.payers} payers and ${options.hotMerchants} hot merchants`);
      await submitWindowed(consortium, workload.setup(options.payers, options.hotMerchants, now()));
      await submitWindowed(consortium, workload.funding(1_000_000_000n, now()));

      options.log(`signing ${options.transfers} transfers (not timed)`);
      const transfers = Array.from({ length: options.transfers }, () => workload.payment(now()).bytes);
      const heightBefore = consortium.primary.tip.height;
      const started = performance.now();
      const failed = await submitWindowed(consortium, transfers);
      const seconds = (performance.now() - started) / 1000;
      const committedPerSec = options.transfers / seconds;
      const blocks = Number(consortium.primary.tip.height - heightBefore);
      options.log(`peak: ${committedPerSec.toFixed(0)} committed transfers/s (${blocks} blocks, ${failed} failed)`);

      // Latency at half the peak rate: paced submissions, submit → final per transfer.
      const rate = Math.max(100, Math.floor(committedPerSec / 2));
      const latencyCount = Math.min(rate * 4, options.transfers);
      const paced = Array.from({ length: latencyCount }, () => workload.payment(now()).bytes);
      const latencies: number[] = [];
      const tickMs = 5;
      const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
      const pending: Promise<void>[] = [];
      const pacedStart = performance.now();
      for (let i = 0; i < paced.length; i += perTick) {
        const due = pacedStart + (i / rate) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        for (const tx of paced.slice(i, i + perTick)) {
          const t0 = performance.now();
          pending.push(consortium.submit(tx).then(() => void latencies.push(performance.now() - t0)));
        }
      }
      await Promise.all(pending);
      latencies.sort((a, b) => a - b);
      options.log(
        `latency at ${rate}/s: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
      );

      // The ceiling: the same transactions' signatures verified on every core, nothing else.
      const pool = new VerifyPool(data.suite, availableParallelism());
      const ceilingSample = transfers.slice(0, Math.min(transfers.length, options.suite === 'gm' ? 10_000 : 40_000));
      // Warm pass: parse every key once, so the timed pass measures verification alone, the
      // way OpenSSL's own speed test does.
      for (let i = 0; i < ceilingSample.length; i += 4_096) await pool.verify(ceilingSample.slice(i, i + 4_096));
      const verifyStart = performance.now();
      for (let i = 0; i < ceilingSample.length; i += 4_096) await pool.verify(ceilingSample.slice(i, i + 4_096));
      const verifyCeilingPerSec = ceilingSample.length / ((performance.now() - verifyStart) / 1000);
      await pool.close();
      options.log(
        `verify ceiling: ${verifyCeilingPerSec.toFixed(0)} signature checks/s on ${availableParallelism()} cores`,
      );

      const result: LedgerBenchResult = {
        suite: options.suite,
        transfers: options.transfers,
        committedPerSec: Math.round(committedPerSec),
        p50LatencyMs: Number(percentile(latencies, 50).toFixed(2)),
        p99LatencyMs: Number(percentile(latencies, 99).toFixed(2)),
        latencyRatePerSec: rate,
        verifyCeilingPerSec: Math.round(verifyCeilingPerSec),
        ceilingRatio: Number((committedPerSec / verifyCeilingPerSec).toFixed(3)),
        failed,
        blocks,
        payers: options.payers,
        hotMerchants: options.hotMerchants,
        hotSharePercent: 20,
        durable: true,
        validators: 1,
        machine: machineFacts(),
      };
      if (options.postgres) {
        const { runPostgresBaseline } = await import('./postgres-baseline.ts');
        options.log('running the PostgreSQL baseline (double-entry, row locks, one SQL transaction per payment)');
        const pg = await runPostgresBaseline({
          payments: Math.min(options.transfers, 20_000),
          payers: options.payers,
          hotMerchants: options.hotMerchants,
          hotSharePercent: 20,
          connections: 8,
          seed: 42n,
        });
        if (pg === null) options.log('no PostgreSQL server reachable: postgres figures omitted');
        else {
          result.postgresPerSec = Math.round(pg.perSec);
          result.postgresRatio = Number((committedPerSec / pg.perSec).toFixed(2));
          result.postgres = pg;
          options.log(`postgres: ${pg.perSec.toFixed(0)} payments/s`);
        }
      }
      return result;
    } finally {
      await consortium.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
