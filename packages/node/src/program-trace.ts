/**
 * The trace of a purpose-bound program (issue 6), computed from the chain alone: the certified blocks that hold the
 * program's movements (the store's `programHeights` index) are read in height order, one at a time (memory bounded by
 * one block plus the named maxima below), and only transactions whose result code is `ok` and the expiry sweeps
 * stored with each block count. Three views:
 *
 * - `traceProgram`: totals and the flow funder → program → beneficiaries → merchants → deposits, with expiry returns
 *   and clawbacks back to the funder; each edge has an exact amount and count and at most TRACE_EVIDENCE_MAX pieces
 *   of evidence (transaction ids, or the height of the block whose expiry sweep moved the money).
 * - `beneficiaryStatement`: one beneficiary's movements in time order with a running balance.
 * - `transparencyReport`: aggregates only (no account ids, no personal data), spending by merchant region and MCC from
 *   the merchants' public `account.merchant` attributes in the state; `transparencyReportToCsv` for the CSV form.
 *
 * Amounts are bigint minor units (fen for CNY); JSON forms carry them as decimal strings of minor units.
 */
import {
  type AccountId,
  assert,
  assertNever,
  decodeTransaction,
  type Id128,
  merchantKey,
  type OrgId,
  type ProgramExpiryAction,
  type ProgramRules,
  type ProgramStatus,
  type Transaction,
} from '@paychain/core';
import type { BlockStore, StoredBlock } from '@paychain/store';

/** Evidence kept per edge (counts and amounts stay exact past it). */
export const TRACE_EVIDENCE_MAX = 100;
/** Distinct merchants one trace aggregates; past it the trace fails with `trace_too_large`. */
export const TRACE_MERCHANTS_MAX = 100_000;
/** Distinct beneficiaries one trace counts; past it the trace fails with `trace_too_large`. */
export const TRACE_BENEFICIARIES_MAX = 1_000_000;
/** Rows of one beneficiary statement; past it the statement is marked `truncated`. */
export const STATEMENT_ROWS_MAX = 10_000;

export type ProgramTraceErrorCode = 'program_not_found' | 'trace_too_large';

/** An operating error of a trace, with a code the caller maps (404 for program_not_found, 413 for the other). */
export class ProgramTraceError extends Error {
  override readonly name = 'ProgramTraceError';
  readonly code: ProgramTraceErrorCode;
  readonly program: Id128;
  constructor(code: ProgramTraceErrorCode, program: Id128, message: string) {
    super(message);
    this.code = code;
    this.program = program;
  }
}

/** A transaction id, or null for the expiry sweep at the start of the block at `height`. */
export interface TraceEvidence {
  readonly height: bigint;
  readonly txId: string | null;
}

export type TraceEdgeKind = 'fund' | 'disburse' | 'spend' | 'redeem' | 'expiry_return' | 'expiry_release' | 'clawback';

/**
 * Nodes: `funder:<org>`, `program:<id>`, `beneficiaries` (all beneficiaries as one node, their number in
 * `ProgramTrace.beneficiaries`), `merchant:<account>`, `deposits:<account>` (a merchant's ordinary balance).
 */
export interface TraceEdge {
  readonly kind: TraceEdgeKind;
  readonly source: string;
  readonly target: string;
  amount: bigint;
  /** Movements behind the edge: allocations, spends, redemptions, returned balances (the pool counts as one). */
  count: number;
  readonly evidence: TraceEvidence[];
}

export interface ProgramTotals {
  funded: bigint;
  disbursed: bigint;
  spent: bigint;
  redeemed: bigint;
  /** Returned to the funding account by expiry sweeps (pool and beneficiaries' balances). */
  returned: bigint;
  clawedBack: bigint;
  /** Released at the end into beneficiaries' ordinary balances (a program with `atExpiry: 'release'`). */
  released: bigint;
  pool: bigint;
  heldByBeneficiaries: bigint;
  merchantReceivables: bigint;
}

export interface ProgramTrace {
  readonly program: {
    readonly id: Id128;
    readonly funder: OrgId;
    readonly auditor: OrgId;
    readonly asset: string;
    readonly budget: bigint;
    readonly fundingAccount: AccountId;
    readonly rules: ProgramRules;
    readonly status: ProgramStatus;
    readonly createdAtHeight: bigint;
  };
  readonly totals: ProgramTotals;
  /** Distinct accounts ever allocated money. */
  readonly beneficiaries: number;
  readonly merchants: number;
  readonly edges: TraceEdge[];
  /** The last block read (the certified head). */
  readonly height: bigint;
}

/** One program movement, in chain order, as the scan reports it. */
type Movement =
  | { readonly kind: 'create'; readonly tx: Transaction; readonly height: bigint }
  | { readonly kind: 'status'; readonly status: 'active' | 'suspended'; readonly height: bigint }
  | { readonly kind: 'fund'; readonly amount: bigint; readonly txId: string; readonly height: bigint }
  | {
      readonly kind: 'disburse';
      readonly beneficiary: AccountId;
      readonly amount: bigint;
      readonly txId: string;
      readonly height: bigint;
    }
  | {
      readonly kind: 'spend';
      readonly beneficiary: AccountId;
      readonly merchant: AccountId;
      readonly amount: bigint;
      readonly txId: string;
      readonly height: bigint;
    }
  | {
      readonly kind: 'redeem';
      readonly merchant: AccountId;
      readonly amount: bigint;
      readonly txId: string;
      readonly height: bigint;
    }
  | {
      readonly kind: 'clawback';
      readonly beneficiary: AccountId;
      readonly amount: bigint;
      readonly reason: string;
      readonly txId: string;
      readonly height: bigint;
    }
  | { readonly kind: 'return_pool'; readonly amount: bigint; readonly height: bigint }
  | {
      /** return: to the funding account; release: into the beneficiary's ordinary balance (the program's atExpiry). */
      readonly kind: 'return_balance' | 'release_balance';
      readonly beneficiary: AccountId;
      readonly amount: bigint;
      readonly height: bigint;
    }
  | { readonly kind: 'expired'; readonly height: bigint };

/**
 * Calls `visit` for every movement of `program` in certified blocks, block by block, with the block's time. Reads only
 * the blocks the store's program index names; every other block holds no movement of the program.
 */
function scanProgram(
  store: BlockStore,
  program: Id128,
  visit: (movement: Movement, time: bigint) => void,
): { height: bigint; found: boolean } {
  const head = store.certifiedHeight();
  let found = false;
  // What the program does with balances at its end, from its creation (which precedes any sweep of it).
  const atExpiry: { action: ProgramExpiryAction } = { action: 'return' };
  // Only the blocks the program appears in (the store's program index), in ascending height order.
  let previous = 0n;
  for (const height of store.programHeights(program)) {
    if (height > head) break;
    assert(height > previous, 'program heights ascend');
    previous = height;
    const block = store.getBlock(height);
    assert(block !== null, `certified block ${height} is stored`);
    const seen = scanBlock(block, program, atExpiry.action, (m) => {
      if (m.kind === 'create' && m.tx.body.type === 'program.create') atExpiry.action = m.tx.body.rules.atExpiry;
      visit(m, block.header.time);
    });
    found = seen || found;
  }
  return { height: head, found };
}

function scanBlock(
  block: StoredBlock,
  program: Id128,
  atExpiry: ProgramExpiryAction,
  visit: (movement: Movement) => void,
): boolean {
  const height = block.header.height;
  let found = false;
  const kind = atExpiry === 'release' ? 'release_balance' : 'return_balance';
  // Expiry sweeps run at the start of the block, before its transactions.
  for (const sweep of block.programSweeps) {
    if (sweep.program !== program) continue;
    for (const { account, amount } of sweep.balances) visit({ kind, beneficiary: account, amount, height });
    if (sweep.pool > 0n) visit({ kind: 'return_pool', amount: sweep.pool, height });
    if (sweep.complete) visit({ kind: 'expired', height });
  }
  for (const [i, bytes] of block.txs.entries()) {
    const result = block.results[i];
    assert(result !== undefined, 'a result per stored transaction');
    if (result.code !== 'ok') continue;
    const decoded = decodeTransaction(bytes);
    assert(decoded.ok, `block ${height}: an applied transaction decodes`);
    const tx = decoded.value.tx;
    const body = tx.body;
    const txId = tx.id;
    switch (body.type) {
      case 'program.create':
        if (body.program !== program) break;
        found = true;
        visit({ kind: 'create', tx, height });
        break;
      case 'program.fund':
        if (body.program === program) visit({ kind: 'fund', amount: body.amount, txId, height });
        break;
      case 'program.disburse':
        if (body.program !== program) break;
        for (const a of body.allocations)
          visit({ kind: 'disburse', beneficiary: a.beneficiary, amount: a.amount, txId, height });
        break;
      case 'program.spend':
        if (body.program !== program) break;
        visit({
          kind: 'spend',
          beneficiary: body.beneficiary,
          merchant: body.merchant,
          amount: body.amount,
          txId,
          height,
        });
        break;
      case 'program.redeem':
        if (body.program === program)
          visit({ kind: 'redeem', merchant: body.merchant, amount: body.amount, txId, height });
        break;
      case 'program.clawback':
        if (body.program !== program) break;
        visit({
          kind: 'clawback',
          beneficiary: body.beneficiary,
          amount: body.amount,
          reason: body.reason,
          txId,
          height,
        });
        break;
      case 'program.suspend':
      case 'program.resume':
        if (body.program === program)
          visit({ kind: 'status', status: body.type === 'program.suspend' ? 'suspended' : 'active', height });
        break;
      default:
        break;
    }
  }
  return found;
}

function emptyTotals(): ProgramTotals {
  return {
    funded: 0n,
    disbursed: 0n,
    spent: 0n,
    redeemed: 0n,
    returned: 0n,
    clawedBack: 0n,
    released: 0n,
    pool: 0n,
    heldByBeneficiaries: 0n,
    merchantReceivables: 0n,
  };
}

/** Applies one movement to running totals (shared by the trace and the report, so both reconcile by construction). */
function addToTotals(totals: ProgramTotals, m: Movement): void {
  switch (m.kind) {
    case 'fund':
      totals.funded += m.amount;
      totals.pool += m.amount;
      return;
    case 'disburse':
      totals.disbursed += m.amount;
      totals.pool -= m.amount;
      totals.heldByBeneficiaries += m.amount;
      return;
    case 'spend':
      totals.spent += m.amount;
      totals.heldByBeneficiaries -= m.amount;
      totals.merchantReceivables += m.amount;
      return;
    case 'redeem':
      totals.redeemed += m.amount;
      totals.merchantReceivables -= m.amount;
      return;
    case 'clawback':
      totals.clawedBack += m.amount;
      totals.heldByBeneficiaries -= m.amount;
      return;
    case 'return_pool':
      totals.returned += m.amount;
      totals.pool -= m.amount;
      return;
    case 'return_balance':
      totals.returned += m.amount;
      totals.heldByBeneficiaries -= m.amount;
      return;
    case 'release_balance':
      totals.released += m.amount;
      totals.heldByBeneficiaries -= m.amount;
      return;
    case 'create':
    case 'status':
    case 'expired':
      return;
    default:
      assertNever(m, 'program movement');
  }
}

/** funded = pool + held by beneficiaries + merchant receivables + redeemed + returned + clawed back + released. */
function assertConserved(totals: ProgramTotals, program: Id128): void {
  assert(
    totals.funded ===
      totals.pool +
        totals.heldByBeneficiaries +
        totals.merchantReceivables +
        totals.redeemed +
        totals.returned +
        totals.clawedBack +
        totals.released,
    `program ${program}: the trace conserves program money`,
  );
  assert(
    totals.pool >= 0n && totals.heldByBeneficiaries >= 0n && totals.merchantReceivables >= 0n,
    `program ${program}: no part of the trace is negative`,
  );
}

/** The program's trace from the chain: totals and the edges of its flow, each with its evidence. */
export function traceProgram(store: BlockStore, program: Id128): ProgramTrace {
  // A box, not a `let`: assignments inside the scan's callback are invisible to narrowing outside it.
  const origin: { created: { tx: Transaction; height: bigint } | null; status: ProgramStatus } = {
    created: null,
    status: 'active',
  };
  const totals = emptyTotals();
  const edges = new Map<string, TraceEdge>();
  const beneficiaries = new Set<AccountId>();
  const merchants = new Set<AccountId>();
  const funderNode = (): string => {
    const body = origin.created?.tx.body;
    assert(body !== undefined && body.type === 'program.create', 'money moves only after create');
    return `funder:${body.funder}`;
  };
  const programNode = `program:${program}`;
  const edge = (kind: TraceEdgeKind, source: string, target: string): TraceEdge => {
    const key = `${kind} ${source} ${target}`;
    let e = edges.get(key);
    if (e === undefined) {
      e = { kind, source, target, amount: 0n, count: 0, evidence: [] };
      edges.set(key, e);
    }
    return e;
  };
  const add = (e: TraceEdge, amount: bigint, evidence: TraceEvidence): void => {
    e.amount += amount;
    e.count += 1;
    const last = e.evidence[e.evidence.length - 1];
    // One transaction (a disbursement to 10,000) or one sweep is one piece of evidence.
    const same = last !== undefined && last.height === evidence.height && last.txId === evidence.txId;
    if (!same && e.evidence.length < TRACE_EVIDENCE_MAX) e.evidence.push(evidence);
  };
  const addMerchant = (merchant: AccountId): void => {
    merchants.add(merchant);
    if (merchants.size > TRACE_MERCHANTS_MAX)
      throw new ProgramTraceError('trace_too_large', program, `more than ${TRACE_MERCHANTS_MAX} merchants`);
  };
  const scanned = scanProgram(store, program, (m) => {
    addToTotals(totals, m);
    switch (m.kind) {
      case 'create':
        origin.created = { tx: m.tx, height: m.height };
        return;
      case 'status':
        origin.status = m.status;
        return;
      case 'expired':
        origin.status = 'expired';
        return;
      case 'fund':
        add(edge('fund', funderNode(), programNode), m.amount, { height: m.height, txId: m.txId });
        return;
      case 'disburse':
        beneficiaries.add(m.beneficiary);
        if (beneficiaries.size > TRACE_BENEFICIARIES_MAX)
          throw new ProgramTraceError('trace_too_large', program, `more than ${TRACE_BENEFICIARIES_MAX} beneficiaries`);
        add(edge('disburse', programNode, 'beneficiaries'), m.amount, { height: m.height, txId: m.txId });
        return;
      case 'spend':
        addMerchant(m.merchant);
        add(edge('spend', 'beneficiaries', `merchant:${m.merchant}`), m.amount, { height: m.height, txId: m.txId });
        return;
      case 'redeem':
        addMerchant(m.merchant);
        add(edge('redeem', `merchant:${m.merchant}`, `deposits:${m.merchant}`), m.amount, {
          height: m.height,
          txId: m.txId,
        });
        return;
      case 'clawback':
        add(edge('clawback', 'beneficiaries', funderNode()), m.amount, { height: m.height, txId: m.txId });
        return;
      case 'return_pool':
        add(edge('expiry_return', programNode, funderNode()), m.amount, { height: m.height, txId: null });
        return;
      case 'return_balance':
        add(edge('expiry_return', 'beneficiaries', funderNode()), m.amount, { height: m.height, txId: null });
        return;
      case 'release_balance':
        add(edge('expiry_release', 'beneficiaries', 'released'), m.amount, { height: m.height, txId: null });
        return;
      default:
        assertNever(m, 'program movement');
    }
  });
  const created = origin.created;
  if (!scanned.found || created === null)
    throw new ProgramTraceError('program_not_found', program, `no program ${program} in certified blocks`);
  const body = created.tx.body;
  assert(body.type === 'program.create', 'the origin is a program.create');
  assertConserved(totals, program);
  return {
    program: {
      id: program,
      funder: body.funder,
      auditor: body.auditor,
      asset: body.asset,
      budget: body.budget,
      fundingAccount: body.fundingAccount,
      rules: body.rules,
      status: origin.status,
      createdAtHeight: created.height,
    },
    totals,
    beneficiaries: beneficiaries.size,
    merchants: merchants.size,
    edges: [...edges.values()],
    height: scanned.height,
  };
}

export type StatementKind = 'disburse' | 'spend' | 'clawback' | 'expiry_return' | 'expiry_release';

export interface StatementRow {
  readonly kind: StatementKind;
  readonly height: bigint;
  readonly timeMs: bigint;
  /** Null for the expiry sweep (no transaction). */
  readonly txId: string | null;
  /** Positive credits, negative debits. */
  readonly amount: bigint;
  readonly balance: bigint;
  /** The merchant paid (spend) or the clawback's reason. */
  readonly merchant?: AccountId;
  readonly reason?: string;
}

export interface BeneficiaryStatement {
  readonly program: Id128;
  readonly account: AccountId;
  readonly rows: StatementRow[];
  /** More than STATEMENT_ROWS_MAX rows: the first ones are kept, `balance` stays exact. */
  readonly truncated: boolean;
  readonly balance: bigint;
  readonly height: bigint;
}

/** Every movement of one beneficiary's program money in chain order, with a running balance. */
export function beneficiaryStatement(store: BlockStore, program: Id128, account: AccountId): BeneficiaryStatement {
  const rows: StatementRow[] = [];
  let balance = 0n;
  let truncated = false;
  const push = (row: StatementRow): void => {
    if (rows.length < STATEMENT_ROWS_MAX) rows.push(row);
    else truncated = true;
  };
  const scanned = scanProgram(store, program, (m, timeMs) => {
    switch (m.kind) {
      case 'disburse':
        if (m.beneficiary !== account) return;
        balance += m.amount;
        push({ kind: 'disburse', height: m.height, timeMs, txId: m.txId, amount: m.amount, balance });
        return;
      case 'spend':
        if (m.beneficiary !== account) return;
        balance -= m.amount;
        push({
          kind: 'spend',
          height: m.height,
          timeMs,
          txId: m.txId,
          amount: -m.amount,
          balance,
          merchant: m.merchant,
        });
        return;
      case 'clawback':
        if (m.beneficiary !== account) return;
        balance -= m.amount;
        push({
          kind: 'clawback',
          height: m.height,
          timeMs,
          txId: m.txId,
          amount: -m.amount,
          balance,
          reason: m.reason,
        });
        return;
      case 'return_balance':
      case 'release_balance':
        if (m.beneficiary !== account) return;
        balance -= m.amount;
        push({
          kind: m.kind === 'return_balance' ? 'expiry_return' : 'expiry_release',
          height: m.height,
          timeMs,
          txId: null,
          amount: -m.amount,
          balance,
        });
        return;
      default:
        return;
    }
  });
  if (!scanned.found)
    throw new ProgramTraceError('program_not_found', program, `no program ${program} in certified blocks`);
  assert(balance >= 0n, 'a beneficiary statement never goes below zero');
  return { program, account, rows, truncated, balance, height: scanned.height };
}

export interface SpendingGroup {
  /** A merchant region (`CN-SC`) or MCC (`5261`); `unknown` for a merchant without attributes. */
  readonly key: string;
  merchants: number;
  spends: number;
  amount: bigint;
}

/** A program's public report: aggregates only, no account ids and no personal data. */
export interface TransparencyReport {
  readonly program: Id128;
  readonly funder: OrgId;
  readonly asset: string;
  readonly status: ProgramStatus;
  readonly beneficiaries: number;
  readonly merchants: number;
  readonly totals: ProgramTotals;
  readonly spendingByRegion: SpendingGroup[];
  readonly spendingByMcc: SpendingGroup[];
  readonly height: bigint;
}

/** The transparency report: the trace's totals, spending grouped by the merchants' public region and MCC. */
export function transparencyReport(store: BlockStore, program: Id128): TransparencyReport {
  const trace = traceProgram(store, program);
  const byRegion = new Map<string, SpendingGroup>();
  const byMcc = new Map<string, SpendingGroup>();
  const group = (groups: Map<string, SpendingGroup>, key: string): SpendingGroup => {
    let g = groups.get(key);
    if (g === undefined) {
      g = { key, merchants: 0, spends: 0, amount: 0n };
      groups.set(key, g);
    }
    return g;
  };
  for (const e of trace.edges) {
    if (e.kind !== 'spend') continue;
    const merchant = e.target.slice('merchant:'.length);
    const entry = store.getStateEntry(merchantKey(merchant));
    const attributes = entry?.kind === 'merchant' ? entry : { region: 'unknown', mcc: 'unknown' };
    for (const g of [group(byRegion, attributes.region), group(byMcc, attributes.mcc)]) {
      g.merchants += 1;
      g.spends += e.count;
      g.amount += e.amount;
    }
  }
  const sorted = (groups: Map<string, SpendingGroup>): SpendingGroup[] =>
    [...groups.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const report: TransparencyReport = {
    program,
    funder: trace.program.funder,
    asset: trace.program.asset,
    status: trace.program.status,
    beneficiaries: trace.beneficiaries,
    merchants: trace.merchants,
    totals: trace.totals,
    spendingByRegion: sorted(byRegion),
    spendingByMcc: sorted(byMcc),
    height: trace.height,
  };
  const sum = (groups: readonly SpendingGroup[]): bigint => groups.reduce((s, g) => s + g.amount, 0n);
  assert(sum(report.spendingByRegion) === report.totals.spent, 'spending by region adds up to spent');
  assert(sum(report.spendingByMcc) === report.totals.spent, 'spending by MCC adds up to spent');
  return report;
}

/** JSON-safe form: bigints as decimal strings of minor units. */
export function transparencyReportToJson(report: TransparencyReport): Record<string, unknown> {
  const totals = Object.fromEntries(Object.entries(report.totals).map(([k, v]) => [k, v.toString()]));
  const groups = (gs: readonly SpendingGroup[]) =>
    gs.map((g) => ({ key: g.key, merchants: g.merchants, spends: g.spends, amount: g.amount.toString() }));
  return {
    program: report.program,
    funder: report.funder,
    asset: report.asset,
    status: report.status,
    beneficiaries: report.beneficiaries,
    merchants: report.merchants,
    totals,
    spendingByRegion: groups(report.spendingByRegion),
    spendingByMcc: groups(report.spendingByMcc),
    height: report.height.toString(),
  };
}

/**
 * CSV (RFC 4180, `\r\n`): `section,key,merchants,spends,amount_minor` — one `total` row per total, then one row per
 * region and per MCC. Keys are codes from a fixed alphabet ([A-Z0-9-]), so no quoting is needed; asserted.
 */
export function transparencyReportToCsv(report: TransparencyReport): string {
  const lines = ['section,key,merchants,spends,amount_minor'];
  lines.push(`total,beneficiaries,,,${report.beneficiaries}`);
  lines.push(`total,merchants,,,${report.merchants}`);
  for (const [key, value] of Object.entries(report.totals)) lines.push(`total,${key},,,${value.toString()}`);
  for (const [section, groups] of [
    ['region', report.spendingByRegion],
    ['mcc', report.spendingByMcc],
  ] as const) {
    for (const g of groups) {
      assert(/^[A-Za-z0-9-]+$/.test(g.key), 'report keys need no CSV quoting');
      lines.push(`${section},${g.key},${g.merchants},${g.spends},${g.amount.toString()}`);
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
