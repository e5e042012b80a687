/**
 * Deterministic execution: `executeBlock` maps (state, block input) to (results, new state).
 * No clock, no randomness, no I/O: time and height come from the block, signature checks
 * come precomputed (a pure function of the transaction bytes, done in parallel by the shell),
 * and the set of consumed transaction ids is read through `ConsumedTxIds`.
 *
 * Each transaction goes through the same phases:
 *   1. envelope: decode, chain, expiry, signatures, duplicate id   (id stays free)
 *   2. resolve what the signers must be and check they signed      (id stays free)
 *   3. validate the operation, returning the first failing code    (id consumed)
 *   4. mutate — after the first write nothing may fail
 * A batch runs phases 3–4 per operation inside a savepoint and rolls back on the first failure.
 */
import { assert, assertNever } from './assert.ts';
import { bytesToHex } from './bytes.ts';
import {
  ACCOUNT_OWNERS_MAX,
  AMOUNT_MAX,
  ASSET_DECIMALS_MAX,
  DAY_MS,
  ORGS_MAX,
  PENDING_TIMEOUT_MS_MAX,
  PENDING_TIMEOUT_MS_MIN,
  TX_EXPIRY_WINDOW_MS,
} from './limits.ts';
import {
  type AccountEntry,
  type BalanceEntry,
  balanceAvailable,
  emptyBalance,
  type LedgerState,
  type OrgEntry,
  type PendingEntry,
  type StateChange,
} from './state.ts';
import { isIdConsumed, type TxCode } from './status.ts';
import { decodeTransaction } from './tx-codec.ts';
import type {
  AccountId,
  AssetId,
  BurnOp,
  ChainParams,
  MintOp,
  MoneyOp,
  Org,
  PendingCreateOp,
  PendingPostOp,
  PendingVoidOp,
  Transaction,
  TransferOp,
  TxBody,
  TxId,
} from './types.ts';

export interface ExecutionContext {
  readonly chainId: string;
  readonly height: bigint;
  /** Block time, ms since the epoch, from the header. */
  readonly time: bigint;
  readonly params: ChainParams;
  /** Whether bytes form a valid public key of the chain's crypto suite. */
  readonly isValidPublicKey: (key: Uint8Array) => boolean;
}

/** Ids taken by earlier blocks. The shell backs it with its transaction index. */
export interface ConsumedTxIds {
  has(id: TxId): boolean;
}

export interface TxResult {
  /** Zero id when the bytes did not decode. */
  readonly id: TxId;
  readonly code: TxCode;
  /** For a batch, the operation that failed; otherwise 0. */
  readonly opIndex: number;
}

export interface BlockTxInput {
  readonly bytes: Uint8Array;
  /** Every signature on the transaction verifies over its signing bytes. */
  readonly signaturesValid: boolean;
}

export interface BlockExecution {
  readonly results: TxResult[];
  /** Pending transfers that timed out at the start of this block, in (timeout, id) order. */
  readonly expired: TxId[];
  /** Ids consumed by this block (successes and authorized failures). */
  readonly consumed: Array<{ readonly id: TxId; readonly expiresAt: bigint }>;
  readonly changes: StateChange[];
}

export const ZERO_ID = '0'.repeat(32);

type Code = TxCode;

export function executeBlock(
  state: LedgerState,
  ctx: ExecutionContext,
  txs: readonly BlockTxInput[],
  consumedBefore: ConsumedTxIds,
): BlockExecution {
  const expired = expirePendings(state, ctx.time);
  const consumedInBlock = new Set<TxId>();
  const consumed: Array<{ id: TxId; expiresAt: bigint }> = [];
  const results: TxResult[] = [];
  for (const input of txs) {
    const decoded = decodeTransaction(input.bytes);
    if (!decoded.ok) {
      results.push({ id: ZERO_ID, code: 'tx_malformed', opIndex: 0 });
      continue;
    }
    const tx = decoded.value.tx;
    const envelope = checkEnvelope(tx, ctx, input.signaturesValid);
    if (envelope !== 'ok') {
      results.push({ id: tx.id, code: envelope, opIndex: 0 });
      continue;
    }
    if (consumedInBlock.has(tx.id) || consumedBefore.has(tx.id)) {
      results.push({ id: tx.id, code: 'duplicate_id', opIndex: 0 });
      continue;
    }
    const outcome = new Executor(state, ctx, tx).run();
    results.push({ id: tx.id, code: outcome.code, opIndex: outcome.opIndex });
    if (isIdConsumed(outcome.code)) {
      consumedInBlock.add(tx.id);
      consumed.push({ id: tx.id, expiresAt: tx.expiresAt });
    }
  }
  return { results, expired, consumed, changes: state.takeBlockChanges() };
}

function checkEnvelope(tx: Transaction, ctx: ExecutionContext, signaturesValid: boolean): Code {
  if (tx.chainId !== ctx.chainId) return 'chain_mismatch';
  if (tx.expiresAt <= ctx.time) return 'tx_expired';
  if (tx.expiresAt > ctx.time + TX_EXPIRY_WINDOW_MS) return 'expiry_too_far';
  if (!signaturesValid) return 'signature_invalid';
  return 'ok';
}

/** Releases every open pending transfer whose timeout is at or before the block time. */
function expirePendings(state: LedgerState, time: bigint): TxId[] {
  const due = state.pendingsDue(time);
  for (const id of due) {
    const pending = state.getPending(id);
    assert(pending !== undefined && pending.state === 'pending', 'due pending is open');
    releasePending(state, pending, 'expired', 0n);
  }
  return due;
}

/** Posts `postAmount` (0 for void or expiry) of a pending transfer and releases the rest of the hold. */
function releasePending(
  state: LedgerState,
  pending: PendingEntry,
  to: PendingEntry['state'],
  postAmount: bigint,
): void {
  assert(postAmount >= 0n && postAmount <= pending.amount, 'post within the pending amount');
  const source = state.getBalance(pending.source, pending.asset);
  const target = state.getBalance(pending.target, pending.asset);
  assert(source !== undefined && target !== undefined, 'pending balances exist');
  assert(source.debitsPending >= pending.amount && target.creditsPending >= pending.amount, 'pending amounts held');
  state.put({
    ...source,
    debitsPending: source.debitsPending - pending.amount,
    debitsPosted: source.debitsPosted + postAmount,
  });
  state.put({
    ...target,
    creditsPending: target.creditsPending - pending.amount,
    creditsPosted: target.creditsPosted + postAmount,
  });
  for (const id of [pending.source, pending.target]) {
    const account = state.getAccount(id);
    assert(account !== undefined && account.pendingCount > 0, 'pending counted on account');
    state.put({ ...account, pendingCount: account.pendingCount - 1 });
  }
  state.put({ ...pending, state: to, postedAmount: postAmount });
}

interface Outcome {
  readonly code: Code;
  readonly opIndex: number;
}

class Executor {
  private readonly state: LedgerState;
  private readonly ctx: ExecutionContext;
  private readonly tx: Transaction;
  private readonly signers: Set<string>;

  constructor(state: LedgerState, ctx: ExecutionContext, tx: Transaction) {
    this.state = state;
    this.ctx = ctx;
    this.tx = tx;
    this.signers = new Set(tx.signatures.map((s) => bytesToHex(s.publicKey)));
  }

  run(): Outcome {
    const body = this.tx.body;
    if (body.type === 'batch') return this.runBatch(body.ops);
    const auth = this.authorize(body);
    if (auth !== 'ok') return { code: auth, opIndex: 0 };
    return { code: this.apply(body), opIndex: 0 };
  }

  private runBatch(ops: readonly MoneyOp[]): Outcome {
    for (const [i, op] of ops.entries()) {
      const auth = this.authorize(op);
      if (auth !== 'ok') return { code: auth, opIndex: i };
    }
    this.state.beginSavepoint();
    for (const [i, op] of ops.entries()) {
      const code = this.apply(op);
      if (code !== 'ok') {
        this.state.rollbackSavepoint();
        return { code, opIndex: i };
      }
    }
    this.state.releaseSavepoint();
    return { code: 'ok', opIndex: 0 };
  }

  // ---- phase 2: who must sign ----

  private signedBy(keys: readonly Uint8Array[], threshold: number): boolean {
    let count = 0;
    for (const key of keys) if (this.signers.has(bytesToHex(key))) count++;
    return count >= threshold;
  }

  private orgSigned(org: Org): boolean {
    return this.signedBy(org.adminKeys, 1);
  }

  private ownersSigned(account: AccountEntry): boolean {
    return this.signedBy(account.owners, account.threshold);
  }

  private issuerSigned(account: AccountEntry): boolean {
    const issuer = this.activeOrg(account.issuer);
    return issuer !== undefined && this.orgSigned(issuer.org);
  }

  /** An organization that counts at this height: added before it and not removed. */
  private activeOrg(id: string): OrgEntry | undefined {
    const entry = this.state.getOrg(id);
    if (entry === undefined || entry.activeFrom > this.ctx.height) return undefined;
    if (entry.removedFrom !== 0n && entry.removedFrom <= this.ctx.height) return undefined;
    return entry;
  }

  private activeOrgs(): OrgEntry[] {
    return activeOrgsAt(this.state, this.ctx.height);
  }

  /** More than half of the active member organizations signed. */
  private membersQuorumSigned(): boolean {
    const members = this.activeOrgs();
    const signed = members.filter((m) => this.orgSigned(m.org)).length;
    return signed * 2 > members.length;
  }

  private authorize(body: TxBody): Code {
    const s = this.state;
    switch (body.type) {
      case 'org.add':
        return this.membersQuorumSigned() ? 'ok' : 'unauthorized';
      case 'org.remove':
        if (s.getOrg(body.org) === undefined) return 'org_not_found';
        return this.membersQuorumSigned() ? 'ok' : 'unauthorized';
      case 'asset.define': {
        const issuer = this.activeOrg(body.asset.issuer);
        if (issuer === undefined) return 'org_not_found';
        return this.orgSigned(issuer.org) ? 'ok' : 'unauthorized';
      }
      case 'account.open': {
        const issuer = this.activeOrg(body.issuer);
        if (issuer === undefined) return 'org_not_found';
        return this.orgSigned(issuer.org) ? 'ok' : 'unauthorized';
      }
      case 'account.close':
      case 'account.rotate': {
        const account = s.getAccount(body.account);
        if (account === undefined) return 'account_not_found';
        return this.ownersSigned(account) || this.issuerSigned(account) ? 'ok' : 'unauthorized';
      }
      case 'account.freeze':
      case 'account.unfreeze': {
        const account = s.getAccount(body.account);
        if (account === undefined) return 'account_not_found';
        if (this.issuerSigned(account)) return 'ok';
        const auditorSigned = this.activeOrgs().some((o) => o.org.roles.includes('auditor') && this.orgSigned(o.org));
        return auditorSigned ? 'ok' : 'unauthorized';
      }
      case 'account.tier': {
        const account = s.getAccount(body.account);
        if (account === undefined) return 'account_not_found';
        return this.issuerSigned(account) ? 'ok' : 'unauthorized';
      }
      case 'transfer':
      case 'pending.create': {
        const source = s.getAccount(body.source);
        if (source === undefined) return 'account_not_found';
        return this.ownersSigned(source) ? 'ok' : 'unauthorized';
      }
      case 'pending.post': {
        const pending = s.getPending(body.pending);
        if (pending === undefined) return 'pending_not_found';
        const source = s.getAccount(pending.source);
        const target = s.getAccount(pending.target);
        assert(source !== undefined && target !== undefined, 'pending accounts exist');
        return this.ownersSigned(target) || this.ownersSigned(source) ? 'ok' : 'unauthorized';
      }
      case 'pending.void': {
        const pending = s.getPending(body.pending);
        if (pending === undefined) return 'pending_not_found';
        const source = s.getAccount(pending.source);
        const target = s.getAccount(pending.target);
        assert(source !== undefined && target !== undefined, 'pending accounts exist');
        return this.ownersSigned(target) || this.issuerSigned(source) ? 'ok' : 'unauthorized';
      }
      case 'mint':
      case 'burn': {
        const asset = s.getAsset(body.asset);
        if (asset === undefined) return 'asset_not_found';
        const issuer = this.activeOrg(asset.asset.issuer);
        if (issuer === undefined || !this.orgSigned(issuer.org)) return 'unauthorized';
        if (body.type === 'mint') return 'ok';
        const account = s.getAccount(body.account);
        if (account === undefined) return 'account_not_found';
        return this.ownersSigned(account) ? 'ok' : 'unauthorized';
      }
      case 'batch':
        assert(false, 'batches are authorized per operation');
        return 'unauthorized';
      default:
        return assertNever(body, 'transaction body');
    }
  }

  // ---- phases 3 and 4: validate, then mutate ----

  private apply(body: TxBody): Code {
    switch (body.type) {
      case 'org.add':
        return this.orgAdd(body.org);
      case 'org.remove':
        return this.orgRemove(body.org);
      case 'asset.define':
        return this.assetDefine(body);
      case 'account.open':
        return this.accountOpen(body);
      case 'account.close':
        return this.accountClose(body.account);
      case 'account.freeze':
      case 'account.unfreeze':
        return this.accountFreeze(body.account, body.type === 'account.freeze');
      case 'account.rotate':
        return this.accountRotate(body.account, body.owners, body.threshold);
      case 'account.tier':
        return this.accountTier(body.account, body.tier);
      case 'transfer':
        return this.transfer(body);
      case 'pending.create':
        return this.pendingCreate(body);
      case 'pending.post':
        return this.pendingPost(body);
      case 'pending.void':
        return this.pendingVoid(body);
      case 'mint':
        return this.mint(body);
      case 'burn':
        return this.burn(body);
      case 'batch':
        assert(false, 'batches do not nest');
        return 'tx_malformed';
      default:
        return assertNever(body, 'transaction body');
    }
  }

  private isValidOrg(org: Org): boolean {
    if (org.name.length === 0 || org.adminKeys.length === 0) return false;
    if (!org.adminKeys.every((k) => this.ctx.isValidPublicKey(k))) return false;
    const isValidator = org.roles.includes('validator');
    if (isValidator !== (org.validatorKey !== null)) return false;
    return org.validatorKey === null || this.ctx.isValidPublicKey(org.validatorKey);
  }

  private orgAdd(org: Org): Code {
    if (this.state.getOrg(org.id) !== undefined) return 'org_exists';
    if (!this.isValidOrg(org)) return 'org_invalid';
    if (this.state.orgs().length >= ORGS_MAX) return 'org_invalid';
    this.state.put({ kind: 'org', org, activeFrom: this.ctx.height + 1n, removedFrom: 0n });
    return 'ok';
  }

  private orgRemove(id: string): Code {
    const entry = this.state.getOrg(id);
    assert(entry !== undefined, 'authorized org exists');
    if (entry.removedFrom !== 0n) return 'org_removed';
    // The set that will count from the next height: earlier changes in this block included.
    const remaining = activeOrgsAt(this.state, this.ctx.height + 1n).filter((o) => o.org.id !== id);
    if (remaining.length === 0 || !remaining.some((o) => o.org.roles.includes('validator'))) return 'quorum_broken';
    this.state.put({ ...entry, removedFrom: this.ctx.height + 1n });
    return 'ok';
  }

  private assetDefine(body: Extract<TxBody, { type: 'asset.define' }>): Code {
    const issuer = this.activeOrg(body.asset.issuer);
    assert(issuer !== undefined, 'authorized issuer is active');
    if (!issuer.org.roles.includes('issuer')) return 'not_issuer';
    if (this.state.getAsset(body.asset.id) !== undefined) return 'asset_exists';
    if (body.asset.name.length === 0 || body.asset.decimals > ASSET_DECIMALS_MAX) return 'asset_invalid';
    this.state.put({ kind: 'asset', asset: body.asset, minted: 0n, burned: 0n });
    return 'ok';
  }

  private isValidOwners(owners: readonly Uint8Array[], threshold: number): boolean {
    return (
      owners.length >= 1 &&
      owners.length <= ACCOUNT_OWNERS_MAX &&
      threshold >= 1 &&
      threshold <= owners.length &&
      owners.every((k) => this.ctx.isValidPublicKey(k))
    );
  }

  private accountOpen(body: Extract<TxBody, { type: 'account.open' }>): Code {
    const issuer = this.activeOrg(body.issuer);
    assert(issuer !== undefined, 'authorized issuer is active');
    if (!issuer.org.roles.includes('issuer')) return 'not_issuer';
    if (this.state.getAccount(body.account) !== undefined) return 'account_exists';
    if (!this.isValidOwners(body.owners, body.threshold)) return 'account_invalid';
    this.state.put({
      kind: 'account',
      id: body.account,
      issuer: body.issuer,
      owners: body.owners,
      threshold: body.threshold,
      tier: body.tier,
      flags: body.flags,
      frozen: false,
      closed: false,
      openedAt: this.ctx.time,
      pendingCount: 0,
    });
    return 'ok';
  }

  private accountClose(id: AccountId): Code {
    const account = this.state.getAccount(id);
    assert(account !== undefined, 'authorized account exists');
    if (account.closed) return 'account_closed';
    if (account.pendingCount > 0) return 'account_not_empty';
    for (const asset of this.state.assetIds()) {
      const b = this.state.getBalance(id, asset);
      if (b !== undefined && b.creditsPosted !== b.debitsPosted) return 'account_not_empty';
    }
    this.state.put({ ...account, closed: true });
    return 'ok';
  }

  private accountFreeze(id: AccountId, frozen: boolean): Code {
    const account = this.state.getAccount(id);
    assert(account !== undefined, 'authorized account exists');
    if (account.closed) return 'account_closed';
    if (account.frozen === frozen) return 'frozen_unchanged';
    this.state.put({ ...account, frozen });
    return 'ok';
  }

  private accountRotate(id: AccountId, owners: readonly Uint8Array[], threshold: number): Code {
    const account = this.state.getAccount(id);
    assert(account !== undefined, 'authorized account exists');
    if (account.closed) return 'account_closed';
    if (!this.isValidOwners(owners, threshold)) return 'account_invalid';
    this.state.put({ ...account, owners, threshold });
    return 'ok';
  }

  private accountTier(id: AccountId, tier: AccountEntry['tier']): Code {
    const account = this.state.getAccount(id);
    assert(account !== undefined, 'authorized account exists');
    if (account.closed) return 'account_closed';
    this.state.put({ ...account, tier });
    return 'ok';
  }

  private balanceOf(account: AccountId, asset: AssetId): BalanceEntry {
    return this.state.getBalance(account, asset) ?? emptyBalance(account, asset);
  }

  /**
   * Checks an account can take part in a movement of money. Called after authorization, so
   * a missing account is `target_not_found` (a code that consumes the id), never the
   * pre-authorization `account_not_found`.
   */
  private usable(id: AccountId): Code | AccountEntry {
    const account = this.state.getAccount(id);
    if (account === undefined) return 'target_not_found';
    if (account.closed) return 'account_closed';
    if (account.frozen) return 'account_frozen';
    return account;
  }

  private today(): bigint {
    return (this.ctx.time + this.ctx.params.dayOffsetMs) / DAY_MS;
  }

  /** Validates a debit of `amount` from `source` (funds and tier limits); returns its new balance. */
  private validateDebit(source: AccountEntry, asset: AssetId, amount: bigint): Code | BalanceEntry {
    const balance = this.balanceOf(source.id, asset);
    const limit = this.ctx.params.tierLimits[source.tier];
    const today = this.today();
    const spent = balance.day === today ? balance.daySpent : 0n;
    if (limit !== null) {
      if (amount > limit.perPaymentMax) return 'limit_per_payment';
      if (spent + amount > limit.perDayMax) return 'limit_per_day';
    }
    if (!source.flags.allowNegative && balanceAvailable(balance) < amount) return 'insufficient_funds';
    if (balance.debitsPosted + balance.debitsPending + amount > AMOUNT_MAX) return 'balance_overflow';
    return { ...balance, day: today, daySpent: spent + amount };
  }

  private validateMove(
    op: TransferOp | PendingCreateOp,
  ): Code | { source: AccountEntry; target: AccountEntry; sourceBalance: BalanceEntry; targetBalance: BalanceEntry } {
    if (op.source === op.target) return 'same_account';
    if (op.amount <= 0n || op.amount > AMOUNT_MAX) return 'amount_invalid';
    if (this.state.getAsset(op.asset) === undefined) return 'asset_unknown';
    const source = this.usable(op.source);
    if (typeof source === 'string') return source;
    const target = this.usable(op.target);
    if (typeof target === 'string') return target;
    const sourceBalance = this.validateDebit(source, op.asset, op.amount);
    if (typeof sourceBalance === 'string') return sourceBalance;
    const targetBalance = this.balanceOf(op.target, op.asset);
    if (targetBalance.creditsPosted + targetBalance.creditsPending + op.amount > AMOUNT_MAX) return 'balance_overflow';
    return { source, target, sourceBalance, targetBalance };
  }

  private transfer(op: TransferOp): Code {
    const move = this.validateMove(op);
    if (typeof move === 'string') return move;
    this.state.put({ ...move.sourceBalance, debitsPosted: move.sourceBalance.debitsPosted + op.amount });
    this.state.put({ ...move.targetBalance, creditsPosted: move.targetBalance.creditsPosted + op.amount });
    return 'ok';
  }

  private pendingCreate(op: PendingCreateOp): Code {
    if (op.timeoutMs < PENDING_TIMEOUT_MS_MIN || op.timeoutMs > PENDING_TIMEOUT_MS_MAX) return 'timeout_invalid';
    const move = this.validateMove(op);
    if (typeof move === 'string') return move;
    assert(this.state.getPending(this.tx.id) === undefined, 'a fresh transaction id has no pending transfer');
    this.state.put({ ...move.sourceBalance, debitsPending: move.sourceBalance.debitsPending + op.amount });
    this.state.put({ ...move.targetBalance, creditsPending: move.targetBalance.creditsPending + op.amount });
    this.state.put({ ...move.source, pendingCount: move.source.pendingCount + 1 });
    this.state.put({ ...move.target, pendingCount: move.target.pendingCount + 1 });
    this.state.put({
      kind: 'pending',
      id: this.tx.id,
      source: op.source,
      target: op.target,
      asset: op.asset,
      amount: op.amount,
      timeoutAt: this.ctx.time + op.timeoutMs,
      state: 'pending',
      postedAmount: 0n,
    });
    return 'ok';
  }

  private pendingPost(op: PendingPostOp): Code {
    const pending = this.state.getPending(op.pending);
    assert(pending !== undefined, 'authorized pending exists');
    if (pending.state !== 'pending') return 'pending_closed';
    if (op.amount <= 0n || op.amount > AMOUNT_MAX) return 'amount_invalid';
    if (op.amount > pending.amount) return 'post_exceeds_pending';
    for (const id of [pending.source, pending.target]) {
      const account = this.usable(id);
      if (typeof account === 'string') return account;
    }
    releasePending(this.state, pending, 'posted', op.amount);
    return 'ok';
  }

  private pendingVoid(op: PendingVoidOp): Code {
    const pending = this.state.getPending(op.pending);
    assert(pending !== undefined, 'authorized pending exists');
    if (pending.state !== 'pending') return 'pending_closed';
    releasePending(this.state, pending, 'voided', 0n);
    return 'ok';
  }

  private mint(op: MintOp): Code {
    const asset = this.state.getAsset(op.asset);
    assert(asset !== undefined, 'authorized asset exists');
    if (op.amount <= 0n || op.amount > AMOUNT_MAX) return 'amount_invalid';
    const account = this.usable(op.account);
    if (typeof account === 'string') return account;
    if (asset.minted - asset.burned + op.amount > AMOUNT_MAX || asset.minted + op.amount > AMOUNT_MAX) {
      return 'supply_overflow';
    }
    const balance = this.balanceOf(op.account, op.asset);
    if (balance.creditsPosted + balance.creditsPending + op.amount > AMOUNT_MAX) return 'balance_overflow';
    this.state.put({ ...asset, minted: asset.minted + op.amount });
    this.state.put({ ...balance, creditsPosted: balance.creditsPosted + op.amount });
    return 'ok';
  }

  private burn(op: BurnOp): Code {
    const asset = this.state.getAsset(op.asset);
    assert(asset !== undefined, 'authorized asset exists');
    if (op.amount <= 0n || op.amount > AMOUNT_MAX) return 'amount_invalid';
    const account = this.usable(op.account);
    if (typeof account === 'string') return account;
    const balance = this.balanceOf(op.account, op.asset);
    if (balanceAvailable(balance) < op.amount) return 'insufficient_funds';
    if (asset.burned + op.amount > AMOUNT_MAX) return 'supply_overflow';
    this.state.put({ ...asset, burned: asset.burned + op.amount });
    this.state.put({ ...balance, debitsPosted: balance.debitsPosted + op.amount });
    return 'ok';
  }
}

/** Organizations that count for quorums at `height`. */
export function activeOrgsAt(state: LedgerState, height: bigint): OrgEntry[] {
  return state.orgs().filter((o) => o.activeFrom <= height && (o.removedFrom === 0n || o.removedFrom > height));
}

/** Validators' public keys at `height`, in org id order, and the number of signatures that make a quorum. */
export function validatorSetAt(
  state: LedgerState,
  height: bigint,
): { keys: Uint8Array[]; orgs: string[]; quorum: number } {
  const validators = activeOrgsAt(state, height).filter((o) => o.org.validatorKey !== null);
  const keys = validators.map((o) => {
    assert(o.org.validatorKey !== null, 'validator has a key');
    return o.org.validatorKey;
  });
  return { keys, orgs: validators.map((o) => o.org.id), quorum: Math.floor(keys.length / 2) + 1 };
}
