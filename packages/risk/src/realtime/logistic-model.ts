import { assert } from '@paychain/core';
import { type FeatureName, type FeatureVector, isFeatureName } from './feature-vector.ts';
import {
  checkKeys,
  describeJson,
  IssueList,
  isPlainObject,
  joinPath,
  type ValidationResult,
} from './validation-issue.ts';

/**
 * How a feature is shaped before standardising. `log1p` is the signed log, sign(x)·ln(1 + |x|):
 * velocity sums and amounts span six orders of magnitude, and a linear model on the raw figure
 * would let one huge merchant drown every other signal.
 */
export const FEATURE_TRANSFORMS = ['identity', 'log1p'] as const;
export type FeatureTransform = (typeof FEATURE_TRANSFORMS)[number];

/** Where the model came from: enough to make it again. */
export interface ModelProvenance {
  readonly seed: number;
  readonly users: number;
  readonly merchants: number;
  readonly days: number;
  readonly rows: number;
  readonly positives: number;
  /** The day it was trained, ISO yyyy-mm-dd (given by whoever trains: training reads no clock). */
  readonly date: string;
  /** The command that wrote the file. */
  readonly command: string;
}

/** Hold-out figures, measured on another seed's generated data. */
export interface ModelMetrics {
  readonly holdoutSeed: number;
  readonly rows: number;
  readonly positives: number;
  readonly auc: number;
  readonly precisionAt1pct: number;
  readonly recallAt1pct: number;
}

/**
 * A logistic regression as data: score = σ(bias + Σ weights[i] · (t_i(x_i) − means[i]) / scales[i])
 * where x_i is the feature named `features[i]` and t_i its transform.
 */
export interface LogisticModel {
  readonly version: number;
  readonly kind: 'logistic';
  readonly features: readonly FeatureName[];
  readonly transforms: readonly FeatureTransform[];
  readonly means: readonly number[];
  readonly scales: readonly number[];
  readonly weights: readonly number[];
  readonly bias: number;
  readonly trainedOn: ModelProvenance;
  readonly metrics: ModelMetrics;
}

/** More than the engine computes; a bound on what a file can make us allocate. */
const MODEL_FEATURES_MAX = 1_024;

export function applyTransform(transform: FeatureTransform, x: number): number {
  return transform === 'log1p' ? Math.sign(x) * Math.log1p(Math.abs(x)) : x;
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** The score function of a model, with its columns resolved once. */
export function createModelScorer(model: LogisticModel): (features: FeatureVector) => number {
  assert(
    [model.transforms, model.means, model.scales, model.weights].every((list) => list.length === model.features.length),
    'one transform, mean, scale and weight per feature',
  );
  // Multiplying by a precomputed weight / scale saves a division per feature per payment.
  const columns = model.features.map((name, i) => ({
    name,
    log: model.transforms[i] === 'log1p',
    mean: model.means[i] ?? 0,
    factor: (model.weights[i] ?? 0) / (model.scales[i] ?? 1),
  }));
  const bias = model.bias;
  return (features) => {
    let z = bias;
    for (const column of columns) {
      const x = features[column.name];
      z += column.factor * ((column.log ? Math.sign(x) * Math.log1p(Math.abs(x)) : x) - column.mean);
    }
    return sigmoid(z);
  };
}

/** Checks a model file's JSON; returns the typed model or every problem with its path. */
export function validateModel(json: unknown): ValidationResult<LogisticModel> {
  const issues = new IssueList();
  if (!isPlainObject(json)) {
    issues.add('', `expected an object, got ${describeJson(json)}`);
    return { ok: false, issues: issues.issues };
  }
  checkKeys(issues, '', json, [
    'version',
    'kind',
    'features',
    'transforms',
    'means',
    'scales',
    'weights',
    'bias',
    'trainedOn',
    'metrics',
  ]);
  const version = json.version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    issues.add('version', `expected a positive integer, got ${describeJson(version)}`);
  }
  if (json.kind !== 'logistic') issues.add('kind', `expected "logistic", got ${describeJson(json.kind)}`);

  const features: FeatureName[] = [];
  const featuresJson = json.features;
  if (!Array.isArray(featuresJson) || featuresJson.length === 0 || featuresJson.length > MODEL_FEATURES_MAX) {
    issues.add('features', `expected 1 to ${MODEL_FEATURES_MAX} feature names, got ${describeJson(featuresJson)}`);
    return { ok: false, issues: issues.issues };
  }
  const seen = new Set<string>();
  featuresJson.forEach((name: unknown, i) => {
    if (typeof name !== 'string' || !isFeatureName(name))
      issues.add(`features[${i}]`, `unknown feature ${describeJson(name)}`);
    else if (seen.has(name)) issues.add(`features[${i}]`, `duplicate feature "${name}"`);
    else {
      seen.add(name);
      features.push(name);
    }
  });
  const n = featuresJson.length;
  const transforms: FeatureTransform[] = [];
  const transformsJson = json.transforms;
  if (!Array.isArray(transformsJson) || transformsJson.length !== n) {
    issues.add('transforms', `expected ${n} transforms, got ${describeJson(transformsJson)}`);
  } else {
    transformsJson.forEach((t: unknown, i) => {
      if (t === 'identity' || t === 'log1p') transforms.push(t);
      else issues.add(`transforms[${i}]`, `unknown transform ${describeJson(t)} (expected identity, log1p)`);
    });
  }
  const means = numberList(issues, 'means', json.means, n, () => true, 'a finite number');
  const scales = numberList(issues, 'scales', json.scales, n, (x) => x > 0, 'a positive number');
  const weights = numberList(issues, 'weights', json.weights, n, () => true, 'a finite number');
  const bias = json.bias;
  if (typeof bias !== 'number' || !Number.isFinite(bias))
    issues.add('bias', `expected a finite number, got ${describeJson(bias)}`);
  const trainedOn = validateRecord(issues, 'trainedOn', json.trainedOn, {
    seed: 'number',
    users: 'number',
    merchants: 'number',
    days: 'number',
    rows: 'number',
    positives: 'number',
    date: 'string',
    command: 'string',
  });
  const metrics = validateRecord(issues, 'metrics', json.metrics, {
    holdoutSeed: 'number',
    rows: 'number',
    positives: 'number',
    auc: 'number',
    precisionAt1pct: 'number',
    recallAt1pct: 'number',
  });
  if (
    issues.issues.length > 0 ||
    typeof version !== 'number' ||
    typeof bias !== 'number' ||
    means === null ||
    scales === null ||
    weights === null ||
    trainedOn === null ||
    metrics === null
  ) {
    return { ok: false, issues: issues.issues };
  }
  return {
    ok: true,
    value: {
      version,
      kind: 'logistic',
      features,
      transforms,
      means,
      scales,
      weights,
      bias,
      trainedOn: {
        seed: numberOf(trainedOn, 'seed'),
        users: numberOf(trainedOn, 'users'),
        merchants: numberOf(trainedOn, 'merchants'),
        days: numberOf(trainedOn, 'days'),
        rows: numberOf(trainedOn, 'rows'),
        positives: numberOf(trainedOn, 'positives'),
        date: stringOf(trainedOn, 'date'),
        command: stringOf(trainedOn, 'command'),
      },
      metrics: {
        holdoutSeed: numberOf(metrics, 'holdoutSeed'),
        rows: numberOf(metrics, 'rows'),
        positives: numberOf(metrics, 'positives'),
        auc: numberOf(metrics, 'auc'),
        precisionAt1pct: numberOf(metrics, 'precisionAt1pct'),
        recallAt1pct: numberOf(metrics, 'recallAt1pct'),
      },
    },
  };
}

function numberList(
  issues: IssueList,
  path: string,
  json: unknown,
  length: number,
  accept: (x: number) => boolean,
  expected: string,
): number[] | null {
  if (!Array.isArray(json) || json.length !== length) {
    issues.add(path, `expected ${length} numbers, got ${describeJson(json)}`);
    return null;
  }
  const out: number[] = [];
  json.forEach((x: unknown, i) => {
    if (typeof x === 'number' && Number.isFinite(x) && accept(x)) out.push(x);
    else issues.add(joinPath(path, i), `expected ${expected}, got ${describeJson(x)}`);
  });
  return out.length === length ? out : null;
}

function validateRecord(
  issues: IssueList,
  path: string,
  json: unknown,
  shape: Readonly<Record<string, 'number' | 'string'>>,
): Readonly<Record<string, unknown>> | null {
  if (!isPlainObject(json)) {
    issues.add(path, `expected an object, got ${describeJson(json)}`);
    return null;
  }
  checkKeys(issues, path, json, Object.keys(shape));
  let ok = true;
  for (const [key, type] of Object.entries(shape)) {
    const value = json[key];
    const good = type === 'number' ? typeof value === 'number' && Number.isFinite(value) : typeof value === 'string';
    if (!good) {
      issues.add(joinPath(path, key), `expected a ${type}, got ${describeJson(value)}`);
      ok = false;
    }
  }
  return ok ? json : null;
}

/** Reads a field `validateRecord` has checked. */
function numberOf(record: Readonly<Record<string, unknown>>, key: string): number {
  const value = record[key];
  assert(typeof value === 'number', `${key} was checked to be a number`);
  return value;
}

function stringOf(record: Readonly<Record<string, unknown>>, key: string): string {
  const value = record[key];
  assert(typeof value === 'string', `${key} was checked to be a string`);
  return value;
}
