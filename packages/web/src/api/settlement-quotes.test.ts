// Goal: the ops console's FX quotes speak the peer API — the quote list with each status and the conversions of a
// quote, at their exact paths, held as bigint minor units, malformed answers refused with the field named — and a
// quote's rate is written in major units with its assets' decimals ("≈" when cut, the minor-unit ratio left to the
// caller when a decimals is unknown). Method: a recording fetch answering canned responses; a table for the rate.
import { describe, expect, it } from 'vitest';
import { accountId } from '../test/fixtures';
import { jsonResponse, recordingClient } from '../test/recording-fetch';
import { type Asset, getQuoteConversions, getQuotes, QUOTES_SHOWN, quoteRateText } from './settlement';

const QUOTE_ID = '9f000000000000000000000000000001';

const QUOTE = {
  id: QUOTE_ID,
  provider: 'fxlp',
  baseAsset: 'HKD',
  quoteAsset: 'ICBC-CNY',
  rateNum: '9213',
  rateDen: '10000',
  minBase: '100',
  maxBase: '500000',
  capacity: '900000',
  used: '22446',
  conversions: '3',
  baseAccount: accountId(0x20),
  quoteAccount: accountId(0x21),
  expiresAt: '1767229200000',
  cancelled: false,
};

const CONVERSION = {
  txId: accountId(0x7001),
  height: '12',
  index: 0,
  time: '1767225600000',
  source: accountId(0x30),
  target: accountId(0x31),
  baseAmount: '12345',
  quoteAmount: '11373',
  memo: 'cross-currency payment',
};

const asset = (id: string, decimals: number): Asset => ({
  id,
  name: id,
  issuer: null,
  decimals,
  minted: 0n,
  burned: 0n,
});

describe('FX quote routes', () => {
  it('lists quotes with their status, at the limit the tab shows', async () => {
    const { calls, client } = recordingClient([
      jsonResponse(200, {
        time: '1767225700000',
        items: [
          { ...QUOTE, status: 'live' },
          { ...QUOTE, id: accountId(0x9f02), cancelled: true, status: 'withdrawn' },
        ],
      }),
    ]);
    const list = await getQuotes(client);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([`GET /v1/fx/quotes?limit=${QUOTES_SHOWN}`]);
    expect(list.timeMs).toBe(1_767_225_700_000);
    expect(list.items.map((q) => [q.id, q.status, q.cancelled])).toEqual([
      [QUOTE_ID, 'live', false],
      [accountId(0x9f02), 'withdrawn', true],
    ]);
    expect(list.items[0]).toMatchObject({ rateNum: 9213n, rateDen: 10000n, used: 22_446n, conversions: 3n });
  });

  it("reads a quote's conversions exactly, as bigint minor units", async () => {
    const { calls, client } = recordingClient([
      jsonResponse(200, { quote: QUOTE_ID, height: '20', total: '3', truncated: true, items: [CONVERSION] }),
    ]);
    const conversions = await getQuoteConversions(client, QUOTE_ID);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([`GET /v1/fx/quotes/${QUOTE_ID}/conversions`]);
    expect(conversions).toEqual({
      quote: QUOTE_ID,
      height: '20',
      total: 3n,
      truncated: true,
      items: [
        {
          txId: CONVERSION.txId,
          height: '12',
          index: 0,
          timeMs: 1_767_225_600_000,
          source: CONVERSION.source,
          target: CONVERSION.target,
          baseAmount: 12_345n,
          quoteAmount: 11_373n,
          memo: 'cross-currency payment',
        },
      ],
    });
  });

  it('refuses a malformed list or conversions answer, naming the field', async () => {
    const { client } = recordingClient([
      jsonResponse(200, { time: '1', items: [{ ...QUOTE, status: 'active' }] }),
      jsonResponse(200, { time: '1', items: [{ ...QUOTE, rateDen: '0', status: 'live' }] }),
      jsonResponse(200, { quote: QUOTE_ID, height: '20', total: '0', truncated: false, items: [CONVERSION] }),
      jsonResponse(200, {
        quote: QUOTE_ID,
        height: '20',
        total: '1',
        truncated: false,
        items: [{ ...CONVERSION, quoteAmount: '11.37' }],
      }),
    ]);
    await expect(getQuotes(client)).rejects.toThrow('status');
    await expect(getQuotes(client)).rejects.toThrow('rateDen');
    await expect(getQuoteConversions(client, QUOTE_ID)).rejects.toThrow('total');
    await expect(getQuoteConversions(client, QUOTE_ID)).rejects.toThrow('quoteAmount');
  });
});

describe('quoteRateText', () => {
  const pair = { baseAsset: 'HKD', quoteAsset: 'ICBC-CNY' };
  it.each([
    { rateNum: 9213n, rateDen: 10000n, decimals: [2, 2], text: '1 HKD = 0.9213 ICBC-CNY', rate: '0.9213' },
    { rateNum: 93n, rateDen: 100n, decimals: [2, 2], text: '1 HKD = 0.93 ICBC-CNY', rate: '0.93' },
    // A yen-like base (0 decimals) into a 2-decimal asset: 1 minor = 1 major on the base side.
    { rateNum: 5n, rateDen: 1n, decimals: [0, 2], text: '1 HKD = 0.05 ICBC-CNY', rate: '0.05' },
    // Cut after 8 digits, never rounded up, and marked.
    { rateNum: 1n, rateDen: 3n, decimals: [2, 2], text: '1 HKD = ≈ 0.33333333 ICBC-CNY', rate: '0.33333333' },
  ])('$rateNum/$rateDen with decimals $decimals → $text', ({ rateNum, rateDen, decimals, text, rate }) => {
    const assets = [asset('HKD', decimals[0] ?? 0), asset('ICBC-CNY', decimals[1] ?? 0)];
    expect(quoteRateText({ ...pair, rateNum, rateDen }, assets)).toEqual({ text, rate });
  });

  it('leaves an unknown asset to the caller', () => {
    expect(quoteRateText({ ...pair, rateNum: 1n, rateDen: 1n }, [asset('HKD', 2)])).toBeNull();
    expect(quoteRateText({ ...pair, rateNum: 1n, rateDen: 1n }, null)).toBeNull();
  });
});
