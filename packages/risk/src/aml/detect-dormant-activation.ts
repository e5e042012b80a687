/**
 * dormant_activation: an account with no move at all for at least `dormantIdleMs` (its last move
 * before the spell is in the data, so the start of the data is not mistaken for dormancy) then
 * makes or receives at least `dormantCountMin` transfers totalling more than `dormantTotalMin`
 * within `dormantActivityMs`. Any move ends the idle spell; merchant payments do not count
 * towards the activity (shopping is what a returning customer does).
 */
import { clampScore, formatDuration, formatMoney, sumAmounts, transfersSpanMs } from './aml-alert.ts';
import type { DetectorContext } from './detector-context.ts';
import { CHANNEL_CODE, TRANSFER_FLAG_MERCHANT } from './transfer-graph.ts';

const DAY_MS = 86_400_000;

export function detectDormantActivation(ctx: DetectorContext): void {
  const { graph, config } = ctx;
  const moves: number[] = [];
  for (let account = 0; account < graph.accountCount; account++) {
    if (!ctx.isPersonAccount(account)) continue;
    mergeMoves(ctx, account, moves);
    if (moves.length <= config.dormantCountMin) continue;
    ctx.seeds += 1;
    for (let i = 1; i < moves.length; i++) {
      const previousMs = graph.timeMs[moves[i - 1] ?? 0] ?? 0;
      const wakeMs = graph.timeMs[moves[i] ?? 0] ?? 0;
      if (wakeMs - previousMs < config.windows.dormantIdleMs) continue;
      const active: number[] = [];
      for (let j = i; j < moves.length; j++) {
        const t = moves[j] ?? 0;
        if ((graph.timeMs[t] ?? 0) - wakeMs > config.windows.dormantActivityMs) break;
        if (active.length === config.limits.windowTransfersMax) {
          ctx.boundHits += 1;
          break;
        }
        if (
          ((graph.transferFlags[t] ?? 0) & TRANSFER_FLAG_MERCHANT) !== 0 ||
          graph.channel[t] === CHANNEL_CODE.payout
        ) {
          continue;
        }
        active.push(t);
      }
      const total = sumAmounts(graph, active);
      if (active.length < config.dormantCountMin || total <= config.dormantTotalMin) continue;
      const idleDays = Math.floor((wakeMs - previousMs) / DAY_MS);
      const name = graph.accountIds[account] ?? '';
      const candidate = {
        accounts: [
          account,
          ...active.map((t) => (graph.source[t] === account ? graph.target[t] : graph.source[t]) ?? 0),
        ],
        transfers: active,
        // Longer sleep and more money on waking: the stronger the sign of a bought or borrowed account.
        score: clampScore(
          0.4 +
            0.3 * Math.min(1, (wakeMs - previousMs) / config.windows.dormantIdleMs - 1) +
            0.3 * Math.min(1, total / config.dormantTotalMin - 1),
        ),
        explanation:
          `Account ${name} was idle for ${idleDays} days (last move ${new Date(previousMs).toISOString().slice(0, 10)}) ` +
          `and then moved ${formatMoney(total, graph.currency)} in ${active.length} transfers within ` +
          `${formatDuration(transfersSpanMs(graph, active))}`,
      };
      if (!ctx.emit(candidate)) return;
    }
  }
}

/** All moves of `account` (in and out, every channel) in (time, index) order, into `moves`. */
function mergeMoves(ctx: DetectorContext, account: number, moves: number[]): void {
  const graph = ctx.graph;
  moves.length = 0;
  let p = graph.outStart[account] ?? 0;
  const pEnd = graph.outStart[account + 1] ?? 0;
  let q = graph.inStart[account] ?? 0;
  const qEnd = graph.inStart[account + 1] ?? 0;
  while (p < pEnd || q < qEnd) {
    const out = p < pEnd ? (graph.outTransfers[p] ?? 0) : Number.POSITIVE_INFINITY;
    const into = q < qEnd ? (graph.inTransfers[q] ?? 0) : Number.POSITIVE_INFINITY;
    // Transfer indexes follow (time, id) order, so the smaller index is the earlier move.
    if (out <= into) {
      moves.push(out);
      p += 1;
      if (out === into) q += 1;
    } else {
      moves.push(into);
      q += 1;
    }
  }
}
