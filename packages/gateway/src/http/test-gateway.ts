/**
 * For tests of the gateway API: the two storage backends (a SQLite file, and a schema of its own on the real
 * PostgreSQL server, skipped with its reason when none answers), and a client over `app.inject` that signs up
 * wallets, logs in and sends idempotent POSTs the way the web app does.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, getSuite } from '@paychain/core';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Client } from 'pg';
import type { GatewayDb, GatewayDbBackend } from '../db/gateway-db.ts';
import { openGatewayDb } from '../db/open-db.ts';
import { isPostgresReachable, TEST_POSTGRES_URL } from '../db/test-postgres.ts';

export const TEST_PASSWORD = 'correct horse battery';

export interface DbHarness {
  readonly name: GatewayDbBackend;
  readonly skipReason: string | null;
  open(): Promise<GatewayDb>;
  cleanup(): Promise<void>;
}

/** SQLite and PostgreSQL harnesses; `tag` keeps parallel test files apart (temp dir and schema names). */
export async function dbHarnesses(tag: string): Promise<DbHarness[]> {
  const runTag = `${tag}_${randomBytes(6).toString('hex')}`;
  const pgReachable = await isPostgresReachable(TEST_POSTGRES_URL);
  let dir: string | null = null;
  const schema = `paychain_gw_${runTag}`;
  return [
    {
      name: 'sqlite',
      skipReason: null,
      open: () => {
        dir = mkdtempSync(join(tmpdir(), `paychain-gw-${runTag}-`));
        return openGatewayDb(`sqlite:${join(dir, 'gateway.sqlite')}`);
      },
      cleanup: async () => {
        if (dir !== null) rmSync(dir, { recursive: true, force: true });
      },
    },
    {
      name: 'postgres',
      skipReason: pgReachable ? null : `no PostgreSQL server answers at ${TEST_POSTGRES_URL}`,
      open: () => openGatewayDb(TEST_POSTGRES_URL, { postgresSchema: schema }),
      cleanup: async () => {
        const admin = new Client({ connectionString: TEST_POSTGRES_URL });
        await admin.connect();
        try {
          await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await admin.end();
        }
      },
    },
  ];
}

export interface TestWallet {
  readonly phone: string;
  readonly token: string;
  readonly userId: string;
  readonly accountId: string;
  /** For a browser-held key: the private key the "browser" keeps. */
  readonly privateKey: Uint8Array | null;
}

export class TestClient {
  private readonly app: () => FastifyInstance;
  private keyCounter = 0;
  private phoneCounter = 0;
  private readonly tag = randomBytes(4).toString('hex');
  private readonly phonePrefix: string;

  /** `phonePrefix`: 5 digits after +86, e.g. `13700`, so wallets of several clients never collide. */
  constructor(app: () => FastifyInstance, phonePrefix: string) {
    this.app = app;
    this.phonePrefix = phonePrefix;
  }

  nextKey(): string {
    return `k-${this.tag}-${++this.keyCounter}`;
  }

  call(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    options: { token?: string; body?: unknown; key?: string | null } = {},
  ): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (method === 'POST' && options.key !== null) headers['idempotency-key'] = options.key ?? this.nextKey();
    return this.app().inject({
      method,
      url,
      headers,
      ...(options.body === undefined ? {} : { payload: options.body as object }),
    });
  }

  async signUp(keyMode: 'custodial' | 'browser' = 'custodial'): Promise<TestWallet> {
    const phone = `+86${this.phonePrefix}${String(++this.phoneCounter).padStart(6, '0')}`;
    const pair = keyMode === 'browser' ? getSuite('intl').generateKeyPair() : null;
    const created = await this.call('POST', '/v1/users', {
      body: {
        phone,
        password: TEST_PASSWORD,
        keyMode,
        ...(pair === null ? {} : { publicKey: bytesToHex(pair.publicKey) }),
      },
    });
    if (created.statusCode !== 201) throw new Error(`sign-up: ${created.statusCode} ${created.body}`);
    const session = await this.call('POST', '/v1/sessions', {
      key: null,
      body: { phone, password: TEST_PASSWORD, deviceId: randomBytes(16).toString('hex') },
    });
    if (session.statusCode !== 201) throw new Error(`log-in: ${session.statusCode} ${session.body}`);
    const user = created.json<{ id: string; ledgerAccountId: string }>();
    return {
      phone,
      token: session.json<{ token: string }>().token,
      userId: user.id,
      accountId: user.ledgerAccountId,
      privateKey: pair?.privateKey ?? null,
    };
  }
}

export function errorOf(response: LightMyRequestResponse): { code: string; details: Record<string, unknown> } {
  return response.json<{ error: { code: string; details: Record<string, unknown> } }>().error;
}
