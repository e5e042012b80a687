// Goal: a decision is the most severe of the matched rules and the model's thresholds, with every reason.
// Method: tables over compiled rule sets applied to hand-made features; no engine state involved.
import { describe, expect, it } from 'vitest';
import type { FeatureVector } from './feature-vector.ts';
import { FEATURES_ZERO } from './risk-event-fixture.ts';
import {
  applyRuleSet,
  type Condition,
  compileRuleSet,
  type RuleAction,
  type RuleInput,
  type RuleSet,
} from './rule-set.ts';

function input(features: Partial<FeatureVector>, extra: Partial<RuleInput> = {}): RuleInput {
  return {
    features: { ...FEATURES_ZERO, ...features },
    score: 0,
    mcc: '5812',
    channel: 'qr',
    ipRegion: 'CN-BJ',
    currency: 'CNY',
    ...extra,
  };
}

/** One rule per action, each firing when its own flag feature is 1. */
const bySeverity: RuleSet = {
  version: 1,
  scoreThresholds: { review: 0.5, block: 0.9 },
  rules: (
    [
      ['rev', 'review', 'new_payee'],
      ['up', 'step_up', 'new_device'],
      ['blk', 'block', 'night'],
    ] as const
  ).map(([id, action, feature]: readonly [string, RuleAction, keyof FeatureVector]) => ({
    id,
    description: '',
    when: { feature, op: '==', value: 1 },
    action,
    reason: `${id} matched`,
  })),
};

describe('applyRuleSet', () => {
  it.each([
    { flags: {}, score: 0.1, decision: 'allow', reasons: [] },
    { flags: { new_payee: 1 }, score: 0.1, decision: 'review', reasons: ['rev matched'] },
    { flags: { new_payee: 1, new_device: 1 }, score: 0.1, decision: 'step_up', reasons: ['rev matched', 'up matched'] },
    { flags: { night: 1, new_device: 1 }, score: 0.1, decision: 'block', reasons: ['up matched', 'blk matched'] },
    { flags: {}, score: 0.5, decision: 'review', reasons: ['model score 0.500 ≥ 0.5 (review)'] },
    { flags: {}, score: 0.89, decision: 'review', reasons: ['model score 0.890 ≥ 0.5 (review)'] },
    { flags: {}, score: 0.9, decision: 'block', reasons: ['model score 0.900 ≥ 0.9 (block)'] },
    {
      flags: { new_device: 1 },
      score: 0.6,
      decision: 'step_up',
      reasons: ['up matched', 'model score 0.600 ≥ 0.5 (review)'],
    },
    {
      flags: { new_payee: 1 },
      score: 0.95,
      decision: 'block',
      reasons: ['rev matched', 'model score 0.950 ≥ 0.9 (block)'],
    },
  ] as const)('$flags with score $score → $decision', ({ flags, score, decision, reasons }) => {
    const outcome = applyRuleSet(compileRuleSet(bySeverity), input(flags, { score }), true);
    expect(outcome.decision).toBe(decision);
    expect(outcome.reasons).toEqual(reasons);
  });

  it('ignores the score without a model, and null thresholds', () => {
    expect(applyRuleSet(compileRuleSet(bySeverity), input({}, { score: 0.99 }), false).decision).toBe('allow');
    const off = { ...bySeverity, scoreThresholds: { review: null, block: null } };
    expect(applyRuleSet(compileRuleSet(off), input({}, { score: 0.99 }), true).decision).toBe('allow');
  });

  const amountOver100: Condition = { feature: 'amount', op: '>', value: 100 };
  it.each([
    { when: amountOver100, features: { amount: 100 }, extra: {}, matches: false },
    { when: amountOver100, features: { amount: 100.01 }, extra: {}, matches: true },
    { when: { feature: 'amount', op: '>=', value: 100 }, features: { amount: 100 }, extra: {}, matches: true },
    { when: { feature: 'amount', op: '<', value: 100 }, features: { amount: 100 }, extra: {}, matches: false },
    { when: { feature: 'amount', op: '<=', value: 100 }, features: { amount: 100 }, extra: {}, matches: true },
    { when: { feature: 'amount', op: '!=', value: 100 }, features: { amount: 100 }, extra: {}, matches: false },
    { when: { feature: 'model_score', op: '>=', value: 0.7 }, features: {}, extra: { score: 0.7 }, matches: true },
    { when: { all: [amountOver100, { not: amountOver100 }] }, features: { amount: 200 }, extra: {}, matches: false },
    { when: { any: [amountOver100, { not: amountOver100 }] }, features: { amount: 200 }, extra: {}, matches: true },
    { when: { field: 'mcc', op: 'in', values: ['7995'] }, features: {}, extra: { mcc: '7995' }, matches: true },
    { when: { field: 'mcc', op: 'in', values: ['7995'] }, features: {}, extra: { mcc: null }, matches: false },
    { when: { field: 'mcc', op: 'not_in', values: ['7995'] }, features: {}, extra: { mcc: null }, matches: true },
    { when: { field: 'channel', op: 'not_in', values: ['qr', 'online'] }, features: {}, extra: {}, matches: false },
    { when: { field: 'ipRegion', op: 'in', values: ['CN-BJ'] }, features: {}, extra: {}, matches: true },
    { when: { field: 'currency', op: 'in', values: ['HKD'] }, features: {}, extra: {}, matches: false },
  ] satisfies { when: Condition; features: Partial<FeatureVector>; extra: Partial<RuleInput>; matches: boolean }[])(
    '$when on $features $extra: $matches',
    ({ when, features, extra, matches }) => {
      const ruleSet: RuleSet = {
        version: 1,
        scoreThresholds: { review: null, block: null },
        rules: [{ id: 'r', description: '', when, action: 'review', reason: 'r' }],
      };
      const outcome = applyRuleSet(compileRuleSet(ruleSet), input(features, extra), true);
      expect(outcome.matchedRuleIds).toEqual(matches ? ['r'] : []);
    },
  );
});
