/**
 * World state: organizations, assets with their supply, accounts, balances and pending
 * transfers, held in memory. Every write goes through `put`, which journals the previous
 * value, so a failed batch rolls back and a block yields the exact set of changed entries
 * (`StateDiff`) that the store persists and the state commitment absorbs.
 *
 * Entry keys are strings `kind:id…`; their canonical byte form is what the commitment and
 * the store see (see `state-codec.ts`).
 */
import { assert } from './assert.ts';
import { TimeoutQueue } from './timeout-queue.ts';
import type { AccountFlags, AccountId, Asset, AssetId, KycTier, Org, OrgId, TxId } from './types.ts';

export interface OrgEntry {
  readonly kind: 'org';
  readonly org: Org;
  /** Height from which the organization counts for quorums (membership changes take effect later). */
  readonly activeFrom: bigint;
  /** Height from which it no longer counts; 0 while active. */
  readonly removedFrom: bigint;
}

export interface AssetEntry {
  readonly kind: 'asset';
  readonly asset: Asset;
  readonly minted: bigint;
  readonly burned: bigint;
}

export interface AccountEntry {
  readonly kind: 'account';
  readonly id: AccountId;
  readonly issuer: OrgId;
  readonly owners: readonly Uint8Array[];
  readonly threshold: number;
  readonly tier: KycTier;
  readonly flags: AccountFlags;
  readonly frozen: boolean;
  readonly closed: boolean;
  readonly openedAt: bigint;
  /** Pending transfers that hold this account's funds or credit it; must be 0 to close. */
  readonly pendingCount: number;
}

export interface BalanceEntry {
  readonly kind: 'balance';
  readonly account: AccountId;
  readonly asset: AssetId;
  readonly debitsPosted: bigint;
  readonly creditsPosted: bigint;
  readonly debitsPending: bigint;
  readonly creditsPending: bigint;
  /** Day number (block time + dayOffset, in days) of `daySpent`. */
  readonly day: bigint;
  readonly daySpent: bigint;
}

export type PendingState = 'pending' | 'posted' | 'voided' | 'expired';

export interface PendingEntry {
  readonly kind: 'pending';
  readonly id: TxId;
  readonly source: AccountId;
  readonly target: AccountId;
  readonly asset: AssetId;
  readonly amount: bigint;
  readonly timeoutAt: bigint;
  readonly state: PendingState;
  readonly postedAmount: bigint;
}

export type StateEntry = OrgEntry | AssetEntry | AccountEntry | BalanceEntry | PendingEntry;

export function orgKey(id: OrgId): string {
  return `org:${id}`;
}
export function assetKey(id: AssetId): string {
  return `asset:${id}`;
}
export function accountKey(id: AccountId): string {
  return `account:${id}`;
}
export function balanceKey(account: AccountId, asset: AssetId): string {
  return `balance:${account}:${asset}`;
}
export function pendingKey(id: TxId): string {
  return `pending:${id}`;
}

export function entryKey(entry: StateEntry): string {
  switch (entry.kind) {
    case 'org':
      return orgKey(entry.org.id);
    case 'asset':
      return assetKey(entry.asset.id);
    case 'account':
      return accountKey(entry.id);
    case 'balance':
      return balanceKey(entry.account, entry.asset);
    case 'pending':
      return pendingKey(entry.id);
  }
}

export function balanceAvailable(b: BalanceEntry): bigint {
  return b.creditsPosted - b.debitsPosted - b.debitsPending;
}

export function balancePosted(b: BalanceEntry): bigint {
  return b.creditsPosted - b.debitsPosted;
}

export function emptyBalance(account: AccountId, asset: AssetId): BalanceEntry {
  return {
    kind: 'balance',
    account,
    asset,
    debitsPosted: 0n,
    creditsPosted: 0n,
    debitsPending: 0n,
    creditsPending: 0n,
    day: 0n,
    daySpent: 0n,
  };
}

/** One change of a block: the entry's value before (null when created) and after. */
export interface StateChange {
  readonly key: string;
  readonly before: StateEntry | null;
  readonly after: StateEntry;
}

export class LedgerState {
  private readonly entries = new Map<string, StateEntry>();
  /** First value seen per key since `beginBlock`: the block's diff. */
  private blockBefore = new Map<string, StateEntry | null>();
  /** Undo log of the open savepoint (a batch), or null. */
  private savepoint: Array<[string, StateEntry | undefined]> | null = null;
  /** Pending transfers still open, by timeout: kept sorted on demand for expiry. */
  private readonly openPendings = new Map<TxId, bigint>();
  private readonly timeouts = new TimeoutQueue();
  /** Asset ids, kept so closing an account checks a handful of balances, not the whole state. */
  private readonly assets = new Set<AssetId>();
  /** Organization ids, kept so quorum checks read a handful of entries, not the whole state. */
  private readonly orgIds = new Set<OrgId>();

  static fromEntries(entries: Iterable<StateEntry>): LedgerState {
    const state = new LedgerState();
    for (const entry of entries) {
      const key = entryKey(entry);
      assert(!state.entries.has(key), `duplicate state entry ${key}`);
      state.entries.set(key, entry);
      state.trackPending(entry);
    }
    return state;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): StateEntry | undefined {
    return this.entries.get(key);
  }

  getOrg(id: OrgId): OrgEntry | undefined {
    const e = this.entries.get(orgKey(id));
    return e?.kind === 'org' ? e : undefined;
  }
  getAsset(id: AssetId): AssetEntry | undefined {
    const e = this.entries.get(assetKey(id));
    return e?.kind === 'asset' ? e : undefined;
  }
  getAccount(id: AccountId): AccountEntry | undefined {
    const e = this.entries.get(accountKey(id));
    return e?.kind === 'account' ? e : undefined;
  }
  getBalance(account: AccountId, asset: AssetId): BalanceEntry | undefined {
    const e = this.entries.get(balanceKey(account, asset));
    return e?.kind === 'balance' ? e : undefined;
  }
  getPending(id: TxId): PendingEntry | undefined {
    const e = this.entries.get(pendingKey(id));
    return e?.kind === 'pending' ? e : undefined;
  }

  *all(): IterableIterator<StateEntry> {
    yield* this.entries.values();
  }

  /** Organizations in id order (deterministic). */
  orgs(): OrgEntry[] {
    const out: OrgEntry[] = [];
    for (const id of [...this.orgIds].sort()) {
      const entry = this.getOrg(id);
      assert(entry !== undefined, 'tracked organization exists');
      out.push(entry);
    }
    return out;
  }

  put(entry: StateEntry): void {
    const key = entryKey(entry);
    const previous = this.entries.get(key);
    if (!this.blockBefore.has(key)) this.blockBefore.set(key, previous ?? null);
    if (this.savepoint !== null) this.savepoint.push([key, previous]);
    this.entries.set(key, entry);
    this.trackPending(entry);
  }

  /** Asset ids in sorted order. */
  assetIds(): AssetId[] {
    return [...this.assets].sort();
  }

  private trackPending(entry: StateEntry): void {
    if (entry.kind === 'asset') this.assets.add(entry.asset.id);
    if (entry.kind === 'org') this.orgIds.add(entry.org.id);
    if (entry.kind !== 'pending') return;
    if (entry.state === 'pending') {
      if (this.openPendings.get(entry.id) !== entry.timeoutAt) this.timeouts.push(entry.id, entry.timeoutAt);
      this.openPendings.set(entry.id, entry.timeoutAt);
    } else this.openPendings.delete(entry.id);
  }

  /** Open pending transfers whose timeout is at or before `time`, by (timeout, id). */
  pendingsDue(time: bigint): TxId[] {
    return this.timeouts.due(time, (id, timeoutAt) => this.openPendings.get(id) === timeoutAt);
  }

  beginSavepoint(): void {
    assert(this.savepoint === null, 'savepoints do not nest');
    this.savepoint = [];
  }

  releaseSavepoint(): void {
    assert(this.savepoint !== null, 'no savepoint to release');
    this.savepoint = null;
  }

  rollbackSavepoint(): void {
    const log = this.savepoint;
    assert(log !== null, 'no savepoint to roll back');
    this.savepoint = null;
    for (const [key, previous] of log.toReversed()) {
      if (previous === undefined) {
        const current = this.entries.get(key);
        this.entries.delete(key);
        if (current?.kind === 'pending') this.openPendings.delete(current.id);
        if (current?.kind === 'asset') this.assets.delete(current.asset.id);
        if (current?.kind === 'org') this.orgIds.delete(current.org.id);
      } else {
        this.entries.set(key, previous);
        this.trackPending(previous);
      }
    }
    // Keys first touched inside the savepoint and now back to their old value stay in
    // blockBefore; `takeBlockChanges` drops changes whose value did not change.
  }

  /** The block's changes since the last call, sorted by key; resets the block journal. */
  takeBlockChanges(): StateChange[] {
    assert(this.savepoint === null, 'a savepoint is still open at the end of a block');
    const changes: StateChange[] = [];
    for (const [key, before] of this.blockBefore) {
      const after = this.entries.get(key);
      if (after === undefined) {
        assert(before === null, `state entry ${key} was deleted; entries are never deleted`);
        continue;
      }
      if (after === before) continue;
      changes.push({ key, before, after });
    }
    this.blockBefore = new Map();
    return changes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
