/**
 * `paychain generate`: the synthetic data set written as files — `transfers.csv` (the import
 * format, by time), `labels.csv`, `patterns.csv` and `accounts.csv` — day by day with
 * backpressure, each file under a `.partial` name until it is complete. Returns a summary a
 * person or a script can read.
 */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { formatAmount, parseAmount } from '@paychain/core';
import { createAccountsCsvWriter } from '../csv/accounts-csv.ts';
import { msToIsoTimestamp } from '../csv/iso-timestamp.ts';
import { createLabelsCsvWriter } from '../csv/labels-csv.ts';
import { createPatternsCsvWriter } from '../csv/patterns-csv.ts';
import { createTransferCsvWriter } from '../csv/transfer-csv.ts';
import type { LabelPattern } from '../transfer-record.ts';
import {
  createSyntheticDataset,
  type PatternCount,
  type SynthOptions,
  SynthOptionsError,
} from './synthetic-dataset.ts';

export const DATASET_FILES = {
  transfers: 'transfers.csv',
  labels: 'labels.csv',
  patterns: 'patterns.csv',
  accounts: 'accounts.csv',
} as const;

export interface GenerateDatasetOptions extends SynthOptions {
  /** Directory for the four files; created if missing. */
  readonly out: string;
}

/** What was generated; plain JSON (amounts as decimal strings). */
export interface GenerateSummary {
  readonly seed: number;
  readonly users: number;
  readonly merchants: number;
  readonly days: number;
  readonly start: string;
  readonly thresholdCny: string;
  readonly transfers: number;
  readonly illicit: number;
  readonly illicitShare: number;
  readonly patterns: Readonly<Record<LabelPattern, PatternCount>>;
  readonly notes: readonly string[];
  readonly files: readonly string[];
  readonly elapsedMs: number;
}

export async function generateDataset(options: GenerateDatasetOptions): Promise<GenerateSummary> {
  const began = performance.now();
  const dataset = createSyntheticDataset(options);
  await mkdir(options.out, { recursive: true });
  const files = Object.values(DATASET_FILES).map((name) => join(options.out, name));
  const transfers = createTransferCsvWriter(join(options.out, DATASET_FILES.transfers));
  const labels = createLabelsCsvWriter(join(options.out, DATASET_FILES.labels));
  const patterns = createPatternsCsvWriter(join(options.out, DATASET_FILES.patterns));
  const accounts = createAccountsCsvWriter(join(options.out, DATASET_FILES.accounts));
  const writers = [transfers, labels, patterns, accounts];
  try {
    await accounts.writeBatch(dataset.accounts());
    for (const day of dataset.days()) {
      await transfers.writeBatch(day.transfers);
      await labels.writeBatch(day.labels);
    }
    await patterns.writeBatch(dataset.instances());
    for (const writer of writers) await writer.close();
  } catch (error) {
    // Leave no partial file behind; the error itself is what the caller needs.
    for (const writer of writers) await writer.abort();
    throw error;
  }
  const counts = dataset.counts();
  const resolved = dataset.options;
  return {
    seed: resolved.seed,
    users: resolved.users,
    merchants: resolved.merchants,
    days: resolved.days,
    start: msToIsoTimestamp(resolved.startMs),
    thresholdCny: formatAmount(resolved.thresholdMinor, 2),
    transfers: counts.transfers,
    illicit: counts.illicit,
    illicitShare: counts.transfers === 0 ? 0 : counts.illicit / counts.transfers,
    patterns: counts.byPattern,
    notes: counts.notes,
    files,
    elapsedMs: Math.round(performance.now() - began),
  };
}

/** The options of `paychain generate --seed N --users U --merchants M --days D --out DIR [--threshold CNY]`. */
export interface GenerateCommandOptions {
  readonly seed: number;
  readonly users: number;
  readonly merchants: number;
  readonly days: number;
  readonly out: string;
  /** The reporting threshold in CNY as typed, such as "50000" or "49999.99"; default 50,000. */
  readonly threshold?: string;
}

/** Runs `paychain generate`; a bad option throws `SynthOptionsError` naming it. */
export async function runGenerateCommand(options: GenerateCommandOptions): Promise<GenerateSummary> {
  let thresholdMinor: bigint | undefined;
  if (options.threshold !== undefined) {
    const parsed = parseAmount(options.threshold, 2);
    if (!parsed.ok) throw new SynthOptionsError('threshold', `must be an amount in CNY such as 50000; ${parsed.error}`);
    thresholdMinor = parsed.value;
  }
  const { seed, users, merchants, days, out } = options;
  return generateDataset(
    thresholdMinor === undefined
      ? { seed, users, merchants, days, out }
      : { seed, users, merchants, days, out, thresholdMinor },
  );
}
