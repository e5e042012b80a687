/**
 * AML over the committed chain, for the regulator's side of the ops console (`/v1/ops/aml/*`, ops role): scanning,
 * the alerts the detectors found (pattern, accounts, transactions, score, plain-language explanation), cases made
 * of alerts (open → assigned → closed with a resolution, notes, evidence = transaction ids whose receipts the
 * gateway checked) and the CSV reports: suspicious transactions of one case (STR) and large-value transactions of
 * a time range.
 */
import { type ApiClient, apiPath, type Download } from './client';
import {
  booleanAt,
  countAt,
  heightAt,
  itemsAt,
  type Json,
  nextAt,
  nullableNumberAt,
  nullableStringAt,
  numberAt,
  objectAt,
  oneOfAt,
  stringAt,
  stringsAt,
} from './parse';

/** The laundering patterns of docs/aml-patterns.md, in its order: the alert filter's choices. */
export const AML_PATTERNS = [
  'fan_out',
  'fan_in',
  'cycle',
  'scatter_gather',
  'gather_scatter',
  'bipartite',
  'stack',
  'structuring',
  'smurfing',
  'rapid_pass_through',
  'dormant_activation',
] as const;
export type AmlPattern = (typeof AML_PATTERNS)[number];

export function isAmlPattern(value: string): value is AmlPattern {
  return (AML_PATTERNS as readonly string[]).includes(value);
}

export const CASE_STATUSES = ['open', 'assigned', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const CASE_RESOLUTIONS = ['reported', 'false_positive', 'no_action'] as const;
export type CaseResolution = (typeof CASE_RESOLUTIONS)[number];

export type InCaseFilter = 'no' | 'yes' | 'all';

export interface ScanResult {
  readonly scanned: number;
  readonly alertsFound: number;
  readonly alertsNew: number;
  readonly elapsedMs: number;
}

export interface AmlAlert {
  readonly id: string;
  /** A pattern of AML_PATTERNS, or one a newer gateway knows (shown as is). */
  readonly pattern: string;
  readonly score: number;
  readonly accounts: readonly string[];
  readonly txIds: readonly string[];
  readonly explanation: string;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly detectedAtMs: number;
  readonly caseId: string | null;
}

export interface AmlCase {
  readonly id: string;
  readonly title: string;
  readonly status: CaseStatus;
  readonly assigneePhone: string | null;
  readonly resolution: CaseResolution | null;
  readonly alertCount: number;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  readonly closedAtMs: number | null;
}

export interface CaseNote {
  readonly seq: number;
  readonly authorPhone: string | null;
  readonly text: string;
  readonly createdAtMs: number;
}

export interface Evidence {
  /** A transaction id, or `txId:index` for one operation of a batch (`ledgerTxIdOf` gives the transaction). */
  readonly txId: string;
  /** Null while the transaction is not final on the gateway's node. */
  readonly height: string | null;
  readonly index: number | null;
  readonly blockTimeMs: number | null;
  /** The gateway checked the transaction's receipt against the consortium's validators. */
  readonly verified: boolean;
  /** Why it is not verified, when it is not. */
  readonly reason: string | null;
  readonly receiptUrl: string;
}

export interface CaseDetail {
  readonly case: AmlCase;
  readonly alerts: readonly AmlAlert[];
  readonly notes: readonly CaseNote[];
  readonly evidence: readonly Evidence[];
}

export interface AmlPage<T> {
  readonly items: readonly T[];
  readonly next: string | null;
}

export const AML_PAGE_SIZE = 50;
export const CASE_TITLE_CHARS_MAX = 200;
export const CASE_NOTE_CHARS_MAX = 4000;
/** Alerts put into one case at once. */
export const CASE_ALERTS_MAX = 100;

export function parseScan(answer: unknown): ScanResult {
  const json = objectAt(answer, '(answer)');
  const at = '(scan)';
  return {
    scanned: countAt(json, 'scanned', at),
    alertsFound: countAt(json, 'alertsFound', at),
    alertsNew: countAt(json, 'alertsNew', at),
    elapsedMs: numberAt(json, 'elapsedMs', at),
  };
}

export function alertOf(json: Json, where: string): AmlAlert {
  return {
    id: stringAt(json, 'id', where),
    pattern: stringAt(json, 'pattern', where),
    score: numberAt(json, 'score', where),
    accounts: stringsAt(json, 'accounts', where),
    txIds: stringsAt(json, 'txIds', where),
    explanation: stringAt(json, 'explanation', where),
    windowStartMs: numberAt(json, 'windowStartMs', where),
    windowEndMs: numberAt(json, 'windowEndMs', where),
    detectedAtMs: numberAt(json, 'detectedAtMs', where),
    caseId: nullableStringAt(json, 'caseId', where),
  };
}

export function caseOf(json: Json, where: string): AmlCase {
  const closedAtMs = json.closedAtMs;
  const resolution = json.resolution;
  return {
    id: stringAt(json, 'id', where),
    title: stringAt(json, 'title', where),
    status: oneOfAt(json, 'status', where, CASE_STATUSES),
    assigneePhone: nullableStringAt(json, 'assigneePhone', where),
    resolution:
      resolution === null || resolution === undefined ? null : oneOfAt(json, 'resolution', where, CASE_RESOLUTIONS),
    alertCount: countAt(json, 'alertCount', where),
    createdAtMs: numberAt(json, 'createdAtMs', where),
    updatedAtMs: numberAt(json, 'updatedAtMs', where),
    closedAtMs: closedAtMs === null || closedAtMs === undefined ? null : numberAt(json, 'closedAtMs', where),
  };
}

function noteOf(json: Json, where: string): CaseNote {
  return {
    seq: countAt(json, 'seq', where),
    authorPhone: nullableStringAt(json, 'authorPhone', where),
    text: stringAt(json, 'text', where),
    createdAtMs: numberAt(json, 'createdAtMs', where),
  };
}

function evidenceOf(json: Json, where: string): Evidence {
  const final = json.height !== null && json.height !== undefined;
  return {
    txId: stringAt(json, 'txId', where),
    height: final ? heightAt(json, 'height', where) : null,
    index: final ? countAt(json, 'index', where) : null,
    blockTimeMs: nullableNumberAt(json, 'blockTimeMs', where),
    verified: booleanAt(json, 'verified', where),
    reason: nullableStringAt(json, 'reason', where),
    receiptUrl: stringAt(json, 'receiptUrl', where),
  };
}

/**
 * The ledger transaction of an alert's or evidence's transaction id: AML rows of a batch are `txId:index`, one per
 * operation, and the transaction (its explorer page, its receipt) is the part before the colon.
 */
export function ledgerTxIdOf(rowId: string): string {
  const colon = rowId.indexOf(':');
  return colon === -1 ? rowId : rowId.slice(0, colon);
}

export function parseAlerts(answer: unknown): AmlPage<AmlAlert> {
  const json = objectAt(answer, '(answer)');
  return { items: itemsAt(json, 'items', alertOf), next: nextAt(json) };
}

export function parseCases(answer: unknown): AmlPage<AmlCase> {
  const json = objectAt(answer, '(answer)');
  return { items: itemsAt(json, 'items', caseOf), next: nextAt(json) };
}

export function parseCaseDetail(answer: unknown): CaseDetail {
  const json = objectAt(answer, '(answer)');
  return {
    case: caseOf(objectAt(json.case, 'case'), 'case'),
    alerts: itemsAt(json, 'alerts', alertOf),
    notes: itemsAt(json, 'notes', noteOf),
    evidence: itemsAt(json, 'evidence', evidenceOf),
  };
}

/** Runs the detectors over the committed chain (all of it, or a time range). */
export async function runAmlScan(
  client: ApiClient,
  range: { readonly fromMs?: number; readonly toMs?: number } = {},
): Promise<ScanResult> {
  return parseScan(await client.send<unknown>('POST', '/v1/ops/aml/scans', { body: range }));
}

export async function getAmlAlerts(
  client: ApiClient,
  filter: {
    readonly inCase?: InCaseFilter;
    readonly pattern?: string;
    readonly limit?: number;
    readonly before?: string;
  } = {},
): Promise<AmlPage<AmlAlert>> {
  const query = {
    inCase: filter.inCase ?? 'all',
    pattern: filter.pattern,
    limit: filter.limit ?? AML_PAGE_SIZE,
    before: filter.before,
  };
  return parseAlerts(await client.send<unknown>('GET', '/v1/ops/aml/alerts', { query }));
}

/** 201 the case; 409 `alert_in_case` or 404 `alert_not_found` (`details.alertId`). */
export async function openAmlCase(client: ApiClient, title: string, alertIds: readonly string[]): Promise<AmlCase> {
  const answer = await client.send<unknown>('POST', '/v1/ops/aml/cases', { body: { title, alertIds } });
  return caseOf(objectAt(answer, '(answer)'), '(case)');
}

export async function getAmlCases(
  client: ApiClient,
  filter: { readonly status?: CaseStatus; readonly limit?: number; readonly before?: string } = {},
): Promise<AmlPage<AmlCase>> {
  const query = { status: filter.status, limit: filter.limit ?? AML_PAGE_SIZE, before: filter.before };
  return parseCases(await client.send<unknown>('GET', '/v1/ops/aml/cases', { query }));
}

export async function getAmlCase(client: ApiClient, caseId: string): Promise<CaseDetail> {
  return parseCaseDetail(await client.send<unknown>('GET', apiPath`/v1/ops/aml/cases/${caseId}`));
}

/** Assigns the case to a phone's ops user, or to the caller when none is given. */
export async function assignAmlCase(client: ApiClient, caseId: string, assigneePhone?: string): Promise<AmlCase> {
  const body = assigneePhone === undefined ? {} : { assigneePhone };
  const answer = await client.send<unknown>('POST', apiPath`/v1/ops/aml/cases/${caseId}/assign`, { body });
  return caseOf(objectAt(answer, '(answer)'), '(case)');
}

export async function addAmlCaseNote(client: ApiClient, caseId: string, text: string): Promise<CaseNote> {
  const answer = await client.send<unknown>('POST', apiPath`/v1/ops/aml/cases/${caseId}/notes`, { body: { text } });
  return noteOf(objectAt(answer, '(answer)'), '(note)');
}

/** Closes with a resolution; a change to a closed case is 409 `case_closed`. */
export async function closeAmlCase(client: ApiClient, caseId: string, resolution: CaseResolution): Promise<AmlCase> {
  const answer = await client.send<unknown>('POST', apiPath`/v1/ops/aml/cases/${caseId}/close`, {
    body: { resolution },
  });
  return caseOf(objectAt(answer, '(answer)'), '(case)');
}

/** The suspicious-transaction report (STR) of one case, as CSV. */
export function downloadSuspiciousReport(client: ApiClient, caseId: string): Promise<Download> {
  return client.download('/v1/ops/reports/suspicious.csv', { caseId }, `paychain-str-${caseId}.csv`);
}

/** The large-value transactions of a time range (at or above the reporting threshold), as CSV. */
export function downloadLargeValueReport(
  client: ApiClient,
  range: { readonly fromMs: number; readonly toMs: number },
): Promise<Download> {
  return client.download(
    '/v1/ops/reports/large-value.csv',
    { fromMs: range.fromMs, toMs: range.toMs },
    `paychain-large-value-${range.fromMs}-${range.toMs}.csv`,
  );
}
