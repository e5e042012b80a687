// Goal: every money flow of the gateway API works end to end on a real ledger — top-up, withdrawal, transfer by
// phone, merchant QR (dynamic and static), pay codes, pre-authorization, refunds, browser-held keys, freezes — and
// every bad input gets its documented error and changes nothing (balances, records, one-time codes). Method: an
// embedded three-organization consortium (real blocks, quorum certificates, SQLite files) under the app, with the
// gateway's storage on SQLite and on the real PostgreSQL server; requests through `app.inject`; receipts checked
// with core's `verifyReceipt` against the validators the API publishes.
import { randomBytes } from 'node:crypto';
import {
  bytesToHex,
  decodeTransaction,
  encodeTransaction,
  getSuite,
  hexToBytes,
  parseReceipt,
  type ReceiptJson,
  sortSignatures,
  type ValidatorSet,
  verifyReceipt,
} from '@paychain/core';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedCoreBanking } from '../bank/core-banking.ts';
import type { GatewayDb } from '../db/gateway-db.ts';
import { TX_LIFETIME_MS } from '../ledger/gateway-ledger.ts';
import { GatewaySecrets } from '../ledger/gateway-secrets.ts';
import { openTestLedger, type TestLedger } from '../ledger/test-ledger.ts';
import { PaymentService } from '../service/payment-service.ts';
import { createGatewayApp } from './gateway-app.ts';
import { dbHarnesses } from './test-gateway.ts';

const RUN_TAG = randomBytes(6).toString('hex');
const suite = getSuite('intl');
const PASSWORD = 'correct horse battery';
/** Every bank account the simulated bank sees starts with ¥100,000.00. */
const BANK_OPENING = 10_000_000n;

interface Wallet {
  readonly phone: string;
  readonly token: string;
  readonly userId: string;
  readonly accountId: string;
  /** For a browser-held key: the private key the "browser" keeps. */
  readonly privateKey: Uint8Array | null;
}

interface PaymentJson {
  txId: string;
  kind: string;
  status: string;
  amount: { amount: string; currency: string };
  refunded: { amount: string; currency: string };
  direction: string;
  counterparty: { kind: string; name: string };
  code: string | null;
  receipt: ReceiptJson | null;
  signing?: { intent: string; unsignedTx: string; signingBytes: string; expiresAtMs: number };
}

describe.each(await dbHarnesses('pay'))('gateway payments on $name', (harness) => {
  describe.skipIf(harness.skipReason !== null)(harness.skipReason ?? 'money flows', () => {
    let db: GatewayDb;
    let app: FastifyInstance;
    let testLedger: TestLedger;
    let payments: PaymentService;
    let bank: SimulatedCoreBanking;
    let offsetMs = 0;
    const clock = () => Date.now() + offsetMs;
    let keyCounter = 0;
    let phoneCounter = 0;
    const nextKey = () => `k-${RUN_TAG}-${++keyCounter}`;
    const nextPhone = () => `+86139${String(++phoneCounter).padStart(8, '0')}`;

    async function call(
      method: 'GET' | 'POST' | 'PUT' | 'DELETE',
      url: string,
      options: { token?: string; body?: unknown; key?: string | null } = {},
    ): Promise<LightMyRequestResponse> {
      const headers: Record<string, string> = {};
      if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
      if (method === 'POST' && options.key !== null) headers['idempotency-key'] = options.key ?? nextKey();
      return app.inject({
        method,
        url,
        headers,
        ...(options.body === undefined ? {} : { payload: options.body as object }),
      });
    }

    function errorCode(response: LightMyRequestResponse): string {
      return response.json<{ error: { code: string } }>().error.code;
    }

    async function signUp(keyMode: 'custodial' | 'browser' = 'custodial'): Promise<Wallet> {
      const phone = nextPhone();
      const pair = keyMode === 'browser' ? suite.generateKeyPair() : null;
      const created = await call('POST', '/v1/users', {
        body: {
          phone,
          password: PASSWORD,
          keyMode,
          ...(pair === null ? {} : { publicKey: bytesToHex(pair.publicKey) }),
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      const session = await call('POST', '/v1/sessions', {
        key: null,
        body: { phone, password: PASSWORD, deviceId: randomBytes(16).toString('hex') },
      });
      expect(session.statusCode).toBe(201);
      const user = created.json<{ id: string; ledgerAccountId: string }>();
      return {
        phone,
        token: session.json<{ token: string }>().token,
        userId: user.id,
        accountId: user.ledgerAccountId,
        privateKey: pair?.privateKey ?? null,
      };
    }

    async function balance(wallet: Wallet): Promise<string> {
      const response = await call('GET', '/v1/wallet', { token: wallet.token });
      expect(response.statusCode).toBe(200);
      return response.json<{ balance: { amount: string } }>().balance.amount;
    }

    async function topUp(wallet: Wallet, amount: string): Promise<PaymentJson> {
      const response = await call('POST', '/v1/wallet/top-ups', {
        token: wallet.token,
        body: { amount, currency: 'CNY' },
      });
      expect(response.statusCode, response.body).toBe(201);
      return response.json<PaymentJson>();
    }

    async function makeMerchant(owner: Wallet, name = '老王面馆 Noodles'): Promise<{ id: string; staticQr: string }> {
      const response = await call('POST', '/v1/merchants', {
        token: owner.token,
        body: { name, mcc: '5812', city: '上海 Shanghai', region: 'SH', bankAccount: '6222 0210 9999 0001' },
      });
      expect(response.statusCode, response.body).toBe(201);
      return response.json<{ id: string; staticQr: string }>();
    }

    async function dynamicQr(owner: Wallet, merchantId: string, amount: string, extra: object = {}): Promise<string> {
      const response = await call('POST', `/v1/merchants/${merchantId}/qr`, {
        token: owner.token,
        body: { amount, currency: 'CNY', ...extra },
      });
      expect(response.statusCode, response.body).toBe(201);
      return response.json<{ payload: string }>().payload;
    }

    /** Checks the receipt the way a browser does: against the validators GET /v1/consortium publishes. */
    async function expectVerified(receipt: ReceiptJson | null): Promise<void> {
      expect(receipt).not.toBeNull();
      const info = (await call('GET', '/v1/consortium')).json<{
        chainId: string;
        validators: { org: string; publicKey: string; activeFrom: string; removedFrom: string | null }[];
      }>();
      const parsed = parseReceipt(receipt);
      if (!parsed.ok) throw new Error(parsed.error);
      const height = parsed.value.header.height;
      const active = info.validators
        .filter((v) => BigInt(v.activeFrom) <= height && (v.removedFrom === null || BigInt(v.removedFrom) > height))
        .sort((a, b) => (a.org < b.org ? -1 : 1));
      const validators: ValidatorSet = {
        orgs: active.map((v) => v.org),
        keys: active.map((v) => hexToBytes(v.publicKey)),
        quorum: Math.floor(active.length / 2) + 1,
      };
      const status = verifyReceipt(suite, info.chainId, validators, parsed.value);
      expect(status.ok, status.ok ? '' : status.reason).toBe(true);
    }

    beforeAll(async () => {
      db = await harness.open();
      await db.migrate(clock());
      testLedger = openTestLedger();
      bank = new SimulatedCoreBanking({ openWith: { currency: 'CNY', amount: BANK_OPENING } });
      payments = new PaymentService({
        db,
        ledger: testLedger.ledger,
        bank,
        secrets: new GatewaySecrets(GatewaySecrets.generateMaster()),
        clock,
      });
      app = createGatewayApp({ db, payments, clock });
      await app.ready();
    });

    afterAll(async () => {
      await app?.close();
      await payments?.drain();
      await db?.close();
      await testLedger?.close();
      await harness.cleanup();
    });

    it('tops up from the bank, transfers by phone, and both histories show it with verified receipts', async () => {
      const alice = await signUp();
      const bob = await signUp();
      const top = await topUp(alice, '500.00');
      expect(top).toMatchObject({ kind: 'topup', status: 'final', direction: 'in', code: 'ok' });
      expect(top.counterparty.kind).toBe('bank');
      await expectVerified(top.receipt);
      expect(bank.balance(alice.phone)).toBe(BANK_OPENING - 50_000n);
      expect(await balance(alice)).toBe('500.00');

      const sent = await call('POST', '/v1/transfers', {
        token: alice.token,
        body: { toPhone: bob.phone, amount: '123.45', currency: 'CNY', memo: 'dinner 火锅' },
      });
      expect(sent.statusCode, sent.body).toBe(201);
      const transfer = sent.json<PaymentJson>();
      expect(transfer).toMatchObject({ kind: 'p2p', status: 'final', direction: 'out' });
      expect(transfer.counterparty).toEqual({ kind: 'user', name: bob.phone });
      await expectVerified(transfer.receipt);
      expect(await balance(alice)).toBe('376.55');
      expect(await balance(bob)).toBe('123.45');

      const bobHistory = (await call('GET', '/v1/wallet/payments', { token: bob.token })).json<{
        items: PaymentJson[];
      }>();
      expect(bobHistory.items.map((p) => [p.txId, p.direction])).toEqual([[transfer.txId, 'in']]);
      const searched = await call('GET', `/v1/wallet/payments?q=${encodeURIComponent('火锅')}`, { token: alice.token });
      expect(searched.json<{ items: PaymentJson[] }>().items.map((p) => p.txId)).toEqual([transfer.txId]);
      const page1 = (await call('GET', '/v1/wallet/payments?limit=1', { token: alice.token })).json<{
        items: PaymentJson[];
        next: string;
      }>();
      const page2 = (
        await call('GET', `/v1/wallet/payments?limit=1&before=${page1.next}`, { token: alice.token })
      ).json<{ items: PaymentJson[]; next: string | null }>();
      expect([...page1.items, ...page2.items].map((p) => p.txId)).toEqual([transfer.txId, top.txId]);
      expect(page2.next).toBeNull();

      // Bob may see the transfer; a stranger gets 404 and nothing of it.
      expect((await call('GET', `/v1/payments/${transfer.txId}`, { token: bob.token })).statusCode).toBe(200);
      const stranger = await signUp();
      const hidden = await call('GET', `/v1/payments/${transfer.txId}`, { token: stranger.token });
      expect(hidden.statusCode).toBe(404);
      expect(hidden.body).not.toContain(alice.phone);
    });

    it('replays a payment POST with the same key and body, and refuses the key with another body', async () => {
      const alice = await signUp();
      const bob = await signUp();
      await topUp(alice, '100.00');
      const key = nextKey();
      const body = { toPhone: bob.phone, amount: '10.00', currency: 'CNY' };
      const first = await call('POST', '/v1/transfers', { token: alice.token, body, key });
      const again = await call('POST', '/v1/transfers', { token: alice.token, body, key });
      expect(again.body).toBe(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      const other = await call('POST', '/v1/transfers', {
        token: alice.token,
        body: { ...body, amount: '11.00' },
        key,
      });
      expect(other.statusCode).toBe(409);
      expect(errorCode(other)).toBe('idempotency_conflict');
      expect(await balance(alice)).toBe('90.00');
    });

    it('refuses bad amounts, currencies, payees, limits and balances, changing nothing', async () => {
      const alice = await signUp();
      const bob = await signUp();
      await topUp(alice, '2000.00');
      const cases: Array<[unknown, number, string]> = [
        [{ toPhone: bob.phone, amount: '0', currency: 'CNY' }, 400, 'amount_invalid'],
        [{ toPhone: bob.phone, amount: '0.00', currency: 'CNY' }, 400, 'amount_invalid'],
        [{ toPhone: bob.phone, amount: '-1.00', currency: 'CNY' }, 400, 'amount_invalid'],
        [{ toPhone: bob.phone, amount: '1.234', currency: 'CNY' }, 400, 'amount_invalid'],
        [{ toPhone: bob.phone, amount: '1e3', currency: 'CNY' }, 400, 'amount_invalid'],
        [{ toPhone: bob.phone, amount: 12, currency: 'CNY' }, 400, 'bad_request'],
        [{ toPhone: bob.phone, amount: '1.00' }, 400, 'bad_request'],
        [{ toPhone: bob.phone, amount: '1.00', currency: 'USD' }, 400, 'currency_unknown'],
        [{ toPhone: bob.phone, amount: '1.00', currency: 'CNY', extra: 1 }, 400, 'bad_request'],
        [{ toPhone: '+8613000000000', amount: '1.00', currency: 'CNY' }, 404, 'payee_not_found'],
        [{ toPhone: alice.phone, amount: '1.00', currency: 'CNY' }, 400, 'bad_request'],
        // KYC class III: at most ¥2,000.00 per payment.
        [{ toPhone: bob.phone, amount: '2000.01', currency: 'CNY' }, 422, 'kyc_limit_exceeded'],
      ];
      for (const [body, status, code] of cases) {
        const response = await call('POST', '/v1/transfers', { token: alice.token, body });
        expect([response.statusCode, errorCode(response)], JSON.stringify(body)).toEqual([status, code]);
        expect(response.body).not.toMatch(/at .*\.ts:\d+/);
      }
      const huge = await call('POST', '/v1/transfers', {
        token: alice.token,
        body: { toPhone: bob.phone, amount: '1.00', currency: 'CNY', memo: 'x'.repeat(20_000) },
      });
      expect([huge.statusCode, errorCode(huge)]).toEqual([413, 'body_too_large']);
      // Within the limit per payment, but over the day's ¥2,000.00 after a first payment.
      const ok = await call('POST', '/v1/transfers', {
        token: alice.token,
        body: { toPhone: bob.phone, amount: '1500.00', currency: 'CNY' },
      });
      expect(ok.statusCode).toBe(201);
      const daily = await call('POST', '/v1/transfers', {
        token: alice.token,
        body: { toPhone: bob.phone, amount: '500.01', currency: 'CNY' },
      });
      expect([daily.statusCode, errorCode(daily)]).toEqual([422, 'kyc_daily_limit_exceeded']);
      const poor = await signUp();
      const broke = await call('POST', '/v1/transfers', {
        token: poor.token,
        body: { toPhone: bob.phone, amount: '1.00', currency: 'CNY' },
      });
      expect([broke.statusCode, errorCode(broke)]).toEqual([422, 'insufficient_funds']);
      expect(await balance(alice)).toBe('500.00');
      expect(await balance(bob)).toBe('1500.00');
      const history = (await call('GET', '/v1/wallet/payments', { token: alice.token })).json<{ items: unknown[] }>();
      expect(history.items).toHaveLength(2);
    });

    it('pays a one-time dynamic QR once, refunds partly and fully but never above what was paid', async () => {
      const owner = await signUp();
      const alice = await signUp();
      const carol = await signUp();
      await topUp(alice, '300.00');
      await topUp(carol, '300.00');
      const merchant = await makeMerchant(owner);
      const payload = await dynamicQr(owner, merchant.id, '88.80');

      const resolved = await call('POST', '/v1/qr/resolve', { token: alice.token, body: { payload } });
      expect(resolved.statusCode, resolved.body).toBe(200);
      expect(resolved.json()).toMatchObject({
        merchant: { id: merchant.id, name: '老王面馆 Noodles', mcc: '5812' },
        amount: { amount: '88.80', currency: 'CNY' },
        oneTime: true,
      });
      const paid = await call('POST', '/v1/qr/pay', { token: alice.token, body: { payload } });
      expect(paid.statusCode, paid.body).toBe(201);
      const payment = paid.json<PaymentJson>();
      expect(payment).toMatchObject({ kind: 'qr', status: 'final', direction: 'out' });
      expect(payment.counterparty).toEqual({ kind: 'merchant', name: '老王面馆 Noodles' });
      await expectVerified(payment.receipt);

      const twice = await call('POST', '/v1/qr/pay', { token: carol.token, body: { payload } });
      expect([twice.statusCode, errorCode(twice)]).toEqual([409, 'qr_already_paid']);
      expect(await balance(carol)).toBe('300.00');

      // A tampered payload (one digit of the amount changed, CRC no longer matches) is refused with the reason.
      const tampered = payload.replace('88.80', '08.80');
      const bad = await call('POST', '/v1/qr/pay', { token: carol.token, body: { payload: tampered } });
      expect([bad.statusCode, errorCode(bad)]).toEqual([400, 'qr_invalid']);

      const refund = (amount: string, who: Wallet = owner) =>
        call('POST', `/v1/payments/${payment.txId}/refunds`, { token: who.token, body: { amount, currency: 'CNY' } });
      expect((await refund('8.80', alice)).statusCode).toBe(404);
      const partial = await refund('8.80');
      expect(partial.statusCode, partial.body).toBe(201);
      expect(partial.json<PaymentJson>()).toMatchObject({ kind: 'refund', status: 'final' });
      const over = await refund('80.01');
      expect([over.statusCode, errorCode(over)]).toEqual([422, 'refund_exceeds_paid']);
      expect((await refund('80.00')).statusCode).toBe(201);
      const none = await refund('0.01');
      expect([none.statusCode, errorCode(none)]).toEqual([422, 'refund_exceeds_paid']);
      expect(await balance(alice)).toBe('300.00');
      const original = await call('GET', `/v1/payments/${payment.txId}`, { token: owner.token });
      expect(original.json<PaymentJson>().refunded.amount).toBe('88.80');

      const summary = await call('GET', `/v1/merchants/${merchant.id}/summary`, { token: owner.token });
      expect(summary.json()).toMatchObject({
        count: 1,
        gross: { amount: '88.80' },
        refunded: { amount: '88.80' },
        net: { amount: '0.00' },
      });
      const list = await call('GET', `/v1/merchants/${merchant.id}/payments`, { token: owner.token });
      expect(list.json<{ items: PaymentJson[] }>().items.map((p) => p.kind)).toEqual(['refund', 'refund', 'qr']);
      expect((await call('GET', `/v1/merchants/${merchant.id}/payments`, { token: alice.token })).statusCode).toBe(404);
    });

    it("pays a merchant's settlement balance out to its bank account, never more than it holds", async () => {
      const owner = await signUp();
      const alice = await signUp();
      await topUp(alice, '100.00');
      const merchant = await makeMerchant(owner, 'Payout Shop');
      const paid = await call('POST', '/v1/qr/pay', {
        token: alice.token,
        body: { payload: merchant.staticQr, amount: '40.00', currency: 'CNY' },
      });
      expect(paid.statusCode, paid.body).toBe(201);
      const badAccount = await call('POST', '/v1/merchants', {
        token: owner.token,
        body: { name: 'X', mcc: '5812', city: 'C', region: 'R', bankAccount: '12' },
      });
      expect([badAccount.statusCode, errorCode(badAccount)]).toEqual([400, 'bad_request']);
      const tooMuch = await call('POST', `/v1/merchants/${merchant.id}/payouts`, {
        token: owner.token,
        body: { amount: '40.01', currency: 'CNY' },
      });
      expect([tooMuch.statusCode, errorCode(tooMuch)]).toEqual([422, 'insufficient_funds']);
      const notMine = await call('POST', `/v1/merchants/${merchant.id}/payouts`, {
        token: alice.token,
        body: { amount: '1.00', currency: 'CNY' },
      });
      expect(notMine.statusCode).toBe(404);
      const out = await call('POST', `/v1/merchants/${merchant.id}/payouts`, {
        token: owner.token,
        body: { amount: '30.00', currency: 'CNY' },
      });
      expect(out.statusCode, out.body).toBe(201);
      expect(out.json<PaymentJson>()).toMatchObject({ kind: 'payout', status: 'final', direction: 'out' });
      expect(out.json<PaymentJson>().counterparty.kind).toBe('bank');
      await payments.drain();
      expect(bank.balance('6222 0210 9999 0001')).toBe(BANK_OPENING + 3_000n);
      const settlement = (await db.getMerchant(merchant.id))?.settlementAccountId ?? '';
      expect(testLedger.ledger.balance(settlement, 'CNY', Date.now()).posted).toBe(1_000n);
    });

    it('refuses an expired QR, and pays a static QR with the amount the payer enters', async () => {
      const owner = await signUp();
      const alice = await signUp();
      await topUp(alice, '50.00');
      const merchant = await makeMerchant(owner, 'Corner Shop');
      const payload = await dynamicQr(owner, merchant.id, '5.00', { expiresInS: 30 });
      offsetMs += 31_000;
      try {
        const expired = await call('POST', '/v1/qr/pay', { token: alice.token, body: { payload } });
        expect([expired.statusCode, errorCode(expired)]).toEqual([410, 'qr_expired']);
      } finally {
        offsetMs -= 31_000;
      }
      const noAmount = await call('POST', '/v1/qr/pay', { token: alice.token, body: { payload: merchant.staticQr } });
      expect([noAmount.statusCode, errorCode(noAmount)]).toEqual([400, 'amount_invalid']);
      const paid = await call('POST', '/v1/qr/pay', {
        token: alice.token,
        body: { payload: merchant.staticQr, amount: '12.50', currency: 'CNY' },
      });
      expect(paid.statusCode, paid.body).toBe(201);
      expect(await balance(alice)).toBe('37.50');
    });

    it('charges a pay code once, refuses it used or expired, and pre-authorizes, captures and voids', async () => {
      const owner = await signUp();
      const alice = await signUp();
      await topUp(alice, '1000.00');
      const merchant = await makeMerchant(owner, 'Fuel Station');
      const code = async () => {
        const made = await call('POST', '/v1/pay-codes', { token: alice.token });
        expect(made.statusCode).toBe(201);
        return made.json<{ code: string; expiresAtMs: number }>();
      };
      const charge = (payCode: string, amount: string, path = 'charges') =>
        call('POST', `/v1/merchants/${merchant.id}/${path}`, {
          token: owner.token,
          body: { payCode, amount, currency: 'CNY' },
        });

      const first = await code();
      expect(first.expiresAtMs - clock()).toBeLessThanOrEqual(60_000);
      const charged = await charge(first.code, '20.00');
      expect(charged.statusCode, charged.body).toBe(201);
      expect(charged.json<PaymentJson>()).toMatchObject({ kind: 'paycode', status: 'final', direction: 'in' });
      const reused = await charge(first.code, '20.00');
      expect([reused.statusCode, errorCode(reused)]).toEqual([409, 'pay_code_used']);
      const unknown = await charge('280000000000000000', '1.00');
      expect([unknown.statusCode, errorCode(unknown)]).toEqual([404, 'pay_code_not_found']);
      const stale = await code();
      offsetMs += 60_001;
      try {
        const expired = await charge(stale.code, '1.00');
        expect([expired.statusCode, errorCode(expired)]).toEqual([410, 'pay_code_expired']);
      } finally {
        offsetMs -= 60_001;
      }
      expect(await balance(alice)).toBe('980.00');

      const held = await charge((await code()).code, '300.00', 'authorizations');
      expect(held.statusCode, held.body).toBe(201);
      const auth = held.json<PaymentJson>();
      expect(auth.kind).toBe('authorize');
      const wallet = (await call('GET', '/v1/wallet', { token: alice.token })).json<{
        balance: { amount: string };
        available: { amount: string };
      }>();
      expect([wallet.balance.amount, wallet.available.amount]).toEqual(['980.00', '680.00']);
      const tooMuch = await call('POST', `/v1/payments/${auth.txId}/capture`, {
        token: owner.token,
        body: { amount: '300.01', currency: 'CNY' },
      });
      expect([tooMuch.statusCode, errorCode(tooMuch)]).toEqual([400, 'amount_invalid']);
      const captured = await call('POST', `/v1/payments/${auth.txId}/capture`, {
        token: owner.token,
        body: { amount: '250.00', currency: 'CNY' },
      });
      expect(captured.statusCode, captured.body).toBe(201);
      expect(await balance(alice)).toBe('730.00');
      const again = await call('POST', `/v1/payments/${auth.txId}/capture`, {
        token: owner.token,
        body: { amount: '10.00', currency: 'CNY' },
      });
      expect([again.statusCode, errorCode(again)]).toEqual([422, 'authorization_not_open']);

      const second = (await charge((await code()).code, '100.00', 'authorizations')).json<PaymentJson>();
      const voided = await call('POST', `/v1/payments/${second.txId}/void`, { token: owner.token });
      expect(voided.statusCode, voided.body).toBe(201);
      const after = (await call('GET', '/v1/wallet', { token: alice.token })).json<{
        available: { amount: string };
      }>();
      expect(after.available.amount).toBe('730.00');
    });

    it('lets a browser-held key sign: 202 with the intent, then the signature makes it final', async () => {
      const alice = await signUp('browser');
      const bob = await signUp();
      const privateKey = alice.privateKey;
      if (privateKey === null) throw new Error('test setup: browser key');
      await topUp(alice, '40.00');
      const started = await call('POST', '/v1/transfers', {
        token: alice.token,
        body: { toPhone: bob.phone, amount: '15.00', currency: 'CNY' },
      });
      expect(started.statusCode, started.body).toBe(202);
      const pending = started.json<PaymentJson>();
      expect(pending.status).toBe('awaiting_signature');
      const signing = pending.signing;
      if (signing === undefined) throw new Error('a signing request');
      // Nothing moved and nothing was recorded before the signature.
      expect(await balance(alice)).toBe('40.00');
      expect(await db.getPayment(pending.txId)).toBeNull();

      const signature = bytesToHex(suite.sign(privateKey, hexToBytes(signing.signingBytes)));
      const wrongKey = bytesToHex(suite.sign(suite.generateKeyPair().privateKey, hexToBytes(signing.signingBytes)));
      const bad = await call('POST', `/v1/payments/${pending.txId}/signature`, {
        token: alice.token,
        body: { intent: signing.intent, signature: wrongKey },
      });
      expect([bad.statusCode, errorCode(bad)]).toEqual([400, 'signature_invalid']);
      const [body, mac] = signing.intent.split('.');
      const changed = JSON.parse(Buffer.from(body ?? '', 'base64url').toString()) as Record<string, unknown>;
      changed.amount = '1';
      const forged = `${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${mac}`;
      const tampered = await call('POST', `/v1/payments/${pending.txId}/signature`, {
        token: alice.token,
        body: { intent: forged, signature },
      });
      expect([tampered.statusCode, errorCode(tampered)]).toEqual([400, 'intent_invalid']);
      const byBob = await call('POST', `/v1/payments/${pending.txId}/signature`, {
        token: bob.token,
        body: { intent: signing.intent, signature },
      });
      expect(byBob.statusCode).toBe(404);

      const done = await call('POST', `/v1/payments/${pending.txId}/signature`, {
        token: alice.token,
        body: { intent: signing.intent, signature },
      });
      expect(done.statusCode, done.body).toBe(201);
      expect(done.json<PaymentJson>()).toMatchObject({ txId: pending.txId, status: 'final' });
      await expectVerified(done.json<PaymentJson>().receipt);
      expect(await balance(alice)).toBe('25.00');
      expect(await balance(bob)).toBe('15.00');
      // Signing the same intent again answers the recorded payment; nothing moves twice.
      const twice = await call('POST', `/v1/payments/${pending.txId}/signature`, {
        token: alice.token,
        body: { intent: signing.intent, signature },
      });
      expect(twice.json<PaymentJson>().status).toBe('final');
      expect(await balance(alice)).toBe('25.00');
    });

    it("confirms a merchant's charge of a browser-key pay code in the payer's wallet", async () => {
      const owner = await signUp();
      const alice = await signUp('browser');
      await topUp(alice, '60.00');
      const merchant = await makeMerchant(owner, 'Tea House');
      const code = (await call('POST', '/v1/pay-codes', { token: alice.token })).json<{ code: string }>().code;
      const charged = await call('POST', `/v1/merchants/${merchant.id}/charges`, {
        token: owner.token,
        body: { payCode: code, amount: '6.00', currency: 'CNY' },
      });
      expect(charged.statusCode).toBe(202);
      expect(charged.json<PaymentJson>()).toMatchObject({ status: 'awaiting_signature' });
      expect(charged.json<PaymentJson>().signing).toBeUndefined();
      const waiting = (await call('GET', '/v1/me/confirmations', { token: alice.token })).json<{
        items: PaymentJson[];
      }>();
      const item = waiting.items[0];
      expect(item?.amount.amount).toBe('6.00');
      const signing = item?.signing;
      if (signing === undefined || alice.privateKey === null) throw new Error('a confirmation to sign');
      const signature = bytesToHex(suite.sign(alice.privateKey, hexToBytes(signing.signingBytes)));
      const done = await call('POST', `/v1/payments/${item?.txId}/signature`, {
        token: alice.token,
        body: { intent: signing.intent, signature },
      });
      expect(done.statusCode, done.body).toBe(201);
      expect(await balance(alice)).toBe('54.00');
    });

    it("pays a user's personal QR and a one-time request for money, both as P2P with the request's memo", async () => {
      const alice = await signUp();
      const bob = await signUp();
      await topUp(bob, '50.00');
      const personal = (await call('GET', '/v1/me/qr', { token: alice.token })).json<{ payload: string }>().payload;
      const resolved = await call('POST', '/v1/qr/resolve', { token: bob.token, body: { payload: personal } });
      expect(resolved.statusCode, resolved.body).toBe(200);
      const masked = `${alice.phone.slice(3, 6)}****${alice.phone.slice(-4)}`;
      expect(resolved.json()).toMatchObject({ payee: { kind: 'user', name: masked }, merchant: null, amount: null });
      expect(resolved.body).not.toContain(alice.phone);
      const paid = await call('POST', '/v1/qr/pay', {
        token: bob.token,
        body: { payload: personal, amount: '3.00', currency: 'CNY' },
      });
      expect(paid.statusCode, paid.body).toBe(201);
      expect(paid.json<PaymentJson>()).toMatchObject({ kind: 'p2p', status: 'final' });
      const own = await call('POST', '/v1/qr/pay', {
        token: alice.token,
        body: { payload: personal, amount: '1.00', currency: 'CNY' },
      });
      expect([own.statusCode, errorCode(own)]).toEqual([400, 'bad_request']);

      const requested = await call('POST', '/v1/me/payment-requests', {
        token: alice.token,
        body: { amount: '8.88', currency: 'CNY', memo: 'lunch 午饭' },
      });
      expect(requested.statusCode, requested.body).toBe(201);
      const { payload } = requested.json<{ payload: string }>();
      const settled = await call('POST', '/v1/qr/pay', { token: bob.token, body: { payload } });
      expect(settled.statusCode, settled.body).toBe(201);
      expect(settled.json<PaymentJson & { memo: string }>()).toMatchObject({ kind: 'p2p', memo: 'lunch 午饭' });
      const again = await call('POST', '/v1/qr/pay', { token: bob.token, body: { payload } });
      expect([again.statusCode, errorCode(again)]).toEqual([409, 'qr_already_paid']);
      expect(await balance(alice)).toBe('11.88');
      expect(await balance(bob)).toBe('38.12');
    });

    it('raises a KYC class on chain for the ops role only, and the new limits apply', async () => {
      const alice = await signUp();
      const bob = await signUp();
      const ops = await signUp();
      await db.setUserRole(ops.userId, 'ops');
      await topUp(alice, '5000.00');
      const notOps = await call('POST', '/v1/ops/users/kyc', {
        token: bob.token,
        body: { phone: alice.phone, tier: 2 },
      });
      expect([notOps.statusCode, errorCode(notOps)]).toEqual([403, 'forbidden']);
      const unknown = await call('POST', '/v1/ops/users/kyc', {
        token: ops.token,
        body: { phone: '+8613000000001', tier: 2 },
      });
      expect([unknown.statusCode, errorCode(unknown)]).toEqual([404, 'not_found']);
      const raised = await call('POST', '/v1/ops/users/kyc', {
        token: ops.token,
        body: { phone: alice.phone, tier: 2 },
      });
      expect(raised.statusCode, raised.body).toBe(200);
      expect(raised.json()).toMatchObject({ kycTier: 2, limits: { perPayment: { amount: '10000.00' } } });
      expect(testLedger.ledger.account(alice.accountId)?.tier).toBe(2);
      const big = await call('POST', '/v1/transfers', {
        token: alice.token,
        body: { toPhone: bob.phone, amount: '2500.00', currency: 'CNY' },
      });
      expect(big.statusCode, big.body).toBe(201);
    });

    it('withdraws to the bank, and a frozen account can neither pay nor be paid until unfrozen', async () => {
      const alice = await signUp();
      const bob = await signUp();
      const ops = await signUp();
      await topUp(alice, '100.00');
      const out = await call('POST', '/v1/wallet/withdrawals', {
        token: alice.token,
        body: { amount: '30.00', currency: 'CNY' },
      });
      expect(out.statusCode, out.body).toBe(201);
      expect(out.json<PaymentJson>()).toMatchObject({ kind: 'withdraw', direction: 'out', status: 'final' });
      await payments.drain();
      expect(bank.balance(alice.phone)).toBe(BANK_OPENING - 10_000n + 3_000n);
      expect(await balance(alice)).toBe('70.00');

      const notOps = await call('POST', `/v1/ops/accounts/${alice.accountId}/freeze`, {
        token: bob.token,
        body: { reason: 'fraud report' },
      });
      expect([notOps.statusCode, errorCode(notOps)]).toEqual([403, 'forbidden']);
      await db.setUserRole(ops.userId, 'ops');
      const frozen = await call('POST', `/v1/ops/accounts/${alice.accountId}/freeze`, {
        token: ops.token,
        body: { reason: 'fraud report 2026-11-28' },
      });
      expect(frozen.statusCode, frozen.body).toBe(200);
      const pay = await call('POST', '/v1/transfers', {
        token: alice.token,
        body: { toPhone: bob.phone, amount: '1.00', currency: 'CNY' },
      });
      expect([pay.statusCode, errorCode(pay)]).toEqual([403, 'account_frozen']);
      const paid = await call('POST', '/v1/transfers', {
        token: bob.token,
        body: { toPhone: alice.phone, amount: '1.00', currency: 'CNY' },
      });
      expect([paid.statusCode, errorCode(paid)]).toEqual([403, 'account_frozen']);
      const wallet = (await call('GET', '/v1/wallet', { token: alice.token })).json<{ frozen: boolean }>();
      expect(wallet.frozen).toBe(true);
      expect(
        (
          await call('POST', `/v1/ops/accounts/${alice.accountId}/unfreeze`, {
            token: ops.token,
            body: { reason: 'cleared' },
          })
        ).statusCode,
      ).toBe(200);
      const afterwards = await call('POST', '/v1/transfers', {
        token: alice.token,
        body: { toPhone: bob.phone, amount: '1.00', currency: 'CNY' },
      });
      expect(afterwards.statusCode).toBe(201);
      const peers = await call('GET', '/v1/ops/peers', { token: ops.token });
      expect(
        peers
          .json<{ items: { org: string }[] }>()
          .items.map((p) => p.org)
          .sort(),
      ).toEqual(['bank', 'network', 'regulator']);
    });

    it('rotates a lost key: the wallet and its merchants move to the new key and keep working', async () => {
      const alice = await signUp();
      const bob = await signUp();
      await topUp(alice, '20.00');
      const merchant = await makeMerchant(alice, 'Alice Crafts');
      const before = testLedger.ledger.account(alice.accountId)?.owners[0];
      const pair = suite.generateKeyPair();
      const rotated = await call('POST', '/v1/me/key', {
        token: alice.token,
        body: { keyMode: 'browser', publicKey: bytesToHex(pair.publicKey) },
      });
      expect(rotated.statusCode, rotated.body).toBe(200);
      expect(rotated.json()).toMatchObject({ keyMode: 'browser', publicKey: bytesToHex(pair.publicKey) });
      const after = testLedger.ledger.account(alice.accountId)?.owners[0];
      expect(after === undefined ? '' : bytesToHex(after)).toBe(bytesToHex(pair.publicKey));
      expect(before === undefined ? '' : bytesToHex(before)).not.toBe(bytesToHex(pair.publicKey));
      const settlement = (await db.getMerchant(merchant.id))?.settlementAccountId ?? '';
      const merchantOwner = testLedger.ledger.account(settlement)?.owners[0];
      expect(merchantOwner === undefined ? '' : bytesToHex(merchantOwner)).toBe(bytesToHex(pair.publicKey));
      const badKey = await call('POST', '/v1/me/key', {
        token: alice.token,
        body: { keyMode: 'browser', publicKey: '00'.repeat(32) },
      });
      expect([badKey.statusCode, errorCode(badKey)]).toEqual([400, 'public_key_invalid']);

      const started = (
        await call('POST', '/v1/transfers', {
          token: alice.token,
          body: { toPhone: bob.phone, amount: '2.00', currency: 'CNY' },
        })
      ).json<PaymentJson>();
      const signing = started.signing;
      if (signing === undefined) throw new Error('a signing request');
      const done = await call('POST', `/v1/payments/${started.txId}/signature`, {
        token: alice.token,
        body: {
          intent: signing.intent,
          signature: bytesToHex(suite.sign(pair.privateKey, hexToBytes(signing.signingBytes))),
        },
      });
      expect(done.statusCode, done.body).toBe(201);
    });

    it('limits POSTs per user and unknown pay codes per merchant with 429 and Retry-After', async () => {
      const owner = await signUp();
      const alice = await signUp();
      const merchant = await makeMerchant(owner, 'Limit Shop');
      const limited = createGatewayApp({
        db,
        payments,
        clock,
        rateLimit: { postsPerUserMax: 3, payCodeMissesPerMerchantMax: 2, userWindowMs: 60_000 },
      });
      try {
        const post = (url: string, token: string, body: object) =>
          limited.inject({
            method: 'POST',
            url,
            headers: { authorization: `Bearer ${token}`, 'idempotency-key': nextKey() },
            payload: body,
          });
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) statuses.push((await post('/v1/pay-codes', alice.token, {})).statusCode);
        expect(statuses).toEqual([201, 201, 201, 429]);
        const misses: number[] = [];
        for (let i = 0; i < 3; i++) {
          const answer = await post(`/v1/merchants/${merchant.id}/charges`, owner.token, {
            payCode: `2800000000000000${10 + i}`,
            amount: '1.00',
            currency: 'CNY',
          });
          misses.push(answer.statusCode);
          if (answer.statusCode === 429) expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
        }
        expect(misses).toEqual([404, 404, 429]);
      } finally {
        await limited.close();
      }
    });

    it('settles a withdrawal the ledger made final while the gateway was stopped: the bank credits it once', async () => {
      const alice = await signUp('browser');
      const privateKey = alice.privateKey;
      if (privateKey === null) throw new Error('test setup: browser key');
      await topUp(alice, '50.00');
      const started = (
        await call('POST', '/v1/wallet/withdrawals', { token: alice.token, body: { amount: '20.00', currency: 'CNY' } })
      ).json<PaymentJson>();
      const signing = started.signing;
      if (signing === undefined) throw new Error('a signing request');
      // What a gateway that stopped after recording and submitting leaves: a pending row, a final transaction.
      await db.insertPayment({
        txId: started.txId,
        payerUserId: alice.userId,
        payeeAccountId: '0'.repeat(32),
        merchantId: null,
        paymentRequestId: null,
        authorizationOf: null,
        amount: 2_000n,
        currency: 'CNY',
        kind: 'withdraw',
        memo: '',
        payerLabel: alice.phone,
        payeeLabel: 'bank',
        risk: null,
        programId: null,
        createdAtMs: clock(),
      });
      const decoded = decodeTransaction(hexToBytes(signing.unsignedTx));
      if (!decoded.ok) throw new Error(decoded.error);
      const { tx } = decoded.value;
      const signingBytes = hexToBytes(signing.signingBytes);
      const issuer = testLedger.ledger.issuerSigner;
      const outcome = await testLedger.consortium.submit(
        encodeTransaction({
          ...tx,
          signatures: sortSignatures([
            { publicKey: suite.publicKeyFromPrivate(privateKey), signature: suite.sign(privateKey, signingBytes) },
            { publicKey: issuer.publicKey, signature: suite.sign(issuer.privateKey, signingBytes) },
          ]),
        }),
      );
      expect(outcome.code).toBe('ok');
      const bankBefore = bank.balance(alice.phone);
      await payments.reconcile();
      await payments.reconcile();
      expect(await db.getPayment(started.txId)).toMatchObject({ status: 'final', code: 'ok' });
      expect(bank.balance(alice.phone)).toBe((bankBefore ?? 0n) + 2_000n);
      expect(await balance(alice)).toBe('30.00');
    });

    it('settles a payment left pending by a stopped process: refused as expired when the ledger never had it', async () => {
      const alice = await signUp();
      const txId = randomBytes(16).toString('hex');
      const user = await db.getUserById(alice.userId);
      if (user === null) throw new Error('test setup: user');
      await db.insertPayment({
        txId,
        payerUserId: alice.userId,
        payeeAccountId: alice.accountId,
        merchantId: null,
        paymentRequestId: null,
        authorizationOf: null,
        amount: 100n,
        currency: 'CNY',
        kind: 'topup',
        memo: '',
        payerLabel: 'bank',
        payeeLabel: alice.phone,
        risk: null,
        programId: null,
        createdAtMs: clock() - TX_LIFETIME_MS - 60_000,
      });
      await payments.reconcile();
      expect(await db.getPayment(txId)).toMatchObject({ status: 'refused', code: 'tx_expired' });
    });
  });
});
