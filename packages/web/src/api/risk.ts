/**
 * Real-time risk control as the ops console sees it (`/v1/ops/risk/*`, ops role): the active rule set with its
 * version history and the model's facts, saving a new version, the dry run of a draft against recent payments, the
 * review queue (payments let through flagged `review`, with the decision stored with them) and the refusals
 * (`block`, and `step_up` asked but not passed). A rule set is edited as JSON text: `ruleSetTextToJson` parses it
 * here, the gateway validates it, and its `rules_invalid` problems come back with their paths (`ruleIssuesOf`).
 */
import { type ApiClient, ApiError, paymentOf } from './client';
import {
  countAt,
  decimalAt,
  fail,
  isJsonObject,
  itemsAt,
  type Json,
  nextAt,
  nullableStringAt,
  numberAt,
  objectAt,
  oneOfAt,
  stringAt,
  stringsAt,
} from './parse';
import type { Payment } from './types';

export const RISK_DECISIONS = ['allow', 'review', 'step_up', 'block'] as const;
export type RiskDecision = (typeof RISK_DECISIONS)[number];

/** A rule set as JSON: its `version` is read here, the rest is the gateway's to validate. */
export type RuleSetJson = Json;

export interface RuleVersion {
  readonly version: number;
  readonly note: string;
  readonly createdAtMs: number;
  readonly authorPhone: string | null;
}

export interface ActiveRules extends RuleVersion {
  readonly ruleSet: RuleSetJson;
}

export interface ModelFacts {
  readonly version: string;
  readonly kind: string;
  readonly features: readonly string[];
  readonly metrics: { readonly auc: number | null; readonly precisionAt1pct: number | null };
}

export interface RiskRules {
  readonly active: ActiveRules;
  readonly versions: readonly RuleVersion[];
  readonly model: ModelFacts | null;
}

export type DecisionCounts = Readonly<Record<RiskDecision, number>>;

export interface DryRunResult {
  readonly evaluated: number;
  readonly current: DecisionCounts;
  readonly proposed: DecisionCounts;
  /** Payments whose decision would change; `changed` may list only the first of them. */
  readonly changedCount: number;
  readonly changed: readonly { readonly eventId: string; readonly from: RiskDecision; readonly to: RiskDecision }[];
}

export interface RiskInfo {
  readonly decision: RiskDecision;
  /** The model's score, 0..1. */
  readonly score: number;
  readonly reasons: readonly string[];
  readonly ruleSetVersion: number;
}

export type ReviewItem = Payment & { readonly risk: RiskInfo; readonly payerPhone: string | null };

export interface Refusal {
  readonly id: string;
  readonly userPhone: string;
  readonly kind: string;
  readonly decision: 'block' | 'step_up';
  readonly amount: string;
  readonly currency: string;
  readonly merchantId: string | null;
  readonly score: number;
  readonly reasons: readonly string[];
  readonly ruleSetVersion: number;
  readonly createdAtMs: number;
}

export interface RiskPage<T> {
  readonly items: readonly T[];
  readonly next: string | null;
}

/** One problem of a rule set: where (`rules[2].when.all[0].op`, '' for the whole text) and what. */
export interface RuleIssue {
  readonly path: string;
  readonly message: string;
}

/** Characters of rule-set text the editor sends: the gateway takes 16 KiB bodies. */
export const RULE_SET_TEXT_CHARS_MAX = 16_000;
export const RISK_PAGE_SIZE = 20;
/** Changed decisions of a dry run listed under its counts. */
export const DRY_RUN_CHANGES_SHOWN = 20;

function versionOf(json: Json, where: string): RuleVersion {
  return {
    version: countAt(json, 'version', where),
    note: nullableStringAt(json, 'note', where) ?? '',
    createdAtMs: numberAt(json, 'createdAtMs', where),
    authorPhone: nullableStringAt(json, 'authorPhone', where),
  };
}

function nullableMetric(json: Json, key: string): number | null {
  const value = json[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function parseRiskRules(answer: unknown): RiskRules {
  const json = objectAt(answer, '(answer)');
  const activeJson = objectAt(json.active, 'active');
  const active: ActiveRules = { ...versionOf(activeJson, 'active'), ruleSet: objectAt(activeJson.ruleSet, 'ruleSet') };
  let model: ModelFacts | null = null;
  if (isJsonObject(json.model)) {
    const metrics = isJsonObject(json.model.metrics) ? json.model.metrics : {};
    const version = json.model.version;
    model = {
      version: typeof version === 'number' || typeof version === 'string' ? String(version) : '—',
      kind: stringAt(json.model, 'kind', 'model'),
      features: stringsAt(json.model, 'features', 'model'),
      metrics: { auc: nullableMetric(metrics, 'auc'), precisionAt1pct: nullableMetric(metrics, 'precisionAt1pct') },
    };
  }
  return { active, versions: itemsAt(json, 'versions', versionOf), model };
}

function countsOf(value: unknown, where: string): DecisionCounts {
  const json = objectAt(value, where);
  return {
    allow: countAt(json, 'allow', where),
    review: countAt(json, 'review', where),
    step_up: countAt(json, 'step_up', where),
    block: countAt(json, 'block', where),
  };
}

export function parseDryRun(answer: unknown): DryRunResult {
  const json = objectAt(answer, '(answer)');
  const changed = itemsAt(json, 'changed', (item, at) => ({
    eventId: stringAt(item, 'eventId', at),
    from: oneOfAt(item, 'from', at, RISK_DECISIONS),
    to: oneOfAt(item, 'to', at, RISK_DECISIONS),
  }));
  return {
    evaluated: countAt(json, 'evaluated', '(answer)'),
    current: countsOf(json.current, 'current'),
    proposed: countsOf(json.proposed, 'proposed'),
    changedCount: json.changedCount === undefined ? changed.length : countAt(json, 'changedCount', '(answer)'),
    changed,
  };
}

function riskInfoOf(value: unknown, where: string): RiskInfo {
  const json = objectAt(value, where);
  return {
    decision: oneOfAt(json, 'decision', where, RISK_DECISIONS),
    score: numberAt(json, 'score', where),
    reasons: stringsAt(json, 'reasons', where),
    ruleSetVersion: countAt(json, 'ruleSetVersion', where),
  };
}

export function parseReviews(answer: unknown): RiskPage<ReviewItem> {
  const json = objectAt(answer, '(answer)');
  return {
    items: itemsAt(json, 'items', (item, at) => {
      const txId = stringAt(item, 'txId', at);
      const amount = objectAt(item.amount, `${at}.amount`);
      decimalAt(amount, 'amount', `${at}.amount`);
      // The payment view is the contract's Payment (types.ts), as every other payment answer; its risk is checked.
      return {
        ...paymentOf(item as unknown as Payment),
        txId,
        payerPhone: nullableStringAt(item, 'payerPhone', at),
        risk: riskInfoOf(item.risk, `${at}.risk`),
      };
    }),
    next: nextAt(json),
  };
}

export function parseRefusals(answer: unknown): RiskPage<Refusal> {
  const json = objectAt(answer, '(answer)');
  return {
    items: itemsAt(json, 'items', (item, at) => ({
      id: stringAt(item, 'id', at),
      userPhone: stringAt(item, 'userPhone', at),
      kind: stringAt(item, 'kind', at),
      decision: oneOfAt(item, 'decision', at, ['block', 'step_up'] as const),
      amount: decimalAt(item, 'amount', at),
      currency: stringAt(item, 'currency', at),
      merchantId: nullableStringAt(item, 'merchantId', at),
      score: numberAt(item, 'score', at),
      reasons: stringsAt(item, 'reasons', at),
      ruleSetVersion: countAt(item, 'ruleSetVersion', at),
      createdAtMs: numberAt(item, 'createdAtMs', at),
    })),
    next: nextAt(json),
  };
}

export async function getRiskRules(client: ApiClient): Promise<RiskRules> {
  return parseRiskRules(await client.send<unknown>('GET', '/v1/ops/risk/rules'));
}

/** Saves a new version (201); 400 `rules_invalid` (see `ruleIssuesOf`), 409 `rules_version_stale`. */
export async function putRiskRules(client: ApiClient, ruleSet: RuleSetJson, note: string): Promise<RuleVersion> {
  const answer = objectAt(
    await client.send<unknown>('PUT', '/v1/ops/risk/rules', { body: { ruleSet, note } }),
    '(answer)',
  );
  return versionOf(answer, '(answer)');
}

export async function dryRunRiskRules(client: ApiClient, ruleSet: RuleSetJson): Promise<DryRunResult> {
  return parseDryRun(await client.send<unknown>('POST', '/v1/ops/risk/rules/dry-run', { body: { ruleSet } }));
}

export async function getRiskReviews(
  client: ApiClient,
  page: { readonly limit?: number; readonly before?: string } = {},
): Promise<RiskPage<ReviewItem>> {
  const query = { limit: page.limit ?? RISK_PAGE_SIZE, before: page.before };
  return parseReviews(await client.send<unknown>('GET', '/v1/ops/risk/reviews', { query }));
}

export async function getRiskRefusals(
  client: ApiClient,
  page: { readonly limit?: number; readonly before?: string } = {},
): Promise<RiskPage<Refusal>> {
  const query = { limit: page.limit ?? RISK_PAGE_SIZE, before: page.before };
  return parseRefusals(await client.send<unknown>('GET', '/v1/ops/risk/refusals', { query }));
}

export type RuleSetTextResult =
  | { readonly ok: true; readonly value: RuleSetJson }
  | { readonly ok: false; readonly issues: readonly RuleIssue[] };

/**
 * The editor's text as a rule set to send: JSON, an object, a whole positive `version`, within the size limit. The
 * rest (rules, conditions, thresholds) is the gateway's validation, whose problems come back with paths.
 */
export function ruleSetTextToJson(text: string): RuleSetTextResult {
  if (text.length > RULE_SET_TEXT_CHARS_MAX) {
    return { ok: false, issues: [{ path: '', message: `at most ${RULE_SET_TEXT_CHARS_MAX} characters` }] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error: unknown) {
    if (!(error instanceof SyntaxError)) throw error;
    return { ok: false, issues: [{ path: '', message: `not JSON: ${error.message}` }] };
  }
  if (!isJsonObject(parsed)) return { ok: false, issues: [{ path: '', message: 'expected an object' }] };
  const version = parsed.version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    return { ok: false, issues: [{ path: 'version', message: 'expected a positive integer' }] };
  }
  return { ok: true, value: parsed };
}

/** The rule set as the editor shows it: 2-space JSON, with `version` set (a draft of the next version). */
export function ruleSetToText(ruleSet: RuleSetJson, version?: number): string {
  return JSON.stringify(version === undefined ? ruleSet : { ...ruleSet, version }, null, 2);
}

/** The problems of a `rules_invalid` answer (`details.errors`), or null for any other error. */
export function ruleIssuesOf(error: unknown): RuleIssue[] | null {
  if (!(error instanceof ApiError) || error.code !== 'rules_invalid') return null;
  const errors = error.details.errors;
  if (!Array.isArray(errors)) return [{ path: '', message: error.message }];
  return errors.map((issue: unknown, i) => {
    const json = objectAt(issue, `details.errors[${i}]`);
    const path = json.path;
    const message = json.message;
    if (typeof message !== 'string') fail(`details.errors[${i}].message`, 'a string', message);
    return { path: typeof path === 'string' ? path : '', message };
  });
}

/** `rules[2].when.op: unknown operator "=>"`; the whole text is `(root)`. */
export function formatRuleIssue(issue: RuleIssue): string {
  return `${issue.path === '' ? '(root)' : issue.path}: ${issue.message}`;
}
