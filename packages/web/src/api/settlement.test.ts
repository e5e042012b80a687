// Goal: the settlement client speaks the peer API — the exact paths (currency, window and quote ids encoded), answers
// checked on arrival and held exactly as bigint minor units (negative nets included), malformed answers refused with
// the field named, a currency without a scheme answered as "missing" while every other error stays an error; and the
// screen's arithmetic (amounts in major units, exposure against the cap, a rate in major units, a quote's status).
// Method: a recording fetch answering canned responses.
import { describe, expect, it } from 'vitest';
import { accountId } from '../test/fixtures';
import { apiErrorResponse, jsonResponse, recordingClient } from '../test/recording-fetch';
import { ApiError } from './client';
import {
  decimalsOf,
  exposureBasisPoints,
  formatAssetMinor,
  formatAssetUnits,
  getAssets,
  getQuote,
  getScheme,
  getWindow,
  netOf,
  parseQuote,
  parseScheme,
  parseWindow,
  quoteStatus,
  rateInMajorUnits,
  schemeOrgs,
  windowReportCsvUrl,
} from './settlement';

const QUOTE_ID = '9f000000000000000000000000000001';

const OPEN_WINDOW = {
  currency: 'CNY',
  seq: '3',
  status: 'open',
  opened: { height: '40', index: 2, time: '1767225660000' },
  closed: null,
  settledAt: null,
  payments: '2',
  gross: '70000',
  positions: [
    { org: 'boc', net: '-60000' },
    { org: 'icbc', net: '60000' },
  ],
};

const CLOSED_WINDOW = {
  currency: 'CNY',
  seq: '2',
  status: 'closed',
  opened: { height: '20', index: 0, time: '1767225630000' },
  closed: { height: '40', index: 2, time: '1767225660000' },
  settledAt: null,
  payments: '1',
  gross: '5000',
  positions: [
    { org: 'boc', net: '5000' },
    { org: 'icbc', net: '-5000' },
  ],
};

const SETTLED_WINDOW = {
  currency: 'CNY',
  seq: '1',
  status: 'settled',
  opened: { height: '5', index: 1, time: '1767225600000' },
  closed: { height: '20', index: 0, time: '1767225630000' },
  settledAt: '1767225640000',
  settled: { height: '22', index: 3, time: '1767225640000' },
  payments: '0',
  gross: '0',
  positions: [],
};

const SCHEME = {
  currency: 'CNY',
  settlementOrg: 'pboc',
  settlementAsset: 'RES-CNY',
  openWindow: '3',
  nextToSettle: '2',
  participants: [
    {
      org: 'boc',
      depositAsset: 'BOC-CNY',
      settlementAccount: accountId(0x10),
      pledged: '100000',
      owed: '0',
      openNet: '-60000',
      exposure: '60000',
      headroom: '40000',
    },
    {
      org: 'icbc',
      depositAsset: 'ICBC-CNY',
      settlementAccount: accountId(0x11),
      pledged: '50000',
      owed: '5000',
      openNet: '60000',
      exposure: '5000',
      headroom: '45000',
    },
  ],
  windows: [OPEN_WINDOW, CLOSED_WINDOW, SETTLED_WINDOW],
};

const QUOTE = {
  id: QUOTE_ID,
  provider: 'fxbank',
  baseAsset: 'HKD',
  quoteAsset: 'CNY',
  rateNum: '9213',
  rateDen: '10000',
  minBase: '100',
  maxBase: '1000000',
  capacity: '5000000',
  used: '12345',
  conversions: '1',
  baseAccount: accountId(0x20),
  quoteAccount: accountId(0x21),
  expiresAt: '1767229200000',
  cancelled: false,
};

describe('settlement routes', () => {
  it('reads a scheme exactly, with signed nets as bigint', async () => {
    const { calls, client } = recordingClient([jsonResponse(200, SCHEME)]);
    const result = await getScheme(client, 'CNY');
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['GET /v1/settlement/CNY']);
    expect(result.kind).toBe('found');
    if (result.kind !== 'found') return;
    const { scheme } = result;
    expect(scheme).toMatchObject({
      currency: 'CNY',
      settlementOrg: 'pboc',
      settlementAsset: 'RES-CNY',
      openWindow: '3',
      nextToSettle: '2',
    });
    expect(scheme.participants[0]).toEqual({
      org: 'boc',
      depositAsset: 'BOC-CNY',
      settlementAccount: accountId(0x10),
      pledged: 100_000n,
      owed: 0n,
      openNet: -60_000n,
      exposure: 60_000n,
      headroom: 40_000n,
    });
    expect(scheme.windows.map((w) => [w.seq, w.status])).toEqual([
      ['3', 'open'],
      ['2', 'closed'],
      ['1', 'settled'],
    ]);
    expect(scheme.windows[0]).toEqual({
      currency: 'CNY',
      seq: '3',
      status: 'open',
      opened: { height: '40', index: 2, timeMs: 1_767_225_660_000 },
      closed: null,
      settledAtMs: null,
      settled: null,
      payments: 2n,
      gross: 70_000n,
      positions: [
        { org: 'boc', net: -60_000n },
        { org: 'icbc', net: 60_000n },
      ],
    });
    expect(scheme.windows[1]?.closed).toEqual({ height: '40', index: 2, timeMs: 1_767_225_660_000 });
    expect(scheme.windows[2]?.settledAtMs).toBe(1_767_225_640_000);
    // Where the settlement transaction is, for the window history's link to its block.
    expect(scheme.windows[2]?.settled).toEqual({ height: '22', index: 3, timeMs: 1_767_225_640_000 });
    expect(schemeOrgs(scheme)).toEqual(['boc', 'icbc']);
    const open = scheme.windows[0];
    if (open === undefined) throw new Error('no window');
    expect(netOf(open, 'boc')).toBe(-60_000n);
    expect(netOf(open, 'nobody')).toBe(0n);
  });

  it('answers a currency without a scheme as missing, and keeps other errors errors', async () => {
    const { calls, client } = recordingClient([
      apiErrorResponse(404, 'scheme_not_found', { currency: 'USD' }),
      apiErrorResponse(404, 'not_found'),
      apiErrorResponse(500, 'internal'),
      new TypeError('offline'),
    ]);
    expect(await getScheme(client, 'USD')).toEqual({ kind: 'missing', currency: 'USD' });
    await expect(getScheme(client, 'USD')).rejects.toMatchObject({ code: 'not_found', status: 404 });
    await expect(getScheme(client, 'USD')).rejects.toMatchObject({ code: 'internal', status: 500 });
    await expect(getScheme(client, 'USD')).rejects.toMatchObject({ code: 'network' });
    expect(calls.map((c) => c.url)).toEqual(Array(4).fill('/v1/settlement/USD'));
  });

  it('reads one window and encodes the path', async () => {
    const { calls, client } = recordingClient([jsonResponse(200, CLOSED_WINDOW), jsonResponse(200, CLOSED_WINDOW)]);
    const window = await getWindow(client, 'CNY', '2');
    expect(window.positions).toEqual([
      { org: 'boc', net: 5000n },
      { org: 'icbc', net: -5000n },
    ]);
    await getWindow(client, 'C/Y', '2?');
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /v1/settlement/CNY/windows/2',
      'GET /v1/settlement/C%2FY/windows/2%3F',
    ]);
  });

  it('gives the report download URL', () => {
    expect(windowReportCsvUrl('CNY', '7')).toBe('/v1/settlement/CNY/windows/7/report.csv');
    expect(windowReportCsvUrl('C/Y', '7')).toBe('/v1/settlement/C%2FY/windows/7/report.csv');
  });

  it('reads a quote and the assets', async () => {
    const { calls, client } = recordingClient([
      jsonResponse(200, QUOTE),
      jsonResponse(200, {
        items: [
          { id: 'HKD', name: 'Hong Kong dollar', issuer: 'fxbank', decimals: 2, minted: '900', burned: '0' },
          { id: 'JPY', name: 'Yen', issuer: null, decimals: 0, minted: '0', burned: '0' },
        ],
      }),
    ]);
    expect(await getQuote(client, QUOTE_ID)).toEqual({
      ...QUOTE,
      rateNum: 9213n,
      rateDen: 10_000n,
      minBase: 100n,
      maxBase: 1_000_000n,
      capacity: 5_000_000n,
      used: 12_345n,
      conversions: 1n,
      expiresAt: undefined,
      expiresAtMs: 1_767_229_200_000,
    });
    const assets = await getAssets(client);
    expect(assets[1]).toEqual({ id: 'JPY', name: 'Yen', issuer: null, decimals: 0, minted: 0n, burned: 0n });
    expect(decimalsOf(assets, 'HKD')).toBe(2);
    expect(decimalsOf(assets, 'EUR')).toBeNull();
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([`GET /v1/fx/quotes/${QUOTE_ID}`, 'GET /v1/assets']);
  });

  it('passes quote_not_found on as an error', async () => {
    const { client } = recordingClient([apiErrorResponse(404, 'quote_not_found')]);
    await expect(getQuote(client, QUOTE_ID)).rejects.toMatchObject({ code: 'quote_not_found', status: 404 });
  });
});

describe('malformed answers are refused with the field named', () => {
  const participant = SCHEME.participants[0];
  it.each([
    ['a number for an amount', { ...SCHEME, participants: [{ ...participant, pledged: 100000 }] }, 'pledged'],
    ['a fraction in minor units', { ...SCHEME, participants: [{ ...participant, owed: '1.5' }] }, 'owed'],
    ['a negative pledge', { ...SCHEME, participants: [{ ...participant, pledged: '-1' }] }, 'pledged'],
    ['a negative exposure', { ...SCHEME, participants: [{ ...participant, exposure: '-5' }] }, 'exposure'],
    ['a leading zero', { ...SCHEME, participants: [{ ...participant, openNet: '-060' }] }, 'openNet'],
    ['an unknown status', { ...SCHEME, windows: [{ ...OPEN_WINDOW, status: 'pending' }] }, 'status'],
    [
      'an open window with a close',
      { ...SCHEME, windows: [{ ...OPEN_WINDOW, closed: CLOSED_WINDOW.closed }] },
      'closed',
    ],
    ['a settled window without a time', { ...SCHEME, windows: [{ ...SETTLED_WINDOW, settledAt: null }] }, 'settledAt'],
    ['a lower-case currency', { ...SCHEME, currency: 'cny' }, 'currency'],
    ['windows not a list', { ...SCHEME, windows: {} }, 'windows'],
    ['a missing nextToSettle', { ...SCHEME, nextToSettle: undefined }, 'nextToSettle'],
    ['a position without a net', { ...SCHEME, windows: [{ ...OPEN_WINDOW, positions: [{ org: 'boc' }] }] }, 'net'],
  ])('%s', (_label, answer, field) => {
    expect(() => parseScheme(answer)).toThrow(ApiError);
    expect(() => parseScheme(answer)).toThrow(field);
  });

  it('refuses a bad window, quote or asset list', async () => {
    expect(() => parseWindow({ ...CLOSED_WINDOW, gross: 5000 })).toThrow('gross');
    expect(() => parseWindow({ ...CLOSED_WINDOW, opened: { height: '1', index: -1, time: '0' } })).toThrow('index');
    const { client } = recordingClient([
      jsonResponse(200, { ...QUOTE, rateDen: '0' }),
      jsonResponse(200, { ...QUOTE, cancelled: 'no' }),
      jsonResponse(200, { items: [{ id: 'X', name: 'X', issuer: null, decimals: 2.5, minted: '0', burned: '0' }] }),
    ]);
    await expect(getQuote(client, QUOTE_ID)).rejects.toThrow('rateDen');
    await expect(getQuote(client, QUOTE_ID)).rejects.toThrow('cancelled');
    await expect(getAssets(client)).rejects.toMatchObject({ code: 'bad_response' });
  });
});

describe('what the screen computes', () => {
  it('formats minor units with the asset decimals, negatives included', () => {
    expect(formatAssetMinor(-60_000n, 2, 'CNY', 'en')).toBe('-¥600.00');
    expect(formatAssetMinor(12_345_678n, 2, 'CNY', 'en')).toBe('¥123,456.78');
    expect(formatAssetMinor(5n, 0, 'JPY', 'en')).toBe('¥5');
    expect(formatAssetMinor(123n, null, 'CNY', 'en', 'RES-CNY')).toBe('123 RES-CNY');
  });

  it('formats FX amounts with the asset id, not an ambiguous symbol', () => {
    expect(formatAssetUnits(100_000_000n, 2, 'HKD')).toBe('1,000,000.00 HKD');
    expect(formatAssetUnits(-5n, 2, 'HKD')).toBe('-0.05 HKD');
    expect(formatAssetUnits(1234n, 0, 'JPY')).toBe('1,234 JPY');
    expect(formatAssetUnits(1234n, null, 'XYZ')).toBe('1,234 XYZ');
  });

  it('measures exposure against the cap', () => {
    expect(exposureBasisPoints(60_000n, 100_000n)).toBe(6000);
    expect(exposureBasisPoints(0n, 100_000n)).toBe(0);
    expect(exposureBasisPoints(100_000n, 100_000n)).toBe(10_000);
    expect(exposureBasisPoints(0n, 0n)).toBe(0);
    expect(exposureBasisPoints(1n, 0n)).toBe(10_000);
  });

  it('shows a rate in major units with both assets decimals, cut not rounded', () => {
    expect(rateInMajorUnits({ rateNum: 9213n, rateDen: 10_000n }, 2, 2)).toEqual({ text: '0.9213', exact: true });
    // JPY (0 decimals) per CNY (2): 2050 yen-units per 100 fen-units → 20.5 yen per fen → 2050 yen per yuan.
    expect(rateInMajorUnits({ rateNum: 41n, rateDen: 2n }, 2, 0)).toEqual({ text: '2050', exact: true });
    expect(rateInMajorUnits({ rateNum: 2n, rateDen: 3n }, 2, 2)).toEqual({ text: '0.66666666', exact: false });
    expect(rateInMajorUnits({ rateNum: 7n, rateDen: 1n }, 0, 2)).toEqual({ text: '0.07', exact: true });
  });

  it('says a quote is expired at expiry or when withdrawn', () => {
    const quote = { ...parseQuote(QUOTE), expiresAtMs: 1000 };
    expect(quoteStatus(quote, 999)).toBe('active');
    expect(quoteStatus(quote, 1000)).toBe('expired');
    expect(quoteStatus({ ...quote, cancelled: true }, 0)).toBe('expired');
  });
});
