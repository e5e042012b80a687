/**
 * scatter_gather: a source pays at least `layerCountMin` intermediates within `scatterMs`, and each
 * intermediate forwards `forwardShareMin`..`forwardShareMax` of what it got to one and the same
 * sink, strictly later and at most `gatherHopMs` after receiving. The alert holds both legs, so
 * the fan-out and fan-in inside it are not reported again as their own patterns.
 *
 * Per source, every two-hop path source → intermediate → sink is listed (at most `pathFanOutMax`
 * forwards followed per intermediate, `seedWorkMax` transfers examined per source), then grouped
 * by sink and time.
 */
import { clampScore, formatDuration, formatMoney, formatPercent, sumAmounts, transfersSpanMs } from './aml-alert.ts';
import { CountMap, type DetectorContext } from './detector-context.ts';
import { lowerBoundTime } from './transfer-graph.ts';

interface TwoHop {
  readonly sink: number;
  readonly middle: number;
  readonly first: number;
  readonly second: number;
}

export function detectScatterGather(ctx: DetectorContext): void {
  const { graph, config } = ctx;
  const counts = new CountMap(graph.accountCount);
  const paths: TwoHop[] = [];
  for (let source = 0; source < graph.accountCount; source++) {
    if (!ctx.isPersonAccount(source)) continue;
    const outFrom = graph.outStart[source] ?? 0;
    const outTo = graph.outStart[source + 1] ?? 0;
    if (outTo - outFrom < config.layerCountMin) continue;
    ctx.seeds += 1;
    paths.length = 0;
    let work = 0;
    for (let k = outFrom; k < outTo && work < config.limits.seedWorkMax; k++) {
      const first = graph.outTransfers[k] ?? 0;
      const amount = graph.amountMinor[first] ?? 0;
      if (amount < config.layerAmountMin || !ctx.isFreePersonal(first)) continue;
      const middle = graph.target[first] ?? 0;
      if (!ctx.isPersonAccount(middle)) continue;
      const firstMs = graph.timeMs[first] ?? 0;
      const from = graph.outStart[middle] ?? 0;
      const to = graph.outStart[middle + 1] ?? 0;
      let followed = 0;
      for (let m = lowerBoundTime(graph, graph.outTransfers, from, to, firstMs); m < to; m++) {
        if (work === config.limits.seedWorkMax) {
          ctx.boundHits += 1;
          break;
        }
        work += 1;
        const second = graph.outTransfers[m] ?? 0;
        const ms = graph.timeMs[second] ?? 0;
        if (ms - firstMs > config.windows.gatherHopMs) break;
        if (ms === firstMs || !ctx.isFreePersonal(second)) continue;
        const share = (graph.amountMinor[second] ?? 0) / amount;
        if (share < config.forwardShareMin || share > config.forwardShareMax) continue;
        const sink = graph.target[second] ?? 0;
        if (sink === source || !ctx.isPersonAccount(sink)) continue;
        if (followed === config.limits.pathFanOutMax) {
          ctx.boundHits += 1;
          break;
        }
        followed += 1;
        paths.push({ sink, middle, first, second });
      }
    }
    if (paths.length < config.layerCountMin) continue;
    paths.sort((a, b) => a.sink - b.sink || a.first - b.first || a.second - b.second);
    for (let i = 0; i < paths.length; ) {
      let groupEnd = i;
      while (groupEnd < paths.length && paths[groupEnd]?.sink === paths[i]?.sink) groupEnd += 1;
      if (!emitSinkGroups(ctx, source, paths.slice(i, groupEnd), counts)) return;
      i = groupEnd;
    }
  }
}

/** Paths to one sink, in time order of their first hop: slides a `scatterMs` window over them. */
function emitSinkGroups(ctx: DetectorContext, source: number, paths: readonly TwoHop[], counts: CountMap): boolean {
  const { graph, config } = ctx;
  if (paths.length < config.layerCountMin) return true;
  let i = 0;
  while (i <= paths.length - config.layerCountMin) {
    const startMs = graph.timeMs[paths[i]?.first ?? 0] ?? 0;
    const group: TwoHop[] = [];
    counts.reset();
    let j = i;
    for (; j < paths.length; j++) {
      const path = paths[j];
      if (path === undefined || (graph.timeMs[path.first] ?? 0) - startMs > config.windows.scatterMs) break;
      // One path per intermediate, and none through transfers an earlier alert took.
      if (counts.get(path.middle) > 0 || ctx.isUsed(path.first) || ctx.isUsed(path.second)) continue;
      counts.increment(path.middle);
      group.push(path);
    }
    counts.reset();
    if (group.length < config.layerCountMin) {
      i += 1;
      continue;
    }
    if (!ctx.emit(scatterGatherCandidate(ctx, source, group))) return false;
    i = j;
  }
  return true;
}

function scatterGatherCandidate(ctx: DetectorContext, source: number, group: readonly TwoHop[]) {
  const graph = ctx.graph;
  const sink = group[0]?.sink ?? 0;
  const firsts = group.map((p) => p.first);
  const seconds = group.map((p) => p.second);
  const out = sumAmounts(graph, firsts);
  const back = sumAmounts(graph, seconds);
  let delayMax = 0;
  for (const p of group) delayMax = Math.max(delayMax, (graph.timeMs[p.second] ?? 0) - (graph.timeMs[p.first] ?? 0));
  const name = (a: number) => graph.accountIds[a] ?? '';
  return {
    accounts: [source, sink, ...group.map((p) => p.middle)],
    transfers: [...firsts, ...seconds],
    score: clampScore(0.6 + 0.4 * Math.min(1, (group.length - ctx.config.layerCountMin + 1) / 5)),
    explanation:
      `Account ${name(source)} sent ${group.length} transfers totalling ${formatMoney(out, graph.currency)} to ${group.length} accounts ` +
      `within ${formatDuration(transfersSpanMs(graph, firsts))}, and each passed it on to account ${name(sink)} within ` +
      `${formatDuration(delayMax)}: ${formatMoney(back, graph.currency)} (${formatPercent(back / out)}) gathered`,
  };
}
