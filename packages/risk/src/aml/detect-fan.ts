/**
 * fan_out: one account pays at least `fanCountMin` distinct people within `fanMs`, amounts alike
 * (largest / smallest ≤ `fanOutSpreadMax`). fan_in: at least `fanCountMin` distinct people pay one
 * account within `fanMs`. Only person-to-person transfers of at least `fanAmountMin` between
 * person accounts count, so a merchant's many payers, red envelopes (small) and rent (few
 * tenants) stay out. Each account's list is scanned once with a sliding window of at most
 * `windowTransfersMax` transfers.
 */
import { clampScore, formatDuration, formatMoney, formatPercent, sumAmounts, transfersSpanMs } from './aml-alert.ts';
import { CountMap, type DetectorContext } from './detector-context.ts';

type FanDirection = 'out' | 'in';

export function detectFanOut(ctx: DetectorContext): void {
  detectFan(ctx, 'out');
}

export function detectFanIn(ctx: DetectorContext): void {
  detectFan(ctx, 'in');
}

function detectFan(ctx: DetectorContext, direction: FanDirection): void {
  const { graph, config } = ctx;
  const start = direction === 'out' ? graph.outStart : graph.inStart;
  const list = direction === 'out' ? graph.outTransfers : graph.inTransfers;
  const far = direction === 'out' ? graph.target : graph.source;
  const windowMs = config.windows.fanMs;
  const windowMax = config.limits.windowTransfersMax;
  const countMin = config.fanCountMin;
  const counts = new CountMap(graph.accountCount);
  const edges: number[] = [];
  const window: number[] = [];
  for (let account = 0; account < graph.accountCount; account++) {
    if (!ctx.isPersonAccount(account)) continue;
    edges.length = 0;
    for (let k = start[account] ?? 0, end = start[account + 1] ?? 0; k < end; k++) {
      const t = list[k] ?? 0;
      if ((graph.amountMinor[t] ?? 0) < config.fanAmountMin || !ctx.isFreePersonal(t)) continue;
      if (ctx.isPersonAccount(far[t] ?? 0)) edges.push(t);
    }
    if (edges.length < countMin) continue;
    ctx.seeds += 1;
    let i = 0;
    while (i <= edges.length - countMin) {
      const first = edges[i] ?? 0;
      if (ctx.isUsed(first)) {
        i += 1;
        continue;
      }
      const firstMs = graph.timeMs[first] ?? 0;
      window.length = 0;
      for (let j = i; j < edges.length; j++) {
        const t = edges[j] ?? 0;
        if ((graph.timeMs[t] ?? 0) - firstMs > windowMs) break;
        if (ctx.isUsed(t)) continue;
        if (window.length === windowMax) {
          ctx.boundHits += 1;
          break;
        }
        window.push(t);
      }
      if (distinctFar(window, far, counts) < countMin) {
        i += 1;
        continue;
      }
      const group = direction === 'out' ? similarAmounts(ctx, window, far, counts) : window.slice();
      const groupDistinct = distinctFar(group, far, counts);
      if (groupDistinct < countMin) {
        i += 1;
        continue;
      }
      // Re-anchor at the group's first transfer, so the window can take in the group's later transfers.
      let groupFirstMs = Number.POSITIVE_INFINITY;
      for (const t of group) groupFirstMs = Math.min(groupFirstMs, graph.timeMs[t] ?? 0);
      if (groupFirstMs > firstMs) {
        while ((graph.timeMs[edges[i] ?? 0] ?? 0) < groupFirstMs) i += 1;
        continue;
      }
      group.sort((a, b) => a - b);
      if (!ctx.emit(fanCandidate(ctx, direction, account, group, groupDistinct))) return;
      i += 1;
    }
  }
}

function distinctFar(transfers: readonly number[], far: Int32Array, counts: CountMap): number {
  counts.reset();
  for (const t of transfers) counts.increment(far[t] ?? 0);
  const distinct = counts.distinct;
  counts.reset();
  return distinct;
}

/** The run of `window` by amount whose largest / smallest ≤ `fanOutSpreadMax` that reaches the most accounts. */
function similarAmounts(ctx: DetectorContext, window: readonly number[], far: Int32Array, counts: CountMap): number[] {
  const amount = ctx.graph.amountMinor;
  const sorted = window.slice().sort((a, b) => (amount[a] ?? 0) - (amount[b] ?? 0) || a - b);
  let bestLo = 0;
  let bestHi = 0;
  let bestDistinct = 0;
  let hi = 0;
  counts.reset();
  for (let lo = 0; lo < sorted.length; lo++) {
    const limit = (amount[sorted[lo] ?? 0] ?? 0) * ctx.config.fanOutSpreadMax;
    while (hi < sorted.length && (amount[sorted[hi] ?? 0] ?? 0) <= limit) {
      counts.increment(far[sorted[hi] ?? 0] ?? 0);
      hi += 1;
    }
    if (counts.distinct > bestDistinct) {
      bestDistinct = counts.distinct;
      bestLo = lo;
      bestHi = hi;
    }
    counts.decrement(far[sorted[lo] ?? 0] ?? 0);
  }
  counts.reset();
  return sorted.slice(bestLo, bestHi);
}

function fanCandidate(
  ctx: DetectorContext,
  direction: FanDirection,
  account: number,
  group: readonly number[],
  distinct: number,
): { accounts: number[]; transfers: number[]; score: number; explanation: string } {
  const { graph, config } = ctx;
  const far = direction === 'out' ? graph.target : graph.source;
  const accounts = [account, ...group.map((t) => far[t] ?? 0)];
  const total = formatMoney(sumAmounts(graph, group), graph.currency);
  const span = formatDuration(transfersSpanMs(graph, group));
  const name = graph.accountIds[account] ?? '';
  const breadth = Math.min(1, (distinct - config.fanCountMin + 1) / 6);
  if (direction === 'in') {
    return {
      accounts,
      transfers: [...group],
      score: clampScore(0.5 + 0.5 * breadth),
      explanation: `Account ${name} received ${group.length} transfers totalling ${total} from ${distinct} accounts within ${span}`,
    };
  }
  let low = Number.POSITIVE_INFINITY;
  let high = 0;
  for (const t of group) {
    low = Math.min(low, graph.amountMinor[t] ?? 0);
    high = Math.max(high, graph.amountMinor[t] ?? 0);
  }
  const spread = high === 0 ? 0 : (high - low) / high;
  return {
    accounts,
    transfers: [...group],
    score: clampScore(0.45 + 0.35 * breadth + 0.2 * (1 - spread)),
    explanation: `Account ${name} sent ${group.length} transfers totalling ${total} to ${distinct} accounts within ${span}; amounts within ${formatPercent(spread)} of each other`,
  };
}
