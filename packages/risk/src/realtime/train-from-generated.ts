import { createSyntheticDataset, type SynthOptions } from '../synth/synthetic-dataset.ts';
import type { LogisticModel } from './logistic-model.ts';
import {
  collectFeatureRows,
  evaluateOnStream,
  fitFeatureRows,
  type LabelledEvent,
  type StreamEvaluation,
  TRAIN_OPTIONS_DEFAULT,
  type TrainOptions,
} from './train-from-events.ts';

const DAY_MS = 86_400_000;
/** Every payee and device is new on the first day of a generated stream: a week builds history first. */
export const WARM_UP_DAYS_DEFAULT = 7;

export interface TrainFromGeneratedOptions {
  readonly seed: number;
  readonly users: number;
  readonly merchants: number;
  readonly days: number;
  /** The hold-out data set's seed (same size); default seed + 1. */
  readonly holdoutSeed?: number;
  readonly warmUpDays?: number;
  /** The model's version; default 1. */
  readonly version?: number;
  /** Recorded in the model (training reads no clock); default "unrecorded". */
  readonly date?: string;
  /** Recorded in the model; default a description of this call. */
  readonly command?: string;
  readonly train?: Partial<TrainOptions>;
}

export interface TrainedModel {
  readonly model: LogisticModel;
  /** The same hold-out, scored by the model and by the default rules alone. */
  readonly holdout: StreamEvaluation;
}

/**
 * Generates a data set, streams it day by day through a fresh engine (features in stream order,
 * exactly as in production), trains on the card and account fraud labels, and evaluates the
 * result on another seed's data set. Deterministic: the same options give the same model.
 */
export function trainFromGenerated(options: TrainFromGeneratedOptions): TrainedModel {
  const warmUpMs = (options.warmUpDays ?? WARM_UP_DAYS_DEFAULT) * DAY_MS;
  const trainOptions: TrainOptions = { ...TRAIN_OPTIONS_DEFAULT, seed: options.seed, ...options.train };
  const size = { users: options.users, merchants: options.merchants, days: options.days };
  const rows = collectFeatureRows(generatedEvents({ seed: options.seed, ...size }), {
    warmUpMs,
    negativeKeepRate: trainOptions.negativeKeepRate,
    seed: options.seed,
  });
  const fit = fitFeatureRows(rows, trainOptions);
  const holdoutSeed = options.holdoutSeed ?? options.seed + 1;
  const unrated: LogisticModel = {
    version: options.version ?? 1,
    kind: 'logistic',
    ...fit,
    trainedOn: {
      seed: options.seed,
      ...size,
      rows: rows.eligible,
      positives: rows.positives,
      date: options.date ?? 'unrecorded',
      command:
        options.command ??
        `trainFromGenerated(${JSON.stringify({ seed: options.seed, ...size, holdoutSeed, train: trainOptions })})`,
    },
    metrics: { holdoutSeed, rows: 0, positives: 0, auc: 0, precisionAt1pct: 0, recallAt1pct: 0 },
  };
  const holdout = evaluateOnStream(generatedEvents({ seed: holdoutSeed, ...size }), unrated, { warmUpMs });
  const model: LogisticModel = {
    ...unrated,
    metrics: {
      holdoutSeed,
      rows: holdout.model.rows,
      positives: holdout.model.positives,
      auc: holdout.model.auc ?? 0,
      precisionAt1pct: holdout.model.precisionAtReviewRate,
      recallAt1pct: holdout.model.recallAtReviewRate,
    },
  };
  return { model, holdout };
}

/**
 * The generator's payments in time order, one day in memory at a time, each with its label and
 * its paying account's opening time (which the gateway knows too).
 */
export function* generatedEvents(options: SynthOptions): Generator<LabelledEvent> {
  const dataset = createSyntheticDataset(options);
  const openedAtMs = new Map<string, number>();
  for (const account of dataset.accounts()) {
    if (account.openedAtMs !== null) openedAtMs.set(account.accountId, account.openedAtMs);
  }
  for (const day of dataset.days()) {
    for (let i = 0; i < day.transfers.length; i++) {
      const transfer = day.transfers[i];
      const label = day.labels[i];
      if (transfer === undefined || label === undefined) continue;
      const opened = openedAtMs.get(transfer.fromAccount);
      yield {
        event: opened === undefined ? transfer : { ...transfer, accountOpenedAtMs: opened },
        pattern: label.pattern,
      };
    }
  }
}
