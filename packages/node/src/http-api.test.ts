// Goal: the node HTTP API answers every route with the documented shape and status, and refuses bad input with the documented error code while leaving the ledger unchanged. Method: fastify inject (one real loopback socket for server-sent events) against a real three-peer Consortium on temporary SQLite files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bytesToHex,
  type CryptoSuite,
  type Genesis,
  genesisState,
  type KeyPair,
  parseReceipt,
  type Signer,
  signAndEncode,
  TX_BYTES_MAX,
  type TxBody,
  validatorSetAt,
  verifyReceipt,
} from '@paychain/core';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse as InjectResponse, RouteOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Consortium } from './consortium.ts';
import { consortiumOptionsOf, DEFAULT_ORGS, initDataDir, openDataDir } from './data-dir.ts';
import { API_ERROR_STATUS, createHttpApi, SSE_CLIENTS_MAX, SUBMIT_BODY_BYTES_MAX } from './http-api.ts';

const CHAIN_ID = 'paychain-http-test';
const EXPIRY_MS = 600_000n;

interface World {
  readonly dir: string;
  readonly consortium: Consortium;
  readonly app: FastifyInstance;
  readonly suite: CryptoSuite;
  readonly genesis: Genesis;
  readonly issuer: Signer;
  nextId(): string;
  tx(
    body: TxBody,
    signers: readonly Signer[],
    overrides?: { chainId?: string; expiresAt?: bigint; id?: string },
  ): Uint8Array;
  post(bytes: Uint8Array, query?: string): Promise<InjectResponse>;
}

let world: World;
const cleanups: Array<() => Promise<void>> = [];

function openWorld(): World {
  const dir = mkdtempSync(join(tmpdir(), 'paychain-http-'));
  initDataDir({ dir, suite: 'intl', chainId: CHAIN_ID, orgs: DEFAULT_ORGS, time: BigInt(Date.now()) });
  const data = openDataDir(dir);
  const consortium = Consortium.open({
    ...consortiumOptionsOf(data),
    blockIntervalMs: 5,
    verifyWorkers: 1,
  });
  const app = createHttpApi(consortium, {});
  cleanups.push(async () => {
    await app.close();
    await consortium.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const bank = data.keys.get('bank');
  if (bank === undefined) throw new Error('test setup: bank keys');
  let counter = 0;
  const nextId = () => (++counter).toString(16).padStart(32, '0');
  const tx: World['tx'] = (body, signers, overrides = {}) =>
    signAndEncode(
      data.suite,
      {
        chainId: overrides.chainId ?? CHAIN_ID,
        id: overrides.id ?? nextId(),
        expiresAt: overrides.expiresAt ?? BigInt(Date.now()) + EXPIRY_MS,
        body,
      },
      signers,
    );
  return {
    dir,
    consortium,
    app,
    suite: data.suite,
    genesis: data.genesis,
    issuer: { privateKey: bank.adminPrivateKey, publicKey: bank.adminPublicKey },
    nextId,
    tx,
    post: (bytes, query = '') =>
      app.inject({ method: 'POST', url: `/v1/transactions${query}`, payload: { tx: bytesToHex(bytes) } }),
  };
}

beforeEach(() => {
  world = openWorld();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function openAccountTx(w: World, account: string, owner: KeyPair): Uint8Array {
  return w.tx(
    {
      type: 'account.open',
      account,
      issuer: 'bank',
      owners: [owner.publicKey],
      threshold: 1,
      tier: 1,
      flags: { allowNegative: false },
    },
    [w.issuer],
  );
}

function mintTx(w: World, account: string, amount: bigint): Uint8Array {
  return w.tx({ type: 'mint', asset: 'CNY', account, amount }, [w.issuer]);
}

function transferTx(w: World, source: string, owner: KeyPair, target: string, amount: bigint): Uint8Array {
  return w.tx({ type: 'transfer', source, target, asset: 'CNY', amount, memo: 'lunch' }, [owner]);
}

/** Opens a funded payer and an empty payee through the API. */
async function openPayerAndPayee(w: World): Promise<{ payer: string; payerKey: KeyPair; payee: string }> {
  const payerKey = w.suite.generateKeyPair();
  const payer = w.nextId();
  const payee = w.nextId();
  for (const bytes of [
    openAccountTx(w, payer, payerKey),
    openAccountTx(w, payee, w.suite.generateKeyPair()),
    mintTx(w, payer, 100_000n),
  ]) {
    const response = await w.post(bytes);
    expect(response.statusCode).toBe(200);
    expect(response.json().result.code).toBe('ok');
  }
  return { payer, payerKey, payee };
}

/** A parsed response body: untyped JSON, each test checks the fields it reads with `expect`. */
// biome-ignore lint/suspicious/noExplicitAny: response JSON is checked field by field with expect
type JsonBody = any;

async function getJson(w: World, url: string): Promise<{ status: number; body: JsonBody }> {
  const response = await w.app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json() };
}

function expectError(response: InjectResponse, status: number, code: string): void {
  expect({ status: response.statusCode, code: response.json().error?.code }).toEqual({ status, code });
  const body = response.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(typeof body.error.message).toBe('string');
  expect(typeof body.error.details).toBe('object');
  expect(API_ERROR_STATUS[code as keyof typeof API_ERROR_STATUS]).toBe(status);
}

async function until(what: string, check: () => boolean | Promise<boolean>, attemptsMax = 500): Promise<void> {
  for (let i = 0; i < attemptsMax; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('payment flow', () => {
  it('opens, mints and pays: 200 final with a receipt that verifies offline, balances follow', async () => {
    const w = world;
    const { payer, payerKey, payee } = await openPayerAndPayee(w);

    // The payment goes in as raw bytes, the other way of submitting.
    const payment = transferTx(w, payer, payerKey, payee, 25_050n);
    const response = await w.app.inject({
      method: 'POST',
      url: '/v1/transactions',
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.from(payment),
    });
    expect(response.statusCode).toBe(200);
    const final = response.json();
    expect(final).toMatchObject({ status: 'final', index: 0, result: { code: 'ok', message: 'applied', opIndex: 0 } });
    expect(final.links).toEqual({ self: `/v1/transactions/${final.id}`, block: `/v1/blocks/${final.height}` });

    const receipt = parseReceipt(final.receipt);
    if (!receipt.ok) throw new Error(receipt.error);
    const validators = validatorSetAt(genesisState(w.genesis), BigInt(final.height));
    const verified = verifyReceipt(w.suite, CHAIN_ID, validators, receipt.value);
    expect(verified.ok).toBe(true);
    // An altered receipt is refused.
    const altered = parseReceipt({ ...final.receipt, result: { ...final.receipt.result } });
    if (!altered.ok) throw new Error(altered.error);
    const forged = { ...altered.value, header: { ...altered.value.header, time: altered.value.header.time + 1n } };
    expect(verifyReceipt(w.suite, CHAIN_ID, validators, forged).ok).toBe(false);

    const payerAccount = await getJson(w, `/v1/accounts/${payer}`);
    expect(payerAccount.status).toBe(200);
    expect(payerAccount.body).toMatchObject({
      id: payer,
      issuer: 'bank',
      tier: 1,
      frozen: false,
      closed: false,
      owners: [bytesToHex(payerKey.publicKey)],
      threshold: 1,
      balances: [
        {
          asset: 'CNY',
          posted: '74950',
          available: '74950',
          pendingDebits: '0',
          pendingCredits: '0',
          decimal: '749.50',
          availableDecimal: '749.50',
        },
      ],
    });
    const payeeAccount = await getJson(w, `/v1/accounts/${payee}`);
    expect(payeeAccount.body.balances).toEqual([
      {
        asset: 'CNY',
        posted: '25050',
        available: '25050',
        pendingDebits: '0',
        pendingCredits: '0',
        decimal: '250.50',
        availableDecimal: '250.50',
      },
    ]);

    // A final failure is still 200 final: the client reads the code.
    const tooMuch = await w.post(transferTx(w, payer, payerKey, payee, 10_000_000n));
    expect(tooMuch.statusCode).toBe(200);
    expect(tooMuch.json()).toMatchObject({ status: 'final', result: { code: 'insufficient_funds' } });

    // Resending the same bytes answers the first outcome.
    const again = await w.app.inject({
      method: 'POST',
      url: '/v1/transactions',
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.from(payment),
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({
      id: final.id,
      height: final.height,
      index: final.index,
      result: { code: 'ok' },
    });
  });

  it('looks up a transaction, its block, block 0, the head and health', async () => {
    const w = world;
    const { payer, payerKey, payee } = await openPayerAndPayee(w);
    const payment = transferTx(w, payer, payerKey, payee, 1_00n);
    const final = (await w.post(payment)).json();

    const tx = await getJson(w, `/v1/transactions/${final.id}`);
    expect(tx.status).toBe(200);
    expect(tx.body).toMatchObject({
      id: final.id,
      status: 'final',
      height: final.height,
      index: 0,
      result: { code: 'ok', message: 'applied', opIndex: 0 },
      tx: {
        hex: bytesToHex(payment),
        decoded: {
          chainId: CHAIN_ID,
          id: final.id,
          type: 'transfer',
          body: { type: 'transfer', source: payer, target: payee, asset: 'CNY', amount: '100', memo: 'lunch' },
          signatures: [{ publicKey: bytesToHex(payerKey.publicKey) }],
        },
      },
    });
    expect(tx.body.tx.decoded.expiresAt).toMatch(/^[1-9][0-9]*$/);
    expect(tx.body.receipt).toEqual(final.receipt);

    const block = await getJson(w, `/v1/blocks/${final.height}`);
    expect(block.status).toBe(200);
    expect(block.body).toMatchObject({ chainId: CHAIN_ID, height: final.height, txCount: 1, expired: [] });
    expect(block.body.transactions).toEqual([{ id: final.id, index: 0, type: 'transfer', code: 'ok' }]);
    expect(block.body.certificate.signatures.map((s: { org: string }) => s.org)).toEqual([
      'bank',
      'network',
      'regulator',
    ]);
    for (const field of ['prevHash', 'txRoot', 'resultRoot', 'stateCommitment', 'hash']) {
      expect(block.body[field]).toMatch(/^[0-9a-f]{64}$/);
    }
    const previous = await getJson(w, `/v1/blocks/${BigInt(final.height) - 1n}`);
    expect(block.body.prevHash).toBe(previous.body.hash);

    const head = await getJson(w, '/v1/chain/head');
    expect(head.status).toBe(200);
    expect(head.body).toMatchObject({
      chainId: CHAIN_ID,
      suite: 'intl',
      height: final.height,
      hash: block.body.hash,
      time: block.body.time,
      certifiedHeight: final.height,
    });
    expect(head.body.peers).toEqual(
      ['bank', 'network', 'regulator'].map((org) => ({
        org,
        height: final.height,
        certifiedHeight: final.height,
        validator: true,
      })),
    );
    const headBlock = await getJson(w, '/v1/blocks/head');
    expect(headBlock.body.hash).toBe(head.body.hash);

    const genesis = await getJson(w, '/v1/blocks/0');
    expect(genesis.status).toBe(200);
    expect(genesis.body).toMatchObject({ height: '0', txCount: 0, certificate: null, transactions: [] });
    const first = await getJson(w, '/v1/blocks/1');
    expect(first.body.prevHash).toBe(genesis.body.hash);
    expect(first.body.height).toBe('1');

    const health = await getJson(w, '/v1/health');
    expect(health).toEqual({
      status: 200,
      body: { status: 'ok', height: final.height, certifiedHeight: final.height, inFlight: 0 },
    });
  });

  it('answers 202 pending when not final within wait, and the transaction goes on to final', async () => {
    const w = world;
    const account = w.nextId();
    const bytes = openAccountTx(w, account, w.suite.generateKeyPair());
    const response = await w.post(bytes, '?wait=0');
    expect(response.statusCode).toBe(202);
    const pending = response.json();
    expect(pending).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      status: 'pending',
      statusUrl: `/v1/transactions/${pending.id}`,
    });
    let status = '';
    await until('the transaction to be final', async () => {
      const lookup = await getJson(w, pending.statusUrl);
      expect(lookup.status).toBe(200);
      status = lookup.body.status;
      return status === 'final';
    });
    expect((await getJson(w, pending.statusUrl)).body.result.code).toBe('ok');
  });

  it('handles a refusal that comes after the 202: counted, never an unhandled rejection', async () => {
    const w = world;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const forge = () => {
        const bytes = mintTx(w, w.nextId(), 1n);
        bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0x01;
        return bytes;
      };
      await w.app.ready(); // compiling the route schemas takes long enough to let the pipeline drain
      const before = w.consortium.primary.tip.height;
      // Keep both verification slots of the consortium busy on the worker thread: two bursts
      // straight into the consortium, the second once the first has left for the worker. The
      // forged transactions sent through the API then wait behind them, so `wait=0` answers
      // 202 and their refusal (signature_invalid) arrives later, in the background.
      const burst = () =>
        Array.from({ length: 1_000 }, () =>
          w.consortium.submit(forge()).then(
            () => 'final',
            (e: Error) => e.message,
          ),
        );
      const background = burst();
      await new Promise((resolve) => setImmediate(resolve));
      background.push(...burst());
      const apiCount = 10;
      const responses = await Promise.all(Array.from({ length: apiCount }, () => w.post(forge(), '?wait=0')));
      expect(responses.map((r) => r.statusCode)).toContain(202);
      for (const r of responses) if (r.statusCode !== 202) expectError(r, 400, 'signature_invalid');
      await Promise.all(background);
      await until('every forged transaction to be refused', async () => {
        const text = (await w.app.inject({ method: 'GET', url: '/metrics' })).body;
        return text.includes(`paychain_tx_refused_total{code="signature_invalid"} ${apiCount}`);
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
      expect(w.consortium.primary.tip.height).toBe(before);
      const accepted = responses.find((r) => r.statusCode === 202)?.json();
      expect(accepted.statusUrl).toBe(`/v1/transactions/${accepted.id}`);
      expectError(await w.app.inject({ method: 'GET', url: accepted.statusUrl }), 404, 'tx_not_found');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('refuses a second transaction with the id of one in flight: 409 id_in_flight', async () => {
    const w = world;
    const id = w.nextId();
    const first = w.tx({ type: 'mint', asset: 'CNY', account: w.nextId(), amount: 1n }, [w.issuer], { id });
    const second = w.tx({ type: 'mint', asset: 'CNY', account: w.nextId(), amount: 2n }, [w.issuer], { id });
    const responses = await Promise.all([w.post(first, '?wait=0'), w.post(second, '?wait=0')]);
    const statuses = responses.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([202, 409]);
    const refused = responses.find((r) => r.statusCode === 409);
    if (refused === undefined) throw new Error('one is refused');
    expectError(refused, 409, 'id_in_flight');
  });

  it('answers 503 closed after shutdown, and 500 internal without leaking the cause', async () => {
    const w = world;
    const { payer, payerKey, payee } = await openPayerAndPayee(w);
    await w.consortium.close();
    const closed = await w.post(transferTx(w, payer, payerKey, payee, 1n));
    expectError(closed, 503, 'closed');
    // The stores are closed: reading a block now fails inside better-sqlite3.
    const internal = await w.app.inject({ method: 'GET', url: '/v1/blocks/1' });
    expectError(internal, 500, 'internal');
    expect(internal.json().error.message).toBe('internal error');
    expect(internal.json().error.details).toEqual({ requestId: expect.any(String) });
    expect(internal.body).not.toMatch(/database|sqlite|at .*\.ts|stack/i);
  });
});

describe('server-sent events', () => {
  it('streams a block event to a client and drops the listener when it disconnects', { timeout: 20_000 }, async () => {
    const w = world;
    const address = await w.app.listen({ host: '127.0.0.1', port: 0 });
    const baseline = w.consortium.listenerCount('block');
    const abort = new AbortController();
    const response = await fetch(`${address}/v1/events/blocks`, { signal: abort.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const body = response.body;
    if (body === null) throw new Error('a stream body');
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (marker: RegExp): Promise<RegExpExecArray> => {
      for (;;) {
        const match = marker.exec(text);
        if (match !== null) return match;
        const chunk = await reader.read();
        if (chunk.done) throw new Error(`stream ended before ${marker}`);
        text += decoder.decode(chunk.value, { stream: true });
      }
    };
    await readUntil(/: connected\n\n/);
    expect(w.consortium.listenerCount('block')).toBe(baseline + 1);

    const final = (await w.post(openAccountTx(w, w.nextId(), w.suite.generateKeyPair()))).json();
    const match = await readUntil(/event: block\ndata: (.*)\n\n/);
    const event = JSON.parse(match[1] ?? '');
    const block = await getJson(w, `/v1/blocks/${final.height}`);
    expect(event).toEqual({
      height: final.height,
      hash: block.body.hash,
      time: block.body.time,
      txCount: 1,
      signers: ['bank', 'network', 'regulator'],
    });

    abort.abort();
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' });
    await until('the stream listener to be removed', () => w.consortium.listenerCount('block') === baseline);
    // fetch's connection pool opens a spare socket that never carries a request; the server's
    // graceful close would wait for the client to drop it (4 s), so the test closes it here.
    w.app.server.closeAllConnections();
  });

  it(`refuses stream ${SSE_CLIENTS_MAX + 1} with 503 too_many_streams; closing the app ends every stream`, {
    timeout: 30_000,
  }, async () => {
    const w = world;
    const address = await w.app.listen({ host: '127.0.0.1', port: 0 });
    const baseline = w.consortium.listenerCount('block');
    const open = await Promise.all(Array.from({ length: SSE_CLIENTS_MAX }, () => fetch(`${address}/v1/events/blocks`)));
    expect(open.map((r) => r.status)).toEqual(open.map(() => 200));
    const refused = await fetch(`${address}/v1/events/blocks`);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('too_many_streams');
    expect(w.consortium.listenerCount('block')).toBe(baseline + 1);

    await w.app.close();
    const ends = await Promise.all(
      open.map(async (r) => {
        const reader = r.body?.getReader();
        if (reader === undefined) throw new Error('a stream body');
        for (;;) if ((await reader.read()).done) return 'ended';
      }),
    );
    expect(ends).toEqual(open.map(() => 'ended'));
    expect(w.consortium.listenerCount('block')).toBe(baseline - 1); // the metrics listener went with the app
  });
});

describe('metrics and document', () => {
  it('exposes Prometheus counters, gauges, histograms and process metrics', async () => {
    const w = world;
    await openPayerAndPayee(w);
    await w.post(new Uint8Array([1, 2, 3]));
    const response = await w.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.body;
    expect(text).toMatch(/^paychain_tx_submitted_total 4$/m);
    expect(text).toMatch(/^paychain_tx_final_total\{code="ok"\} 3$/m);
    expect(text).toMatch(/^paychain_tx_refused_total\{code="tx_malformed"\} 1$/m);
    expect(text).toMatch(/^paychain_block_height [1-9]/m);
    expect(text).toMatch(/^paychain_block_certified_height [1-9]/m);
    expect(text).toMatch(/^paychain_tx_in_flight 0$/m);
    expect(text).toMatch(/^paychain_block_txs_bucket\{le="1"\} [1-9]/m);
    expect(text).toMatch(/^paychain_tx_final_latency_seconds_count 3$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('serves an OpenAPI 3 document listing every route with its schemas', async () => {
    const w = world;
    const app = createHttpApi(w.consortium, {});
    cleanups.unshift(() => app.close());
    const routes: RouteOptions[] = [];
    app.addHook('onRoute', (route) => {
      routes.push(route);
    });
    await app.ready();
    const response = await app.inject({ method: 'GET', url: '/v1/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toMatch(/^3\./);
    const served = routes.flatMap((r) =>
      (Array.isArray(r.method) ? r.method : [r.method]).map((m) => ({ method: m, url: r.url })),
    );
    const documented = served.filter((r) => r.method !== 'HEAD');
    // Transactions (2), blocks, head, accounts, assets, settlement (3 + the report), FX quotes (list, one, its
    // conversions), events, health, metrics, document.
    expect(documented.length).toBe(16);
    for (const { method, url } of documented) {
      const path = url.replace(/:([a-z]+)/g, '{$1}');
      const operation = doc.paths[path]?.[method.toLowerCase()];
      expect(operation, `${method} ${path} is documented`).toBeDefined();
      expect(operation.responses['200'], `${method} ${path} documents 200`).toBeDefined();
      expect(
        operation.responses['4XX'] ?? operation.responses['4xx'],
        `${method} ${path} documents errors`,
      ).toBeDefined();
    }
    const submit = doc.paths['/v1/transactions'].post;
    expect(Object.keys(submit.requestBody.content).sort()).toEqual(['application/json', 'application/octet-stream']);
    expect(Object.keys(submit.responses)).toEqual(expect.arrayContaining(['200', '202']));
    expect(submit.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(['query:wait']);
    expect(doc.paths['/v1/accounts/{id}'].get.parameters[0]).toMatchObject({ in: 'path', name: 'id', required: true });
  });
});

interface BadInputCase {
  readonly name: string;
  readonly request: (w: World) => InjectOptions;
  readonly status: number;
  readonly code: string;
  readonly field?: string;
}

function json(payload: unknown, url = '/v1/transactions'): InjectOptions {
  return { method: 'POST', url, payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } };
}

function validMint(w: World, overrides: { chainId?: string; expiresAt?: bigint } = {}): Uint8Array {
  return w.tx({ type: 'mint', asset: 'CNY', account: w.nextId(), amount: 5n }, [w.issuer], overrides);
}

const UNKNOWN_ID = 'f'.repeat(32);

/** In the order a request meets the checks: route, media type, body size, body shape, transaction. */
const BAD_INPUT: readonly BadInputCase[] = [
  { name: 'unknown route', request: () => ({ method: 'GET', url: '/v1/nothing' }), status: 404, code: 'not_found' },
  {
    name: 'unknown method on a route',
    request: () => ({ method: 'DELETE', url: '/v1/blocks/1' }),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'wrong content type',
    request: (w) => ({
      method: 'POST',
      url: '/v1/transactions',
      payload: bytesToHex(validMint(w)),
      headers: { 'content-type': 'text/plain' },
    }),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'oversized JSON body (above the submit limit, which carries the largest disbursement)',
    request: () => json({ tx: 'ab'.repeat(SUBMIT_BODY_BYTES_MAX / 2 + 1) }),
    status: 413,
    code: 'body_too_large',
  },
  {
    name: 'oversized raw body',
    request: () => ({
      method: 'POST',
      url: '/v1/transactions',
      payload: Buffer.alloc(SUBMIT_BODY_BYTES_MAX + 1),
      headers: { 'content-type': 'application/octet-stream' },
    }),
    status: 413,
    code: 'body_too_large',
  },
  {
    name: 'a transfer above TX_BYTES_MAX (only a disbursement may be larger)',
    request: (w) => ({
      method: 'POST',
      url: '/v1/transactions',
      payload: Buffer.concat([Buffer.from(validMint(w)), Buffer.alloc(TX_BYTES_MAX)]),
      headers: { 'content-type': 'application/octet-stream' },
    }),
    status: 400,
    code: 'tx_malformed',
  },
  {
    name: 'body that is not JSON',
    request: () => ({
      method: 'POST',
      url: '/v1/transactions',
      payload: '{"tx": ',
      headers: { 'content-type': 'application/json' },
    }),
    status: 400,
    code: 'bad_request',
  },
  { name: 'missing field', request: () => json({}), status: 400, code: 'bad_request', field: 'tx' },
  { name: 'tx is a number', request: () => json({ tx: 1234 }), status: 400, code: 'bad_request', field: 'tx' },
  { name: 'tx is an array', request: () => json({ tx: ['ab'] }), status: 400, code: 'bad_request', field: 'tx' },
  { name: 'body is an array', request: () => json(['ab']), status: 400, code: 'bad_request' },
  {
    name: 'unknown field',
    request: (w) => json({ tx: bytesToHex(validMint(w)), extra: 1 }),
    status: 400,
    code: 'bad_request',
  },
  { name: 'non-hex tx', request: () => json({ tx: 'zz11' }), status: 400, code: 'bad_request', field: 'tx' },
  { name: 'odd-length hex', request: () => json({ tx: 'abc' }), status: 400, code: 'bad_request', field: 'tx' },
  {
    name: 'wait out of range',
    request: (w) => json({ tx: bytesToHex(validMint(w)) }, '/v1/transactions?wait=30001'),
    status: 400,
    code: 'bad_request',
    field: 'wait',
  },
  {
    name: 'wait not a number',
    request: (w) => json({ tx: bytesToHex(validMint(w)) }, '/v1/transactions?wait=soon'),
    status: 400,
    code: 'bad_request',
    field: 'wait',
  },
  {
    name: 'truncated tx',
    request: (w) => json({ tx: bytesToHex(validMint(w).subarray(0, 40)) }),
    status: 400,
    code: 'tx_malformed',
  },
  {
    name: 'empty raw body',
    request: () => ({
      method: 'POST',
      url: '/v1/transactions',
      payload: Buffer.alloc(0),
      headers: { 'content-type': 'application/octet-stream' },
    }),
    status: 400,
    code: 'tx_malformed',
  },
  {
    name: 'wrong chain id',
    request: (w) => json({ tx: bytesToHex(validMint(w, { chainId: 'another-chain' })) }),
    status: 400,
    code: 'chain_mismatch',
  },
  {
    name: 'expired tx',
    request: (w) => json({ tx: bytesToHex(validMint(w, { expiresAt: BigInt(Date.now()) - 1_000n })) }),
    status: 400,
    code: 'tx_expired',
  },
  {
    name: 'expiry too far ahead',
    request: (w) => json({ tx: bytesToHex(validMint(w, { expiresAt: BigInt(Date.now()) + 30n * 24n * 3_600_000n })) }),
    status: 400,
    code: 'expiry_too_far',
  },
  {
    name: 'bad signature (last byte flipped)',
    request: (w) => {
      const bytes = validMint(w);
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0x01;
      return json({ tx: bytesToHex(bytes) });
    },
    status: 400,
    code: 'signature_invalid',
  },
  {
    name: 'malformed transaction id',
    request: () => ({ method: 'GET', url: '/v1/transactions/xyz' }),
    status: 400,
    code: 'bad_request',
    field: 'id',
  },
  {
    name: 'upper-case transaction id',
    request: () => ({ method: 'GET', url: `/v1/transactions/${'A'.repeat(32)}` }),
    status: 400,
    code: 'bad_request',
    field: 'id',
  },
  {
    name: 'malformed account id',
    request: () => ({ method: 'GET', url: '/v1/accounts/1234' }),
    status: 400,
    code: 'bad_request',
    field: 'id',
  },
  {
    name: 'negative height',
    request: () => ({ method: 'GET', url: '/v1/blocks/-1' }),
    status: 400,
    code: 'bad_request',
    field: 'height',
  },
  {
    name: 'height with a leading zero',
    request: () => ({ method: 'GET', url: '/v1/blocks/01' }),
    status: 400,
    code: 'bad_request',
    field: 'height',
  },
  {
    name: 'unknown transaction',
    request: () => ({ method: 'GET', url: `/v1/transactions/${UNKNOWN_ID}` }),
    status: 404,
    code: 'tx_not_found',
  },
  {
    name: 'unknown account',
    request: () => ({ method: 'GET', url: `/v1/accounts/${UNKNOWN_ID}` }),
    status: 404,
    code: 'account_not_found',
  },
  {
    name: 'height beyond the head',
    request: () => ({ method: 'GET', url: '/v1/blocks/99999999999999999999' }),
    status: 404,
    code: 'block_not_found',
  },
];

describe('bad input', () => {
  it.each(BAD_INPUT)('$name → $status $code, ledger unchanged', async ({ request, status, code, field }) => {
    const w = world;
    // One final block first, so "unchanged" compares a non-trivial head.
    const opened = await w.post(openAccountTx(w, w.nextId(), w.suite.generateKeyPair()));
    expect(opened.statusCode).toBe(200);
    const before = { height: w.consortium.primary.tip.height, certified: w.consortium.primary.certifiedHeight };
    const response = await w.app.inject(request(w));
    expectError(response, status, code);
    if (field !== undefined) expect(response.json().error.details.field).toBe(field);
    // Give a wrongly accepted transaction the time to reach a block.
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect({ height: w.consortium.primary.tip.height, certified: w.consortium.primary.certifiedHeight }).toEqual(
      before,
    );
    expect(w.consortium.inFlight).toBe(0);
    expect((await getJson(w, '/v1/chain/head')).body.height).toBe(before.height.toString());
  });
});
