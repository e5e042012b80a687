/**
 * Interbank settlement and FX as the node's peer API shows them (docs/settlement.md "Over the peer API"; public
 * routes on the app's own origin, no log-in): a currency's scheme with each bank's liquidity and its latest windows
 * (`GET /v1/settlement/{currency}`), one window (`…/windows/{seq}`), a window's settlement report as CSV
 * (`…/windows/{seq}/report.csv`), an FX quote (`GET /v1/fx/quotes/{id}`), the quotes with their status
 * (`GET /v1/fx/quotes`), the conversions applied against one (`GET /v1/fx/quotes/{id}/conversions`) and the assets
 * with their decimals (`GET /v1/assets`). Amounts arrive as decimal strings of minor units (nets signed) and are held as bigint here;
 * they are shown in major units with the asset's decimals (money.ts). A currency without a scheme (404
 * `scheme_not_found`) is an answer of its own, `{kind: 'missing'}`, not an error: the screen says so calmly.
 */

import { formatAmount } from '@paychain/core/browser';
import { type ApiClient, ApiError, apiPath } from './client';
import { formatMinor } from './money';
import { booleanAt, fail, itemsAt, type Json, nullableStringAt, objectAt, oneOfAt, stringAt } from './parse';

/** A scheme's currency: three capital letters (the peer route's own pattern). */
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;
/** A quote id: 32 lower-case hex characters, like every ledger id. */
export const QUOTE_ID_PATTERN = /^[0-9a-f]{32}$/;
/** The currency the settlement tab opens on. */
export const SETTLEMENT_CURRENCY_DEFAULT = 'CNY';
/** Decimals an asset may have (core allows 0..18). */
const DECIMALS_MAX = 18;
/** Minor units as the peer API writes them: an optional minus and an integer without leading zeros. */
const MINOR_PATTERN = /^-?(0|[1-9][0-9]{0,39})$/;
/** A window number, a height or a time in ms: a non-negative integer, as a string or a safe JSON number. */
const UNSIGNED_PATTERN = /^(0|[1-9][0-9]{0,19})$/;
/** Fraction digits of an FX rate in major units before it is cut (and marked inexact). */
export const RATE_FRACTION_DIGITS = 8;

/** Quotes the settlement tab lists, latest expiry first (the peer API's default and its own limit is 1000). */
export const QUOTES_SHOWN = 100;

export const WINDOW_STATUSES = ['open', 'closed', 'settled'] as const;
export type WindowStatus = (typeof WINDOW_STATUSES)[number];

export interface Asset {
  readonly id: string;
  readonly name: string;
  readonly issuer: string | null;
  readonly decimals: number;
  readonly minted: bigint;
  readonly burned: bigint;
}

export interface Participant {
  /** The bank's organization id. */
  readonly org: string;
  readonly depositAsset: string;
  readonly settlementAccount: string;
  /** Settlement asset pledged: the bank's net debit cap. */
  readonly pledged: bigint;
  /** Its debts in closed, unsettled windows. */
  readonly owed: bigint;
  /** Its net in the open window: positive when it is owed money, negative when it owes. */
  readonly openNet: bigint;
  /** owed + max(−openNet, 0): what counts against the cap. */
  readonly exposure: bigint;
  /** pledged − exposure. */
  readonly headroom: bigint;
}

/** Where a window opened or closed on the chain. */
export interface ChainPoint {
  readonly height: string;
  readonly index: number;
  readonly timeMs: number;
}

export interface Position {
  readonly org: string;
  readonly net: bigint;
}

export interface SettlementWindow {
  readonly currency: string;
  readonly seq: string;
  readonly status: WindowStatus;
  readonly opened: ChainPoint;
  /** Null while open. */
  readonly closed: ChainPoint | null;
  /** Ms; null until settled. */
  readonly settledAtMs: number | null;
  /** Where the settlement transaction is (block height and index), once settled. */
  readonly settled: ChainPoint | null;
  readonly payments: bigint;
  readonly gross: bigint;
  readonly positions: readonly Position[];
}

export interface Scheme {
  readonly currency: string;
  readonly settlementOrg: string;
  readonly settlementAsset: string;
  readonly openWindow: string;
  readonly nextToSettle: string;
  readonly participants: readonly Participant[];
  /** Newest first, at most 50. */
  readonly windows: readonly SettlementWindow[];
}

/** A scheme, or none for that currency on this chain. */
export type SchemeResult =
  | { readonly kind: 'found'; readonly scheme: Scheme }
  | { readonly kind: 'missing'; readonly currency: string };

export interface FxQuote {
  readonly id: string;
  readonly provider: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  /** Quote-asset minor units per base-asset minor unit: rateNum / rateDen. */
  readonly rateNum: bigint;
  readonly rateDen: bigint;
  readonly minBase: bigint;
  readonly maxBase: bigint;
  readonly capacity: bigint;
  readonly used: bigint;
  readonly conversions: bigint;
  readonly baseAccount: string;
  readonly quoteAccount: string;
  readonly expiresAtMs: number;
  readonly cancelled: boolean;
}

/** A quote's status as the peer API lists it, at the node's clock: withdrawn (`fx.cancel`) before expired. */
export const QUOTE_LIST_STATUSES = ['live', 'expired', 'withdrawn'] as const;
export type QuoteListStatus = (typeof QUOTE_LIST_STATUSES)[number];

export interface ListedQuote extends FxQuote {
  readonly status: QuoteListStatus;
}

export interface QuoteList {
  /** The node's time the statuses are at, ms. */
  readonly timeMs: number;
  /** Latest expiry first. */
  readonly items: readonly ListedQuote[];
}

/** One applied `fx.convert` of a quote. */
export interface FxConversion {
  readonly txId: string;
  readonly height: string;
  readonly index: number;
  /** Block time, ms. */
  readonly timeMs: number;
  /** The payer's account: base asset debited. */
  readonly source: string;
  /** The account credited with the quote asset. */
  readonly target: string;
  /** Base-asset minor units paid. */
  readonly baseAmount: bigint;
  /** Quote-asset minor units received: ⌊baseAmount × rateNum / rateDen⌋. */
  readonly quoteAmount: bigint;
  readonly memo: string;
}

export interface QuoteConversions {
  readonly quote: string;
  /** The certified height the node read up to. */
  readonly height: string;
  /** Applied conversions of the quote up to that height. */
  readonly total: bigint;
  /** True when `items` holds only the latest of them. */
  readonly truncated: boolean;
  /** Chain order, newest last. */
  readonly items: readonly FxConversion[];
}

// ---- parsers ----

function minorAt(json: Json, key: string, where: string, signed = false): bigint {
  const value = json[key];
  if (typeof value !== 'string' || !MINOR_PATTERN.test(value) || (!signed && value.startsWith('-'))) {
    return fail(
      `${where}.${key}`,
      signed ? 'signed minor units (a decimal string)' : 'minor units (a decimal string)',
      value,
    );
  }
  return BigInt(value);
}

/** A non-negative integer written as a string (or a safe JSON number), kept as its decimal string. */
function unsignedAt(json: Json, key: string, where: string): string {
  const value = json[key];
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && UNSIGNED_PATTERN.test(value)) return value;
  return fail(`${where}.${key}`, 'a non-negative integer', value);
}

/** A time in ms or a transaction index: a non-negative safe integer, from a string or a number. */
function safeAt(json: Json, key: string, where: string): number {
  const text = unsignedAt(json, key, where);
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : fail(`${where}.${key}`, 'a safe integer', text);
}

function nullableMsAt(json: Json, key: string, where: string): number | null {
  return json[key] === null ? null : safeAt(json, key, where);
}

function chainPointOf(value: unknown, where: string): ChainPoint {
  const json = objectAt(value, where);
  return {
    height: unsignedAt(json, 'height', where),
    index: safeAt(json, 'index', where),
    timeMs: safeAt(json, 'time', where),
  };
}

function currencyAt(json: Json, key: string, where: string): string {
  const value = stringAt(json, key, where);
  return CURRENCY_PATTERN.test(value) ? value : fail(`${where}.${key}`, 'three capital letters', value);
}

function windowOf(json: Json, where: string): SettlementWindow {
  const status = oneOfAt(json, 'status', where, WINDOW_STATUSES);
  const closed = json.closed === null ? null : chainPointOf(json.closed, `${where}.closed`);
  const settledAtMs = nullableMsAt(json, 'settledAt', where);
  if ((status === 'open') !== (closed === null))
    fail(`${where}.closed`, `closed to match status ${status}`, json.closed);
  if ((status === 'settled') !== (settledAtMs !== null)) {
    fail(`${where}.settledAt`, `settledAt to match status ${status}`, json.settledAt);
  }
  return {
    currency: currencyAt(json, 'currency', where),
    seq: unsignedAt(json, 'seq', where),
    status,
    opened: chainPointOf(json.opened, `${where}.opened`),
    closed,
    settledAtMs,
    // A peer from before settlement positions were kept answers none: the time alone is shown.
    settled:
      json.settled === undefined || json.settled === null ? null : chainPointOf(json.settled, `${where}.settled`),
    payments: minorAt(json, 'payments', where),
    gross: minorAt(json, 'gross', where),
    positions: itemsAt(json, 'positions', (item, at) => ({
      org: stringAt(item, 'org', `${where}.${at}`),
      net: minorAt(item, 'net', `${where}.${at}`, true),
    })),
  };
}

export function parseWindow(answer: unknown): SettlementWindow {
  return windowOf(objectAt(answer, '(answer)'), '(window)');
}

export function parseScheme(answer: unknown): Scheme {
  const json = objectAt(answer, '(answer)');
  const at = '(scheme)';
  return {
    currency: currencyAt(json, 'currency', at),
    settlementOrg: stringAt(json, 'settlementOrg', at),
    settlementAsset: stringAt(json, 'settlementAsset', at),
    openWindow: unsignedAt(json, 'openWindow', at),
    nextToSettle: unsignedAt(json, 'nextToSettle', at),
    participants: itemsAt(json, 'participants', (item, where) => ({
      org: stringAt(item, 'org', where),
      depositAsset: stringAt(item, 'depositAsset', where),
      settlementAccount: stringAt(item, 'settlementAccount', where),
      pledged: minorAt(item, 'pledged', where),
      owed: minorAt(item, 'owed', where),
      openNet: minorAt(item, 'openNet', where, true),
      exposure: minorAt(item, 'exposure', where),
      headroom: minorAt(item, 'headroom', where, true),
    })),
    windows: itemsAt(json, 'windows', windowOf),
  };
}

export function parseQuote(answer: unknown): FxQuote {
  return quoteOf(objectAt(answer, '(answer)'), '(quote)');
}

function quoteOf(json: Json, at: string): FxQuote {
  const rateDen = minorAt(json, 'rateDen', at);
  if (rateDen === 0n) fail(`${at}.rateDen`, 'a positive integer', json.rateDen);
  return {
    id: stringAt(json, 'id', at),
    provider: stringAt(json, 'provider', at),
    baseAsset: stringAt(json, 'baseAsset', at),
    quoteAsset: stringAt(json, 'quoteAsset', at),
    rateNum: minorAt(json, 'rateNum', at),
    rateDen,
    minBase: minorAt(json, 'minBase', at),
    maxBase: minorAt(json, 'maxBase', at),
    capacity: minorAt(json, 'capacity', at),
    used: minorAt(json, 'used', at),
    conversions: minorAt(json, 'conversions', at),
    baseAccount: stringAt(json, 'baseAccount', at),
    quoteAccount: stringAt(json, 'quoteAccount', at),
    expiresAtMs: safeAt(json, 'expiresAt', at),
    cancelled: booleanAt(json, 'cancelled', at),
  };
}

export function parseQuoteList(answer: unknown): QuoteList {
  const json = objectAt(answer, '(answer)');
  return {
    timeMs: safeAt(json, 'time', '(quotes)'),
    items: itemsAt(json, 'items', (item, at) => ({
      ...quoteOf(item, at),
      status: oneOfAt(item, 'status', at, QUOTE_LIST_STATUSES),
    })),
  };
}

export function parseQuoteConversions(answer: unknown): QuoteConversions {
  const json = objectAt(answer, '(answer)');
  const at = '(conversions)';
  const items = itemsAt(json, 'items', (item, where) => ({
    txId: stringAt(item, 'txId', where),
    height: unsignedAt(item, 'height', where),
    index: safeAt(item, 'index', where),
    timeMs: safeAt(item, 'time', where),
    source: stringAt(item, 'source', where),
    target: stringAt(item, 'target', where),
    baseAmount: minorAt(item, 'baseAmount', where),
    quoteAmount: minorAt(item, 'quoteAmount', where),
    memo: stringAt(item, 'memo', where),
  }));
  const total = minorAt(json, 'total', at);
  if (total < BigInt(items.length)) fail(`${at}.total`, `at least the ${items.length} items`, json.total);
  return {
    quote: stringAt(json, 'quote', at),
    height: unsignedAt(json, 'height', at),
    total,
    truncated: booleanAt(json, 'truncated', at),
    items,
  };
}

export function parseAssets(answer: unknown): Asset[] {
  return itemsAt(objectAt(answer, '(answer)'), 'items', (item, at) => {
    const decimals = item.decimals;
    if (typeof decimals !== 'number' || !Number.isInteger(decimals) || decimals < 0 || decimals > DECIMALS_MAX) {
      fail(`${at}.decimals`, `an integer 0..${DECIMALS_MAX}`, decimals);
    }
    return {
      id: stringAt(item, 'id', at),
      name: stringAt(item, 'name', at),
      issuer: nullableStringAt(item, 'issuer', at),
      decimals,
      minted: minorAt(item, 'minted', at),
      burned: minorAt(item, 'burned', at),
    };
  });
}

// ---- routes ----

/** The scheme of `currency`, or `{kind: 'missing'}` when the chain has none (404 `scheme_not_found`). */
export async function getScheme(client: ApiClient, currency: string): Promise<SchemeResult> {
  try {
    return {
      kind: 'found',
      scheme: parseScheme(await client.send<unknown>('GET', apiPath`/v1/settlement/${currency}`)),
    };
  } catch (error: unknown) {
    if (isSchemeNotFound(error)) return { kind: 'missing', currency };
    throw error;
  }
}

export function isSchemeNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404 && error.code === 'scheme_not_found';
}

export async function getWindow(client: ApiClient, currency: string, seq: string): Promise<SettlementWindow> {
  return parseWindow(await client.send<unknown>('GET', apiPath`/v1/settlement/${currency}/windows/${seq}`));
}

/** The window's settlement report (CSV, a public route: a plain link downloads it). */
export function windowReportCsvUrl(currency: string, seq: string): string {
  return apiPath`/v1/settlement/${currency}/windows/${seq}/report.csv`;
}

/** The file name the node gives the report. */
export function windowReportFileName(currency: string, seq: string): string {
  return `settlement-${currency}-window-${seq}.csv`;
}

export async function getQuote(client: ApiClient, id: string): Promise<FxQuote> {
  return parseQuote(await client.send<unknown>('GET', apiPath`/v1/fx/quotes/${id}`));
}

/** The latest `limit` quotes of any pair, latest expiry first, each with its status. */
export async function getQuotes(client: ApiClient, limit: number = QUOTES_SHOWN): Promise<QuoteList> {
  return parseQuoteList(await client.send<unknown>('GET', apiPath`/v1/fx/quotes?limit=${String(limit)}`));
}

/** The conversions applied against a quote (the latest 1000), chain order. */
export async function getQuoteConversions(client: ApiClient, id: string): Promise<QuoteConversions> {
  return parseQuoteConversions(await client.send<unknown>('GET', apiPath`/v1/fx/quotes/${id}/conversions`));
}

export async function getAssets(client: ApiClient): Promise<Asset[]> {
  return parseAssets(await client.send<unknown>('GET', '/v1/assets'));
}

// ---- what the screen computes ----

/** The decimals of an asset by id, or null when the chain does not list it. */
export function decimalsOf(assets: readonly Asset[] | null, assetId: string): number | null {
  return assets?.find((asset) => asset.id === assetId)?.decimals ?? null;
}

/**
 * Minor units in major units of the asset: "¥1,234.56" with the currency's symbol (an asset id such as `RES-CNY` is
 * not an ISO code, so the caller names the currency the amount is in). Unknown decimals: the minor units as they are,
 * followed by the asset id, so nothing is guessed.
 */
export function formatAssetMinor(
  minor: bigint,
  decimals: number | null,
  currency: string,
  locale: string,
  assetId: string = currency,
): string {
  if (decimals === null) return `${minor.toString()} ${assetId}`;
  return formatMinor(minor, decimals, currency, locale);
}

/**
 * Minor units of an asset as a plain number and the asset id ("10,000.00 HKD"): for FX, where a symbol alone would be
 * ambiguous ("$" is also Hong Kong's). Comma-grouped, point as the decimal mark, as both languages of the app write
 * it. Unknown decimals: the minor units as they are.
 */
export function formatAssetUnits(minor: bigint, decimals: number | null, assetId: string): string {
  const text = formatAmount(minor, decimals ?? 0);
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(text);
  const whole = (match?.[2] ?? text).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${match?.[1] ?? ''}${whole}${match?.[3] ?? ''} ${assetId}`;
}

/** Exposure against the cap in hundredths of a percent (0..10000 and beyond when over; 0 with no cap and none). */
export function exposureBasisPoints(exposure: bigint, pledged: bigint): number {
  if (pledged <= 0n) return exposure > 0n ? 10_000 : 0;
  const bp = (exposure * 10_000n) / pledged;
  return bp > 1_000_000n ? 1_000_000 : Number(bp);
}

/** A quote is expired at or after `expiresAt`, or once withdrawn (`fx.cancel`), as the ledger decides. */
export function quoteStatus(quote: FxQuote, nowMs: number): 'active' | 'expired' {
  return quote.cancelled || nowMs >= quote.expiresAtMs ? 'expired' : 'active';
}

/**
 * The quote's rate in major units — quote-asset units per base-asset unit — as a decimal string:
 * rateNum / rateDen × 10^baseDecimals / 10^quoteDecimals, exact in bigint, cut (never rounded up) after
 * `RATE_FRACTION_DIGITS` digits; `exact` says whether anything was cut. 9213/10000 between two 2-decimal assets
 * is "0.9213".
 */
export function rateInMajorUnits(
  quote: Pick<FxQuote, 'rateNum' | 'rateDen'>,
  baseDecimals: number,
  quoteDecimals: number,
  fractionDigits: number = RATE_FRACTION_DIGITS,
): { readonly text: string; readonly exact: boolean } {
  const num = quote.rateNum * 10n ** BigInt(baseDecimals);
  const den = quote.rateDen * 10n ** BigInt(quoteDecimals);
  const whole = num / den;
  let rest = num % den;
  let fraction = '';
  for (let i = 0; i < fractionDigits && rest !== 0n; i++) {
    rest *= 10n;
    fraction += (rest / den).toString();
    rest %= den;
  }
  fraction = fraction.replace(/0+$/, '');
  return { text: fraction === '' ? whole.toString() : `${whole}.${fraction}`, exact: rest === 0n };
}

/**
 * A quote's rate as the tab writes it, "1 HKD = 0.9213 ICBC-CNY" (with "≈ " before a rate cut after
 * `RATE_FRACTION_DIGITS`), from the assets' decimals; null when either asset's decimals are unknown (the caller
 * shows the minor-unit ratio instead).
 */
export function quoteRateText(
  quote: Pick<FxQuote, 'rateNum' | 'rateDen' | 'baseAsset' | 'quoteAsset'>,
  assets: readonly Asset[] | null,
): { readonly text: string; readonly rate: string } | null {
  const baseDecimals = decimalsOf(assets, quote.baseAsset);
  const quoteDecimals = decimalsOf(assets, quote.quoteAsset);
  if (baseDecimals === null || quoteDecimals === null) return null;
  const rate = rateInMajorUnits(quote, baseDecimals, quoteDecimals);
  return {
    text: `1 ${quote.baseAsset} = ${rate.exact ? '' : '≈ '}${rate.text} ${quote.quoteAsset}`,
    rate: rate.text,
  };
}

/** Every bank of a scheme in a stable order: participants first, then any other org seen in a window's positions. */
export function schemeOrgs(scheme: Scheme): string[] {
  const orgs = scheme.participants.map((p) => p.org);
  for (const window of scheme.windows) {
    for (const position of window.positions) if (!orgs.includes(position.org)) orgs.push(position.org);
  }
  return orgs;
}

/** A window's net for a bank; 0 when it made no interbank payment in it. */
export function netOf(window: SettlementWindow, org: string): bigint {
  return window.positions.find((p) => p.org === org)?.net ?? 0n;
}
