// Goal: DuckDB and ClickHouse give the same answer to every query, and that answer is right;
// exports hold exactly the rows; bad rows and bad files leave nothing behind. Method: one suite,
// run on a real DuckDB file and a real ClickHouse server, against seeded rows whose answers a
// plain TypeScript model computes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { AMOUNT_MAX } from '@paychain/core';
import { CHANNELS } from '@paychain/risk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineHarness, startEngine, WAREHOUSE_ENGINES } from './test-engines.ts';
import {
  type AlertFact,
  alertFactOf,
  dayNumberOfMs,
  dayText,
  EXPORT_COLUMNS,
  hourOfMs,
  MERCHANT_PAYMENT_CHANNELS,
  RISK_DECISIONS,
  type RiskDecisionFact,
  type TimeRange,
  type VolumeFilter,
  type Warehouse,
  WarehouseError,
  type WarehouseTransfer,
} from './warehouse.ts';

const SEED = 20_240_301;
/** The network's zone, UTC+8: days and hours are cut there, so a UTC midnight is mid-morning. */
const OFFSET_MS = 8 * 3_600_000;
const dayOf = (ms: number) => dayText(dayNumberOfMs(ms, OFFSET_MS));
const START_MS = Date.UTC(2024, 2, 1, 21, 0, 0);
const SPAN_MS = 3 * 86_400_000;

/** mulberry32: small, seeded, the same on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(random: () => number, values: readonly T[]): T {
  const value = values[Math.floor(random() * values.length)];
  if (value === undefined) throw new Error('a non-empty list');
  return value;
}

function fixtureRows(count: number): WarehouseTransfer[] {
  const random = rng(SEED);
  const rows: WarehouseTransfer[] = [];
  for (let i = 0; i < count; i++) {
    const merchant = pick(random, ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', null]);
    rows.push({
      id: `t${i.toString().padStart(6, '0')}`,
      height: i % 3 === 0 ? null : BigInt(1 + i),
      timestampMs: START_MS + Math.floor(random() * SPAN_MS),
      fromAccount: `a${Math.floor(random() * 50)}`,
      toAccount: merchant ?? `a${Math.floor(random() * 50)}`,
      amount: BigInt(1 + Math.floor(random() * 1e12)),
      currency: random() < 0.9 ? 'CNY' : 'USD',
      channel: pick(random, CHANNELS),
      mcc: pick(random, ['5411', '5812', '4111', null]),
      merchantId: merchant,
      region: pick(random, ['north', 'south', 'east', 'o\'hare \\ "x"\t', null]),
      issuer: pick(random, ['bank', 'coop', null]),
      riskDecision: pick(random, [...RISK_DECISIONS, null]),
      riskScore: random() < 0.2 ? null : random(),
    });
  }
  // Three of the largest amount: their sum needs more than 64 bits, in both engines.
  for (let i = 0; i < 3; i++) {
    rows.push({
      ...(rows[i] as WarehouseTransfer),
      id: `big${i}`,
      amount: AMOUNT_MAX,
      currency: 'CNY',
      merchantId: 'm1',
    });
  }
  return rows;
}

function decisionFacts(count: number): RiskDecisionFact[] {
  const random = rng(SEED + 1);
  return Array.from({ length: count }, (_, i) => ({
    paymentId: `p${i}`,
    timestampMs: START_MS + Math.floor(random() * SPAN_MS),
    decision: pick(random, RISK_DECISIONS),
    score: random() < 0.5 ? null : random(),
  }));
}

function alertFacts(count: number): AlertFact[] {
  const random = rng(SEED + 2);
  const alerts = Array.from({ length: count }, (_, i) => ({
    alertId: `aml-${i}`,
    timestampMs: START_MS + Math.floor(random() * SPAN_MS),
    pattern: pick(random, ['fan_out', 'cycle', 'structuring']),
    score: random(),
  }));
  // A rescan appends the same alert again: it must count once.
  return [...alerts, ...alerts.slice(0, 5)];
}

// ---- the model: the same answers computed in plain TypeScript ----

interface Group {
  count: number;
  value: bigint;
}

function inRange(ms: number, range: TimeRange): boolean {
  return ms >= range.fromMs && ms < range.toMs;
}

function matches(row: WarehouseTransfer, f: VolumeFilter): boolean {
  return (
    inRange(row.timestampMs, f) &&
    row.currency === f.currency &&
    (f.merchantId === undefined || row.merchantId === f.merchantId) &&
    (f.fromAccount === undefined || row.fromAccount === f.fromAccount) &&
    (f.toAccount === undefined || row.toAccount === f.toAccount) &&
    (f.channels === undefined || f.channels.includes(row.channel))
  );
}

function groups<K>(rows: readonly WarehouseTransfer[], filter: VolumeFilter, key: (row: WarehouseTransfer) => K) {
  const map = new Map<K, Group>();
  for (const row of rows) {
    if (!matches(row, filter)) continue;
    const k = key(row);
    const group = map.get(k) ?? { count: 0, value: 0n };
    group.count += 1;
    group.value += row.amount;
    map.set(k, group);
  }
  return [...map.entries()].map(([k, g]) => ({ k, count: g.count, value: g.value }));
}

/** Largest value first, then key ascending, NULL last. */
function byValue<K extends string | null>(a: { k: K; value: bigint }, b: { k: K; value: bigint }): number {
  if (a.value !== b.value) return a.value > b.value ? -1 : 1;
  if (a.k === b.k) return 0;
  if (a.k === null) return 1;
  if (b.k === null) return -1;
  return a.k < b.k ? -1 : 1;
}

function dimension<N extends string>(
  rows: readonly WarehouseTransfer[],
  filter: VolumeFilter,
  name: N,
  key: (row: WarehouseTransfer) => string | null,
) {
  return groups(rows, filter, key)
    .sort(byValue)
    .map((g) => ({ [name]: g.k, count: g.count, value: g.value.toString() }));
}

const ROWS = fixtureRows(3_000);
const DECISIONS = decisionFacts(400);
const ALERTS = alertFacts(60);
const ALL: VolumeFilter = { fromMs: START_MS, toMs: START_MS + SPAN_MS, currency: 'CNY' };
// A window that cuts days and hours in the middle, with rows exactly on its edges.
const edgeRow = ROWS[7] as WarehouseTransfer;
const WINDOW: VolumeFilter = {
  fromMs: edgeRow.timestampMs,
  toMs: (ROWS[11] as WarehouseTransfer).timestampMs,
  currency: 'CNY',
};
const WINDOW_OK = WINDOW.fromMs < WINDOW.toMs ? WINDOW : { ...WINDOW, fromMs: WINDOW.toMs, toMs: WINDOW.fromMs };

const model = {
  totals: (f: VolumeFilter) => {
    const all = groups(ROWS, f, () => 'all')[0];
    return { count: all?.count ?? 0, value: (all?.value ?? 0n).toString() };
  },
  volumeByHour: (f: VolumeFilter) =>
    groups(ROWS, f, (r) => hourOfMs(r.timestampMs, OFFSET_MS))
      .sort((a, b) => a.k - b.k)
      .map((g) => ({ hourMs: g.k, count: g.count, value: g.value.toString() })),
  volumeByDay: (f: VolumeFilter) =>
    groups(ROWS, f, (r) => dayOf(r.timestampMs))
      .sort((a, b) => (a.k < b.k ? -1 : 1))
      .map((g) => ({ day: g.k, count: g.count, value: g.value.toString() })),
  volumeByRegion: (f: VolumeFilter) => dimension(ROWS, f, 'region', (r) => r.region),
  volumeByMcc: (f: VolumeFilter) => dimension(ROWS, f, 'mcc', (r) => r.mcc),
  volumeByIssuer: (f: VolumeFilter) => dimension(ROWS, f, 'issuer', (r) => r.issuer),
  topMerchants: (f: VolumeFilter, n: number) =>
    dimension(
      ROWS.filter((r) => r.merchantId !== null && MERCHANT_PAYMENT_CHANNELS.includes(r.channel)),
      f,
      'merchantId',
      (r) => r.merchantId,
    ).slice(0, n),
  riskDecisionsByDay: (range: TimeRange) => {
    const counts = new Map<string, number>();
    for (const d of DECISIONS) {
      if (!inRange(d.timestampMs, range)) continue;
      const key = `${dayOf(d.timestampMs)}|${d.decision}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, count]) => {
        const [day, decision] = key.split('|');
        return { day, decision, count };
      });
  },
  alertRateByDay: (range: TimeRange) => {
    const transfers = new Map<string, number>();
    for (const r of ROWS) {
      if (!inRange(r.timestampMs, range)) continue;
      const day = dayOf(r.timestampMs);
      transfers.set(day, (transfers.get(day) ?? 0) + 1);
    }
    const alerts = new Map<string, Set<string>>();
    for (const a of ALERTS) {
      if (!inRange(a.timestampMs, range)) continue;
      const day = dayOf(a.timestampMs);
      alerts.set(day, (alerts.get(day) ?? new Set()).add(a.alertId));
    }
    return [...new Set([...transfers.keys(), ...alerts.keys()])].sort().map((day) => {
      const t = transfers.get(day) ?? 0;
      const a = alerts.get(day)?.size ?? 0;
      return { day, transfers: t, alerts: a, alertsPerThousand: t === 0 ? null : (a * 1000) / t };
    });
  },
};

/** Each dashboard query, on the warehouse and on the model, over a filter. */
const QUERIES: ReadonlyArray<
  readonly [string, (w: Warehouse, f: VolumeFilter) => Promise<unknown>, (f: VolumeFilter) => unknown]
> = [
  ['totals', (w, f) => w.totals(f), model.totals],
  ['volumeByHour', (w, f) => w.volumeByHour(f), model.volumeByHour],
  ['volumeByDay', (w, f) => w.volumeByDay(f), model.volumeByDay],
  ['volumeByRegion', (w, f) => w.volumeByRegion(f), model.volumeByRegion],
  ['volumeByMcc', (w, f) => w.volumeByMcc(f), model.volumeByMcc],
  ['volumeByIssuer', (w, f) => w.volumeByIssuer(f), model.volumeByIssuer],
  ['volumeByRegion top 2', (w, f) => w.volumeByRegion(f, 2), (f) => model.volumeByRegion(f).slice(0, 2)],
  ['topMerchants 3', (w, f) => w.topMerchants(f, 3), (f) => model.topMerchants(f, 3)],
  ['topMerchants 100', (w, f) => w.topMerchants(f, 100), (f) => model.topMerchants(f, 100)],
  ['riskDecisionsByDay', (w, f) => w.riskDecisionsByDay(f), model.riskDecisionsByDay],
  ['alertRateByDay', (w, f) => w.alertRateByDay(f), model.alertRateByDay],
];

const FILTERS: ReadonlyArray<readonly [string, VolumeFilter]> = [
  ['all days, CNY', ALL],
  ['a window cutting days, with rows on both edges', WINDOW_OK],
  ['USD', { ...ALL, currency: 'USD' }],
  ['a currency with no rows', { ...ALL, currency: 'JPY' }],
  ['an empty range', { fromMs: START_MS, toMs: START_MS, currency: 'CNY' }],
  ["one merchant's sales", { ...ALL, merchantId: 'm2', channels: MERCHANT_PAYMENT_CHANNELS }],
  ['what one account paid by transfer', { ...ALL, fromAccount: 'a7', channels: ['transfer'] }],
  ['what one account received', { ...WINDOW_OK, toAccount: 'm3' }],
];

const CASES = QUERIES.flatMap(([query, run, expected]) =>
  FILTERS.map(([filterName, filter]) => [query, filterName, run, expected, filter] as const),
);

async function readExport(path: string, format: 'csv' | 'parquet'): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const columns = EXPORT_COLUMNS.map(([name, type]) => `'${name}': '${type}'`).join(', ');
  const source =
    format === 'parquet'
      ? `read_parquet('${path}')`
      : `read_csv('${path}', header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', allow_quoted_nulls = false, columns = {${columns}})`;
  const reader = await connection.runAndReadAll(`SELECT * FROM ${source}`);
  const rows = reader.getRowObjectsJson();
  connection.closeSync();
  instance.closeSync();
  return rows;
}

/** A fact row as an export reads back (DuckDB's JSON: 64-bit integers as strings, dates as text). */
function exported(row: WarehouseTransfer): Record<string, unknown> {
  return {
    id: row.id,
    height: row.height === null ? null : row.height.toString(),
    timestamp_ms: row.timestampMs.toString(),
    day: dayOf(row.timestampMs),
    from_account: row.fromAccount,
    to_account: row.toAccount,
    amount: row.amount.toString(),
    currency: row.currency,
    channel: row.channel,
    mcc: row.mcc,
    merchant_id: row.merchantId,
    region: row.region,
    issuer: row.issuer,
    risk_decision: row.riskDecision,
    risk_score: row.riskScore,
  };
}

function sortedForExport(rows: readonly WarehouseTransfer[]): WarehouseTransfer[] {
  return [...rows].sort((a, b) => a.timestampMs - b.timestampMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const CSV_HEADER =
  'id,timestamp,from_account,to_account,amount,currency,channel,mcc,merchant_id,device_id,ip_region,lat,lon';

describe('alertFactOf', () => {
  it('counts an AML alert of the scan on the day of its last transaction', () => {
    expect(
      alertFactOf({ id: 'aml-cycle-1', pattern: 'cycle', score: 0.8, windowEnd: '2024-03-02T15:59:59.000Z' }),
    ).toEqual({ alertId: 'aml-cycle-1', timestampMs: Date.UTC(2024, 2, 2, 15, 59, 59), pattern: 'cycle', score: 0.8 });
  });
});

describe.each(WAREHOUSE_ENGINES)('warehouse on %s', (engine) => {
  let harness: EngineHarness;
  let warehouse: Warehouse;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paychain-warehouse-test-'));
    harness = await startEngine(engine);
    warehouse = await harness.open('queries', { dayOffsetMs: OFFSET_MS });
    // In two calls, so that a write after the first one is tested too.
    await warehouse.appendTransfers(ROWS.slice(0, 1_000));
    await warehouse.appendTransfers(ROWS.slice(1_000));
    await warehouse.appendRiskDecisions(DECISIONS);
    await warehouse.appendAlerts(ALERTS);
  });

  afterAll(async () => {
    await warehouse?.close();
    await harness?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it.each(CASES)('%s over %s', async (_query, _filter, run, expected, filter) => {
    expect(await run(warehouse, filter)).toEqual(expected(filter));
  });

  it('keeps the day offset it was created with, and refuses another', async () => {
    const again = await harness.open('offset', { dayOffsetMs: -5 * 3_600_000 });
    await again.close();
    const reopened = await harness.open('offset');
    expect(reopened.dayOffsetMs).toBe(-5 * 3_600_000);
    await reopened.close();
    await expect(harness.open('offset', { dayOffsetMs: 0 })).rejects.toMatchObject({ code: 'spec_invalid' });
    await expect(harness.open('offset-bad', { dayOffsetMs: 1_000 })).rejects.toMatchObject({ code: 'spec_invalid' });
  });

  it('answers the span of its rows', async () => {
    const times = ROWS.map((r) => r.timestampMs);
    expect(await warehouse.timeSpan()).toEqual({ fromMs: Math.min(...times), toMs: Math.max(...times) + 1 });
  });

  it('sums beyond 64 bits exactly', async () => {
    const total = await warehouse.totals(ALL);
    expect(BigInt(total.value) > AMOUNT_MAX).toBe(true);
  });

  it.each([
    ['CSV', 'csv'],
    ['Parquet', 'parquet'],
  ] as const)('exports %s with exactly the rows of a range, in time order', async (_name, format) => {
    const path = join(dir, `${engine}-export.${format}`);
    const range = { fromMs: WINDOW_OK.fromMs, toMs: WINDOW_OK.toMs };
    const result =
      format === 'csv' ? await warehouse.exportCsv(path, range) : await warehouse.exportParquet(path, range);
    const expected = sortedForExport(ROWS.filter((r) => inRange(r.timestampMs, range))).map(exported);
    expect(result.rows).toBe(expected.length);
    expect(await readExport(path, format)).toEqual(expected);
  });

  it('reads the rows of a range back in batches, in time order', async () => {
    const batches: WarehouseTransfer[][] = [];
    for await (const batch of warehouse.readTransfers(WINDOW_OK, 7)) batches.push(batch);
    const expected = sortedForExport(ROWS.filter((r) => inRange(r.timestampMs, WINDOW_OK)));
    expect(batches.flat()).toEqual(expected);
    expect(batches.every((b) => b.length > 0 && b.length <= 7)).toBe(true);
    await expect(warehouse.readTransfers(WINDOW_OK, 0).next()).rejects.toMatchObject({ code: 'query_invalid' });
  });

  it('exports every row when no range is given', async () => {
    const path = join(dir, `${engine}-all.parquet`);
    expect((await warehouse.exportParquet(path)).rows).toBe(ROWS.length);
    expect(await readExport(path, 'parquet')).toEqual(sortedForExport(ROWS).map(exported));
  });

  const valid = ROWS[0] as WarehouseTransfer;
  it.each([
    ['an empty id', { ...valid, id: '' }, 'id_invalid'],
    ['height 0', { ...valid, height: 0n }, 'height_invalid'],
    ['a time before 1970-01-02', { ...valid, timestampMs: 86_399_999 }, 'timestamp_invalid'],
    ['a time after 2105-12-30', { ...valid, timestampMs: Date.UTC(2105, 11, 31) }, 'timestamp_invalid'],
    ['a fractional time', { ...valid, timestampMs: 1.5 }, 'timestamp_invalid'],
    ['an empty account', { ...valid, fromAccount: '' }, 'account_invalid'],
    ['a zero amount', { ...valid, amount: 0n }, 'amount_invalid'],
    ['an amount above AMOUNT_MAX', { ...valid, amount: AMOUNT_MAX + 1n }, 'amount_invalid'],
    ['no currency', { ...valid, currency: '' }, 'currency_invalid'],
    ['an unknown channel', { ...valid, channel: 'card' as 'qr' }, 'channel_invalid'],
    ['an empty region', { ...valid, region: '' }, 'text_invalid'],
    ['a NUL byte in a merchant id', { ...valid, merchantId: 'm\0' }, 'text_invalid'],
    ['an unknown decision', { ...valid, riskDecision: 'maybe' as 'allow' }, 'risk_decision_invalid'],
    ['a NaN score', { ...valid, riskScore: Number.NaN }, 'risk_score_invalid'],
  ])('refuses %s and writes nothing of the call', async (_name, bad, status) => {
    const before = await warehouse.totals(ALL);
    const call = warehouse.appendTransfers([{ ...valid, id: 'fine-row' }, bad]);
    await expect(call).rejects.toThrow(WarehouseError);
    await expect(call).rejects.toThrow(status);
    expect(await warehouse.totals(ALL)).toEqual(before);
  });

  it.each([
    ['a query over a reversed range', (w: Warehouse) => w.volumeByDay({ ...ALL, fromMs: ALL.toMs, toMs: ALL.fromMs })],
    ['a query without currency', (w: Warehouse) => w.totals({ ...ALL, currency: '' })],
    ['a limit of 0', (w: Warehouse) => w.topMerchants(ALL, 0)],
    ['a limit above GROUPS_MAX', (w: Warehouse) => w.volumeByMcc(ALL, 10_001)],
    ['an empty merchant id', (w: Warehouse) => w.volumeByDay({ ...ALL, merchantId: '' })],
    ['no channels', (w: Warehouse) => w.volumeByDay({ ...ALL, channels: [] })],
    ['an unknown channel', (w: Warehouse) => w.volumeByDay({ ...ALL, channels: ['card' as 'qr'] })],
  ])('refuses %s', async (_name, run) => {
    await expect(run(warehouse)).rejects.toMatchObject({ code: 'query_invalid' });
  });

  describe('loadCsv', () => {
    let csv: Warehouse;
    beforeAll(async () => {
      csv = await harness.open('imports');
    });
    afterAll(async () => {
      await csv?.close();
    });

    const line = (id: string, amount: string, time = '2024-03-02T10:00:00Z') =>
      `${id},${time},acc1,acc2,${amount},CNY,qr,5411,m1,dev1,"Shanghai, CN",31.2,121.5`;

    it('loads a valid file whole, and refuses the same content twice', async () => {
      const path = join(dir, `${engine}-good.csv`);
      writeFileSync(path, [CSV_HEADER, line('x1', '10.50'), line('x2', '0.01'), line('x3', '1000000')].join('\n'));
      const result = await csv.loadCsv(path);
      expect(result.rows).toBe(3);
      expect(result.loadId).toBe(`csv:${result.sha256.slice(0, 32)}`);
      const filter = { fromMs: Date.UTC(2024, 2, 2), toMs: Date.UTC(2024, 2, 3), currency: 'CNY' };
      expect(await csv.totals(filter)).toEqual({ count: 3, value: '100001051' });
      expect(await csv.volumeByRegion(filter)).toEqual([{ region: 'Shanghai, CN', count: 3, value: '100001051' }]);
      await expect(csv.loadCsv(path)).rejects.toMatchObject({ code: 'import_duplicate' });
      expect((await csv.totals(filter)).count).toBe(3);
    });

    it.each([
      ['a malformed amount on the last line', [line('y1', '5'), line('y2', '5'), line('y3', '1.234')], 'line 4'],
      ['an unknown currency', [line('y1', '5'), line('y2', '5').replace('CNY', 'XYZ')], 'line 3'],
      ['a timestamp without a zone', [line('y1', '5'), line('y2', '5', '2024-03-02T10:00:00')], 'line 3'],
      ['a duplicate id', [line('y1', '5'), line('y1', '6')], 'line 3'],
      ['a date the warehouse cannot hold', [line('y1', '5'), line('y2', '5', '1970-01-01T23:59:59Z')], 'record 2'],
    ])('refuses a file with %s, naming where, and loads none of it', async (_name, lines, where) => {
      const path = join(dir, `${engine}-bad-${where.replace(' ', '')}-${lines.length}.csv`);
      writeFileSync(path, [CSV_HEADER, ...lines].join('\n'));
      const everything = { fromMs: 0, toMs: Date.UTC(2100, 0, 1), currency: 'CNY' };
      const before = await csv.totals(everything);
      await expect(csv.loadCsv(path)).rejects.toThrow(where);
      expect(await csv.totals(everything)).toEqual(before);
    });
  });
});
