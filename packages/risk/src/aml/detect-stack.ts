/**
 * stack: three layers of at least `stackLayerMin` accounts; the first layer pays the second within
 * `stackHopMs`, and each account of the second pays the third, strictly after it was first paid and
 * at most `stackHopMs` after it was last paid. Within each step, an account counts for a layer
 * only when it pays (or is paid by) at least `stackLayerMin` accounts of the neighbouring layer, so
 * licit payments that brush the block stay out.
 *
 * Transfers into the middle layer are at least `layerAmountMin`; those out of it at least half
 * that, since each middle account splits what it got over the third layer.
 *
 * From every transfer of at least `layerAmountMin`, in time order: the second layer is whom the
 * seed's sender paid in the window, the first layer who else paid them, the third layer whom
 * they paid on. An account linked to more than `groupAccountsMax` others in one step is busy, not
 * a layer member, and is left out; more than `seedWorkMax` examined transfers give the seed up.
 */
import { clampScore, formatDuration, formatMoney, sumAmounts, transfersSpanMs } from './aml-alert.ts';
import type { DetectorContext } from './detector-context.ts';
import { lowerBoundTime } from './transfer-graph.ts';

interface Step {
  /** Each account of the near layer → the far accounts it is linked to. */
  readonly links: Map<number, Set<number>>;
  readonly edges: number[];
}

/** Re-anchoring the window at a block's first transfer: at most this many times per seed. */
const STACK_ANCHORS_MAX = 3;

interface StackBlock {
  readonly top: number[];
  readonly middle: number[];
  readonly bottom: number[];
  readonly paid: number[];
  readonly passed: number[];
}

export function detectStack(ctx: DetectorContext): void {
  const graph = ctx.graph;
  for (let seed = 0; seed < graph.transferCount; seed++) {
    if (!qualifies(ctx, seed)) continue;
    let block = findStack(ctx, seed);
    let anchorMs = graph.timeMs[seed] ?? 0;
    for (let attempt = 1; attempt < STACK_ANCHORS_MAX && block !== null; attempt++) {
      // A block that starts after the seed (whose window then cut its end off): look again from its first transfer.
      const first = block.paid.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
      if ((graph.timeMs[first] ?? 0) <= anchorMs) break;
      anchorMs = graph.timeMs[first] ?? 0;
      block = findStack(ctx, first) ?? block;
    }
    if (block === null) continue;
    if (!ctx.emit(stackCandidate(ctx, block))) return;
  }
}

/** The stack whose first layer includes the seed's sender, in the window from the seed; null when none. */
function findStack(ctx: DetectorContext, seed: number): StackBlock | null {
  const { graph, config } = ctx;
  const layerMin = config.stackLayerMin;
  const first = graph.source[seed] ?? 0;
  const startMs = graph.timeMs[seed] ?? 0;
  const endMs = startMs + config.windows.stackHopMs;
  const budget = { work: config.limits.seedWorkMax };
  // Layer 2: whom the seed's sender paid in the window.
  const fromFirst = links(ctx, 'out', [first], () => [startMs, endMs], budget);
  if (fromFirst === null) return null;
  const middleGuess = [...(fromFirst.links.get(first) ?? [])];
  if (middleGuess.length < layerMin) return null;
  ctx.seeds += 1;
  // Layer 1: who paid at least layerMin of them; layer 2: those paid by at least layerMin of layer 1.
  const intoMiddle = links(ctx, 'in', middleGuess, () => [startMs, endMs], budget);
  if (intoMiddle === null) return null;
  const top = wellLinked(invert(intoMiddle.links), layerMin);
  const middle = middleGuess.filter((b) => countIn(intoMiddle.links.get(b), top) >= layerMin);
  if (top.size < layerMin || middle.length < layerMin || !top.has(first)) return null;
  const paid = intoMiddle.edges.filter((t) => top.has(graph.source[t] ?? 0) && middle.includes(graph.target[t] ?? 0));
  // Layer 3: whom at least layerMin of layer 2 paid on, each after it was paid.
  const paidAt = new Map<number, [number, number]>();
  for (const t of paid) {
    const b = graph.target[t] ?? 0;
    const ms = graph.timeMs[t] ?? 0;
    const [low, high] = paidAt.get(b) ?? [ms, ms];
    paidAt.set(b, [Math.min(low, ms), Math.max(high, ms)]);
  }
  const fromMiddle = links(
    ctx,
    'out',
    middle,
    (b) => {
      const [low, high] = paidAt.get(b) ?? [startMs, startMs];
      return [low + 1, high + config.windows.stackHopMs];
    },
    budget,
    // What a middle account received is split over the next layer, so its pieces can be smaller.
    config.layerAmountMin / 2,
  );
  if (fromMiddle === null) return null;
  const bottom = wellLinked(invert(fromMiddle.links), layerMin);
  for (const a of [...top, ...middle]) bottom.delete(a);
  if (bottom.size < layerMin) return null;
  const passed = fromMiddle.edges.filter((t) => bottom.has(graph.target[t] ?? 0));
  const passers = new Set(passed.map((t) => graph.source[t] ?? 0));
  if (passers.size < layerMin) return null;
  return { top: [...top], middle, bottom: [...bottom], paid, passed };
}

function qualifies(ctx: DetectorContext, t: number, amountMin = ctx.config.layerAmountMin): boolean {
  const graph = ctx.graph;
  if ((graph.amountMinor[t] ?? 0) < amountMin || !ctx.isFreePersonal(t)) return false;
  return ctx.isPersonAccount(graph.source[t] ?? 0) && ctx.isPersonAccount(graph.target[t] ?? 0);
}

/**
 * The qualifying transfers of each account of `near` in its time range, out or in, and the far
 * accounts they link to; null when the work budget runs out.
 */
function links(
  ctx: DetectorContext,
  direction: 'out' | 'in',
  near: readonly number[],
  range: (account: number) => readonly [number, number],
  budget: { work: number },
  amountMin = ctx.config.layerAmountMin,
): Step | null {
  const graph = ctx.graph;
  const start = direction === 'out' ? graph.outStart : graph.inStart;
  const list = direction === 'out' ? graph.outTransfers : graph.inTransfers;
  const far = direction === 'out' ? graph.target : graph.source;
  const result: Step = { links: new Map(), edges: [] };
  const groupMax = ctx.config.limits.groupAccountsMax;
  for (const account of near) {
    const [fromMs, toMs] = range(account);
    const set = new Set<number>();
    const edges: number[] = [];
    const to = start[account + 1] ?? 0;
    for (let k = lowerBoundTime(graph, list, start[account] ?? 0, to, fromMs); k < to; k++) {
      const t = list[k] ?? 0;
      if ((graph.timeMs[t] ?? 0) > toMs) break;
      if (--budget.work < 0) {
        ctx.boundHits += 1;
        return null;
      }
      if (!qualifies(ctx, t, amountMin)) continue;
      set.add(far[t] ?? 0);
      edges.push(t);
    }
    // An account linked to more than a layer can hold is a busy one, not a layer member: left out.
    if (set.size > groupMax) {
      ctx.boundHits += 1;
      continue;
    }
    result.links.set(account, set);
    for (const t of edges) result.edges.push(t);
  }
  return result;
}

function invert(links: ReadonlyMap<number, ReadonlySet<number>>): Map<number, Set<number>> {
  const inverted = new Map<number, Set<number>>();
  for (const [near, fars] of links) {
    for (const far of fars) {
      const set = inverted.get(far) ?? new Set<number>();
      set.add(near);
      inverted.set(far, set);
    }
  }
  return inverted;
}

function wellLinked(links: ReadonlyMap<number, ReadonlySet<number>>, min: number): Set<number> {
  const result = new Set<number>();
  for (const [account, set] of links) if (set.size >= min) result.add(account);
  return result;
}

function countIn(set: ReadonlySet<number> | undefined, among: ReadonlySet<number>): number {
  let n = 0;
  for (const a of set ?? []) if (among.has(a)) n += 1;
  return n;
}

function stackCandidate(ctx: DetectorContext, block: StackBlock) {
  const graph = ctx.graph;
  const { top, middle, bottom, paid, passed } = block;
  const all = [...paid, ...passed];
  const layers = [top, middle, bottom].map((layer) => layer.length).join(' → ');
  const full = (paid.length + passed.length) / (top.length * middle.length + middle.length * bottom.length);
  return {
    accounts: [...top, ...middle, ...bottom],
    transfers: all,
    score: clampScore(0.6 + 0.4 * Math.min(1, full)),
    explanation:
      `Three layers of ${layers} accounts passed money down within ${formatDuration(transfersSpanMs(graph, all))}: ` +
      `${formatMoney(sumAmounts(graph, paid), graph.currency)} in ${paid.length} transfers into the middle layer, ` +
      `${formatMoney(sumAmounts(graph, passed), graph.currency)} in ${passed.length} transfers out of it, ` +
      `each middle account paying on after it was paid`,
  };
}
