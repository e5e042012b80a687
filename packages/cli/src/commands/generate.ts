/**
 * `paychain generate`: the seeded synthetic dataset of `@paychain/risk` (users, merchants, daily rhythms, injected
 * fraud and laundering with labels) written in the import format, so detection quality is measured, not assumed.
 * Options are whole numbers checked here; their ranges are the generator's (`SynthOptionsError` names a bad one).
 */
import { runGenerateCommand, SynthOptionsError } from '@paychain/risk';
import type { Command } from 'commander';
import { CliError } from '../errors.ts';

function wholeNumber(option: string, text: string): number {
  if (!/^\d{1,9}$/.test(text)) throw new CliError(`${option} must be a whole number, got "${text}"`, 2);
  return Number(text);
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('write a seeded synthetic dataset: transfers.csv, labels.csv, patterns.csv, accounts.csv')
    .requiredOption('--out <dir>', 'directory for the files (created if missing)')
    .option('--seed <n>', 'seed: the same seed and options give byte-identical files', '1')
    .option('--users <n>', 'wallet users', '10000')
    .option('--merchants <n>', 'merchants', '500')
    .option('--days <n>', 'days of activity from 2026-01-01', '90')
    .option('--threshold <cny>', 'large-value reporting threshold that structuring stays below', '50000')
    .option('--json', 'print the summary as JSON')
    .action(
      async (opts: {
        out: string;
        seed: string;
        users: string;
        merchants: string;
        days: string;
        threshold: string;
        json?: boolean;
      }) => {
        let summary: Awaited<ReturnType<typeof runGenerateCommand>>;
        try {
          summary = await runGenerateCommand({
            out: opts.out,
            seed: wholeNumber('--seed', opts.seed),
            users: wholeNumber('--users', opts.users),
            merchants: wholeNumber('--merchants', opts.merchants),
            days: wholeNumber('--days', opts.days),
            threshold: opts.threshold,
          });
        } catch (error) {
          if (error instanceof SynthOptionsError) throw new CliError(error.message, 2);
          throw error;
        }
        if (opts.json === true) {
          console.log(JSON.stringify(summary, null, 2));
          return;
        }
        console.log(JSON.stringify(summary));
      },
    );
}
