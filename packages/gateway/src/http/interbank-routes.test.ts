// Goal: a wallet of this bank pays a merchant of another bank of the settlement scheme by scanning its QR, as an
// interbank transfer that records the obligation in the open window; a payment that would take this bank past its
// net debit cap is refused before anything is signed with a plain reason, and changes nothing. Method: the gateway
// app over a real embedded consortium with a settlement institution `cb` and a second bank `icbc` (set up with
// transactions signed by their keys from the data directory), storage on SQLite and PostgreSQL, app.inject.
import type { Signer, TxBody } from '@paychain/core';
import { openDataDir } from '@paychain/node';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedCoreBanking } from '../bank/core-banking.ts';
import type { GatewayDb } from '../db/gateway-db.ts';
import { GatewaySecrets } from '../ledger/gateway-secrets.ts';
import { openTestLedger, type TestLedger } from '../ledger/test-ledger.ts';
import { encodeMerchantQr } from '../qr/emvco.ts';
import { PaymentService } from '../service/payment-service.ts';
import { createGatewayApp } from './gateway-app.ts';
import { dbHarnesses, errorOf, TestClient } from './test-gateway.ts';

const ACC = {
  bankSettle: '5e000000000000000000000000000001',
  icbcSettle: '5e000000000000000000000000000002',
  teaHouse: '1c000000000000000000000000000001',
} as const;

describe.each(await dbHarnesses('interbank'))('paying another bank’s merchant on $name', (harness) => {
  describe.skipIf(harness.skipReason !== null)(harness.skipReason ?? 'interbank', () => {
    let db: GatewayDb;
    let app: FastifyInstance;
    let testLedger: TestLedger;
    let payments: PaymentService;
    let qr: string;
    const client = new TestClient(() => app, '13600');
    const call = client.call.bind(client);

    beforeAll(async () => {
      db = await harness.open();
      await db.migrate(Date.now());
      testLedger = openTestLedger({
        orgs: [
          { id: 'cb', name: 'Central bank', roles: ['issuer', 'settlement'] },
          { id: 'icbc', name: 'Second bank', roles: ['issuer'] },
        ],
      });
      const keys = openDataDir(testLedger.dir).keys;
      const signer = (org: string): Signer => {
        const k = keys.get(org);
        if (k === undefined) throw new Error(`test setup: ${org} keys`);
        return { privateKey: k.adminPrivateKey, publicKey: k.adminPublicKey };
      };
      const [bank, icbc, cb] = [signer('bank'), signer('icbc'), signer('cb')];
      const ledger = testLedger.ledger;
      const open = (account: string, issuer: string, owner: Uint8Array): TxBody => ({
        type: 'account.open',
        account,
        issuer,
        owners: [owner],
        threshold: 1,
        tier: 1,
        flags: { allowNegative: false },
      });
      const steps: Array<[TxBody, Signer[]]> = [
        [{ type: 'asset.define', asset: { id: 'RES-CNY', name: 'Reserves', issuer: 'cb', decimals: 2 } }, [cb]],
        [{ type: 'asset.define', asset: { id: 'ICBC-CNY', name: 'ICBC yuan', issuer: 'icbc', decimals: 2 } }, [icbc]],
        [open(ACC.bankSettle, 'cb', bank.publicKey), [cb]],
        [open(ACC.icbcSettle, 'cb', icbc.publicKey), [cb]],
        [open(ACC.teaHouse, 'icbc', icbc.publicKey), [icbc]],
        [{ type: 'mint', asset: 'RES-CNY', account: ACC.bankSettle, amount: 1_000_000_00n }, [cb]],
        [{ type: 'settlement.scheme', currency: 'CNY', settlementAsset: 'RES-CNY' }, [cb]],
        [
          {
            type: 'settlement.join',
            currency: 'CNY',
            org: 'bank',
            depositAsset: 'CNY',
            settlementAccount: ACC.bankSettle,
          },
          [cb, bank],
        ],
        [
          {
            type: 'settlement.join',
            currency: 'CNY',
            org: 'icbc',
            depositAsset: 'ICBC-CNY',
            settlementAccount: ACC.icbcSettle,
          },
          [cb, icbc],
        ],
        [{ type: 'settlement.pledge', currency: 'CNY', org: 'bank', amount: 300_00n }, [bank]],
      ];
      for (const [body, signers] of steps) {
        const outcome = await ledger.submit(ledger.sign(ledger.unsigned(body, Date.now()), signers));
        expect(outcome.code, body.type).toBe('ok');
      }
      const encoded = encodeMerchantQr({
        kind: 'static',
        accountId: ACC.teaHouse,
        merchantName: 'ICBC TEA HOUSE',
        merchantCity: 'CHENGDU',
        mcc: '5814',
        currency: 'CNY',
        country: 'CN',
      });
      if (!encoded.ok) throw new Error('test setup: QR');
      qr = encoded.value;
      payments = new PaymentService({
        db,
        ledger,
        bank: new SimulatedCoreBanking({ openWith: { currency: 'CNY', amount: 100_000_00n } }),
        secrets: new GatewaySecrets(GatewaySecrets.generateMaster()),
      });
      app = createGatewayApp({ db, payments });
      await app.ready();
    }, 60_000);

    afterAll(async () => {
      await app?.close();
      await payments?.drain();
      await db?.close();
      await testLedger?.close();
      await harness.cleanup();
    });

    it("pays another bank's merchant by its QR as an interbank transfer recorded in the open window", async () => {
      const wallet = await client.signUp();
      expect(
        (await call('POST', '/v1/wallet/top-ups', { token: wallet.token, body: { amount: '500.00', currency: 'CNY' } }))
          .statusCode,
      ).toBe(201);
      const resolved = await call('POST', '/v1/qr/resolve', { token: wallet.token, body: { payload: qr } });
      expect(resolved.statusCode, resolved.body).toBe(200);
      expect(resolved.json()).toMatchObject({
        payee: { kind: 'bank_merchant', name: 'ICBC TEA HOUSE', bank: 'icbc' },
        merchant: null,
      });
      const paid = await call('POST', '/v1/qr/pay', {
        token: wallet.token,
        body: { payload: qr, amount: '120.00', currency: 'CNY' },
      });
      expect(paid.statusCode, paid.body).toBe(201);
      expect(paid.json()).toMatchObject({ kind: 'p2p', status: 'final', counterparty: { name: 'ICBC TEA HOUSE' } });
      const state = testLedger.ledger.node.primary.ledger;
      expect(state.getBalance(ACC.teaHouse, 'ICBC-CNY')?.creditsPosted).toBe(120_00n);
      expect(state.getWindow('CNY', 1n)?.positions).toEqual([
        { org: 'bank', net: -120_00n },
        { org: 'icbc', net: 120_00n },
      ]);
    });

    it("refuses, before signing, a payment past the bank's net debit cap, with the reason and nothing changed", async () => {
      const wallet = await client.signUp();
      await call('POST', '/v1/wallet/top-ups', { token: wallet.token, body: { amount: '500.00', currency: 'CNY' } });
      const window = () => testLedger.ledger.node.primary.ledger.getWindow('CNY', 1n);
      const before = window();
      // 300.00 pledged, 120.00 used by the first test: 180.01 is one fen too many.
      const refused = await call('POST', '/v1/qr/pay', {
        token: wallet.token,
        body: { payload: qr, amount: '180.01', currency: 'CNY' },
      });
      expect(refused.statusCode, refused.body).toBe(422);
      expect(errorOf(refused)).toMatchObject({
        code: 'interbank_cap_exceeded',
        details: { bank: 'bank', headroom: { amount: '180.00' } },
      });
      expect(window()).toEqual(before);
      expect(
        (await call('GET', '/v1/wallet/payments', { token: wallet.token }))
          .json<{ items: { kind: string }[] }>()
          .items.map((p) => p.kind),
      ).toEqual(['topup']);
      const fits = await call('POST', '/v1/qr/pay', {
        token: wallet.token,
        body: { payload: qr, amount: '180.00', currency: 'CNY' },
      });
      expect(fits.statusCode, fits.body).toBe(201);
    });
  });
});
