/**
 * World state: organizations, assets with their supply, accounts, balances, pending
 * transfers, merchant attributes, programs and per-(program, account) program balances, held
 * in memory, and the interbank settlement schemes with their participants and windows. Program
 * money and pledged settlement liquidity are never in a `balance` entry: an asset's supply equals
 * the sum of ordinary balances plus what programs hold (pools, beneficiaries' balances,
 * receivables) plus what participants pledged. Every write goes through `put`, which journals the previous
 * value, so a failed batch rolls back and a block yields the exact set of changed entries
 * (`StateDiff`) that the store persists and the state commitment absorbs.
 *
 * Entry keys are strings `kind:id…`; their canonical byte form is what the commitment and
 * the store see (see `state-codec.ts`).
 */
import { assert } from './assert.ts';
import { TimeoutQueue } from './timeout-queue.ts';
import type {
  AccountFlags,
  AccountId,
  Asset,
  AssetId,
  CurrencyCode,
  Id128,
  KycTier,
  Org,
  OrgId,
  ProgramRules,
  TxId,
} from './types.ts';

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

/** Public business attributes of a merchant account (no personal data). */
export interface MerchantEntry {
  readonly kind: 'merchant';
  readonly account: AccountId;
  readonly mcc: string;
  readonly region: string;
}

/** `expired` once the expiry sweep has returned every unspent unit to the funding account. */
export type ProgramStatus = 'active' | 'suspended' | 'expired';

/**
 * A program and its running totals. Money conservation, asserted by the tests:
 * funded = pool + Σ beneficiary balances + Σ merchant receivables + redeemed + returned + clawedBack + released,
 * and disbursed = Σ allocated, spent = Σ received.
 */
export interface ProgramEntry {
  readonly kind: 'program';
  readonly id: Id128;
  readonly funder: OrgId;
  readonly auditor: OrgId;
  readonly asset: AssetId;
  readonly budget: bigint;
  readonly rules: ProgramRules;
  readonly fundingAccount: AccountId;
  readonly status: ProgramStatus;
  readonly createdAt: bigint;
  /** Money held undisbursed inside the program. */
  readonly pool: bigint;
  readonly funded: bigint;
  readonly disbursed: bigint;
  readonly spent: bigint;
  readonly redeemed: bigint;
  /** Returned to the funding account by the expiry sweep (pool and beneficiaries' balances). */
  readonly returned: bigint;
  readonly clawedBack: bigint;
  /** Released at the end into beneficiaries' ordinary balances (`atExpiry: 'release'`). */
  readonly released: bigint;
}

/**
 * Program money of one account in one program, apart from its ordinary balances. As a
 * beneficiary: balance = allocated − spent − clawedBack − returned. As a merchant:
 * receivable = received − redeemed.
 */
export interface ProgramBalanceEntry {
  readonly kind: 'program-balance';
  readonly program: Id128;
  readonly account: AccountId;
  readonly allocated: bigint;
  readonly spent: bigint;
  readonly clawedBack: bigint;
  /** Left the program at its end: returned to the funder or released to this beneficiary (the program's `atExpiry`). */
  readonly returned: bigint;
  readonly received: bigint;
  readonly redeemed: bigint;
}

/** A currency's settlement scheme. Windows are numbered from 1; the one numbered `openWindow` is open. */
export interface SchemeEntry {
  readonly kind: 'scheme';
  readonly currency: CurrencyCode;
  readonly settlementOrg: OrgId;
  readonly settlementAsset: AssetId;
  readonly openWindow: bigint;
  /** The first window not settled yet (equal to openWindow when every closed window is settled). */
  readonly nextToSettle: bigint;
  readonly participants: number;
}

/** A bank in a scheme: its deposit asset, its account at the settlement institution and its liquidity. */
export interface ParticipantEntry {
  readonly kind: 'participant';
  readonly currency: CurrencyCode;
  readonly org: OrgId;
  readonly depositAsset: AssetId;
  /** The scheme's settlement asset (kept here so the supply check reads one entry). */
  readonly settlementAsset: AssetId;
  readonly settlementAccount: AccountId;
  /** Settlement asset pledged as liquidity, out of the settlement account: the net debit cap. */
  readonly pledged: bigint;
  /** What the bank owes in closed windows not settled yet: Σ max(−net, 0) over them. */
  readonly owed: bigint;
}

export type WindowStatus = 'open' | 'closed' | 'settled';

/** A bank's net position in one window: positive when it is owed, negative when it owes. */
export interface WindowPosition {
  readonly org: OrgId;
  readonly net: bigint;
}

/**
 * One settlement window of a scheme. A payment belongs to the window open when it executes: those whose (height,
 * index) lies after `opened` and before `closed` (the transactions that opened and closed it).
 */
export interface WindowEntry {
  readonly kind: 'window';
  readonly currency: CurrencyCode;
  readonly seq: bigint;
  readonly status: WindowStatus;
  readonly openedHeight: bigint;
  readonly openedIndex: number;
  readonly openedAt: bigint;
  /** 0 while open. */
  readonly closedHeight: bigint;
  readonly closedIndex: number;
  readonly closedAt: bigint;
  /** Where the settlement transaction is (0 until settled): the window history links to it. */
  readonly settledHeight: bigint;
  readonly settledIndex: number;
  readonly settledAt: bigint;
  readonly payments: bigint;
  readonly gross: bigint;
  /** By org, ascending; Σ net = 0. A bank without payments in the window has no position. */
  readonly positions: readonly WindowPosition[];
}

/** A liquidity provider's FX quote, as posted, with what conversions used of it. */
export interface QuoteEntry {
  readonly kind: 'quote';
  readonly id: Id128;
  readonly provider: OrgId;
  readonly baseAsset: AssetId;
  readonly quoteAsset: AssetId;
  readonly rateNum: bigint;
  readonly rateDen: bigint;
  readonly minBase: bigint;
  readonly maxBase: bigint;
  readonly capacity: bigint;
  readonly baseAccount: AccountId;
  readonly quoteAccount: AccountId;
  readonly expiresAt: bigint;
  /** Base amount converted so far. */
  readonly used: bigint;
  readonly conversions: bigint;
  /** Withdrawn by the provider. */
  readonly cancelled: boolean;
}

export type StateEntry =
  | OrgEntry
  | AssetEntry
  | AccountEntry
  | BalanceEntry
  | PendingEntry
  | MerchantEntry
  | ProgramEntry
  | ProgramBalanceEntry
  | SchemeEntry
  | ParticipantEntry
  | WindowEntry
  | QuoteEntry;

function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

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

export function merchantKey(account: AccountId): string {
  return `merchant:${account}`;
}
export function programKey(id: Id128): string {
  return `program:${id}`;
}
export function programBalanceKey(program: Id128, account: AccountId): string {
  return `program-balance:${program}:${account}`;
}

export function schemeKey(currency: CurrencyCode): string {
  return `scheme:${currency}`;
}
export function participantKey(currency: CurrencyCode, org: OrgId): string {
  return `participant:${currency}:${org}`;
}
/** Windows sort by number within a scheme: the number is written as 20 digits. */
export function windowKey(currency: CurrencyCode, seq: bigint): string {
  return `window:${currency}:${seq.toString().padStart(20, '0')}`;
}

export function quoteKey(id: Id128): string {
  return `quote:${id}`;
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
    case 'merchant':
      return merchantKey(entry.account);
    case 'program':
      return programKey(entry.id);
    case 'program-balance':
      return programBalanceKey(entry.program, entry.account);
    case 'scheme':
      return schemeKey(entry.currency);
    case 'participant':
      return participantKey(entry.currency, entry.org);
    case 'window':
      return windowKey(entry.currency, entry.seq);
    case 'quote':
      return quoteKey(entry.id);
  }
}

/** A beneficiary's unspent program money. */
export function programBalanceOf(b: ProgramBalanceEntry): bigint {
  return b.allocated - b.spent - b.clawedBack - b.returned;
}

/** A merchant's program money not yet redeemed into ordinary deposits. */
export function programReceivableOf(b: ProgramBalanceEntry): bigint {
  return b.received - b.redeemed;
}

export function emptyProgramBalance(program: Id128, account: AccountId): ProgramBalanceEntry {
  return {
    kind: 'program-balance',
    program,
    account,
    allocated: 0n,
    spent: 0n,
    clawedBack: 0n,
    returned: 0n,
    received: 0n,
    redeemed: 0n,
  };
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
  /** Banks in each currency's settlement scheme, so a view of the scheme reads its participants only. */
  private readonly schemeParticipants = new Map<CurrencyCode, Set<OrgId>>();
  /** Currencies with a settlement scheme. */
  private readonly schemeCurrencies = new Set<CurrencyCode>();
  /** Programs not yet swept, by id → validUntilMs: the expiry sweep reads these, not the whole state. */
  private readonly openPrograms = new Map<Id128, bigint>();
  /** The same programs by (validUntilMs, id), so a block finds the due ones without visiting every open program. */
  private readonly programEnds = new TimeoutQueue();
  /** Per program, the beneficiaries holding unspent program money: what the expiry sweep returns. */
  private readonly programHolders = new Map<Id128, Set<AccountId>>();
  /** Per account, the programs in which it holds program money (a balance or a receivable): it cannot close. */
  private readonly programHoldings = new Map<AccountId, Set<Id128>>();
  /** Every FX quote ever posted, so listings read quotes only, not the whole state. */
  private readonly quoteIds = new Set<Id128>();
  /**
   * Quotes by `BASE>QUOTE` not known to be over (withdrawn, or expired at a time a listing asked about): where a
   * payment's quote is chosen. Expiry never reverses, so dropping the expired ones as they are met is safe.
   */
  private readonly liveQuoteIds = new Map<string, Set<Id128>>();

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
  getMerchant(account: AccountId): MerchantEntry | undefined {
    const e = this.entries.get(merchantKey(account));
    return e?.kind === 'merchant' ? e : undefined;
  }
  /** A program with its totals (funded, pool, disbursed, spent, redeemed, returned, clawedBack). */
  getProgram(id: Id128): ProgramEntry | undefined {
    const e = this.entries.get(programKey(id));
    return e?.kind === 'program' ? e : undefined;
  }
  getQuote(id: Id128): QuoteEntry | undefined {
    const e = this.entries.get(quoteKey(id));
    return e?.kind === 'quote' ? e : undefined;
  }
  /** The settlement schemes, by currency. */
  schemes(): SchemeEntry[] {
    const out: SchemeEntry[] = [];
    for (const currency of [...this.schemeCurrencies].sort()) {
      const scheme = this.getScheme(currency);
      if (scheme !== undefined) out.push(scheme);
    }
    return out;
  }

  /** The banks in a currency's scheme, by org id. */
  participantsOf(currency: CurrencyCode): ParticipantEntry[] {
    const out: ParticipantEntry[] = [];
    for (const org of [...(this.schemeParticipants.get(currency) ?? [])].sort()) {
      const participant = this.getParticipant(currency, org);
      if (participant !== undefined) out.push(participant);
    }
    return out;
  }
  getScheme(currency: CurrencyCode): SchemeEntry | undefined {
    const e = this.entries.get(schemeKey(currency));
    return e?.kind === 'scheme' ? e : undefined;
  }
  getParticipant(currency: CurrencyCode, org: OrgId): ParticipantEntry | undefined {
    const e = this.entries.get(participantKey(currency, org));
    return e?.kind === 'participant' ? e : undefined;
  }
  getWindow(currency: CurrencyCode, seq: bigint): WindowEntry | undefined {
    const e = this.entries.get(windowKey(currency, seq));
    return e?.kind === 'window' ? e : undefined;
  }
  getProgramBalance(program: Id128, account: AccountId): ProgramBalanceEntry | undefined {
    const e = this.entries.get(programBalanceKey(program, account));
    return e?.kind === 'program-balance' ? e : undefined;
  }
  /** A beneficiary's unspent money in a program (0 when none). */
  programBalance(program: Id128, account: AccountId): bigint {
    const b = this.getProgramBalance(program, account);
    return b === undefined ? 0n : programBalanceOf(b);
  }
  /** A merchant's program money not yet redeemed (0 when none). */
  programReceivable(program: Id128, merchant: AccountId): bigint {
    const b = this.getProgramBalance(program, merchant);
    return b === undefined ? 0n : programReceivableOf(b);
  }

  /**
   * Programs not yet swept whose validity ended at or before `time`: the first `max` by (validUntilMs, id). The
   * rest stay open and come first at the next block, so a block sweeps at most `max` programs.
   */
  programsDue(time: bigint, max: number): Id128[] {
    assert(Number.isSafeInteger(max) && max >= 0, 'programsDue: max is a whole number');
    return this.programEnds.due(time, (id, until) => this.openPrograms.get(id) === until, max);
  }

  /**
   * The quotes converting `baseAsset` into `quoteAsset` still usable at `time` (not withdrawn, expiring after it),
   * by rate, best for the payer first (most quote asset per base unit), then by later expiry and id.
   */
  liveQuotes(baseAsset: AssetId, quoteAsset: AssetId, time: bigint): QuoteEntry[] {
    const ids = this.liveQuoteIds.get(`${baseAsset}>${quoteAsset}`);
    if (ids === undefined) return [];
    const out: QuoteEntry[] = [];
    for (const id of ids) {
      const quote = this.getQuote(id);
      if (quote === undefined) continue;
      if (quote.cancelled || quote.expiresAt <= time) ids.delete(id);
      else out.push(quote);
    }
    return out.sort(
      (a, b) =>
        compareBig(b.rateNum * a.rateDen, a.rateNum * b.rateDen) ||
        compareBig(b.expiresAt, a.expiresAt) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
  }

  /** The latest `max` quotes of any pair, by expiry (latest first) then id: what the consoles list. */
  quotes(max: number): QuoteEntry[] {
    assert(Number.isSafeInteger(max) && max >= 0, 'quotes: max is a whole number');
    const out: QuoteEntry[] = [];
    for (const id of this.quoteIds) {
      const quote = this.getQuote(id);
      if (quote !== undefined) out.push(quote);
    }
    out.sort((a, b) => compareBig(b.expiresAt, a.expiresAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return out.slice(0, max);
  }

  /** Whether an account holds program money in any program: a beneficiary's balance or a merchant's receivable. */
  holdsProgramMoney(account: AccountId): boolean {
    const programs = this.programHoldings.get(account);
    return programs !== undefined && programs.size > 0;
  }

  /** Whether a program not yet swept returns its money to this account. */
  isFundingOpenProgram(account: AccountId): boolean {
    for (const id of this.openPrograms.keys()) if (this.getProgram(id)?.fundingAccount === account) return true;
    return false;
  }

  /** Beneficiaries holding unspent money in a program, in id order, at most `max`. */
  programHoldersOf(program: Id128, max: number): AccountId[] {
    const holders = this.programHolders.get(program);
    if (holders === undefined) return [];
    return [...holders].sort().slice(0, max);
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

  private trackProgram(entry: StateEntry): void {
    if (entry.kind === 'program') {
      const until = entry.rules.validUntilMs;
      if (entry.status === 'expired') this.openPrograms.delete(entry.id);
      else if (this.openPrograms.get(entry.id) !== until) {
        // Once per program (every spend rewrites the entry; its end never changes): the heap stays one item each.
        this.programEnds.push(entry.id, until);
        this.openPrograms.set(entry.id, until);
      }
    }
    if (entry.kind === 'program-balance') {
      let holders = this.programHolders.get(entry.program);
      if (programBalanceOf(entry) > 0n) {
        if (holders === undefined) {
          holders = new Set();
          this.programHolders.set(entry.program, holders);
        }
        holders.add(entry.account);
      } else holders?.delete(entry.account);
      let programs = this.programHoldings.get(entry.account);
      if (programBalanceOf(entry) > 0n || programReceivableOf(entry) > 0n) {
        if (programs === undefined) {
          programs = new Set();
          this.programHoldings.set(entry.account, programs);
        }
        programs.add(entry.program);
      } else programs?.delete(entry.program);
    }
  }

  private untrackProgram(entry: StateEntry): void {
    if (entry.kind === 'program') this.openPrograms.delete(entry.id);
    if (entry.kind === 'program-balance') {
      this.programHolders.get(entry.program)?.delete(entry.account);
      this.programHoldings.get(entry.account)?.delete(entry.program);
    }
  }

  private trackPending(entry: StateEntry): void {
    this.trackProgram(entry);
    if (entry.kind === 'asset') this.assets.add(entry.asset.id);
    if (entry.kind === 'org') this.orgIds.add(entry.org.id);
    if (entry.kind === 'scheme') this.schemeCurrencies.add(entry.currency);
    if (entry.kind === 'quote') {
      this.quoteIds.add(entry.id);
      const pair = `${entry.baseAsset}>${entry.quoteAsset}`;
      let live = this.liveQuoteIds.get(pair);
      if (live === undefined) {
        live = new Set();
        this.liveQuoteIds.set(pair, live);
      }
      if (entry.cancelled) live.delete(entry.id);
      else live.add(entry.id);
    }
    if (entry.kind === 'participant') {
      let orgs = this.schemeParticipants.get(entry.currency);
      if (orgs === undefined) {
        orgs = new Set();
        this.schemeParticipants.set(entry.currency, orgs);
      }
      orgs.add(entry.org);
    }
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
        if (current !== undefined) this.untrackProgram(current);
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
