/**
 * gather_scatter: at least `layerCountMin` distinct sources pay a hub within `gatherScatterMs`; after
 * the last of these inputs, and within `gatherScatterMs` of it, the hub pays at least
 * `layerCountMin` distinct targets, in total `forwardShareMin`..`forwardShareMax` of what came in.
 *
 * Per hub, each input is tried as the last one: the inputs before it (within the window) are grown
 * backwards, and the outputs after it are taken in time order until their sum matches, leaving out
 * at most one unrelated output among the first `GATHER_SKIP_CANDIDATES_MAX` (a hub may pay one bill
 * of its own meanwhile). Of the matches whose spans overlap, the one with the most transfers wins,
 * so an input that arrives between the gathering and the scattering neither splits nor hides it.
 * Every list is capped at `windowTransfersMax`.
 */
import { clampScore, formatDuration, formatMoney, formatPercent, sumAmounts, transfersSpanMs } from './aml-alert.ts';
import { CountMap, type DetectorContext } from './detector-context.ts';

/** Outputs that may be the one left out of a match: the first few after the last input. */
const GATHER_SKIP_CANDIDATES_MAX = 8;

interface GatherMatch {
  readonly last: number;
  readonly gathered: number[];
  readonly scattered: number[];
}

export function detectGatherScatter(ctx: DetectorContext): void {
  const { graph, config } = ctx;
  const matcher = new GatherMatcher(ctx);
  const inputs: number[] = [];
  const outputs: number[] = [];
  for (let hub = 0; hub < graph.accountCount; hub++) {
    if (!ctx.isPersonAccount(hub)) continue;
    collect(ctx, graph.inStart, graph.inTransfers, graph.source, hub, config.layerAmountMin, inputs);
    if (inputs.length < config.layerCountMin) continue;
    // Outputs split the total over the targets, so they may be smaller than an input, but not pocket money.
    collect(ctx, graph.outStart, graph.outTransfers, graph.target, hub, config.layerAmountMin / 2, outputs);
    if (outputs.length < config.layerCountMin) continue;
    ctx.seeds += 1;
    for (let j = config.layerCountMin - 1; j < inputs.length; j++) {
      let best = matcher.match(inputs, j, outputs);
      if (best === null) continue;
      // Later inputs that arrive before this match's last output may end a bigger match.
      const endMs = graph.timeMs[best.scattered[best.scattered.length - 1] ?? 0] ?? 0;
      for (let k = j + 1; k < inputs.length && k - j <= config.limits.windowTransfersMax; k++) {
        if ((graph.timeMs[inputs[k] ?? 0] ?? 0) >= endMs) break;
        const other = matcher.match(inputs, k, outputs);
        if (
          other !== null &&
          other.gathered.length + other.scattered.length > best.gathered.length + best.scattered.length
        ) {
          best = other;
        }
      }
      if (!ctx.emit(gatherScatterCandidate(ctx, hub, best.gathered, best.scattered))) return;
      j = inputs.indexOf(best.last);
    }
  }
}

/** Free person-to-person transfers of at least `amountMin` between `account` and other people, in time order. */
function collect(
  ctx: DetectorContext,
  start: Int32Array,
  list: Int32Array,
  far: Int32Array,
  account: number,
  amountMin: number,
  into: number[],
): void {
  into.length = 0;
  for (let k = start[account] ?? 0, end = start[account + 1] ?? 0; k < end; k++) {
    const t = list[k] ?? 0;
    if ((ctx.graph.amountMinor[t] ?? 0) < amountMin || !ctx.isFreePersonal(t)) continue;
    if (ctx.isPersonAccount(far[t] ?? 0)) into.push(t);
  }
}

/** Scratch space for one hub's matching, reused across hubs. */
class GatherMatcher {
  private readonly ctx: DetectorContext;
  private readonly sources: CountMap;
  private readonly targets: CountMap;
  private readonly window: number[] = [];
  /** Per variant (0: no output left out; v ≥ 1: output v - 1 left out), running sums and distinct targets. */
  private readonly prefixSum: number[][] = [];
  private readonly prefixDistinct: number[][] = [];

  constructor(ctx: DetectorContext) {
    this.ctx = ctx;
    this.sources = new CountMap(ctx.graph.accountCount);
    this.targets = new CountMap(ctx.graph.accountCount);
    for (let v = 0; v <= GATHER_SKIP_CANDIDATES_MAX; v++) {
      this.prefixSum.push([]);
      this.prefixDistinct.push([]);
    }
  }

  /** The largest match whose last input is `inputs[j]`, or null. */
  match(inputs: readonly number[], j: number, outputs: readonly number[]): GatherMatch | null {
    const { graph, config } = this.ctx;
    const last = inputs[j] ?? 0;
    if (this.ctx.isUsed(last)) return null;
    const lastMs = graph.timeMs[last] ?? 0;
    const windowMs = config.windows.gatherScatterMs;
    const windowMax = config.limits.windowTransfersMax;
    const window = this.window;
    window.length = 0;
    for (const t of outputs) {
      const ms = graph.timeMs[t] ?? 0;
      if (ms <= lastMs || this.ctx.isUsed(t)) continue;
      if (ms - lastMs > windowMs) break;
      if (window.length === windowMax) {
        this.ctx.boundHits += 1;
        break;
      }
      window.push(t);
    }
    if (window.length < config.layerCountMin) return null;
    const variants = 1 + Math.min(GATHER_SKIP_CANDIDATES_MAX, window.length);
    for (let v = 0; v < variants; v++) this.prefixes(v);
    // Grow the input set backwards from the last input; keep the match with the most transfers.
    let best: { first: number; variant: number; outputs: number; size: number } | null = null;
    let inSum = 0;
    let taken = 0;
    this.sources.reset();
    for (let i = j; i >= 0; i--) {
      const t = inputs[i] ?? 0;
      if (lastMs - (graph.timeMs[t] ?? 0) > windowMs) break;
      if (this.ctx.isUsed(t)) continue;
      if (taken === windowMax) {
        this.ctx.boundHits += 1;
        break;
      }
      taken += 1;
      inSum += graph.amountMinor[t] ?? 0;
      this.sources.increment(graph.source[t] ?? 0);
      if (this.sources.distinct < config.layerCountMin) continue;
      for (let v = 0; v < variants; v++) {
        const n = this.matchedOutputs(v, inSum);
        // Leaving an output out must buy a strictly larger match than keeping them all.
        if (n > 0 && (best === null || taken + n > best.size))
          best = { first: i, variant: v, outputs: n, size: taken + n };
      }
    }
    this.sources.reset();
    if (best === null) return null;
    const gathered: number[] = [];
    for (let i = best.first; i <= j; i++) {
      const t = inputs[i] ?? 0;
      if (!this.ctx.isUsed(t) && lastMs - (graph.timeMs[t] ?? 0) <= windowMs) gathered.push(t);
    }
    const skipped = best.variant - 1;
    const scattered = window.filter((_, k) => k !== skipped).slice(0, best.outputs);
    return { last, gathered, scattered };
  }

  /** Running sums and distinct targets of the window's outputs, leaving out output `variant - 1`. */
  private prefixes(variant: number): void {
    const graph = this.ctx.graph;
    const sums = this.prefixSum[variant] ?? [];
    const distinct = this.prefixDistinct[variant] ?? [];
    sums.length = 0;
    distinct.length = 0;
    this.targets.reset();
    let sum = 0;
    for (let k = 0; k < this.window.length; k++) {
      if (k === variant - 1) continue;
      const t = this.window[k] ?? 0;
      sum += graph.amountMinor[t] ?? 0;
      this.targets.increment(graph.target[t] ?? 0);
      sums.push(sum);
      distinct.push(this.targets.distinct);
    }
    this.targets.reset();
  }

  /** The most leading outputs of `variant` whose sum is within the share range of `inSum` and reach enough targets, or 0. */
  private matchedOutputs(variant: number, inSum: number): number {
    const { forwardShareMin, forwardShareMax, layerCountMin } = this.ctx.config;
    const sums = this.prefixSum[variant] ?? [];
    const distinct = this.prefixDistinct[variant] ?? [];
    for (let n = sums.length; n >= layerCountMin; n--) {
      const sum = sums[n - 1] ?? 0;
      if (sum < inSum * forwardShareMin) return 0;
      if (sum <= inSum * forwardShareMax && (distinct[n - 1] ?? 0) >= layerCountMin) return n;
    }
    return 0;
  }
}

function gatherScatterCandidate(
  ctx: DetectorContext,
  hub: number,
  gathered: readonly number[],
  scattered: readonly number[],
) {
  const graph = ctx.graph;
  const inTotal = sumAmounts(graph, gathered);
  const outTotal = sumAmounts(graph, scattered);
  const sources = new Set(gathered.map((t) => graph.source[t] ?? 0));
  const targets = new Set(scattered.map((t) => graph.target[t] ?? 0));
  const name = graph.accountIds[hub] ?? '';
  const breadth = Math.min(1, (Math.min(sources.size, targets.size) - ctx.config.layerCountMin + 1) / 5);
  return {
    accounts: [hub, ...sources, ...targets],
    transfers: [...gathered, ...scattered],
    score: clampScore(0.6 + 0.4 * breadth),
    explanation:
      `Account ${name} received ${formatMoney(inTotal, graph.currency)} from ${sources.size} accounts within ` +
      `${formatDuration(transfersSpanMs(graph, gathered))}, then sent ${formatMoney(outTotal, graph.currency)} ` +
      `(${formatPercent(outTotal / inTotal)}) to ${targets.size} accounts within ${formatDuration(transfersSpanMs(graph, scattered))}`,
  };
}
