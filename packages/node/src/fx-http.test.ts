// Goal: operators see FX quotes and the conversions made against them through the peer API. GET /v1/fx/quotes lists
// a pair's live quotes best rate first (LedgerState.liveQuotes) or every quote latest expiry first, filtered by pair,
// each with its status (live, expired after its expiry, withdrawn after fx.cancel); GET /v1/fx/quotes/{id}/conversions
// lists exactly the applied conversions of that quote, in chain order, with the quote amount rounded down as the
// ledger moved it; unknown quotes are 404 and bad queries 400 in the API's error shape; `paychain verify`'s audit
// checks the quote index block by block. Method: fastify inject against a real three-peer Consortium on temporary
// SQLite files (wall clock: one quote is posted to expire a few seconds on), then the audit on the closed files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, type KeyPair, type Signer, signAndEncode, type TxBody } from '@paychain/core';
import { BlockStore } from '@paychain/store';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Consortium } from './consortium.ts';
import { consortiumOptionsOf, type DataDir, DEFAULT_ORGS, initDataDir, openDataDir } from './data-dir.ts';
import { createHttpApi } from './http-api.ts';
import { auditPeerStore } from './verify-chain.ts';

const CHAIN_ID = 'paychain-fx-http-test';
const ACC = {
  payer: 'ba000000000000000000000000000001',
  payee: '1c000000000000000000000000000001',
  lpBase: '1f000000000000000000000000000001',
  lpQuote: '1f000000000000000000000000000002',
} as const;
const Q = {
  /** HKD → ICBC-CNY at 0.9213: the one converted against. */
  main: '9f000000000000000000000000000001',
  /** HKD → ICBC-CNY at 0.93: the best live rate. */
  best: '9f000000000000000000000000000002',
  /** HKD → ICBC-CNY at 0.92, withdrawn. */
  withdrawn: '9f000000000000000000000000000003',
  /** HKD → ICBC-CNY at 0.95 for a few seconds, then expired. */
  brief: '9f000000000000000000000000000004',
  /** ICBC-CNY → HKD: another pair. */
  reverse: '9f000000000000000000000000000005',
} as const;
const MINUTE = 60_000n;
/** How long the brief quote lives: long enough to be listed live first, short enough to wait out. */
const BRIEF_MS = 3_000n;

interface QuoteItem {
  id: string;
  status: string;
  rateNum: string;
  rateDen: string;
  used: string;
  conversions: string;
  cancelled: boolean;
}
interface ConversionItem {
  txId: string;
  height: string;
  index: number;
  time: string;
  source: string;
  target: string;
  baseAmount: string;
  quoteAmount: string;
  memo: string;
}

describe('FX quotes and conversions over the peer API', () => {
  let dir: string;
  let data: DataDir;
  let consortium: Consortium;
  let app: FastifyInstance;
  let signer: (org: string) => Signer;
  const payer: KeyPair[] = [];
  let counter = 0;
  let briefExpiresAt = 0n;
  const convertIds: string[] = [];

  const tx = (body: TxBody, signers: readonly Signer[]): Uint8Array =>
    signAndEncode(
      consortium.suite,
      {
        chainId: CHAIN_ID,
        id: (++counter).toString(16).padStart(32, '0'),
        expiresAt: BigInt(Date.now()) + 600_000n,
        body,
      },
      signers,
    );

  async function post(bytes: Uint8Array): Promise<string> {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/transactions?wait=30000',
      payload: { tx: bytesToHex(bytes) },
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<{ result: { code: string } }>().result.code;
  }

  async function get<T>(url: string): Promise<T> {
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
    return response.json<T>();
  }

  const open = (account: string, issuer: string, owner: Uint8Array): TxBody => ({
    type: 'account.open',
    account,
    issuer,
    owners: [owner],
    threshold: 1,
    tier: 1,
    flags: { allowNegative: false },
  });

  const quote = (id: string, over: Partial<Extract<TxBody, { type: 'fx.quote' }>>): TxBody => ({
    type: 'fx.quote',
    quote: id,
    provider: 'fxlp',
    baseAsset: 'HKD',
    quoteAsset: 'ICBC-CNY',
    rateNum: 9213n,
    rateDen: 10000n,
    minBase: 1_00n,
    maxBase: 5_000_00n,
    capacity: 9_000_00n,
    baseAccount: ACC.lpBase,
    quoteAccount: ACC.lpQuote,
    expiresAt: BigInt(Date.now()) + 5n * MINUTE,
    ...over,
  });

  const convert = (id: string, baseAmount: bigint, memo: string, rateNum = 9213n, rateDen = 10000n): Uint8Array =>
    tx(
      { type: 'fx.convert', quote: id, source: ACC.payer, target: ACC.payee, baseAmount, rateNum, rateDen, memo },
      payer,
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paychain-fx-http-'));
    initDataDir({
      dir,
      suite: 'intl',
      chainId: CHAIN_ID,
      orgs: [
        ...DEFAULT_ORGS,
        { id: 'icbc', name: 'Second bank', roles: ['issuer'] },
        { id: 'fxlp', name: 'FX desk', roles: ['liquidity'] },
      ],
      time: BigInt(Date.now()),
    });
    data = openDataDir(dir);
    consortium = Consortium.open({ ...consortiumOptionsOf(data), blockIntervalMs: 5, verifyWorkers: 1 });
    app = createHttpApi(consortium, {});
    signer = (org) => {
      const keys = data.keys.get(org);
      if (keys === undefined) throw new Error(`test setup: ${org} keys`);
      return { privateKey: keys.adminPrivateKey, publicKey: keys.adminPublicKey };
    };
    payer.push(data.suite.generateKeyPair());
    const [bank, icbc, lp] = [signer('bank'), signer('icbc'), signer('fxlp')];
    const define = (id: string, issuer: string, by: Signer): Uint8Array =>
      tx({ type: 'asset.define', asset: { id, name: id, issuer, decimals: 2 } }, [by]);
    for (const bytes of [
      define('ICBC-CNY', 'icbc', icbc),
      define('HKD', 'bank', bank),
      tx(open(ACC.payer, 'bank', payer[0]?.publicKey ?? new Uint8Array()), [bank]),
      tx(open(ACC.payee, 'icbc', icbc.publicKey), [icbc]),
      tx(open(ACC.lpBase, 'bank', lp.publicKey), [bank]),
      tx(open(ACC.lpQuote, 'icbc', lp.publicKey), [icbc]),
    ]) {
      expect(await post(bytes)).toBe('ok');
    }
    for (const bytes of [
      tx({ type: 'mint', asset: 'HKD', account: ACC.payer, amount: 10_000_00n }, [bank]),
      tx({ type: 'mint', asset: 'ICBC-CNY', account: ACC.lpQuote, amount: 10_000_00n }, [icbc]),
    ]) {
      expect(await post(bytes)).toBe('ok');
    }
    const now = BigInt(Date.now());
    for (const body of [
      quote(Q.main, { expiresAt: now + 5n * MINUTE }),
      quote(Q.best, { rateNum: 93n, rateDen: 100n, expiresAt: now + 4n * MINUTE }),
      quote(Q.withdrawn, { rateNum: 92n, rateDen: 100n, expiresAt: now + 6n * MINUTE }),
      quote(Q.reverse, {
        baseAsset: 'ICBC-CNY',
        quoteAsset: 'HKD',
        rateNum: 108n,
        rateDen: 100n,
        baseAccount: ACC.lpQuote,
        quoteAccount: ACC.lpBase,
        expiresAt: now + 3n * MINUTE,
      }),
    ]) {
      expect(await post(tx(body, [lp]))).toBe('ok');
    }
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await consortium?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("lists a pair's live quotes best rate first, every quote by expiry, with filters, a limit and each status", async () => {
    type List = { time: string; items: QuoteItem[] };
    const lp = signer('fxlp');
    briefExpiresAt = BigInt(Date.now()) + BRIEF_MS;
    expect(await post(tx(quote(Q.brief, { rateNum: 95n, rateDen: 100n, expiresAt: briefExpiresAt }), [lp]))).toBe('ok');
    expect(await post(tx({ type: 'fx.cancel', quote: Q.withdrawn }, [lp]))).toBe('ok');

    const live = await get<List>('/v1/fx/quotes?base=HKD&quote=ICBC-CNY&live=true');
    expect(live.items.map((q) => [q.id, q.status])).toEqual([
      [Q.brief, 'live'],
      [Q.best, 'live'],
      [Q.main, 'live'],
    ]);
    expect(live.items[2]).toMatchObject({ rateNum: '9213', rateDen: '10000', used: '0', cancelled: false });
    expect((await get<List>('/v1/fx/quotes?base=HKD&quote=ICBC-CNY&live=true&limit=1')).items.map((q) => q.id)).toEqual(
      [Q.brief],
    );
    expect((await get<List>('/v1/fx/quotes?base=ICBC-CNY&quote=HKD&live=true')).items.map((q) => q.id)).toEqual([
      Q.reverse,
    ]);

    // Wait out the brief quote's expiry on the node's clock.
    while (BigInt(Date.now()) <= briefExpiresAt) await new Promise((r) => setTimeout(r, 100));
    const after = await get<List>('/v1/fx/quotes?base=HKD&quote=ICBC-CNY&live=true');
    expect(after.items.map((q) => q.id)).toEqual([Q.best, Q.main]);
    expect(BigInt(after.time)).toBeGreaterThan(briefExpiresAt);

    // Every quote, latest expiry first, with its status.
    const all = await get<List>('/v1/fx/quotes');
    expect(all.items.map((q) => [q.id, q.status])).toEqual([
      [Q.withdrawn, 'withdrawn'],
      [Q.main, 'live'],
      [Q.best, 'live'],
      [Q.reverse, 'live'],
      [Q.brief, 'expired'],
    ]);
    expect(all.items[0]?.cancelled).toBe(true);
    expect((await get<List>('/v1/fx/quotes?limit=2')).items.map((q) => q.id)).toEqual([Q.withdrawn, Q.main]);
    // Filters without live=true keep every status; live=true without a whole pair keeps the live ones.
    expect((await get<List>('/v1/fx/quotes?base=ICBC-CNY')).items.map((q) => q.id)).toEqual([Q.reverse]);
    expect((await get<List>('/v1/fx/quotes?quote=ICBC-CNY&live=false')).items.map((q) => q.id)).toEqual([
      Q.withdrawn,
      Q.main,
      Q.best,
      Q.brief,
    ]);
    expect((await get<List>('/v1/fx/quotes?quote=ICBC-CNY&live=true')).items.map((q) => q.id)).toEqual([
      Q.main,
      Q.best,
    ]);
    expect((await get<List>('/v1/fx/quotes?live=true')).items.map((q) => q.id)).toEqual([Q.main, Q.best, Q.reverse]);
    expect((await get<List>('/v1/fx/quotes?base=EUR&quote=HKD&live=true')).items).toEqual([]);
    // The single quote's view agrees.
    expect(await get<QuoteItem>(`/v1/fx/quotes/${Q.withdrawn}`)).toMatchObject({ cancelled: true });
  }, 30_000);

  it("lists a quote's applied conversions in chain order with the quote amount rounded down, and only those", async () => {
    const conversions = [
      // 123.45 HKD at 0.9213: 113.734485 → 113.73.
      { base: 123_45n, memo: 'first', quoteAmount: '11373' },
      // 1.01 HKD: 0.930513 → 0.93.
      { base: 1_01n, memo: 'second', quoteAmount: '93' },
      // 100.00 HKD: exact, 92.13.
      { base: 100_00n, memo: '', quoteAmount: '9213' },
    ];
    for (const c of conversions) {
      const bytes = convert(Q.main, c.base, c.memo);
      // The id `tx` just gave it.
      convertIds.push(counter.toString(16).padStart(32, '0'));
      expect(await post(bytes)).toBe('ok');
    }
    // Refused ones (below the minimum, another rate, a withdrawn quote) and another quote's are not listed.
    expect(await post(convert(Q.main, 50n, 'too small'))).toBe('amount_outside_quote');
    expect(await post(convert(Q.main, 10_00n, 'stale rate', 92n, 100n))).toBe('rate_mismatch');
    expect(await post(convert(Q.withdrawn, 10_00n, 'withdrawn', 92n, 100n))).toBe('quote_expired');
    expect(await post(convert(Q.best, 10_00n, 'other quote', 93n, 100n))).toBe('ok');

    type Listing = { quote: string; height: string; total: string; truncated: boolean; items: ConversionItem[] };
    const listing = await get<Listing>(`/v1/fx/quotes/${Q.main}/conversions`);
    expect(listing).toMatchObject({ quote: Q.main, total: '3', truncated: false });
    expect(listing.items.map((c) => [c.baseAmount, c.quoteAmount, c.memo, c.source, c.target])).toEqual(
      conversions.map((c) => [c.base.toString(), c.quoteAmount, c.memo, ACC.payer, ACC.payee]),
    );
    expect(listing.items.map((c) => c.txId)).toEqual(convertIds);
    // Chain order, each at a real block: its height, index, time and transaction agree with the block route.
    let previous = 0n;
    for (const c of listing.items) {
      expect(BigInt(c.height)).toBeGreaterThan(previous);
      previous = BigInt(c.height);
      const block = await get<{ time: string; transactions: Array<{ id: string; index: number; code: string }> }>(
        `/v1/blocks/${c.height}`,
      );
      expect(c.time).toBe(block.time);
      expect(block.transactions[c.index]).toMatchObject({ id: c.txId, code: 'ok' });
    }
    // What the ledger recorded for the quote adds up to the listing.
    const shown = await get<QuoteItem>(`/v1/fx/quotes/${Q.main}`);
    expect(shown).toMatchObject({ conversions: '3', used: (123_45n + 1_01n + 100_00n).toString() });
    // A limit keeps the latest, newest last, and says the rest were left out.
    const latest = await get<Listing>(`/v1/fx/quotes/${Q.main}/conversions?limit=2`);
    expect(latest).toMatchObject({ total: '3', truncated: true });
    expect(latest.items.map((c) => c.memo)).toEqual(['second', '']);
    // A quote without conversions, and the other quote's own.
    expect((await get<Listing>(`/v1/fx/quotes/${Q.reverse}/conversions`)).items).toEqual([]);
    expect((await get<Listing>(`/v1/fx/quotes/${Q.best}/conversions`)).items.map((c) => c.quoteAmount)).toEqual([
      '930',
    ]);
  }, 30_000);

  it.each([
    { url: `/v1/fx/quotes/${'e'.repeat(32)}/conversions`, status: 404, code: 'quote_not_found', field: undefined },
    { url: '/v1/fx/quotes/xyz/conversions', status: 400, code: 'bad_request', field: 'id' },
    { url: `/v1/fx/quotes/${Q.main}/conversions?limit=0`, status: 400, code: 'bad_request', field: 'limit' },
    { url: `/v1/fx/quotes/${Q.main}/conversions?limit=1001`, status: 400, code: 'bad_request', field: 'limit' },
    { url: '/v1/fx/quotes?live=yes', status: 400, code: 'bad_request', field: 'live' },
    { url: '/v1/fx/quotes?limit=0', status: 400, code: 'bad_request', field: 'limit' },
    { url: '/v1/fx/quotes?limit=1001', status: 400, code: 'bad_request', field: 'limit' },
    { url: '/v1/fx/quotes?limit=ten', status: 400, code: 'bad_request', field: 'limit' },
    { url: '/v1/fx/quotes?base=hkd', status: 400, code: 'bad_request', field: 'base' },
    { url: `/v1/fx/quotes?quote=${'X'.repeat(17)}`, status: 400, code: 'bad_request', field: 'quote' },
  ])('$url → $status $code', async ({ url, status, code, field }) => {
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode, response.body).toBe(status);
    const body = response.json<{ error: { code: string; message: string; details: { field?: string } } }>();
    expect(body.error.code).toBe(code);
    expect(typeof body.error.message).toBe('string');
    if (field !== undefined) expect(body.error.details.field).toBe(field);
  });

  it("the audit checks the quote index: the node's file passes, a missing row is caught at its block", async () => {
    const dbPath = consortiumOptionsOf(data).peers[0]?.dbPath ?? '';
    await app.close();
    await consortium.close();
    const audit = auditPeerStore(dbPath, data.genesis, data.suite);
    expect(audit.ok, audit.ok ? '' : audit.problem).toBe(true);
    const writable = BlockStore.open(dbPath);
    let height: bigint;
    try {
      const heights = writable.quoteHeights(Q.main);
      expect(heights.length).toBeGreaterThanOrEqual(4);
      height = heights[1] ?? 0n;
      writable.database.prepare('DELETE FROM quote_blocks WHERE quote = ? AND height = ?').run(Q.main, Number(height));
    } finally {
      writable.close();
    }
    expect(auditPeerStore(dbPath, data.genesis, data.suite)).toEqual({
      ok: false,
      height,
      problem: 'the quote index differs from the quotes in the block',
    });
  });
});
