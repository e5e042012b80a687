import { assert } from '@paychain/core';
import { FRAUD_PATTERNS, type LabelPattern } from '../transfer-record.ts';
import { DEFAULT_RULE_SET } from './default-rule-set.ts';
import { evaluateScores, type ScoreEvaluation } from './evaluate-scores.ts';
import { FEATURE_NAMES, type FeatureName, type FeatureVector } from './feature-vector.ts';
import { createModelScorer, type FeatureTransform, type LogisticModel } from './logistic-model.ts';
import { RiskEngine } from './risk-engine.ts';
import type { RiskEvent } from './risk-event.ts';
import { applyRuleSet, compileRuleSet, decisionSeverity, type RuleSet } from './rule-set.ts';
import { SeededRandom } from './seeded-random.ts';
import { TRAIN_LOGISTIC_DEFAULTS, trainLogistic } from './train-logistic.ts';

/** One payment of a time-ordered stream, with the pattern it belongs to (null when licit). */
export interface LabelledEvent {
  readonly event: RiskEvent;
  readonly pattern: LabelPattern | null;
}

const FRAUD_PATTERN_SET: ReadonlySet<string> = new Set(FRAUD_PATTERNS);

/**
 * The positives of the real-time model: the card and account fraud patterns. Laundering moves are
 * negatives here — they are the AML detectors' job, and a payment-time model cannot see a cycle.
 */
export function isRealtimeFraud(pattern: LabelPattern | null): boolean {
  return pattern !== null && FRAUD_PATTERN_SET.has(pattern);
}

const LINEAR_FEATURES: ReadonlySet<FeatureName> = new Set<FeatureName>([
  'amount_z',
  'amount_log_ratio',
  'new_payee',
  'new_device',
  'ip_region_changed',
  'hour_of_day',
  'night',
  'mcc_risk',
  'channel_transfer',
  'small_amount',
  'new_device_amount_log_ratio',
  'fresh_device_new_payee',
]);

/**
 * Features that span orders of magnitude (counts, sums, amounts, distances, ages) get the signed
 * log; flags, z-scores and small ordinals stay as they are.
 */
export function defaultTransform(name: FeatureName): FeatureTransform {
  return LINEAR_FEATURES.has(name) ? 'identity' : 'log1p';
}

export interface FeatureRowOptions {
  /** Payments in the first `warmUpMs` of the stream build state but are not rows: every payee is new on day one. */
  readonly warmUpMs: number;
  /** Share of negatives kept as rows (positives are all kept); the bias is corrected for it. */
  readonly negativeKeepRate: number;
  readonly seed: number;
}

export interface FeatureRows {
  readonly rows: Float32Array[];
  readonly labels: boolean[];
  /** Payments after the warm-up, and the positives among them, before sampling. */
  readonly eligible: number;
  readonly positives: number;
}

/**
 * Runs a stream through a fresh engine exactly as production does — features from the state
 * before each payment, then assess (counting the attempt) and commit (every generated payment
 * went ahead) — and keeps the feature rows after the warm-up.
 */
export function collectFeatureRows(stream: Iterable<LabelledEvent>, options: FeatureRowOptions): FeatureRows {
  assert(options.negativeKeepRate > 0 && options.negativeKeepRate <= 1, 'negativeKeepRate in (0, 1]');
  const engine = featureEngine();
  const random = new SeededRandom(options.seed);
  const rows: Float32Array[] = [];
  const labels: boolean[] = [];
  let eligible = 0;
  let positives = 0;
  let startMs: number | null = null;
  for (const { event, pattern } of stream) {
    startMs ??= event.timestampMs;
    const { features } = engine.assess(event);
    engine.commit(event);
    if (event.timestampMs - startMs < options.warmUpMs) continue;
    const positive = isRealtimeFraud(pattern);
    eligible += 1;
    if (positive) positives += 1;
    else if (random.next() >= options.negativeKeepRate) continue;
    rows.push(Float32Array.from(FEATURE_NAMES, (name) => features[name]));
    labels.push(positive);
  }
  return { rows, labels, eligible, positives };
}

export interface StreamEvaluation {
  readonly model: ScoreEvaluation;
  readonly rulesOnly: ScoreEvaluation;
}

/**
 * Scores a hold-out stream with the model and with the rules alone (no model), from the same
 * features. The rules-only ranking is severity, then the number of rules matched: it is what an
 * analyst working the rules' queue would see first.
 */
export function evaluateOnStream(
  stream: Iterable<LabelledEvent>,
  model: LogisticModel,
  options: { readonly warmUpMs: number; readonly ruleSet?: RuleSet },
): StreamEvaluation {
  const engine = featureEngine();
  const score = createModelScorer(model);
  const rules = compileRuleSet(options.ruleSet ?? DEFAULT_RULE_SET);
  const modelScores: number[] = [];
  const ruleScores: number[] = [];
  const labels: boolean[] = [];
  const groups: (string | null)[] = [];
  let startMs: number | null = null;
  for (const { event, pattern } of stream) {
    startMs ??= event.timestampMs;
    const { features } = engine.assess(event);
    engine.commit(event);
    if (event.timestampMs - startMs < options.warmUpMs) continue;
    modelScores.push(score(features));
    ruleScores.push(rulesOnlyScore(rules, event, features));
    const positive = isRealtimeFraud(pattern);
    labels.push(positive);
    groups.push(positive ? pattern : null);
  }
  return {
    model: evaluateScores(modelScores, labels, { groups }),
    rulesOnly: evaluateScores(ruleScores, labels, { groups }),
  };
}

function rulesOnlyScore(rules: ReturnType<typeof compileRuleSet>, event: RiskEvent, features: FeatureVector): number {
  const outcome = applyRuleSet(
    rules,
    { features, score: 0, mcc: event.mcc, channel: event.channel, ipRegion: event.ipRegion, currency: event.currency },
    false,
  );
  // Severity first; among equals, more matched rules first (fewer than 10 rules ever match at once).
  return decisionSeverity(outcome.decision) + Math.min(outcome.matchedRuleIds.length, 9) / 10;
}

/** An engine used only for its features: no rules that could matter, no model, memory sized for generated data. */
function featureEngine(): RiskEngine {
  return new RiskEngine({
    ruleSet: { version: 1, scoreThresholds: { review: null, block: null }, rules: [] },
    model: null,
  });
}

export interface TrainOptions {
  readonly seed: number;
  readonly epochs: number;
  readonly learningRate: number;
  readonly l2: number;
  readonly batchSize: number;
  readonly negativeKeepRate: number;
}

export const TRAIN_OPTIONS_DEFAULT: Omit<TrainOptions, 'seed'> = { ...TRAIN_LOGISTIC_DEFAULTS, negativeKeepRate: 0.25 };

/** Fits the logistic model on collected rows, with the bias corrected for negative sampling. */
export function fitFeatureRows(
  rows: FeatureRows,
  options: TrainOptions,
): Pick<LogisticModel, 'features' | 'transforms' | 'means' | 'scales' | 'weights' | 'bias'> {
  const fit = trainLogistic(rows.rows, rows.labels, {
    features: FEATURE_NAMES,
    transforms: FEATURE_NAMES.map(defaultTransform),
    seed: options.seed,
    epochs: options.epochs,
    learningRate: options.learningRate,
    l2: options.l2,
    batchSize: options.batchSize,
  });
  // Keeping a share r of negatives multiplies the odds by 1/r: adding ln r restores calibrated scores.
  return { ...fit, bias: fit.bias + Math.log(options.negativeKeepRate) };
}
