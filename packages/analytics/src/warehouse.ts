/**
 * The analytics warehouse: one fact table of transfers (each row one movement of money that
 * succeeded on the ledger, or one row of an imported file), two small facts for rates (risk
 * decisions, AML alerts), the load checkpoint per chain and the list of imported files. Two
 * engines implement it with the same queries and the same answers: DuckDB embedded in the
 * process (default) and a ClickHouse server. The shared suite in `warehouse.test.ts` runs on both.
 *
 * Money is `bigint` minor units of the row's currency, stored as a signed 64-bit integer (the
 * ledger's AMOUNT_MAX fits) and summed in 128 bits; query answers carry sums as decimal strings
 * of minor units, so they are plain JSON. Times are UTC milliseconds; `day` and `hour` are cut
 * in UTC here, in TypeScript, so both engines group by the very same values.
 */
import { AMOUNT_MAX } from '@paychain/core';
import { type AmlAlert, CHANNELS, type Channel, isChannel, type TransferRecord } from '@paychain/risk';

/** Risk control's decisions, least severe first (the gateway's `RiskDecisionKind`). */
export const RISK_DECISIONS = ['allow', 'review', 'step_up', 'block'] as const;
export type RiskDecision = (typeof RISK_DECISIONS)[number];

export function isRiskDecision(value: string): value is RiskDecision {
  return (RISK_DECISIONS as readonly string[]).includes(value);
}

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
/** The local time zone the warehouse cuts days and hours in, as an offset from UTC (e.g. +8 h for China). */
export const DAY_OFFSET_MS_MIN = -12 * HOUR_MS;
export const DAY_OFFSET_MS_MAX = 14 * HOUR_MS;
/** Earliest row time, 1970-01-02: with any offset its local day is on or after 1970-01-01. */
export const TIMESTAMP_MS_MIN = DAY_MS;
/** Latest row time, the end of 2105-12-30: with any offset its local day is within ClickHouse's `Date` (to 2105-12-31). */
export const TIMESTAMP_MS_MAX = 4_291_660_799_999;
/** Characters of a row id (a transaction id is 32, a batch operation's `txId:index` up to 35; imports allow more). */
export const ROW_ID_CHARS_MAX = 128;
/** Characters of an account, merchant, region, issuer or MCC text. */
export const TEXT_CHARS_MAX = 256;
/** Groups answered by a dimension query (regions, MCCs, issuers) and merchants by `topMerchants`. */
export const GROUPS_MAX = 10_000;
/** Rows per engine write: the DuckDB appender flushes and ClickHouse inserts in batches of at most this. */
export const WRITE_ROWS_MAX = 100_000;

/** One row of the fact table. */
export interface WarehouseTransfer {
  /** Transaction id; `txId:index` for the operations of a batch; the import's id for imported rows. */
  readonly id: string;
  /** Block height; null for rows that did not come from the chain (imports, benchmarks). */
  readonly height: bigint | null;
  readonly timestampMs: number;
  readonly fromAccount: string;
  readonly toAccount: string;
  readonly amount: bigint;
  readonly currency: string;
  readonly channel: Channel;
  readonly mcc: string | null;
  readonly merchantId: string | null;
  /** Where the money was spent: the merchant's region, else the payer's (or the import's `ip_region`). */
  readonly region: string | null;
  /** The organization that issued the customer's account (the payer's; the payee's for a top-up). */
  readonly issuer: string | null;
  readonly riskDecision: RiskDecision | null;
  readonly riskScore: number | null;
}

/** What a file row lacks and the warehouse may know: all optional. */
export interface TransferEnrichment {
  readonly height?: bigint | null;
  readonly region?: string | null;
  readonly issuer?: string | null;
  readonly riskDecision?: RiskDecision | null;
  readonly riskScore?: number | null;
}

/** A row of the import format as a fact row: the region defaults to the payer's IP region. */
export function warehouseTransferOf(record: TransferRecord, enrichment: TransferEnrichment = {}): WarehouseTransfer {
  return {
    id: record.id,
    height: enrichment.height ?? null,
    timestampMs: record.timestampMs,
    fromAccount: record.fromAccount,
    toAccount: record.toAccount,
    amount: record.amount,
    currency: record.currency,
    channel: record.channel,
    mcc: record.mcc,
    merchantId: record.merchantId,
    region: enrichment.region === undefined ? record.ipRegion : enrichment.region,
    issuer: enrichment.issuer ?? null,
    riskDecision: enrichment.riskDecision ?? null,
    riskScore: enrichment.riskScore ?? null,
  };
}

/** One risk decision, for the decision counts (blocked payments never reach the ledger, so they live here). */
export interface RiskDecisionFact {
  readonly paymentId: string;
  readonly timestampMs: number;
  readonly decision: RiskDecision;
  readonly score: number | null;
}

/** One AML alert, counted on the day of `timestampMs` (the time of the activity it flags). */
export interface AlertFact {
  readonly alertId: string;
  readonly timestampMs: number;
  readonly pattern: string;
  readonly score: number | null;
}

/** An alert of `@paychain/risk`'s AML scan as a fact, counted on the day of its last transaction. */
export function alertFactOf(alert: Pick<AmlAlert, 'id' | 'pattern' | 'score' | 'windowEnd'>): AlertFact {
  return { alertId: alert.id, timestampMs: Date.parse(alert.windowEnd), pattern: alert.pattern, score: alert.score };
}

export const READ_BATCH_ROWS_DEFAULT = 10_000;

export function assertBatchRowsValid(batchRows: number): void {
  if (!Number.isSafeInteger(batchRows) || batchRows < 1 || batchRows > WRITE_ROWS_MAX) {
    throw new WarehouseError('query_invalid', `batchRows ${batchRows}: expected 1..${WRITE_ROWS_MAX}`);
  }
}

/** Where loading a chain stands: every row of blocks 1..height is in, and nothing above it. */
export interface LoadCheckpoint {
  readonly chainId: string;
  readonly height: bigint;
  /** The block hash at `height` (hex), so a resume against another chain's store is refused. */
  readonly blockHash: string;
}

/** Half-open: `fromMs <= t < toMs`. */
export interface TimeRange {
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * Sums are per currency: minor units of CNY and JPY do not add up. The other conditions are
 * optional equalities: one merchant's rows (with `channels: MERCHANT_PAYMENT_CHANNELS`, its
 * sales), rows paid from or to one account (a merchant's refunds are transfers from its account).
 */
export interface VolumeFilter extends TimeRange {
  readonly currency: string;
  readonly merchantId?: string;
  readonly fromAccount?: string;
  readonly toAccount?: string;
  readonly channels?: readonly Channel[];
}

/** A count and a sum of amounts, in minor units as a decimal string. */
export interface Volume {
  readonly count: number;
  readonly value: string;
}

export interface HourVolume extends Volume {
  /** Start of the local hour, UTC ms. */
  readonly hourMs: number;
}
export interface DayVolume extends Volume {
  /** Local day (UTC + the warehouse's `dayOffsetMs`), `YYYY-MM-DD`. */
  readonly day: string;
}
export interface RegionVolume extends Volume {
  readonly region: string | null;
}
export interface MccVolume extends Volume {
  readonly mcc: string | null;
}
export interface IssuerVolume extends Volume {
  readonly issuer: string | null;
}
export interface MerchantVolume extends Volume {
  readonly merchantId: string;
}
export interface DecisionCount {
  readonly day: string;
  readonly decision: RiskDecision;
  readonly count: number;
}
export interface AlertRate {
  readonly day: string;
  readonly transfers: number;
  readonly alerts: number;
  /** Alerts per 1,000 transfers that day; null on a day with alerts and no transfers. */
  readonly alertsPerThousand: number | null;
}

export interface CsvLoadResult {
  readonly loadId: string;
  readonly rows: number;
  readonly sha256: string;
}

export interface ExportResult {
  readonly rows: number;
}

export type WarehouseEngine = 'duckdb' | 'clickhouse';

export interface WarehouseOptions {
  /**
   * The local time zone to cut days and hours in (default 0, UTC; +8 h for a network in China).
   * Stored when the warehouse is created; opening it again with another offset is refused.
   */
  readonly dayOffsetMs?: number;
}

/** The offset to use: the stored one, which a requested one must equal; the requested (or 0) for a new warehouse. */
export function settleDayOffset(stored: number | null, requested: number | undefined, where: string): number {
  if (requested !== undefined) assertDayOffsetValid(requested);
  if (stored === null) return requested ?? 0;
  if (requested !== undefined && requested !== stored) {
    throw new WarehouseError(
      'spec_invalid',
      `${where} cuts days at UTC${stored >= 0 ? '+' : ''}${stored / HOUR_MS} h; asked for ${requested / HOUR_MS} h`,
    );
  }
  return stored;
}

/**
 * The warehouse's one interface. Writes are serialized inside each implementation; one process
 * writes to a warehouse at a time (DuckDB's file lock enforces it; for ClickHouse it is the
 * operator's rule, since recovery removes what an unfinished write left).
 */
export interface Warehouse {
  readonly engine: WarehouseEngine;
  /** The local time zone days and hours are cut in, fixed when the warehouse was created. */
  readonly dayOffsetMs: number;

  /** Appends rows that carry no checkpoint (benchmarks, generated data); one transaction on DuckDB. */
  appendTransfers(rows: readonly WarehouseTransfer[]): Promise<void>;
  /**
   * Risk decisions, each appended once (one per payment: counting distinct ids over every
   * payment cost seconds on ClickHouse 18.16 at 10M rows, so the writer keeps its own cursor).
   */
  appendRiskDecisions(rows: readonly RiskDecisionFact[]): Promise<void>;
  /** AML alerts; an id appended twice (a rescan finds the same alert) is counted once. */
  appendAlerts(rows: readonly AlertFact[]): Promise<void>;

  /**
   * Rows of blocks up to `checkpoint.height` and the checkpoint itself: on DuckDB in one
   * transaction; on ClickHouse rows first, then the checkpoint, so a cut write leaves rows
   * above the checkpoint, which `recoverCheckpoint` removes before the next load.
   */
  commitBlocks(rows: readonly WarehouseTransfer[], checkpoint: LoadCheckpoint): Promise<void>;
  /** The chain's checkpoint (null before its first block), after removing rows a cut write left above it. */
  recoverCheckpoint(chainId: string): Promise<LoadCheckpoint | null>;
  /** The chain's checkpoint as stored, touching nothing (for a status page while a loader runs). */
  readCheckpoint(chainId: string): Promise<LoadCheckpoint | null>;

  /**
   * Loads a file in the import format, all or nothing: the whole file is validated first (a
   * `CsvFormatError` names the line), then loaded. The same content twice is refused.
   */
  loadCsv(path: string): Promise<CsvLoadResult>;

  /** The span of the fact table's times, or null when it is empty. */
  timeSpan(): Promise<TimeRange | null>;
  totals(filter: VolumeFilter): Promise<Volume>;
  volumeByHour(filter: VolumeFilter): Promise<HourVolume[]>;
  volumeByDay(filter: VolumeFilter): Promise<DayVolume[]>;
  /** Largest value first; at most `limit` (≤ GROUPS_MAX) groups; null is the group of rows without a region. */
  volumeByRegion(filter: VolumeFilter, limit?: number): Promise<RegionVolume[]>;
  volumeByMcc(filter: VolumeFilter, limit?: number): Promise<MccVolume[]>;
  volumeByIssuer(filter: VolumeFilter, limit?: number): Promise<IssuerVolume[]>;
  /** Merchants by their sales (MERCHANT_PAYMENT_CHANNELS), largest first. */
  topMerchants(filter: VolumeFilter, limit: number): Promise<MerchantVolume[]>;
  riskDecisionsByDay(range: TimeRange): Promise<DecisionCount[]>;
  alertRateByDay(range: TimeRange): Promise<AlertRate[]>;

  /**
   * The fact rows of a range in batches of at most `batchRows` (≤ WRITE_ROWS_MAX), ordered by time
   * then id, streamed from the engine (an AML scan reads the chain's transfers this way).
   */
  readTransfers(range: TimeRange, batchRows?: number): AsyncGenerator<WarehouseTransfer[]>;

  /** CSV with a header row; strings quoted, NULL an empty unquoted field; ordered by time then id. */
  exportCsv(path: string, range?: TimeRange): Promise<ExportResult>;
  exportParquet(path: string, range?: TimeRange): Promise<ExportResult>;

  close(): Promise<void>;
}

export type WarehouseErrorCode =
  | 'spec_invalid'
  | 'row_invalid'
  | 'query_invalid'
  | 'chain_mismatch'
  | 'import_duplicate'
  | 'engine_failed'
  | 'engine_missing'
  | 'recovery_timeout';

/** An operating error of the warehouse, with a code the caller decides on and the engine's error as `cause`. */
export class WarehouseError extends Error {
  override readonly name = 'WarehouseError';
  readonly code: WarehouseErrorCode;
  constructor(code: WarehouseErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Why a row is refused, in the order checked. */
export type RowStatus =
  | 'ok'
  | 'id_invalid'
  | 'height_invalid'
  | 'timestamp_invalid'
  | 'account_invalid'
  | 'amount_invalid'
  | 'currency_invalid'
  | 'channel_invalid'
  | 'text_invalid'
  | 'risk_decision_invalid'
  | 'risk_score_invalid';

/** Non-empty, bounded, and without NUL (DuckDB's C strings end there; ClickHouse would keep it: no parity). */
function isText(value: string, max: number): boolean {
  return value.length > 0 && value.length <= max && !value.includes('\0');
}

function isOptionalText(value: string | null): boolean {
  return value === null || isText(value, TEXT_CHARS_MAX);
}

export function isTimestampMs(value: number): boolean {
  return Number.isSafeInteger(value) && value >= TIMESTAMP_MS_MIN && value <= TIMESTAMP_MS_MAX;
}

/** Whole minutes within ±14 h (every zone in use is a whole number of minutes from UTC). */
export function isDayOffsetMs(value: number): boolean {
  return (
    Number.isSafeInteger(value) && value % 60_000 === 0 && value >= DAY_OFFSET_MS_MIN && value <= DAY_OFFSET_MS_MAX
  );
}

export function validateWarehouseTransfer(row: WarehouseTransfer): RowStatus {
  if (!isText(row.id, ROW_ID_CHARS_MAX)) return 'id_invalid';
  if (row.height !== null && (row.height < 1n || row.height > AMOUNT_MAX)) return 'height_invalid';
  if (!isTimestampMs(row.timestampMs)) return 'timestamp_invalid';
  if (!isText(row.fromAccount, TEXT_CHARS_MAX) || !isText(row.toAccount, TEXT_CHARS_MAX)) return 'account_invalid';
  if (row.amount <= 0n || row.amount > AMOUNT_MAX) return 'amount_invalid';
  if (!isText(row.currency, 16)) return 'currency_invalid';
  if (!isChannel(row.channel)) return 'channel_invalid';
  if (!isOptionalText(row.mcc) || !isOptionalText(row.merchantId)) return 'text_invalid';
  if (!isOptionalText(row.region) || !isOptionalText(row.issuer)) return 'text_invalid';
  if (row.riskDecision !== null && !isRiskDecision(row.riskDecision)) return 'risk_decision_invalid';
  if (row.riskScore !== null && !Number.isFinite(row.riskScore)) return 'risk_score_invalid';
  return 'ok';
}

/** Throws `row_invalid` naming the first bad row: a caller's bug, reported before anything is written. */
export function assertRowsValid(rows: readonly WarehouseTransfer[]): void {
  for (const [i, row] of rows.entries()) {
    const status = validateWarehouseTransfer(row);
    if (status !== 'ok') throw new WarehouseError('row_invalid', `row ${i} (${row.id}): ${status}`);
  }
}

export function assertFactsValid(rows: readonly (RiskDecisionFact | AlertFact)[]): void {
  for (const [i, row] of rows.entries()) {
    const id = 'paymentId' in row ? row.paymentId : row.alertId;
    const label = 'decision' in row ? row.decision : row.pattern;
    const ok =
      isText(id, ROW_ID_CHARS_MAX) &&
      isTimestampMs(row.timestampMs) &&
      isText(label, TEXT_CHARS_MAX) &&
      (!('decision' in row) || isRiskDecision(row.decision)) &&
      (row.score === null || Number.isFinite(row.score));
    if (!ok) throw new WarehouseError('row_invalid', `fact ${i} (${id}) is invalid`);
  }
}

/** A range may reach from the epoch to just past the latest row time. */
function isRangeBound(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0 && value <= TIMESTAMP_MS_MAX + 1;
}

export function assertRangeValid(range: TimeRange): void {
  if (!isRangeBound(range.fromMs) || !isRangeBound(range.toMs) || range.fromMs > range.toMs) {
    throw new WarehouseError('query_invalid', `time range [${range.fromMs}, ${range.toMs}) is invalid`);
  }
}

export function assertFilterValid(filter: VolumeFilter): void {
  assertRangeValid(filter);
  if (!isText(filter.currency, 16)) throw new WarehouseError('query_invalid', 'a currency is required');
  for (const [name, value] of [
    ['merchantId', filter.merchantId],
    ['fromAccount', filter.fromAccount],
    ['toAccount', filter.toAccount],
  ] as const) {
    if (value !== undefined && !isText(value, TEXT_CHARS_MAX))
      throw new WarehouseError('query_invalid', `${name} is empty or too long`);
  }
  if (filter.channels !== undefined && (filter.channels.length === 0 || !filter.channels.every((c) => isChannel(c)))) {
    throw new WarehouseError('query_invalid', `channels: expected some of ${CHANNELS.join(', ')}`);
  }
}

/**
 * The WHERE clause of a filter, with literals written by `quote` (each engine's, tested against
 * injection): every condition is an equality or a range on a column, so both engines agree.
 */
export function filterSql(filter: VolumeFilter, quote: (value: string) => string): string {
  assertFilterValid(filter);
  const parts = [
    `timestamp_ms >= ${filter.fromMs}`,
    `timestamp_ms < ${filter.toMs}`,
    `currency = ${quote(filter.currency)}`,
  ];
  if (filter.merchantId !== undefined) parts.push(`merchant_id = ${quote(filter.merchantId)}`);
  if (filter.fromAccount !== undefined) parts.push(`from_account = ${quote(filter.fromAccount)}`);
  if (filter.toAccount !== undefined) parts.push(`to_account = ${quote(filter.toAccount)}`);
  if (filter.channels !== undefined) parts.push(`channel IN (${filter.channels.map((c) => quote(c)).join(', ')})`);
  return parts.join(' AND ');
}

export function assertDayOffsetValid(dayOffsetMs: number): void {
  if (!isDayOffsetMs(dayOffsetMs)) {
    throw new WarehouseError(
      'spec_invalid',
      `day offset ${dayOffsetMs} ms: expected whole minutes within -12 h..+14 h`,
    );
  }
}

export function assertLimitValid(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > GROUPS_MAX) {
    throw new WarehouseError('query_invalid', `limit ${limit}: expected 1..${GROUPS_MAX}`);
  }
}

/** Days since 1970-01-01 of the local day of a time (UTC + `dayOffsetMs`). */
export function dayNumberOfMs(ms: number, dayOffsetMs = 0): number {
  return Math.floor((ms + dayOffsetMs) / DAY_MS);
}

/** The start (UTC ms) of the local hour of a time. */
export function hourOfMs(ms: number, dayOffsetMs = 0): number {
  const local = ms + dayOffsetMs;
  return local - (local % HOUR_MS) - dayOffsetMs;
}

/** The start (UTC ms) of a local day given as `YYYY-MM-DD`. */
export function dayStartMs(day: string, dayOffsetMs = 0): number {
  return Date.parse(`${day}T00:00:00Z`) - dayOffsetMs;
}

/** `YYYY-MM-DD` of a day number (Hinnant's civil_from_days: no Date object per row). */
export function dayText(dayNumber: number): string {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

/** Alerts per 1,000 transfers, computed here so both engines answer the same number. */
export function alertsPerThousand(alerts: number, transfers: number): number | null {
  return transfers === 0 ? null : (alerts * 1000) / transfers;
}

/** Merges per-day transfer and alert counts into rates, days ascending. */
export function mergeAlertRates(
  transfers: ReadonlyMap<string, number>,
  alerts: ReadonlyMap<string, number>,
): AlertRate[] {
  const days = [...new Set([...transfers.keys(), ...alerts.keys()])].sort();
  return days.map((day) => {
    const t = transfers.get(day) ?? 0;
    const a = alerts.get(day) ?? 0;
    return { day, transfers: t, alerts: a, alertsPerThousand: alertsPerThousand(a, t) };
  });
}

/** The channels of a payment to a merchant: what `topMerchants` counts (not payouts, refunds or transfers). */
export const MERCHANT_PAYMENT_CHANNELS: readonly Channel[] = ['qr', 'pay_code', 'online'];
const MERCHANT_PAYMENT_CHANNELS_SQL = MERCHANT_PAYMENT_CHANNELS.map((c) => `'${c}'`).join(', ');

/** The SQL condition (both engines) of a row made in a merchant payment channel. */
export const MERCHANT_SALE_CHANNELS_SQL = `channel IN (${MERCHANT_PAYMENT_CHANNELS_SQL})`;

/** The exported columns, in order: the same names and types from both engines. */
export const EXPORT_COLUMNS = [
  ['id', 'VARCHAR'],
  ['height', 'UBIGINT'],
  ['timestamp_ms', 'BIGINT'],
  ['day', 'DATE'],
  ['from_account', 'VARCHAR'],
  ['to_account', 'VARCHAR'],
  ['amount', 'BIGINT'],
  ['currency', 'VARCHAR'],
  ['channel', 'VARCHAR'],
  ['mcc', 'VARCHAR'],
  ['merchant_id', 'VARCHAR'],
  ['region', 'VARCHAR'],
  ['issuer', 'VARCHAR'],
  ['risk_decision', 'VARCHAR'],
  ['risk_score', 'DOUBLE'],
] as const;

/** The names of the dashboard queries, in the order `benchQueries` runs them. */
export const DASHBOARD_QUERIES = [
  'volumeByHour',
  'volumeByDay',
  'volumeByRegion',
  'volumeByMcc',
  'volumeByIssuer',
  'topMerchants',
  'riskDecisionsByDay',
  'alertRateByDay',
] as const;
export type DashboardQuery = (typeof DASHBOARD_QUERIES)[number];
