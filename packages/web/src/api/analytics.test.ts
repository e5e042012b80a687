// Goal: the dashboard's client speaks the analytics routes — the right URL and query per range, answers checked on
// arrival (amounts only as decimal strings, counts as integers, heights as strings), a merchant's sales bounded, the
// export fetched with the bearer token. Method: a recording fetch answering canned responses; ranges from a fixed
// clock.
import { describe, expect, it } from 'vitest';
import { apiErrorResponse, jsonResponse, recordingClient } from '../test/recording-fetch';
import {
  DAY_MS,
  dashboardRange,
  decimalToPlotNumber,
  exportTransfers,
  getAlertDays,
  getAnalyticsStatus,
  getMerchantSales,
  getRegions,
  getRiskDays,
  getTopMerchants,
  getVolume,
  HOUR_MS,
  isRangeKey,
  parseVolume,
} from './analytics';
import { ApiError } from './client';

/** 2026-01-01T10:17:05Z. */
const NOW = Date.UTC(2026, 0, 1, 10, 17, 5);

describe('dashboardRange', () => {
  it('24 h is 24 hourly buckets from the start of the hour 23 hours ago to now', () => {
    const range = dashboardRange('24h', NOW);
    expect(range).toEqual({ key: '24h', granularity: 'hour', fromMs: Date.UTC(2025, 11, 31, 11), toMs: NOW });
    expect((NOW - range.fromMs) / HOUR_MS).toBeGreaterThan(23);
    expect((NOW - range.fromMs) / HOUR_MS).toBeLessThan(24);
  });

  it.each([
    ['7d', 7],
    ['30d', 30],
  ] as const)('%s is daily, %i days back from now', (key, days) => {
    expect(dashboardRange(key, NOW)).toEqual({ key, granularity: 'day', fromMs: NOW - days * DAY_MS, toMs: NOW });
  });

  it.each([
    ['24h', true],
    ['7d', true],
    ['30d', true],
    ['1y', false],
    ['', false],
  ])('isRangeKey(%s) is %s', (value, expected) => {
    expect(isRangeKey(value)).toBe(expected);
  });
});

describe('analytics routes', () => {
  it('asks the volume of a range with its granularity and keeps amounts as strings', async () => {
    const { calls, client } = recordingClient([
      jsonResponse(200, {
        currency: 'CNY',
        items: [
          { bucketMs: 1000, count: 3, value: '12345678901234567890.12' },
          { bucketMs: 2000, count: 0, value: '0.00' },
        ],
      }),
    ]);
    const range = dashboardRange('24h', NOW);
    const answer = await getVolume(client, range);
    expect(calls[0]?.url).toBe(`/v1/ops/analytics/volume?granularity=hour&fromMs=${range.fromMs}&toMs=${NOW}`);
    expect(calls[0]?.headers.authorization).toBe('Bearer tok');
    expect(answer).toEqual({
      currency: 'CNY',
      items: [
        { bucketMs: 1000, count: 3, value: '12345678901234567890.12' },
        { bucketMs: 2000, count: 0, value: '0.00' },
      ],
    });
  });

  it.each([
    [
      { currency: 'CNY', items: [{ bucketMs: 1, count: 1, value: 12.5 }] },
      'items[0].value: expected a decimal string, got 12.5',
    ],
    [
      { currency: 'CNY', items: [{ bucketMs: 1, count: 1.5, value: '1' }] },
      'items[0].count: expected a non-negative integer',
    ],
    [{ currency: 'CNY', items: [{ bucketMs: 1, count: -1, value: '1' }] }, 'items[0].count'],
    [{ currency: 'CNY', items: [{ count: 1, value: '1' }] }, 'items[0].bucketMs: expected a number'],
    [{ currency: 'CNY', items: {} }, 'items: expected an array'],
    [{ items: [] }, 'currency: expected a string'],
    [[], '(answer): expected an object'],
    [{ currency: 'CNY', items: [{ bucketMs: 1, count: 1, value: '1e5' }] }, 'items[0].value'],
  ])('refuses a malformed volume answer: %j', (answer, message) => {
    expect(() => parseVolume(answer)).toThrow(ApiError);
    expect(() => parseVolume(answer)).toThrow(message);
  });

  it('asks regions, top merchants (with a limit), risk and alerts with the range', async () => {
    const { calls, client } = recordingClient([
      jsonResponse(200, { currency: 'CNY', items: [{ region: 'unknown', count: 2, value: '3.00' }] }),
      jsonResponse(200, {
        currency: 'CNY',
        items: [
          { merchantId: 'm1', name: '面馆', count: 2, value: '3.00' },
          { merchantId: 'm2', name: null, count: 1, value: '1.00' },
        ],
      }),
      jsonResponse(200, { items: [{ dayMs: 5, allow: 3, review: 1, step_up: 1, block: 0 }] }),
      jsonResponse(200, { items: [{ dayMs: 5, alerts: 2, transfers: 1000, alertsPer1000: 2 }] }),
    ]);
    const range = { fromMs: 10, toMs: 20 };
    expect((await getRegions(client, range)).items).toEqual([{ region: 'unknown', count: 2, value: '3.00' }]);
    expect((await getTopMerchants(client, range, 5)).items.map((m) => m.name)).toEqual(['面馆', null]);
    expect(await getRiskDays(client, range)).toEqual([{ dayMs: 5, allow: 3, review: 1, step_up: 1, block: 0 }]);
    expect((await getAlertDays(client, range))[0]?.alertsPer1000).toBe(2);
    expect(calls.map((c) => c.url)).toEqual([
      '/v1/ops/analytics/regions?fromMs=10&toMs=20',
      '/v1/ops/analytics/top-merchants?fromMs=10&toMs=20&limit=5',
      '/v1/ops/analytics/risk?fromMs=10&toMs=20',
      '/v1/ops/analytics/alerts?fromMs=10&toMs=20',
    ]);
  });

  it('reads the status with heights as strings, and refuses an unknown warehouse', async () => {
    const status = { warehouse: 'duckdb', loadedHeight: 41, chainHeight: '42', lagBlocks: '1', transfers: 9 };
    const { client } = recordingClient([
      jsonResponse(200, status),
      jsonResponse(200, { ...status, warehouse: 'sqlite' }),
    ]);
    expect(await getAnalyticsStatus(client)).toEqual({ ...status, loadedHeight: '41', chainHeight: '42' });
    await expect(getAnalyticsStatus(client)).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('passes the API error of a non-ops user through', async () => {
    const { client } = recordingClient([apiErrorResponse(403, 'forbidden')]);
    await expect(getAnalyticsStatus(client)).rejects.toMatchObject({ code: 'forbidden', status: 403 });
  });

  it('reads a merchant’s sales with the days clamped and the hours checked', async () => {
    const sales = {
      currency: 'CNY',
      daily: [{ dayMs: 1, count: 2, value: '30.00', refunds: '2.34' }],
      hourly: [{ hour: 12, count: 2, value: '30.00' }],
      totals: { count: 2, value: '30.00' },
    };
    const { calls, client } = recordingClient([
      jsonResponse(200, sales),
      jsonResponse(200, { ...sales, hourly: [{ hour: 24, count: 1, value: '1.00' }] }),
    ]);
    expect(await getMerchantSales(client, 'a/b', 9999)).toEqual(sales);
    expect(calls[0]?.url).toBe('/v1/merchants/a%2Fb/analytics/sales?days=366');
    await expect(getMerchantSales(client, 'm')).rejects.toThrow('hourly[0].hour: expected an hour 0..23');
    expect(calls[1]?.url).toBe('/v1/merchants/m/analytics/sales?days=30');
  });

  it('downloads an export with the bearer token, named by the server or by default', async () => {
    const { calls, client } = recordingClient([
      new Response('id,amount\n', { status: 200, headers: { 'content-disposition': 'attachment; filename="t.csv"' } }),
      new Response(new Uint8Array([0x50, 0x41, 0x52, 0x31]), { status: 200 }),
      apiErrorResponse(400, 'bad_request'),
    ]);
    const range = { fromMs: 1, toMs: 2 };
    const csv = await exportTransfers(client, 'csv', range);
    expect(csv.fileName).toBe('t.csv');
    expect(await csv.blob.text()).toBe('id,amount\n');
    expect(calls[0]).toMatchObject({ url: '/v1/ops/analytics/export?format=csv&fromMs=1&toMs=2', method: 'GET' });
    expect(calls[0]?.headers.authorization).toBe('Bearer tok');
    const parquet = await exportTransfers(client, 'parquet', range);
    expect(parquet.fileName).toBe('paychain-transfers-1-2.parquet');
    expect(parquet.blob.size).toBe(4);
    await expect(exportTransfers(client, 'csv', range)).rejects.toMatchObject({ code: 'bad_request', status: 400 });
  });
});

describe('decimalToPlotNumber', () => {
  it.each([
    ['0.00', 0],
    ['12.34', 12.34],
    ['-5.5', -5.5],
    ['nonsense', 0],
  ])('%s → %d', (value, expected) => {
    expect(decimalToPlotNumber(value)).toBe(expected);
  });
});
