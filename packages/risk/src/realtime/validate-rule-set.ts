import { CHANNELS, CURRENCY_DECIMALS } from '../transfer-record.ts';
import { isFeatureName } from './feature-vector.ts';
import {
  COMPARISON_OPS,
  CONDITION_FIELDS,
  type ComparisonOp,
  type Condition,
  type ConditionFeature,
  type ConditionField,
  MODEL_SCORE,
  RULE_ACTIONS,
  type Rule,
  type RuleAction,
  type RuleSet,
  type ScoreThresholds,
  SET_OPS,
  type SetOp,
} from './rule-set.ts';
import {
  checkKeys,
  describeJson,
  IssueList,
  isPlainObject,
  joinPath,
  type ValidationResult,
} from './validation-issue.ts';

/** Limits on a rule set from the API: each is far above a useful rule set and keeps one bounded. */
export const RULES_MAX = 256;
export const CONDITION_DEPTH_MAX = 8;
export const CONDITION_NODES_MAX = 64;
export const CONDITION_VALUES_MAX = 256;
export const RULE_ID_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
export const RULE_TEXT_CHARS_MAX = 500;
export const CONDITION_VALUE_CHARS_MAX = 64;

const RULE_SET_KEYS = ['version', 'scoreThresholds', 'rules'] as const;
const RULE_KEYS = ['id', 'description', 'when', 'action', 'reason'] as const;
const CONDITION_KINDS = ['all', 'any', 'not', 'feature', 'field'] as const;
const MCC_PATTERN = /^[0-9]{4}$/;

/**
 * Checks a rule set that arrived as JSON, and returns it typed or every problem with its path, e.g.
 * `rules[2].when.all[0].op: unknown operator "=>"`. Issues come in document order; unknown keys
 * are issues too, since a misspelt key would otherwise be silently ignored.
 */
export function validateRuleSet(json: unknown): ValidationResult<RuleSet> {
  const issues = new IssueList();
  if (!isPlainObject(json)) {
    issues.add('', `expected an object, got ${describeJson(json)}`);
    return { ok: false, issues: issues.issues };
  }
  checkKeys(issues, '', json, RULE_SET_KEYS);
  const version = json.version;
  if (version === undefined) issues.add('version', 'required');
  else if (!isPositiveInteger(version))
    issues.add('version', `expected a positive integer, got ${describeJson(version)}`);

  const scoreThresholds = validateThresholds(issues, json.scoreThresholds);

  const rules: Rule[] = [];
  const rulesJson = json.rules;
  if (rulesJson === undefined) issues.add('rules', 'required');
  else if (!Array.isArray(rulesJson)) issues.add('rules', `expected an array, got ${describeJson(rulesJson)}`);
  else if (rulesJson.length > RULES_MAX) issues.add('rules', `at most ${RULES_MAX} rules, got ${rulesJson.length}`);
  else {
    const firstIndexById = new Map<string, number>();
    for (let i = 0; i < rulesJson.length && !issues.full; i++) {
      const rule = validateRule(issues, `rules[${i}]`, rulesJson[i]);
      if (rule === null) continue;
      const first = firstIndexById.get(rule.id);
      if (first !== undefined) issues.add(`rules[${i}].id`, `duplicate id "${rule.id}" (also rules[${first}])`);
      else firstIndexById.set(rule.id, i);
      rules.push(rule);
    }
  }
  if (issues.issues.length > 0 || !isPositiveInteger(version) || scoreThresholds === null) {
    return { ok: false, issues: issues.issues };
  }
  return { ok: true, value: { version, scoreThresholds, rules } };
}

function validateThresholds(issues: IssueList, json: unknown): ScoreThresholds | null {
  const path = 'scoreThresholds';
  if (json === undefined) {
    issues.add(path, 'required (use {"review": null, "block": null} for rules only)');
    return null;
  }
  if (!isPlainObject(json)) {
    issues.add(path, `expected an object, got ${describeJson(json)}`);
    return null;
  }
  checkKeys(issues, path, json, ['review', 'block']);
  const review = validateThreshold(issues, joinPath(path, 'review'), json.review);
  const block = validateThreshold(issues, joinPath(path, 'block'), json.block);
  if (review === undefined || block === undefined) return null;
  if (review !== null && block !== null && review > block) {
    issues.add(joinPath(path, 'review'), `must not exceed block (${review} > ${block})`);
    return null;
  }
  return { review, block };
}

function validateThreshold(issues: IssueList, path: string, json: unknown): number | null | undefined {
  if (json === null) return null;
  if (typeof json !== 'number' || !Number.isFinite(json) || json < 0 || json > 1) {
    issues.add(path, `expected a number from 0 to 1 or null, got ${describeJson(json)}`);
    return undefined;
  }
  return json;
}

function validateRule(issues: IssueList, path: string, json: unknown): Rule | null {
  if (!isPlainObject(json)) {
    issues.add(path, `expected an object, got ${describeJson(json)}`);
    return null;
  }
  checkKeys(issues, path, json, RULE_KEYS);
  const idJson = json.id;
  let id: string | null = null;
  if (idJson === undefined) issues.add(joinPath(path, 'id'), 'required');
  else if (typeof idJson !== 'string' || !RULE_ID_PATTERN.test(idJson)) {
    issues.add(
      joinPath(path, 'id'),
      `expected 1–64 of a-z 0-9 _ . - (starting with a-z or 0-9), got ${describeJson(idJson)}`,
    );
  } else id = idJson;
  const description = validateText(issues, joinPath(path, 'description'), json.description, true);
  const nodes = { count: 0 };
  let when: Condition | null = null;
  if (json.when === undefined) issues.add(joinPath(path, 'when'), 'required');
  else when = validateCondition(issues, joinPath(path, 'when'), json.when, 1, nodes);
  const actionJson = json.action;
  let action: RuleAction | null = null;
  if (actionJson === undefined) issues.add(joinPath(path, 'action'), 'required');
  else if (!isOneOf(RULE_ACTIONS, actionJson)) {
    issues.add(
      joinPath(path, 'action'),
      `unknown action ${describeJson(actionJson)} (expected ${RULE_ACTIONS.join(', ')})`,
    );
  } else action = actionJson;
  const reason = validateText(issues, joinPath(path, 'reason'), json.reason, false);
  if (id === null || description === null || when === null || action === null || reason === null) return null;
  return { id, description, when, action, reason };
}

function validateText(issues: IssueList, path: string, json: unknown, emptyAllowed: boolean): string | null {
  if (json === undefined) {
    issues.add(path, 'required');
    return null;
  }
  if (typeof json !== 'string') {
    issues.add(path, `expected a string, got ${describeJson(json)}`);
    return null;
  }
  if (!emptyAllowed && json.trim() === '') {
    issues.add(path, 'must not be empty');
    return null;
  }
  if (json.length > RULE_TEXT_CHARS_MAX) {
    issues.add(path, `at most ${RULE_TEXT_CHARS_MAX} characters, got ${json.length}`);
    return null;
  }
  return json;
}

/** Recursion is bounded by `CONDITION_DEPTH_MAX` and `CONDITION_NODES_MAX`, checked before descending. */
function validateCondition(
  issues: IssueList,
  path: string,
  json: unknown,
  depth: number,
  nodes: { count: number },
): Condition | null {
  nodes.count += 1;
  if (nodes.count > CONDITION_NODES_MAX) {
    if (nodes.count === CONDITION_NODES_MAX + 1)
      issues.add(path, `a rule has at most ${CONDITION_NODES_MAX} conditions`);
    return null;
  }
  if (!isPlainObject(json)) {
    issues.add(path, `expected a condition object, got ${describeJson(json)}`);
    return null;
  }
  const kinds = CONDITION_KINDS.filter((kind) => kind in json);
  if (kinds.length !== 1) {
    issues.add(
      path,
      kinds.length === 0
        ? `expected one of the keys ${CONDITION_KINDS.join(', ')}`
        : `has both ${kinds.join(' and ')}: one kind of condition per object`,
    );
    return null;
  }
  const kind = kinds[0];
  if (kind === 'all' || kind === 'any') {
    checkKeys(issues, path, json, [kind]);
    const listPath = joinPath(path, kind);
    const list = json[kind];
    if (!Array.isArray(list)) {
      issues.add(listPath, `expected an array of conditions, got ${describeJson(list)}`);
      return null;
    }
    if (list.length === 0) {
      // An empty `all` is always true and an empty `any` never: neither is what someone meant.
      issues.add(listPath, 'must not be empty');
      return null;
    }
    if (depth >= CONDITION_DEPTH_MAX) {
      issues.add(listPath, `conditions nest at most ${CONDITION_DEPTH_MAX} deep`);
      return null;
    }
    const children: Condition[] = [];
    let childrenOk = true;
    for (let i = 0; i < list.length && !issues.full; i++) {
      const child = validateCondition(issues, joinPath(listPath, i), list[i], depth + 1, nodes);
      if (child === null) childrenOk = false;
      else children.push(child);
    }
    if (!childrenOk) return null;
    return kind === 'all' ? { all: children } : { any: children };
  }
  if (kind === 'not') {
    checkKeys(issues, path, json, ['not']);
    if (depth >= CONDITION_DEPTH_MAX) {
      issues.add(joinPath(path, 'not'), `conditions nest at most ${CONDITION_DEPTH_MAX} deep`);
      return null;
    }
    const inner = validateCondition(issues, joinPath(path, 'not'), json.not, depth + 1, nodes);
    return inner === null ? null : { not: inner };
  }
  if (kind === 'feature') return validateComparison(issues, path, json);
  return validateSetTest(issues, path, json);
}

function validateComparison(
  issues: IssueList,
  path: string,
  json: Readonly<Record<string, unknown>>,
): Condition | null {
  checkKeys(issues, path, json, ['feature', 'op', 'value']);
  let feature: ConditionFeature | null = null;
  let op: ComparisonOp | null = null;
  let value: number | null = null;
  if (typeof json.feature === 'string' && (json.feature === MODEL_SCORE || isFeatureName(json.feature))) {
    feature = json.feature;
  } else issues.add(joinPath(path, 'feature'), `unknown feature ${describeJson(json.feature)}`);
  if (json.op === undefined) issues.add(joinPath(path, 'op'), 'required');
  else if (isOneOf(COMPARISON_OPS, json.op)) op = json.op;
  else {
    const hint = isOneOf(SET_OPS, json.op) ? ' (in and not_in test a field, not a feature)' : '';
    issues.add(joinPath(path, 'op'), `unknown operator ${describeJson(json.op)}${hint}`);
  }
  if (json.value === undefined) issues.add(joinPath(path, 'value'), 'required');
  else if (typeof json.value === 'number' && Number.isFinite(json.value)) value = json.value;
  else issues.add(joinPath(path, 'value'), `expected a finite number, got ${describeJson(json.value)}`);
  if (feature === null || op === null || value === null) return null;
  return { feature, op, value };
}

function validateSetTest(issues: IssueList, path: string, json: Readonly<Record<string, unknown>>): Condition | null {
  checkKeys(issues, path, json, ['field', 'op', 'values']);
  const { values } = json;
  let field: ConditionField | null = null;
  let op: SetOp | null = null;
  if (isOneOf(CONDITION_FIELDS, json.field)) field = json.field;
  else {
    issues.add(
      joinPath(path, 'field'),
      `unknown field ${describeJson(json.field)} (expected ${CONDITION_FIELDS.join(', ')})`,
    );
  }
  if (json.op === undefined) issues.add(joinPath(path, 'op'), 'required');
  else if (isOneOf(SET_OPS, json.op)) op = json.op;
  else issues.add(joinPath(path, 'op'), `unknown operator ${describeJson(json.op)} (expected in, not_in)`);
  const valuesPath = joinPath(path, 'values');
  if (!Array.isArray(values)) {
    issues.add(
      valuesPath,
      values === undefined ? 'required' : `expected an array of strings, got ${describeJson(values)}`,
    );
    return null;
  }
  if (values.length === 0 || values.length > CONDITION_VALUES_MAX) {
    issues.add(valuesPath, `expected 1 to ${CONDITION_VALUES_MAX} values, got ${values.length}`);
    return null;
  }
  const strings: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const item: unknown = values[i];
    const problem =
      typeof item === 'string' ? valueProblem(field, item) : `expected a string, got ${describeJson(item)}`;
    if (problem !== null) issues.add(joinPath(valuesPath, i), problem);
    else if (typeof item === 'string') strings.push(item);
  }
  if (field === null || op === null || strings.length !== values.length) return null;
  return { field, op, values: strings };
}

/** Values are checked against what the field can hold, so a typo ("qrr") is an error, not a dead rule. */
function valueProblem(field: ConditionField | null, value: string): string | null {
  if (value.length === 0 || value.length > CONDITION_VALUE_CHARS_MAX) {
    return `expected 1 to ${CONDITION_VALUE_CHARS_MAX} characters, got ${value.length}`;
  }
  if (field === 'channel' && !(CHANNELS as readonly string[]).includes(value)) {
    return `unknown channel "${value}" (expected ${CHANNELS.join(', ')})`;
  }
  if (field === 'currency' && !Object.hasOwn(CURRENCY_DECIMALS, value)) return `unknown currency "${value}"`;
  if (field === 'mcc' && !MCC_PATTERN.test(value)) return `expected a 4-digit MCC, got "${value}"`;
  return null;
}

function isOneOf<T extends string>(options: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (options as readonly string[]).includes(value);
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}
