/**
 * The warehouse's answers for the dashboards: `GET /v1/ops/analytics/*` (ops role) and a merchant's own sales
 * (`GET /v1/merchants/{id}/analytics/sales`). Amounts stay decimal strings in the ledger currency the answer names;
 * a chart needs a number for the height of a bar only, and gets it from `decimalToPlotNumber` (labels and tooltips
 * print the string). Also the dashboard's time ranges (24 h by hour, 7 or 30 days by day) and the export download.
 */
import type { ApiClient, Download } from './client';
import { apiPath } from './client';
import {
  countAt,
  decimalAt,
  fail,
  heightAt,
  itemsAt,
  type Json,
  nullableStringAt,
  numberAt,
  objectAt,
  oneOfAt,
  stringAt,
} from './parse';

export type Granularity = 'hour' | 'day';
export const RANGE_KEYS = ['24h', '7d', '30d'] as const;
export type RangeKey = (typeof RANGE_KEYS)[number];

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/**
 * The network's clock for days and hours of the day: its days start at midnight UTC+8 (the genesis `dayOffsetMs`),
 * and the warehouse's daily buckets and a merchant's hours of the day are counted so. Charts label buckets in this
 * zone, whatever the browser's, so a day's bar is labelled with the day it counts.
 */
export const NETWORK_TIME_ZONE = 'Asia/Shanghai';

export interface TimeRange {
  readonly fromMs: number;
  readonly toMs: number;
}

export interface DashboardRange extends TimeRange {
  readonly key: RangeKey;
  /** Hourly buckets for the last 24 hours, daily ones for longer ranges. */
  readonly granularity: Granularity;
}

const RANGE_SPAN_MS: Readonly<Record<RangeKey, number>> = { '24h': DAY_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS };

/**
 * The range ending now: the last 24 hours from the start of the hour 23 hours ago (24 whole hourly buckets, the
 * last one still filling), or the last 7 or 30 days.
 */
export function dashboardRange(key: RangeKey, nowMs: number): DashboardRange {
  if (key === '24h') {
    const hourStartMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
    return { key, granularity: 'hour', fromMs: hourStartMs - 23 * HOUR_MS, toMs: nowMs };
  }
  return { key, granularity: 'day', fromMs: nowMs - RANGE_SPAN_MS[key], toMs: nowMs };
}

export function isRangeKey(value: string): value is RangeKey {
  return (RANGE_KEYS as readonly string[]).includes(value);
}

/** Warehouse answers come in the ledger currency they name. */
export interface Amounts<T> {
  readonly currency: string;
  readonly items: readonly T[];
}

export interface VolumeBucket {
  readonly bucketMs: number;
  readonly count: number;
  readonly value: string;
}

export interface RegionRow {
  /** A region code such as `SH`, or `unknown`. */
  readonly region: string;
  readonly count: number;
  readonly value: string;
}

export interface MccRow {
  readonly mcc: string;
  readonly count: number;
  readonly value: string;
}

export interface IssuerRow {
  readonly issuer: string;
  readonly count: number;
  readonly value: string;
}

export interface TopMerchantRow {
  readonly merchantId: string;
  /** Null for a merchant account the gateway did not open (its id is shown). */
  readonly name: string | null;
  readonly count: number;
  readonly value: string;
}

export interface RiskDay {
  readonly dayMs: number;
  readonly allow: number;
  readonly review: number;
  readonly step_up: number;
  readonly block: number;
}

export interface AlertDay {
  readonly dayMs: number;
  readonly alerts: number;
  readonly transfers: number;
  /** Alerts per 1,000 transfers that day (a rate, not money). */
  readonly alertsPer1000: number;
}

export const WAREHOUSES = ['duckdb', 'clickhouse'] as const;
export type Warehouse = (typeof WAREHOUSES)[number];

export interface AnalyticsStatus {
  readonly warehouse: Warehouse;
  /** Heights as decimal strings (they may exceed 2^53 in principle, as on the peer API). */
  readonly loadedHeight: string;
  readonly chainHeight: string;
  /** Blocks the warehouse is behind the chain, a decimal string like the heights. */
  readonly lagBlocks: string;
  readonly transfers: number;
}

export interface SalesDay {
  readonly dayMs: number;
  readonly count: number;
  readonly value: string;
  /** Refunded that day, a decimal string. */
  readonly refunds: string;
}

export interface SalesHour {
  /** 0..23, local time of the network (UTC+8). */
  readonly hour: number;
  readonly count: number;
  readonly value: string;
}

export interface MerchantSales {
  readonly currency: string;
  readonly daily: readonly SalesDay[];
  readonly hourly: readonly SalesHour[];
  readonly totals: { readonly count: number; readonly value: string };
}

export type ExportFormat = 'csv' | 'parquet';

/** Top merchants shown on the dashboard. */
export const TOP_MERCHANTS_LIMIT = 10;
/** The merchant console's sales window. */
export const SALES_DAYS_DEFAULT = 30;
const SALES_DAYS_MAX = 366;

function amountsOf<T>(answer: unknown, parseItem: (item: Json, where: string) => T): Amounts<T> {
  const json = objectAt(answer, '(answer)');
  return { currency: stringAt(json, 'currency', '(answer)'), items: itemsAt(json, 'items', parseItem) };
}

const rangeQuery = (range: TimeRange) => ({ fromMs: range.fromMs, toMs: range.toMs });

export const parseVolume = (answer: unknown): Amounts<VolumeBucket> =>
  amountsOf(answer, (item, at) => ({
    bucketMs: numberAt(item, 'bucketMs', at),
    count: countAt(item, 'count', at),
    value: decimalAt(item, 'value', at),
  }));

export const parseRegions = (answer: unknown): Amounts<RegionRow> =>
  amountsOf(answer, (item, at) => ({
    region: stringAt(item, 'region', at),
    count: countAt(item, 'count', at),
    value: decimalAt(item, 'value', at),
  }));

export const parseMccs = (answer: unknown): Amounts<MccRow> =>
  amountsOf(answer, (item, at) => ({
    mcc: stringAt(item, 'mcc', at),
    count: countAt(item, 'count', at),
    value: decimalAt(item, 'value', at),
  }));

export const parseIssuers = (answer: unknown): Amounts<IssuerRow> =>
  amountsOf(answer, (item, at) => ({
    issuer: stringAt(item, 'issuer', at),
    count: countAt(item, 'count', at),
    value: decimalAt(item, 'value', at),
  }));

export const parseTopMerchants = (answer: unknown): Amounts<TopMerchantRow> =>
  amountsOf(answer, (item, at) => ({
    merchantId: stringAt(item, 'merchantId', at),
    name: nullableStringAt(item, 'name', at),
    count: countAt(item, 'count', at),
    value: decimalAt(item, 'value', at),
  }));

export function parseRiskDays(answer: unknown): RiskDay[] {
  return itemsAt(objectAt(answer, '(answer)'), 'items', (item, at) => ({
    dayMs: numberAt(item, 'dayMs', at),
    allow: countAt(item, 'allow', at),
    review: countAt(item, 'review', at),
    step_up: countAt(item, 'step_up', at),
    block: countAt(item, 'block', at),
  }));
}

export function parseAlertDays(answer: unknown): AlertDay[] {
  return itemsAt(objectAt(answer, '(answer)'), 'items', (item, at) => ({
    dayMs: numberAt(item, 'dayMs', at),
    alerts: countAt(item, 'alerts', at),
    transfers: countAt(item, 'transfers', at),
    alertsPer1000: numberAt(item, 'alertsPer1000', at),
  }));
}

export function parseAnalyticsStatus(answer: unknown): AnalyticsStatus {
  const json = objectAt(answer, '(answer)');
  const at = '(status)';
  return {
    warehouse: oneOfAt(json, 'warehouse', at, WAREHOUSES),
    loadedHeight: heightAt(json, 'loadedHeight', at),
    chainHeight: heightAt(json, 'chainHeight', at),
    lagBlocks: heightAt(json, 'lagBlocks', at),
    transfers: countAt(json, 'transfers', at),
  };
}

export function parseMerchantSales(answer: unknown): MerchantSales {
  const json = objectAt(answer, '(answer)');
  const totals = objectAt(json.totals, 'totals');
  return {
    currency: stringAt(json, 'currency', '(answer)'),
    daily: itemsAt(json, 'daily', (item, at) => ({
      dayMs: numberAt(item, 'dayMs', at),
      count: countAt(item, 'count', at),
      value: decimalAt(item, 'value', at),
      refunds: decimalAt(item, 'refunds', at),
    })),
    hourly: itemsAt(json, 'hourly', (item, at) => {
      const hour = countAt(item, 'hour', at);
      if (hour > 23) fail(`${at}.hour`, 'an hour 0..23', hour);
      return { hour, count: countAt(item, 'count', at), value: decimalAt(item, 'value', at) };
    }),
    totals: { count: countAt(totals, 'count', 'totals'), value: decimalAt(totals, 'value', 'totals') },
  };
}

export async function getVolume(client: ApiClient, range: DashboardRange): Promise<Amounts<VolumeBucket>> {
  const query = { granularity: range.granularity, ...rangeQuery(range) };
  return parseVolume(await client.send<unknown>('GET', '/v1/ops/analytics/volume', { query }));
}

export async function getRegions(client: ApiClient, range: TimeRange): Promise<Amounts<RegionRow>> {
  return parseRegions(await client.send<unknown>('GET', '/v1/ops/analytics/regions', { query: rangeQuery(range) }));
}

export async function getMccs(client: ApiClient, range: TimeRange): Promise<Amounts<MccRow>> {
  return parseMccs(await client.send<unknown>('GET', '/v1/ops/analytics/mccs', { query: rangeQuery(range) }));
}

export async function getIssuers(client: ApiClient, range: TimeRange): Promise<Amounts<IssuerRow>> {
  return parseIssuers(await client.send<unknown>('GET', '/v1/ops/analytics/issuers', { query: rangeQuery(range) }));
}

export async function getTopMerchants(
  client: ApiClient,
  range: TimeRange,
  limit: number = TOP_MERCHANTS_LIMIT,
): Promise<Amounts<TopMerchantRow>> {
  const query = { ...rangeQuery(range), limit };
  return parseTopMerchants(await client.send<unknown>('GET', '/v1/ops/analytics/top-merchants', { query }));
}

export async function getRiskDays(client: ApiClient, range: TimeRange): Promise<RiskDay[]> {
  return parseRiskDays(await client.send<unknown>('GET', '/v1/ops/analytics/risk', { query: rangeQuery(range) }));
}

export async function getAlertDays(client: ApiClient, range: TimeRange): Promise<AlertDay[]> {
  return parseAlertDays(await client.send<unknown>('GET', '/v1/ops/analytics/alerts', { query: rangeQuery(range) }));
}

export async function getAnalyticsStatus(client: ApiClient): Promise<AnalyticsStatus> {
  return parseAnalyticsStatus(await client.send<unknown>('GET', '/v1/ops/analytics/status'));
}

/** The committed transfers of the range as a file (`paychain-transfers-<from>-<to>.csv` unless the server names it). */
export function exportTransfers(client: ApiClient, format: ExportFormat, range: TimeRange): Promise<Download> {
  return client.download(
    '/v1/ops/analytics/export',
    { format, ...rangeQuery(range) },
    `paychain-transfers-${range.fromMs}-${range.toMs}.${format}`,
  );
}

export async function getMerchantSales(
  client: ApiClient,
  merchantId: string,
  days: number = SALES_DAYS_DEFAULT,
): Promise<MerchantSales> {
  const query = { days: Math.min(Math.max(1, Math.trunc(days)), SALES_DAYS_MAX) };
  return parseMerchantSales(
    await client.send<unknown>('GET', apiPath`/v1/merchants/${merchantId}/analytics/sales`, { query }),
  );
}

/**
 * The height of a bar or a point for an amount: a float, for geometry only — the figures people read are printed
 * from the decimal string. Amounts are validated decimal strings (`decimalAt`); a mangled one plots as 0.
 */
export function decimalToPlotNumber(value: string): number {
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : 0;
}
