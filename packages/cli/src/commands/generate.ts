/**
 * `paychain generate`: the seeded synthetic dataset of `@paychain/risk` (users, merchants, daily rhythms, injected
 * fraud and laundering with labels) written in the import format, so detection quality is measured, not assumed.
 * Options are whole numbers checked here; their ranges are the generator's (`SynthOptionsError` names a bad one).
 * With `--submit URL --data DIR` the same activity is then replayed on that running network as signed payments
 * (`../generate-submit.ts`); every check of the network comes before anything is generated.
 */
import { runGenerateCommand, SynthOptionsError } from '@paychain/risk';
import type { Command } from 'commander';
import { CliError } from '../errors.ts';
import {
  LedgerHttpError,
  openSubmitTarget,
  SUBMIT_CONCURRENCY_DEFAULT,
  SUBMIT_CONCURRENCY_MAX,
  SUBMIT_TRANSFERS_MAX,
  type SubmitSummary,
  type SubmitTarget,
  submitGeneratedTransfers,
} from '../generate-submit.ts';

function wholeNumber(option: string, text: string): number {
  if (!/^\d{1,9}$/.test(text)) throw new CliError(`${option} must be a whole number, got "${text}"`, 2);
  return Number(text);
}

function numberIn(option: string, text: string, min: number, max: number): number {
  const n = wholeNumber(option, text);
  if (n < min || n > max) throw new CliError(`${option} must be from ${min} to ${max}, got ${n}`, 2);
  return n;
}

interface GenerateOpts {
  out: string;
  seed: string;
  users: string;
  merchants: string;
  days: string;
  threshold: string;
  json?: boolean;
  submit?: string;
  data?: string;
  limit?: string;
  concurrency?: string;
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description(
      'write a seeded synthetic dataset: transfers.csv, labels.csv, patterns.csv, accounts.csv; with --submit, replay it on a running network',
    )
    .requiredOption('--out <dir>', 'directory for the files (created if missing)')
    .option('--seed <n>', 'seed: the same seed and options give byte-identical files', '1')
    .option('--users <n>', 'wallet users', '10000')
    .option('--merchants <n>', 'merchants', '500')
    .option('--days <n>', 'days of activity from 2026-01-01', '90')
    .option('--threshold <cny>', 'large-value reporting threshold that structuring stays below', '50000')
    .option(
      '--submit <url>',
      'then submit the transfers as signed payments to the node API at URL (e.g. http://127.0.0.1:8080); needs --data',
    )
    .option(
      '--data <dir>',
      "with --submit: that network's data directory (the CNY issuer's keys open and fund accounts)",
    )
    .option(
      '--limit <n>',
      `with --submit: submit at most the first n transfers in time order (default all, at most ${SUBMIT_TRANSFERS_MAX})`,
    )
    .option(
      '--concurrency <n>',
      `with --submit: transactions in flight at once (1..${SUBMIT_CONCURRENCY_MAX})`,
      String(SUBMIT_CONCURRENCY_DEFAULT),
    )
    .option('--json', 'print the summary as JSON')
    .action(async (opts: GenerateOpts) => {
      const submitting = opts.submit !== undefined;
      if (!submitting && (opts.data !== undefined || opts.limit !== undefined)) {
        throw new CliError('--data and --limit go with --submit <url>', 2);
      }
      if (submitting && opts.data === undefined) {
        throw new CliError('--submit needs --data <dir>: the data directory of the network it submits to', 2);
      }
      const limit = opts.limit === undefined ? undefined : numberIn('--limit', opts.limit, 1, SUBMIT_TRANSFERS_MAX);
      const concurrency = numberIn('--concurrency', opts.concurrency ?? '', 1, SUBMIT_CONCURRENCY_MAX);
      // The network is checked before generating: a wrong URL or directory should cost nothing.
      let target: SubmitTarget | null = null;
      if (opts.submit !== undefined && opts.data !== undefined) {
        target = await openSubmitTarget({ url: opts.submit, dataDir: opts.data });
      }
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
      let submit: SubmitSummary | null = null;
      if (target !== null) {
        try {
          submit = await submitGeneratedTransfers(target, {
            out: opts.out,
            concurrency,
            ...(limit === undefined ? {} : { limit }),
            log: (line) => console.error(`paychain: ${line}`),
          });
        } catch (error) {
          if (!(error instanceof LedgerHttpError)) throw error;
          throw new CliError(
            `submitting stopped: ${error.message}; the files are written, and running the same command again goes on (what is final is answered with its first outcome)`,
          );
        }
      }
      const printed = submit === null ? summary : { ...summary, submit };
      console.log(opts.json === true ? JSON.stringify(printed, null, 2) : JSON.stringify(printed));
    });
}
