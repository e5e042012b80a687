import { assert } from '@paychain/core';
import type { FeatureName } from './feature-vector.ts';
import { applyTransform, type FeatureTransform, sigmoid } from './logistic-model.ts';
import { SeededRandom } from './seeded-random.ts';

export interface TrainLogisticOptions {
  /** The columns of each row, in order, and how each is shaped before standardising. */
  readonly features: readonly FeatureName[];
  readonly transforms: readonly FeatureTransform[];
  readonly seed: number;
  readonly epochs: number;
  readonly learningRate: number;
  /** L2 penalty on the weights (not the bias), per row. */
  readonly l2: number;
  readonly batchSize: number;
}

export const TRAIN_LOGISTIC_DEFAULTS = { epochs: 12, learningRate: 0.5, l2: 1e-5, batchSize: 64 } as const;

/** What training fits; the rest of a `LogisticModel` (version, provenance, metrics) is the caller's. */
export interface LogisticFit {
  readonly features: readonly FeatureName[];
  readonly transforms: readonly FeatureTransform[];
  readonly means: readonly number[];
  readonly scales: readonly number[];
  readonly weights: readonly number[];
  readonly bias: number;
}

/**
 * Logistic regression by mini-batch gradient descent on the log loss with an L2 penalty, on
 * standardised columns (transform, then subtract the mean and divide by the standard deviation,
 * both from these rows). Deterministic: rows are visited in an order shuffled from `seed`, epochs
 * are fixed, and nothing reads a clock. The step size decays as 1/√(epoch) so late epochs refine.
 */
export function trainLogistic(
  rows: readonly ArrayLike<number>[],
  labels: ArrayLike<boolean>,
  options: TrainLogisticOptions,
): LogisticFit {
  const width = options.features.length;
  assert(options.transforms.length === width, 'one transform per feature');
  assert(rows.length === labels.length && rows.length > 0, 'one label per row, at least one row');
  assert(Number.isSafeInteger(options.epochs) && options.epochs >= 1, 'epochs is a positive integer');
  assert(Number.isSafeInteger(options.batchSize) && options.batchSize >= 1, 'batchSize is a positive integer');
  const n = rows.length;
  const logs = options.transforms.map((t) => t === 'log1p');

  // Standardised copy, once: the epochs then run on a flat array.
  const x = new Float64Array(n * width);
  for (let r = 0; r < n; r++) {
    const row = rows[r];
    assert(row !== undefined && row.length === width, `row ${r} has ${width} columns`);
    for (let c = 0; c < width; c++) {
      const value = row[c] ?? 0;
      x[r * width + c] = logs[c] === true ? applyTransform('log1p', value) : value;
    }
  }
  const means = new Array<number>(width).fill(0);
  const scales = new Array<number>(width).fill(1);
  for (let c = 0; c < width; c++) {
    let sum = 0;
    for (let r = 0; r < n; r++) sum += x[r * width + c] ?? 0;
    const mean = sum / n;
    let squares = 0;
    for (let r = 0; r < n; r++) squares += ((x[r * width + c] ?? 0) - mean) ** 2;
    const std = Math.sqrt(squares / n);
    means[c] = mean;
    // A constant column carries nothing: scale 1 leaves it at 0 after centring.
    scales[c] = std > 1e-12 ? std : 1;
    for (let r = 0; r < n; r++) x[r * width + c] = ((x[r * width + c] ?? 0) - mean) / (scales[c] ?? 1);
  }
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) y[r] = labels[r] === true ? 1 : 0;

  const weights = new Float64Array(width);
  let bias = 0;
  // Starting the bias at the base rate's log-odds saves the first epoch from learning only that.
  let positives = 0;
  for (let r = 0; r < n; r++) positives += y[r] ?? 0;
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, positives / n));
  bias = Math.log(rate / (1 - rate));

  const random = new SeededRandom(options.seed);
  const order = new Uint32Array(n);
  for (let r = 0; r < n; r++) order[r] = r;
  const gradient = new Float64Array(width);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    random.shuffle(order);
    const step = options.learningRate / Math.sqrt(epoch + 1);
    for (let start = 0; start < n; start += options.batchSize) {
      const end = Math.min(n, start + options.batchSize);
      gradient.fill(0);
      let gradientBias = 0;
      for (let k = start; k < end; k++) {
        const r = order[k] ?? 0;
        const offset = r * width;
        let z = bias;
        for (let c = 0; c < width; c++) z += (weights[c] ?? 0) * (x[offset + c] ?? 0);
        const error = sigmoid(z) - (y[r] ?? 0);
        for (let c = 0; c < width; c++) gradient[c] = (gradient[c] ?? 0) + error * (x[offset + c] ?? 0);
        gradientBias += error;
      }
      const size = end - start;
      for (let c = 0; c < width; c++) {
        const w = weights[c] ?? 0;
        weights[c] = w - step * ((gradient[c] ?? 0) / size + options.l2 * w);
      }
      bias -= (step * gradientBias) / size;
    }
  }
  return {
    features: [...options.features],
    transforms: [...options.transforms],
    means,
    scales,
    weights: Array.from(weights),
    bias,
  };
}
