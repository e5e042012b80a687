import type { RuleSet } from './rule-set.ts';

/**
 * The rules a new network starts with, one per fraud pattern of docs/aml-patterns.md plus plain
 * velocity. Thresholds are deliberately coarse: the model ranks the grey zone, rules catch what is
 * unambiguous or must be explainable on its own. The model's thresholds were read off the shipped
 * model's hold-out (seed 2, 20,000 users, 60 days): of the payments scoring 0.9 or more, 99 % were
 * fraud; of those scoring 0.3 or more, 97 %.
 */
export const DEFAULT_RULE_SET: RuleSet = {
  version: 1,
  scoreThresholds: { review: 0.3, block: 0.9 },
  rules: [
    {
      id: 'velocity-1m',
      description: 'More than 10 payment attempts from one account within a minute: scripted, not a person.',
      when: { feature: 'account_count_1m', op: '>', value: 10 },
      action: 'block',
      reason: 'more than 10 payments from this account in the last minute',
    },
    {
      id: 'card-testing',
      description:
        'Card testing: 3 or more merchant payments of at most 2.00 within 10 minutes, then anything from the same account.',
      when: { feature: 'small_amount_burst_10m', op: '>=', value: 3 },
      action: 'block',
      reason: 'burst of tiny merchant payments (card testing)',
    },
    {
      id: 'geo-velocity',
      description: 'Faster than an airliner since the last located payment, over more than 100 km (not GPS noise).',
      when: {
        all: [
          { feature: 'geo_velocity_kmh', op: '>', value: 900 },
          { feature: 'geo_distance_km', op: '>', value: 100 },
        ],
      },
      action: 'step_up',
      reason: 'impossible travel since the last payment',
    },
    {
      id: 'new-device-high-amount',
      description:
        'A device this account never paid from, and an amount far above its usual (z > 3 on log amount, or 8 times its typical payment).',
      when: {
        all: [
          { feature: 'new_device', op: '==', value: 1 },
          {
            any: [
              { feature: 'amount_z', op: '>', value: 3 },
              { feature: 'amount_log_ratio', op: '>', value: 2.08 },
            ],
          },
        ],
      },
      action: 'step_up',
      reason: 'new device and an unusually high amount',
    },
    {
      id: 'takeover-transfer',
      description:
        'A transfer to a new payee from a device first used for this account within the hour, by an account with a history.',
      when: {
        all: [
          { field: 'channel', op: 'in', values: ['transfer'] },
          { feature: 'fresh_device_new_payee', op: '==', value: 1 },
          // An established account with a past: a wallet opened today on this phone is not taken over.
          { feature: 'account_history_count', op: '>=', value: 3 },
          { feature: 'account_age_days', op: '>=', value: 1 },
        ],
      },
      action: 'step_up',
      reason: 'transfer to a new payee from a new device (possible account takeover)',
    },
    {
      id: 'high-risk-mcc-amount',
      description: 'Gambling, quasi-cash or money transfer merchants: 10,000 or more, and 5 times the usual or more.',
      when: {
        all: [
          { feature: 'mcc_risk', op: '>=', value: 2 },
          { feature: 'amount', op: '>=', value: 10_000 },
          { feature: 'amount_log_ratio', op: '>', value: 1.6 },
        ],
      },
      action: 'review',
      reason: 'high amount at a high-risk merchant category',
    },
  ],
};
