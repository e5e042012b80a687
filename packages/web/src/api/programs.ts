/**
 * Purpose-bound programs (subsidies, employee benefits; docs/gateway-api.md "Programs: purpose-bound funds") as the
 * three consoles see them: the funder's operators create, fund, disburse to, suspend, resume and claw back from a
 * program and read its trace from the chain and a beneficiary's statement (`/v1/ops/programs/*`, ops role); anyone
 * reads the public list and transparency report (`/v1/programs/*`); a beneficiary reads the programs it holds money
 * in (`/v1/me/programs`); a merchant reads its program receivables and redeems them (`/v1/merchants/{id}/programs`).
 * Every answer is checked on arrival (parse.ts): amounts are decimal strings, lists are lists. A rule refusal is
 * 422 `program_ineligible` with the ledger's reason code, which `programRefusalText` says in plain words.
 */
import type { ReceiptJson } from '@paychain/core/browser';
import { type DisplayTransaction, decodeForDisplay, prepareSigning } from '../chain/decode-for-display';
import { type ApiClient, ApiError, apiPath } from './client';
import {
  booleanAt,
  countAt,
  decimalAt,
  fail,
  heightAt,
  isJsonObject,
  itemsAt,
  type Json,
  nullableNumberAt,
  nullableStringAt,
  numberAt,
  objectAt,
  oneOfAt,
  stringAt,
  stringsAt,
} from './parse';
import type { Money, Signing } from './types';

export const PROGRAM_STATUSES = ['active', 'suspended', 'expired'] as const;
export type ProgramStatus = (typeof PROGRAM_STATUSES)[number];

/** The reasons of a `program_ineligible` refusal, in the order the ledger checks them. */
export const PROGRAM_INELIGIBLE_REASONS = [
  'program_suspended',
  'program_not_started',
  'program_expired',
  'merchant_not_eligible_mcc',
  'merchant_not_eligible_region',
  'merchant_not_listed',
  'amount_above_cap',
  'insufficient_program_funds',
] as const;
export type ProgramIneligibleReason = (typeof PROGRAM_INELIGIBLE_REASONS)[number];

export function isProgramIneligibleReason(value: string): value is ProgramIneligibleReason {
  return (PROGRAM_INELIGIBLE_REASONS as readonly string[]).includes(value);
}

/** A program's running totals, each Money in the program's currency, in the order the console lists them. */
export const PROGRAM_TOTAL_KEYS = [
  'funded',
  'pool',
  'disbursed',
  'heldByBeneficiaries',
  'spent',
  'merchantReceivables',
  'redeemed',
  'returned',
  'clawedBack',
  'released',
] as const;
export type ProgramTotalKey = (typeof PROGRAM_TOTAL_KEYS)[number];
export type ProgramTotals = Readonly<Record<ProgramTotalKey, Money>>;

export interface ProgramMerchantRule {
  readonly accountId: string;
  readonly name: string | null;
}

export interface ProgramRules {
  /** Empty: any MCC. */
  readonly mccs: readonly string[];
  /** Empty: any region. */
  readonly regions: readonly string[];
  /** Empty: any merchant. */
  readonly merchants: readonly ProgramMerchantRule[];
  /** Null: no cap on one payment. */
  readonly perPaymentMax: Money | null;
  readonly perBeneficiaryMax: Money;
  readonly validFromMs: number;
  readonly validUntilMs: number;
  /** Beneficiaries' unspent money at the end: back to the funder, or released into their ordinary balance. */
  readonly atExpiry: ProgramExpiryAction;
}

export const PROGRAM_EXPIRY_ACTIONS = ['return', 'release'] as const;
export type ProgramExpiryAction = (typeof PROGRAM_EXPIRY_ACTIONS)[number];

export interface Program {
  readonly id: string;
  readonly name: string;
  readonly purpose: string;
  readonly funder: string;
  readonly auditor: string;
  readonly currency: string;
  readonly budget: Money;
  readonly status: ProgramStatus;
  readonly rules: ProgramRules;
  readonly fundingAccountId: string;
  readonly createdAtMs: number;
  readonly totals: ProgramTotals;
}

/** `GET /v1/programs`: what anyone may read of a program (no personal data). */
export interface PublicProgram {
  readonly id: string;
  readonly name: string;
  readonly purpose: string;
  readonly funder: string;
  readonly currency: string;
  readonly budget: Money;
  readonly status: ProgramStatus;
  readonly validFromMs: number;
  readonly validUntilMs: number;
}

export interface SpendingGroup {
  /** A region or MCC code; `unknown` for a merchant without attributes. */
  readonly key: string;
  readonly merchants: number;
  readonly spends: number;
  /** Minor units (fen), a string of digits. */
  readonly amountMinor: string;
}

/** The public transparency report: aggregates only, amounts in minor units. */
export interface ProgramReport {
  readonly programId: string;
  readonly name: string | null;
  readonly funder: string;
  readonly currency: string;
  readonly status: ProgramStatus;
  readonly beneficiaries: number;
  readonly merchants: number;
  readonly totalsMinor: Readonly<Record<ProgramTotalKey, string>>;
  readonly spendingByRegion: readonly SpendingGroup[];
  readonly spendingByMcc: readonly SpendingGroup[];
  readonly height: string;
}

export interface FundResult {
  readonly program: Program;
  readonly txIds: readonly string[];
}

/** One disbursement: to a phone's wallet or to a ledger account, an amount (decimal string). */
export type Allocation =
  | { readonly phone: string; readonly amount: string }
  | { readonly accountId: string; readonly amount: string };

export interface DisburseResult {
  readonly txId: string;
  readonly count: number;
  readonly total: Money;
  readonly receipt: ReceiptJson | null;
}

export interface Cosigner {
  readonly org: string;
  readonly role: string;
  readonly publicKeys: readonly string[];
}

/** A clawback signed by the funder, waiting for the auditor's co-signature (24 h). */
export interface ClawbackProposal {
  /** The text the auditor co-signs offline (`paychain program cosign --proposal TEXT`). */
  readonly proposal: string;
  readonly txId: string;
  readonly unsignedTx: string;
  readonly signingBytes: string;
  readonly expiresAtMs: number;
  readonly cosigners: readonly Cosigner[];
}

export interface Cosignature {
  readonly publicKey: string;
  readonly signature: string;
}

export interface TxWithReceipt {
  readonly txId: string;
  readonly receipt: ReceiptJson | null;
}

export interface TraceNode {
  /** `funder:<org>`, `program:<id>`, `beneficiaries`, `merchant:<account>`, `deposits:<account>`. */
  readonly id: string;
  readonly kind: string;
  readonly label: string;
}

export interface TraceEvidence {
  readonly height: string;
  /** Null for an expiry sweep (no transaction: the block at `height` moved the money). */
  readonly txId: string | null;
}

export const TRACE_EDGE_KINDS = [
  'fund',
  'disburse',
  'spend',
  'redeem',
  'expiry_return',
  'expiry_release',
  'clawback',
] as const;

export interface TraceEdge {
  /** One of TRACE_EDGE_KINDS, or a kind a newer gateway knows (shown as is). */
  readonly kind: string;
  readonly source: string;
  readonly target: string;
  readonly amount: Money;
  readonly count: number;
  readonly evidence: readonly TraceEvidence[];
  readonly evidenceTruncated: boolean;
}

export interface ProgramTrace {
  readonly programId: string;
  readonly totals: ProgramTotals | null;
  readonly beneficiaries: number;
  readonly merchants: number;
  readonly height: string;
  readonly nodes: readonly TraceNode[];
  readonly edges: readonly TraceEdge[];
}

export interface StatementRow {
  readonly kind: string;
  readonly height: string;
  readonly timeMs: number;
  /** Null for an expiry sweep. */
  readonly txId: string | null;
  /** Signed: credits positive, debits negative. */
  readonly amount: Money;
  /** The merchant paid, or the funder money came from or went back to; null when none. */
  readonly counterparty: string | null;
  /** A clawback's reason; null for other rows. */
  readonly reason: string | null;
}

export interface ProgramStatement {
  readonly programId: string;
  readonly accountId: string;
  readonly phone: string | null;
  readonly balance: Money;
  /** More rows than the gateway lists: the first ones are shown, the balance stays exact. */
  readonly truncated: boolean;
  readonly rows: readonly StatementRow[];
}

/** `GET /v1/me/programs`: a program I was allocated money in, with what I hold, got and spent. */
export interface MyProgram {
  readonly program: Program;
  readonly balance: Money;
  readonly allocated: Money;
  readonly spent: Money;
}

export interface MerchantProgram {
  readonly programId: string;
  readonly name: string;
  readonly receivable: Money;
  readonly received: Money;
  readonly redeemed: Money;
}

export interface Redemption {
  readonly txId: string;
  readonly amount: Money;
  readonly receipt: ReceiptJson | null;
}

/** A redemption's answer: done (200), or (202) the transaction the owner's browser-held key must sign first. */
export type RedemptionAnswer =
  | ({ readonly kind: 'done' } & Redemption)
  | { readonly kind: 'signing'; readonly signing: Signing & { readonly intent: string } };

/** `POST /v1/ops/programs` body. */
export interface NewProgram {
  readonly name: string;
  readonly purpose: string;
  readonly budget: Money;
  readonly auditor: string;
  readonly rules: {
    readonly mccs?: readonly string[];
    readonly regions?: readonly string[];
    readonly merchantIds?: readonly string[];
    /** Decimal strings in the budget's currency. */
    readonly perPaymentMax?: string;
    readonly perBeneficiaryMax: string;
    readonly validFromMs?: number;
    readonly validUntilMs: number;
    readonly atExpiry?: ProgramExpiryAction;
  };
}

/** The body of a CSV disbursement: at most 2 MiB. */
export const DISBURSE_CSV_BYTES_MAX = 2 * 1024 * 1024;
export const PROGRAM_REASON_CHARS_MAX = 200;

// ---- parsing ----

export function moneyAt(json: Json, key: string, where: string): Money {
  const at = `${where}.${key}`;
  const money = objectAt(json[key], at);
  return { amount: decimalAt(money, 'amount', at), currency: stringAt(money, 'currency', at) };
}

function nullableMoneyAt(json: Json, key: string, where: string): Money | null {
  const value = json[key];
  return value === null || value === undefined ? null : moneyAt(json, key, where);
}

/** A program named by its id, or by a program object with one. */
function programIdAt(json: Json, key: string, where: string): string {
  const value = json[key];
  if (typeof value === 'string') return value;
  if (isJsonObject(value)) return stringAt(value, 'id', `${where}.${key}`);
  return fail(`${where}.${key}`, 'a program id', value);
}

function receiptAt(json: Json, key: string, where: string): ReceiptJson | null {
  const value = json[key];
  if (value === null || value === undefined) return null;
  // Its shape is core's to check (verifyReceipt), where it is verified.
  return objectAt(value, `${where}.${key}`) as unknown as ReceiptJson;
}

function totalsAt(json: Json, key: string, where: string): ProgramTotals {
  const at = `${where}.${key}`;
  const totals = objectAt(json[key], at);
  const entries = PROGRAM_TOTAL_KEYS.map((k) => [k, moneyAt(totals, k, at)] as const);
  return Object.fromEntries(entries) as Record<ProgramTotalKey, Money>;
}

function rulesOf(value: unknown, where: string): ProgramRules {
  const json = objectAt(value, where);
  return {
    mccs: stringsAt(json, 'mccs', where),
    regions: stringsAt(json, 'regions', where),
    merchants: itemsAt(json, 'merchants', (item, at) => ({
      accountId: stringAt(item, 'accountId', `${where}.${at}`),
      name: nullableStringAt(item, 'name', `${where}.${at}`),
    })),
    perPaymentMax: nullableMoneyAt(json, 'perPaymentMax', where),
    perBeneficiaryMax: moneyAt(json, 'perBeneficiaryMax', where),
    validFromMs: numberAt(json, 'validFromMs', where),
    validUntilMs: numberAt(json, 'validUntilMs', where),
    // A gateway from before expiry actions returned everything to the funder.
    atExpiry: json.atExpiry === undefined ? 'return' : oneOfAt(json, 'atExpiry', where, PROGRAM_EXPIRY_ACTIONS),
  };
}

export function programOf(json: Json, where: string): Program {
  return {
    id: stringAt(json, 'id', where),
    name: stringAt(json, 'name', where),
    purpose: stringAt(json, 'purpose', where),
    funder: stringAt(json, 'funder', where),
    auditor: stringAt(json, 'auditor', where),
    currency: stringAt(json, 'currency', where),
    budget: moneyAt(json, 'budget', where),
    status: oneOfAt(json, 'status', where, PROGRAM_STATUSES),
    rules: rulesOf(json.rules, `${where}.rules`),
    fundingAccountId: stringAt(json, 'fundingAccountId', where),
    createdAtMs: numberAt(json, 'createdAtMs', where),
    totals: totalsAt(json, 'totals', where),
  };
}

export function parseProgram(answer: unknown): Program {
  return programOf(objectAt(answer, '(answer)'), '(program)');
}

export function parsePrograms(answer: unknown): Program[] {
  return itemsAt(objectAt(answer, '(answer)'), 'items', programOf);
}

export function parsePublicPrograms(answer: unknown): PublicProgram[] {
  return itemsAt(objectAt(answer, '(answer)'), 'items', (item, at) => ({
    id: stringAt(item, 'id', at),
    name: stringAt(item, 'name', at),
    purpose: stringAt(item, 'purpose', at),
    funder: stringAt(item, 'funder', at),
    currency: stringAt(item, 'currency', at),
    budget: moneyAt(item, 'budget', at),
    status: oneOfAt(item, 'status', at, PROGRAM_STATUSES),
    validFromMs: numberAt(item, 'validFromMs', at),
    validUntilMs: numberAt(item, 'validUntilMs', at),
  }));
}

const MINOR_PATTERN = /^(0|[1-9][0-9]{0,39})$/;

function minorAt(json: Json, key: string, where: string): string {
  const value = json[key];
  return typeof value === 'string' && MINOR_PATTERN.test(value)
    ? value
    : fail(`${where}.${key}`, 'an amount in minor units', value);
}

function spendingGroupOf(json: Json, where: string): SpendingGroup {
  return {
    key: stringAt(json, 'key', where),
    merchants: countAt(json, 'merchants', where),
    spends: countAt(json, 'spends', where),
    amountMinor: minorAt(json, 'amount', where),
  };
}

export function parseReport(answer: unknown): ProgramReport {
  const json = objectAt(answer, '(answer)');
  const at = '(report)';
  const totals = objectAt(json.totals, 'totals');
  // The contract's `currency`; the chain's own report names it `asset`.
  const currency = typeof json.currency === 'string' ? json.currency : stringAt(json, 'asset', at);
  return {
    programId: stringAt(json, 'program', at),
    name: nullableStringAt(json, 'name', at),
    funder: stringAt(json, 'funder', at),
    currency,
    status: oneOfAt(json, 'status', at, PROGRAM_STATUSES),
    beneficiaries: countAt(json, 'beneficiaries', at),
    merchants: countAt(json, 'merchants', at),
    totalsMinor: Object.fromEntries(PROGRAM_TOTAL_KEYS.map((k) => [k, minorAt(totals, k, 'totals')])) as Record<
      ProgramTotalKey,
      string
    >,
    spendingByRegion: itemsAt(json, 'spendingByRegion', spendingGroupOf),
    spendingByMcc: itemsAt(json, 'spendingByMcc', spendingGroupOf),
    height: heightAt(json, 'height', at),
  };
}

export function parseTrace(answer: unknown): ProgramTrace {
  const json = objectAt(answer, '(answer)');
  const at = '(trace)';
  return {
    programId: programIdAt(json, 'program', at),
    totals: json.totals === undefined || json.totals === null ? null : totalsAt(json, 'totals', at),
    beneficiaries: countAt(json, 'beneficiaries', at),
    merchants: countAt(json, 'merchants', at),
    height: heightAt(json, 'height', at),
    nodes: itemsAt(json, 'nodes', (item, where) => ({
      id: stringAt(item, 'id', where),
      kind: stringAt(item, 'kind', where),
      label: stringAt(item, 'label', where),
    })),
    edges: itemsAt(json, 'edges', (item, where) => ({
      kind: stringAt(item, 'kind', where),
      source: stringAt(item, 'source', where),
      target: stringAt(item, 'target', where),
      amount: moneyAt(item, 'amount', where),
      count: countAt(item, 'count', where),
      evidence: itemsAt(item, 'evidence', (e, eAt) => ({
        height: heightAt(e, 'height', `${where}.${eAt}`),
        txId: nullableStringAt(e, 'txId', `${where}.${eAt}`),
      })),
      evidenceTruncated: item.evidenceTruncated === undefined ? false : booleanAt(item, 'evidenceTruncated', where),
    })),
  };
}

/** A statement row's counterparty: a name, or an object naming one. */
function counterpartyAt(json: Json, key: string, where: string): string | null {
  const value = json[key];
  if (isJsonObject(value)) return nullableStringAt(value, 'name', `${where}.${key}`);
  return nullableStringAt(json, key, where);
}

export function parseStatement(answer: unknown): ProgramStatement {
  const json = objectAt(answer, '(answer)');
  const at = '(statement)';
  return {
    programId: programIdAt(json, 'program', at),
    accountId: stringAt(json, 'accountId', at),
    phone: nullableStringAt(json, 'phone', at),
    balance: moneyAt(json, 'balance', at),
    truncated: json.truncated === undefined ? false : booleanAt(json, 'truncated', at),
    rows: itemsAt(json, 'rows', (item, where) => ({
      kind: stringAt(item, 'kind', where),
      height: heightAt(item, 'height', where),
      timeMs: numberAt(item, 'timeMs', where),
      txId: nullableStringAt(item, 'txId', where),
      amount: moneyAt(item, 'amount', where),
      counterparty: counterpartyAt(item, 'counterparty', where),
      reason: nullableStringAt(item, 'reason', where),
    })),
  };
}

export function parseMyPrograms(answer: unknown): MyProgram[] {
  return itemsAt(objectAt(answer, '(answer)'), 'items', (item, at) => ({
    program: programOf(objectAt(item.program, `${at}.program`), `${at}.program`),
    balance: moneyAt(item, 'balance', at),
    allocated: moneyAt(item, 'allocated', at),
    spent: moneyAt(item, 'spent', at),
  }));
}

export function parseMerchantPrograms(answer: unknown): MerchantProgram[] {
  return itemsAt(objectAt(answer, '(answer)'), 'items', (item, at) => ({
    programId: stringAt(item, 'programId', at),
    name: stringAt(item, 'name', at),
    receivable: moneyAt(item, 'receivable', at),
    received: moneyAt(item, 'received', at),
    redeemed: moneyAt(item, 'redeemed', at),
  }));
}

function txWithReceiptOf(answer: unknown): TxWithReceipt {
  const json = objectAt(answer, '(answer)');
  return { txId: stringAt(json, 'txId', '(answer)'), receipt: receiptAt(json, 'receipt', '(answer)') };
}

function redemptionOf(answer: unknown): Redemption {
  const json = objectAt(answer, '(answer)');
  return {
    txId: stringAt(json, 'txId', '(answer)'),
    amount: moneyAt(json, 'amount', '(answer)'),
    receipt: receiptAt(json, 'receipt', '(answer)'),
  };
}

export function parseRedemptionAnswer(answer: unknown): RedemptionAnswer {
  const json = objectAt(answer, '(answer)');
  if (json.signing !== undefined && json.signing !== null) {
    const signing = objectAt(json.signing, 'signing');
    const expiresAtMs = nullableNumberAt(signing, 'expiresAtMs', 'signing');
    return {
      kind: 'signing',
      signing: {
        intent: stringAt(signing, 'intent', 'signing'),
        unsignedTx: stringAt(signing, 'unsignedTx', 'signing'),
        signingBytes: stringAt(signing, 'signingBytes', 'signing'),
        ...(expiresAtMs === null ? {} : { expiresAtMs }),
      },
    };
  }
  return { kind: 'done', ...redemptionOf(json) };
}

export function parseClawbackProposal(answer: unknown): ClawbackProposal {
  const json = objectAt(answer, '(answer)');
  const at = '(proposal)';
  return {
    proposal: stringAt(json, 'proposal', at),
    txId: stringAt(json, 'txId', at),
    unsignedTx: stringAt(json, 'unsignedTx', at),
    signingBytes: stringAt(json, 'signingBytes', at),
    expiresAtMs: numberAt(json, 'expiresAtMs', at),
    cosigners: itemsAt(json, 'cosigners', (item, where) => ({
      org: stringAt(item, 'org', where),
      role: stringAt(item, 'role', where),
      publicKeys: stringsAt(item, 'publicKeys', where),
    })),
  };
}

// ---- ops routes ----

export async function getPrograms(client: ApiClient): Promise<Program[]> {
  return parsePrograms(await client.send<unknown>('GET', '/v1/ops/programs'));
}

/** 201 the program, its funding account opened and `program.create` final. */
export async function createProgram(client: ApiClient, body: NewProgram): Promise<Program> {
  return parseProgram(await client.send<unknown>('POST', '/v1/ops/programs', { body }));
}

export async function getProgram(client: ApiClient, programId: string): Promise<Program> {
  return parseProgram(await client.send<unknown>('GET', apiPath`/v1/ops/programs/${programId}`));
}

/** The bank debits `bankAccount`, the issuer mints into the funding account, `program.fund` fills the pool. */
export async function fundProgram(
  client: ApiClient,
  programId: string,
  body: { readonly amount: string; readonly currency: string; readonly bankAccount: string },
): Promise<FundResult> {
  const answer = objectAt(
    await client.send<unknown>('POST', apiPath`/v1/ops/programs/${programId}/funding`, { body }),
    '(answer)',
  );
  return {
    program: programOf(objectAt(answer.program, 'program'), 'program'),
    txIds: stringsAt(answer, 'txIds', '(answer)'),
  };
}

function disburseResultOf(answer: unknown): DisburseResult {
  const json = objectAt(answer, '(answer)');
  return {
    txId: stringAt(json, 'txId', '(answer)'),
    count: countAt(json, 'count', '(answer)'),
    total: moneyAt(json, 'total', '(answer)'),
    receipt: receiptAt(json, 'receipt', '(answer)'),
  };
}

/** All or nothing: 400 `beneficiary_unknown` (`details.index`), 422 `program_refused` (`details.code`, `index`). */
export async function disburseProgram(
  client: ApiClient,
  programId: string,
  allocations: readonly Allocation[],
): Promise<DisburseResult> {
  const answer = await client.send<unknown>('POST', apiPath`/v1/ops/programs/${programId}/disbursements`, {
    body: { allocations },
  });
  return disburseResultOf(answer);
}

/** The same from a CSV file's text (`beneficiary,amount`, header optional), as `{csv}`; errors name `details.line`. */
export async function disburseProgramCsv(client: ApiClient, programId: string, csv: string): Promise<DisburseResult> {
  const answer = await client.send<unknown>('POST', apiPath`/v1/ops/programs/${programId}/disbursements`, {
    body: { csv },
  });
  return disburseResultOf(answer);
}

export async function suspendProgram(client: ApiClient, programId: string, reason: string): Promise<Program> {
  return parseProgram(
    await client.send<unknown>('POST', apiPath`/v1/ops/programs/${programId}/suspend`, { body: { reason } }),
  );
}

export async function resumeProgram(client: ApiClient, programId: string, reason: string): Promise<Program> {
  return parseProgram(
    await client.send<unknown>('POST', apiPath`/v1/ops/programs/${programId}/resume`, { body: { reason } }),
  );
}

/** A clawback signed by the funder; the auditor co-signs `proposal` offline within 24 h. */
export async function proposeClawback(
  client: ApiClient,
  programId: string,
  body: { readonly beneficiary: string; readonly amount: string; readonly reason: string },
): Promise<ClawbackProposal> {
  return parseClawbackProposal(
    await client.send<unknown>('POST', apiPath`/v1/ops/programs/${programId}/clawbacks`, { body }),
  );
}

/** 400 `cosignature_invalid`, 410 `intent_expired`. */
export async function submitClawback(
  client: ApiClient,
  programId: string,
  proposal: string,
  signatures: readonly Cosignature[],
): Promise<TxWithReceipt> {
  return txWithReceiptOf(
    await client.send<unknown>('POST', apiPath`/v1/ops/programs/${programId}/clawbacks/submit`, {
      body: { proposal, signatures },
    }),
  );
}

export async function getProgramTrace(client: ApiClient, programId: string): Promise<ProgramTrace> {
  return parseTrace(await client.send<unknown>('GET', apiPath`/v1/ops/programs/${programId}/trace`));
}

/** A beneficiary's statement, by phone or ledger account id. */
export async function getBeneficiaryStatement(
  client: ApiClient,
  programId: string,
  beneficiary: string,
): Promise<ProgramStatement> {
  return parseStatement(
    await client.send<unknown>('GET', apiPath`/v1/ops/programs/${programId}/statement`, { query: { beneficiary } }),
  );
}

// ---- public routes ----

export async function getPublicPrograms(client: ApiClient): Promise<PublicProgram[]> {
  return parsePublicPrograms(await client.send<unknown>('GET', '/v1/programs'));
}

export async function getProgramReport(client: ApiClient, programId: string): Promise<ProgramReport> {
  return parseReport(await client.send<unknown>('GET', apiPath`/v1/programs/${programId}/report`));
}

/** The public report's address (JSON): public, so a plain link downloads it. */
export function programReportUrl(programId: string): string {
  return apiPath`/v1/programs/${programId}/report`;
}

/** The public report as CSV (`section,key,merchants,spends,amount_minor`). */
export function programReportCsvUrl(programId: string): string {
  return apiPath`/v1/programs/${programId}/report.csv`;
}

// ---- wallet routes ----

export async function getMyPrograms(client: ApiClient): Promise<MyProgram[]> {
  return parseMyPrograms(await client.send<unknown>('GET', '/v1/me/programs'));
}

export async function getMyProgramStatement(client: ApiClient, programId: string): Promise<ProgramStatement> {
  return parseStatement(await client.send<unknown>('GET', apiPath`/v1/me/programs/${programId}/statement`));
}

// ---- merchant routes ----

export async function getMerchantPrograms(client: ApiClient, merchantId: string): Promise<MerchantProgram[]> {
  return parseMerchantPrograms(await client.send<unknown>('GET', apiPath`/v1/merchants/${merchantId}/programs`));
}

/** Turns a program receivable into an ordinary deposit: `money`, or all of it when none is given. */
export async function redeemProgram(
  client: ApiClient,
  merchantId: string,
  programId: string,
  money?: Money,
): Promise<RedemptionAnswer> {
  const answer = await client.send<unknown>(
    'POST',
    apiPath`/v1/merchants/${merchantId}/programs/${programId}/redemptions`,
    { body: money === undefined ? {} : { amount: money.amount, currency: money.currency } },
  );
  return parseRedemptionAnswer(answer);
}

/** The owner's signature of a redemption answered 202. */
export async function submitRedemptionSignature(
  client: ApiClient,
  merchantId: string,
  programId: string,
  intent: string,
  signature: string,
): Promise<Redemption> {
  const answer = await client.send<unknown>(
    'POST',
    apiPath`/v1/merchants/${merchantId}/programs/${programId}/redemptions/signature`,
    { body: { intent, signature } },
  );
  return redemptionOf(answer);
}

export type PreparedRedemption =
  | {
      readonly ok: true;
      readonly display: DisplayTransaction;
      readonly signingBytes: Uint8Array;
      /** Minor units of the program's asset redeemed. */
      readonly amount: bigint;
    }
  | { readonly ok: false; readonly error: string };

/**
 * The redemption to sign, decoded in the browser as every payment is (`prepareSigning`): it must be a
 * `program.redeem` of this program into this merchant's settlement account, and the signing bytes those of that
 * transaction, or nothing is signed.
 */
export function prepareRedemptionSigning(
  signing: Signing,
  expected: { readonly programId: string; readonly merchantAccountId: string },
): PreparedRedemption {
  const decoded = decodeForDisplay(signing.unsignedTx);
  if (!decoded.ok) return decoded;
  const body = decoded.decoded.tx.body;
  if (body.type !== 'program.redeem')
    return { ok: false, error: `the transaction is a ${body.type}, not a redemption` };
  if (body.program !== expected.programId)
    return { ok: false, error: `the transaction redeems program ${body.program}` };
  if (body.merchant !== expected.merchantAccountId) {
    return { ok: false, error: `the transaction redeems into account ${body.merchant}` };
  }
  const prepared = prepareSigning(signing, decoded.value.txId);
  return prepared.ok ? { ...prepared, amount: body.amount } : prepared;
}

// ---- errors and form input ----

/** The reason of a 422 `program_ineligible` (and the program it names), or null for any other error. */
export function programIneligibleOf(
  error: unknown,
): { readonly reason: string; readonly programId: string | null } | null {
  if (!(error instanceof ApiError) || error.code !== 'program_ineligible') return null;
  const reason = error.details.reason;
  const program = error.details.program;
  return {
    reason: typeof reason === 'string' ? reason : 'unknown',
    programId: typeof program === 'string' ? program : null,
  };
}

export type ProgramReasonKey = `programs.reason.${ProgramIneligibleReason}` | 'programs.reason.unknown';

/** A `program_ineligible` reason code as a sentence in the user's language; an unknown code is named. */
export function programRefusalText(reason: string, t: (key: ProgramReasonKey) => string): string {
  return isProgramIneligibleReason(reason)
    ? t(`programs.reason.${reason}`)
    : `${t('programs.reason.unknown')} (${reason})`;
}

/** The failing line (CSV) or allocation (JSON, 0-based) of a refused disbursement, when the error names one. */
export function disbursementProblemOf(
  error: unknown,
): { readonly code: string; readonly line: number | null; readonly index: number | null } | null {
  if (!(error instanceof ApiError)) return null;
  if (error.code !== 'beneficiary_unknown' && error.code !== 'program_refused') return null;
  const { line, index, code } = error.details;
  return {
    code: error.code === 'program_refused' && typeof code === 'string' ? code : error.code,
    line: typeof line === 'number' && Number.isSafeInteger(line) ? line : null,
    index: typeof index === 'number' && Number.isSafeInteger(index) ? index : null,
  };
}

const HEX_PATTERN = /^[0-9a-fA-F]+$/;

/**
 * The auditor's co-signature(s) as pasted: the `{publicKey, signature}` JSON that `paychain program cosign` prints,
 * or a list of them. Null when the text is not that.
 */
export function parseCosignatures(text: string): Cosignature[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error: unknown) {
    if (!(error instanceof SyntaxError)) throw error;
    return null;
  }
  const list: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length === 0) return null;
  const out: Cosignature[] = [];
  for (const item of list) {
    if (!isJsonObject(item)) return null;
    const { publicKey, signature } = item;
    if (typeof publicKey !== 'string' || !HEX_PATTERN.test(publicKey)) return null;
    if (typeof signature !== 'string' || !HEX_PATTERN.test(signature)) return null;
    out.push({ publicKey: publicKey.toLowerCase(), signature: signature.toLowerCase() });
  }
  return out;
}

/** A comma- (or space-) separated list as typed: trimmed, empty entries dropped, duplicates once. */
export function splitList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[,，\s]+/)
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ];
}

const MCC_PATTERN = /^[0-9]{4}$/;
const REGION_PATTERN = /^[A-Z0-9-]{1,16}$/;

/** MCCs as typed ("5411, 5499"): four digits each; null when one is not. */
export function parseMccList(text: string): string[] | null {
  const list = splitList(text);
  return list.every((m) => MCC_PATTERN.test(m)) ? list.sort() : null;
}

/** Regions as typed ("cn-sc, CN-CQ"): upper-cased, 1..16 of A-Z, 0-9 and '-'; null when one is not. */
export function parseRegionList(text: string): string[] | null {
  const list = splitList(text.toUpperCase());
  return list.every((r) => REGION_PATTERN.test(r)) ? list.sort() : null;
}

/** A `datetime-local` input's value (the browser's time zone) in ms since the epoch; null when empty or invalid. */
export function dateTimeLocalToMs(value: string): number | null {
  if (value.trim() === '') return null;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : null;
}

/** ms since the epoch as a `datetime-local` value in the browser's time zone (minutes). */
export function msToDateTimeLocal(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Lines of a disbursement CSV that name a beneficiary (blank lines and a `beneficiary,amount` header are not). */
export function csvAllocationLines(csv: string): number {
  return csv
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line, i) => line !== '' && !(i === 0 && /^beneficiary\s*,/i.test(line))).length;
}
