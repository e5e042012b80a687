/**
 * `paychain bench gateway`: payments per second end to end through the gateway's HTTP API — a session token, an
 * Idempotency-Key, the checks (KYC limits, balance, frozen accounts), the custodial key opened and signing, the
 * payment recorded, ordered, executed, certified by a quorum of the three validators, recorded final and answered
 * with its receipt — against the ledger alone in the same run: the same server process taking transfers signed
 * ahead of time on its peer API (`POST /v1/transactions?wait`). Both are driven over HTTP by the same clients, so
 * the ratio is the gateway's price. The server is `paychain start` in its own process, as an operator runs it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assert, bytesToHex } from '@paychain/core';
import { DEFAULT_ORGS, initDataDir, openDataDir } from '@paychain/node';
import { PEER_START_TIMEOUT_MS } from '../commands/network.ts';
import { Workload } from '../workload.ts';
import { type MachineFacts, machineFacts } from './machine.ts';

const PAYCHAIN_BIN = fileURLToPath(new URL('../../bin/paychain.js', import.meta.url));
/** Clients with a request open at once. */
const CLIENTS = 128;
const PASSWORD = 'bench password long enough';

export interface GatewayBenchOptions {
  readonly payments: number;
  readonly users: number;
  readonly log: (line: string) => void;
}

interface RunFigures {
  perSec: number;
  p50LatencyMs: number;
  p99LatencyMs: number;
  /** The paced run's rate, half the peak: where p50 and p99 are measured. */
  latencyRatePerSec: number;
}

export interface GatewayBenchResult {
  payments: number;
  users: number;
  clients: number;
  validators: number;
  gatewayDb: 'sqlite';
  gateway: RunFigures;
  ledger: RunFigures;
  gatewayRatio: number;
  riskHook: string;
  machine: MachineFacts;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const value = sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  assert(value !== undefined, 'p is within 0..100');
  return value;
}

type Request = () => Promise<void>;

/** All requests with CLIENTS in flight; each one's time in ms. */
async function load(requests: readonly Request[]): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  const client = async () => {
    while (next < requests.length) {
      const request = requests[next++];
      assert(request !== undefined, 'an index below the length');
      const t0 = performance.now();
      await request();
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return latencies;
}

/** Requests started at `rate`/s; each one's time in ms. */
async function paced(requests: readonly Request[], rate: number): Promise<number[]> {
  const latencies: number[] = [];
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (const [i, request] of requests.entries()) {
    const wait = start + (i / rate) * 1000 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    pending.push(request().then(() => void latencies.push(performance.now() - t0)));
  }
  await Promise.all(pending);
  return latencies;
}

async function measure(
  label: string,
  make: (count: number) => Request[],
  count: number,
  log: (line: string) => void,
): Promise<RunFigures> {
  const peak = make(count);
  const started = performance.now();
  await load(peak);
  const perSec = count / ((performance.now() - started) / 1000);
  const rate = Math.max(20, Math.floor(perSec / 2));
  const latencies = await paced(make(Math.min(rate * 5, count)), rate);
  latencies.sort((a, b) => a - b);
  const figures = {
    perSec: Math.round(perSec),
    p50LatencyMs: Number(percentile(latencies, 50).toFixed(1)),
    p99LatencyMs: Number(percentile(latencies, 99).toFixed(1)),
    latencyRatePerSec: rate,
  };
  log(`${label}: ${JSON.stringify(figures)}`);
  return figures;
}

async function json(base: string, method: string, path: string, body: unknown, token?: string): Promise<unknown> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      'idempotency-key': randomBytes(12).toString('hex'),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as unknown;
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

async function startServer(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [PAYCHAIN_BIN, 'start', '--data', dir, '--port', String(port)], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + PEER_START_TIMEOUT_MS;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/v1/health`)).ok) return child;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('paychain start did not come up');
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function benchGateway(options: GatewayBenchOptions): Promise<GatewayBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'paychain-bench-gateway-'));
  let child: ChildProcess | null = null;
  try {
    initDataDir({
      dir,
      suite: 'intl',
      chainId: 'paychain-bench-gateway',
      orgs: DEFAULT_ORGS,
      time: BigInt(Date.now()),
    });
    const data = openDataDir(dir);
    const bank = data.keys.get('bank');
    assert(bank !== undefined, 'init made the bank keys');
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const base = `http://127.0.0.1:${port}`;
    child = await startServer(dir, port);

    // The ledger alone: transfers signed ahead of time, submitted on the peer API and answered when final.
    options.log(`ledger: opening ${options.users} accounts`);
    const workload = new Workload({ suite: data.suite, genesis: data.genesis, issuer: bank, seed: 7n });
    const submit =
      (tx: Uint8Array): Request =>
      async () => {
        const answer = (await json(base, 'POST', '/v1/transactions?wait=30000', { tx: bytesToHex(tx) })) as {
          status?: string;
        };
        assert(answer.status === 'final', 'a transfer answered final');
      };
    const now = BigInt(Date.now());
    await load(workload.setup(options.users, 10, now).map(submit));
    await load(workload.funding(1_000_000_000n, now).map(submit));
    const ledger = await measure(
      'ledger',
      (count) => Array.from({ length: count }, () => submit(workload.payment(BigInt(Date.now())).bytes)),
      options.payments,
      options.log,
    );

    // Risk control runs on every payment, but the bench's load (each wallet paying several times a second) would trip
    // the velocity rule: an operator replaces the rules with none, so features and the model are still computed and
    // every payment is allowed.
    const opsPhone = '+8613499999999';
    await json(base, 'POST', '/v1/users', { phone: opsPhone, password: PASSWORD });
    const opsSession = (await json(base, 'POST', '/v1/sessions', {
      phone: opsPhone,
      password: PASSWORD,
      deviceId: randomBytes(16).toString('hex'),
    })) as { token: string };
    execFileSync(process.execPath, [PAYCHAIN_BIN, 'gateway', 'grant-ops', '--data', dir, '--phone', opsPhone]);
    await json(
      base,
      'PUT',
      '/v1/ops/risk/rules',
      { ruleSet: { version: 2, scoreThresholds: { review: null, block: null }, rules: [] }, note: 'bench: no rules' },
      opsSession.token,
    );

    // The gateway: wallets signed up and topped up over the API (untimed), then transfers by phone.
    options.log(`gateway: signing up ${options.users} wallets`);
    const wallets: { phone: string; token: string }[] = [];
    const signUps = Array.from({ length: options.users }, (_, i) => async () => {
      const phone = `+86135${String(i).padStart(8, '0')}`;
      await json(base, 'POST', '/v1/users', { phone, password: PASSWORD });
      const session = (await json(base, 'POST', '/v1/sessions', {
        phone,
        password: PASSWORD,
        deviceId: randomBytes(16).toString('hex'),
      })) as { token: string };
      await json(base, 'POST', '/v1/wallet/top-ups', { amount: '1000.00', currency: 'CNY' }, session.token);
      wallets.push({ phone, token: session.token });
    });
    await load(signUps);
    let turn = 0;
    const pay = (): Request => {
      const i = turn++;
      const from = wallets[i % wallets.length];
      const to = wallets[(i + 1 + (i % 7)) % wallets.length];
      assert(from !== undefined && to !== undefined, 'wallets were made');
      return async () => {
        const answer = (await json(
          base,
          'POST',
          '/v1/transfers',
          { toPhone: to.phone, amount: '0.01', currency: 'CNY' },
          from.token,
        )) as { status?: string; receipt?: unknown };
        assert(answer.status === 'final' && answer.receipt !== null, 'a payment answered final with its receipt');
      };
    };
    const gateway = await measure(
      'gateway',
      (count) => Array.from({ length: count }, pay),
      options.payments,
      options.log,
    );
    return {
      payments: options.payments,
      users: options.users,
      clients: CLIENTS,
      validators: 3,
      gatewayDb: 'sqlite',
      gateway,
      ledger,
      gatewayRatio: Number((gateway.perSec / ledger.perSec).toFixed(3)),
      riskHook:
        'features and the shipped model computed before every transfer is signed; rules replaced by none, since each wallet pays several times a second',
      machine: machineFacts(),
    };
  } finally {
    child?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dir, { recursive: true, force: true });
  }
}
