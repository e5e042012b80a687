// Goal: the dispatcher delivers each queued webhook at least once and, within a lease, at most once, signed so the
// merchant's check accepts it; failures (an error status, a hang, a refused connection, no endpoint) are rescheduled
// with growing backoff and delivered once the merchant recovers; no secret reaches the stored error; the loop never
// overlaps itself and stops cleanly. Method: a real merchant (node:http on 127.0.0.1, port 0) that checks signatures
// with verifyWebhook and can be told to fail, hang or answer slowly; a real GatewayDb on a temp SQLite file and on
// the real PostgreSQL server in a fresh schema per database (skipped, saying why, when none answers); an injected
// clock and jitter, so retries are driven without waiting for backoff (only the short request timeout is real time).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssertionError } from '@paychain/core';
import { Client } from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { GatewayDb, GatewayDbBackend } from '../db/gateway-db.ts';
import { openGatewayDb } from '../db/open-db.ts';
import { isPostgresReachable, TEST_POSTGRES_URL } from '../db/test-postgres.ts';
import {
  backoffCeilingMs,
  backoffMs,
  WEBHOOK_BACKOFF_DEFAULT,
  WEBHOOK_USER_AGENT,
  WebhookDispatcher,
  type WebhookDispatcherOptions,
} from './webhook-dispatcher.ts';
import {
  encodeWebhookSecret,
  newWebhookSecret,
  ReplayCache,
  type VerifyWebhookResult,
  verifyWebhook,
} from './webhook-signature.ts';

/** Fixed clock: 2025-06-15T15:06:40Z. */
const T0 = 1_750_000_000_000;
/** Names every database of this run: parallel runs never share a file or a schema. */
const RUN_TAG = randomBytes(6).toString('hex');
/** Short, so the hang test takes a fraction of a second of real time. */
const TEST_TIMEOUT_MS = 300;
/** The test's "sealing": a version byte in front (the real one is AES-GCM, outside this module). */
const SEAL_VERSION = 0x01;

const pgReachable = await isPostgresReachable(TEST_POSTGRES_URL);

describe('backoffMs', () => {
  it.each([
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [12, 2_048_000],
    [13, 3_600_000],
    [16, 3_600_000],
    [1_000_000, 3_600_000],
  ])('after %i failures waits at most %i ms', (attempts, ceilingMs) => {
    expect(backoffCeilingMs(attempts)).toBe(ceilingMs);
    expect(backoffMs(attempts, () => 0)).toBe(0);
    expect(backoffMs(attempts, () => 0.5)).toBe(ceilingMs / 2);
    expect(backoffMs(attempts, () => 1 - 2 ** -52)).toBe(ceilingMs - 1);
  });

  it('has a ceiling that never decreases and never passes the cap, and jitter within [0, ceiling)', () => {
    // A fixed-seed generator (mulberry32), so the run replays.
    const seed = 0x5eed;
    let state = seed;
    const random = (): number => {
      state = (state + 0x6d2b79f5) | 0;
      let x = Math.imul(state ^ (state >>> 15), 1 | state);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
    };
    let previous = 0;
    for (let attempts = 1; attempts <= 64; attempts++) {
      const ceilingMs = backoffCeilingMs(attempts);
      expect(ceilingMs, `seed ${seed}`).toBeGreaterThanOrEqual(previous);
      expect(ceilingMs).toBeLessThanOrEqual(WEBHOOK_BACKOFF_DEFAULT.capMs);
      previous = ceilingMs;
      for (let i = 0; i < 50; i++) {
        const delayMs = backoffMs(attempts, random);
        expect(Number.isSafeInteger(delayMs), `seed ${seed}`).toBe(true);
        expect(delayMs, `seed ${seed}`).toBeGreaterThanOrEqual(0);
        expect(delayMs, `seed ${seed}`).toBeLessThan(ceilingMs);
      }
    }
  });

  it('follows a custom policy', () => {
    const policy = { baseMs: 100, factor: 3, capMs: 1_000 };
    expect([1, 2, 3, 4].map((attempts) => backoffCeilingMs(attempts, policy))).toEqual([100, 300, 900, 1_000]);
  });

  it.each([
    ['zero attempts', () => backoffMs(0, () => 0)],
    ['fractional attempts', () => backoffMs(1.5, () => 0)],
    ['random() of 1', () => backoffMs(1, () => 1)],
    ['negative random()', () => backoffMs(1, () => -0.1)],
    ['a cap below the base', () => backoffMs(1, () => 0, { baseMs: 10, factor: 2, capMs: 5 })],
  ])('refuses (as a bug) %s', (_name, call) => {
    expect(call).toThrow(AssertionError);
  });
});

/** Opens fresh databases of one backend for the shared suite below. */
interface Backend {
  readonly name: GatewayDbBackend;
  /** Null when the backend can run here; otherwise why not. */
  readonly skipReason: string | null;
  /** Opens database `tag` (fresh the first time; lowercase letters and digits), migrated. */
  open(tag: string): Promise<GatewayDb>;
  cleanup(): Promise<void>;
}

function sqliteBackend(): Backend {
  let dir: string | null = null;
  return {
    name: 'sqlite',
    skipReason: null,
    open: async (tag) => {
      dir ??= mkdtempSync(join(tmpdir(), `paychain-webhooks-${RUN_TAG}-`));
      const db = await openGatewayDb(`sqlite:${join(dir, `${tag}.sqlite`)}`);
      await db.migrate(T0);
      return db;
    },
    cleanup: async () => {
      if (dir !== null) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresBackend(): Backend {
  const schemas = new Set<string>();
  return {
    name: 'postgres',
    skipReason: pgReachable
      ? null
      : `no PostgreSQL server answers at ${TEST_POSTGRES_URL} (set PAYCHAIN_TEST_POSTGRES_URL)`,
    open: async (tag) => {
      const schema = `paychain_wh_${RUN_TAG}_${tag}`;
      expect(schema).toMatch(/^[a-z0-9_]+$/);
      schemas.add(schema);
      const db = await openGatewayDb(TEST_POSTGRES_URL, { postgresSchema: schema });
      await db.migrate(T0);
      return db;
    },
    cleanup: async () => {
      if (schemas.size === 0) return;
      const admin = new Client({ connectionString: TEST_POSTGRES_URL });
      await admin.connect();
      try {
        for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}

/** What the merchant's server saw of one request. */
interface Received {
  readonly eventIdHeader: string | undefined;
  readonly userAgent: string | undefined;
  readonly contentType: string | undefined;
  readonly body: string;
  /** Null for requests the server was told to fail or hang (it answered without checking). */
  readonly verified: VerifyWebhookResult | null;
}

/** A real merchant endpoint on 127.0.0.1 that checks signatures like a receiver should. */
class MerchantServer {
  readonly received: Received[] = [];
  readonly secret = newWebhookSecret();
  readonly seen = new ReplayCache();
  failNext = 0;
  hangNext = 0;
  /** Real-time delay before answering, to make deliveries overlap. */
  answerDelayMs = 0;
  inFlight = 0;
  inFlightMax = 0;
  readonly #server: Server;
  readonly #clock: () => number;

  constructor(clock: () => number) {
    this.#clock = clock;
    this.#server = createServer((request, response) => this.#handle(request, response));
  }

  get url(): string {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('the server is not listening on a port');
    return `http://127.0.0.1:${address.port}/hooks/paychain`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.#server.close((error) => (error ? reject(error) : resolve())));
  }

  /** Requests whose signature checked out and whose event was new, by event id. */
  acceptedIds(): string[] {
    return this.received.flatMap((r) =>
      r.verified?.ok === true && r.verified.eventId !== null ? [r.verified.eventId] : [],
    );
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = request.headers['paychain-signature'];
      const common = {
        eventIdHeader: headerText(request.headers['paychain-event-id']),
        userAgent: request.headers['user-agent'],
        contentType: request.headers['content-type'],
        body,
      };
      if (this.hangNext > 0) {
        this.hangNext--;
        this.received.push({ ...common, verified: null });
        return; // Never answers; the dispatcher's timeout ends it.
      }
      if (this.failNext > 0) {
        this.failNext--;
        this.received.push({ ...common, verified: null });
        // A careless merchant echoing secrets: none of it may reach the stored error.
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(`boom ${encodeWebhookSecret(this.secret)} ${String(header)}`);
        return;
      }
      const verified = verifyWebhook({ secret: this.secret, body, header, nowMs: this.#clock(), seen: this.seen });
      this.received.push({ ...common, verified });
      this.inFlight++;
      this.inFlightMax = Math.max(this.inFlightMax, this.inFlight);
      setTimeout(() => {
        this.inFlight--;
        // A replay is answered 200: the merchant has the event already.
        const status = verified.ok || verified.reason === 'replayed' ? 200 : 400;
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end('{"received":true}');
      }, this.answerDelayMs);
    });
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function seal(secret: Uint8Array): Uint8Array {
  return new Uint8Array([SEAL_VERSION, ...secret]);
}

function openSecret(sealed: Uint8Array): Uint8Array {
  if (sealed[0] !== SEAL_VERSION) throw new Error('unknown seal version');
  return sealed.slice(1);
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each([sqliteBackend(), postgresBackend()])('WebhookDispatcher on $name', (backend) => {
  describe.skipIf(backend.skipReason !== null)(backend.skipReason ?? 'shared suite', () => {
    let now = T0;
    const clock = (): number => now;
    let counter = 0;
    let databases = 0;
    /** 128-bit ids from one counter: unique within the run. */
    const nextId = (): string => (++counter).toString(16).padStart(32, '0');
    const toClose: { close(): Promise<void> }[] = [];

    afterEach(async () => {
      for (const item of toClose.splice(0).reverse()) await item.close();
    });

    afterAll(async () => {
      await backend.cleanup();
    });

    async function freshDb(): Promise<GatewayDb> {
      const db = await backend.open(`db${++databases}`);
      toClose.push(db);
      return db;
    }

    async function merchantServer(): Promise<MerchantServer> {
      const server = new MerchantServer(clock);
      await server.listen();
      toClose.push(server);
      return server;
    }

    async function newMerchant(db: GatewayDb): Promise<string> {
      const userId = nextId();
      await db.createUser({
        id: userId,
        phone: `+86138${String(counter).padStart(8, '0')}`,
        passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
        kycTier: 2,
        ledgerAccountId: nextId(),
        keyMode: 'browser',
        publicKey: new Uint8Array(32).fill(1),
        sealedKey: null,
        createdAtMs: T0,
      });
      const merchantId = nextId();
      await db.createMerchant({
        id: merchantId,
        ownerUserId: userId,
        name: '老王面馆 Noodles',
        mcc: '5812',
        city: '上海',
        region: 'SH',
        settlementAccountId: nextId(),
        bankAccount: '6222021001123456',
        createdAtMs: T0,
      });
      return merchantId;
    }

    /** A merchant with an endpoint at server. */
    async function merchantAt(db: GatewayDb, server: MerchantServer): Promise<string> {
      const merchantId = await newMerchant(db);
      await db.setWebhookEndpoint({ merchantId, url: server.url, secretSealed: seal(server.secret), nowMs: now });
      return merchantId;
    }

    /** Queues n events for the merchant, due now; answers their ids (the body's id is the delivery's id). */
    async function enqueue(db: GatewayDb, merchantId: string, n: number): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const id = nextId();
        const eventJson = JSON.stringify({ id, type: 'payment.final', data: { amount: '12.34', currency: 'CNY' } });
        await db.enqueueWebhook({ id, merchantId, eventJson, createdAtMs: now });
        ids.push(id);
      }
      return ids;
    }

    function dispatcher(db: GatewayDb, options: Partial<WebhookDispatcherOptions> = {}): WebhookDispatcher {
      return new WebhookDispatcher({
        db,
        openSecret,
        clock,
        random: () => 0.5,
        timeoutMs: TEST_TIMEOUT_MS,
        ...options,
      });
    }

    it('delivers each due webhook once, signed, with its headers, and records it delivered', async () => {
      now = T0;
      const db = await freshDb();
      const server = await merchantServer();
      const merchantId = await merchantAt(db, server);
      const ids = await enqueue(db, merchantId, 3);

      expect(await dispatcher(db).runOnce()).toEqual({ delivered: 3, failed: 0 });
      expect(server.received).toHaveLength(3);
      expect(server.acceptedIds().sort()).toEqual([...ids].sort());
      for (const received of server.received) {
        expect(received.verified?.ok).toBe(true);
        expect(received.eventIdHeader).toBe(received.verified?.ok === true ? received.verified.eventId : 'none');
        expect(received.userAgent).toBe(WEBHOOK_USER_AGENT);
        expect(received.contentType).toBe('application/json');
      }
      for (const id of ids) {
        expect(await db.getWebhookDelivery(id)).toMatchObject({ deliveredAtMs: T0, attempts: 0, lastError: null });
      }
      // Nothing is due any more, now or after the lease.
      now = T0 + 3_600_000;
      expect(await dispatcher(db).runOnce()).toEqual({ delivered: 0, failed: 0 });
      expect(server.received).toHaveLength(3);
    });

    it('reschedules failures with growing delays and delivers once the merchant recovers', async () => {
      now = T0;
      const db = await freshDb();
      const server = await merchantServer();
      const merchantId = await merchantAt(db, server);
      const [id] = await enqueue(db, merchantId, 1);
      if (id === undefined) throw new Error('enqueued one');
      server.failNext = 3;
      const d = dispatcher(db);

      const secretTexts = [
        encodeWebhookSecret(server.secret),
        Buffer.from(server.secret).toString('hex'),
        Buffer.from(server.secret).toString('base64'),
      ];
      const waits: number[] = [];
      for (let attempt = 1; attempt <= 3; attempt++) {
        expect(await d.runOnce()).toEqual({ delivered: 0, failed: 1 });
        const row = await db.getWebhookDelivery(id);
        expect(row).toMatchObject({ attempts: attempt, deliveredAtMs: null, lastError: 'HTTP 500' });
        const nextAttemptAtMs = row?.nextAttemptAtMs ?? 0;
        // random() is 0.5: half the ceiling for this many failures.
        expect(nextAttemptAtMs - now).toBe(backoffCeilingMs(attempt) / 2);
        waits.push(nextAttemptAtMs - now);
        for (const text of secretTexts) expect(row?.lastError).not.toContain(text);
        // Not due before its time.
        now = nextAttemptAtMs - 1;
        expect(await d.runOnce()).toEqual({ delivered: 0, failed: 0 });
        now = nextAttemptAtMs;
      }
      expect(waits).toEqual([500, 1_000, 2_000]);

      expect(await d.runOnce()).toEqual({ delivered: 1, failed: 0 });
      expect(await db.getWebhookDelivery(id)).toMatchObject({ attempts: 3, deliveredAtMs: now });
      expect(server.received).toHaveLength(4);
      expect(server.acceptedIds()).toEqual([id]);
    });

    it('aborts a POST that hangs at timeoutMs and retries it later', async () => {
      now = T0;
      const db = await freshDb();
      const server = await merchantServer();
      const merchantId = await merchantAt(db, server);
      const [id] = await enqueue(db, merchantId, 1);
      if (id === undefined) throw new Error('enqueued one');
      server.hangNext = 1;
      const d = dispatcher(db);

      const started = performance.now();
      expect(await d.runOnce()).toEqual({ delivered: 0, failed: 1 });
      const elapsedMs = performance.now() - started;
      expect(elapsedMs).toBeGreaterThanOrEqual(TEST_TIMEOUT_MS - 50);
      // Far below the 5 s the merchant would have made us wait.
      expect(elapsedMs).toBeLessThan(TEST_TIMEOUT_MS + 2_000);
      const row = await db.getWebhookDelivery(id);
      expect(row).toMatchObject({ attempts: 1, lastError: `timeout after ${TEST_TIMEOUT_MS} ms` });

      now = row?.nextAttemptAtMs ?? 0;
      expect(await d.runOnce()).toEqual({ delivered: 1, failed: 0 });
      expect(server.acceptedIds()).toEqual([id]);
    });

    it('reschedules when the connection is refused, when there is no endpoint, or the secret cannot be opened', async () => {
      now = T0;
      const db = await freshDb();
      const closed = new MerchantServer(clock);
      await closed.listen();
      const closedUrl = closed.url;
      await closed.close();

      const refusedMerchant = await newMerchant(db);
      await db.setWebhookEndpoint({
        merchantId: refusedMerchant,
        url: closedUrl,
        secretSealed: seal(closed.secret),
        nowMs: now,
      });
      const noEndpointMerchant = await newMerchant(db);
      const badSealMerchant = await newMerchant(db);
      const badSeal = new Uint8Array([0x7f, ...closed.secret]);
      await db.setWebhookEndpoint({ merchantId: badSealMerchant, url: closedUrl, secretSealed: badSeal, nowMs: now });
      const [refused] = await enqueue(db, refusedMerchant, 1);
      const [noEndpoint] = await enqueue(db, noEndpointMerchant, 1);
      const [badSealed] = await enqueue(db, badSealMerchant, 1);
      const errors: unknown[] = [];

      expect(await dispatcher(db, { onError: (error) => errors.push(error) }).runOnce()).toEqual({
        delivered: 0,
        failed: 3,
      });
      expect(await db.getWebhookDelivery(refused ?? '')).toMatchObject({
        attempts: 1,
        lastError: 'connection failed: ECONNREFUSED',
        nextAttemptAtMs: now + 500,
      });
      expect(await db.getWebhookDelivery(noEndpoint ?? '')).toMatchObject({ attempts: 1, lastError: 'no endpoint' });
      expect(await db.getWebhookDelivery(badSealed ?? '')).toMatchObject({
        attempts: 1,
        lastError: 'secret could not be opened',
      });
      expect(errors).toHaveLength(1);
    });

    it('caps the POSTs in flight at the concurrency', async () => {
      now = T0;
      const db = await freshDb();
      const server = await merchantServer();
      server.answerDelayMs = 30;
      const merchantId = await merchantAt(db, server);
      const ids = await enqueue(db, merchantId, 12);

      expect(await dispatcher(db, { concurrency: 4 }).runOnce()).toEqual({ delivered: 12, failed: 0 });
      expect(server.inFlightMax).toBeLessThanOrEqual(4);
      expect(server.inFlightMax).toBeGreaterThan(1);
      expect(server.acceptedIds().sort()).toEqual([...ids].sort());
    });

    it('never has two dispatchers on one database deliver the same delivery within a lease', async () => {
      now = T0;
      const tag = `db${++databases}`;
      const first = await backend.open(tag);
      toClose.push(first);
      // A second handle on the same database: as a second gateway process would have.
      const second = await backend.open(tag);
      toClose.push(second);
      const server = await merchantServer();
      server.answerDelayMs = 5;
      const merchantId = await merchantAt(first, server);
      const ids = await enqueue(first, merchantId, 30);
      // Not a timeout test: a generous timeout, so a loaded machine (the whole suite on two cores) cannot fail one.
      const a = dispatcher(first, { batch: 7, timeoutMs: 10_000 });
      const b = dispatcher(second, { batch: 7, timeoutMs: 10_000 });

      let delivered = 0;
      for (let round = 0; round < 10 && delivered < ids.length; round++) {
        const results = await Promise.all([a.runOnce(), b.runOnce(), a.runOnce(), b.runOnce()]);
        for (const result of results) {
          expect(result.failed).toBe(0);
          delivered += result.delivered;
        }
      }
      expect(delivered).toBe(ids.length);
      expect(server.received).toHaveLength(ids.length);
      expect(server.acceptedIds().sort()).toEqual([...ids].sort());
    });

    it('runs a loop that delivers by itself, reports pass errors without stopping, and stops after its pass', async () => {
      now = T0;
      const db = await freshDb();
      const server = await merchantServer();
      const merchantId = await merchantAt(db, server);
      const errors: unknown[] = [];
      const d = dispatcher(db, { pollMs: 10, onError: (error) => errors.push(error) });
      d.start();
      d.start(); // A second start changes nothing.
      const ids = await enqueue(db, merchantId, 2);
      await waitFor('two deliveries', () => server.acceptedIds().length === 2);
      expect(server.acceptedIds().sort()).toEqual([...ids].sort());

      // stop() waits for the running pass: here one stuck on a hanging merchant until the timeout.
      server.hangNext = 1;
      const [hung] = await enqueue(db, merchantId, 1);
      await waitFor('the hanging request', () => server.received.length === 3);
      await d.stop();
      expect(d.running).toBe(false);
      expect(await db.getWebhookDelivery(hung ?? '')).toMatchObject({
        attempts: 1,
        lastError: `timeout after ${TEST_TIMEOUT_MS} ms`,
      });
      expect(errors).toEqual([]);
      // Stopped: a due delivery stays queued.
      now = T0 + 3_600_000;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(server.received).toHaveLength(3);

      // A database that fails every pass: the errors go to onError and the loop goes on.
      const broken = await backend.open(`db${++databases}`);
      await broken.close();
      const failing = dispatcher(broken, { pollMs: 5, onError: (error) => errors.push(error) });
      failing.start();
      await waitFor('repeated pass errors', () => errors.length >= 3);
      expect(failing.running).toBe(true);
      await failing.stop();
      for (const error of errors) expect(error).toBeInstanceOf(Error);
    });

    it('refuses (as a bug) a timeout that does not fit in a delivery lease, and a batch over the claim maximum', async () => {
      const db = await freshDb();
      expect(() => dispatcher(db, { timeoutMs: 60_000 })).toThrow(AssertionError);
      expect(() => dispatcher(db, { batch: 101 })).toThrow(AssertionError);
      expect(() => dispatcher(db, { concurrency: 0 })).toThrow(AssertionError);
    });
  });
});
