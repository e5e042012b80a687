/** Real-time risk: features over sliding windows, versioned rules, the shipped model, training and evaluation. */
export { type BenchRiskScoringOptions, benchRiskScoring, type RiskScoringBench } from './bench-risk-scoring.ts';
export { defaultModel } from './default-model.ts';
export { DEFAULT_RULE_SET } from './default-rule-set.ts';
export { evaluateScores, type ScoreEvaluation } from './evaluate-scores.ts';
export {
  GEO_VELOCITY_KMH_MAX,
  localHour,
  SMALL_AMOUNT_BURST_WINDOW_MS,
  SMALL_AMOUNT_CENTI_MAX,
  VELOCITY_WINDOWS_MS,
} from './feature-store.ts';
export {
  FEATURE_NAMES,
  type FeatureName,
  type FeatureVector,
  featureVectorToRow,
  isFeatureName,
  isFeatureVector,
} from './feature-vector.ts';
export { haversineKm } from './geo.ts';
export {
  createModelScorer,
  FEATURE_TRANSFORMS,
  type FeatureTransform,
  type LogisticModel,
  type ModelMetrics,
  type ModelProvenance,
  validateModel,
} from './logistic-model.ts';
export { MCC_RISK_TABLE, type MccRiskLevel } from './mcc-risk.ts';
export {
  type CommitResult,
  type DecisionCounts,
  DRY_RUN_CHANGED_DEFAULT,
  type DryRunReport,
  type RiskAssessment,
  RiskEngine,
  type RiskEngineOptions,
  type SetRuleSetResult,
  UTC_OFFSET_MS_DEFAULT,
} from './risk-engine.ts';
export { RISK_ENGINE_MAXIMA_DEFAULT, type RiskEngineMaxima } from './risk-engine-maxima.ts';
export type { RiskEvent } from './risk-event.ts';
export {
  COMPARISON_OPS,
  CONDITION_FIELDS,
  type ComparisonOp,
  type Condition,
  type ConditionFeature,
  type ConditionField,
  DECISIONS,
  type Decision,
  decisionSeverity,
  MODEL_SCORE,
  RULE_ACTIONS,
  type Rule,
  type RuleAction,
  type RuleSet,
  type ScoreThresholds,
  SET_OPS,
  type SetOp,
} from './rule-set.ts';
export {
  evaluateOnStream,
  isRealtimeFraud,
  type LabelledEvent,
  type StreamEvaluation,
} from './train-from-events.ts';
export {
  generatedEvents,
  type TrainedModel,
  type TrainFromGeneratedOptions,
  trainFromGenerated,
} from './train-from-generated.ts';
export { type LogisticFit, type TrainLogisticOptions, trainLogistic } from './train-logistic.ts';
export {
  CONDITION_DEPTH_MAX,
  CONDITION_NODES_MAX,
  CONDITION_VALUES_MAX,
  RULES_MAX,
  validateRuleSet,
} from './validate-rule-set.ts';
export {
  formatValidationIssue,
  VALIDATION_ISSUES_MAX,
  type ValidationIssue,
  type ValidationResult,
} from './validation-issue.ts';
