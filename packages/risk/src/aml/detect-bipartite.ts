/**
 * bipartite: at least `bipartiteSideMin` senders each pay two or more of at least
 * `bipartiteSideMin` receivers, at least `bipartiteEdgesMin` transfers of `fanAmountMin` or more,
 * all within `bipartiteMs` of the first.
 *
 * From every such transfer, in time order, a block grows inside the time window: the seed's
 * sender and its receivers, then whoever pays two or more of the receivers so far, with their
 * receivers, and so on. A block that grows past `groupAccountsMax` accounts a side, or past
 * `seedWorkMax` examined transfers, is given up: it is a dense community, not a small laundering
 * block. Senders that pay only one receiver, or mostly receivers no other sender pays, are then
 * pruned (see `prune`). When the block's shared part starts later than the seed, the window is
 * moved there and the block grown again.
 */
import { clampScore, formatDuration, formatMoney, sumAmounts, transfersSpanMs } from './aml-alert.ts';
import { type DetectorContext, StampSet } from './detector-context.ts';
import { lowerBoundTime } from './transfer-graph.ts';

/** Re-anchoring the window at a group's first transfer: at most this many times per seed. */
const BIPARTITE_ANCHORS_MAX = 3;

interface Block {
  readonly senders: number[];
  readonly receivers: number[];
  readonly edges: number[];
}

export function detectBipartite(ctx: DetectorContext): void {
  const graph = ctx.graph;
  const search = new BlockSearch(ctx);
  for (let seed = 0; seed < graph.transferCount; seed++) {
    if (!search.qualifies(seed)) continue;
    let block: Block | null = null;
    let anchor = seed;
    for (let attempt = 0; attempt < BIPARTITE_ANCHORS_MAX; attempt++) {
      const startMs = graph.timeMs[anchor] ?? 0;
      const source = graph.source[anchor] ?? 0;
      const found = search.paysTwo(source, startMs) ? search.grow(source, startMs) : null;
      if (attempt === 0) ctx.seeds += 1;
      if (found === null) break;
      block = found;
      // The block's core (receivers paid by two or more senders) starts later than the window: look
      // again from there, so an earlier unrelated transfer neither joins the block nor cuts its end off.
      const coreFirst = firstCoreEdge(graph, found);
      if ((graph.timeMs[coreFirst] ?? 0) <= startMs) break;
      anchor = coreFirst;
    }
    if (block === null) continue;
    if (!ctx.emit(bipartiteCandidate(ctx, block))) return;
  }
}

/** The earliest transfer of the block into a receiver that two or more of its senders pay. */
function firstCoreEdge(graph: DetectorContext['graph'], block: Block): number {
  const senders = new Map<number, Set<number>>();
  for (const t of block.edges) {
    const receiver = graph.target[t] ?? 0;
    const set = senders.get(receiver) ?? new Set<number>();
    set.add(graph.source[t] ?? 0);
    senders.set(receiver, set);
  }
  for (const t of block.edges) if ((senders.get(graph.target[t] ?? 0)?.size ?? 0) >= 2) return t;
  return block.edges[0] ?? 0;
}

class BlockSearch {
  private readonly ctx: DetectorContext;
  private readonly senderSet: StampSet;
  private readonly receiverSet: StampSet;
  private readonly pendingSet: StampSet;

  constructor(ctx: DetectorContext) {
    this.ctx = ctx;
    this.senderSet = new StampSet(ctx.graph.accountCount);
    this.receiverSet = new StampSet(ctx.graph.accountCount);
    this.pendingSet = new StampSet(ctx.graph.accountCount);
  }

  qualifies(t: number): boolean {
    const { graph, config } = this.ctx;
    if ((graph.amountMinor[t] ?? 0) < config.fanAmountMin || !this.ctx.isFreePersonal(t)) return false;
    return this.ctx.isPersonAccount(graph.source[t] ?? 0) && this.ctx.isPersonAccount(graph.target[t] ?? 0);
  }

  /** Cheap filter before a search: the sender pays at least two people within the window. */
  paysTwo(sender: number, startMs: number): boolean {
    const graph = this.ctx.graph;
    const from = graph.outStart[sender] ?? 0;
    const to = graph.outStart[sender + 1] ?? 0;
    let firstReceiver = -1;
    let looked = 0;
    for (let k = lowerBoundTime(graph, graph.outTransfers, from, to, startMs); k < to; k++) {
      const t = graph.outTransfers[k] ?? 0;
      if ((graph.timeMs[t] ?? 0) - startMs > this.ctx.config.windows.bipartiteMs) return false;
      if (looked++ === this.ctx.config.limits.windowTransfersMax) return false;
      if (!this.qualifies(t)) continue;
      const receiver = graph.target[t] ?? 0;
      if (firstReceiver < 0) firstReceiver = receiver;
      else if (receiver !== firstReceiver) return true;
    }
    return false;
  }

  /**
   * The pruned block grown from `sender` inside [startMs, startMs + bipartiteMs], or null. Its
   * senders are the seed's and, one by one, those who pay two or more of its receivers so far; its
   * transfers are every qualifying one of its senders in the window.
   */
  grow(sender: number, startMs: number): Block | null {
    const { graph, config } = this.ctx;
    const endMs = startMs + config.windows.bipartiteMs;
    const groupMax = config.limits.groupAccountsMax;
    this.senderSet.clear();
    this.receiverSet.clear();
    this.pendingSet.clear();
    const receivers: number[] = [];
    const edges: number[] = [];
    const pending: number[] = [];
    const budget = { work: config.limits.seedWorkMax };
    let senders = 0;
    let next: number | null = sender;
    let scanned = 0;
    while (next !== null) {
      this.senderSet.add(next);
      senders += 1;
      if (!this.addSenderEdges(next, startMs, endMs, receivers, edges, budget)) return null;
      if (senders > groupMax || receivers.length > groupMax) {
        this.ctx.boundHits += 1;
        return null;
      }
      // Who else pays the receivers found so far: candidates, admitted once they pay two of them.
      for (; scanned < receivers.length; scanned++) {
        const receiver = receivers[scanned] ?? 0;
        const to = graph.inStart[receiver + 1] ?? 0;
        for (let k = lowerBoundTime(graph, graph.inTransfers, graph.inStart[receiver] ?? 0, to, startMs); k < to; k++) {
          const t = graph.inTransfers[k] ?? 0;
          if ((graph.timeMs[t] ?? 0) > endMs) break;
          if (--budget.work < 0) {
            this.ctx.boundHits += 1;
            return null;
          }
          const other = graph.source[t] ?? 0;
          if (this.qualifies(t) && !this.senderSet.has(other) && this.pendingSet.add(other)) pending.push(other);
        }
      }
      next = this.nextSender(pending, senders, receivers.length, edges.length, startMs, endMs, budget);
      if (budget.work < 0) {
        this.ctx.boundHits += 1;
        return null;
      }
    }
    return this.prune(edges);
  }

  /**
   * The next sender to admit: one paying two or more of the block's receivers; or, while the block
   * is still smaller than the pattern's minimum, one paying one of them and someone else (a block
   * seeded from a sender with few receivers needs it to grow at all). Null when none.
   */
  private nextSender(
    pending: readonly number[],
    senders: number,
    receivers: number,
    edges: number,
    startMs: number,
    endMs: number,
    budget: { work: number },
  ): number | null {
    const config = this.ctx.config;
    for (const candidate of pending) {
      if (!this.senderSet.has(candidate) && this.paysBlock(candidate, startMs, endMs, budget) >= 2) return candidate;
    }
    const small =
      senders < config.bipartiteSideMin || receivers < config.bipartiteSideMin || edges < config.bipartiteEdgesMin;
    if (!small) return null;
    for (const candidate of pending)
      if (!this.senderSet.has(candidate) && this.paysTwo(candidate, startMs)) return candidate;
    return null;
  }

  /** Adds the sender's qualifying transfers in the window and their receivers; false when the work budget ran out. */
  private addSenderEdges(
    sender: number,
    startMs: number,
    endMs: number,
    receivers: number[],
    edges: number[],
    budget: { work: number },
  ): boolean {
    const graph = this.ctx.graph;
    const to = graph.outStart[sender + 1] ?? 0;
    for (let k = lowerBoundTime(graph, graph.outTransfers, graph.outStart[sender] ?? 0, to, startMs); k < to; k++) {
      const t = graph.outTransfers[k] ?? 0;
      if ((graph.timeMs[t] ?? 0) > endMs) break;
      if (--budget.work < 0) {
        this.ctx.boundHits += 1;
        return false;
      }
      if (!this.qualifies(t)) continue;
      edges.push(t);
      const receiver = graph.target[t] ?? 0;
      if (this.receiverSet.add(receiver)) receivers.push(receiver);
    }
    return true;
  }

  /** How many of the block's receivers `sender` pays in the window, counting to two. */
  private paysBlock(sender: number, startMs: number, endMs: number, budget: { work: number }): number {
    const graph = this.ctx.graph;
    const to = graph.outStart[sender + 1] ?? 0;
    let paid = -1;
    let count = 0;
    for (let k = lowerBoundTime(graph, graph.outTransfers, graph.outStart[sender] ?? 0, to, startMs); k < to; k++) {
      const t = graph.outTransfers[k] ?? 0;
      if ((graph.timeMs[t] ?? 0) > endMs || --budget.work < 0) break;
      const receiver = graph.target[t] ?? 0;
      if (!this.qualifies(t) || !this.receiverSet.has(receiver) || receiver === paid) continue;
      // Two distinct receivers are all that is asked; the first is remembered to tell them apart.
      if (paid < 0) paid = receiver;
      count += 1;
      if (count === 2) break;
    }
    return count;
  }

  /**
   * Keeps the senders that pay two or more receivers, at least half of them shared with another
   * sender, until none is dropped: a fan-out's source touching the block through one shared
   * receiver, or a tenant paying the landlord, is not part of it.
   */
  private prune(edges: number[]): Block | null {
    const { graph, config } = this.ctx;
    let kept = edges;
    for (;;) {
      const receiversOf = linked(kept, graph.source, graph.target);
      const sendersOf = linked(kept, graph.target, graph.source);
      const keeps = (sender: number): boolean => {
        const receivers = receiversOf.get(sender) ?? new Set<number>();
        let shared = 0;
        for (const r of receivers) if ((sendersOf.get(r)?.size ?? 0) >= 2) shared += 1;
        return receivers.size >= 2 && shared >= 1 && 2 * shared >= receivers.size;
      };
      const next = kept.filter((t) => keeps(graph.source[t] ?? 0));
      if (next.length === kept.length) break;
      kept = next;
    }
    const senders = [...new Set(kept.map((t) => graph.source[t] ?? 0))];
    const receivers = [...new Set(kept.map((t) => graph.target[t] ?? 0))];
    if (senders.length < config.bipartiteSideMin || receivers.length < config.bipartiteSideMin) return null;
    if (kept.length < config.bipartiteEdgesMin) return null;
    return { senders, receivers, edges: kept.sort((a, b) => a - b) };
  }
}

/** Each `near` endpoint of `edges` → the distinct `far` endpoints it is linked to. */
function linked(edges: readonly number[], near: Int32Array, far: Int32Array): Map<number, Set<number>> {
  const result = new Map<number, Set<number>>();
  for (const t of edges) {
    const key = near[t] ?? 0;
    const set = result.get(key) ?? new Set<number>();
    set.add(far[t] ?? 0);
    result.set(key, set);
  }
  return result;
}

function bipartiteCandidate(ctx: DetectorContext, block: Block) {
  const graph = ctx.graph;
  const { senders, receivers, edges } = block;
  const density = edges.length / (senders.length * receivers.length);
  return {
    accounts: [...senders, ...receivers],
    transfers: edges,
    score: clampScore(
      0.5 + 0.3 * Math.min(1, density) + 0.2 * Math.min(1, (edges.length - ctx.config.bipartiteEdgesMin + 1) / 8),
    ),
    explanation:
      `${senders.length} accounts sent ${edges.length} transfers totalling ${formatMoney(sumAmounts(graph, edges), graph.currency)} ` +
      `to ${receivers.length} accounts within ${formatDuration(transfersSpanMs(graph, edges))}, each sender paying two or more of them ` +
      `(${Math.round(density * 100)}% of all sender–receiver pairs)`,
  };
}
