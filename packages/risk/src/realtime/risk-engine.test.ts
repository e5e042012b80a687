// Goal: the engine's contract — assess then commit, versioned rule sets, dry runs on recorded features, bounds.
// Method: hand-made payment sequences through real engines, with the default rules and a one-feature model.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SET } from './default-rule-set.ts';
import type { LogisticModel } from './logistic-model.ts';
import { RiskEngine } from './risk-engine.ts';
import { RISK_ENGINE_MAXIMA_DEFAULT } from './risk-engine-maxima.ts';
import type { RiskEvent } from './risk-event.ts';
import { FIXTURE_T0_MS, riskEvent } from './risk-event-fixture.ts';
import type { RuleSet } from './rule-set.ts';

/** σ(0.01 · amount − 5): 0.5 at 500.00, 0.9 at about 720.00. */
const amountModel: LogisticModel = {
  version: 7,
  kind: 'logistic',
  features: ['amount'],
  transforms: ['identity'],
  means: [0],
  scales: [1],
  weights: [0.01],
  bias: -5,
  trainedOn: {
    seed: 0,
    users: 0,
    merchants: 0,
    days: 0,
    rows: 0,
    positives: 0,
    date: '2024-01-01',
    command: 'by hand',
  },
  metrics: { holdoutSeed: 0, rows: 0, positives: 0, auc: 0, precisionAt1pct: 0, recallAt1pct: 0 },
};

function engine(options: { model?: LogisticModel | null; recentAssessmentsMax?: number } = {}): RiskEngine {
  return new RiskEngine({
    ruleSet: DEFAULT_RULE_SET,
    model: options.model ?? null,
    maxima: { ...RISK_ENGINE_MAXIMA_DEFAULT, recentAssessmentsMax: options.recentAssessmentsMax ?? 1_000 },
  });
}

/** `count` payments from one account, one second apart: the 12th and later exceed 10 a minute. */
function burst(count: number, from = 'A-1'): RiskEvent[] {
  return Array.from({ length: count }, (_, i) =>
    riskEvent({ fromAccount: from, timestampMs: FIXTURE_T0_MS + i * 1000 }),
  );
}

describe('assess and commit', () => {
  it('counts a blocked attempt for velocity but never makes its payee or device familiar', () => {
    const risk = engine();
    const attempts = burst(12);
    const decisions = attempts.map((event) => risk.assess(event).decision);
    expect(decisions.slice(0, 11)).toEqual(Array(11).fill('allow'));
    expect(decisions[11]).toBe('block');
    const next = risk.assess(riskEvent({ timestampMs: FIXTURE_T0_MS + 12_000 }));
    expect(next.features.account_count_1m).toBe(12);
    expect([next.features.new_payee, next.features.new_device]).toEqual([1, 1]);
    expect(next.reasons).toEqual(['more than 10 payments from this account in the last minute']);
  });

  it('makes a payee and device familiar once committed, and commits each id once', () => {
    const risk = engine();
    const first = riskEvent();
    risk.assess(first);
    expect(risk.commit(first)).toBe('committed');
    expect(risk.commit(first)).toBe('already_committed');
    const second = risk.assess(riskEvent({ timestampMs: FIXTURE_T0_MS + 5_000 }));
    expect([second.features.new_payee, second.features.new_device, second.features.account_history_count]).toEqual([
      0, 0, 1,
    ]);
  });

  it('answers a repeated assess of the same id with the first assessment, counting it once', () => {
    const risk = engine();
    const event = riskEvent();
    const first = risk.assess(event);
    expect(risk.assess(event)).toBe(first);
    expect(risk.assess(riskEvent({ timestampMs: FIXTURE_T0_MS + 1 })).features.account_count_1m).toBe(1);
  });

  it('scores with the model and names both versions', () => {
    const risk = engine({ model: amountModel });
    const small = risk.assess(riskEvent({ amount: 10_000n }));
    expect(small.score).toBeCloseTo(1 / (1 + Math.exp(4)), 12);
    expect([small.decision, small.modelVersion, small.ruleSetVersion]).toEqual(['allow', 7, 1]);
    const large = risk.assess(riskEvent({ amount: 80_000n, fromAccount: 'A-2' }));
    expect(large.decision).toBe('block');
    expect(large.reasons).toEqual([`model score ${large.score.toFixed(3)} ≥ 0.9 (block)`]);
    expect(engine().assess(riskEvent({ amount: 80_000n })).modelVersion).toBeNull();
  });

  it('reports elapsed time from the clock it was given', () => {
    let micros = 100;
    const risk = new RiskEngine({ ruleSet: DEFAULT_RULE_SET, model: null, nowMicros: () => (micros += 7) });
    expect(risk.assess(riskEvent()).elapsedMicros).toBe(7);
    expect(engine().assess(riskEvent())).not.toHaveProperty('elapsedMicros');
  });
});

describe('attempts and history (property)', () => {
  it('velocity counts every prior attempt of the last minute; payees and devices only committed ones', () => {
    const step = fc.record({
      account: fc.integer({ min: 0, max: 2 }),
      payee: fc.integer({ min: 0, max: 3 }),
      device: fc.integer({ min: 0, max: 2 }),
      gapMs: fc.integer({ min: 0, max: 40_000 }),
      commit: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const risk = engine();
        // The model: every attempt with its time, and the committed (account, payee) and (account, device) pairs.
        const attempts: { account: number; timeMs: number }[] = [];
        const paid = new Set<string>();
        const used = new Set<string>();
        let timeMs = FIXTURE_T0_MS;
        for (const { account, payee, device, gapMs, commit } of steps) {
          timeMs += gapMs;
          const event = riskEvent({
            fromAccount: `A-${account}`,
            toAccount: `P-${payee}`,
            deviceId: `D-${device}`,
            timestampMs: timeMs,
          });
          const { features } = risk.assess(event);
          const recent = attempts.filter((a) => a.account === account && timeMs - a.timeMs < 60_000);
          expect(features.account_count_1m).toBe(recent.length);
          expect(features.new_payee).toBe(paid.has(`${account}/${payee}`) ? 0 : 1);
          expect(features.new_device).toBe(used.has(`${account}/${device}`) ? 0 : 1);
          attempts.push({ account, timeMs });
          if (commit) {
            risk.commit(event);
            paid.add(`${account}/${payee}`);
            used.add(`${account}/${device}`);
          }
        }
      }),
    );
  });
});

describe('setRuleSet', () => {
  it.each([
    { version: 1, ok: false },
    { version: 0, ok: false },
    { version: 2, ok: true },
    { version: 10, ok: true },
  ])('from version 1 to $version: ok $ok', ({ version, ok }) => {
    const risk = engine();
    const result = risk.setRuleSet({ ...DEFAULT_RULE_SET, version: Math.max(version, 1), rules: [] });
    const expected = ok
      ? { ok: true, previousVersion: 1 }
      : { ok: false, code: 'version_not_increasing', currentVersion: 1, proposedVersion: Math.max(version, 1) };
    expect(result).toEqual(expected);
    expect(risk.ruleSet.version).toBe(ok ? version : 1);
    expect(risk.assess(riskEvent()).ruleSetVersion).toBe(ok ? version : 1);
  });

  it('asserts that a rule set was validated', () => {
    const risk = engine();
    const invalid = { ...DEFAULT_RULE_SET, version: 2, scoreThresholds: { review: 2, block: 1 } };
    expect(() => risk.setRuleSet(invalid)).toThrow(/validate it first/);
  });
});

describe('dryRun', () => {
  const stricter: RuleSet = {
    ...DEFAULT_RULE_SET,
    version: 2,
    rules: DEFAULT_RULE_SET.rules.map((rule) =>
      rule.id === 'velocity-1m' ? { ...rule, when: { feature: 'account_count_1m', op: '>', value: 5 } } : rule,
    ),
  };

  it('re-decides recent payments from the features they had, and changes nothing', () => {
    const risk = engine();
    const events = burst(12);
    for (const event of events) risk.assess(event);
    const report = risk.dryRun(stricter, 3);
    expect(report).toEqual({
      evaluated: 12,
      currentVersion: 1,
      proposedVersion: 2,
      byDecision: {
        current: { allow: 11, review: 0, step_up: 0, block: 1 },
        proposed: { allow: 6, review: 0, step_up: 0, block: 6 },
      },
      changedCount: 5,
      changed: events.slice(6, 9).map((e) => ({ eventId: e.id, from: 'allow', to: 'block' })),
    });
    // Later traffic does not change what the recorded payments looked like.
    for (let i = 0; i < 30; i++) risk.assess(riskEvent({ timestampMs: FIXTURE_T0_MS + 40_000 + i }));
    expect(risk.dryRun(DEFAULT_RULE_SET).changedCount).toBe(0);
    expect(risk.ruleSet.version).toBe(1);
  });

  it('lists the changed payments oldest first, and only the recent ones', () => {
    const risk = engine({ recentAssessmentsMax: 10 });
    const events = burst(12);
    for (const event of events) risk.assess(event);
    const report = risk.dryRun(stricter);
    expect(report.evaluated).toBe(10);
    expect(report.changed.map((c) => c.eventId)).toEqual(events.slice(6, 11).map((e) => e.id));
    expect(risk.stats.recentAssessments).toBe(10);
  });
});

describe('bounds', () => {
  it('keeps at most accountsTrackedMax accounts however many pay', () => {
    const risk = new RiskEngine({
      ruleSet: DEFAULT_RULE_SET,
      model: null,
      maxima: { ...RISK_ENGINE_MAXIMA_DEFAULT, accountsTrackedMax: 50, devicesTrackedMax: 20, merchantsTrackedMax: 5 },
    });
    for (let i = 0; i < 500; i++) {
      const event = riskEvent({ fromAccount: `A-${i}`, deviceId: `D-${i}`, merchantId: `M-${i % 7}` });
      risk.assess(event);
      risk.commit(event);
    }
    expect(risk.stats).toEqual({
      accountsTracked: 50,
      devicesTracked: 20,
      merchantsTracked: 5,
      recentAssessments: 500,
    });
  });
});
