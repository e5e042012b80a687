/** `paychain start`, `demo` and `simulate`: running the consortium's peers in this process. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assert, formatAmount, type TxCode } from '@paychain/core';
import {
  createPaychainServer,
  type GatewayIssuer,
  hashPassword,
  type PaychainServer,
  type PaymentService,
  type ProgramService,
  passkeyConfigOf,
  type User,
} from '@paychain/gateway';
import {
  BLOCK_INTERVAL_MS_DEFAULT,
  BLOCK_TXS_DEFAULT,
  ClusterPeer,
  Consortium,
  consortiumOptionsOf,
  type DataDir,
  DEFAULT_ORGS,
  initDataDir,
  type LedgerNode,
  ledgerPath,
  openDataDir,
  WindowScheduler,
} from '@paychain/node';
import type { Command } from 'commander';
import { DEMO_BANK_ORGS, DemoBanks } from '../demo-banks.ts';
import { CliError } from '../errors.ts';
import { keyPassphrase, parsePositive } from '../options.ts';
import { submitAll, Workload } from '../workload.ts';

export function openConsortium(
  dir: string,
  options: { blockIntervalMs?: number; blockTxsMax?: number } = {},
): Consortium {
  const data = openDataDir(dir, keyPassphrase());
  return Consortium.open({ ...consortiumOptionsOf(data), ...options });
}

/** The NATS URLs of `--orderer nats://HOST:PORT[,nats://HOST:PORT…]`. */
export function parseOrderer(text: string): string[] {
  const urls = text.split(',').map((u) => u.trim());
  for (const url of urls) {
    if (!/^nats:\/\/[A-Za-z0-9.-]+:\d{1,5}$/.test(url)) {
      throw new CliError(`--orderer: "${url}" is not nats://HOST:PORT (several are separated by commas)`);
    }
  }
  return urls;
}

/**
 * A peer of one organization ordered by a NATS JetStream cluster. The data directory holds
 * that organization's keys only: on a real network each member runs its own machine.
 */
export async function openClusterPeer(
  dir: string,
  options: { servers: string[]; unsafe: boolean; blockTxsMax: number; blockIntervalMs: number; verifyWorkers?: number },
): Promise<ClusterPeer> {
  const data = openDataDir(dir, keyPassphrase());
  const [org, ...others] = data.orgs;
  if (org === undefined || others.length > 0) {
    throw new CliError(
      `with --orderer, ${dir} must hold exactly one organization's keys (it holds ${data.orgs.join(', ')}); ` +
        'each member runs its own peer (paychain network up makes such directories)',
    );
  }
  return ClusterPeer.open({
    genesis: data.genesis,
    suite: data.suite,
    orgId: org,
    dbPath: ledgerPath(dir, org),
    validatorKey: data.keys.get(org)?.validatorPrivateKey ?? null,
    servers: options.servers,
    unsafe: options.unsafe,
    blockTxsMax: options.blockTxsMax,
    blockIntervalMs: options.blockIntervalMs,
    ...(options.verifyWorkers === undefined ? {} : { verifyWorkers: options.verifyWorkers }),
  });
}

/** The built web app, next to this package in the repository (packages/web/dist). */
export const WEB_DIST_DIR = fileURLToPath(new URL('../../../web/dist', import.meta.url));

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  /** The data directory the node was opened from (gateway files go there). */
  readonly dataDir: string;
  /** `--db`: the gateway's database; default SQLite in the data directory. */
  readonly db?: string | undefined;
  /** `--public-url`: where people open the app (passkeys are bound to its host name). */
  readonly publicUrl?: string | undefined;
  /** `--warehouse`: the analytics warehouse; default DuckDB in the data directory. */
  readonly warehouse?: string | undefined;
}

/**
 * Serves the node on one port: the peer API, the gateway (when the directory holds the keys of the organization
 * that issues the chain's asset) and the web app (when built).
 */
async function serve(
  node: LedgerNode,
  options: ServeOptions,
): Promise<{ readonly stop: () => Promise<void>; readonly server: PaychainServer }> {
  const issuer = gatewayIssuerOf(openDataDir(options.dataDir, keyPassphrase()));
  const server = await createPaychainServer({
    node,
    issuer,
    dataDir: options.dataDir,
    ...(options.db === undefined ? {} : { db: options.db }),
    ...(options.warehouse === undefined ? {} : { warehouse: options.warehouse }),
    webDir: WEB_DIST_DIR,
    publicUrl: options.publicUrl ?? `http://localhost:${options.port}`,
  });
  const address = await server.app.listen({ host: options.host, port: options.port });
  console.log(`API on ${address}/v1 (OpenAPI: ${address}/v1/openapi.json, metrics: ${address}/metrics)`);
  if (issuer === null) console.log("no gateway: this directory holds no issuing organization's keys");
  else console.log(`gateway for ${issuer.org} (database: ${server.db?.backend})`);
  const publicUrl = options.publicUrl ?? `http://localhost:${options.port}`;
  console.log(
    passkeyConfigOf(publicUrl) === null
      ? `passkeys off: ${publicUrl} has no host name`
      : `passkeys for ${publicUrl} (open the app there to use them)`,
  );
  console.log(
    existsSync(join(WEB_DIST_DIR, 'index.html'))
      ? `web app on ${address}/ (wallet), ${address}/#/merchant, ${address}/#/ops`
      : 'web app not built (npm run build:web)',
  );
  return {
    server,
    stop: async () => {
      await server.close();
      await node.close();
    },
  };
}

/** The demo's people, made once per data directory, so a newcomer can log in at once. */
const DEMO_PASSWORD = 'paychain-demo';
const DEMO_PEOPLE = {
  wallet: '+8613800000001',
  merchant: '+8613800000002',
  ops: '+8613800000003',
} as const;

async function seedDemoPeople(payments: PaymentService, programs: ProgramService | null): Promise<void> {
  const db = payments.db;
  if ((await db.getUserByPhone(DEMO_PEOPLE.wallet)) === null) {
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    const wallet = await payments.openWallet({ phone: DEMO_PEOPLE.wallet, passwordHash, keyMode: 'custodial' });
    await payments.topUp(wallet, { amount: '1000.00', currency: 'CNY' });
    // The demo's other currency, when the interbank setup defined it (docs/settlement.md, "In the demo").
    if (payments.ledger.issuedAsset('HKD') !== undefined) {
      await payments.topUp(wallet, { amount: '2000.00', currency: 'HKD' });
    }
    const owner = await payments.openWallet({ phone: DEMO_PEOPLE.merchant, passwordHash, keyMode: 'custodial' });
    await payments.openMerchant(owner, {
      name: '演示面馆 Demo Noodles',
      mcc: '5812',
      city: '上海',
      region: 'SH',
      bankAccount: '6222 0210 0000 0002',
    });
    const ops = await payments.openWallet({ phone: DEMO_PEOPLE.ops, passwordHash, keyMode: 'custodial' });
    await db.setUserRole(ops.id, 'ops');
    if (programs !== null) await seedDemoProgram(payments, programs, ops, owner, wallet);
  }
  const hkd = payments.ledger.issuedAsset('HKD') === undefined ? '' : ', HKD 2,000.00';
  console.log(
    `demo log-ins (password ${DEMO_PASSWORD}): wallet ${DEMO_PEOPLE.wallet} (¥1,000.00${hkd}, and ¥500.00 of a subsidy), ` +
      `merchant ${DEMO_PEOPLE.merchant} (演示面馆), ops ${DEMO_PEOPLE.ops}`,
  );
}

/**
 * A subsidy the demo wallet holds money in, spendable at an agricultural-supply shop of the demo merchant (and not at
 * its noodle shop), audited by the regulator: the wallet's Programs view, the QR choice and the ops trace have
 * something to show at once. Only when the chain has a `regulator` auditor organization.
 */
async function seedDemoProgram(
  payments: PaymentService,
  programs: ProgramService,
  ops: User,
  owner: User,
  wallet: User,
): Promise<void> {
  const auditor = payments.ledger.genesis.orgs.find((org) => org.roles.includes('auditor'));
  if (auditor === undefined) return;
  await payments.openMerchant(owner, {
    name: '演示农资店 Demo Farm Supply',
    mcc: '5261',
    city: '成都',
    region: 'CN-SC',
    bankAccount: '6222 0210 0000 0003',
  });
  const program = await programs.create(ops, {
    name: '春耕补贴 Spring planting subsidy',
    purpose: 'Seeds, fertilizer and tools for registered farmers in Sichuan',
    budget: { amount: '10000.00', currency: 'CNY' },
    auditor: auditor.id,
    rules: {
      mccs: ['5261'],
      regions: ['CN-SC'],
      perPaymentMax: '300.00',
      perBeneficiaryMax: '500.00',
      validUntilMs: Date.now() + 90 * 24 * 3_600_000,
    },
  });
  await programs.fund(ops, program.record.id, {
    amount: '10000.00',
    currency: 'CNY',
    bankAccount: '6222 0210 0000 0009',
  });
  await programs.disburse(program.record.id, [{ beneficiary: { phone: wallet.phone }, amount: '500.00' }]);
}

/** Closes (and, as the settlement institution, settles) windows every `seconds`, logging what it did. */
function windowSchedulerOf(node: LedgerNode, dataDir: string, org: string, seconds: number): WindowScheduler {
  const keys = openDataDir(dataDir, keyPassphrase()).keys.get(org);
  if (keys === undefined) throw new CliError(`--settlement-org: ${dataDir} holds no keys of ${org}`, 2);
  console.log(`settlement windows: closed every ${seconds} s by ${org}`);
  return new WindowScheduler({
    node,
    org,
    signer: { privateKey: keys.adminPrivateKey, publicKey: keys.adminPublicKey },
    intervalMs: seconds * 1000,
    onEvent: (event) => {
      if (event.kind === 'error') console.error(`settlement windows: ${event.message}`);
      else if (event.kind === 'refused') {
        console.error(`settlement windows: ${event.action} ${event.currency} ${event.window} refused: ${event.code}`);
      } else console.log(`settlement window ${event.currency} ${event.window} ${event.kind}`);
    },
  });
}

/** The organization that issues the chain's first asset, if this directory holds its keys. */
export function gatewayIssuerOf(data: DataDir): GatewayIssuer | null {
  const org = data.genesis.assets[0]?.issuer;
  const keys = org === undefined ? undefined : data.keys.get(org);
  if (org === undefined || keys === undefined) return null;
  return { org, adminPrivateKey: keys.adminPrivateKey, adminPublicKey: keys.adminPublicKey };
}

function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: finishing the current block and stopping`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`paychain: error while stopping: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}

export function registerRun(program: Command): void {
  program
    .command('start')
    .description(
      "start this data directory's peers and the peer HTTP API: with the embedded orderer, or with --orderer as one organization's peer of a NATS JetStream cluster",
    )
    .requiredOption('--data <dir>', 'data directory (made by paychain init)')
    .option('--port <n>', 'HTTP port', parsePositive('--port'), 8080)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--db <spec>',
      "the gateway's database: sqlite:PATH or postgres://… (default: SQLite in the data directory)",
    )
    .option(
      '--warehouse <spec>',
      'the analytics warehouse: a DuckDB file, or clickhouse://HOST:PORT/DB (default: warehouse.duckdb in the data directory)',
    )
    .option(
      '--public-url <url>',
      'where people open the app; passkeys are bound to its host name (default http://localhost:PORT)',
    )
    .option('--orderer <urls>', 'order on a NATS JetStream cluster: nats://HOST:PORT[,nats://HOST:PORT…]')
    .option('--unsafe', 'accept ordering streams below file storage and 3 replicas (tests and single-server demos)')
    .option(
      '--block-txs <n>',
      'with --orderer: transactions per block, the same on every peer',
      parsePositive('--block-txs'),
      BLOCK_TXS_DEFAULT,
    )
    .option(
      '--block-interval-ms <n>',
      'with --orderer: longest wait for a block that is not full',
      parsePositive('--block-interval-ms'),
      BLOCK_INTERVAL_MS_DEFAULT,
    )
    .option(
      '--close-windows <seconds>',
      'close each settlement window that has payments every so many seconds (and settle it, as the institution)',
      parsePositive('--close-windows'),
    )
    .option('--settlement-org <id>', 'with --close-windows: the organization whose key closes (and settles) windows')
    .option(
      '--verify-workers <n>',
      'with --orderer: signature-checking threads (default: one per core)',
      parsePositive('--verify-workers'),
    )
    .action(
      async (opts: {
        data: string;
        port: number;
        host: string;
        orderer?: string;
        db?: string;
        warehouse?: string;
        publicUrl?: string;
        unsafe?: boolean;
        blockTxs: number;
        blockIntervalMs: number;
        verifyWorkers?: number;
        closeWindows?: number;
        settlementOrg?: string;
      }) => {
        if (opts.publicUrl !== undefined && !/^https?:\/\/[^\s/]+(\/.*)?$/.test(opts.publicUrl)) {
          throw new CliError(`--public-url: "${opts.publicUrl}" is not an http(s) URL`, 2);
        }
        if ((opts.closeWindows === undefined) !== (opts.settlementOrg === undefined)) {
          throw new CliError('--close-windows and --settlement-org go together', 2);
        }
        let node: LedgerNode;
        if (opts.orderer === undefined) {
          node = openConsortium(opts.data);
        } else {
          const peer = await openClusterPeer(opts.data, {
            servers: parseOrderer(opts.orderer),
            unsafe: opts.unsafe === true,
            blockTxsMax: opts.blockTxs,
            blockIntervalMs: opts.blockIntervalMs,
            ...(opts.verifyWorkers === undefined ? {} : { verifyWorkers: opts.verifyWorkers }),
          });
          const { durability, warnings } = peer.streams;
          console.log(
            `ordering on ${opts.orderer}: ${durability.storage} storage, ${durability.replicas} replicas; final on a quorum of peer signatures`,
          );
          for (const warning of warnings) console.log(`warning: ${warning}`);
          node = peer;
        }
        node.on('alarm', (message) => console.error(`ALARM ${message}`));
        const served = await serve(node, {
          host: opts.host,
          port: opts.port,
          dataDir: opts.data,
          db: opts.db,
          warehouse: opts.warehouse,
          publicUrl: opts.publicUrl,
        });
        const scheduler =
          opts.closeWindows === undefined || opts.settlementOrg === undefined
            ? null
            : windowSchedulerOf(node, opts.data, opts.settlementOrg, opts.closeWindows);
        scheduler?.start();
        onShutdown(async () => {
          await scheduler?.stop();
          await served.stop();
        });
        console.log(`peers ${node.peers.map((p) => p.orgId).join(', ')} at height ${node.primary.tip.height}`);
      },
    );

  program
    .command('demo')
    .description('initialize a demo consortium if needed, start it, and keep making live payments')
    .option('--data <dir>', 'data directory', '.paychain/demo')
    .option('--port <n>', 'HTTP port', parsePositive('--port'), 8080)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--payments <n>', 'stop after this many payments (default: run until Ctrl-C)', parsePositive('--payments'))
    .option(
      '--db <spec>',
      "the gateway's database: sqlite:PATH or postgres://… (default: SQLite in the data directory)",
    )
    .option(
      '--warehouse <spec>',
      'the analytics warehouse: a DuckDB file, or clickhouse://HOST:PORT/DB (default: warehouse.duckdb in the data directory)',
    )
    .action(
      async (opts: {
        data: string;
        port: number;
        host: string;
        payments?: number;
        db?: string;
        warehouse?: string;
      }) => {
        if (!existsSync(join(opts.data, 'genesis.json'))) {
          initDataDir({
            dir: opts.data,
            suite: 'intl',
            chainId: 'paychain-demo',
            orgs: [...DEFAULT_ORGS, ...DEMO_BANK_ORGS],
            time: BigInt(Date.now()),
          });
          console.log(
            `initialized a demo consortium in ${opts.data} (bank, network, regulator; cb, icbc, fxlp for settlement)`,
          );
        }
        const consortium = openConsortium(opts.data, { blockIntervalMs: 200 });
        const { stop, server } = await serve(consortium, {
          host: opts.host,
          port: opts.port,
          dataDir: opts.data,
          db: opts.db,
          warehouse: opts.warehouse,
        });
        let banks: DemoBanks | null = null;
        let scheduler: WindowScheduler | null = null;
        const stopAll = async () => {
          await scheduler?.stop();
          await banks?.stop();
          await stop();
        };
        onShutdown(stopAll);
        // Before the people: the wallet's HKD needs the asset the setup defines.
        banks = await DemoBanks.open(consortium, openDataDir(opts.data, keyPassphrase()));
        if (server.payments !== null) await seedDemoPeople(server.payments, server.programs);
        if (banks !== null) {
          banks.start();
          scheduler = windowSchedulerOf(consortium, opts.data, 'cb', 60);
          scheduler.start();
        }
        consortium.on('block', (b) => {
          const signers = b.certificate.signatures.map((s) => s.org).join(', ');
          const codes = countCodes(b.results.map((r) => r.code));
          console.log(`block ${b.header.height} · ${b.header.txCount} tx (${codes}) · final, signed by ${signers}`);
        });
        const data = openDataDir(opts.data, keyPassphrase());
        const issuerOrg = data.genesis.assets[0]?.issuer;
        const issuer = issuerOrg === undefined ? undefined : data.keys.get(issuerOrg);
        if (issuer === undefined)
          throw new CliError('the demo needs an issuer organization with keys in the data directory');
        const workload = new Workload({ suite: data.suite, genesis: data.genesis, issuer, seed: BigInt(Date.now()) });
        const now = () => BigInt(Date.now());
        await Promise.all(workload.setup(12, 3, now()).map((tx) => consortium.submit(tx)));
        await Promise.all(workload.funding(1_000_000n, now()).map((tx) => consortium.submit(tx)));
        console.log('opened 12 customer and 3 merchant accounts, each customer topped up with ¥10,000.00; paying…');
        let made = 0;
        let bursts = 0;
        while (opts.payments === undefined || made < opts.payments) {
          const burst = 1 + Math.floor(Math.random() * 4);
          const payments = Array.from({ length: burst }, () => workload.payment(now(), 20_000));
          // Every third burst, one payment between the banks too (alternating directions).
          const interbank = banks !== null && ++bursts % 3 === 0 ? banks.payment(workload) : null;
          const [outcomes, interbankOutcome] = await Promise.all([
            Promise.all(payments.map((p) => consortium.submit(p.bytes))),
            interbank === null ? null : consortium.submit(interbank.bytes),
          ]);
          outcomes.forEach((o, i) => {
            const p = payments[i];
            assert(p !== undefined, 'one outcome per payment');
            console.log(
              `  payment ${o.id.slice(0, 8)}… ¥${formatAmount(p.amount, 2)} ${p.source.slice(0, 6)}→${p.target.slice(0, 6)}: ${o.code}`,
            );
          });
          if (interbank !== null && interbankOutcome !== null) {
            console.log(`  interbank ${interbankOutcome.id.slice(0, 8)}… ${interbank.line}: ${interbankOutcome.code}`);
          }
          made += burst;
          await new Promise((r) => setTimeout(r, 700));
        }
        await stopAll();
      },
    );

  program
    .command('simulate')
    .description('open accounts and push N signed payments through the full pipeline, then exit')
    .requiredOption('--data <dir>', 'data directory (made by paychain init)')
    .requiredOption('--payments <n>', 'number of payments', parsePositive('--payments'))
    .option('--seed <s>', 'seed for accounts and payments', '1')
    .option('--accounts <n>', 'number of paying accounts', parsePositive('--accounts'), 1000)
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { data: string; payments: number; seed: string; accounts: number; json?: boolean }) => {
      if (!/^[0-9]{1,19}$/.test(opts.seed)) throw new CliError('--seed must be a non-negative integer', 2);
      const summary = await simulate(opts.data, opts.payments, BigInt(opts.seed), opts.accounts);
      if (opts.json) console.log(JSON.stringify(summary));
      else {
        console.log(
          `simulated ${summary.payments} payments in ${summary.seconds.toFixed(2)} s (${summary.perSec.toFixed(0)}/s): ${Object.entries(
            summary.codes,
          )
            .map(([c, n]) => `${n} ${c}`)
            .join(', ')}; height ${summary.height}`,
        );
      }
    });
}

function countCodes(codes: readonly TxCode[]): string {
  const counts = new Map<string, number>();
  for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].map(([c, n]) => `${n} ${c}`).join(', ');
}

const SUBMIT_WINDOW_MAX = 4_000;

export async function simulate(dir: string, payments: number, seed: bigint, accounts: number) {
  const data = openDataDir(dir, keyPassphrase());
  const issuerOrg = data.genesis.assets[0]?.issuer;
  const issuer = issuerOrg === undefined ? undefined : data.keys.get(issuerOrg);
  if (issuer === undefined) throw new CliError('simulate needs an issuer organization with keys in the data directory');
  const consortium = openConsortium(dir);
  try {
    const workload = new Workload({ suite: data.suite, genesis: data.genesis, issuer, seed });
    const now = () => BigInt(Date.now());
    const merchants = Math.max(1, Math.floor(accounts / 100));
    await submitAll(consortium, workload.setup(accounts, merchants, now()), SUBMIT_WINDOW_MAX);
    await submitAll(consortium, workload.funding(100_000_000n, now()), SUBMIT_WINDOW_MAX);
    const started = performance.now();
    const outcomes = await submitAll(
      consortium,
      Array.from({ length: payments }, () => workload.payment(now()).bytes),
      SUBMIT_WINDOW_MAX,
    );
    const seconds = (performance.now() - started) / 1000;
    const codes: Record<string, number> = {};
    for (const o of outcomes) codes[o.code] = (codes[o.code] ?? 0) + 1;
    return { payments, seconds, perSec: payments / seconds, codes, height: consortium.primary.tip.height.toString() };
  } finally {
    await consortium.close();
  }
}
