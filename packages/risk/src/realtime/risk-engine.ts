import { assert } from '@paychain/core';
import { FeatureStore } from './feature-store.ts';
import type { FeatureVector } from './feature-vector.ts';
import { createModelScorer, type LogisticModel } from './logistic-model.ts';
import { assertRiskEngineMaxima, RISK_ENGINE_MAXIMA_DEFAULT, type RiskEngineMaxima } from './risk-engine-maxima.ts';
import type { RiskEvent } from './risk-event.ts';
import {
  applyRuleSet,
  type CompiledRuleSet,
  compileRuleSet,
  type Decision,
  type RuleInput,
  type RuleSet,
} from './rule-set.ts';
import { validateRuleSet } from './validate-rule-set.ts';
import { formatValidationIssue } from './validation-issue.ts';

/** China Standard Time, the network's local time for `hour_of_day`. */
export const UTC_OFFSET_MS_DEFAULT = 8 * 3_600_000;
/** Changed payments listed by a dry run unless asked otherwise: a screenful for the console. */
export const DRY_RUN_CHANGED_DEFAULT = 100;

export interface RiskEngineOptions {
  readonly ruleSet: RuleSet;
  /** null scores nothing: rules alone decide (and `score` is 0). */
  readonly model: LogisticModel | null;
  readonly maxima?: RiskEngineMaxima;
  readonly utcOffsetMs?: number;
  /** A microsecond clock; with it each assessment says how long it took. */
  readonly nowMicros?: () => number;
}

export interface RiskAssessment {
  readonly eventId: string;
  readonly decision: Decision;
  /** Matched rules' reasons in rule order, then the model's, e.g. "model score 0.931 ≥ 0.9 (block)". */
  readonly reasons: readonly string[];
  readonly matchedRuleIds: readonly string[];
  /** The model's probability of fraud, 0–1 (0 without a model). */
  readonly score: number;
  readonly features: FeatureVector;
  readonly ruleSetVersion: number;
  readonly modelVersion: number | null;
  readonly elapsedMicros?: number;
}

export type SetRuleSetResult =
  | { readonly ok: true; readonly previousVersion: number }
  | {
      readonly ok: false;
      readonly code: 'version_not_increasing';
      readonly currentVersion: number;
      readonly proposedVersion: number;
    };

export type DecisionCounts = Readonly<Record<Decision, number>>;

export interface DryRunReport {
  readonly evaluated: number;
  readonly currentVersion: number;
  readonly proposedVersion: number;
  readonly byDecision: { readonly current: DecisionCounts; readonly proposed: DecisionCounts };
  /** All payments whose decision would change… */
  readonly changedCount: number;
  /** …and the first of them, oldest first. */
  readonly changed: readonly { readonly eventId: string; readonly from: Decision; readonly to: Decision }[];
}

export type CommitResult = 'committed' | 'already_committed';

interface RecentEntry {
  readonly event: RiskEvent;
  readonly assessment: RiskAssessment;
  committed: boolean;
}

/**
 * Scores payments before they are signed. Synchronous and in memory: the gateway calls `assess`,
 * acts on the decision, and calls `commit` once the payment went ahead (at once for allow, after
 * the review or the step-up for those). `assess` counts the attempt for velocity whatever the
 * decision; only `commit` makes a payee, device or place familiar (see `FeatureStore`).
 *
 * The last `recentAssessmentsMax` assessments are kept with their features: `dryRun` re-decides
 * them under a proposed rule set with the features they had then, and a repeated `assess` of the
 * same payment id returns the first answer without counting the attempt twice.
 */
export class RiskEngine {
  readonly maxima: RiskEngineMaxima;
  readonly model: LogisticModel | null;
  readonly #store: FeatureStore;
  readonly #scorer: ((features: FeatureVector) => number) | null;
  readonly #nowMicros: (() => number) | null;
  #compiled: CompiledRuleSet;
  readonly #recent: (RecentEntry | undefined)[];
  #recentNext = 0;
  readonly #recentById = new Map<string, RecentEntry>();

  constructor(options: RiskEngineOptions) {
    this.maxima = options.maxima ?? RISK_ENGINE_MAXIMA_DEFAULT;
    assertRiskEngineMaxima(this.maxima);
    assertValidRuleSet(options.ruleSet);
    this.model = options.model;
    this.#store = new FeatureStore(this.maxima, options.utcOffsetMs ?? UTC_OFFSET_MS_DEFAULT);
    this.#scorer = options.model === null ? null : createModelScorer(options.model);
    this.#nowMicros = options.nowMicros ?? null;
    this.#compiled = compileRuleSet(options.ruleSet);
    this.#recent = new Array<RecentEntry | undefined>(this.maxima.recentAssessmentsMax);
  }

  get ruleSet(): RuleSet {
    return this.#compiled.ruleSet;
  }

  /** Sizes against the maxima, for metrics: tracked entities and remembered assessments. */
  get stats(): {
    readonly accountsTracked: number;
    readonly devicesTracked: number;
    readonly merchantsTracked: number;
    readonly recentAssessments: number;
  } {
    return {
      accountsTracked: this.#store.accountsTracked,
      devicesTracked: this.#store.devicesTracked,
      merchantsTracked: this.#store.merchantsTracked,
      recentAssessments: this.#recentById.size,
    };
  }

  assess(event: RiskEvent): RiskAssessment {
    const repeated = this.#recentById.get(event.id);
    if (repeated !== undefined) return repeated.assessment;
    const startMicros = this.#nowMicros?.();
    const features = this.#store.features(event);
    const score = this.#scorer === null ? 0 : this.#scorer(features);
    const input: RuleInput = {
      features,
      score,
      mcc: event.mcc,
      channel: event.channel,
      ipRegion: event.ipRegion,
      currency: event.currency,
    };
    const outcome = applyRuleSet(this.#compiled, input, this.#scorer !== null);
    this.#store.recordAttempt(event, features);
    const base = {
      eventId: event.id,
      decision: outcome.decision,
      reasons: outcome.reasons,
      matchedRuleIds: outcome.matchedRuleIds,
      score,
      features,
      ruleSetVersion: this.#compiled.ruleSet.version,
      modelVersion: this.model?.version ?? null,
    };
    const assessment: RiskAssessment =
      startMicros === undefined || this.#nowMicros === null
        ? base
        : { ...base, elapsedMicros: this.#nowMicros() - startMicros };
    this.#remember({ event, assessment, committed: false });
    return assessment;
  }

  /**
   * Adds a payment that went ahead to its account's history. Committing the same id twice (while it
   * is still among the recent assessments) changes nothing the second time.
   */
  commit(event: RiskEvent): CommitResult {
    const entry = this.#recentById.get(event.id);
    if (entry?.committed === true) return 'already_committed';
    this.#store.recordCommit(event);
    if (entry !== undefined) entry.committed = true;
    return 'committed';
  }

  /** Replaces the rules; the version must increase, so every stored decision names exactly one rule set. */
  setRuleSet(ruleSet: RuleSet): SetRuleSetResult {
    assertValidRuleSet(ruleSet);
    const currentVersion = this.#compiled.ruleSet.version;
    if (ruleSet.version <= currentVersion) {
      return { ok: false, code: 'version_not_increasing', currentVersion, proposedVersion: ruleSet.version };
    }
    this.#compiled = compileRuleSet(ruleSet);
    return { ok: true, previousVersion: currentVersion };
  }

  /**
   * Re-decides the recent assessments under the current and the proposed rule set, from the
   * features and score each payment had when it was assessed (not from today's state, which has
   * since seen the payments that followed). Changes nothing.
   */
  dryRun(ruleSet: RuleSet, changedMax = DRY_RUN_CHANGED_DEFAULT): DryRunReport {
    assertValidRuleSet(ruleSet);
    assert(Number.isSafeInteger(changedMax) && changedMax >= 0, `changedMax is a count: ${changedMax}`);
    const proposed = compileRuleSet(ruleSet);
    const current = { allow: 0, review: 0, step_up: 0, block: 0 };
    const proposedCounts = { allow: 0, review: 0, step_up: 0, block: 0 };
    const changed: { eventId: string; from: Decision; to: Decision }[] = [];
    let changedCount = 0;
    let evaluated = 0;
    const modelInUse = this.#scorer !== null;
    const capacity = this.#recent.length;
    // Oldest first: the slot after the newest is the oldest once the ring has wrapped.
    for (let k = 0; k < capacity; k++) {
      const entry = this.#recent[(this.#recentNext + k) % capacity];
      if (entry === undefined) continue;
      const { event, assessment } = entry;
      const input: RuleInput = {
        features: assessment.features,
        score: assessment.score,
        mcc: event.mcc,
        channel: event.channel,
        ipRegion: event.ipRegion,
        currency: event.currency,
      };
      const from = applyRuleSet(this.#compiled, input, modelInUse).decision;
      const to = applyRuleSet(proposed, input, modelInUse).decision;
      evaluated += 1;
      current[from] += 1;
      proposedCounts[to] += 1;
      if (from !== to) {
        changedCount += 1;
        if (changed.length < changedMax) changed.push({ eventId: event.id, from, to });
      }
    }
    assert(evaluated === this.#recentById.size, 'every remembered assessment was re-decided');
    return {
      evaluated,
      currentVersion: this.#compiled.ruleSet.version,
      proposedVersion: ruleSet.version,
      byDecision: { current, proposed: proposedCounts },
      changedCount,
      changed,
    };
  }

  #remember(entry: RecentEntry): void {
    const slot = this.#recentNext;
    const evicted = this.#recent[slot];
    if (evicted !== undefined) this.#recentById.delete(evicted.event.id);
    this.#recent[slot] = entry;
    this.#recentById.set(entry.event.id, entry);
    this.#recentNext = (slot + 1) % this.#recent.length;
  }
}

function assertValidRuleSet(ruleSet: RuleSet): void {
  const result = validateRuleSet(ruleSet);
  assert(
    result.ok,
    `rule set is valid (validate it first): ${result.ok ? '' : result.issues.map(formatValidationIssue).join('; ')}`,
  );
}
