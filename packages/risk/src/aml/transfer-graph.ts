/**
 * The committed transaction graph the AML detectors search: accounts interned to ints, transfers
 * sorted by (time, id), and per account its out- and in-transfers in time order (compressed sparse
 * rows). Amounts and times live in typed arrays so millions of transfers cost tens of bytes each,
 * with no object per edge for the collector to walk.
 */
import { assert } from '@paychain/core';
import { CHANNELS, type Channel, type TransferRecord } from '../transfer-record.ts';

/**
 * Amounts are kept as float64 numbers of minor units inside the graph: the detectors compare and
 * sum them in hot loops, where bigint would allocate per operation. Float64 holds every integer
 * below 2^53 exactly, and sums of a few hundred such amounts stay exact as long as each one is
 * below this bound (90 billion CNY): `addTransfer` refuses larger ones.
 */
export const GRAPH_AMOUNT_MINOR_MAX = 2 ** 53 / 1024;
/** Transfers in one graph: about 100 bytes each with its id string while building, 2 GB at the maximum. */
export const GRAPH_TRANSFERS_MAX = 20_000_000;

assert(Number.isSafeInteger(GRAPH_AMOUNT_MINOR_MAX * 1024 - 1), 'the amount bound leaves room for sums');
assert(GRAPH_TRANSFERS_MAX < 2 ** 31, 'transfer indexes fit an Int32Array');

/** A person-to-person move: channel `transfer`, no merchant on it, and two distinct accounts. */
export const TRANSFER_FLAG_PERSONAL = 1;
/** A merchant payment: `qr`, `pay_code` or `online`, or any transfer carrying a merchant id or MCC. */
export const TRANSFER_FLAG_MERCHANT = 2;

/** Received a merchant payment or paid a `payout`: a merchant's settlement account. */
export const ACCOUNT_FLAG_MERCHANT = 1;
/** The outside side of a `topup` or `withdrawal`: a bank account. */
export const ACCOUNT_FLAG_BANK = 2;

export const CHANNEL_CODE: Readonly<Record<Channel, number>> = Object.fromEntries(
  CHANNELS.map((channel, code) => [channel, code]),
) as Record<Channel, number>;

export interface TransferGraph {
  /** The currency of every amount in the graph; transfers in others are left out (`skippedOtherCurrency`). */
  readonly currency: string;
  readonly transferCount: number;
  readonly accountCount: number;
  /** Account index → id as given. */
  readonly accountIds: readonly string[];
  /** Transfer index → id; indexes follow (time, id) order. */
  readonly transferIds: readonly string[];
  readonly timeMs: Float64Array;
  readonly source: Int32Array;
  readonly target: Int32Array;
  readonly amountMinor: Float64Array;
  /** Index into `CHANNELS`. */
  readonly channel: Uint8Array;
  /** `TRANSFER_FLAG_*` bits. */
  readonly transferFlags: Uint8Array;
  /** `ACCOUNT_FLAG_*` bits, from the transfers seen. */
  readonly accountFlags: Uint8Array;
  /** Account a's out-transfers are `outTransfers[outStart[a] .. outStart[a + 1])`, in time order. */
  readonly outStart: Int32Array;
  readonly outTransfers: Int32Array;
  readonly inStart: Int32Array;
  readonly inTransfers: Int32Array;
  readonly skippedOtherCurrency: number;
}

export type AddTransferStatus =
  | 'added'
  | 'other_currency'
  | 'amount_out_of_range'
  | 'timestamp_out_of_range'
  | 'transfers_max_reached';

/**
 * Collects transfers one by one (so a streamed CSV need not be held as records) and builds the
 * graph once. Not reusable after `build`.
 */
export class TransferGraphBuilder {
  readonly currency: string;
  private readonly accountIndex = new Map<string, number>();
  private readonly accountIds: string[] = [];
  private readonly transferIds: string[] = [];
  private timeMs = new Float64Array(1024);
  private source = new Int32Array(1024);
  private target = new Int32Array(1024);
  private amountMinor = new Float64Array(1024);
  private channel = new Uint8Array(1024);
  private transferFlags = new Uint8Array(1024);
  private count = 0;
  private skippedOtherCurrency = 0;
  private built = false;

  constructor(currency: string) {
    this.currency = currency;
  }

  /** Checks in precedence order; only `added` changes the builder beyond the skip count. */
  add(record: TransferRecord): AddTransferStatus {
    assert(!this.built, 'a graph builder is used once');
    if (record.currency !== this.currency) {
      this.skippedOtherCurrency += 1;
      return 'other_currency';
    }
    if (record.amount < 0n || record.amount > BigInt(GRAPH_AMOUNT_MINOR_MAX)) return 'amount_out_of_range';
    if (!Number.isSafeInteger(record.timestampMs) || record.timestampMs < 0) return 'timestamp_out_of_range';
    if (this.count >= GRAPH_TRANSFERS_MAX) return 'transfers_max_reached';
    if (this.count === this.timeMs.length) this.grow();
    const i = this.count;
    const source = this.intern(record.fromAccount);
    const target = this.intern(record.toAccount);
    const hasMerchant = record.merchantId !== null || record.mcc !== null;
    const channel = record.channel;
    let flags = 0;
    if (channel === 'transfer' && !hasMerchant && source !== target) flags |= TRANSFER_FLAG_PERSONAL;
    if (channel === 'qr' || channel === 'pay_code' || channel === 'online' || hasMerchant) {
      flags |= TRANSFER_FLAG_MERCHANT;
    }
    this.transferIds.push(record.id);
    this.timeMs[i] = record.timestampMs;
    this.source[i] = source;
    this.target[i] = target;
    this.amountMinor[i] = Number(record.amount);
    this.channel[i] = CHANNEL_CODE[channel];
    this.transferFlags[i] = flags;
    this.count = i + 1;
    return 'added';
  }

  build(): TransferGraph {
    assert(!this.built, 'a graph builder is used once');
    this.built = true;
    const n = this.count;
    const order = sortOrder(this.timeMs, this.transferIds, this.source, this.target, this.amountMinor, n);
    const timeMs = permute(this.timeMs, order, new Float64Array(n));
    const source = permute(this.source, order, new Int32Array(n));
    const target = permute(this.target, order, new Int32Array(n));
    const amountMinor = permute(this.amountMinor, order, new Float64Array(n));
    const channel = permute(this.channel, order, new Uint8Array(n));
    const transferFlags = permute(this.transferFlags, order, new Uint8Array(n));
    const transferIds = order === null ? this.transferIds : Array.from(order, (k) => this.transferIds[k] ?? '');
    const accountCount = this.accountIds.length;
    const accountIds = renumberAccounts(source, target, this.accountIds);
    // The index of ids is only needed while adding; the graph keeps the ids in an array.
    this.accountIndex.clear();
    const accountFlags = new Uint8Array(accountCount);
    const payout = CHANNEL_CODE.payout;
    const topup = CHANNEL_CODE.topup;
    const withdrawal = CHANNEL_CODE.withdrawal;
    for (let i = 0; i < n; i++) {
      const s = source[i] ?? 0;
      const t = target[i] ?? 0;
      const c = channel[i];
      if (((transferFlags[i] ?? 0) & TRANSFER_FLAG_MERCHANT) !== 0)
        accountFlags[t] = (accountFlags[t] ?? 0) | ACCOUNT_FLAG_MERCHANT;
      if (c === payout) accountFlags[s] = (accountFlags[s] ?? 0) | ACCOUNT_FLAG_MERCHANT;
      if (c === topup) accountFlags[s] = (accountFlags[s] ?? 0) | ACCOUNT_FLAG_BANK;
      if (c === withdrawal) accountFlags[t] = (accountFlags[t] ?? 0) | ACCOUNT_FLAG_BANK;
    }
    const [outStart, outTransfers] = adjacency(source, accountCount);
    const [inStart, inTransfers] = adjacency(target, accountCount);
    const graph: TransferGraph = {
      currency: this.currency,
      transferCount: n,
      accountCount,
      accountIds,
      transferIds,
      timeMs,
      source,
      target,
      amountMinor,
      channel,
      transferFlags,
      accountFlags,
      outStart,
      outTransfers,
      inStart,
      inTransfers,
      skippedOtherCurrency: this.skippedOtherCurrency,
    };
    assert(outStart[accountCount] === n && inStart[accountCount] === n, 'every transfer has one out and one in slot');
    return graph;
  }

  private intern(account: string): number {
    const known = this.accountIndex.get(account);
    if (known !== undefined) return known;
    const index = this.accountIds.length;
    this.accountIndex.set(account, index);
    this.accountIds.push(account);
    return index;
  }

  private grow(): void {
    const capacity = Math.min(this.timeMs.length * 2, GRAPH_TRANSFERS_MAX);
    this.timeMs = copyInto(this.timeMs, new Float64Array(capacity));
    this.source = copyInto(this.source, new Int32Array(capacity));
    this.target = copyInto(this.target, new Int32Array(capacity));
    this.amountMinor = copyInto(this.amountMinor, new Float64Array(capacity));
    this.channel = copyInto(this.channel, new Uint8Array(capacity));
    this.transferFlags = copyInto(this.transferFlags, new Uint8Array(capacity));
  }
}

/** The statuses that stop a scan: the transfer cannot be held exactly. */
export type AddTransferRefusal = Exclude<AddTransferStatus, 'added' | 'other_currency'>;

export function isAddTransferRefusal(status: AddTransferStatus): status is AddTransferRefusal {
  return status !== 'added' && status !== 'other_currency';
}

export type CreateTransferGraphResult =
  | { readonly ok: true; readonly graph: TransferGraph }
  | {
      readonly ok: false;
      readonly status: AddTransferRefusal;
      readonly id: string;
    };

/** Builds the graph of `records` in `currency`; stops at the first record it cannot hold. */
export function createTransferGraph(records: Iterable<TransferRecord>, currency = 'CNY'): CreateTransferGraphResult {
  const builder = new TransferGraphBuilder(currency);
  for (const record of records) {
    const status = builder.add(record);
    if (status === 'amount_out_of_range' || status === 'transfers_max_reached')
      return { ok: false, status, id: record.id };
  }
  return { ok: true, graph: builder.build() };
}

/** First index in `list[from..to)` whose transfer time is ≥ `timeMs` (lists are in time order). */
export function lowerBoundTime(
  graph: TransferGraph,
  list: Int32Array,
  from: number,
  to: number,
  timeMs: number,
): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((graph.timeMs[list[mid] ?? 0] ?? 0) < timeMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Null when the input is already in order, which the generator's files are. The order is (time,
 * id), then source, target and amount by index (only for duplicate ids, where input order would
 * otherwise leak in; indexes are the interning order, so this is a last resort).
 */
function sortOrder(
  timeMs: Float64Array,
  ids: readonly string[],
  source: Int32Array,
  target: Int32Array,
  amount: Float64Array,
  n: number,
): Int32Array | null {
  const compare = (a: number, b: number): number => {
    const ta = timeMs[a] ?? 0;
    const tb = timeMs[b] ?? 0;
    if (ta !== tb) return ta - tb;
    const ia = ids[a] ?? '';
    const ib = ids[b] ?? '';
    if (ia !== ib) return ia < ib ? -1 : 1;
    return (
      (source[a] ?? 0) - (source[b] ?? 0) || (target[a] ?? 0) - (target[b] ?? 0) || (amount[a] ?? 0) - (amount[b] ?? 0)
    );
  };
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = compare(i - 1, i) <= 0;
  if (sorted) return null;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort(compare);
  return order;
}

/**
 * Numbers accounts by first appearance in the sorted transfers (source before target), in place,
 * and returns the ids in the new order: detectors walk accounts by number and the first to claim
 * a transfer keeps it, so numbering by input order would make alerts depend on it.
 */
function renumberAccounts(source: Int32Array, target: Int32Array, ids: readonly string[]): string[] {
  const renumbered = new Int32Array(ids.length).fill(-1);
  const renumberedIds: string[] = [];
  const renumber = (column: Int32Array, i: number) => {
    const old = column[i] ?? 0;
    let now = renumbered[old] ?? -1;
    if (now < 0) {
      now = renumberedIds.length;
      renumbered[old] = now;
      renumberedIds.push(ids[old] ?? '');
    }
    column[i] = now;
  };
  for (let i = 0; i < source.length; i++) {
    renumber(source, i);
    renumber(target, i);
  }
  assert(renumberedIds.length === ids.length, 'every account is in some transfer');
  return renumberedIds;
}

type NumberArray = Float64Array | Int32Array | Uint8Array;

function permute<T extends NumberArray>(from: T, order: Int32Array | null, to: T): T {
  if (order === null) {
    to.set(from.subarray(0, to.length));
    return to;
  }
  for (let i = 0; i < order.length; i++) to[i] = from[order[i] ?? 0] ?? 0;
  return to;
}

function copyInto<T extends NumberArray>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** Counting sort by account, stable, so each account's list keeps the (time, id) order. */
function adjacency(endpoint: Int32Array, accountCount: number): [Int32Array, Int32Array] {
  const start = new Int32Array(accountCount + 1);
  for (let i = 0; i < endpoint.length; i++) {
    const a = endpoint[i] ?? 0;
    start[a + 1] = (start[a + 1] ?? 0) + 1;
  }
  for (let a = 0; a < accountCount; a++) start[a + 1] = (start[a + 1] ?? 0) + (start[a] ?? 0);
  const next = start.slice(0, accountCount);
  const list = new Int32Array(endpoint.length);
  for (let i = 0; i < endpoint.length; i++) {
    const a = endpoint[i] ?? 0;
    const slot = next[a] ?? 0;
    list[slot] = i;
    next[a] = slot + 1;
  }
  return [start, list];
}
