/**
 * The seeded synthetic data set, in memory and day by day: a population, a plan of everything
 * illicit, then each day's licit activity merged with the injected transfers that fall in it,
 * sorted by time and given ids in that order. Only one day of transfers (plus the small injected
 * share) is held at a time, so ten million transfers need no more memory than one day of them.
 * The same options give the same transfers, labels and instances on every run.
 */
import { assert } from '@paychain/core';
import type { AccountRecord } from '../csv/accounts-csv.ts';
import { DAY_MS, daysFromCivil } from '../csv/civil-date.ts';
import { LABEL_PATTERNS } from '../csv/labels-csv.ts';
import type { PatternInstance } from '../csv/patterns-csv.ts';
import {
  LARGE_VALUE_THRESHOLD_DEFAULT,
  type LabelPattern,
  type TransferLabel,
  type TransferRecord,
} from '../transfer-record.ts';
import { BackgroundGenerator, expectedBackgroundTransfers } from './background.ts';
import { synthDay } from './calendar.ts';
import { compareDrafts, type Draft, DraftFactory } from './draft.ts';
import { type InjectionPlan, planInjections } from './plan.ts';
import { Population } from './population.ts';
import { isSeed } from './rng.ts';

export const SYNTH_START_DEFAULT_MS = daysFromCivil(2026, 1, 1) * DAY_MS;
/** Illicit share of all transfers: comfortably above the 1 % the detection benchmarks need. */
export const ILLICIT_RATE_DEFAULT = 0.015;
export const ILLICIT_RATE_MAX = 0.2;
/** Card and account fraud's share of all transfers (part of the illicit share). */
export const FRAUD_RATE_DEFAULT = 0.002;
/** Patterns take up to 26 distinct accounts; fewer users would leave instances unplaced. */
export const USERS_MIN = 100;
/** Ids are `U` + 7 digits, `M` + 6 digits, `T` + 9 digits. */
export const USERS_MAX = 9_999_999;
export const MERCHANTS_MIN = 1;
export const MERCHANTS_MAX = 999_999;
export const DAYS_MIN = 1;
export const DAYS_MAX = 3660;
export const TRANSFERS_MAX = 999_999_999;
/** Largest threshold: 1,000,000,000 CNY, so that amount arithmetic stays exact in doubles. */
export const THRESHOLD_MINOR_MAX = 100_000_000_000n;

export interface SynthOptions {
  readonly seed: number;
  readonly users: number;
  readonly merchants: number;
  readonly days: number;
  /** UTC milliseconds of the period's start; default 2026-01-01T00:00:00Z. */
  readonly startMs?: number;
  /** The large-value reporting threshold structuring stays under, CNY fen; default 50,000 CNY. */
  readonly thresholdMinor?: bigint;
  /** Target share of illicit transfers (laundering, fraud and unpatterned); default 1.5 %. */
  readonly illicitRate?: number;
  /** Target share of card and account fraud, within the illicit share; default 0.2 %. */
  readonly fraudRate?: number;
}

export type ResolvedSynthOptions = Required<SynthOptions>;

/** A bad option: the option's name and what is wrong with it. */
export class SynthOptionsError extends Error {
  override readonly name = 'SynthOptionsError';
  readonly code = 'synth_options';
  readonly option: string;

  constructor(option: string, problem: string) {
    super(`${option} ${problem}`);
    this.option = option;
  }
}

function integerIn(option: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SynthOptionsError(option, `must be a whole number from ${min} to ${max}; got ${value}`);
  }
}

export function resolveSynthOptions(options: SynthOptions): ResolvedSynthOptions {
  if (!isSeed(options.seed)) {
    throw new SynthOptionsError(
      'seed',
      `must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}; got ${options.seed}`,
    );
  }
  integerIn('users', options.users, USERS_MIN, USERS_MAX);
  integerIn('merchants', options.merchants, MERCHANTS_MIN, MERCHANTS_MAX);
  integerIn('days', options.days, DAYS_MIN, DAYS_MAX);
  const startMs = options.startMs ?? SYNTH_START_DEFAULT_MS;
  // The period must stay within years 1970–9999 for the timestamps written.
  integerIn('startMs', startMs, 0, daysFromCivil(9990, 1, 1) * DAY_MS);
  const thresholdMinor = options.thresholdMinor ?? LARGE_VALUE_THRESHOLD_DEFAULT;
  if (thresholdMinor < 100n || thresholdMinor > THRESHOLD_MINOR_MAX) {
    throw new SynthOptionsError('threshold', `must be from 1.00 to ${THRESHOLD_MINOR_MAX / 100n} CNY`);
  }
  const illicitRate = options.illicitRate ?? ILLICIT_RATE_DEFAULT;
  if (!(illicitRate > 0 && illicitRate <= ILLICIT_RATE_MAX)) {
    throw new SynthOptionsError('illicitRate', `must be above 0 and at most ${ILLICIT_RATE_MAX}; got ${illicitRate}`);
  }
  const fraudRate = options.fraudRate ?? Math.min(FRAUD_RATE_DEFAULT, illicitRate / 2);
  if (!(fraudRate >= 0 && fraudRate < illicitRate)) {
    throw new SynthOptionsError(
      'fraudRate',
      `must be at least 0 and below illicitRate (${illicitRate}); got ${fraudRate}`,
    );
  }
  return { ...options, startMs, thresholdMinor, illicitRate, fraudRate };
}

/** One day of the data set: transfers sorted by time with their labels, row for row. */
export interface SyntheticDay {
  readonly transfers: readonly TransferRecord[];
  readonly labels: readonly TransferLabel[];
}

export interface PatternCount {
  readonly instances: number;
  readonly transactions: number;
}

export interface SyntheticCounts {
  readonly transfers: number;
  readonly illicit: number;
  readonly byPattern: Readonly<Record<LabelPattern, PatternCount>>;
  /** Instances asked for but not placed, per pattern. */
  readonly skipped: Readonly<Record<LabelPattern, number>>;
  /** Plain-language remarks, such as a pattern left out because the period is too short. */
  readonly notes: readonly string[];
}

export function transferIdOf(ordinal: number): string {
  return `T${String(ordinal).padStart(9, '0')}`;
}

export function instanceIdOf(ordinal: number): string {
  return `I${String(ordinal).padStart(6, '0')}`;
}

export class SyntheticDataset {
  readonly options: ResolvedSynthOptions;
  private readonly population: Population;
  private readonly plan: InjectionPlan;
  private readonly background: BackgroundGenerator;
  private readonly transactionIds: string[][];
  private written = 0;
  private illicit = 0;
  private started = false;
  private finished = false;

  constructor(options: SynthOptions) {
    this.options = resolveSynthOptions(options);
    const { seed, users, merchants, days, startMs } = this.options;
    this.population = new Population({ seed, users, merchants, days, startMs });
    const factory = new DraftFactory(this.population, 0);
    this.plan = planInjections(this.population, factory, {
      seed,
      thresholdMinor: this.options.thresholdMinor,
      illicitRate: this.options.illicitRate,
      fraudRate: this.options.fraudRate,
      expectedBackground: expectedBackgroundTransfers(this.population),
    });
    this.background = new BackgroundGenerator(this.population, seed, factory);
    this.transactionIds = this.plan.instances.map(() => []);
  }

  /** Users, merchants and banks, for `accounts.csv`. */
  accounts(): AccountRecord[] {
    return this.population.accounts();
  }

  /** The days in order; can be walked once. */
  *days(): Generator<SyntheticDay> {
    assert(!this.started, 'a synthetic data set is generated once');
    this.started = true;
    const injected = this.plan.drafts;
    let next = 0;
    for (let d = 0; d < this.options.days; d += 1) {
      const day = synthDay(this.options.startMs, d);
      const drafts: Draft[] = [];
      this.background.generateDay(day, drafts);
      for (; next < injected.length; next += 1) {
        const draft = injected[next] as Draft;
        if (draft.t >= day.endMs) break;
        assert(draft.t >= day.startMs, 'injected transfers fall inside the period');
        drafts.push(draft);
        if (draft.merchantId !== null && draft.channel !== 'payout') {
          this.background.addTakings(Number(draft.to.slice(1)) - 1, draft.amount);
        }
      }
      drafts.sort(compareDrafts);
      yield this.toDay(drafts);
    }
    assert(next === injected.length, 'every injected transfer was written');
    this.finished = true;
  }

  /** The injected instances with their transaction ids; complete once `days()` has been walked. */
  instances(): PatternInstance[] {
    assert(this.finished, 'instances are known after the last day');
    return this.plan.instances.map((instance, i) => {
      const transactionIds = this.transactionIds[i] ?? [];
      assert(transactionIds.length > 0, 'every instance has transactions');
      return {
        instanceId: instanceIdOf(i + 1),
        pattern: instance.pattern,
        accounts: instance.accounts,
        transactionIds,
      };
    });
  }

  counts(): SyntheticCounts {
    assert(this.finished, 'counts are known after the last day');
    const byPattern = {} as Record<LabelPattern, { instances: number; transactions: number }>;
    for (const pattern of LABEL_PATTERNS) byPattern[pattern] = { instances: 0, transactions: 0 };
    for (const [i, instance] of this.plan.instances.entries()) {
      const count = byPattern[instance.pattern];
      count.instances += 1;
      count.transactions += this.transactionIds[i]?.length ?? 0;
    }
    return {
      transfers: this.written,
      illicit: this.illicit,
      byPattern,
      skipped: this.plan.skipped,
      notes: this.plan.notes,
    };
  }

  private toDay(drafts: readonly Draft[]): SyntheticDay {
    assert(this.written + drafts.length <= TRANSFERS_MAX, `at most ${TRANSFERS_MAX} transfers`);
    const transfers: TransferRecord[] = [];
    const labels: TransferLabel[] = [];
    for (const draft of drafts) {
      this.written += 1;
      const id = transferIdOf(this.written);
      transfers.push({
        id,
        timestampMs: draft.t,
        fromAccount: draft.from,
        toAccount: draft.to,
        amount: draft.amount,
        currency: 'CNY',
        channel: draft.channel,
        mcc: draft.mcc,
        merchantId: draft.merchantId,
        deviceId: draft.deviceId,
        ipRegion: draft.ipRegion,
        lat: draft.lat,
        lon: draft.lon,
      });
      labels.push({ id, isIllicit: draft.label !== null, pattern: draft.label });
      if (draft.label !== null) {
        this.illicit += 1;
        this.transactionIds[draft.instance]?.push(id);
      }
    }
    return { transfers, labels };
  }
}

export function createSyntheticDataset(options: SynthOptions): SyntheticDataset {
  return new SyntheticDataset(options);
}

export interface SyntheticData {
  readonly transfers: TransferRecord[];
  readonly labels: TransferLabel[];
  readonly instances: PatternInstance[];
  readonly accounts: AccountRecord[];
  readonly counts: SyntheticCounts;
}

/** The whole data set in memory: for tests, training and benchmarks of moderate size. */
export function generateTransfers(options: SynthOptions): SyntheticData {
  const dataset = createSyntheticDataset(options);
  const transfers: TransferRecord[] = [];
  const labels: TransferLabel[] = [];
  for (const day of dataset.days()) {
    for (const transfer of day.transfers) transfers.push(transfer);
    for (const label of day.labels) labels.push(label);
  }
  return {
    transfers,
    labels,
    instances: dataset.instances(),
    accounts: dataset.accounts(),
    counts: dataset.counts(),
  };
}
