/**
 * The laundering patterns of `docs/aml-patterns.md` as shapes: who pays whom, when (milliseconds
 * after the instance starts) and how much, with accounts as slots. `plan.ts` places a shape in the
 * period and fills its slots with users. Every forwarded amount leaves after the money it forwards
 * arrived. Amounts are CNY fen.
 */
import { assert, assertNever } from '@paychain/core';
import { DAY_MS } from '../csv/civil-date.ts';
import type { LaunderingPattern } from '../transfer-record.ts';
import { HOUR_MS, MINUTE_MS } from './calendar.ts';
import type { Rng } from './rng.ts';

/** One transfer of a shape. `from` below zero is the bank account of slot `-1 - from` (a top-up). */
export interface ShapeEdge {
  readonly dt: number;
  readonly from: number;
  readonly to: number;
  readonly amount: bigint;
}

export interface Shape {
  /** Distinct accounts; slot 0 is the central one (source, hub, mule, collector). */
  readonly slots: number;
  readonly edges: readonly ShapeEdge[];
}

export interface ShapeContext {
  readonly thresholdMinor: bigint;
  readonly periodMs: number;
}

export function bankOf(slot: number): number {
  return -1 - slot;
}

const CNY = 100n;
const FAN_AMOUNT_MIN = 5_000n * CNY;
const FAN_AMOUNT_MAX = 40_000n * CNY;
/** Most patterns repeat within this many days; shorter periods spread a rapid pass-through over the period. */
export const PASS_THROUGH_PERIOD_MS = 30 * DAY_MS;

/** An initial amount as launderers type it: to the fen, the yuan or the hundred yuan, never below `min`. */
function roundish(rng: Rng, amount: bigint, min: bigint): bigint {
  const r = rng.float();
  const unit = r < 0.35 ? 1n : r < 0.8 ? CNY : 100n * CNY;
  const rounded = (amount / unit) * unit;
  return rounded >= min ? rounded : amount;
}

function between(rng: Rng, min: bigint, max: bigint): bigint {
  return roundish(rng, rng.bigintBetween(min, max), min);
}

/** `amount` times a share drawn in basis points [minBp, maxBp]. */
function share(rng: Rng, amount: bigint, minBp: number, maxBp: number): bigint {
  return (amount * BigInt(rng.int(minBp, maxBp))) / 10_000n;
}

/**
 * `total` split in `parts` positive pieces of similar size, summing exactly to it: weights 0.8–1.2
 * keep each piece within 2/3 and 3/2 of an equal share.
 */
function split(rng: Rng, total: bigint, parts: number): bigint[] {
  const weights = Array.from({ length: parts }, () => rng.uniform(0.8, 1.2));
  const sum = weights.reduce((a, b) => a + b, 0);
  const out: bigint[] = [];
  let left = total;
  for (let i = 0; i < parts - 1; i += 1) {
    const piece = BigInt(Math.floor((Number(total) * (weights[i] ?? 1)) / sum));
    out.push(piece);
    left -= piece;
  }
  out.push(left);
  assert(
    out.every((piece) => piece > 0n),
    'every piece of a split is positive',
  );
  return out;
}

/** `count` times in [0, span], the first at 0 and (with two or more) the last at `span`. */
function timesWithin(rng: Rng, count: number, span: number): number[] {
  const times = Array.from({ length: count }, (_, i) =>
    i === 0 ? 0 : i === count - 1 ? span : Math.floor(rng.float() * span),
  );
  return times.sort((a, b) => a - b);
}

function hours(rng: Rng, min: number, max: number): number {
  return Math.floor(rng.uniform(min, max) * HOUR_MS);
}

function fanOut(rng: Rng): Shape {
  const targets = rng.int(5, 15);
  const span = hours(rng, 1, 48);
  // Each within ±10 % of a common base, so all stay within 5,000–40,000.
  const base = rng.bigintBetween(5_556n * CNY, 36_363n * CNY);
  const roundBase = roundish(rng, base, 5_556n * CNY);
  const edges = timesWithin(rng, targets, span).map((dt, i) => ({
    dt,
    from: 0,
    to: i + 1,
    amount: share(rng, roundBase, 9_000, 11_000),
  }));
  return { slots: targets + 1, edges };
}

function fanIn(rng: Rng): Shape {
  const sources = rng.int(5, 15);
  const span = hours(rng, 1, 48);
  const edges = timesWithin(rng, sources, span).map((dt, i) => ({
    dt,
    from: i + 1,
    to: 0,
    amount: between(rng, FAN_AMOUNT_MIN, FAN_AMOUNT_MAX),
  }));
  return { slots: sources + 1, edges };
}

function cycle(rng: Rng): Shape {
  const ring = rng.int(2, 6);
  const edges: ShapeEdge[] = [];
  let dt = 0;
  let amount = between(rng, 20_000n * CNY, 200_000n * CNY);
  for (let hop = 0; hop < ring; hop += 1) {
    if (hop > 0) {
      dt += hours(rng, 1, 72);
      amount = share(rng, amount, 9_000, 9_900);
    }
    edges.push({ dt, from: hop, to: (hop + 1) % ring, amount });
  }
  return { slots: ring, edges };
}

function scatterGather(rng: Rng): Shape {
  const middle = rng.int(3, 10);
  const sink = middle + 1;
  const edges: ShapeEdge[] = [];
  for (const [i, dt] of timesWithin(rng, middle, hours(rng, 1, 24)).entries()) {
    const amount = between(rng, FAN_AMOUNT_MIN, FAN_AMOUNT_MAX);
    edges.push({ dt, from: 0, to: i + 1, amount });
    edges.push({ dt: dt + hours(rng, 1, 48), from: i + 1, to: sink, amount: share(rng, amount, 9_000, 9_900) });
  }
  return { slots: middle + 2, edges };
}

function gatherScatter(rng: Rng): Shape {
  const sources = rng.int(3, 10);
  const targets = rng.int(3, 10);
  const hub = 0;
  const edges: ShapeEdge[] = [];
  let total = 0n;
  let last = 0;
  for (const [i, dt] of timesWithin(rng, sources, hours(rng, 1, 48)).entries()) {
    const amount = between(rng, FAN_AMOUNT_MIN, FAN_AMOUNT_MAX);
    edges.push({ dt, from: 1 + i, to: hub, amount });
    total += amount;
    last = Math.max(last, dt);
  }
  for (const [j, amount] of split(rng, share(rng, total, 9_000, 9_900), targets).entries()) {
    edges.push({
      dt: last + Math.floor(rng.uniform(10 * MINUTE_MS, 48 * HOUR_MS)),
      from: hub,
      to: 1 + sources + j,
      amount,
    });
  }
  return { slots: 1 + sources + targets, edges };
}

function bipartite(rng: Rng): Shape {
  const senders = rng.int(3, 6);
  const receivers = rng.int(3, 6);
  const pairs = new Set<number>();
  for (let s = 0; s < senders; s += 1) {
    const order = Array.from({ length: receivers }, (_, r) => r);
    // Fisher–Yates with our generator: a random sort comparator is neither uniform nor portable.
    for (let i = order.length - 1; i > 0; i -= 1) {
      const j = rng.below(i + 1);
      const a = order[i] ?? 0;
      order[i] = order[j] ?? 0;
      order[j] = a;
    }
    for (const r of order.slice(0, rng.int(2, receivers))) pairs.add(s * receivers + r);
  }
  for (let r = 0; r < receivers; r += 1) {
    let paid = false;
    for (let s = 0; s < senders; s += 1) paid ||= pairs.has(s * receivers + r);
    if (!paid) pairs.add(rng.below(senders) * receivers + r);
  }
  while (pairs.size < 8) pairs.add(rng.below(senders * receivers));
  const sorted = [...pairs].sort((a, b) => a - b);
  const span = hours(rng, 1, 72);
  // Senders are slots 0..senders-1 and receivers follow; slot 0 is the first sender.
  const edges = sorted.map((pair) => ({
    dt: Math.floor(rng.float() * span),
    from: Math.floor(pair / receivers),
    to: senders + (pair % receivers),
    amount: between(rng, FAN_AMOUNT_MIN, FAN_AMOUNT_MAX),
  }));
  return { slots: senders + receivers, edges };
}

function stack(rng: Rng): Shape {
  const first = rng.int(2, 5);
  const second = rng.int(2, 5);
  const third = rng.int(2, 5);
  const edges: ShapeEdge[] = [];
  const received = new Array<bigint>(second).fill(0n);
  const lastIn = new Array<number>(second).fill(0);
  for (let a = 0; a < first; a += 1) {
    for (let b = 0; b < second; b += 1) {
      const dt = Math.floor(rng.float() * 24 * HOUR_MS);
      const amount = between(rng, 10_000n * CNY, 60_000n * CNY);
      edges.push({ dt, from: a, to: first + b, amount });
      received[b] = (received[b] ?? 0n) + amount;
      lastIn[b] = Math.max(lastIn[b] ?? 0, dt);
    }
  }
  for (let b = 0; b < second; b += 1) {
    const pieces = split(rng, share(rng, received[b] ?? 0n, 9_000, 9_900), third);
    for (let c = 0; c < third; c += 1) {
      const dt = (lastIn[b] ?? 0) + Math.floor(rng.uniform(10 * MINUTE_MS, 24 * HOUR_MS));
      edges.push({ dt, from: first + b, to: first + second + c, amount: pieces[c] ?? 0n });
    }
  }
  return { slots: first + second + third, edges };
}

/** Amounts from 90 % of the threshold up to one minor unit below it. */
export function structuringRange(thresholdMinor: bigint): { min: bigint; max: bigint } {
  return { min: (thresholdMinor * 9n + 9n) / 10n, max: thresholdMinor - 1n };
}

function structuring(rng: Rng, context: ShapeContext): Shape {
  const count = rng.int(3, 10);
  const receivers = rng.int(1, 3);
  const { min, max } = structuringRange(context.thresholdMinor);
  const edges = timesWithin(rng, count, Math.floor(rng.uniform(1, 7) * DAY_MS)).map((dt, i) => ({
    dt,
    from: 0,
    // Each receiver gets at least one transfer.
    to: 1 + (i < receivers ? i : rng.below(receivers)),
    amount: roundish(rng, rng.bigintBetween(min, max), min),
  }));
  return { slots: 1 + receivers, edges };
}

function smurfing(rng: Rng): Shape {
  const smurfs = rng.int(8, 25);
  const window = Math.floor(rng.uniform(1, 7) * DAY_MS);
  const edges: ShapeEdge[] = [];
  for (let s = 1; s <= smurfs; s += 1) {
    const topupAt = Math.floor(rng.float() * (window - 10 * MINUTE_MS));
    const sendAt = topupAt + Math.floor(rng.uniform(10 * MINUTE_MS, Math.min(24 * HOUR_MS, window - topupAt)));
    const amount = roundish(rng, rng.bigintBetween(2_000n * CNY, 9_999n * CNY), 2_000n * CNY);
    // The cash paid in is the sent amount rounded up to a hundred yuan.
    const topup = ((amount + 100n * CNY - 1n) / (100n * CNY)) * 100n * CNY;
    edges.push({ dt: topupAt, from: bankOf(s), to: s, amount: topup });
    edges.push({ dt: sendAt, from: s, to: 0, amount });
  }
  return { slots: smurfs + 1, edges };
}

function rapidPassThrough(rng: Rng, context: ShapeContext): Shape {
  const times = rng.int(2, 5);
  const spread = Math.max(0, Math.min(PASS_THROUGH_PERIOD_MS, context.periodMs) - 25 * HOUR_MS);
  const starts = timesWithin(rng, times, Math.floor(rng.uniform(0.5, 1) * spread));
  const edges: ShapeEdge[] = [];
  for (const [i, dt] of starts.entries()) {
    const amount = between(rng, 10_000n * CNY, 200_000n * CNY);
    edges.push({ dt, from: 1 + 2 * i, to: 0, amount });
    edges.push({ dt: dt + hours(rng, 1, 24), from: 0, to: 2 + 2 * i, amount: share(rng, amount, 9_000, 10_000) });
  }
  return { slots: 1 + 2 * times, edges };
}

/** The shape of an instance of `pattern`; dormant activation is placed by `plan.ts` instead. */
export function launderingShape(
  pattern: Exclude<LaunderingPattern, 'dormant_activation'>,
  rng: Rng,
  context: ShapeContext,
): Shape {
  switch (pattern) {
    case 'fan_out':
      return fanOut(rng);
    case 'fan_in':
      return fanIn(rng);
    case 'cycle':
      return cycle(rng);
    case 'scatter_gather':
      return scatterGather(rng);
    case 'gather_scatter':
      return gatherScatter(rng);
    case 'bipartite':
      return bipartite(rng);
    case 'stack':
      return stack(rng);
    case 'structuring':
      return structuring(rng, context);
    case 'smurfing':
      return smurfing(rng);
    case 'rapid_pass_through':
      return rapidPassThrough(rng, context);
    default:
      return assertNever(pattern, 'laundering pattern');
  }
}

/** About how many transactions an instance has, to size the injected share. */
export const LAUNDERING_TRANSACTIONS_MEAN: Readonly<Record<LaunderingPattern, number>> = {
  fan_out: 10,
  fan_in: 10,
  cycle: 4,
  scatter_gather: 13,
  gather_scatter: 13,
  bipartite: 14,
  stack: 24.5,
  structuring: 6.5,
  smurfing: 33,
  rapid_pass_through: 7,
  dormant_activation: 4.5,
};
