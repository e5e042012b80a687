// Goal: the gateway API's first slice (sign-up, log-in, logout, me, devices) answers every valid and invalid request
// with its documented status and error, changes nothing on a refusal, replays idempotent POSTs byte for byte, and
// never leaks a stack, a password, a hash or a token. Method: one suite run by describe.each against a temp SQLite
// file and the real PostgreSQL server in a fresh schema (skipped, saying why, when no server answers); requests go
// through `app.inject` (no port); a fixed clock the tests move; few sign-ups, since each costs one scrypt hash.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionTokenHash } from '../auth/tokens.ts';
import { SimulatedCoreBanking } from '../bank/core-banking.ts';
import type { GatewayDb, GatewayDbBackend } from '../db/gateway-db.ts';
import { openGatewayDb } from '../db/open-db.ts';
import { isPostgresReachable, TEST_POSTGRES_URL } from '../db/test-postgres.ts';
import { GatewaySecrets } from '../ledger/gateway-secrets.ts';
import { openTestLedger, type TestLedger } from '../ledger/test-ledger.ts';
import { PaymentService } from '../service/payment-service.ts';
import { BODY_BYTES_MAX, createGatewayApp, SESSION_LIFETIME_MS } from './gateway-app.ts';
import { requestHash } from './request-hash.ts';

const PG_URL = TEST_POSTGRES_URL;
/** The clock starts now, whole seconds (ledger transactions expire against the peers' real clock). */
const T0 = Math.floor(Date.now() / 1000) * 1000;
const RATE_WINDOW_MS = 60_000;
const LOGIN_FAILURES_PER_PHONE_MAX = 3;
const RUN_TAG = randomBytes(6).toString('hex');
const PHONE = '+8613800138000';
const PASSWORD = 'correct horse battery';
const OTHER_PASSWORD = 'another long secret';
const DEVICE_1 = '11'.repeat(16);
const DEVICE_2 = '22'.repeat(16);

const pgReachable = await isPostgresReachable(PG_URL);

interface Harness {
  readonly name: GatewayDbBackend;
  /** Null when the backend can run here; otherwise why not. */
  readonly skipReason: string | null;
  open(): Promise<GatewayDb>;
  cleanup(): Promise<void>;
}

function createSqliteHarness(): Harness {
  let dir: string | null = null;
  return {
    name: 'sqlite',
    skipReason: null,
    open: () => {
      dir = mkdtempSync(join(tmpdir(), `paychain-gw-http-${RUN_TAG}-`));
      return openGatewayDb(`sqlite:${join(dir, 'gateway.sqlite')}`);
    },
    cleanup: async () => {
      if (dir !== null) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function createPostgresHarness(): Harness {
  const schema = `paychain_gw_http_${RUN_TAG}`;
  return {
    name: 'postgres',
    skipReason: pgReachable ? null : `no PostgreSQL server answers at ${PG_URL} (set PAYCHAIN_TEST_POSTGRES_URL)`,
    open: () => openGatewayDb(PG_URL, { postgresSchema: schema }),
    cleanup: async () => {
      const admin = new Client({ connectionString: PG_URL });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}

interface ErrorJson {
  readonly error: { readonly code: string; readonly message: string; readonly details: Record<string, unknown> };
}

function errorOf(response: LightMyRequestResponse): ErrorJson['error'] {
  const body = response.json<ErrorJson>();
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'details', 'message']);
  return body.error;
}

describe.each([createSqliteHarness(), createPostgresHarness()])('gateway API on $name', (harness) => {
  describe.skipIf(harness.skipReason !== null)(harness.skipReason ?? 'shared suite', () => {
    let db: GatewayDb;
    let app: FastifyInstance;
    let testLedger: TestLedger;
    let payments: PaymentService;
    let nowMs = T0;
    const secret = randomBytes(32);
    /** Every response, checked at the end for leaks; `tokenAllowed` marks the log-in answers. */
    const seen: { readonly text: string; readonly tokenAllowed: boolean }[] = [];
    const tokens: string[] = [];
    let keyCounter = 0;
    const nextKey = (): string => `key-${++keyCounter}`;

    async function call(options: InjectOptions): Promise<LightMyRequestResponse> {
      const response = await app.inject(options);
      const isLogIn = options.method === 'POST' && options.url === '/v1/sessions' && response.statusCode === 201;
      seen.push({ text: `${JSON.stringify(response.headers)}\n${response.body}`, tokenAllowed: isLogIn });
      return response;
    }

    const signUp = (body: object, key: string | null = nextKey()): Promise<LightMyRequestResponse> =>
      call({
        method: 'POST',
        url: '/v1/users',
        headers: key === null ? {} : { 'idempotency-key': key },
        payload: body,
      });

    async function logIn(body: Record<string, unknown>, remoteAddress = '127.0.0.1'): Promise<LightMyRequestResponse> {
      const response = await call({ method: 'POST', url: '/v1/sessions', payload: body, remoteAddress });
      if (response.statusCode === 201) tokens.push(response.json<{ token: string }>().token);
      return response;
    }

    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

    beforeAll(async () => {
      db = await harness.open();
      await db.migrate(T0);
      testLedger = openTestLedger();
      payments = new PaymentService({
        db,
        ledger: testLedger.ledger,
        bank: new SimulatedCoreBanking(),
        secrets: new GatewaySecrets(GatewaySecrets.generateMaster()),
        clock: () => nowMs,
      });
      app = createGatewayApp({
        db,
        payments,
        clock: () => nowMs,
        requestHashSecret: secret,
        rateLimit: { windowMs: RATE_WINDOW_MS, loginFailuresPerPhoneMax: LOGIN_FAILURES_PER_PHONE_MAX },
      });
      await app.ready();
    });

    afterAll(async () => {
      await app?.close();
      await db?.close();
      await testLedger?.close();
      await harness.cleanup();
    });

    it('signs up, logs in, shows me, logs out, then refuses the token', async () => {
      const created = await signUp({ phone: PHONE, password: PASSWORD });
      expect(created.statusCode).toBe(201);
      const user = created.json<Record<string, unknown>>();
      expect(user).toMatchObject({
        phone: PHONE,
        kycTier: 3,
        keyMode: 'custodial',
        status: 'active',
        role: 'user',
        createdAtMs: T0,
        limits: { perPayment: { amount: '2000.00', currency: 'CNY' }, perDay: { amount: '2000.00', currency: 'CNY' } },
      });
      expect(Object.keys(user).sort()).toEqual(
        [
          'createdAtMs',
          'id',
          'kycTier',
          'keyMode',
          'ledgerAccountId',
          'limits',
          'phone',
          'publicKey',
          'role',
          'status',
        ].sort(),
      );
      // The wallet's account is open on the ledger, owned by the custodial key, at KYC class III.
      const account = testLedger.ledger.account(String(user.ledgerAccountId));
      expect(account).toMatchObject({ tier: 3, frozen: false, issuer: 'bank' });
      expect(user.id).toMatch(/^[0-9a-f]{32}$/);
      expect(user.ledgerAccountId).toMatch(/^[0-9a-f]{32}$/);
      const stored = await db.getUserByPhone(PHONE);
      expect(stored?.passwordHash).toMatch(/^scrypt\$/);

      const session = await logIn({ phone: PHONE, password: PASSWORD, deviceId: DEVICE_1, deviceLabel: 'Mate 60' });
      expect(session.statusCode).toBe(201);
      const answer = session.json<{ token: string; expiresAtMs: number; deviceNewlyBound: boolean; user: unknown }>();
      expect(answer.expiresAtMs).toBe(T0 + SESSION_LIFETIME_MS);
      expect(answer.deviceNewlyBound).toBe(true);
      expect(answer.user).toEqual(user);
      // Only the token's hash is stored.
      expect(await db.findSession(sessionTokenHash(answer.token), nowMs)).toMatchObject({ deviceId: DEVICE_1 });

      const me = await call({ method: 'GET', url: '/v1/me', headers: bearer(answer.token) });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toEqual(user);

      const out = await call({ method: 'DELETE', url: '/v1/sessions/current', headers: bearer(answer.token) });
      expect(out.statusCode).toBe(204);
      expect(out.body).toBe('');
      const after = await call({ method: 'GET', url: '/v1/me', headers: bearer(answer.token) });
      expect(after.statusCode).toBe(401);
      expect(errorOf(after).code).toBe('unauthenticated');
      const again = await call({ method: 'DELETE', url: '/v1/sessions/current', headers: bearer(answer.token) });
      expect(again.statusCode).toBe(401);
    });

    it('replays an idempotent sign-up byte for byte, and refuses the key with another body', async () => {
      const phone = '+8613900139000';
      const key = nextKey();
      const first = await signUp({ phone, password: PASSWORD }, key);
      expect(first.statusCode).toBe(201);
      expect(first.headers['idempotent-replayed']).toBe('false');
      // The same request with its keys in another order and other spacing is the same request.
      const replay = await call({
        method: 'POST',
        url: '/v1/users',
        headers: { 'idempotency-key': key, 'content-type': 'application/json' },
        payload: `{ "password": ${JSON.stringify(PASSWORD)},  "phone": "${phone}" }`,
      });
      expect(replay.statusCode).toBe(201);
      expect(replay.body).toBe(first.body);
      expect(replay.headers['idempotent-replayed']).toBe('true');

      const conflict = await signUp({ phone, password: OTHER_PASSWORD }, key);
      expect(conflict.statusCode).toBe(409);
      expect(errorOf(conflict).code).toBe('idempotency_conflict');

      const taken = await signUp({ phone, password: PASSWORD });
      expect(taken.statusCode).toBe(409);
      expect(errorOf(taken).code).toBe('phone_taken');
      // The duplicate's answer is stored under its key too: a retry gets the same 409.
      const user = await db.getUserByPhone(phone);
      expect(user?.id).toBe(first.json<{ id: string }>().id);
    });

    it('answers 409 idempotency_in_progress while the first request with the key is running', async () => {
      const phone = '+8613700137000';
      const key = nextKey();
      const body = { phone, password: PASSWORD };
      expect(
        await db.claimIdempotencyKey(`phone:${phone}`, key, requestHash(secret, 'POST', '/v1/users', body), nowMs),
      ).toBe('new');
      const response = await signUp(body, key);
      expect(response.statusCode).toBe(409);
      expect(errorOf(response).code).toBe('idempotency_in_progress');
      expect(await db.getUserByPhone(phone)).toBeNull();
    });

    const NEW_PHONE = '+8613600136000';
    const huge = { phone: NEW_PHONE, password: 'x'.repeat(BODY_BYTES_MAX) };
    it.each([
      ['no Idempotency-Key', { phone: NEW_PHONE, password: PASSWORD }, null, 400, 'bad_request'],
      ['an Idempotency-Key too long', { phone: NEW_PHONE, password: PASSWORD }, 'k'.repeat(256), 400, 'bad_request'],
      ['an Idempotency-Key not ASCII', { phone: NEW_PHONE, password: PASSWORD }, 'clé-1', 400, 'bad_request'],
      ['a phone without +', { phone: '8613600136000', password: PASSWORD }, 'k', 400, 'bad_request'],
      ['a phone too long', { phone: '+1234567890123456', password: PASSWORD }, 'k', 400, 'bad_request'],
      ['a phone as a number', { phone: 8613600136000, password: PASSWORD }, 'k', 400, 'bad_request'],
      ['a password as a number', { phone: NEW_PHONE, password: 12345678 }, 'k', 400, 'bad_request'],
      ['no password', { phone: NEW_PHONE }, 'k', 400, 'bad_request'],
      ['no phone', { password: PASSWORD }, 'k', 400, 'bad_request'],
      ['an unknown field', { phone: NEW_PHONE, password: PASSWORD, admin: true }, 'k', 400, 'bad_request'],
      ['an array body', [NEW_PHONE, PASSWORD], 'k', 400, 'bad_request'],
      ['a short password', { phone: NEW_PHONE, password: 'short' }, 'k-short', 400, 'password_invalid'],
      [
        'a password with a control char',
        { phone: NEW_PHONE, password: 'abc\u0007defgh' },
        'k-ctl',
        400,
        'password_invalid',
      ],
      ['a huge body', huge, 'k-huge', 413, 'body_too_large'],
    ])('refuses a sign-up with %s, storing no user', async (_name, body, key, status, code) => {
      const response = await signUp(body, key);
      expect(response.statusCode).toBe(status);
      const error = errorOf(response);
      expect(error.code).toBe(code);
      if (code === 'bad_request' && key !== null && key.length < 256 && /^[ -~]+$/.test(key)) {
        expect(error.details.in).toBe('body');
      }
      expect(await db.getUserByPhone(NEW_PHONE)).toBeNull();
    });

    it('refuses other content types (415), invalid JSON (400) and unknown routes (404)', async () => {
      const text = await call({
        method: 'POST',
        url: '/v1/users',
        headers: { 'idempotency-key': nextKey(), 'content-type': 'text/plain' },
        payload: `phone=${NEW_PHONE}`,
      });
      expect(text.statusCode).toBe(415);
      expect(errorOf(text).code).toBe('unsupported_media_type');
      const broken = await call({
        method: 'POST',
        url: '/v1/users',
        headers: { 'idempotency-key': nextKey(), 'content-type': 'application/json' },
        payload: '{"phone": "+86136',
      });
      expect(broken.statusCode).toBe(400);
      expect(errorOf(broken).code).toBe('bad_request');
      const unknown = await call({ method: 'GET', url: '/v1/nothing-here?x=1' });
      expect(unknown.statusCode).toBe(404);
      expect(errorOf(unknown)).toMatchObject({
        code: 'not_found',
        details: { method: 'GET', path: '/v1/nothing-here' },
      });
      expect(await db.getUserByPhone(NEW_PHONE)).toBeNull();
    });

    it('answers a wrong password and an unknown phone with the same 401', async () => {
      const wrong = await logIn({ phone: PHONE, password: OTHER_PASSWORD, deviceId: DEVICE_1 });
      const unknown = await logIn({ phone: '+8613500135000', password: PASSWORD, deviceId: DEVICE_1 });
      expect(wrong.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(errorOf(wrong).code).toBe('credentials_invalid');
      expect(unknown.body).toBe(wrong.body);
    });

    it.each([
      ['no deviceId', { phone: PHONE, password: PASSWORD }],
      ['a deviceId not hex', { phone: PHONE, password: PASSWORD, deviceId: 'my-phone' }],
      ['an empty deviceLabel', { phone: PHONE, password: PASSWORD, deviceId: DEVICE_2, deviceLabel: '' }],
      ['a deviceLabel with a newline', { phone: PHONE, password: PASSWORD, deviceId: DEVICE_2, deviceLabel: 'a\nb' }],
      [
        'a deviceLabel too long',
        { phone: PHONE, password: PASSWORD, deviceId: DEVICE_2, deviceLabel: '机'.repeat(65) },
      ],
    ])('refuses a log-in with %s, binding nothing', async (_name, body) => {
      const response = await logIn(body);
      expect(response.statusCode).toBe(400);
      expect(errorOf(response).code).toBe('bad_request');
      const user = await db.getUserByPhone(PHONE);
      expect(user).not.toBeNull();
      expect(await db.getDevice(user?.id ?? '', DEVICE_2)).toBeNull();
    });

    it.each([
      ['no header', {}],
      ['another scheme', { authorization: `Basic ${'a'.repeat(43)}` }],
      ['a malformed token', { authorization: 'Bearer not-a-token' }],
      ['an unknown token', { authorization: `Bearer ${'A'.repeat(43)}` }],
    ])('refuses /v1/me with %s (401)', async (_name, headers) => {
      const response = await call({ method: 'GET', url: '/v1/me', headers });
      expect(response.statusCode).toBe(401);
      expect(errorOf(response).code).toBe('unauthenticated');
    });

    it('revokes a device and its sessions, and only those', async () => {
      const one = (await logIn({ phone: PHONE, password: PASSWORD, deviceId: DEVICE_1 })).json<{
        token: string;
        deviceNewlyBound: boolean;
      }>();
      expect(one.deviceNewlyBound).toBe(false);
      const two = (await logIn({ phone: PHONE, password: PASSWORD, deviceId: DEVICE_2, deviceLabel: 'iPad' })).json<{
        token: string;
        deviceNewlyBound: boolean;
      }>();
      expect(two.deviceNewlyBound).toBe(true);

      const listed = await call({ method: 'GET', url: '/v1/me/devices', headers: bearer(two.token) });
      expect(listed.statusCode).toBe(200);
      expect(listed.json()).toEqual({
        items: [
          { deviceId: DEVICE_1, label: 'Mate 60', boundAtMs: T0, revokedAtMs: null },
          { deviceId: DEVICE_2, label: 'iPad', boundAtMs: T0, revokedAtMs: null },
        ],
      });

      nowMs += 1_000;
      const revoked = await call({ method: 'DELETE', url: `/v1/me/devices/${DEVICE_1}`, headers: bearer(two.token) });
      expect(revoked.statusCode).toBe(204);
      expect((await call({ method: 'GET', url: '/v1/me', headers: bearer(one.token) })).statusCode).toBe(401);
      expect((await call({ method: 'GET', url: '/v1/me', headers: bearer(two.token) })).statusCode).toBe(200);

      const twice = await call({ method: 'DELETE', url: `/v1/me/devices/${DEVICE_1}`, headers: bearer(two.token) });
      expect(twice.statusCode).toBe(404);
      expect(errorOf(twice).code).toBe('device_not_found');
      const bad = await call({ method: 'DELETE', url: '/v1/me/devices/nope', headers: bearer(two.token) });
      expect(bad.statusCode).toBe(400);
      expect(errorOf(bad)).toMatchObject({ code: 'bad_request', details: { in: 'params', field: 'deviceId' } });
      const listedAfter = await call({ method: 'GET', url: '/v1/me/devices', headers: bearer(two.token) });
      expect(listedAfter.json<{ items: { revokedAtMs: number | null }[] }>().items.map((d) => d.revokedAtMs)).toEqual([
        nowMs,
        null,
      ]);
    });

    it('expires a session after SESSION_LIFETIME_MS', async () => {
      const { token } = (await logIn({ phone: PHONE, password: PASSWORD, deviceId: DEVICE_2 })).json<{
        token: string;
      }>();
      const saved = nowMs;
      nowMs = saved + SESSION_LIFETIME_MS - 1;
      expect((await call({ method: 'GET', url: '/v1/me', headers: bearer(token) })).statusCode).toBe(200);
      nowMs = saved + SESSION_LIFETIME_MS;
      const expired = await call({ method: 'GET', url: '/v1/me', headers: bearer(token) });
      expect(expired.statusCode).toBe(401);
      expect(errorOf(expired).code).toBe('unauthenticated');
      nowMs = saved;
    });

    it('rate-limits failed log-ins per phone with 429 and Retry-After, until the window ends', async () => {
      const phone = '+8613400134000';
      for (let i = 0; i < LOGIN_FAILURES_PER_PHONE_MAX; i++) {
        expect((await logIn({ phone, password: OTHER_PASSWORD, deviceId: DEVICE_1 })).statusCode).toBe(401);
      }
      const limited = await logIn({ phone, password: OTHER_PASSWORD, deviceId: DEVICE_1 });
      expect(limited.statusCode).toBe(429);
      expect(errorOf(limited)).toMatchObject({ code: 'rate_limited', details: { retryAfterS: RATE_WINDOW_MS / 1000 } });
      expect(limited.headers['retry-after']).toBe(String(RATE_WINDOW_MS / 1000));
      nowMs += RATE_WINDOW_MS;
      expect((await logIn({ phone, password: OTHER_PASSWORD, deviceId: DEVICE_1 })).statusCode).toBe(401);
    });

    it('rate-limits log-in attempts per client IP', async () => {
      const limitedApp = createGatewayApp({
        db,
        payments,
        clock: () => nowMs,
        rateLimit: { loginAttemptsPerIpMax: 1 },
      });
      try {
        const attempt = (remoteAddress: string) =>
          limitedApp.inject({
            method: 'POST',
            url: '/v1/sessions',
            payload: { phone: '+8613300133000', password: OTHER_PASSWORD, deviceId: DEVICE_1 },
            remoteAddress,
          });
        expect((await attempt('10.0.0.1')).statusCode).toBe(401);
        const limited = await attempt('10.0.0.1');
        expect(limited.statusCode).toBe(429);
        expect(errorOf(limited).code).toBe('rate_limited');
        expect((await attempt('10.0.0.2')).statusCode).toBe(401);
      } finally {
        await limitedApp.close();
      }
    });

    it('refuses a frozen user at log-in (403, after the password) and on an open session', async () => {
      const { token } = (await logIn({ phone: PHONE, password: PASSWORD, deviceId: DEVICE_2 })).json<{
        token: string;
      }>();
      const user = await db.getUserByPhone(PHONE);
      expect(await db.setUserStatus(user?.id ?? '', 'frozen')).toBe(true);
      const wrong = await logIn({ phone: PHONE, password: OTHER_PASSWORD, deviceId: DEVICE_2 });
      expect(errorOf(wrong).code).toBe('credentials_invalid');
      const frozen = await logIn({ phone: PHONE, password: PASSWORD, deviceId: DEVICE_2 });
      expect(frozen.statusCode).toBe(403);
      expect(errorOf(frozen).code).toBe('user_frozen');
      const me = await call({ method: 'GET', url: '/v1/me', headers: bearer(token) });
      expect(me.statusCode).toBe(403);
      expect((await call({ method: 'DELETE', url: '/v1/sessions/current', headers: bearer(token) })).statusCode).toBe(
        204,
      );
      await db.setUserStatus(user?.id ?? '', 'active');
    });

    it('serves the OpenAPI document with every route', async () => {
      const response = await call({ method: 'GET', url: '/v1/openapi.json' });
      expect(response.statusCode).toBe(200);
      const document = response.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
      expect(document.openapi).toBe('3.1.0');
      expect(Object.keys(document.paths).sort()).toEqual(
        [
          '/v1/consortium',
          '/v1/me',
          '/v1/me/confirmations',
          '/v1/me/devices',
          '/v1/me/devices/{deviceId}',
          '/v1/me/key',
          '/v1/me/step-up',
          '/v1/me/payment-requests',
          '/v1/me/qr',
          '/v1/merchants',
          '/v1/merchants/{merchantId}',
          '/v1/merchants/{merchantId}/authorizations',
          '/v1/merchants/{merchantId}/charges',
          '/v1/merchants/{merchantId}/payments',
          '/v1/merchants/{merchantId}/payouts',
          '/v1/merchants/{merchantId}/qr',
          '/v1/merchants/{merchantId}/summary',
          '/v1/merchants/{merchantId}/webhook',
          '/v1/openapi.json',
          '/v1/passkeys/authentication-options',
          '/v1/passkeys/registration-options',
          '/v1/ops/accounts/{accountId}/freeze',
          '/v1/ops/accounts/{accountId}/unfreeze',
          '/v1/ops/peers',
          '/v1/ops/users/kyc',
          '/v1/pay-codes',
          '/v1/payments/{txId}',
          '/v1/payments/{txId}/capture',
          '/v1/payments/{txId}/refunds',
          '/v1/payments/{txId}/signature',
          '/v1/payments/{txId}/void',
          '/v1/qr/pay',
          '/v1/qr/resolve',
          '/v1/sessions',
          '/v1/sessions/current',
          '/v1/transfers',
          '/v1/users',
          '/v1/wallet',
          '/v1/wallet/payments',
          '/v1/wallet/top-ups',
          '/v1/wallet/withdrawals',
        ].sort(),
      );
      expect(Object.keys(document.paths['/v1/users'] ?? {})).toEqual(['post']);
    });

    it('never answers with a stack trace, a password, a hash or a token (but the log-in token once)', async () => {
      const hashes = [(await db.getUserByPhone(PHONE))?.passwordHash ?? 'unreachable', ...tokens.map(sessionTokenHash)];
      expect(seen.length).toBeGreaterThan(40);
      expect(tokens.length).toBeGreaterThan(3);
      for (const { text, tokenAllowed } of seen) {
        expect(text).not.toMatch(/\n\s+at |\.ts:\d+|Error:/);
        expect(text).not.toContain(PASSWORD);
        expect(text).not.toContain(OTHER_PASSWORD);
        expect(text).not.toContain('scrypt$');
        expect(text).not.toContain('passwordHash');
        for (const hash of hashes) expect(text).not.toContain(hash);
        if (!tokenAllowed) for (const token of tokens) expect(text).not.toContain(token);
      }
    });
  });
});
