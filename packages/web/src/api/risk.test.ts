// Goal: the risk console's client — rule sets read, dry-run and saved on the right routes, `rules_invalid` problems
// shown with their paths, the editor's text checked before it is sent, queue pages with their cursors. Method: a
// recording fetch answering canned responses; tables of texts and answers.
import { describe, expect, it } from 'vitest';
import { apiErrorResponse, jsonResponse, recordingClient } from '../test/recording-fetch';
import { ApiError } from './client';
import {
  dryRunRiskRules,
  formatRuleIssue,
  getRiskRefusals,
  getRiskReviews,
  getRiskRules,
  putRiskRules,
  RULE_SET_TEXT_CHARS_MAX,
  ruleIssuesOf,
  ruleSetTextToJson,
  ruleSetToText,
} from './risk';

const RULE_SET = {
  version: 3,
  scoreThresholds: { review: null, block: null },
  rules: [
    { id: 'big', description: 'big', when: { feature: 'amount', op: '>', value: 300 }, action: 'step_up', reason: 'r' },
  ],
};

const RULES_ANSWER = {
  active: { version: 3, ruleSet: RULE_SET, note: 'x', createdAtMs: 5, authorPhone: null },
  versions: [
    { version: 3, note: 'x', createdAtMs: 5, authorPhone: '+8613800000003' },
    { version: 1, note: '', createdAtMs: 1, authorPhone: null },
  ],
  model: {
    version: 'lr-1',
    kind: 'logistic',
    features: ['amount', 'amount_z'],
    metrics: { auc: 0.93, precisionAt1pct: 0.6 },
  },
};

const COUNTS = { allow: 8, review: 1, step_up: 1, block: 0 };

describe('rule sets', () => {
  it('reads the active set, its history and the model', async () => {
    const { calls, client } = recordingClient([jsonResponse(200, RULES_ANSWER)]);
    const rules = await getRiskRules(client);
    expect(calls[0]?.url).toBe('/v1/ops/risk/rules');
    expect(rules.active.version).toBe(3);
    expect(rules.active.ruleSet).toEqual(RULE_SET);
    expect(rules.versions.map((v) => v.version)).toEqual([3, 1]);
    expect(rules.versions[0]?.authorPhone).toBe('+8613800000003');
    expect(rules.model).toEqual({
      version: 'lr-1',
      kind: 'logistic',
      features: ['amount', 'amount_z'],
      metrics: { auc: 0.93, precisionAt1pct: 0.6 },
    });
  });

  it('saves with PUT {ruleSet, note} and dry-runs with POST {ruleSet}', async () => {
    const { calls, client } = recordingClient([
      jsonResponse(201, { version: 4, note: 'n', createdAtMs: 9, authorPhone: '+8613800000003' }),
      jsonResponse(200, {
        evaluated: 10,
        current: COUNTS,
        proposed: { ...COUNTS, allow: 7, block: 1 },
        changed: [{ eventId: 'e1', from: 'allow', to: 'block' }],
      }),
    ]);
    const draft = { ...RULE_SET, version: 4 };
    expect((await putRiskRules(client, draft, 'n')).version).toBe(4);
    expect(calls[0]).toMatchObject({ url: '/v1/ops/risk/rules', method: 'PUT' });
    expect(JSON.parse(calls[0]?.body ?? '')).toEqual({ ruleSet: draft, note: 'n' });
    const dry = await dryRunRiskRules(client, draft);
    expect(calls[1]).toMatchObject({ url: '/v1/ops/risk/rules/dry-run', method: 'POST' });
    expect(calls[1]?.headers['idempotency-key']).toBe('key-1');
    expect(dry.proposed.block).toBe(1);
    expect(dry.changed).toEqual([{ eventId: 'e1', from: 'allow', to: 'block' }]);
    expect(dry.changedCount).toBe(1);
  });

  it('hands back the problems of rules_invalid with their paths, and other errors as they are', async () => {
    const { client } = recordingClient([
      apiErrorResponse(400, 'rules_invalid', {
        errors: [
          { path: 'rules[0].when.op', message: 'unknown operator "=>"' },
          { path: '', message: 'expected an object' },
        ],
      }),
      apiErrorResponse(409, 'rules_version_stale'),
    ]);
    const invalid = await dryRunRiskRules(client, RULE_SET).catch((error: unknown) => error);
    expect(ruleIssuesOf(invalid)?.map(formatRuleIssue)).toEqual([
      'rules[0].when.op: unknown operator "=>"',
      '(root): expected an object',
    ]);
    const stale = await putRiskRules(client, RULE_SET, '').catch((error: unknown) => error);
    expect(stale).toBeInstanceOf(ApiError);
    expect(ruleIssuesOf(stale)).toBeNull();
    expect(ruleIssuesOf(new Error('x'))).toBeNull();
  });

  it('reads a rules_invalid answer without an error list as one problem', () => {
    expect(ruleIssuesOf(new ApiError('rules_invalid', 'bad rules', 400))).toEqual([{ path: '', message: 'bad rules' }]);
  });
});

describe('ruleSetTextToJson', () => {
  it('accepts an object with a positive whole version', () => {
    expect(ruleSetTextToJson(JSON.stringify(RULE_SET))).toEqual({ ok: true, value: RULE_SET });
  });

  it.each([
    ['{', ''],
    ['[1]', ''],
    ['null', ''],
    ['{"rules": []}', 'version'],
    ['{"version": 0}', 'version'],
    ['{"version": 1.5}', 'version'],
    ['{"version": "2"}', 'version'],
    [`{"version": 1, "x": "${'a'.repeat(RULE_SET_TEXT_CHARS_MAX)}"}`, ''],
  ])('refuses %s at path "%s"', (text, path) => {
    const result = ruleSetTextToJson(text.slice(0, RULE_SET_TEXT_CHARS_MAX + 100));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]?.path).toBe(path);
  });

  it('shows a draft as indented JSON with the next version', () => {
    const text = ruleSetToText(RULE_SET, 4);
    expect(JSON.parse(text)).toEqual({ ...RULE_SET, version: 4 });
    expect(text).toContain('\n  "rules": [');
    expect(JSON.parse(ruleSetToText(RULE_SET))).toEqual(RULE_SET);
  });
});

describe('queues', () => {
  const review = {
    txId: 'ab'.repeat(16),
    kind: 'p2p',
    status: 'final',
    amount: { amount: '160.00', currency: 'CNY' },
    refunded: { amount: '0.00', currency: 'CNY' },
    direction: 'out',
    counterparty: { kind: 'user', name: 'Bob' },
    merchantId: null,
    refundOf: null,
    memo: '',
    code: 'ok',
    createdAtMs: 7,
    ledger: null,
    receipt: null,
    risk: { decision: 'review', score: 0.42, reasons: ['big'], ruleSetVersion: 4 },
    payerPhone: '+8613800000001',
  };

  it('pages the review queue with limit and cursor', async () => {
    const { calls, client } = recordingClient([
      jsonResponse(200, { items: [review], next: 'c1' }),
      jsonResponse(200, { items: [], next: null }),
    ]);
    const first = await getRiskReviews(client);
    expect(first.next).toBe('c1');
    expect(first.items[0]?.risk).toEqual({ decision: 'review', score: 0.42, reasons: ['big'], ruleSetVersion: 4 });
    expect(first.items[0]?.amount.amount).toBe('160.00');
    expect(first.items[0]?.payerPhone).toBe('+8613800000001');
    await getRiskReviews(client, { before: 'c1', limit: 5 });
    expect(calls.map((c) => c.url)).toEqual([
      '/v1/ops/risk/reviews?limit=20',
      '/v1/ops/risk/reviews?limit=5&before=c1',
    ]);
  });

  it('refuses a review without its risk decision', async () => {
    const { client } = recordingClient([jsonResponse(200, { items: [{ ...review, risk: null }], next: null })]);
    await expect(getRiskReviews(client)).rejects.toThrow('items[0].risk: expected an object');
  });

  it('reads refusals, amounts as strings', async () => {
    const refusal = {
      id: 'r1',
      userPhone: '+8613800000001',
      kind: 'p2p',
      decision: 'block',
      amount: '666.00',
      currency: 'CNY',
      merchantId: null,
      score: 0.1,
      reasons: ['devil'],
      ruleSetVersion: 4,
      createdAtMs: 8,
    };
    const { client } = recordingClient([
      jsonResponse(200, { items: [refusal], next: null }),
      jsonResponse(200, { items: [{ ...refusal, decision: 'review' }], next: null }),
    ]);
    expect((await getRiskRefusals(client)).items).toEqual([refusal]);
    await expect(getRiskRefusals(client)).rejects.toThrow('items[0].decision: expected block | step_up');
  });
});
