// Goal: the one server `paychain start` runs serves the peer API, the gateway and the web app on one port, feeds a
// merchant's live stream as payments settle, and delivers a signed webhook a merchant can verify. Method: a real
// embedded consortium, the server listening on a loopback port, a real SSE client (fetch streaming) and a real
// merchant HTTP server that checks `Paychain-Signature` with `verifyWebhook`; the gateway's storage on SQLite and on
// the real PostgreSQL server.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPostgresReachable, TEST_POSTGRES_URL } from './db/test-postgres.ts';
import { openTestLedger, type TestLedger } from './ledger/test-ledger.ts';
import { createPaychainServer, type PaychainServer, passkeyConfigOf } from './server.ts';
import { decodeWebhookSecret, ReplayCache, verifyWebhook } from './webhooks/webhook-signature.ts';

describe('passkeyConfigOf', () => {
  it('binds passkeys to the public host name, and to nothing when it is an IP address', () => {
    expect(passkeyConfigOf('https://pay.example.cn')).toEqual({
      rpId: 'pay.example.cn',
      rpName: 'Paychain',
      origins: ['https://pay.example.cn'],
    });
    expect(passkeyConfigOf('http://localhost:8080')?.origins).toEqual(['http://localhost:8080']);
    expect(passkeyConfigOf('http://127.0.0.1:8080')).toBeNull();
    expect(passkeyConfigOf('http://[::1]:8080')).toBeNull();
    expect(passkeyConfigOf(null)).toBeNull();
  });
});

const RUN_TAG = randomBytes(6).toString('hex');
const pgReachable = await isPostgresReachable(TEST_POSTGRES_URL);

interface Backend {
  readonly name: string;
  readonly skipReason: string | null;
  readonly db?: string;
  readonly dbOptions?: { readonly postgresSchema: string };
  cleanup(): Promise<void>;
}

const backends: Backend[] = [
  { name: 'sqlite', skipReason: null, cleanup: async () => {} },
  {
    name: 'postgres',
    skipReason: pgReachable ? null : `no PostgreSQL server answers at ${TEST_POSTGRES_URL}`,
    db: TEST_POSTGRES_URL,
    dbOptions: { postgresSchema: `paychain_srv_${RUN_TAG}` },
    cleanup: async () => {
      const admin = new Client({ connectionString: TEST_POSTGRES_URL });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS paychain_srv_${RUN_TAG} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  },
];

describe.each(backends)('the Paychain server, gateway on $name', (backend) => {
  describe.skipIf(backend.skipReason !== null)(backend.skipReason ?? 'one port', () => {
    let testLedger: TestLedger;
    let server: PaychainServer;
    let base: string;
    let dataDir: string;
    const received: { body: string; verdict: string }[] = [];
    let merchantServer: Server;
    let merchantUrl: string;
    let webhookSecret: Uint8Array | null = null;
    const seen = new ReplayCache();

    async function call(method: string, path: string, token?: string, body?: unknown) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(method === 'POST' ? { 'idempotency-key': randomBytes(8).toString('hex') } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, json: text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {} };
    }

    async function wallet(phone: string): Promise<string> {
      expect((await call('POST', '/v1/users', undefined, { phone, password: 'long enough secret' })).status).toBe(201);
      const session = await call('POST', '/v1/sessions', undefined, {
        phone,
        password: 'long enough secret',
        deviceId: randomBytes(16).toString('hex'),
      });
      return String(session.json.token);
    }

    beforeAll(async () => {
      testLedger = openTestLedger();
      dataDir = mkdtempSync(join(tmpdir(), 'paychain-server-'));
      const webDir = join(dataDir, 'web');
      mkdirSync(webDir);
      writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Paychain</title>');
      server = await createPaychainServer({
        node: testLedger.consortium,
        issuer: testLedger.ledger.issuer,
        dataDir,
        webDir,
        ...(backend.db === undefined ? {} : { db: backend.db }),
        ...(backend.dbOptions === undefined ? {} : { dbOptions: backend.dbOptions }),
      });
      base = await server.app.listen({ host: '127.0.0.1', port: 0 });
      merchantServer = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => {
          body += chunk.toString('utf8');
        });
        request.on('end', () => {
          const verdict =
            webhookSecret === null
              ? 'no secret'
              : (() => {
                  const checked = verifyWebhook({
                    secret: webhookSecret,
                    body,
                    header: request.headers['paychain-signature'],
                    nowMs: Date.now(),
                    seen,
                  });
                  return checked.ok ? 'ok' : checked.reason;
                })();
          received.push({ body, verdict });
          response.writeHead(verdict === 'ok' ? 200 : 400).end();
        });
      });
      await new Promise<void>((resolve) => merchantServer.listen(0, '127.0.0.1', resolve));
      merchantUrl = `http://127.0.0.1:${(merchantServer.address() as AddressInfo).port}/hooks/paychain`;
    });

    afterAll(async () => {
      await server?.close();
      await testLedger?.close();
      await new Promise<void>((resolve) => merchantServer?.close(() => resolve()));
      rmSync(dataDir, { recursive: true, force: true });
      await backend.cleanup();
    });

    it('serves the web app, the peer API and the gateway on one port, in one OpenAPI document', async () => {
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>Paychain</title>');
      expect((await call('GET', '/v1/chain/head')).status).toBe(200);
      const document = await call('GET', '/v1/openapi.json');
      const paths = Object.keys(document.json.paths as object);
      expect(paths).toEqual(
        expect.arrayContaining(['/v1/blocks/{height}', '/v1/transfers', '/v1/merchants/{merchantId}/events']),
      );
      const missing = await call('GET', '/v1/no-such-route');
      expect(missing.status).toBe(404);
      expect((missing.json.error as { code: string }).code).toBe('not_found');
    });

    it("streams a merchant's payments live and delivers each as a signed webhook", async () => {
      const owner = await wallet('+8613600000001');
      const payer = await wallet('+8613600000002');
      const merchant = await call('POST', '/v1/merchants', owner, {
        name: 'Live Shop',
        mcc: '5411',
        city: 'Beijing',
        region: 'BJ',
        bankAccount: '6222021001000001',
      });
      const merchantId = String(merchant.json.id);
      const hook = await call('PUT', `/v1/merchants/${merchantId}/webhook`, owner, { url: merchantUrl });
      expect(hook.status).toBe(200);
      webhookSecret = decodeWebhookSecret(String(hook.json.secret));
      expect((await call('GET', `/v1/merchants/${merchantId}/webhook`, owner)).json).not.toHaveProperty('secret');
      const stranger = await fetch(`${base}/v1/merchants/${merchantId}/events?access_token=${payer}`);
      expect(stranger.status).toBe(404);
      await stranger.body?.cancel();

      const abort = new AbortController();
      const stream = await fetch(`${base}/v1/merchants/${merchantId}/events?access_token=${owner}`, {
        signal: abort.signal,
      });
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toContain('text/event-stream');
      const reader = stream.body?.getReader();
      if (reader === undefined) throw new Error('a stream body');

      await call('POST', '/v1/wallet/top-ups', payer, { amount: '50.00', currency: 'CNY' });
      const qr = await call('POST', `/v1/merchants/${merchantId}/qr`, owner, { amount: '12.34', currency: 'CNY' });
      const paid = await call('POST', '/v1/qr/pay', payer, { payload: qr.json.payload });
      expect(paid.status).toBe(201);

      let text = '';
      const decoder = new TextDecoder();
      while (!text.includes(String(paid.json.txId))) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += decoder.decode(chunk.value, { stream: true });
      }
      abort.abort();
      expect(text).toContain('event: payment');
      const dataLine = text
        .split('\n')
        .find((line) => line.startsWith('data:') && line.includes(String(paid.json.txId)));
      expect(JSON.parse(dataLine?.slice(5) ?? '{}')).toMatchObject({
        kind: 'qr',
        status: 'final',
        direction: 'in',
        amount: { amount: '12.34', currency: 'CNY' },
      });

      for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(received.map((r) => r.verdict)).toEqual(['ok']);
      const event = JSON.parse(received[0]?.body ?? '{}') as { type: string; data: { txId: string } };
      expect(event.type).toBe('payment.final');
      expect(event.data.txId).toBe(paid.json.txId);
    });
  });
});
