import { assert } from '@paychain/core';

export interface ScoreEvaluation {
  readonly rows: number;
  readonly positives: number;
  /** Probability that a random positive outscores a random negative (ties count half); null without both classes. */
  readonly auc: number | null;
  /** The share of payments sent to review: the top `reviewRate` of scores. */
  readonly reviewRate: number;
  readonly reviewed: number;
  readonly precisionAtReviewRate: number;
  readonly recallAtReviewRate: number;
  /** With `groups` (e.g. each positive's pattern): each group's positives and their recall at the review rate. */
  readonly recallByGroup: Readonly<Record<string, { readonly positives: number; readonly recall: number }>>;
}

export interface EvaluateScoresOptions {
  /** Default 1 %. */
  readonly reviewRate?: number;
  /** A group name per row (used for positives only), to split recall by pattern. */
  readonly groups?: ArrayLike<string | null>;
}

/**
 * AUC by ranks (Mann–Whitney U, tied scores get their average rank) and precision and recall when
 * the top `reviewRate` of payments (1 % by default) go to review. Scores tied across the review
 * cut count by expectation: a rules-only baseline has few distinct scores, and breaking its ties
 * by input order would credit it with whatever order the data came in.
 */
export function evaluateScores(
  scores: ArrayLike<number>,
  labels: ArrayLike<boolean>,
  options: EvaluateScoresOptions = {},
): ScoreEvaluation {
  const n = scores.length;
  const reviewRate = options.reviewRate ?? 0.01;
  const groups = options.groups;
  assert(labels.length === n, `one label per score: ${labels.length} ≠ ${n}`);
  assert(groups === undefined || groups.length === n, 'one group per score');
  const byGroup = new Map<string, { positives: number; found: number }>();
  const groupOf = (i: number): { positives: number; found: number } | null => {
    const name = groups?.[i] ?? null;
    if (name === null) return null;
    let entry = byGroup.get(name);
    if (entry === undefined) {
      entry = { positives: 0, found: 0 };
      byGroup.set(name, entry);
    }
    return entry;
  };
  assert(reviewRate > 0 && reviewRate <= 1, `reviewRate in (0, 1]: ${reviewRate}`);
  const order = new Uint32Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    assert(Number.isFinite(scores[i]), `score ${i} is finite`);
    if (labels[i] === true) {
      positives += 1;
      const group = groupOf(i);
      if (group !== null) group.positives += 1;
    }
  }
  const score = (i: number): number => scores[i] ?? 0;
  // Descending; the index as tie-break only makes the sort deterministic, ties are grouped below.
  order.sort((a, b) => score(b) - score(a) || a - b);

  const reviewed = Math.max(1, Math.round(n * reviewRate));
  let rankSumPositives = 0; // ranks ascending: the lowest score has rank 1
  let positivesAboveCut = 0;
  let start = 0;
  while (start < n) {
    let end = start + 1;
    const groupScore = score(order[start] ?? 0);
    while (end < n && score(order[end] ?? 0) === groupScore) end += 1;
    let groupPositives = 0;
    for (let k = start; k < end; k++) if (labels[order[k] ?? 0] === true) groupPositives += 1;
    // Descending positions start..end-1 are ascending ranks n-end+1 .. n-start; their mean for each.
    const averageRank = (2 * n - start - end + 1) / 2;
    rankSumPositives += groupPositives * averageRank;
    if (start < reviewed) {
      const taken = Math.min(end, reviewed) - start;
      const share = taken / (end - start);
      positivesAboveCut += groupPositives * share;
      if (groups !== undefined) {
        for (let k = start; k < end; k++) {
          const row = order[k] ?? 0;
          const group = labels[row] === true ? groupOf(row) : null;
          if (group !== null) group.found += share;
        }
      }
    }
    start = end;
  }
  const negatives = n - positives;
  const auc =
    positives === 0 || negatives === 0
      ? null
      : (rankSumPositives - (positives * (positives + 1)) / 2) / (positives * negatives);
  return {
    rows: n,
    positives,
    auc,
    reviewRate,
    reviewed: n === 0 ? 0 : reviewed,
    precisionAtReviewRate: n === 0 ? 0 : positivesAboveCut / reviewed,
    recallAtReviewRate: positives === 0 ? 0 : positivesAboveCut / positives,
    recallByGroup: Object.fromEntries(
      [...byGroup].map(([name, { positives: count, found }]) => [name, { positives: count, recall: found / count }]),
    ),
  };
}
