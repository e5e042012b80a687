/**
 * cycle: money goes round a ring of 2..`pathHopsMax` accounts A → B → … → A and comes back. Each
 * hop is strictly later than the one before and at most `cycleHopMs` after it, and forwards
 * `forwardShareMin`..`forwardShareMax` of the previous hop's amount; the first hop is at least
 * `cycleAmountMin`.
 *
 * Depth-first search from every large enough transfer, on an explicit stack (one frame per hop),
 * following at most `pathFanOutMax` candidates per step and examining at most `seedWorkMax`
 * transfers per seed. Time order makes a rotation of the same ring unreachable from a later hop,
 * so each ring is found once, from its first transfer.
 */
import { clampScore, formatDuration, formatMoney, formatPercent, transfersSpanMs } from './aml-alert.ts';
import { type DetectorContext, StampSet } from './detector-context.ts';
import { lowerBoundTime } from './transfer-graph.ts';

export function detectCycle(ctx: DetectorContext): void {
  const { graph, config } = ctx;
  const hopsMax = config.limits.pathHopsMax;
  // Frame d is the path's hop d: the transfer taken, and where the search of its target's out-list stands.
  const hop = new Int32Array(hopsMax);
  const cursor = new Int32Array(hopsMax);
  const cursorEnd = new Int32Array(hopsMax);
  const followed = new Int32Array(hopsMax);
  const onPath = new StampSet(graph.accountCount);
  for (let seed = 0; seed < graph.transferCount; seed++) {
    if ((graph.amountMinor[seed] ?? 0) < config.cycleAmountMin || !ctx.isFreePersonal(seed)) continue;
    const origin = graph.source[seed] ?? 0;
    if (!ctx.isPersonAccount(origin) || !ctx.isPersonAccount(graph.target[seed] ?? 0)) continue;
    ctx.seeds += 1;
    onPath.clear();
    onPath.add(origin);
    let depth = 0;
    let work = 0;
    let closing = -1;
    enterHop(ctx, 0, seed, hop, cursor, cursorEnd, followed, onPath);
    while (depth >= 0) {
      const last = hop[depth] ?? 0;
      const at = graph.target[last] ?? 0;
      if ((cursor[depth] ?? 0) >= (cursorEnd[depth] ?? 0) || (followed[depth] ?? 0) >= config.limits.pathFanOutMax) {
        if ((followed[depth] ?? 0) >= config.limits.pathFanOutMax) ctx.boundHits += 1;
        onPath.delete(at);
        depth -= 1;
        continue;
      }
      if (work === config.limits.seedWorkMax) {
        ctx.boundHits += 1;
        break;
      }
      work += 1;
      const t = graph.outTransfers[cursor[depth] ?? 0] ?? 0;
      cursor[depth] = (cursor[depth] ?? 0) + 1;
      const lastMs = graph.timeMs[last] ?? 0;
      const ms = graph.timeMs[t] ?? 0;
      if (ms - lastMs > config.windows.cycleHopMs) {
        cursor[depth] = cursorEnd[depth] ?? 0;
        continue;
      }
      if (ms <= lastMs || !ctx.isFreePersonal(t)) continue;
      const share = (graph.amountMinor[t] ?? 0) / (graph.amountMinor[last] ?? 1);
      if (share < config.forwardShareMin || share > config.forwardShareMax) continue;
      followed[depth] = (followed[depth] ?? 0) + 1;
      const next = graph.target[t] ?? 0;
      if (next === origin) {
        closing = t;
        break;
      }
      // Hops so far are depth + 2 with t; the ring needs one more to close.
      if (onPath.has(next) || depth + 3 > hopsMax || !ctx.isPersonAccount(next)) continue;
      depth += 1;
      enterHop(ctx, depth, t, hop, cursor, cursorEnd, followed, onPath);
    }
    if (closing < 0) continue;
    const ring = [...hop.subarray(0, depth + 1), closing];
    if (!ctx.emit(cycleCandidate(ctx, ring))) return;
  }
}

function enterHop(
  ctx: DetectorContext,
  depth: number,
  transfer: number,
  hop: Int32Array,
  cursor: Int32Array,
  cursorEnd: Int32Array,
  followed: Int32Array,
  onPath: StampSet,
): void {
  const graph = ctx.graph;
  const at = graph.target[transfer] ?? 0;
  const from = graph.outStart[at] ?? 0;
  const to = graph.outStart[at + 1] ?? 0;
  hop[depth] = transfer;
  cursor[depth] = lowerBoundTime(graph, graph.outTransfers, from, to, graph.timeMs[transfer] ?? 0);
  cursorEnd[depth] = to;
  followed[depth] = 0;
  onPath.add(at);
}

function cycleCandidate(ctx: DetectorContext, ring: readonly number[]) {
  const graph = ctx.graph;
  const accounts = ring.map((t) => graph.source[t] ?? 0);
  const names = accounts.map((a) => graph.accountIds[a] ?? '');
  const out = graph.amountMinor[ring[0] ?? 0] ?? 0;
  const back = graph.amountMinor[ring[ring.length - 1] ?? 0] ?? 0;
  const big = Math.min(1, out / ctx.config.cycleAmountMin - 1);
  return {
    accounts,
    transfers: ring,
    score: clampScore(0.6 + 0.2 * Math.min(1, (ring.length - 1) / 3) + 0.2 * big),
    explanation:
      `Money went round a ring of ${accounts.length} accounts ${[...names, names[0]].join(' → ')} in ${ring.length} transfers ` +
      `within ${formatDuration(transfersSpanMs(graph, ring))}, each hop later than the one before: ` +
      `${formatMoney(out, graph.currency)} out, ${formatMoney(back, graph.currency)} (${formatPercent(back / out)}) back`,
  };
}
