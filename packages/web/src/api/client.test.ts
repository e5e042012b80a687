// Goal: the client speaks the contract — bearer token, Idempotency-Key per action reused on retry and renewed after
// an answer, errors as {code, message}, 202 awaiting_signature handed back as a Payment. Method: a recording fetch
// (the platform's boundary, not one of our modules) answering canned responses.
import { describe, expect, it } from 'vitest';
import {
  ApiError,
  createApiClient,
  createMemoryTokenStore,
  fileNameOfDisposition,
  qrPayee,
  randomIdempotencyKey,
  waitForSettled,
} from './client';
import type { Payment, QrResolution } from './types';

interface Call {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function recorder(answers: Array<Response | Error>) {
  const calls: Call[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    calls.push({
      url: String(input),
      method: init?.method ?? 'GET',
      headers: { ...(init?.headers as Record<string, string>) },
      body: typeof init?.body === 'string' ? init.body : undefined,
    });
    const answer = answers.shift();
    if (answer === undefined) throw new Error('no canned answer left');
    if (answer instanceof Error) throw answer;
    return answer;
  };
  let n = 0;
  const tokens = createMemoryTokenStore();
  const client = createApiClient({ fetch, tokens, newIdempotencyKey: () => `key-${++n}` });
  return { calls, client, tokens };
}

const payment = (status: Payment['status'], extra: Partial<Payment> = {}): Payment => ({
  txId: 'ab'.repeat(16),
  kind: 'p2p',
  status,
  amount: { amount: '12.34', currency: 'CNY' },
  refunded: { amount: '0.00', currency: 'CNY' },
  direction: 'out',
  counterparty: { kind: 'user', name: 'Bob', phone: '+8613900000000' },
  merchantId: null,
  refundOf: null,
  memo: null,
  code: null,
  createdAtMs: 1,
  ledger: null,
  receipt: null,
  programId: null,
  fx: null,
  ...extra,
});

describe('api client', () => {
  it('logs in without an idempotency key, keeps the token, and sends it as Bearer', async () => {
    const { calls, client, tokens } = recorder([
      json(201, { token: 'tok', tokenType: 'Bearer', expiresAtMs: 9, user: {}, deviceNewlyBound: true }),
      json(200, { accountId: 'a' }),
    ]);
    await client.logIn({ phone: '+8613800138000', password: 'pw', deviceId: '0'.repeat(32) });
    expect(calls[0]?.headers['idempotency-key']).toBeUndefined();
    expect(calls[0]?.headers.authorization).toBeUndefined();
    expect(tokens.get()).toBe('tok');
    await client.wallet();
    expect(calls[1]).toMatchObject({ url: '/v1/wallet', method: 'GET' });
    expect(calls[1]?.headers.authorization).toBe('Bearer tok');
  });

  it('reuses the Idempotency-Key when the same action is retried after a network failure or a 5xx', async () => {
    const { calls, client } = recorder([
      new TypeError('Failed to fetch'),
      json(503, { error: { code: 'unavailable', message: 'try later', details: {} } }),
      json(200, payment('final')),
      json(200, payment('final')),
    ]);
    const body = { toPhone: '+8613900000000', amount: '12.34', currency: 'CNY' };
    await expect(client.transfer(body)).rejects.toMatchObject({ code: 'network', status: 0 });
    await expect(client.transfer(body)).rejects.toMatchObject({ code: 'unavailable', message: 'try later' });
    await client.transfer(body);
    // A second, identical transfer after an answer is a new action.
    await client.transfer(body);
    expect(calls.map((c) => c.headers['idempotency-key'])).toEqual(['key-1', 'key-1', 'key-1', 'key-2']);
    expect(calls[0]?.body).toBe(JSON.stringify(body));
  });

  it('gives a changed body a new key, and retires a key after a 4xx', async () => {
    const { calls, client } = recorder([
      new TypeError('offline'),
      json(400, { error: { code: 'amount_invalid', message: 'bad amount', details: { field: 'amount' } } }),
      json(200, payment('final')),
    ]);
    await expect(client.topUp({ amount: '1.00', currency: 'CNY' })).rejects.toBeInstanceOf(ApiError);
    await expect(client.topUp({ amount: '2.00', currency: 'CNY' })).rejects.toMatchObject({
      code: 'amount_invalid',
      status: 400,
      details: { field: 'amount' },
    });
    await client.topUp({ amount: '2.00', currency: 'CNY' });
    expect(calls.map((c) => c.headers['idempotency-key'])).toEqual(['key-1', 'key-2', 'key-3']);
  });

  it('posts without a body where the contract has none', async () => {
    const { calls, client } = recorder([json(201, { code: 'c', payload: 'p', expiresAtMs: 1 })]);
    await client.createPayCode();
    expect(calls[0]?.body).toBeUndefined();
    expect(calls[0]?.headers['content-type']).toBeUndefined();
    expect(calls[0]?.headers['idempotency-key']).toBe('key-1');
  });

  it('hands back a 202 awaiting_signature payment with its signing request', async () => {
    const signing = { unsignedTx: '01', signingBytes: '02' };
    const { client } = recorder([json(202, payment('awaiting_signature', { signing }))]);
    const answer = await client.payQr({ payload: 'qr' });
    expect(answer.status).toBe('awaiting_signature');
    expect(answer.signing).toEqual(signing);
  });

  it('forgets the token on 401 and reports it', async () => {
    const { client, tokens } = recorder([
      json(401, { error: { code: 'unauthenticated', message: 'log in', details: {} } }),
    ]);
    tokens.set('stale');
    await expect(client.me()).rejects.toMatchObject({ code: 'unauthenticated' });
    expect(tokens.get()).toBeNull();
  });

  it('surfaces a non-JSON failure with its status', async () => {
    const { client } = recorder([new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' })]);
    await expect(client.me()).rejects.toMatchObject({ code: 'bad_response', status: 502 });
  });

  it('encodes queries and path ids, and puts the token in the event-stream URL', async () => {
    const { calls, client, tokens } = recorder([json(200, { items: [], next: null })]);
    await client.walletPayments({ limit: 20, q: '咖啡 & tea' });
    expect(calls[0]?.url).toBe('/v1/wallet/payments?limit=20&q=%E5%92%96%E5%95%A1+%26+tea');
    tokens.set('a/b');
    expect(client.merchantEventsUrl('m1')).toBe('/v1/merchants/m1/events?access_token=a%2Fb');
  });

  it('refuses a consortium answer that does not check out', async () => {
    const { client } = recorder([json(200, { chainId: 'c', suite: 'rsa' })]);
    await expect(client.consortium()).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('polls a pending payment until it is settled', async () => {
    const { client } = recorder([json(200, payment('pending')), json(200, payment('final'))]);
    const settled = await waitForSettled(client, payment('pending'), { sleep: async () => {} });
    expect(settled.status).toBe('final');
  });
});

describe('personal QR, money requests and KYC', () => {
  it("reads the user's collection QR with a GET (no idempotency key)", async () => {
    const { calls, client, tokens } = recorder([json(200, { payload: '000201010211' })]);
    tokens.set('tok');
    expect(await client.myQr()).toEqual({ payload: '000201010211' });
    expect(calls[0]).toMatchObject({ url: '/v1/me/qr', method: 'GET', body: undefined });
    expect(calls[0]?.headers.authorization).toBe('Bearer tok');
    expect(calls[0]?.headers['idempotency-key']).toBeUndefined();
  });

  it('posts a money request with its key; an identical second request after the answer is a new action', async () => {
    const answer = {
      requestId: 'cd'.repeat(16),
      payload: '000201010212',
      amount: { amount: '12.34', currency: 'CNY' },
      oneTime: true,
      expiresAtMs: 1_800_000_300_000,
    };
    const { calls, client } = recorder([new TypeError('offline'), json(201, answer), json(201, answer)]);
    const body = { amount: '12.34', currency: 'CNY', memo: '午餐' };
    await expect(client.createPaymentRequest(body)).rejects.toMatchObject({ code: 'network' });
    expect(await client.createPaymentRequest(body)).toEqual(answer);
    await client.createPaymentRequest(body);
    expect(calls.map((c) => [c.method, c.url, c.headers['idempotency-key']])).toEqual([
      ['POST', '/v1/me/payment-requests', 'key-1'],
      ['POST', '/v1/me/payment-requests', 'key-1'],
      ['POST', '/v1/me/payment-requests', 'key-2'],
    ]);
    expect(calls[0]?.body).toBe(JSON.stringify(body));
  });

  it('sets a KYC class as ops and answers the user with its limits; a refusal keeps its code', async () => {
    const user = {
      id: 'ef'.repeat(16),
      phone: '+8613800000001',
      kycTier: 1,
      limits: { perPayment: { amount: '50000.00', currency: 'CNY' }, perDay: null },
    };
    const { calls, client } = recorder([
      json(200, user),
      json(403, { error: { code: 'forbidden', message: 'ops only', details: {} } }),
    ]);
    expect(await client.setKycTier({ phone: '+8613800000001', tier: 1 })).toMatchObject({
      kycTier: 1,
      limits: { perDay: null },
    });
    expect(calls[0]).toMatchObject({ url: '/v1/ops/users/kyc', method: 'POST' });
    expect(calls[0]?.body).toBe(JSON.stringify({ phone: '+8613800000001', tier: 1 }));
    expect(calls[0]?.headers['idempotency-key']).toBe('key-1');
    await expect(client.setKycTier({ phone: '+8613800000001', tier: 3 })).rejects.toMatchObject({
      code: 'forbidden',
      status: 403,
    });
  });

  it("resolves a user's QR: no merchant, the payee named by masked phone", async () => {
    const resolution = {
      merchant: null,
      payee: { kind: 'user', name: '138****0001' },
      amount: { amount: '12.34', currency: 'CNY' },
      requestId: 'cd'.repeat(16),
      oneTime: true,
      expiresAtMs: 1_800_000_300_000,
    };
    const { calls, client } = recorder([json(200, resolution)]);
    const qr = await client.resolveQr('000201010212');
    expect(calls[0]?.body).toBe(JSON.stringify({ payload: '000201010212' }));
    expect(qr.merchant).toBeNull();
    expect(qrPayee(qr)).toEqual({ kind: 'user', name: '138****0001' });
  });
});

describe('qrPayee', () => {
  const base = { amount: null, requestId: null, oneTime: false, expiresAtMs: null, programs: [], conversions: [] };
  const merchant = { id: '01'.repeat(16), name: '咖啡店', mcc: '5812', city: 'Shanghai' };

  it("is the answer's payee for a merchant and for a user", () => {
    const ofMerchant: QrResolution = { ...base, merchant, payee: { kind: 'merchant', name: '咖啡店' } };
    const ofUser: QrResolution = { ...base, merchant: null, payee: { kind: 'user', name: '138****0001' } };
    expect(qrPayee(ofMerchant)).toEqual({ kind: 'merchant', name: '咖啡店' });
    expect(qrPayee(ofUser)).toEqual({ kind: 'user', name: '138****0001' });
  });

  it("is another bank's merchant with its bank, paid by an interbank transfer", () => {
    const ofOtherBank: QrResolution = {
      ...base,
      merchant: null,
      payee: { kind: 'bank_merchant', name: 'ICBC TEA HOUSE', bank: 'icbc' },
    };
    expect(qrPayee(ofOtherBank)).toEqual({ kind: 'bank_merchant', name: 'ICBC TEA HOUSE', bank: 'icbc' });
    const withoutBank = {
      ...base,
      merchant: null,
      payee: { kind: 'bank_merchant', name: 'X' },
    } as unknown as QrResolution;
    expect(qrPayee(withoutBank)).toEqual({ kind: 'user', name: '—' });
  });

  it('falls back to the merchant when an older gateway answers no payee, or a malformed one', () => {
    const withoutPayee = { ...base, merchant } as unknown as QrResolution;
    const malformed = { ...base, merchant, payee: { kind: 'bank', name: 7 } } as unknown as QrResolution;
    expect(qrPayee(withoutPayee)).toEqual({ kind: 'merchant', name: '咖啡店' });
    expect(qrPayee(malformed)).toEqual({ kind: 'merchant', name: '咖啡店' });
  });
});

describe('randomIdempotencyKey', () => {
  it('is a version-4 UUID, different each time', () => {
    const a = randomIdempotencyKey();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(randomIdempotencyKey()).not.toBe(a);
  });
});

describe('waitForSettled', () => {
  it("waits through another party's signature, and stops when this client must sign", async () => {
    const signing = { unsignedTx: '01', signingBytes: '02' };
    const { client } = recorder([
      json(404, { error: { code: 'not_found', message: 'no payment of yours with this id', details: {} } }),
      json(200, payment('awaiting_signature')),
      json(200, payment('final')),
    ]);
    expect((await waitForSettled(client, payment('awaiting_signature'), { sleep: async () => {} })).status).toBe(
      'final',
    );
    const mine = payment('awaiting_signature', { signing });
    expect(await waitForSettled(client, mine, { sleep: async () => {} })).toBe(mine);
  });
});

describe('merchants: bank account, payouts and pre-authorizations', () => {
  const merchantId = '01'.repeat(16);
  const authTxId = 'cd'.repeat(16);

  it('onboards a merchant with the bank account payouts go to, and reads it back', async () => {
    const merchant = {
      id: merchantId,
      name: '咖啡店',
      mcc: '5812',
      city: 'Shanghai',
      region: 'Huangpu',
      settlementAccountId: '02'.repeat(16),
      bankAccount: '6222 0210 0112 3456',
      staticQr: '000201010211',
      createdAtMs: 1,
    };
    const { calls, client } = recorder([json(201, merchant)]);
    const body = {
      name: '咖啡店',
      mcc: '5812',
      city: 'Shanghai',
      region: 'Huangpu',
      bankAccount: '6222 0210 0112 3456',
    };
    expect((await client.createMerchant(body)).bankAccount).toBe('6222 0210 0112 3456');
    expect(calls[0]).toMatchObject({ url: '/v1/merchants', method: 'POST', body: JSON.stringify(body) });
    expect(calls[0]?.headers['idempotency-key']).toBe('key-1');
  });

  it('pays out with its key, hands back a payment awaiting the owner’s signature, and reuses the key on a retry', async () => {
    const signing = { unsignedTx: '01', signingBytes: '02', intent: 'i' };
    const awaiting = payment('awaiting_signature', {
      kind: 'payout',
      direction: 'out',
      counterparty: { kind: 'bank', name: 'bank' },
      merchantId,
      signing,
    });
    const { calls, client } = recorder([new TypeError('offline'), json(202, awaiting)]);
    const money = { amount: '12.34', currency: 'CNY' };
    await expect(client.payout(merchantId, money)).rejects.toMatchObject({ code: 'network' });
    const answer = await client.payout(merchantId, money);
    expect(answer).toMatchObject({ kind: 'payout', status: 'awaiting_signature', signing });
    expect(calls.map((c) => [c.method, c.url, c.headers['idempotency-key'], c.body])).toEqual([
      ['POST', `/v1/merchants/${merchantId}/payouts`, 'key-1', JSON.stringify(money)],
      ['POST', `/v1/merchants/${merchantId}/payouts`, 'key-1', JSON.stringify(money)],
    ]);
    expect(calls[0]?.headers['content-type']).toBe('application/json');
  });

  it('surfaces a payout above the settlement balance as insufficient_funds', async () => {
    const { client } = recorder([
      json(422, { error: { code: 'insufficient_funds', message: 'not enough money', details: {} } }),
    ]);
    await expect(client.payout(merchantId, { amount: '99999.00', currency: 'CNY' })).rejects.toMatchObject({
      code: 'insufficient_funds',
      status: 422,
      message: 'not enough money',
    });
  });

  it('pre-authorizes a pay code, captures with a money body, and voids with no body and no Content-Type', async () => {
    const { calls, client } = recorder([
      json(201, payment('final', { kind: 'authorize', txId: authTxId, merchantId })),
      json(201, payment('final', { kind: 'capture', authorizationOf: authTxId, merchantId })),
      json(201, payment('final', { kind: 'void', authorizationOf: authTxId, merchantId })),
    ]);
    const hold = { payCode: '281234567890123456', amount: '50.00', currency: 'CNY' };
    expect((await client.authorize(merchantId, hold)).kind).toBe('authorize');
    expect((await client.capture(authTxId, { amount: '42.00', currency: 'CNY' })).kind).toBe('capture');
    expect((await client.voidPayment(authTxId)).kind).toBe('void');
    expect(calls.map((c) => [c.method, c.url, c.body])).toEqual([
      ['POST', `/v1/merchants/${merchantId}/authorizations`, JSON.stringify(hold)],
      ['POST', `/v1/payments/${authTxId}/capture`, JSON.stringify({ amount: '42.00', currency: 'CNY' })],
      ['POST', `/v1/payments/${authTxId}/void`, undefined],
    ]);
    expect(calls[2]?.headers['content-type']).toBeUndefined();
    expect(calls.map((c) => c.headers['idempotency-key'])).toEqual(['key-1', 'key-2', 'key-3']);
  });

  it("reads the settlement account's balances from the peer API with a GET", async () => {
    const account = { id: '02'.repeat(16), balances: [{ asset: 'CNY', decimal: '10.00', availableDecimal: '10.00' }] };
    const { calls, client } = recorder([json(200, account)]);
    expect((await client.account('02'.repeat(16))).balances).toHaveLength(1);
    expect(calls[0]).toMatchObject({ url: `/v1/accounts/${'02'.repeat(16)}`, method: 'GET', body: undefined });
    expect(calls[0]?.headers['idempotency-key']).toBeUndefined();
  });
});

describe('passkeys', () => {
  const phone = '+8613800138000';
  const creationOptions = {
    rp: { id: 'localhost', name: 'Paychain' },
    user: { id: 'dXNlcg', name: phone, displayName: phone },
    challenge: 'Y2hhbGxlbmdl',
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
  };
  const requestOptions = { challenge: 'c2Vzc2lvbg', rpId: 'localhost', userVerification: 'preferred' };
  const registration = {
    id: 'Y3JlZA',
    rawId: 'Y3JlZA',
    response: { clientDataJSON: 'e30', attestationObject: 'o2M' },
    clientExtensionResults: {},
    type: 'public-key' as const,
  };
  const assertion = {
    id: 'Y3JlZA',
    rawId: 'Y3JlZA',
    response: { clientDataJSON: 'e30', authenticatorData: 'YXV0aA', signature: 'c2ln' },
    clientExtensionResults: {},
    type: 'public-key' as const,
  };

  it('asks for registration and authentication options with an Idempotency-Key and no token', async () => {
    const { calls, client, tokens } = recorder([json(200, creationOptions), json(200, requestOptions)]);
    tokens.set('old');
    expect(await client.passkeyRegistrationOptions(phone)).toEqual(creationOptions);
    expect(await client.passkeyAuthenticationOptions(phone)).toEqual(requestOptions);
    expect(calls.map((c) => [c.method, c.url, c.body, c.headers['idempotency-key']])).toEqual([
      ['POST', '/v1/passkeys/registration-options', JSON.stringify({ phone }), 'key-1'],
      ['POST', '/v1/passkeys/authentication-options', JSON.stringify({ phone }), 'key-2'],
    ]);
    expect(calls.map((c) => c.headers.authorization)).toEqual([undefined, undefined]);
    expect(calls[0]?.headers['content-type']).toBe('application/json');
  });

  it('reports a phone that has a user as phone_taken', async () => {
    const { client } = recorder([
      json(409, { error: { code: 'phone_taken', message: 'this phone has a wallet', details: {} } }),
    ]);
    await expect(client.passkeyRegistrationOptions(phone)).rejects.toMatchObject({ code: 'phone_taken', status: 409 });
  });

  it('signs up with the passkey instead of a password, and surfaces passkey_invalid', async () => {
    const user = { id: 'ef'.repeat(16), phone, kycTier: 3, keyMode: 'custodial' };
    const { calls, client } = recorder([
      json(201, user),
      json(400, { error: { code: 'passkey_invalid', message: 'no pending ceremony', details: {} } }),
    ]);
    const body = { phone, passkey: registration, keyMode: 'browser' as const, publicKey: '0a'.repeat(32) };
    expect(await client.signUp(body)).toMatchObject({ id: user.id });
    expect(calls[0]).toMatchObject({ method: 'POST', url: '/v1/users', body: JSON.stringify(body) });
    expect(JSON.parse(calls[0]?.body ?? '{}')).not.toHaveProperty('password');
    expect(calls[0]?.headers['idempotency-key']).toBe('key-1');
    await expect(client.signUp({ phone, passkey: registration, keyMode: 'custodial' })).rejects.toMatchObject({
      code: 'passkey_invalid',
      status: 400,
    });
    // A password or a passkey, never both (checked by the compiler: tsc covers the tests).
    const both = { phone, password: 'pw', passkey: registration, keyMode: 'custodial' as const };
    // @ts-expect-error: both ways at once is not a sign-up body.
    const refused: Parameters<typeof client.signUp>[0] = both;
    expect(refused).toBe(both);
  });

  it('logs in with a passkey assertion like with a password: no idempotency key, the token kept', async () => {
    let unauthenticated = 0;
    const calls: string[] = [];
    const answers = [
      json(401, { error: { code: 'credentials_invalid', message: 'wrong phone or passkey', details: {} } }),
      json(201, { token: 'tok', tokenType: 'Bearer', expiresAtMs: 9, user: { phone }, deviceNewlyBound: false }),
    ];
    const headers: Array<Record<string, string>> = [];
    const tokens = createMemoryTokenStore();
    const client = createApiClient({
      tokens,
      onUnauthenticated: () => unauthenticated++,
      fetch: async (input, init) => {
        calls.push(`${init?.method} ${String(input)} ${String(init?.body)}`);
        headers.push({ ...(init?.headers as Record<string, string>) });
        const answer = answers.shift();
        if (answer === undefined) throw new Error('no canned answer left');
        return answer;
      },
    });
    const body = { phone, passkey: assertion, deviceId: '0'.repeat(32), deviceLabel: 'Chrome on Linux' };
    await expect(client.logIn(body)).rejects.toMatchObject({ code: 'credentials_invalid', status: 401 });
    expect(unauthenticated).toBe(0);
    expect(tokens.get()).toBeNull();
    expect((await client.logIn(body)).token).toBe('tok');
    expect(tokens.get()).toBe('tok');
    expect(calls).toEqual([`POST /v1/sessions ${JSON.stringify(body)}`, `POST /v1/sessions ${JSON.stringify(body)}`]);
    expect(headers.map((h) => h['idempotency-key'])).toEqual([undefined, undefined]);
  });
});

describe('fileNameOfDisposition', () => {
  it.each([
    ['attachment; filename="report.csv"', 'report.csv'],
    ['attachment; filename=report.csv', 'report.csv'],
    ["attachment; filename*=UTF-8''%E6%8A%A5%E5%91%8A.csv", '报告.csv'],
    ['attachment; filename="../../etc/passwd"', 'passwd'],
    ['attachment; filename=".hidden"', null],
    ['attachment', null],
    [null, null],
  ])('%s → %s', (header, name) => {
    expect(fileNameOfDisposition(header)).toBe(name);
  });
});
