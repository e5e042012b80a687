/**
 * structuring: one account makes at least `structuringCountMin` transfers each from
 * `structuringShareMin` of the reporting threshold up to just below it, within `structuringMs`,
 * to one or several receivers. Merchant payments and merchants' payouts are left out (their
 * amounts follow prices and takings, not the threshold); top-ups and withdrawals count, since
 * splitting cash around the threshold is the classic form.
 */

import { clampScore, formatDuration, formatMoney, sumAmounts, transfersSpanMs } from './aml-alert.ts';
import type { DetectorContext } from './detector-context.ts';
import { CHANNEL_CODE, TRANSFER_FLAG_MERCHANT } from './transfer-graph.ts';

export function detectStructuring(ctx: DetectorContext): void {
  const { graph, config } = ctx;
  const low = Math.ceil(config.threshold * config.structuringShareMin);
  const high = config.threshold;
  const windowMs = config.windows.structuringMs;
  const windowMax = config.limits.windowTransfersMax;
  const edges: number[] = [];
  for (let account = 0; account < graph.accountCount; account++) {
    if (!ctx.isPersonAccount(account)) continue;
    edges.length = 0;
    for (let k = graph.outStart[account] ?? 0, end = graph.outStart[account + 1] ?? 0; k < end; k++) {
      const t = graph.outTransfers[k] ?? 0;
      const amount = graph.amountMinor[t] ?? 0;
      if (amount < low || amount >= high || ctx.isUsed(t)) continue;
      if (((graph.transferFlags[t] ?? 0) & TRANSFER_FLAG_MERCHANT) !== 0) continue;
      if (graph.channel[t] === CHANNEL_CODE.payout || graph.source[t] === graph.target[t]) continue;
      edges.push(t);
    }
    if (edges.length < config.structuringCountMin) continue;
    ctx.seeds += 1;
    let i = 0;
    while (i <= edges.length - config.structuringCountMin) {
      const firstMs = graph.timeMs[edges[i] ?? 0] ?? 0;
      let j = i;
      while (j < edges.length && (graph.timeMs[edges[j] ?? 0] ?? 0) - firstMs <= windowMs) {
        if (j - i === windowMax) {
          ctx.boundHits += 1;
          break;
        }
        j += 1;
      }
      if (j - i < config.structuringCountMin) {
        i += 1;
        continue;
      }
      const group = edges.slice(i, j);
      const receivers = new Set(group.map((t) => graph.target[t] ?? 0));
      let closeness = 0;
      for (const t of group) closeness += (graph.amountMinor[t] ?? 0) / high;
      closeness /= group.length;
      const name = graph.accountIds[account] ?? '';
      const many = Math.min(1, (group.length - config.structuringCountMin + 1) / 5);
      const candidate = {
        accounts: [account, ...group.map((t) => graph.target[t] ?? 0)],
        transfers: group,
        // Closer to the threshold and more often: the more deliberate the splitting looks.
        score: clampScore(
          0.4 + 0.3 * many + 0.3 * ((closeness - config.structuringShareMin) / (1 - config.structuringShareMin)),
        ),
        explanation:
          `Account ${name} made ${group.length} transfers totalling ${formatMoney(sumAmounts(graph, group), graph.currency)} ` +
          `to ${receivers.size} account${receivers.size === 1 ? '' : 's'} within ${formatDuration(transfersSpanMs(graph, group))}, ` +
          `each between ${formatMoney(low, graph.currency)} and just below the ${formatMoney(high, graph.currency)} reporting threshold`,
      };
      if (!ctx.emit(candidate)) return;
      i = j;
    }
  }
}
