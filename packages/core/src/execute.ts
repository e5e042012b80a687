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
 * Before the first transaction, a block expires due pending transfers, then sweeps expired
 * programs (unspent money back to the funder), both in a deterministic order.
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
  PROGRAM_SWEEP_BALANCES_MAX,
  PROGRAM_SWEEPS_MAX,
  PROGRAM_WINDOW_MS_MAX,
  QUOTE_LIFETIME_MS_MAX,
  SCHEME_PARTICIPANTS_MAX,
  TX_EXPIRY_WINDOW_MS,
} from './limits.ts';
import { convertedAmount } from './money.ts';
import {
  type AccountEntry,
  type BalanceEntry,
  balanceAvailable,
  emptyBalance,
  emptyProgramBalance,
  type LedgerState,
  type MerchantEntry,
  type OrgEntry,
  type ParticipantEntry,
  type PendingEntry,
  type ProgramBalanceEntry,
  type ProgramEntry,
  programBalanceOf,
  programReceivableOf,
  type StateChange,
  type WindowEntry,
  type WindowPosition,
} from './state.ts';
import { isIdConsumed, type TxCode } from './status.ts';
import { decodeTransaction } from './tx-codec.ts';
import type {
  AccountId,
  AssetId,
  BurnOp,
  ChainParams,
  CurrencyCode,
  Id128,
  MintOp,
  MoneyOp,
  Org,
  OrgId,
  PendingCreateOp,
  PendingPostOp,
  PendingVoidOp,
  ProgramBody,
  SettlementBody,
  SettlementPledgeBody,
  SettlementWindowBody,
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

/**
 * Whether a program takes spends at block time `time`: its status and validity window, in the order the ledger checks
 * them. Exported so a gateway can tell a payer the ledger's own reason before anything is signed.
 */
export function programWindowRefusal(
  program: ProgramEntry,
  time: bigint,
): 'program_suspended' | 'program_not_started' | 'program_expired' | null {
  if (program.status === 'suspended') return 'program_suspended';
  if (time < program.rules.validFromMs) return 'program_not_started';
  if (program.status === 'expired' || time >= program.rules.validUntilMs) return 'program_expired';
  return null;
}

/**
 * Whether a program's rules let `merchant` (with its on-chain attributes, if any) take `amount`: category, region,
 * list, per-payment cap, in the ledger's order. A merchant without attributes fails any category or region rule.
 */
export function programMerchantRefusal(
  program: ProgramEntry,
  merchant: AccountId,
  attributes: MerchantEntry | undefined,
  amount: bigint,
): 'merchant_not_eligible_mcc' | 'merchant_not_eligible_region' | 'merchant_not_listed' | 'amount_above_cap' | null {
  const rules = program.rules;
  if (rules.mccs.length > 0 && (attributes === undefined || !rules.mccs.includes(attributes.mcc))) {
    return 'merchant_not_eligible_mcc';
  }
  if (rules.regions.length > 0 && (attributes === undefined || !rules.regions.includes(attributes.region))) {
    return 'merchant_not_eligible_region';
  }
  if (rules.merchants.length > 0 && !rules.merchants.includes(merchant)) return 'merchant_not_listed';
  if (rules.perPaymentMax > 0n && amount > rules.perPaymentMax) return 'amount_above_cap';
  return null;
}

/** What the expiry sweep returned from one program to its funding account at the start of a block. */
export interface ProgramSweep {
  readonly program: Id128;
  /** Undisbursed pool returned (taken in the block that completes the sweep). */
  readonly pool: bigint;
  /** Beneficiaries' unspent balances returned, in account id order. */
  readonly balances: ReadonlyArray<{ readonly account: AccountId; readonly amount: bigint }>;
  /** The program is now `expired`; false when the rest carries over to the next block. */
  readonly complete: boolean;
  /**
   * Set when nothing was returned because the funding account cannot take the credit (its credits would pass
   * AMOUNT_MAX): the program keeps its money and stays due. Alarm-worthy.
   */
  readonly stopped?: 'balance_overflow';
}

export interface BlockExecution {
  readonly results: TxResult[];
  /** Pending transfers that timed out at the start of this block, in (timeout, id) order. */
  readonly expired: TxId[];
  /**
   * Programs swept at the start of this block, after the pending timeouts, in (validUntilMs, id)
   * order. Not part of the result root (kept as it was); the swept amounts are in the state
   * changes, hence in the state commitment. Peers store them with the block (`program_sweeps`, in
   * `encodeProgramSweeps` form); `paychain verify` replays and compares them.
   */
  readonly programSweeps: ProgramSweep[];
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
  const programSweeps = sweepPrograms(state, ctx.time);
  const consumedInBlock = new Set<TxId>();
  const consumed: Array<{ id: TxId; expiresAt: bigint }> = [];
  const results: TxResult[] = [];
  for (const [index, input] of txs.entries()) {
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
    const outcome = new Executor(state, ctx, tx, index).run();
    results.push({ id: tx.id, code: outcome.code, opIndex: outcome.opIndex });
    if (isIdConsumed(outcome.code)) {
      consumedInBlock.add(tx.id);
      consumed.push({ id: tx.id, expiresAt: tx.expiresAt });
    }
  }
  return { results, expired, programSweeps, consumed, changes: state.takeBlockChanges() };
}

/** Positions after `payer` pays `payee` `amount`: by org, ascending, a position per bank that took part. */
function movePositions(
  positions: readonly WindowPosition[],
  payer: OrgId,
  payee: OrgId,
  amount: bigint,
): WindowPosition[] {
  const net = new Map(positions.map((p) => [p.org, p.net]));
  net.set(payer, (net.get(payer) ?? 0n) - amount);
  net.set(payee, (net.get(payee) ?? 0n) + amount);
  return [...net].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([org, n]) => ({ org, net: n }));
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

/** How much the expiry sweep does per block; the rest carries to the next block. Tests pass smaller ones. */
export interface SweepLimits {
  /** Programs visited per block (PROGRAM_SWEEPS_MAX). */
  readonly programsMax: number;
  /** Beneficiary balances returned per block, over all programs (PROGRAM_SWEEP_BALANCES_MAX). */
  readonly balancesMax: number;
}

export const SWEEP_LIMITS: SweepLimits = {
  programsMax: PROGRAM_SWEEPS_MAX,
  balancesMax: PROGRAM_SWEEP_BALANCES_MAX,
};

/**
 * Ends programs whose validity ended at or before the block time: at most `limits.programsMax` programs, in
 * (validUntilMs, id) order; per program the beneficiaries' unspent balances first (at most `limits.balancesMax` per
 * block over all programs, the rest carried to the next block), then the pool. Balances go where the program's
 * `atExpiry` says — back to the funding account (`return`) or into each beneficiary's ordinary balance (`release`);
 * the pool always returns to the funding account. Merchant receivables stay redeemable.
 *
 * Validate, then mutate: every credit is checked before anything of the program is written. If one would pass
 * AMOUNT_MAX (`creditsPosted` only grows, so this lasts), the program is left untouched — its money stays inside it,
 * counted in pool and balances, so supply is conserved — and reported with `stopped: 'balance_overflow'` for the
 * operators' alarm; it stays due and is tried again at each block (it takes one of the `programsMax` slots). Halting
 * the chain instead would stop every payment for one account.
 */
export function sweepPrograms(state: LedgerState, time: bigint, limits: SweepLimits = SWEEP_LIMITS): ProgramSweep[] {
  const sweeps: ProgramSweep[] = [];
  let left = limits.balancesMax;
  for (const id of state.programsDue(time, limits.programsMax)) {
    if (left === 0) break;
    const program = state.getProgram(id);
    assert(program !== undefined && program.status !== 'expired', 'a due program is open');
    const release = program.rules.atExpiry === 'release';
    // Validate: what this block moves, read-only.
    const holders = state.programHoldersOf(id, left + 1);
    const complete = holders.length <= left;
    const taken = complete ? holders : holders.slice(0, left);
    const moves: Array<{ entry: ProgramBalanceEntry; amount: bigint }> = [];
    let fromBalances = 0n;
    let overflow = false;
    for (const account of taken) {
      const entry = state.getProgramBalance(id, account);
      assert(entry !== undefined, 'a holder has a program balance');
      const amount = programBalanceOf(entry);
      assert(amount > 0n, 'a holder holds program money');
      moves.push({ entry, amount });
      fromBalances += amount;
      if (release) {
        const own = state.getBalance(account, program.asset) ?? emptyBalance(account, program.asset);
        if (own.creditsPosted + own.creditsPending + amount > AMOUNT_MAX) overflow = true;
      }
    }
    const pool = complete ? program.pool : 0n;
    const toFunder = release ? pool : fromBalances + pool;
    const funding =
      state.getBalance(program.fundingAccount, program.asset) ?? emptyBalance(program.fundingAccount, program.asset);
    if (overflow || funding.creditsPosted + funding.creditsPending + toFunder > AMOUNT_MAX) {
      sweeps.push({ program: id, pool: 0n, balances: [], complete: false, stopped: 'balance_overflow' });
      continue;
    }
    // Mutate: nothing below can fail.
    left -= taken.length;
    const balances: Array<{ account: AccountId; amount: bigint }> = [];
    for (const { entry, amount } of moves) {
      state.put({ ...entry, returned: entry.returned + amount });
      if (release) {
        const own = state.getBalance(entry.account, program.asset) ?? emptyBalance(entry.account, program.asset);
        state.put({ ...own, creditsPosted: own.creditsPosted + amount });
      }
      balances.push({ account: entry.account, amount });
    }
    if (toFunder > 0n) state.put({ ...funding, creditsPosted: funding.creditsPosted + toFunder });
    state.put({
      ...program,
      pool: program.pool - pool,
      returned: program.returned + toFunder,
      released: program.released + (release ? fromBalances : 0n),
      status: complete ? 'expired' : program.status,
    });
    assert(!complete || state.programHoldersOf(id, 1).length === 0, 'a complete sweep leaves no holder');
    sweeps.push({ program: id, pool, balances, complete });
  }
  return sweeps;
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
  /** The transaction's index in its block: where a settlement window opens and closes. */
  private readonly index: number;
  /** Index of the failing allocation of a disbursement, reported as the result's opIndex. */
  private failedIndex = 0;

  constructor(state: LedgerState, ctx: ExecutionContext, tx: Transaction, index: number) {
    this.state = state;
    this.ctx = ctx;
    this.tx = tx;
    this.index = index;
    this.signers = new Set(tx.signatures.map((s) => bytesToHex(s.publicKey)));
  }

  run(): Outcome {
    const body = this.tx.body;
    if (body.type === 'batch') return this.runBatch(body.ops);
    const auth = this.authorize(body);
    if (auth !== 'ok') return { code: auth, opIndex: 0 };
    const code = this.apply(body);
    return { code, opIndex: code === 'ok' ? 0 : this.failedIndex };
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

  private funderSigned(program: ProgramEntry): boolean {
    const funder = this.activeOrg(program.funder);
    return funder !== undefined && this.orgSigned(funder.org);
  }

  private auditorSigned(program: ProgramEntry): boolean {
    const auditor = this.activeOrg(program.auditor);
    return auditor !== undefined && this.orgSigned(auditor.org);
  }

  private authorizeProgram(body: ProgramBody): Code {
    const s = this.state;
    if (body.type === 'program.create') {
      const funder = this.activeOrg(body.funder);
      if (funder === undefined) return 'org_not_found';
      const funding = s.getAccount(body.fundingAccount);
      if (funding === undefined) return 'account_not_found';
      // The funding account's owners consent to the funder pulling up to the budget from it.
      return this.orgSigned(funder.org) && this.ownersSigned(funding) ? 'ok' : 'unauthorized';
    }
    const program = s.getProgram(body.program);
    if (program === undefined) return 'program_not_found';
    switch (body.type) {
      case 'program.fund':
      case 'program.disburse':
      case 'program.suspend':
      case 'program.resume':
        return this.funderSigned(program) ? 'ok' : 'unauthorized';
      case 'program.clawback':
        return this.funderSigned(program) && this.auditorSigned(program) ? 'ok' : 'unauthorized';
      case 'program.spend': {
        const beneficiary = s.getAccount(body.beneficiary);
        if (beneficiary === undefined) return 'account_not_found';
        return this.ownersSigned(beneficiary) ? 'ok' : 'unauthorized';
      }
      case 'program.redeem': {
        const merchant = s.getAccount(body.merchant);
        if (merchant === undefined) return 'account_not_found';
        return this.ownersSigned(merchant) ? 'ok' : 'unauthorized';
      }
      default:
        return assertNever(body, 'program body');
    }
  }

  private authorize(body: TxBody): Code {
    const s = this.state;
    switch (body.type) {
      case 'account.merchant': {
        const account = s.getAccount(body.account);
        if (account === undefined) return 'account_not_found';
        return this.issuerSigned(account) ? 'ok' : 'unauthorized';
      }
      case 'program.create':
      case 'program.fund':
      case 'program.disburse':
      case 'program.spend':
      case 'program.redeem':
      case 'program.clawback':
      case 'program.suspend':
      case 'program.resume':
        return this.authorizeProgram(body);
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
      case 'settlement.scheme':
      case 'settlement.join':
      case 'settlement.pledge':
      case 'settlement.release':
      case 'interbank.transfer':
      case 'settlement.close':
      case 'settlement.settle':
        return this.authorizeSettlement(body);
      case 'fx.quote': {
        const provider = this.activeOrg(body.provider);
        if (provider === undefined) return 'org_not_found';
        const quoteAccount = s.getAccount(body.quoteAccount);
        if (quoteAccount === undefined) return 'account_not_found';
        // The quote account's owners consent to the conversions debiting it, up to the capacity at the rate.
        return this.orgSigned(provider.org) && this.ownersSigned(quoteAccount) ? 'ok' : 'unauthorized';
      }
      case 'fx.convert': {
        const source = s.getAccount(body.source);
        if (source === undefined) return 'account_not_found';
        if (!this.ownersSigned(source)) return 'unauthorized';
        return s.getQuote(body.quote) === undefined ? 'quote_not_found' : 'ok';
      }
      case 'fx.cancel': {
        const quote = s.getQuote(body.quote);
        if (quote === undefined) return 'quote_not_found';
        const provider = this.activeOrg(quote.provider);
        return provider !== undefined && this.orgSigned(provider.org) ? 'ok' : 'unauthorized';
      }
      default:
        return assertNever(body, 'transaction body');
    }
  }

  /**
   * Settlement: the scheme by the settlement institution (an active org with the settlement role); joining by the
   * institution and the bank; pledging by the owners of the bank's settlement account, releasing by the bank; an
   * interbank transfer by the payer's owners; closing a window by the institution or an operator; settling by the
   * institution.
   */
  private authorizeSettlement(body: SettlementBody): Code {
    const s = this.state;
    if (body.type === 'settlement.scheme') {
      const signer = this.activeOrgs().find((o) => o.org.roles.includes('settlement') && this.orgSigned(o.org));
      return signer === undefined ? 'unauthorized' : 'ok';
    }
    if (body.type === 'interbank.transfer') {
      const source = s.getAccount(body.source);
      if (source === undefined) return 'account_not_found';
      if (!this.ownersSigned(source)) return 'unauthorized';
      return s.getScheme(body.currency) === undefined ? 'scheme_not_found' : 'ok';
    }
    const scheme = s.getScheme(body.currency);
    if (scheme === undefined) return 'scheme_not_found';
    const institution = this.activeOrg(scheme.settlementOrg);
    const institutionSigned = institution !== undefined && this.orgSigned(institution.org);
    switch (body.type) {
      case 'settlement.join': {
        const bank = this.activeOrg(body.org);
        if (bank === undefined) return 'org_not_found';
        return institutionSigned && this.orgSigned(bank.org) ? 'ok' : 'unauthorized';
      }
      case 'settlement.pledge':
      case 'settlement.release': {
        const participant = s.getParticipant(body.currency, body.org);
        if (participant === undefined) return 'participant_not_found';
        if (body.type === 'settlement.release') {
          const bank = this.activeOrg(body.org);
          return bank !== undefined && this.orgSigned(bank.org) ? 'ok' : 'unauthorized';
        }
        const account = s.getAccount(participant.settlementAccount);
        assert(account !== undefined, "a participant's settlement account exists");
        return this.ownersSigned(account) ? 'ok' : 'unauthorized';
      }
      case 'settlement.close': {
        if (institutionSigned) return 'ok';
        const operator = this.activeOrgs().some((o) => o.org.roles.includes('operator') && this.orgSigned(o.org));
        return operator ? 'ok' : 'unauthorized';
      }
      case 'settlement.settle':
        return institutionSigned ? 'ok' : 'unauthorized';
      default:
        return assertNever(body, 'settlement body');
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
      case 'account.merchant':
        return this.accountMerchant(body);
      case 'program.create':
        return this.programCreate(body);
      case 'program.fund':
        return this.programFund(body);
      case 'program.disburse':
        return this.programDisburse(body);
      case 'program.spend':
        return this.programSpend(body);
      case 'program.redeem':
        return this.programRedeem(body);
      case 'program.clawback':
        return this.programClawback(body);
      case 'program.suspend':
      case 'program.resume':
        return this.programSuspend(body.program, body.type === 'program.suspend');
      case 'batch':
        assert(false, 'batches do not nest');
        return 'tx_malformed';
      case 'settlement.scheme':
        return this.settlementScheme(body);
      case 'settlement.join':
        return this.settlementJoin(body);
      case 'settlement.pledge':
        return this.settlementPledge(body);
      case 'settlement.release':
        return this.settlementRelease(body);
      case 'interbank.transfer':
        return this.interbankTransfer(body);
      case 'settlement.close':
        return this.settlementClose(body);
      case 'settlement.settle':
        return this.settlementSettle(body);
      case 'fx.quote':
        return this.fxQuote(body);
      case 'fx.convert':
        return this.fxConvert(body);
      case 'fx.cancel':
        return this.fxCancel(body);
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
    // A program not yet swept returns its money here: the account must stay open to take it.
    if (this.state.isFundingOpenProgram(id)) return 'account_not_empty';
    // Program money in it — a beneficiary's balance, a merchant's receivable — is money in the account: it is spent,
    // redeemed, clawed back or settled at the program's end first. Closing would strand it (a release at the end, a
    // redemption, both credit this account).
    if (this.state.holdsProgramMoney(id)) return 'account_not_empty';
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

  // ---- merchants and programs ----

  private accountMerchant(body: BodyOf<'account.merchant'>): Code {
    const account = this.state.getAccount(body.account);
    assert(account !== undefined, 'authorized account exists');
    if (account.closed) return 'account_closed';
    this.state.put({ kind: 'merchant', account: body.account, mcc: body.mcc, region: body.region });
    return 'ok';
  }

  private program(id: Id128): ProgramEntry {
    const program = this.state.getProgram(id);
    assert(program !== undefined, 'authorized program exists');
    return program;
  }

  /** Validity by block time, so a program past its end is expired even before its sweep completes. */
  private isExpired(program: ProgramEntry): boolean {
    return program.status === 'expired' || this.ctx.time >= program.rules.validUntilMs;
  }

  private programBalanceOf(program: Id128, account: AccountId): ProgramBalanceEntry {
    return this.state.getProgramBalance(program, account) ?? emptyProgramBalance(program, account);
  }

  private isValidRules(body: BodyOf<'program.create'>): boolean {
    const r = body.rules;
    if (body.budget <= 0n || body.budget > AMOUNT_MAX) return false;
    if (r.perBeneficiaryMax <= 0n || r.perBeneficiaryMax > body.budget) return false;
    if (r.perPaymentMax > AMOUNT_MAX) return false;
    if (r.validFromMs >= r.validUntilMs || r.validUntilMs <= this.ctx.time) return false;
    return (
      r.validUntilMs - r.validFromMs <= PROGRAM_WINDOW_MS_MAX && r.validUntilMs - this.ctx.time <= PROGRAM_WINDOW_MS_MAX
    );
  }

  private programCreate(body: BodyOf<'program.create'>): Code {
    const funder = this.activeOrg(body.funder);
    assert(funder !== undefined, 'authorized funder is active');
    if (this.state.getProgram(body.program) !== undefined) return 'program_exists';
    if (!funder.org.roles.includes('funder') && !funder.org.roles.includes('issuer')) return 'not_funder';
    const auditor = this.activeOrg(body.auditor);
    if (auditor === undefined || !auditor.org.roles.includes('auditor')) return 'program_invalid';
    if (this.state.getAsset(body.asset) === undefined) return 'asset_unknown';
    if (!this.isValidRules(body)) return 'program_invalid';
    const funding = this.usable(body.fundingAccount);
    if (typeof funding === 'string') return funding;
    this.state.put({
      kind: 'program',
      id: body.program,
      funder: body.funder,
      auditor: body.auditor,
      asset: body.asset,
      budget: body.budget,
      rules: body.rules,
      fundingAccount: body.fundingAccount,
      status: 'active',
      createdAt: this.ctx.time,
      pool: 0n,
      funded: 0n,
      disbursed: 0n,
      spent: 0n,
      redeemed: 0n,
      returned: 0n,
      clawedBack: 0n,
      released: 0n,
    });
    return 'ok';
  }

  private programFund(body: BodyOf<'program.fund'>): Code {
    const program = this.program(body.program);
    if (program.status === 'suspended') return 'program_suspended';
    if (this.isExpired(program)) return 'program_expired';
    if (body.amount <= 0n || body.amount > AMOUNT_MAX) return 'amount_invalid';
    if (program.funded + body.amount > program.budget) return 'budget_exceeded';
    const funding = this.usable(program.fundingAccount);
    if (typeof funding === 'string') return funding;
    const balance = this.balanceOf(program.fundingAccount, program.asset);
    if (!funding.flags.allowNegative && balanceAvailable(balance) < body.amount) return 'insufficient_funds';
    if (balance.debitsPosted + balance.debitsPending + body.amount > AMOUNT_MAX) return 'balance_overflow';
    this.state.put({ ...balance, debitsPosted: balance.debitsPosted + body.amount });
    this.state.put({ ...program, pool: program.pool + body.amount, funded: program.funded + body.amount });
    return 'ok';
  }

  /** All or nothing: the first failing allocation (its index in `failedIndex`) refuses the whole batch. */
  private programDisburse(body: BodyOf<'program.disburse'>): Code {
    const program = this.program(body.program);
    if (program.status === 'suspended') return 'program_suspended';
    if (this.isExpired(program)) return 'program_expired';
    const seen = new Set<AccountId>();
    const updated: ProgramBalanceEntry[] = [];
    let total = 0n;
    for (const [i, allocation] of body.allocations.entries()) {
      this.failedIndex = i;
      if (allocation.amount <= 0n || allocation.amount > AMOUNT_MAX) return 'amount_invalid';
      if (seen.has(allocation.beneficiary)) return 'duplicate_beneficiary';
      seen.add(allocation.beneficiary);
      const account = this.usable(allocation.beneficiary);
      if (typeof account === 'string') return account;
      const balance = this.programBalanceOf(program.id, allocation.beneficiary);
      if (balance.allocated + allocation.amount > program.rules.perBeneficiaryMax) return 'allocation_exceeded';
      updated.push({ ...balance, allocated: balance.allocated + allocation.amount });
      total += allocation.amount;
    }
    this.failedIndex = 0;
    if (total > program.pool) return 'insufficient_pool';
    for (const balance of updated) this.state.put(balance);
    this.state.put({ ...program, pool: program.pool - total, disbursed: program.disbursed + total });
    return 'ok';
  }

  private programSpend(body: BodyOf<'program.spend'>): Code {
    const program = this.program(body.program);
    const window = programWindowRefusal(program, this.ctx.time);
    if (window !== null) return window;
    if (body.amount <= 0n || body.amount > AMOUNT_MAX) return 'amount_invalid';
    const beneficiary = this.usable(body.beneficiary);
    if (typeof beneficiary === 'string') return beneficiary;
    const merchant = this.usable(body.merchant);
    if (typeof merchant === 'string') return merchant;
    if (body.beneficiary === body.merchant) return 'same_account';
    const rule = programMerchantRefusal(program, body.merchant, this.state.getMerchant(body.merchant), body.amount);
    if (rule !== null) return rule;
    const source = this.programBalanceOf(program.id, body.beneficiary);
    if (programBalanceOf(source) < body.amount) return 'insufficient_program_funds';
    const target = this.programBalanceOf(program.id, body.merchant);
    this.state.put({ ...source, spent: source.spent + body.amount });
    this.state.put({ ...target, received: target.received + body.amount });
    this.state.put({ ...program, spent: program.spent + body.amount });
    return 'ok';
  }

  /** Allowed while suspended and after expiry: a merchant's receivable is owed for goods delivered. */
  private programRedeem(body: BodyOf<'program.redeem'>): Code {
    const program = this.program(body.program);
    if (body.amount <= 0n || body.amount > AMOUNT_MAX) return 'amount_invalid';
    const merchant = this.usable(body.merchant);
    if (typeof merchant === 'string') return merchant;
    const receivable = this.programBalanceOf(program.id, body.merchant);
    if (programReceivableOf(receivable) < body.amount) return 'insufficient_program_funds';
    const balance = this.balanceOf(body.merchant, program.asset);
    if (balance.creditsPosted + balance.creditsPending + body.amount > AMOUNT_MAX) return 'balance_overflow';
    this.state.put({ ...receivable, redeemed: receivable.redeemed + body.amount });
    this.state.put({ ...balance, creditsPosted: balance.creditsPosted + body.amount });
    this.state.put({ ...program, redeemed: program.redeemed + body.amount });
    return 'ok';
  }

  /** Allowed while suspended and on a frozen beneficiary: that is when a clawback is needed. */
  private programClawback(body: BodyOf<'program.clawback'>): Code {
    const program = this.program(body.program);
    if (this.isExpired(program)) return 'program_expired';
    if (body.amount <= 0n || body.amount > AMOUNT_MAX) return 'amount_invalid';
    const funding = this.state.getAccount(program.fundingAccount);
    assert(funding !== undefined, 'a program funding account exists');
    if (funding.closed) return 'account_closed';
    const source = this.programBalanceOf(program.id, body.beneficiary);
    if (programBalanceOf(source) < body.amount) return 'insufficient_program_funds';
    const balance = this.balanceOf(program.fundingAccount, program.asset);
    if (balance.creditsPosted + balance.creditsPending + body.amount > AMOUNT_MAX) return 'balance_overflow';
    this.state.put({ ...source, clawedBack: source.clawedBack + body.amount });
    this.state.put({ ...balance, creditsPosted: balance.creditsPosted + body.amount });
    this.state.put({ ...program, clawedBack: program.clawedBack + body.amount });
    return 'ok';
  }

  // ---- interbank settlement (docs/settlement.md) ----

  private settlementScheme(body: BodyOf<'settlement.scheme'>): Code {
    if (this.state.getScheme(body.currency) !== undefined) return 'scheme_exists';
    const asset = this.state.getAsset(body.settlementAsset);
    const institution = asset === undefined ? undefined : this.activeOrg(asset.asset.issuer);
    // The settlement asset is the signer's own: only its issuer can stand behind it.
    if (
      institution === undefined ||
      !institution.org.roles.includes('settlement') ||
      !this.orgSigned(institution.org)
    ) {
      return 'scheme_invalid';
    }
    this.state.put({
      kind: 'scheme',
      currency: body.currency,
      settlementOrg: institution.org.id,
      settlementAsset: body.settlementAsset,
      openWindow: 1n,
      nextToSettle: 1n,
      participants: 0,
    });
    this.state.put(this.openedWindow(body.currency, 1n));
    return 'ok';
  }

  private openedWindow(currency: CurrencyCode, seq: bigint): WindowEntry {
    return {
      kind: 'window',
      currency,
      seq,
      status: 'open',
      openedHeight: this.ctx.height,
      openedIndex: this.index,
      openedAt: this.ctx.time,
      closedHeight: 0n,
      closedIndex: 0,
      closedAt: 0n,
      settledHeight: 0n,
      settledIndex: 0,
      settledAt: 0n,
      payments: 0n,
      gross: 0n,
      positions: [],
    };
  }

  private settlementJoin(body: BodyOf<'settlement.join'>): Code {
    const scheme = this.state.getScheme(body.currency);
    assert(scheme !== undefined, 'authorized scheme exists');
    if (this.state.getParticipant(body.currency, body.org) !== undefined) return 'participant_exists';
    if (scheme.participants >= SCHEME_PARTICIPANTS_MAX) return 'scheme_full';
    const bank = this.activeOrg(body.org);
    assert(bank !== undefined, 'authorized bank exists');
    const deposit = this.state.getAsset(body.depositAsset);
    const settlement = this.state.getAsset(scheme.settlementAsset);
    assert(settlement !== undefined, "a scheme's settlement asset exists");
    const account = this.state.getAccount(body.settlementAccount);
    if (
      !bank.org.roles.includes('issuer') ||
      deposit === undefined ||
      deposit.asset.issuer !== body.org ||
      deposit.asset.decimals !== settlement.asset.decimals ||
      body.depositAsset === scheme.settlementAsset ||
      account === undefined ||
      account.closed ||
      account.issuer !== scheme.settlementOrg
    ) {
      return 'participant_invalid';
    }
    this.state.put({
      kind: 'participant',
      currency: body.currency,
      org: body.org,
      depositAsset: body.depositAsset,
      settlementAsset: scheme.settlementAsset,
      settlementAccount: body.settlementAccount,
      pledged: 0n,
      owed: 0n,
    });
    this.state.put({ ...scheme, participants: scheme.participants + 1 });
    return 'ok';
  }

  /** What a bank may owe the scheme now: its debts in closed, unsettled windows, and its debit in the open one. */
  private exposure(participant: ParticipantEntry, openNet: bigint): bigint {
    return participant.owed + (openNet < 0n ? -openNet : 0n);
  }

  private openWindowOf(currency: CurrencyCode): WindowEntry {
    const scheme = this.state.getScheme(currency);
    assert(scheme !== undefined, 'the scheme exists');
    const window = this.state.getWindow(currency, scheme.openWindow);
    assert(window !== undefined && window.status === 'open', 'a scheme has its open window');
    return window;
  }

  private settlementPledge(body: SettlementPledgeBody): Code {
    const participant = this.state.getParticipant(body.currency, body.org);
    assert(participant !== undefined, 'authorized participant exists');
    if (body.amount <= 0n || body.amount > AMOUNT_MAX) return 'amount_invalid';
    const account = this.usable(participant.settlementAccount);
    if (typeof account === 'string') return account;
    const balance = this.balanceOf(participant.settlementAccount, participant.settlementAsset);
    if (balanceAvailable(balance) < body.amount) return 'insufficient_funds';
    if (participant.pledged + body.amount > AMOUNT_MAX) return 'balance_overflow';
    this.state.put({ ...balance, debitsPosted: balance.debitsPosted + body.amount });
    this.state.put({ ...participant, pledged: participant.pledged + body.amount });
    return 'ok';
  }

  private settlementRelease(body: SettlementPledgeBody): Code {
    const participant = this.state.getParticipant(body.currency, body.org);
    assert(participant !== undefined, 'authorized participant exists');
    if (body.amount <= 0n || body.amount > AMOUNT_MAX) return 'amount_invalid';
    if (body.amount > participant.pledged) return 'insufficient_funds';
    const window = this.openWindowOf(body.currency);
    const net = window.positions.find((p) => p.org === body.org)?.net ?? 0n;
    if (participant.pledged - body.amount < this.exposure(participant, net)) return 'pledge_in_use';
    const account = this.usable(participant.settlementAccount);
    if (typeof account === 'string') return account;
    const balance = this.balanceOf(participant.settlementAccount, participant.settlementAsset);
    if (balance.creditsPosted + balance.creditsPending + body.amount > AMOUNT_MAX) return 'balance_overflow';
    this.state.put({ ...balance, creditsPosted: balance.creditsPosted + body.amount });
    this.state.put({ ...participant, pledged: participant.pledged - body.amount });
    return 'ok';
  }

  /**
   * The payer's deposit at bank A goes (A's asset burned), the payee's deposit at bank B comes (B's asset minted),
   * and the open window records A −amount, B +amount. Refused when it would take A's exposure past its pledge.
   */
  private interbankTransfer(body: BodyOf<'interbank.transfer'>): Code {
    if (body.source === body.target) return 'same_account';
    if (body.amount <= 0n || body.amount > AMOUNT_MAX) return 'amount_invalid';
    const source = this.usable(body.source);
    if (typeof source === 'string') return source;
    const target = this.usable(body.target);
    if (typeof target === 'string') return target;
    const payerBank = this.state.getParticipant(body.currency, source.issuer);
    const payeeBank = this.state.getParticipant(body.currency, target.issuer);
    if (payerBank === undefined || payeeBank === undefined) return 'participant_not_found';
    if (payerBank.org === payeeBank.org) return 'same_bank';
    const debit = this.validateDebit(source, payerBank.depositAsset, body.amount);
    if (typeof debit === 'string') return debit;
    const burned = this.state.getAsset(payerBank.depositAsset);
    const minted = this.state.getAsset(payeeBank.depositAsset);
    assert(burned !== undefined && minted !== undefined, "participants' deposit assets exist");
    if (burned.burned + body.amount > AMOUNT_MAX) return 'supply_overflow';
    if (minted.minted - minted.burned + body.amount > AMOUNT_MAX || minted.minted + body.amount > AMOUNT_MAX) {
      return 'supply_overflow';
    }
    const credit = this.balanceOf(body.target, payeeBank.depositAsset);
    if (credit.creditsPosted + credit.creditsPending + body.amount > AMOUNT_MAX) return 'balance_overflow';
    const window = this.openWindowOf(body.currency);
    const payerNet = (window.positions.find((p) => p.org === payerBank.org)?.net ?? 0n) - body.amount;
    if (this.exposure(payerBank, payerNet) > payerBank.pledged) return 'net_debit_cap_exceeded';
    if (window.gross + body.amount > AMOUNT_MAX) return 'balance_overflow';
    // Mutate: nothing below can fail.
    this.state.put({ ...debit, debitsPosted: debit.debitsPosted + body.amount });
    this.state.put({ ...burned, burned: burned.burned + body.amount });
    this.state.put({ ...minted, minted: minted.minted + body.amount });
    this.state.put({ ...credit, creditsPosted: credit.creditsPosted + body.amount });
    this.state.put({
      ...window,
      payments: window.payments + 1n,
      gross: window.gross + body.amount,
      positions: movePositions(window.positions, payerBank.org, payeeBank.org, body.amount),
    });
    return 'ok';
  }

  /** Closes the open window and opens the next, in one step: no payment falls between them. */
  private settlementClose(body: SettlementWindowBody): Code {
    const scheme = this.state.getScheme(body.currency);
    assert(scheme !== undefined, 'authorized scheme exists');
    const window = this.state.getWindow(body.currency, body.window);
    if (window === undefined) return 'window_not_found';
    if (window.status !== 'open') return 'window_not_open';
    for (const position of window.positions) {
      if (position.net >= 0n) continue;
      const participant = this.state.getParticipant(body.currency, position.org);
      assert(participant !== undefined, 'a position is a participant');
      this.state.put({ ...participant, owed: participant.owed - position.net });
    }
    this.state.put({
      ...window,
      status: 'closed',
      closedHeight: this.ctx.height,
      closedIndex: this.index,
      closedAt: this.ctx.time,
    });
    this.state.put({ ...scheme, openWindow: scheme.openWindow + 1n });
    this.state.put(this.openedWindow(body.currency, scheme.openWindow + 1n));
    return 'ok';
  }

  /**
   * Settles a closed window, the earliest unsettled one: each debtor's net leaves its pledge, each creditor's net
   * arrives in its settlement account, all in this one transaction. Σ net = 0, so the settlement asset only moves.
   */
  private settlementSettle(body: SettlementWindowBody): Code {
    const scheme = this.state.getScheme(body.currency);
    assert(scheme !== undefined, 'authorized scheme exists');
    const window = this.state.getWindow(body.currency, body.window);
    if (window === undefined) return 'window_not_found';
    if (window.status === 'open') return 'window_not_closed';
    if (window.status === 'settled') return 'window_settled';
    if (window.seq !== scheme.nextToSettle) return 'window_out_of_order';
    // Validate every credit before any write.
    const credits: Array<{ balance: BalanceEntry; amount: bigint }> = [];
    for (const position of window.positions) {
      if (position.net <= 0n) continue;
      const participant = this.state.getParticipant(body.currency, position.org);
      assert(participant !== undefined, 'a position is a participant');
      const balance = this.balanceOf(participant.settlementAccount, participant.settlementAsset);
      if (balance.creditsPosted + balance.creditsPending + position.net > AMOUNT_MAX) return 'balance_overflow';
      credits.push({ balance, amount: position.net });
    }
    for (const position of window.positions) {
      if (position.net >= 0n) continue;
      const participant = this.state.getParticipant(body.currency, position.org);
      assert(participant !== undefined, 'a position is a participant');
      // The cap kept pledged ≥ owed ≥ this window's debt at every payment and release.
      assert(participant.pledged >= -position.net && participant.owed >= -position.net, 'a debt is covered');
      this.state.put({
        ...participant,
        pledged: participant.pledged + position.net,
        owed: participant.owed + position.net,
      });
    }
    for (const { balance, amount } of credits)
      this.state.put({ ...balance, creditsPosted: balance.creditsPosted + amount });
    this.state.put({
      ...window,
      status: 'settled',
      settledHeight: this.ctx.height,
      settledIndex: this.index,
      settledAt: this.ctx.time,
    });
    this.state.put({ ...scheme, nextToSettle: scheme.nextToSettle + 1n });
    return 'ok';
  }

  // ---- FX (docs/settlement.md, "FX") ----

  private fxQuote(body: BodyOf<'fx.quote'>): Code {
    if (this.state.getQuote(body.quote) !== undefined) return 'quote_exists';
    const provider = this.activeOrg(body.provider);
    assert(provider !== undefined, 'authorized provider exists');
    const base = this.state.getAsset(body.baseAsset);
    const quoted = this.state.getAsset(body.quoteAsset);
    if (
      !provider.org.roles.includes('liquidity') ||
      base === undefined ||
      quoted === undefined ||
      body.baseAsset === body.quoteAsset ||
      body.rateNum <= 0n ||
      body.rateDen <= 0n ||
      body.minBase <= 0n ||
      body.minBase > body.maxBase ||
      body.maxBase > body.capacity ||
      body.capacity > AMOUNT_MAX ||
      // The largest conversion must give something and stay within the money range.
      convertedAmount(body.maxBase, body.rateNum, body.rateDen) > AMOUNT_MAX ||
      convertedAmount(body.minBase, body.rateNum, body.rateDen) === 0n ||
      body.expiresAt <= this.ctx.time ||
      body.expiresAt > this.ctx.time + QUOTE_LIFETIME_MS_MAX ||
      this.state.getAccount(body.baseAccount) === undefined ||
      body.baseAccount === body.quoteAccount
    ) {
      return 'quote_invalid';
    }
    const { type: _, quote: id, ...fields } = body;
    this.state.put({ kind: 'quote', id, ...fields, used: 0n, conversions: 0n, cancelled: false });
    return 'ok';
  }

  /**
   * Both legs or neither: the payer's base asset to the provider's base account, and ⌊base × rateNum / rateDen⌋ of
   * the quote asset from the provider's quote account to the target. The fraction of a minor unit the floor drops
   * stays with the provider (it priced the quote).
   */
  private fxConvert(body: BodyOf<'fx.convert'>): Code {
    const quote = this.state.getQuote(body.quote);
    assert(quote !== undefined, 'authorized quote exists');
    if (quote.cancelled || this.ctx.time >= quote.expiresAt) return 'quote_expired';
    if (body.rateNum !== quote.rateNum || body.rateDen !== quote.rateDen) return 'rate_mismatch';
    if (body.baseAmount < quote.minBase || body.baseAmount > quote.maxBase) return 'amount_outside_quote';
    if (quote.used + body.baseAmount > quote.capacity) return 'quote_exhausted';
    const quoteAmount = convertedAmount(body.baseAmount, quote.rateNum, quote.rateDen);
    if (quoteAmount <= 0n || quoteAmount > AMOUNT_MAX) return 'amount_invalid';
    if (body.source === quote.baseAccount || body.target === quote.quoteAccount) return 'same_account';
    const source = this.usable(body.source);
    if (typeof source === 'string') return source;
    const target = this.usable(body.target);
    if (typeof target === 'string') return target;
    const providerBase = this.usable(quote.baseAccount);
    if (typeof providerBase === 'string') return providerBase;
    const providerQuote = this.usable(quote.quoteAccount);
    if (typeof providerQuote === 'string') return providerQuote;
    const debit = this.validateDebit(source, quote.baseAsset, body.baseAmount);
    if (typeof debit === 'string') return debit;
    const liquidity = this.balanceOf(quote.quoteAccount, quote.quoteAsset);
    if (!providerQuote.flags.allowNegative && balanceAvailable(liquidity) < quoteAmount)
      return 'insufficient_liquidity';
    if (liquidity.debitsPosted + liquidity.debitsPending + quoteAmount > AMOUNT_MAX) return 'balance_overflow';
    const baseCredit = this.balanceOf(quote.baseAccount, quote.baseAsset);
    if (baseCredit.creditsPosted + baseCredit.creditsPending + body.baseAmount > AMOUNT_MAX) return 'balance_overflow';
    const credit = this.balanceOf(body.target, quote.quoteAsset);
    if (credit.creditsPosted + credit.creditsPending + quoteAmount > AMOUNT_MAX) return 'balance_overflow';
    // Mutate: nothing below can fail. The source and the provider's base account may share no entry with the
    // provider's quote account and the target (different assets or accounts, checked above).
    this.state.put({ ...debit, debitsPosted: debit.debitsPosted + body.baseAmount });
    const baseNow = this.balanceOf(quote.baseAccount, quote.baseAsset);
    this.state.put({ ...baseNow, creditsPosted: baseNow.creditsPosted + body.baseAmount });
    const liquidityNow = this.balanceOf(quote.quoteAccount, quote.quoteAsset);
    this.state.put({ ...liquidityNow, debitsPosted: liquidityNow.debitsPosted + quoteAmount });
    const creditNow = this.balanceOf(body.target, quote.quoteAsset);
    this.state.put({ ...creditNow, creditsPosted: creditNow.creditsPosted + quoteAmount });
    this.state.put({ ...quote, used: quote.used + body.baseAmount, conversions: quote.conversions + 1n });
    return 'ok';
  }

  private fxCancel(body: BodyOf<'fx.cancel'>): Code {
    const quote = this.state.getQuote(body.quote);
    assert(quote !== undefined, 'authorized quote exists');
    if (quote.cancelled || this.ctx.time >= quote.expiresAt) return 'quote_expired';
    this.state.put({ ...quote, cancelled: true });
    return 'ok';
  }

  private programSuspend(id: Id128, suspend: boolean): Code {
    const program = this.program(id);
    if (this.isExpired(program)) return 'program_expired';
    if ((program.status === 'suspended') === suspend) return 'program_state_unchanged';
    this.state.put({ ...program, status: suspend ? 'suspended' : 'active' });
    return 'ok';
  }
}

type BodyOf<T extends TxBody['type']> = Extract<TxBody, { type: T }>;

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
