/**
 * smurfing: at least `smurfCountMin` distinct people each top up their wallet and, at most
 * `smurfTopupMs` later, send the collector a small sum (`smurfAmountMin`..`smurfAmountMax`), all
 * within `smurfingMs`. The top-up just before the transfer is what tells cash being placed apart
 * from friends chipping in; the alert names the top-ups too, as evidence of the placement.
 */
import { clampScore, formatDuration, formatMoney, sumAmounts, transfersSpanMs } from './aml-alert.ts';
import { CountMap, type DetectorContext } from './detector-context.ts';
import { CHANNEL_CODE, lowerBoundTime } from './transfer-graph.ts';

/** A top-up "placed" the cash of a transfer when it is at least this share of it. */
const SMURF_TOPUP_COVER_MIN = 0.9;

export function detectSmurfing(ctx: DetectorContext): void {
  const { graph, config } = ctx;
  const windowMs = config.windows.smurfingMs;
  const windowMax = config.limits.windowTransfersMax;
  const counts = new CountMap(graph.accountCount);
  const edges: number[] = [];
  const topups: number[] = [];
  for (let collector = 0; collector < graph.accountCount; collector++) {
    if (!ctx.isPersonAccount(collector)) continue;
    edges.length = 0;
    topups.length = 0;
    for (let k = graph.inStart[collector] ?? 0, end = graph.inStart[collector + 1] ?? 0; k < end; k++) {
      const t = graph.inTransfers[k] ?? 0;
      const amount = graph.amountMinor[t] ?? 0;
      if (amount < config.smurfAmountMin || amount > config.smurfAmountMax || !ctx.isFreePersonal(t)) continue;
      const topup = topupBefore(ctx, graph.source[t] ?? 0, graph.timeMs[t] ?? 0, amount);
      if (topup < 0) continue;
      edges.push(t);
      topups.push(topup);
    }
    if (edges.length < config.smurfCountMin) continue;
    ctx.seeds += 1;
    let i = 0;
    while (i <= edges.length - config.smurfCountMin) {
      const firstMs = graph.timeMs[edges[i] ?? 0] ?? 0;
      let j = i;
      counts.reset();
      while (j < edges.length && (graph.timeMs[edges[j] ?? 0] ?? 0) - firstMs <= windowMs) {
        if (j - i === windowMax) {
          ctx.boundHits += 1;
          break;
        }
        counts.increment(graph.source[edges[j] ?? 0] ?? 0);
        j += 1;
      }
      const smurfs = counts.distinct;
      counts.reset();
      if (smurfs < config.smurfCountMin) {
        i += 1;
        continue;
      }
      const group = edges.slice(i, j);
      const placed = [...new Set(topups.slice(i, j))];
      const name = graph.accountIds[collector] ?? '';
      const candidate = {
        accounts: [collector, ...group.map((t) => graph.source[t] ?? 0)],
        transfers: [...group, ...placed],
        score: clampScore(0.5 + 0.5 * Math.min(1, (smurfs - config.smurfCountMin + 1) / 8)),
        explanation:
          `Account ${name} received ${group.length} transfers totalling ${formatMoney(sumAmounts(graph, group), graph.currency)} ` +
          `from ${smurfs} accounts within ${formatDuration(transfersSpanMs(graph, group))}, ` +
          `each sent within ${formatDuration(config.windows.smurfTopupMs)} after the sender topped up`,
      };
      if (!ctx.emit(candidate)) return;
      i = j;
    }
  }
}

/**
 * The top-up into `account` in [timeMs - smurfTopupMs, timeMs) that placed the cash sent: the
 * latest one covering `SMURF_TOPUP_COVER_MIN` of the amount sent, else the latest one; -1 if none.
 * Looks back at most `pathFanOutMax` transfers.
 */
function topupBefore(ctx: DetectorContext, account: number, timeMs: number, sent: number): number {
  const graph = ctx.graph;
  const from = graph.inStart[account] ?? 0;
  const to = graph.inStart[account + 1] ?? 0;
  const end = lowerBoundTime(graph, graph.inTransfers, from, to, timeMs);
  const stop = Math.max(from, end - ctx.config.limits.pathFanOutMax);
  let latest = -1;
  for (let k = end - 1; k >= stop; k--) {
    const t = graph.inTransfers[k] ?? 0;
    if ((graph.timeMs[t] ?? 0) < timeMs - ctx.config.windows.smurfTopupMs) return latest;
    if (graph.channel[t] !== CHANNEL_CODE.topup || ctx.isUsed(t)) continue;
    if ((graph.amountMinor[t] ?? 0) >= sent * SMURF_TOPUP_COVER_MIN) return t;
    if (latest < 0) latest = t;
  }
  if (stop > from) ctx.boundHits += 1;
  return latest;
}
