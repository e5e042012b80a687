import { assertNever } from '@paychain/core';
import type { Channel } from '../transfer-record.ts';
import type { FeatureName, FeatureVector } from './feature-vector.ts';

/** Decisions, least severe first: the index is the severity. */
export const DECISIONS = ['allow', 'review', 'step_up', 'block'] as const;
export type Decision = (typeof DECISIONS)[number];

export const RULE_ACTIONS = ['review', 'step_up', 'block'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

export const COMPARISON_OPS = ['>', '>=', '<', '<=', '==', '!='] as const;
export type ComparisonOp = (typeof COMPARISON_OPS)[number];

export const SET_OPS = ['in', 'not_in'] as const;
export type SetOp = (typeof SET_OPS)[number];

/** The payment's own fields a rule can test against a list. */
export const CONDITION_FIELDS = ['mcc', 'channel', 'ipRegion', 'currency'] as const;
export type ConditionField = (typeof CONDITION_FIELDS)[number];

/** The model's score, 0–1, usable in a condition like any feature. */
export const MODEL_SCORE = 'model_score';
export type ConditionFeature = FeatureName | typeof MODEL_SCORE;

export type Condition =
  | { readonly all: readonly Condition[] }
  | { readonly any: readonly Condition[] }
  | { readonly not: Condition }
  | { readonly feature: ConditionFeature; readonly op: ComparisonOp; readonly value: number }
  | { readonly field: ConditionField; readonly op: SetOp; readonly values: readonly string[] };

export interface Rule {
  readonly id: string;
  readonly description: string;
  readonly when: Condition;
  readonly action: RuleAction;
  /** Shown to the operator and stored with the payment when the rule matches. */
  readonly reason: string;
}

/**
 * The model's own say: a score at or above `block` blocks, at or above `review` sends to review.
 * null switches that threshold off (e.g. while a new model is observed through dry runs only).
 */
export interface ScoreThresholds {
  readonly review: number | null;
  readonly block: number | null;
}

/** Plain JSON, as stored and sent through the API; `version` only ever increases. */
export interface RuleSet {
  readonly version: number;
  readonly scoreThresholds: ScoreThresholds;
  readonly rules: readonly Rule[];
}

/** What a rule can see of one payment: its features, the model's score, and its fields. */
export interface RuleInput {
  readonly features: FeatureVector;
  readonly score: number;
  readonly mcc: string | null;
  readonly channel: Channel;
  readonly ipRegion: string | null;
  readonly currency: string;
}

export interface RuleOutcome {
  readonly decision: Decision;
  /** Matched rules' reasons in rule order, then the model's. */
  readonly reasons: readonly string[];
  readonly matchedRuleIds: readonly string[];
}

export function decisionSeverity(decision: Decision): number {
  return DECISIONS.indexOf(decision);
}

type Test = (input: RuleInput) => boolean;

/** A rule set turned into closures once, so that each payment runs no interpretation. */
export interface CompiledRuleSet {
  readonly ruleSet: RuleSet;
  readonly rules: readonly { readonly rule: Rule; readonly test: Test }[];
}

/** Expects a valid rule set (`validateRuleSet`): its depth is bounded there, so recursion is too. */
export function compileRuleSet(ruleSet: RuleSet): CompiledRuleSet {
  return { ruleSet, rules: ruleSet.rules.map((rule) => ({ rule, test: compileCondition(rule.when) })) };
}

function compileCondition(condition: Condition): Test {
  if ('all' in condition) {
    const tests = condition.all.map(compileCondition);
    return (input) => tests.every((test) => test(input));
  }
  if ('any' in condition) {
    const tests = condition.any.map(compileCondition);
    return (input) => tests.some((test) => test(input));
  }
  if ('not' in condition) {
    const test = compileCondition(condition.not);
    return (input) => !test(input);
  }
  if ('feature' in condition) {
    const { feature, value } = condition;
    const read =
      feature === MODEL_SCORE ? (input: RuleInput) => input.score : (input: RuleInput) => input.features[feature];
    const op = condition.op;
    switch (op) {
      case '>':
        return (input) => read(input) > value;
      case '>=':
        return (input) => read(input) >= value;
      case '<':
        return (input) => read(input) < value;
      case '<=':
        return (input) => read(input) <= value;
      case '==':
        return (input) => read(input) === value;
      case '!=':
        return (input) => read(input) !== value;
      default:
        return assertNever(op, 'comparison operator');
    }
  }
  const values: ReadonlySet<string> = new Set(condition.values);
  const field = condition.field;
  // A payment without the field (no MCC on a transfer between people) is in no list.
  const isIn = (input: RuleInput): boolean => {
    const actual = input[field];
    return actual !== null && values.has(actual);
  };
  const op = condition.op;
  switch (op) {
    case 'in':
      return isIn;
    case 'not_in':
      return (input) => !isIn(input);
    default:
      return assertNever(op, 'set operator');
  }
}

/**
 * The most severe of the matched rules' actions and the model's threshold decision, with every
 * reason. A model without a say (scoring off) passes score 0, below any threshold worth setting.
 */
export function applyRuleSet(compiled: CompiledRuleSet, input: RuleInput, modelInUse: boolean): RuleOutcome {
  let severity = 0;
  const reasons: string[] = [];
  const matchedRuleIds: string[] = [];
  for (const { rule, test } of compiled.rules) {
    if (!test(input)) continue;
    severity = Math.max(severity, decisionSeverity(rule.action));
    reasons.push(rule.reason);
    matchedRuleIds.push(rule.id);
  }
  if (modelInUse) {
    const { review, block } = compiled.ruleSet.scoreThresholds;
    if (block !== null && input.score >= block) {
      severity = Math.max(severity, decisionSeverity('block'));
      reasons.push(`model score ${input.score.toFixed(3)} ≥ ${block} (block)`);
    } else if (review !== null && input.score >= review) {
      severity = Math.max(severity, decisionSeverity('review'));
      reasons.push(`model score ${input.score.toFixed(3)} ≥ ${review} (review)`);
    }
  }
  return { decision: DECISIONS[severity] ?? 'allow', reasons, matchedRuleIds };
}
