// Goal: the shipped model loads, says how it was made, and decides the patterns it was trained on.
// Method: the default engine on hand-made sequences: a habitual payment, a card-testing burst.
import { describe, expect, it } from 'vitest';
import { defaultModel } from './default-model.ts';
import { DEFAULT_RULE_SET } from './default-rule-set.ts';
import { RiskEngine } from './risk-engine.ts';
import { FIXTURE_T0_MS, riskEvent } from './risk-event-fixture.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

describe('defaultModel', () => {
  it('is a valid model with its provenance and hold-out figures', () => {
    const model = defaultModel();
    expect(model.trainedOn.command).toMatch(/^npx tsx packages\/risk\/src\/realtime\/write-default-model\.ts /);
    expect(model.trainedOn.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(model.metrics.holdoutSeed).not.toBe(model.trainedOn.seed);
    expect(model.metrics.auc).toBeGreaterThan(0.9);
    expect(defaultModel()).toBe(model);
  });

  it('allows a habitual payment and blocks a card-testing burst', () => {
    const engine = new RiskEngine({ ruleSet: DEFAULT_RULE_SET, model: defaultModel() });
    // Three weeks of a daily lunch on the same phone at the same restaurant.
    for (let day = 0; day < 21; day++) {
      const event = riskEvent({ fromAccount: 'A-habit', timestampMs: FIXTURE_T0_MS + day * DAY, amount: 4_000n });
      engine.assess(event);
      engine.commit(event);
    }
    const lunch = engine.assess(
      riskEvent({ fromAccount: 'A-habit', timestampMs: FIXTURE_T0_MS + 21 * DAY, amount: 4_500n }),
    );
    expect(lunch.decision).toBe('allow');
    expect(lunch.score).toBeLessThan(0.05);

    // A stolen account: tiny online payments at different merchants from a phone never seen.
    const testing = Array.from({ length: 6 }, (_, i) =>
      riskEvent({
        fromAccount: 'A-habit',
        timestampMs: FIXTURE_T0_MS + 22 * DAY + i * MINUTE,
        amount: 50n,
        channel: 'online',
        merchantId: `M-${10 + i}`,
        toAccount: `MA-${10 + i}`,
        deviceId: 'D-thief',
      }),
    );
    const last = testing.map((event) => {
      const assessment = engine.assess(event);
      if (assessment.decision === 'allow') engine.commit(event);
      return assessment;
    });
    expect(last.at(-1)?.decision).toBe('block');
    expect(last.at(-1)?.score).toBeGreaterThan(0.9);
  });
});
