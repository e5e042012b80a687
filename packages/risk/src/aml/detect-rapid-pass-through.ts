/**
 * rapid_pass_through: a mule receives at least `passThroughAmountMin` and, at most
 * `passThroughMs` later, sends `forwardShareMin`..`forwardShareMax` of it on (in one transfer, or
 * in a few whose sum lands in that range), at least `passThroughCountMin` times within
 * `passThroughPeriodMs`. One pass-through alone is ordinary (a parent's gift paid on for rent);
 * the repetition is the signal.
 */
import { clampScore, formatDuration, formatMoney, formatPercent, sumAmounts, transfersSpanMs } from './aml-alert.ts';
import type { DetectorContext } from './detector-context.ts';
import { lowerBoundTime } from './transfer-graph.ts';

interface PassThrough {
  readonly received: number;
  readonly sent: readonly number[];
  readonly delayMs: number;
}

export function detectRapidPassThrough(ctx: DetectorContext): void {
  const { graph, config } = ctx;
  const taken = new Set<number>();
  const events: PassThrough[] = [];
  for (let mule = 0; mule < graph.accountCount; mule++) {
    if (!ctx.isPersonAccount(mule)) continue;
    const outFrom = graph.outStart[mule] ?? 0;
    const outTo = graph.outStart[mule + 1] ?? 0;
    if (outTo === outFrom) continue;
    taken.clear();
    events.length = 0;
    for (let k = graph.inStart[mule] ?? 0, end = graph.inStart[mule + 1] ?? 0; k < end; k++) {
      const received = graph.inTransfers[k] ?? 0;
      const amount = graph.amountMinor[received] ?? 0;
      if (amount < config.passThroughAmountMin || !ctx.isFreePersonal(received)) continue;
      if (!ctx.isPersonAccount(graph.source[received] ?? 0)) continue;
      ctx.seeds += 1;
      const sent = passedOn(ctx, received, outFrom, outTo, taken);
      if (sent === null) continue;
      for (const t of sent) taken.add(t);
      const lastMs = graph.timeMs[sent[sent.length - 1] ?? 0] ?? 0;
      events.push({ received, sent, delayMs: lastMs - (graph.timeMs[received] ?? 0) });
    }
    if (events.length < config.passThroughCountMin) continue;
    let i = 0;
    while (i <= events.length - config.passThroughCountMin) {
      const startMs = graph.timeMs[events[i]?.received ?? 0] ?? 0;
      let j = i + 1;
      while (
        j < events.length &&
        (graph.timeMs[events[j]?.received ?? 0] ?? 0) - startMs <= config.windows.passThroughPeriodMs
      ) {
        j += 1;
      }
      if (j - i < config.passThroughCountMin) {
        i += 1;
        continue;
      }
      if (!ctx.emit(passThroughCandidate(ctx, mule, events.slice(i, j)))) return;
      i = j;
    }
  }
}

/**
 * The transfers that pass `received` on: the first single transfer in the share range within the
 * window, else the first few in time order whose running sum reaches the range without passing it.
 * At most `pathFanOutMax` out-transfers are looked at.
 */
function passedOn(
  ctx: DetectorContext,
  received: number,
  outFrom: number,
  outTo: number,
  taken: ReadonlySet<number>,
): number[] | null {
  const { graph, config } = ctx;
  const receivedMs = graph.timeMs[received] ?? 0;
  const amount = graph.amountMinor[received] ?? 0;
  const low = amount * config.forwardShareMin;
  const high = amount * config.forwardShareMax;
  const candidates: number[] = [];
  for (let k = lowerBoundTime(graph, graph.outTransfers, outFrom, outTo, receivedMs); k < outTo; k++) {
    const t = graph.outTransfers[k] ?? 0;
    const ms = graph.timeMs[t] ?? 0;
    if (ms - receivedMs > config.windows.passThroughMs) break;
    if (ms === receivedMs || taken.has(t) || !ctx.isFreePersonal(t)) continue;
    if (candidates.length === config.limits.pathFanOutMax) {
      ctx.boundHits += 1;
      break;
    }
    const out = graph.amountMinor[t] ?? 0;
    if (out >= low && out <= high) return [t];
    candidates.push(t);
  }
  let sum = 0;
  for (let n = 0; n < candidates.length; n++) {
    sum += graph.amountMinor[candidates[n] ?? 0] ?? 0;
    if (sum > high) return null;
    if (sum >= low) return candidates.slice(0, n + 1);
  }
  return null;
}

function passThroughCandidate(ctx: DetectorContext, mule: number, events: readonly PassThrough[]) {
  const graph = ctx.graph;
  const received = events.map((e) => e.received);
  const sent = events.flatMap((e) => e.sent);
  const inTotal = sumAmounts(graph, received);
  const outTotal = sumAmounts(graph, sent);
  const receivers = new Set(sent.map((t) => graph.target[t] ?? 0));
  let delayMax = 0;
  let delaySum = 0;
  for (const e of events) {
    delayMax = Math.max(delayMax, e.delayMs);
    delaySum += e.delayMs;
  }
  const speed = 1 - delaySum / events.length / ctx.config.windows.passThroughMs;
  const name = graph.accountIds[mule] ?? '';
  return {
    accounts: [mule, ...received.map((t) => graph.source[t] ?? 0), ...sent.map((t) => graph.target[t] ?? 0)],
    transfers: [...received, ...sent],
    score: clampScore(
      0.45 + 0.35 * Math.min(1, (events.length - ctx.config.passThroughCountMin + 1) / 4) + 0.2 * speed,
    ),
    explanation:
      `Account ${name} passed money straight on ${events.length} times within ${formatDuration(transfersSpanMs(graph, [...received, ...sent]))}: ` +
      `received ${formatMoney(inTotal, graph.currency)} and sent ${formatMoney(outTotal, graph.currency)} ` +
      `(${formatPercent(inTotal === 0 ? 0 : outTotal / inTotal)}) on to ${receivers.size} account${receivers.size === 1 ? '' : 's'}, ` +
      `each time within ${formatDuration(delayMax)}`,
  };
}
