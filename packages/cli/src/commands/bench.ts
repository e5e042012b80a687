/** `paychain bench …`: benchmarks that print JSON with ratios against baselines from the same run. */
import { isSuiteName } from '@paychain/core';
import type { Command } from 'commander';
import { benchAnalytics } from '../bench/analytics.ts';
import { benchCluster } from '../bench/cluster.ts';
import { benchGateway } from '../bench/gateway.ts';
import { benchLedger } from '../bench/ledger.ts';
import { benchPrograms } from '../bench/programs.ts';
import { benchSettlement, formatSettlementSummary } from '../bench/settlement.ts';
import { CliError } from '../errors.ts';
import { parsePositive } from '../options.ts';

export function registerBench(program: Command): void {
  const bench = program
    .command('bench')
    .description('benchmarks (JSON output, ratios against baselines measured in the same run)');
  bench
    .command('analytics')
    .description(
      'warehouse ingest and dashboard queries (against DuckDB read_csv and a full scan), AML scan quality and time, risk scoring latency and card-fraud AUC',
    )
    .option('--rows <n>', 'transfers in the warehouse', parsePositive('--rows'), 10_000_000)
    .option('--aml-seeds <list>', 'seeds of the AML runs (comma-separated)', '1,2,3')
    .option(
      '--aml-users <n>',
      'users per AML run (about 125 transfers each over 75 days)',
      parsePositive('--aml-users'),
      8_000,
    )
    .option('--clickhouse', 'also ingest and query on a local ClickHouse server (Debian clickhouse-server)')
    .option('--json', 'print only the JSON result')
    .action(
      async (opts: { rows: number; amlSeeds: string; amlUsers: number; clickhouse?: boolean; json?: boolean }) => {
        const seeds = opts.amlSeeds.split(',').map((s) => s.trim());
        if (seeds.some((s) => !/^[0-9]{1,9}$/.test(s))) {
          throw new CliError(`--aml-seeds must be whole numbers separated by commas, not "${opts.amlSeeds}"`, 2);
        }
        const result = await benchAnalytics({
          rows: opts.rows,
          amlSeeds: seeds.map(Number),
          amlUsers: opts.amlUsers,
          clickhouse: opts.clickhouse === true,
          log: opts.json ? () => {} : (line) => console.error(line),
        });
        console.log(JSON.stringify(result, null, opts.json ? undefined : 2));
      },
    );
  bench
    .command('ledger')
    .description(
      'committed signed transfers/s with one validator, p99 latency at half the peak, against the verify ceiling and PostgreSQL',
    )
    .option('--suite <suite>', 'intl or gm', 'intl')
    .option('--transfers <n>', 'transfers in the peak run (default 60000 intl, 15000 gm)', parsePositive('--transfers'))
    .option('--payers <n>', 'paying accounts', parsePositive('--payers'), 20_000)
    .option(
      '--hot-merchants <n>',
      'hot merchant accounts that get 20% of payments',
      parsePositive('--hot-merchants'),
      10,
    )
    .option('--no-postgres', 'skip the PostgreSQL baseline')
    .option('--json', 'print only the JSON result')
    .action(
      async (opts: {
        suite: string;
        transfers?: number;
        payers: number;
        hotMerchants: number;
        postgres: boolean;
        json?: boolean;
      }) => {
        if (!isSuiteName(opts.suite)) throw new CliError(`--suite must be intl or gm, not "${opts.suite}"`, 2);
        const result = await benchLedger({
          suite: opts.suite,
          transfers: opts.transfers ?? (opts.suite === 'gm' ? 15_000 : 60_000),
          payers: opts.payers,
          hotMerchants: opts.hotMerchants,
          postgres: opts.postgres,
          log: opts.json ? () => {} : (line) => console.error(line),
        });
        console.log(JSON.stringify(result, null, opts.json ? undefined : 2));
      },
    );
  bench
    .command('programs')
    .description(
      'beneficiaries credited/s by batch disbursements and eligible program spends/s, against plain transfers in the same run',
    )
    .option(
      '--beneficiaries <n>',
      'beneficiaries credited, in disbursements of up to 10000',
      parsePositive('--beneficiaries'),
      50_000,
    )
    .option('--spends <n>', 'eligible spends (and as many plain transfers)', parsePositive('--spends'), 20_000)
    .option('--json', 'print only the JSON result')
    .action(async (opts: { beneficiaries: number; spends: number; json?: boolean }) => {
      const result = await benchPrograms({
        beneficiaries: opts.beneficiaries,
        spends: opts.spends,
        log: opts.json ? () => {} : (line) => console.error(line),
      });
      console.log(JSON.stringify(result, null, opts.json ? undefined : 2));
    });
  bench
    .command('settlement')
    .description(
      'interbank settlement: cross-bank payments/s against same-bank transfers in the same run, and the latency to close and settle a window of --window payments',
    )
    .option('--payments <n>', 'same-bank payments (and as many cross-bank ones)', parsePositive('--payments'), 20_000)
    .option(
      '--window <n>',
      'cross-bank payments in the window that is closed and settled',
      parsePositive('--window'),
      1_000_000,
    )
    .option('--json', 'print only the JSON result')
    .action(async (opts: { payments: number; window: number; json?: boolean }) => {
      const result = await benchSettlement({
        payments: opts.payments,
        window: opts.window,
        log: opts.json ? () => {} : (line) => console.error(line),
      });
      console.log(opts.json ? JSON.stringify(result) : formatSettlementSummary(result));
    });
  bench
    .command('cluster')
    .description(
      'committed transfers/s and p99 finality latency of 3 peer processes on 3 NATS servers, against one embedded peer',
    )
    .option('--transfers <n>', 'transfers in the peak run', parsePositive('--transfers'), 10_000)
    .option('--payers <n>', 'paying accounts', parsePositive('--payers'), 2_000)
    .option('--json', 'print only the JSON result')
    .action(async (opts: { transfers: number; payers: number; json?: boolean }) => {
      const result = await benchCluster({
        transfers: opts.transfers,
        payers: opts.payers,
        log: opts.json ? () => {} : (line) => console.error(line),
      });
      console.log(JSON.stringify(result, null, opts.json ? undefined : 2));
    });
  bench
    .command('gateway')
    .description(
      'payments/s and p50/p99 latency end to end through the gateway HTTP API (auth, checks, signing, finality), against the ledger alone on the same server',
    )
    .option('--payments <n>', 'payments in the peak run', parsePositive('--payments'), 10_000)
    .option(
      '--users <n>',
      'wallets (each signs up with scrypt, untimed; log-ins per IP are limited to 100 per 15 min)',
      parsePositive('--users'),
      90,
    )
    .option('--json', 'print only the JSON result')
    .action(async (opts: { payments: number; users: number; json?: boolean }) => {
      const result = await benchGateway({
        payments: opts.payments,
        users: opts.users,
        log: opts.json ? () => {} : (line) => console.error(line),
      });
      console.log(JSON.stringify(result, null, opts.json ? undefined : 2));
    });
}
