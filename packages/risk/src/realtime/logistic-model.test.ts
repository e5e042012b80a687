// Goal: a model file scores exactly the formula it describes, and a malformed file is refused with paths.
// Method: a two-feature model scored by hand; a table of broken files.
import { describe, expect, it } from 'vitest';
import { FeatureStore } from './feature-store.ts';
import { createModelScorer, type LogisticModel, validateModel } from './logistic-model.ts';
import { RISK_ENGINE_MAXIMA_DEFAULT } from './risk-engine-maxima.ts';
import { riskEvent } from './risk-event-fixture.ts';
import { formatValidationIssue } from './validation-issue.ts';

const model: LogisticModel = {
  version: 3,
  kind: 'logistic',
  features: ['amount', 'new_device'],
  transforms: ['log1p', 'identity'],
  means: [4, 0.2],
  scales: [2, 0.4],
  weights: [1.5, -0.5],
  bias: -3,
  trainedOn: { seed: 1, users: 2, merchants: 3, days: 4, rows: 5, positives: 1, date: '2024-03-01', command: 'x' },
  metrics: { holdoutSeed: 2, rows: 5, positives: 1, auc: 0.9, precisionAt1pct: 0.5, recallAt1pct: 0.25 },
};

describe('createModelScorer', () => {
  it('computes σ(bias + Σ w·(t(x) − mean)/scale)', () => {
    const features = new FeatureStore(RISK_ENGINE_MAXIMA_DEFAULT, 0).features(riskEvent({ amount: 99_900n }));
    expect([features.amount, features.new_device]).toEqual([999, 1]);
    // ln(1 + 999) = 6.907755…; z = −3 + 1.5·(6.907755 − 4)/2 − 0.5·(1 − 0.2)/0.4 = −1.819183…
    const z = -3 + (1.5 * (Math.log(1000) - 4)) / 2 - (0.5 * (1 - 0.2)) / 0.4;
    expect(z).toBeCloseTo(-1.8191833, 6);
    expect(createModelScorer(model)(features)).toBeCloseTo(1 / (1 + Math.exp(-z)), 14);
    expect(createModelScorer(model)(features)).toBeCloseTo(0.139532, 6);
  });
});

describe('validateModel', () => {
  it('accepts a model unchanged through JSON', () => {
    expect(validateModel(JSON.parse(JSON.stringify(model)))).toEqual({ ok: true, value: model });
  });

  it.each([
    { label: 'not an object', json: 'model', issues: ['(root): expected an object, got "model"'] },
    { label: 'wrong kind', json: { ...model, kind: 'trees' }, issues: ['kind: expected "logistic", got "trees"'] },
    {
      label: 'unknown and duplicate features',
      json: { ...model, features: ['amount', 'amount'] },
      issues: ['features[1]: duplicate feature "amount"'],
    },
    {
      label: 'unknown feature',
      json: { ...model, features: ['amount', 'colour'] },
      issues: ['features[1]: unknown feature "colour"'],
    },
    {
      label: 'scales of zero',
      json: { ...model, scales: [2, 0] },
      issues: ['scales[1]: expected a positive number, got 0'],
    },
    { label: 'short weights', json: { ...model, weights: [1] }, issues: ['weights: expected 2 numbers, got an array'] },
    {
      label: 'unknown transform',
      json: { ...model, transforms: ['log', 'identity'] },
      issues: ['transforms[0]: unknown transform "log" (expected identity, log1p)'],
    },
    {
      label: 'missing bias',
      json: { ...model, bias: undefined },
      issues: ['bias: expected a finite number, got undefined'],
    },
    {
      label: 'provenance without a date',
      json: { ...model, trainedOn: { ...model.trainedOn, date: 20240301 } },
      issues: ['trainedOn.date: expected a string, got 20240301'],
    },
    { label: 'extra key', json: { ...model, threshold: 0.5 }, issues: ['threshold: unknown key'] },
  ])('refuses $label', ({ json, issues }) => {
    const result = validateModel(json);
    expect(result.ok ? [] : result.issues.map(formatValidationIssue)).toEqual(issues);
  });
});
