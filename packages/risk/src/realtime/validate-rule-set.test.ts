// Goal: every malformed rule set from the API is refused with the path of each problem; good ones pass intact.
// Method: a table of invalid inputs with their exact issues (in document order), and round trips of valid ones.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SET } from './default-rule-set.ts';
import { FEATURE_NAMES } from './feature-vector.ts';
import { COMPARISON_OPS, type Condition, RULE_ACTIONS } from './rule-set.ts';
import { validateRuleSet } from './validate-rule-set.ts';
import { formatValidationIssue, VALIDATION_ISSUES_MAX } from './validation-issue.ts';

const thresholds = { review: 0.5, block: 0.9 };
const rule = (when: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'r1',
  description: '',
  when,
  action: 'review',
  reason: 'because',
  ...extra,
});
const ruleSet = (rules: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  version: 2,
  scoreThresholds: thresholds,
  rules,
  ...extra,
});
const gt = { feature: 'amount', op: '>', value: 1 };
let deep: unknown = gt;
for (let i = 0; i < 8; i++) deep = { not: deep };

function issuesOf(json: unknown): string[] {
  const result = validateRuleSet(json);
  return result.ok ? [] : result.issues.map(formatValidationIssue);
}

describe('validateRuleSet', () => {
  it.each([
    { label: 'not an object', json: [], issues: ['(root): expected an object, got an array'] },
    { label: 'null', json: null, issues: ['(root): expected an object, got null'] },
    {
      label: 'missing everything',
      json: {},
      issues: [
        'version: required',
        'scoreThresholds: required (use {"review": null, "block": null} for rules only)',
        'rules: required',
      ],
    },
    { label: 'unknown root key', json: ruleSet([], { versoin: 3 }), issues: ['versoin: unknown key'] },
    {
      label: 'fractional version',
      json: ruleSet([], { version: 1.5 }),
      issues: ['version: expected a positive integer, got 1.5'],
    },
    { label: 'version 0', json: ruleSet([], { version: 0 }), issues: ['version: expected a positive integer, got 0'] },
    {
      label: 'threshold above 1',
      json: ruleSet([], { scoreThresholds: { review: 0.5, block: 1.2 } }),
      issues: ['scoreThresholds.block: expected a number from 0 to 1 or null, got 1.2'],
    },
    {
      label: 'review above block',
      json: ruleSet([], { scoreThresholds: { review: 0.95, block: 0.9 } }),
      issues: ['scoreThresholds.review: must not exceed block (0.95 > 0.9)'],
    },
    {
      label: 'rules not an array',
      json: ruleSet([], { rules: {} }),
      issues: ['rules: expected an array, got an object'],
    },
    {
      label: 'operator typo',
      json: ruleSet([
        rule(gt, { id: 'a' }),
        rule(gt, { id: 'b' }),
        rule({ all: [{ feature: 'amount', op: '=>', value: 1 }] }),
      ]),
      issues: ['rules[2].when.all[0].op: unknown operator "=>"'],
    },
    {
      label: 'set operator on a feature',
      json: ruleSet([rule({ feature: 'amount', op: 'in', value: 1 })]),
      issues: ['rules[0].when.op: unknown operator "in" (in and not_in test a field, not a feature)'],
    },
    {
      label: 'unknown feature',
      json: ruleSet([rule({ feature: 'amount_zz', op: '>', value: 3 })]),
      issues: ['rules[0].when.feature: unknown feature "amount_zz"'],
    },
    {
      label: 'value not a number',
      json: ruleSet([rule({ feature: 'amount', op: '>', value: '100' })]),
      issues: ['rules[0].when.value: expected a finite number, got "100"'],
    },
    {
      label: 'comparison missing op and value',
      json: ruleSet([rule({ feature: 'amount' })]),
      issues: ['rules[0].when.op: required', 'rules[0].when.value: required'],
    },
    {
      label: 'two kinds in one condition',
      json: ruleSet([rule({ all: [gt], any: [gt] })]),
      issues: ['rules[0].when: has both all and any: one kind of condition per object'],
    },
    {
      label: 'no kind',
      json: ruleSet([rule({ op: '>', value: 1 })]),
      issues: ['rules[0].when: expected one of the keys all, any, not, feature, field'],
    },
    { label: 'empty all', json: ruleSet([rule({ all: [] })]), issues: ['rules[0].when.all: must not be empty'] },
    {
      label: 'extra key in a condition',
      json: ruleSet([rule({ ...gt, threshold: 2 })]),
      issues: ['rules[0].when.threshold: unknown key'],
    },
    {
      label: 'unknown field and a channel typo',
      json: ruleSet([
        rule({
          any: [
            { field: 'country', op: 'in', values: ['CN'] },
            { field: 'channel', op: 'in', values: ['qr', 'qrr'] },
          ],
        }),
      ]),
      issues: [
        'rules[0].when.any[0].field: unknown field "country" (expected mcc, channel, ipRegion, currency)',
        'rules[0].when.any[1].values[1]: unknown channel "qrr" (expected qr, pay_code, transfer, topup, withdrawal, online, payout)',
      ],
    },
    {
      label: 'bad MCC and currency',
      json: ruleSet([
        rule({
          all: [
            { field: 'mcc', op: 'in', values: ['799'] },
            { field: 'currency', op: 'not_in', values: ['XXX'] },
          ],
        }),
      ]),
      issues: [
        'rules[0].when.all[0].values[0]: expected a 4-digit MCC, got "799"',
        'rules[0].when.all[1].values[0]: unknown currency "XXX"',
      ],
    },
    {
      label: 'field test with a comparison operator and no values',
      json: ruleSet([rule({ field: 'mcc', op: '>' })]),
      issues: ['rules[0].when.op: unknown operator ">" (expected in, not_in)', 'rules[0].when.values: required'],
    },
    {
      label: 'too deep',
      json: ruleSet([rule(deep)]),
      issues: [`rules[0].when${'.not'.repeat(8)}: conditions nest at most 8 deep`],
    },
    {
      label: 'bad rule fields',
      json: ruleSet([{ id: 'Has Space', when: gt, action: 'deny', reason: ' ' }]),
      issues: [
        'rules[0].id: expected 1–64 of a-z 0-9 _ . - (starting with a-z or 0-9), got "Has Space"',
        'rules[0].description: required',
        'rules[0].action: unknown action "deny" (expected review, step_up, block)',
        'rules[0].reason: must not be empty',
      ],
    },
    {
      label: 'duplicate id',
      json: ruleSet([rule(gt, { id: 'x' }), rule(gt, { id: 'y' }), rule(gt, { id: 'x' })]),
      issues: ['rules[2].id: duplicate id "x" (also rules[0])'],
    },
    { label: 'a rule that is not an object', json: ruleSet(['r']), issues: ['rules[0]: expected an object, got "r"'] },
  ])('refuses $label', ({ json, issues }) => {
    expect(issuesOf(json)).toEqual(issues);
  });

  it('refuses more than 64 conditions in one rule', () => {
    const wide = { any: Array.from({ length: 70 }, () => gt) };
    expect(issuesOf(ruleSet([rule(wide)]))).toEqual(['rules[0].when.any[63]: a rule has at most 64 conditions']);
  });

  it('stops at VALIDATION_ISSUES_MAX issues', () => {
    const bad = Array.from({ length: 100 }, (_, i) => rule({ feature: 'nope', op: '>', value: 1 }, { id: `r${i}` }));
    expect(issuesOf(ruleSet(bad))).toHaveLength(VALIDATION_ISSUES_MAX);
  });

  it('accepts the default rule set, and null thresholds, unchanged through JSON', () => {
    const json: unknown = JSON.parse(JSON.stringify(DEFAULT_RULE_SET));
    expect(validateRuleSet(json)).toEqual({ ok: true, value: DEFAULT_RULE_SET });
    const rulesOnly = { ...DEFAULT_RULE_SET, scoreThresholds: { review: null, block: null } };
    expect(validateRuleSet(rulesOnly)).toEqual({ ok: true, value: rulesOnly });
  });

  it('accepts any well-formed condition tree (property)', () => {
    const leaf = fc.oneof(
      fc.record({
        feature: fc.constantFrom('model_score', ...FEATURE_NAMES),
        op: fc.constantFrom(...COMPARISON_OPS),
        // JSON turns -0 into 0: compare after the same trip.
        value: fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x)),
      }),
      fc.record({
        field: fc.constant('ipRegion' as const),
        op: fc.constantFrom('in' as const, 'not_in' as const),
        values: fc.array(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }),
      }),
    );
    const { tree } = fc.letrec<{ tree: Condition }>((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.record({ all: fc.array(tie('tree'), { minLength: 1, maxLength: 3 }) }),
        fc.record({ any: fc.array(tie('tree'), { minLength: 1, maxLength: 3 }) }),
        fc.record({ not: tie('tree') }),
      ),
    }));
    const countNodes = (c: Condition, depth: number): { nodes: number; depth: number } => {
      const children = 'all' in c ? c.all : 'any' in c ? c.any : 'not' in c ? [c.not] : [];
      return children.reduce(
        (acc, child) => {
          const sub = countNodes(child, depth + 1);
          return { nodes: acc.nodes + sub.nodes, depth: Math.max(acc.depth, sub.depth) };
        },
        { nodes: 1, depth },
      );
    };
    fc.assert(
      fc.property(tree, fc.constantFrom(...RULE_ACTIONS), (when, action) => {
        const size = countNodes(when, 1);
        fc.pre(size.nodes <= 64 && size.depth <= 8);
        const json = {
          version: 1,
          scoreThresholds: thresholds,
          rules: [{ id: 'p', description: '', when, action, reason: 'r' }],
        };
        expect(validateRuleSet(JSON.parse(JSON.stringify(json)))).toEqual({ ok: true, value: json });
      }),
    );
  });
});
