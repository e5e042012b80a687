// Goal: interbank settlement and FX work through a real node and its API: transactions submitted over
// POST /v1/transactions apply on every peer, and GET /v1/settlement/{currency}, /windows/{seq} and /v1/fx/quotes/{id}
// show the scheme's participants with their liquidity (pledged, owed, open net, exposure, headroom), its windows with
// positions that sum to zero, and a quote with what conversions used; unknown ones are 404 with their code. Method:
// fastify inject against a real three-peer Consortium on temporary SQLite files, with a settlement institution `cb`
// and a second bank `icbc` besides the default organizations.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, type KeyPair, type Signer, signAndEncode, type TxBody } from '@paychain/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Consortium } from './consortium.ts';
import { consortiumOptionsOf, DEFAULT_ORGS, initDataDir, openDataDir } from './data-dir.ts';
import { createHttpApi } from './http-api.ts';
import { WindowScheduler, type WindowSchedulerEvent } from './window-scheduler.ts';

const CHAIN_ID = 'paychain-settlement-http-test';
const ACC = {
  bankSettle: '5e000000000000000000000000000001',
  icbcSettle: '5e000000000000000000000000000002',
  payer: 'ba000000000000000000000000000001',
  payee: '1c000000000000000000000000000001',
  lpBase: '1f000000000000000000000000000001',
  lpQuote: '1f000000000000000000000000000002',
} as const;
const QUOTE = '9f000000000000000000000000000001';

describe('settlement and FX over the peer API', () => {
  let dir: string;
  let consortium: Consortium;
  let app: FastifyInstance;
  let signer: (org: string) => Signer;
  const payer: KeyPair[] = [];
  let counter = 0;

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

  const open = (account: string, issuer: string, owner: Uint8Array): TxBody => ({
    type: 'account.open',
    account,
    issuer,
    owners: [owner],
    threshold: 1,
    tier: 1,
    flags: { allowNegative: false },
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paychain-settlement-http-'));
    initDataDir({
      dir,
      suite: 'intl',
      chainId: CHAIN_ID,
      orgs: [
        ...DEFAULT_ORGS,
        { id: 'cb', name: 'Central bank', roles: ['issuer', 'settlement'] },
        { id: 'icbc', name: 'Second bank', roles: ['issuer'] },
        { id: 'fxlp', name: 'FX desk', roles: ['liquidity'] },
      ],
      time: BigInt(Date.now()),
    });
    const data = openDataDir(dir);
    consortium = Consortium.open({ ...consortiumOptionsOf(data), blockIntervalMs: 5, verifyWorkers: 1 });
    app = createHttpApi(consortium, {});
    signer = (org) => {
      const keys = data.keys.get(org);
      if (keys === undefined) throw new Error(`test setup: ${org} keys`);
      return { privateKey: keys.adminPrivateKey, publicKey: keys.adminPublicKey };
    };
    payer.push(data.suite.generateKeyPair());
    const [bank, icbc, cb, lp] = [signer('bank'), signer('icbc'), signer('cb'), signer('fxlp')];
    const define = (id: string, issuer: string, by: Signer): Uint8Array =>
      tx({ type: 'asset.define', asset: { id, name: id, issuer, decimals: 2 } }, [by]);
    for (const bytes of [
      define('RES-CNY', 'cb', cb),
      define('ICBC-CNY', 'icbc', icbc),
      define('HKD', 'bank', bank),
      tx(open(ACC.bankSettle, 'cb', bank.publicKey), [cb]),
      tx(open(ACC.icbcSettle, 'cb', icbc.publicKey), [cb]),
      tx(open(ACC.payer, 'bank', payer[0]?.publicKey ?? new Uint8Array()), [bank]),
      tx(open(ACC.payee, 'icbc', icbc.publicKey), [icbc]),
      tx(open(ACC.lpBase, 'bank', lp.publicKey), [bank]),
      tx(open(ACC.lpQuote, 'icbc', lp.publicKey), [icbc]),
    ]) {
      expect(await post(bytes)).toBe('ok');
    }
    for (const bytes of [
      tx({ type: 'mint', asset: 'RES-CNY', account: ACC.bankSettle, amount: 1_000_000_00n }, [cb]),
      tx({ type: 'mint', asset: 'CNY', account: ACC.payer, amount: 10_000_00n }, [bank]),
      tx({ type: 'mint', asset: 'HKD', account: ACC.payer, amount: 10_000_00n }, [bank]),
      tx({ type: 'mint', asset: 'ICBC-CNY', account: ACC.lpQuote, amount: 10_000_00n }, [icbc]),
      tx({ type: 'settlement.scheme', currency: 'CNY', settlementAsset: 'RES-CNY' }, [cb]),
    ]) {
      expect(await post(bytes)).toBe('ok');
    }
    for (const bytes of [
      tx(
        {
          type: 'settlement.join',
          currency: 'CNY',
          org: 'bank',
          depositAsset: 'CNY',
          settlementAccount: ACC.bankSettle,
        },
        [cb, bank],
      ),
      tx(
        {
          type: 'settlement.join',
          currency: 'CNY',
          org: 'icbc',
          depositAsset: 'ICBC-CNY',
          settlementAccount: ACC.icbcSettle,
        },
        [cb, icbc],
      ),
    ]) {
      expect(await post(bytes)).toBe('ok');
    }
    expect(await post(tx({ type: 'settlement.pledge', currency: 'CNY', org: 'bank', amount: 1_000_00n }, [bank]))).toBe(
      'ok',
    );
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await consortium?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the scheme, its participants with their headroom, and the windows as payments, a close and a settle go', async () => {
    const pay = (amount: bigint) =>
      tx(
        { type: 'interbank.transfer', currency: 'CNY', source: ACC.payer, target: ACC.payee, amount, memo: '' },
        payer,
      );
    expect(await post(pay(600_00n))).toBe('ok');
    expect(await post(pay(400_01n))).toBe('net_debit_cap_exceeded');
    const scheme = (await app.inject({ method: 'GET', url: '/v1/settlement/CNY' })).json<{
      openWindow: string;
      participants: Array<{ org: string; pledged: string; openNet: string; exposure: string; headroom: string }>;
      windows: Array<{ seq: string; status: string; payments: string; positions: Array<{ org: string; net: string }> }>;
    }>();
    expect(scheme.openWindow).toBe('1');
    expect(scheme.participants).toEqual([
      expect.objectContaining({
        org: 'bank',
        pledged: '100000',
        openNet: '-60000',
        exposure: '60000',
        headroom: '40000',
      }),
      expect.objectContaining({ org: 'icbc', pledged: '0', openNet: '60000', exposure: '0', headroom: '0' }),
    ]);
    expect(scheme.windows[0]).toMatchObject({ seq: '1', status: 'open', payments: '1' });

    const cb = signer('cb');
    expect(await post(tx({ type: 'settlement.close', currency: 'CNY', window: 1n }, [cb]))).toBe('ok');
    expect(await post(tx({ type: 'settlement.settle', currency: 'CNY', window: 1n }, [cb]))).toBe('ok');
    const window = (await app.inject({ method: 'GET', url: '/v1/settlement/CNY/windows/1' })).json<{
      status: string;
      gross: string;
      positions: Array<{ org: string; net: string }>;
      closed: { height: string } | null;
      settled: { height: string; index: number } | null;
    }>();
    expect(window).toMatchObject({ status: 'settled', gross: '60000' });
    // The window names its settlement transaction's place: that block holds the settle there, applied.
    if (window.settled === null) throw new Error('a settled window says where it was settled');
    const settledIn = (await app.inject({ method: 'GET', url: `/v1/blocks/${window.settled.height}` })).json<{
      transactions: Array<{ index: number; type: string; code: string }>;
    }>();
    expect(settledIn.transactions[window.settled.index]).toMatchObject({ type: 'settlement.settle', code: 'ok' });
    expect(window.positions.reduce((sum, p) => sum + BigInt(p.net), 0n)).toBe(0n);
    expect(window.closed).not.toBeNull();
    // Every peer agrees: the settlement asset moved from bank's pledge to icbc's settlement account.
    for (const peer of consortium.peers) {
      expect(peer.ledger.getParticipant('CNY', 'bank')?.pledged).toBe(40_000n);
      expect(peer.ledger.getBalance(ACC.icbcSettle, 'RES-CNY')?.creditsPosted).toBe(60_000n);
    }
    // The settlement report lists the window's payment and reconciles it with the window; the refused one is not in it.
    const report = await app.inject({ method: 'GET', url: '/v1/settlement/CNY/windows/1/report.csv' });
    expect(report.headers['content-type']).toContain('text/csv');
    const lines = report.body.trim().split('\n');
    expect(lines[0]).toBe('kind,height,index,tx_id,payer_bank,payee_bank,amount_minor');
    expect(lines.filter((l) => l.startsWith('payment,')).map((l) => l.split(',').slice(4))).toEqual([
      ['bank', 'icbc', '60000'],
    ]);
    expect(lines).toContain('net,,,,bank,,-60000');
    expect(lines).toContain('net_recorded,,,,icbc,,60000');
    expect(lines.at(-1)).toBe('reconciled,,,,,,1');
    // A payment after the close is in window 2, not 1.
    expect(await post(pay(100_00n))).toBe('ok');
    const open = (await app.inject({ method: 'GET', url: '/v1/settlement/CNY/windows/2/report.csv' })).body;
    expect(
      open
        .split('\n')
        .filter((l) => l.startsWith('payment,'))
        .map((l) => l.split(',').at(-1)),
    ).toEqual(['10000']);
    expect(open.trim().split('\n').at(-1)).toBe('reconciled,,,,,,1');
    for (const url of ['/v1/settlement/HKD', '/v1/settlement/CNY/windows/9']) {
      const missing = await app.inject({ method: 'GET', url });
      expect(missing.statusCode).toBe(404);
      expect(missing.json<{ error: { code: string } }>().error.code).toMatch(/^(scheme|window)_not_found$/);
    }
  });

  it('closes windows on a schedule and, as the institution, settles them in order; an operator only closes', async () => {
    const pay = () =>
      tx(
        { type: 'interbank.transfer', currency: 'CNY', source: ACC.payer, target: ACC.payee, amount: 10_00n, memo: '' },
        payer,
      );
    const events: WindowSchedulerEvent[] = [];
    const ledger = consortium.primary.ledger;
    const before = ledger.getScheme('CNY');
    if (before === undefined) throw new Error('scheme');
    // An operator: closes the window with payments, cannot settle.
    const operator = new WindowScheduler({
      node: consortium,
      org: 'network',
      signer: signer('network'),
      intervalMs: 1000,
    });
    expect(await post(pay())).toBe('ok');
    await operator.round();
    expect(ledger.getScheme('CNY')).toMatchObject({
      openWindow: before.openWindow + 1n,
      nextToSettle: before.nextToSettle,
    });
    // A round with no payment in the open window closes nothing.
    await operator.round();
    expect(ledger.getScheme('CNY')?.openWindow).toBe(before.openWindow + 1n);
    // The institution, on its timer: closes the next window with payments and settles both, in order.
    const institution = new WindowScheduler({
      node: consortium,
      org: 'cb',
      signer: signer('cb'),
      intervalMs: 50,
      onEvent: (event) => events.push(event),
    });
    expect(await post(pay())).toBe('ok');
    institution.start();
    for (let i = 0; i < 100 && ledger.getScheme('CNY')?.nextToSettle !== before.openWindow + 2n; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await institution.stop();
    expect(ledger.getScheme('CNY')).toMatchObject({
      openWindow: before.openWindow + 2n,
      nextToSettle: before.openWindow + 2n,
    });
    expect(events.filter((e) => e.kind !== 'refused')).toEqual([
      { kind: 'closed', currency: 'CNY', window: before.openWindow + 1n },
      { kind: 'settled', currency: 'CNY', window: before.openWindow },
      { kind: 'settled', currency: 'CNY', window: before.openWindow + 1n },
    ]);
  });

  it('shows an FX quote and what a conversion used of it', async () => {
    const lp = signer('fxlp');
    const quote: TxBody = {
      type: 'fx.quote',
      quote: QUOTE,
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
      expiresAt: BigInt(Date.now()) + 300_000n,
    };
    expect(await post(tx(quote, [lp]))).toBe('ok');
    expect(
      await post(
        tx(
          {
            type: 'fx.convert',
            quote: QUOTE,
            source: ACC.payer,
            target: ACC.payee,
            baseAmount: 100_00n,
            rateNum: 9213n,
            rateDen: 10000n,
            memo: 'cross-currency payment',
          },
          payer,
        ),
      ),
    ).toBe('ok');
    const shown = (await app.inject({ method: 'GET', url: `/v1/fx/quotes/${QUOTE}` })).json();
    expect(shown).toMatchObject({
      rateNum: '9213',
      rateDen: '10000',
      used: '10000',
      conversions: '1',
      cancelled: false,
    });
    const missing = await app.inject({ method: 'GET', url: `/v1/fx/quotes/${'e'.repeat(32)}` });
    expect([missing.statusCode, missing.json<{ error: { code: string } }>().error.code]).toEqual([
      404,
      'quote_not_found',
    ]);
  });
});
