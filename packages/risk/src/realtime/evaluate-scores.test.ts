// Goal: AUC and precision/recall at a review rate are right, ties included.
// Method: small hand-worked tables, then fast-check against the pairwise definition of AUC.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateScores } from './evaluate-scores.ts';

describe('evaluateScores', () => {
  it.each([
    { label: 'perfect', scores: [0.9, 0.8, 0.2, 0.1], labels: [true, true, false, false], auc: 1 },
    { label: 'reversed', scores: [0.1, 0.2, 0.8, 0.9], labels: [true, true, false, false], auc: 0 },
    { label: 'all tied', scores: [0.5, 0.5, 0.5, 0.5], labels: [true, false, true, false], auc: 0.5 },
    // Pairs (p, n): (0.8, 0.8) tie ½, (0.8, 0.3) 1, (0.4, 0.8) 0, (0.4, 0.3) 1 → 2.5 / 4.
    { label: 'a tie across classes', scores: [0.8, 0.4, 0.8, 0.3], labels: [true, true, false, false], auc: 0.625 },
    { label: 'one class only', scores: [0.1, 0.2], labels: [false, false], auc: null },
  ])('AUC of $label is $auc', ({ scores, labels, auc }) => {
    expect(evaluateScores(scores, labels).auc).toBe(auc);
  });

  it('takes precision and recall over the top review rate', () => {
    // 200 rows, 1 % → the top 2: one positive of the 4 there are.
    const scores = Array.from({ length: 200 }, (_, i) => 200 - i);
    const labels = scores.map((_, i) => i === 1 || i === 50 || i === 60 || i === 70);
    expect(evaluateScores(scores, labels)).toEqual({
      rows: 200,
      positives: 4,
      auc: expect.any(Number),
      reviewRate: 0.01,
      reviewed: 2,
      precisionAtReviewRate: 0.5,
      recallAtReviewRate: 0.25,
      recallByGroup: {},
    });
  });

  it('splits recall by group', () => {
    // Top 2 of 200 are rows 0 and 1 (a and b); the other a and b rows fall below the cut.
    const scores = Array.from({ length: 200 }, (_, i) => 200 - i);
    const groups = scores.map((_, i) => (i === 0 || i === 10 ? 'a' : i === 1 || i === 11 || i === 12 ? 'b' : null));
    const labels = groups.map((g) => g !== null);
    expect(evaluateScores(scores, labels, { groups }).recallByGroup).toEqual({
      a: { positives: 2, recall: 0.5 },
      b: { positives: 3, recall: 1 / 3 },
    });
  });

  it('counts a tie across the review cut by expectation', () => {
    // Top 2 of 200: one clear positive, then 4 rows tied (1 positive) for the one remaining place.
    const scores = [10, 5, 5, 5, 5, ...Array<number>(195).fill(0)];
    const labels = scores.map((_, i) => i === 0 || i === 4);
    const result = evaluateScores(scores, labels);
    expect(result.precisionAtReviewRate).toBeCloseTo((1 + 1 / 4) / 2, 12);
    expect(result.recallAtReviewRate).toBeCloseTo((1 + 1 / 4) / 2, 12);
  });

  it('matches the pairwise definition of AUC (property)', () => {
    const row = fc.record({ score: fc.integer({ min: 0, max: 5 }), label: fc.boolean() });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 60 }), (rows) => {
        const pos = rows.filter((r) => r.label);
        const neg = rows.filter((r) => !r.label);
        let wins = 0;
        for (const p of pos) for (const n of neg) wins += p.score > n.score ? 1 : p.score === n.score ? 0.5 : 0;
        const expected = pos.length === 0 || neg.length === 0 ? null : wins / (pos.length * neg.length);
        const auc = evaluateScores(
          rows.map((r) => r.score),
          rows.map((r) => r.label),
        ).auc;
        if (expected === null) expect(auc).toBeNull();
        else expect(auc).toBeCloseTo(expected, 12);
      }),
    );
  });
});
