/**
 * One server on one port for a running node: the peer API, the gateway API (when this node's data directory holds
 * an issuing organization's keys) and the web app, with the gateway's background work — the webhook dispatcher,
 * settling payments left pending by a stop, merchants' live feeds. `paychain start` and `paychain demo` run it.
 *
 * The gateway's own files live in the data directory: `gateway.sqlite` (unless `db` names PostgreSQL) and
 * `gateway-secret.key`, the 32-byte master secret every gateway secret derives from (mode 0600; back it up with the
 * keys — without it the custodial wallet keys cannot be opened).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { openWarehouse } from '@paychain/analytics';
import { createHttpApi, type LedgerNode } from '@paychain/node';
import type { FastifyInstance } from 'fastify';
import { GatewayAnalytics, NETWORK_UTC_OFFSET_MS } from './analytics/gateway-analytics.ts';
import type { PasskeyConfig } from './auth/passkeys.ts';
import { type CoreBankingSystem, SimulatedCoreBanking } from './bank/core-banking.ts';
import type { GatewayDb, Payment } from './db/gateway-db.ts';
import { type OpenGatewayDbOptions, openGatewayDb } from './db/open-db.ts';
import { gatewayPlugin } from './http/gateway-app.ts';
import { LiveFeed } from './http/live-feed.ts';
import { merchantChannel } from './http/payment-routes.ts';
import { paymentToJson } from './http/views.ts';
import { type GatewayIssuer, GatewayLedger } from './ledger/gateway-ledger.ts';
import { GatewaySecrets, MASTER_SECRET_BYTES } from './ledger/gateway-secrets.ts';
import { EngineRiskControl } from './service/engine-risk-control.ts';
import { PaymentService } from './service/payment-service.ts';
import { ProgramService } from './service/program-service.ts';
import type { RiskControl } from './service/risk-control.ts';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher.ts';

/** A rule set stored by another gateway process is taken up this often. */
export const RISK_RULES_REFRESH_MS = 10_000;
/** Payments left pending are settled against the ledger this often (and once at start). */
export const RECONCILE_INTERVAL_MS = 30_000;
/** Each demo customer's simulated bank account: ¥100,000.00 and HK$100,000.00 (for wallets that hold both). */
export const SIMULATED_BANK_OPENING = [
  { currency: 'CNY', amount: 10_000_000n },
  { currency: 'HKD', amount: 10_000_000n },
] as const;

export interface PaychainServerOptions {
  readonly node: LedgerNode;
  /** The issuing organization this node's gateway acts for; null: peer API (and web app) only. */
  readonly issuer: GatewayIssuer | null;
  /** The data directory (gateway files go here). */
  readonly dataDir: string;
  /** `sqlite:PATH` or `postgres://…`; default SQLite in the data directory. */
  readonly db?: string;
  /** E.g. a PostgreSQL schema of its own (tests). */
  readonly dbOptions?: OpenGatewayDbOptions;
  /**
   * The analytics warehouse: a DuckDB file path (or `duckdb:PATH`), or `clickhouse://host:port/db`; default
   * `warehouse.duckdb` in the data directory. Null: no warehouse (no dashboards, AML scans or reports).
   */
  readonly warehouse?: string | null;
  /** The built web app (`packages/web/dist`); null or missing: not served. */
  readonly webDir?: string | null;
  readonly bank?: CoreBankingSystem;
  /**
   * The URL people open the app at (e.g. `https://pay.example.cn`): passkeys are bound to its host name, which must
   * not be an IP address. Null: no passkeys (password log-in only).
   */
  readonly publicUrl?: string | null;
  readonly logger?: boolean;
  /** Where background errors go (default: stderr). */
  readonly onError?: (error: unknown, context: string) => void;
}

export interface PaychainServer {
  readonly app: FastifyInstance;
  readonly payments: PaymentService | null;
  readonly programs: ProgramService | null;
  readonly db: GatewayDb | null;
  readonly risk: EngineRiskControl | null;
  readonly analytics: GatewayAnalytics | null;
  close(): Promise<void>;
}

export async function createPaychainServer(options: PaychainServerOptions): Promise<PaychainServer> {
  const onError =
    options.onError ??
    ((error: unknown, context: string) =>
      console.error(`gateway: ${context}: ${error instanceof Error ? error.message : String(error)}`));
  const webDir =
    options.webDir !== undefined && options.webDir !== null && existsSync(options.webDir) ? options.webDir : null;
  const serveWeb = async (scope: FastifyInstance): Promise<void> => {
    if (webDir !== null) await scope.register(fastifyStatic, { root: webDir, prefix: '/', index: 'index.html' });
  };
  if (options.issuer === null) {
    const app = createHttpApi(options.node, {
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      extend: { plugin: serveWeb, title: 'Paychain node API', description: '', tags: [] },
    });
    return { app, payments: null, programs: null, db: null, risk: null, analytics: null, close: () => app.close() };
  }

  const secrets = new GatewaySecrets(loadMasterSecret(options.dataDir));
  const db = await openGatewayDb(options.db ?? `sqlite:${join(options.dataDir, 'gateway.sqlite')}`, options.dbOptions);
  await db.migrate(Date.now());
  const ledger = new GatewayLedger(options.node, options.issuer);
  const feed = new LiveFeed();
  const riskEngine = await EngineRiskControl.open(db, Date.now());
  const warehouseSpec = options.warehouse === undefined ? join(options.dataDir, 'warehouse.duckdb') : options.warehouse;
  const analytics =
    warehouseSpec === null
      ? null
      : new GatewayAnalytics({
          warehouse: await openWarehouse(warehouseSpec, { dayOffsetMs: NETWORK_UTC_OFFSET_MS }),
          db,
          ledger,
          onError,
        });
  // Every decision becomes a warehouse fact too: blocked payments never reach the ledger the warehouse loads.
  const risk: RiskControl = {
    assess: (check) => {
      const verdict = riskEngine.assess(check);
      analytics?.recordDecision({
        paymentId: check.txId,
        timestampMs: check.timestampMs,
        decision: verdict.decision,
        score: verdict.scorePpm / 1_000_000,
      });
      return verdict;
    },
    commit: (check) => riskEngine.commit(check),
  };
  const payments: PaymentService = new PaymentService({
    db,
    ledger,
    bank: options.bank ?? new SimulatedCoreBanking({ openWith: SIMULATED_BANK_OPENING }),
    secrets,
    risk,
    onBackgroundError: onError,
    events: {
      paymentSettled: (payment) => {
        if (payment.merchantId === null) return;
        feed.publish(merchantChannel(payment.merchantId), {
          type: 'payment',
          data: paymentToJson(payments.viewOf(payment), payments, merchantSide(payment)),
        });
      },
      webhookEvent: (payment) => {
        const id = randomBytes(16).toString('hex');
        const data = paymentToJson({ ...payment, receipt: null }, payments, merchantSide(payment));
        return {
          id,
          json: JSON.stringify({ id, type: `payment.${payment.status}`, createdAtMs: payment.updatedAtMs, data }),
        };
      },
    },
  });
  const dispatcher = new WebhookDispatcher({
    db,
    openSecret: (sealed) => payments.openWebhookSecret(sealed),
    onError: (error) => onError(error, 'delivering webhooks'),
  });
  dispatcher.start();
  const reconcile = () => payments.reconcile().catch((error: unknown) => onError(error, 'settling pending payments'));
  await reconcile();
  const timer = setInterval(reconcile, RECONCILE_INTERVAL_MS);
  timer.unref();
  const rulesTimer = setInterval(() => {
    riskEngine.refresh().catch((error: unknown) => onError(error, 'reading the risk rules'));
  }, RISK_RULES_REFRESH_MS);
  rulesTimer.unref();
  analytics?.start();

  const passkeys = passkeyConfigOf(options.publicUrl ?? null);
  const programs = new ProgramService({ db, ledger, payments, secrets });
  const plugin = gatewayPlugin({
    db,
    payments,
    feed,
    programs,
    risk: riskEngine,
    ...(analytics === null ? {} : { analytics }),
    ...(passkeys === null ? {} : { passkeys }),
    requestHashSecret: secrets.requestHashSecret,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  const app = createHttpApi(options.node, {
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    extend: {
      plugin: async (scope) => {
        await scope.register(plugin);
        await serveWeb(scope);
      },
      title: 'Paychain API',
      description:
        'The wallet gateway (users, wallets, merchants, QR codes, pay codes, refunds, ops) and the peer API. ' +
        'Every POST of the gateway takes an Idempotency-Key header.',
      tags: [
        { name: 'users', description: 'sign-up, keys and the current user' },
        { name: 'sessions', description: 'log in and log out' },
        { name: 'devices', description: 'bound devices' },
        { name: 'wallet', description: 'balance, history, top-up, withdrawal, transfers, QR and pay codes' },
        { name: 'merchants', description: 'onboarding, collection QR, charges, refunds, live feed, webhooks' },
        { name: 'ops', description: 'freezes and peers, for the ops role' },
        { name: 'risk', description: 'risk rules, dry runs, the review queue and refusals, for the ops role' },
        { name: 'analytics', description: 'dashboards, AML alerts and cases, regulator reports' },
        { name: 'programs', description: 'purpose-bound programs: funder operations, trace, reports, balances' },
      ],
    },
  });
  return {
    app,
    payments,
    programs,
    db,
    risk: riskEngine,
    analytics,
    close: async () => {
      clearInterval(timer);
      clearInterval(rulesTimer);
      await dispatcher.stop();
      await app.close();
      await payments.drain();
      await analytics?.stop();
      await analytics?.warehouse.close();
      await db.close();
    },
  };
}

/** Passkeys need a host name: an IP address (or no URL) leaves them off. */
export function passkeyConfigOf(publicUrl: string | null): PasskeyConfig | null {
  if (publicUrl === null) return null;
  const url = new URL(publicUrl);
  if (isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0) return null;
  return { rpId: url.hostname, rpName: 'Paychain', origins: [url.origin] };
}

/** The merchant's own account: payments into it are "in" for the merchant, refunds out of it "out". */
function merchantSide(payment: Payment): string[] {
  return payment.kind === 'refund' ? [] : [payment.payeeAccountId];
}

/** Reads the master secret, or makes one (mode 0600) on the first start. */
export function loadMasterSecret(dataDir: string): Uint8Array {
  const path = join(dataDir, 'gateway-secret.key');
  if (!existsSync(path)) {
    writeFileSync(path, `${Buffer.from(GatewaySecrets.generateMaster()).toString('hex')}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
  }
  const text = readFileSync(path, 'utf8').trim();
  if (!new RegExp(`^[0-9a-f]{${MASTER_SECRET_BYTES * 2}}$`).test(text)) {
    throw new Error(`${path} does not hold a ${MASTER_SECRET_BYTES}-byte secret in hex`);
  }
  return new Uint8Array(Buffer.from(text, 'hex'));
}
