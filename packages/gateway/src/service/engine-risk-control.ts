/**
 * Risk control for the payment path on `@paychain/risk`'s engine: features over sliding windows, the shipped model,
 * and the versioned rule set kept in the gateway's database. The rule set in force is the highest version stored;
 * at first start the built-in default is stored as its own version. Operators replace it through the API
 * (`replaceRuleSet`), after a dry run against recent traffic (`dryRun`); another gateway process sharing the database
 * picks a new version up at its next `refresh()`.
 */
import {
  DEFAULT_RULE_SET,
  type DryRunReport,
  defaultModel,
  formatValidationIssue,
  type LogisticModel,
  RiskEngine,
  type RiskEvent,
  type RuleSet,
  validateRuleSet,
} from '@paychain/risk';
import { CHANNEL_OF_KIND } from '../analytics/gateway-directories.ts';
import {
  type GatewayDb,
  GatewayDbError,
  RISK_RULE_SET_CHARS_MAX,
  RISK_RULE_SET_NOTE_CHARS_MAX,
  type StoredRuleSet,
} from '../db/gateway-db.ts';
import { GatewayApiError } from '../http/api-errors.ts';
import type { RiskCheck, RiskControl, RiskVerdict } from './risk-control.ts';

/** The rule set in force, as stored, with its parsed form. */
export interface ActiveRuleSet {
  readonly stored: StoredRuleSet;
  readonly ruleSet: RuleSet;
}

export interface EngineRiskControlOptions {
  /** The model scored with every payment; default the shipped one (`@paychain/risk` model.json). */
  readonly model?: LogisticModel | null;
  /** The network's local time for the hour-of-day feature; default UTC+8. */
  readonly utcOffsetMs?: number;
}

export function riskEventOf(check: RiskCheck): RiskEvent {
  return {
    id: check.txId,
    timestampMs: check.timestampMs,
    fromAccount: check.payerAccountId,
    toAccount: check.payeeAccountId,
    amount: check.amount,
    currency: check.currency,
    channel: CHANNEL_OF_KIND[check.kind],
    mcc: check.mcc,
    merchantId: check.merchantId,
    deviceId: check.context.deviceId,
    ipRegion: check.context.ipRegion,
    lat: check.context.lat,
    lon: check.context.lon,
    accountOpenedAtMs: check.payerOpenedAtMs,
  };
}

export class EngineRiskControl implements RiskControl {
  readonly engine: RiskEngine;
  private readonly db: GatewayDb;
  private current: ActiveRuleSet;

  private constructor(db: GatewayDb, engine: RiskEngine, current: ActiveRuleSet) {
    this.db = db;
    this.engine = engine;
    this.current = current;
  }

  /** Loads the rule set in force from the database, storing the built-in default first when there is none. */
  static async open(db: GatewayDb, nowMs: number, options: EngineRiskControlOptions = {}): Promise<EngineRiskControl> {
    let stored = await db.latestRuleSet();
    if (stored === null) {
      const first: StoredRuleSet = {
        version: DEFAULT_RULE_SET.version,
        json: JSON.stringify(DEFAULT_RULE_SET),
        authorUserId: null,
        note: 'built-in default rule set',
        createdAtMs: nowMs,
      };
      try {
        await db.insertRuleSet(first);
      } catch (error) {
        // Another gateway process stored it first: take whatever is latest now.
        if (!(error instanceof GatewayDbError && error.code === 'db_duplicate')) throw error;
      }
      stored = (await db.latestRuleSet()) ?? first;
    }
    const ruleSet = parseStored(stored);
    const model = options.model === undefined ? defaultModel() : options.model;
    const engine = new RiskEngine({
      ruleSet,
      model,
      ...(options.utcOffsetMs === undefined ? {} : { utcOffsetMs: options.utcOffsetMs }),
    });
    return new EngineRiskControl(db, engine, { stored, ruleSet });
  }

  get active(): ActiveRuleSet {
    return this.current;
  }

  assess(check: RiskCheck): RiskVerdict {
    const assessment = this.engine.assess(riskEventOf(check));
    return {
      decision: assessment.decision,
      scorePpm: Math.min(1_000_000, Math.max(0, Math.round(assessment.score * 1_000_000))),
      reasons: assessment.reasons,
      ruleSetVersion: assessment.ruleSetVersion,
    };
  }

  commit(check: RiskCheck): void {
    this.engine.commit(riskEventOf(check));
  }

  /** Re-decides the recent traffic under a proposed rule set, changing nothing. */
  dryRun(json: unknown): DryRunReport {
    return this.engine.dryRun(validated(json));
  }

  /** Validates, stores and puts in force a new version (above the one in force), or refuses with the reason. */
  async replaceRuleSet(json: unknown, authorUserId: string, note: string, nowMs: number): Promise<ActiveRuleSet> {
    const ruleSet = validated(json);
    const text = JSON.stringify(ruleSet);
    if (text.length > RISK_RULE_SET_CHARS_MAX) {
      throw new GatewayApiError('rules_invalid', `the rule set is over ${RISK_RULE_SET_CHARS_MAX} characters`, {
        errors: [{ path: '', message: 'too large' }],
      });
    }
    if (note.length > RISK_RULE_SET_NOTE_CHARS_MAX) {
      throw new GatewayApiError('bad_request', `note is at most ${RISK_RULE_SET_NOTE_CHARS_MAX} characters`, {
        in: 'body',
        field: 'note',
      });
    }
    await this.refresh();
    const stale = (): GatewayApiError =>
      new GatewayApiError('rules_version_stale', 'the version must be above the one in force', {
        activeVersion: this.current.ruleSet.version,
        proposedVersion: ruleSet.version,
      });
    if (ruleSet.version <= this.current.ruleSet.version) throw stale();
    const stored: StoredRuleSet = { version: ruleSet.version, json: text, authorUserId, note, createdAtMs: nowMs };
    try {
      await this.db.insertRuleSet(stored);
    } catch (error) {
      if (error instanceof GatewayDbError && error.code === 'db_duplicate') throw stale();
      throw error;
    }
    this.putInForce({ stored, ruleSet });
    return this.current;
  }

  /** Takes up a newer version another process stored. */
  async refresh(): Promise<void> {
    const latest = await this.db.latestRuleSet();
    if (latest !== null && latest.version > this.current.ruleSet.version) {
      this.putInForce({ stored: latest, ruleSet: parseStored(latest) });
    }
  }

  private putInForce(next: ActiveRuleSet): void {
    const set = this.engine.setRuleSet(next.ruleSet);
    // Versions only increase here (checked above), so the engine cannot refuse.
    if (!set.ok) throw new Error(`rule set version ${next.ruleSet.version} refused by the engine`);
    this.current = next;
  }
}

function validated(json: unknown): RuleSet {
  const result = validateRuleSet(json);
  if (!result.ok) {
    throw new GatewayApiError(
      'rules_invalid',
      `the rule set is invalid: ${result.issues.map(formatValidationIssue).join('; ')}`,
      { errors: result.issues.map((issue) => ({ path: issue.path, message: issue.message })) },
    );
  }
  return result.value;
}

/** A stored version was validated before it was stored; one that no longer validates is damage, not input. */
function parseStored(stored: StoredRuleSet): RuleSet {
  const result = validateRuleSet(JSON.parse(stored.json));
  if (!result.ok) {
    throw new GatewayDbError('db_corrupt', `stored rule set version ${stored.version} does not validate`, {
      detail: result.issues.map(formatValidationIssue).join('; '),
    });
  }
  return result.value;
}
