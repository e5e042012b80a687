// Goal: a wallet holding Hong Kong dollars pays a yuan QR through a liquidity provider's quote, as
// docs/settlement.md ("In the wallet") says: the scan offers the best live quote with the price for the QR's amount,
// the payment carries the rate the payer was shown and is one fx.convert (both legs or neither), the merchant gets
// the QR's amount exactly and the payer ⌈amount × den / num⌉ Hong Kong cents; a stale rate, a withdrawn quote, an
// amount outside the quote and a short balance are refused before signing with the reason, and change nothing; a
// browser-held key signs the conversion it was shown. Method: the gateway app over a real embedded consortium with
// an FX desk `fxlp` (its keys from the data directory), the bank's HKD deposit, storage on SQLite and PostgreSQL,
// app.inject.
import { bytesToHex, getSuite, hexToBytes, type Signer, type TxBody } from '@paychain/core';
import { openDataDir } from '@paychain/node';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedCoreBanking } from '../bank/core-banking.ts';
import type { GatewayDb } from '../db/gateway-db.ts';
import { GatewaySecrets } from '../ledger/gateway-secrets.ts';
import { openTestLedger, type TestLedger } from '../ledger/test-ledger.ts';
import { SIMULATED_BANK_OPENING } from '../server.ts';
import { PaymentService } from '../service/payment-service.ts';
import { createGatewayApp } from './gateway-app.ts';
import { dbHarnesses, errorOf, TestClient, type TestWallet } from './test-gateway.ts';

const ACC = {
  lpHkd: '1f000000000000000000000000000001',
  lpCny: '1f000000000000000000000000000002',
} as const;
const QUOTE = '9f000000000000000000000000000001';
const WITHDRAWN = '9f000000000000000000000000000002';
/** 0.9213 yuan per Hong Kong dollar: fen per Hong Kong cent. */
const RATE = { rateNum: '9213', rateDen: '10000' } as const;

interface Conversion {
  currency: string;
  available: { amount: string };
  quote: { id: string; rate: { num: string; den: string }; providerName: string; expiresAtMs: number };
  pay: { amount: string; currency: string } | null;
  receives: { amount: string; currency: string } | null;
  eligible: boolean;
  reason: string | null;
}

describe.each(await dbHarnesses('fx'))('paying in another currency on $name', (harness) => {
  describe.skipIf(harness.skipReason !== null)(harness.skipReason ?? 'fx', () => {
    let db: GatewayDb;
    let app: FastifyInstance;
    let testLedger: TestLedger;
    let payments: PaymentService;
    let lp: Signer;
    let staticQr: string;
    let merchantId: string;
    let owner: TestWallet;
    const client = new TestClient(() => app, '13700');
    const call = client.call.bind(client);

    async function submit(body: TxBody, signers: Signer[]): Promise<string> {
      const ledger = testLedger.ledger;
      return (await ledger.submit(ledger.sign(ledger.unsigned(body, Date.now()), signers))).code;
    }

    const quote = (id: string, changes: Partial<TxBody & { type: 'fx.quote' }> = {}): TxBody => ({
      type: 'fx.quote',
      quote: id,
      provider: 'fxlp',
      baseAsset: 'HKD',
      quoteAsset: 'CNY',
      rateNum: 9213n,
      rateDen: 10000n,
      minBase: 1_00n,
      maxBase: 1_000_00n,
      capacity: 5_000_00n,
      baseAccount: ACC.lpHkd,
      quoteAccount: ACC.lpCny,
      expiresAt: BigInt(Date.now() + 30 * 60_000),
      ...changes,
    });

    async function wallet(hkd: string | null, cny: string | null, keyMode: 'custodial' | 'browser' = 'custodial') {
      const w = await client.signUp(keyMode);
      for (const [amount, currency] of [
        [hkd, 'HKD'],
        [cny, 'CNY'],
      ] as const) {
        if (amount === null) continue;
        const topUp = await call('POST', '/v1/wallet/top-ups', { token: w.token, body: { amount, currency } });
        expect(topUp.statusCode, topUp.body).toBe(201);
      }
      return w;
    }

    async function balances(w: TestWallet): Promise<Record<string, string>> {
      const response = await call('GET', '/v1/wallet', { token: w.token });
      expect(response.statusCode, response.body).toBe(200);
      const items = response.json<{ balances: { balance: { amount: string; currency: string } }[] }>().balances;
      return Object.fromEntries(items.map((b) => [b.balance.currency, b.balance.amount]));
    }

    const history = async (w: TestWallet) =>
      (await call('GET', '/v1/wallet/payments', { token: w.token }))
        .json<{ items: { kind: string; txId: string }[] }>()
        .items.map((p) => p.kind);

    const merchantCny = () => testLedger.ledger.balance(merchantAccount, 'CNY', Date.now()).posted;
    let merchantAccount: string;

    beforeAll(async () => {
      db = await harness.open();
      await db.migrate(Date.now());
      testLedger = openTestLedger({ orgs: [{ id: 'fxlp', name: 'FX desk', roles: ['liquidity'] }] });
      const keys = openDataDir(testLedger.dir).keys;
      const keyOf = (org: string): Signer => {
        const k = keys.get(org);
        if (k === undefined) throw new Error(`test setup: ${org} keys`);
        return { privateKey: k.adminPrivateKey, publicKey: k.adminPublicKey };
      };
      const bank = keyOf('bank');
      lp = keyOf('fxlp');
      const open = (account: string): TxBody => ({
        type: 'account.open',
        account,
        issuer: 'bank',
        owners: [lp.publicKey],
        threshold: 1,
        tier: 1,
        flags: { allowNegative: false },
      });
      const steps: Array<[TxBody, Signer[]]> = [
        [{ type: 'asset.define', asset: { id: 'HKD', name: 'Hong Kong dollar', issuer: 'bank', decimals: 2 } }, [bank]],
        [open(ACC.lpHkd), [bank]],
        [open(ACC.lpCny), [bank]],
        [{ type: 'mint', asset: 'CNY', account: ACC.lpCny, amount: 2_000_00n }, [bank]],
        [quote(QUOTE), [lp]],
        // A better rate, withdrawn before anyone pays: never offered.
        [quote(WITHDRAWN, { rateNum: 95n, rateDen: 100n }), [lp]],
        [{ type: 'fx.cancel', quote: WITHDRAWN }, [lp]],
      ];
      for (const [body, signers] of steps) expect(await submit(body, signers), body.type).toBe('ok');
      payments = new PaymentService({
        db,
        ledger: testLedger.ledger,
        bank: new SimulatedCoreBanking({ openWith: SIMULATED_BANK_OPENING }),
        secrets: new GatewaySecrets(GatewaySecrets.generateMaster()),
      });
      app = createGatewayApp({ db, payments });
      await app.ready();
      owner = await client.signUp();
      const merchant = await call('POST', '/v1/merchants', {
        token: owner.token,
        body: { name: 'Noodles', mcc: '5812', city: 'Shanghai', region: 'SH', bankAccount: '6222 0210 9999 0001' },
      });
      expect(merchant.statusCode, merchant.body).toBe(201);
      ({ id: merchantId, staticQr } = merchant.json<{ id: string; staticQr: string }>());
      merchantAccount = (await db.getMerchant(merchantId))?.settlementAccountId ?? '';
    }, 60_000);

    afterAll(async () => {
      await app?.close();
      await payments?.drain();
      await db?.close();
      await testLedger?.close();
      await harness.cleanup();
    });

    it("offers the best live quote at the scan and pays the QR's amount from Hong Kong dollars in one conversion", async () => {
      const payer = await wallet('100.00', null);
      expect(await balances(payer)).toEqual({ CNY: '0.00', HKD: '100.00' });
      const resolved = await call('POST', '/v1/qr/resolve', { token: payer.token, body: { payload: staticQr } });
      expect(resolved.statusCode, resolved.body).toBe(200);
      // A static QR: the quote and its limits, no price until the payer types the amount.
      expect(resolved.json<{ conversions: Conversion[] }>().conversions).toEqual([
        {
          currency: 'HKD',
          available: { amount: '100.00', currency: 'HKD' },
          quote: expect.objectContaining({
            id: QUOTE,
            provider: 'fxlp',
            providerName: 'FX desk',
            rate: { num: '9213', den: '10000' },
            minBase: { amount: '1.00', currency: 'HKD' },
            maxBase: { amount: '1000.00', currency: 'HKD' },
          }),
          pay: null,
          receives: null,
          eligible: true,
          reason: null,
        },
      ]);
      const before = merchantCny();
      const paid = await call('POST', '/v1/qr/pay', {
        token: payer.token,
        body: { payload: staticQr, amount: '45.00', currency: 'CNY', fx: { quoteId: QUOTE, ...RATE } },
      });
      expect(paid.statusCode, paid.body).toBe(201);
      // ⌈4500 × 10000 / 9213⌉ = 4885 Hong Kong cents; ⌊4885 × 9213 / 10000⌋ = 4500 fen, exactly the QR's amount.
      expect(paid.json()).toMatchObject({
        kind: 'qr',
        status: 'final',
        amount: { amount: '45.00', currency: 'CNY' },
        fx: { quoteId: QUOTE, paid: { amount: '48.85', currency: 'HKD' }, rate: { num: '9213', den: '10000' } },
      });
      expect(await balances(payer)).toEqual({ CNY: '0.00', HKD: '51.15' });
      expect(merchantCny() - before).toBe(45_00n);
      const state = testLedger.ledger.node.primary.ledger;
      expect(state.getQuote(QUOTE)).toMatchObject({ used: 48_85n, conversions: 1n });
      expect(state.getBalance(ACC.lpHkd, 'HKD')?.creditsPosted).toBe(48_85n);
      // The merchant's list shows the sale in yuan, with what the payer paid.
      const sales = await call('GET', `/v1/merchants/${merchantId}/payments`, { token: owner.token });
      expect(sales.json<{ items: unknown[] }>().items[0]).toMatchObject({
        amount: { amount: '45.00', currency: 'CNY' },
        fx: { paid: { amount: '48.85', currency: 'HKD' } },
      });
    });

    it('prices a QR with an amount at the scan, and says why a quote cannot take it', async () => {
      const payer = await wallet('25.00', null);
      const qr = await call('POST', `/v1/merchants/${merchantId}/qr`, {
        token: owner.token,
        body: { amount: '18.42', currency: 'CNY' },
      });
      const payload = qr.json<{ payload: string }>().payload;
      const resolved = await call('POST', '/v1/qr/resolve', { token: payer.token, body: { payload } });
      // ⌈1842 × 10000 / 9213⌉ = 2000: HK$20.00 buys ¥18.42 (⌊2000 × 9213 / 10000⌋ = 1842).
      expect(resolved.json<{ conversions: Conversion[] }>().conversions[0]).toMatchObject({
        pay: { amount: '20.00', currency: 'HKD' },
        receives: { amount: '18.42', currency: 'CNY' },
        eligible: true,
      });
      const big = await call('POST', `/v1/merchants/${merchantId}/qr`, {
        token: owner.token,
        body: { amount: '25.00', currency: 'CNY' },
      });
      const short = await call('POST', '/v1/qr/resolve', {
        token: payer.token,
        body: { payload: big.json<{ payload: string }>().payload },
      });
      expect(short.json<{ conversions: Conversion[] }>().conversions[0]).toMatchObject({
        pay: { amount: '27.14', currency: 'HKD' },
        eligible: false,
        reason: 'insufficient_funds',
      });
      const paid = await call('POST', '/v1/qr/pay', {
        token: payer.token,
        body: { payload, fx: { quoteId: QUOTE, ...RATE } },
      });
      expect(paid.statusCode, paid.body).toBe(201);
      expect(await balances(payer)).toEqual({ CNY: '0.00', HKD: '5.00' });
    });

    it('refuses a stale rate, a withdrawn quote, an amount outside the quote and a short balance, changing nothing', async () => {
      const payer = await wallet('100.00', '5.00');
      const state = testLedger.ledger.node.primary.ledger;
      const quoteBefore = state.getQuote(QUOTE);
      const merchantBefore = merchantCny();
      const pay = (amount: string, fx: Record<string, string>) =>
        call('POST', '/v1/qr/pay', { token: payer.token, body: { payload: staticQr, amount, currency: 'CNY', fx } });
      const cases: Array<[string, Record<string, string>, number, string, string | null]> = [
        ['10.00', { quoteId: QUOTE, rateNum: '9300', rateDen: '10000' }, 409, 'fx_quote_unavailable', 'rate_mismatch'],
        ['10.00', { quoteId: WITHDRAWN, rateNum: '95', rateDen: '100' }, 409, 'fx_quote_unavailable', 'quote_expired'],
        [
          '10.00',
          { quoteId: 'ef000000000000000000000000000001', ...RATE },
          409,
          'fx_quote_unavailable',
          'quote_not_found',
        ],
        // HK$1,085.39 for ¥1,000.00: past the quote's HK$1,000.00 per payment.
        ['1000.00', { quoteId: QUOTE, ...RATE }, 409, 'fx_quote_unavailable', 'amount_outside_quote'],
        // HK$108.55 for ¥100.00: the wallet holds HK$100.00 (and ¥5.00, which FX does not touch).
        ['100.00', { quoteId: QUOTE, ...RATE }, 422, 'insufficient_funds', null],
        ['10.00', { quoteId: QUOTE, rateNum: '0', rateDen: '1' }, 400, 'bad_request', null],
      ];
      for (const [amount, fx, status, code, reason] of cases) {
        const refused = await pay(amount, fx);
        expect([refused.statusCode, errorOf(refused).code], `${amount} ${JSON.stringify(fx)}`).toEqual([status, code]);
        if (reason !== null) expect(errorOf(refused).details).toMatchObject({ reason });
      }
      expect(await balances(payer)).toEqual({ CNY: '5.00', HKD: '100.00' });
      expect(await history(payer)).toEqual(['topup', 'topup']);
      expect(state.getQuote(QUOTE)).toEqual(quoteBefore);
      expect(merchantCny()).toBe(merchantBefore);
      // Program money and FX together are refused too.
      const both = await call('POST', '/v1/qr/pay', {
        token: payer.token,
        body: {
          payload: staticQr,
          amount: '1.00',
          currency: 'CNY',
          fx: { quoteId: QUOTE, ...RATE },
          programId: 'ab000000000000000000000000000001',
        },
      });
      expect([both.statusCode, errorOf(both).code]).toEqual([400, 'bad_request']);
    });

    it('lets a browser-held key sign the conversion it was shown', async () => {
      const payer = await wallet('50.00', null, 'browser');
      const started = await call('POST', '/v1/qr/pay', {
        token: payer.token,
        body: { payload: staticQr, amount: '9.21', currency: 'CNY', fx: { quoteId: QUOTE, ...RATE } },
      });
      expect(started.statusCode, started.body).toBe(202);
      const pending = started.json<{
        txId: string;
        fx: { paid: { amount: string } };
        signing: { intent: string; signingBytes: string };
      }>();
      // ⌈921 × 10000 / 9213⌉ = 1000: HK$10.00.
      expect(pending.fx.paid.amount).toBe('10.00');
      expect(await balances(payer)).toEqual({ CNY: '0.00', HKD: '50.00' });
      const privateKey = payer.privateKey;
      if (privateKey === null) throw new Error('test setup: browser key');
      const signature = bytesToHex(getSuite('intl').sign(privateKey, hexToBytes(pending.signing.signingBytes)));
      const done = await call('POST', `/v1/payments/${pending.txId}/signature`, {
        token: payer.token,
        body: { intent: pending.signing.intent, signature },
      });
      expect(done.statusCode, done.body).toBe(201);
      expect(done.json()).toMatchObject({ status: 'final', fx: { paid: { amount: '10.00', currency: 'HKD' } } });
      expect(await balances(payer)).toEqual({ CNY: '0.00', HKD: '40.00' });
    });
  });
});
