// Goal: `paychain generate --submit` replays the generated activity on a running network as signed payments: every
// submitted transfer final and applied, each account's balance on chain equal to its funding plus what the submitted
// rows credit minus what they debit, memos naming the generated ids, a rerun submitting nothing new, and a wrong
// URL or data directory refused before anything is generated. Method: real processes — a data directory from
// `initDataDir`, `paychain start` on a free port, the CLI binary run as an operator would — and the ledger read back
// through its HTTP API; the credit gate and the derivations as small tables beside it.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getSuite, parseAmount, utf8ToBytes } from '@paychain/core';
import { DEFAULT_ORGS, initDataDir } from '@paychain/node';
import { loadTransfersCsv, type TransferRecord } from '@paychain/risk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreditGate,
  type DerivationScope,
  isBankAccount,
  ledgerAccountIdOf,
  ledgerTxIdOf,
  ownerKeyOf,
} from '../src/generate-submit.ts';
import { FIXTURE_GENESIS_TIME_MS } from './helpers/chain-fixture.ts';
import { type CliResult, describeRun, PAYCHAIN_BIN, runCli, stackTraceLines } from './helpers/cli.ts';

const SERVER_START_TIMEOUT_MS = 30_000;
const LIMIT = 300;
const GENERATE_ARGS = ['--seed', '5', '--users', '150', '--merchants', '10', '--days', '3'] as const;

describe('derivations', () => {
  const scope: DerivationScope = { chainId: 'paychain-test', fingerprint: 'ab'.repeat(32) };

  it('gives the same 128-bit ids for the same scope and name, and other ids for anything else', () => {
    const id = ledgerAccountIdOf(scope, 'U0000001');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(ledgerAccountIdOf(scope, 'U0000001')).toBe(id);
    const others = [
      ledgerAccountIdOf(scope, 'U0000002'),
      ledgerAccountIdOf({ ...scope, chainId: 'paychain-other' }, 'U0000001'),
      ledgerAccountIdOf({ ...scope, fingerprint: 'cd'.repeat(32) }, 'U0000001'),
      ledgerTxIdOf(scope, 'open', 'U0000001'),
      ledgerTxIdOf(scope, 'fund', 'U0000001'),
      ledgerTxIdOf(scope, 'transfer', 'U0000001'),
    ];
    expect(new Set([id, ...others]).size).toBe(others.length + 1);
  });

  it.each(['intl', 'gm'] as const)('derives %s owner keys that sign, from the issuer secret', (name) => {
    const suite = getSuite(name);
    const secret = new Uint8Array(32).fill(7);
    const key = ownerKeyOf(suite, secret, scope, 'M000001');
    expect(ownerKeyOf(suite, secret, scope, 'M000001')).toEqual(key);
    expect(ownerKeyOf(suite, new Uint8Array(32).fill(8), scope, 'M000001').publicKey).not.toEqual(key.publicKey);
    const message = utf8ToBytes('paychain');
    expect(suite.verify(key.publicKey, message, suite.sign(key.privateKey, message))).toBe(true);
  });
});

describe('CreditGate', () => {
  // Account 0 is credited at positions 1 and 3; account 1 never.
  const credits = [[1, 3], []];

  it.each([
    { account: 0, position: 0, finished: [], clear: true },
    { account: 0, position: 1, finished: [], clear: true },
    { account: 0, position: 2, finished: [], clear: false },
    { account: 0, position: 2, finished: [1], clear: true },
    { account: 0, position: 4, finished: [1], clear: false },
    { account: 0, position: 4, finished: [3], clear: false },
    { account: 0, position: 4, finished: [1, 3], clear: true },
    { account: 1, position: 4, finished: [], clear: true },
  ])('account $account at $position after $finished: clear $clear', ({ account, position, finished, clear }) => {
    const gate = new CreditGate(credits, 5);
    for (const p of finished) gate.finish(p, 0);
    expect(gate.isClear(account, position)).toBe(clear);
  });

  it('lets a waiting debit go when the earlier credit is final, or when released', async () => {
    const gate = new CreditGate(credits, 5);
    const order: string[] = [];
    const waiting = gate.wait(0, 4);
    expect(waiting).not.toBeNull();
    const done = waiting?.then(() => order.push('debit'));
    gate.finish(3, 0);
    await Promise.resolve();
    order.push('credit 3');
    gate.finish(1, 0);
    await done;
    expect(order).toEqual(['credit 3', 'debit']);
    const held = gate.wait(0, 4);
    expect(held).toBeNull();
    const other = new CreditGate(credits, 5);
    const released = other.wait(0, 2);
    other.release();
    await expect(released).resolves.toBeUndefined();
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function csvRows(path: string): string[][] {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  return lines.slice(1).map((line) => line.split(','));
}

function refused(result: CliResult, args: readonly string[], message: RegExp, exitCode = 1): void {
  const why = describeRun(args, result);
  expect(result.code, why).toBe(exitCode);
  expect(result.stderr, why).toMatch(message);
  expect(result.stderr, why).not.toMatch(/unexpected error/);
  expect(stackTraceLines(result.stderr), why).toEqual([]);
}

interface SubmitSummaryJson {
  readonly transfers: number;
  readonly submit: {
    readonly accounts: { readonly opened: number; readonly alreadyOpen: number };
    readonly funding: { readonly mints: number; readonly alreadyFinal: number };
    readonly transfers: {
      readonly inFile: number;
      readonly submitted: number;
      readonly newlyFinal: number;
      readonly alreadyFinal: number;
      readonly accepted: number;
      readonly refused: Record<string, number>;
    };
    readonly transfersPerSec: number;
  };
}

describe('paychain generate --submit against paychain start', () => {
  let root: string;
  let dataDir: string;
  let base: string;
  let server: ChildProcess | null = null;
  let serverLog = '';

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'paychain-generate-submit-'));
    dataDir = join(root, 'data');
    initDataDir({
      dir: dataDir,
      suite: 'intl',
      chainId: 'paychain-generate-test',
      orgs: DEFAULT_ORGS,
      time: FIXTURE_GENESIS_TIME_MS,
    });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.PAYCHAIN_KEY_PASSPHRASE;
    delete env.PAYCHAIN_DEBUG;
    const child = spawn(process.execPath, [PAYCHAIN_BIN, 'start', '--data', dataDir, '--port', String(port)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = child;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      serverLog += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      serverLog += chunk;
    });
    for (let waited = 0; ; waited += 200) {
      try {
        if ((await fetch(`${base}/v1/health`)).ok) break;
      } catch {
        // Not listening yet: the loop waits and asks again.
      }
      if (waited > SERVER_START_TIMEOUT_MS || child.exitCode !== null) {
        throw new Error(`paychain start did not come up:\n${serverLog}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 60_000);

  afterAll(async () => {
    const child = server;
    if (child !== null && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });

  async function getJson(path: string): Promise<Record<string, unknown>> {
    const response = await fetch(`${base}${path}`);
    expect(response.status, `GET ${path}`).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  }

  async function headHeight(): Promise<string> {
    return String((await getJson('/v1/chain/head')).height);
  }

  async function generate(out: string): Promise<{ summary: SubmitSummaryJson; args: string[] }> {
    const args = [
      'generate',
      ...GENERATE_ARGS,
      '--out',
      out,
      '--submit',
      base,
      '--data',
      dataDir,
      '--limit',
      String(LIMIT),
    ];
    const result = await runCli(args);
    const why = `${describeRun(args, result)}\n--- server\n${serverLog}`;
    expect(result.code, why).toBe(0);
    expect(stackTraceLines(result.stderr), why).toEqual([]);
    return { summary: JSON.parse(result.stdout) as SubmitSummaryJson, args };
  }

  it('replays the first transfers in time order, each applied, balances and memos as generated; a rerun adds nothing', async () => {
    const out = join(root, 'out');
    const first = await generate(out);
    const submit = first.summary.submit;
    expect(submit.transfers).toEqual({
      inFile: first.summary.transfers,
      submitted: LIMIT,
      newlyFinal: LIMIT,
      alreadyFinal: 0,
      accepted: LIMIT,
      refused: {},
    });

    const transfers: TransferRecord[] = (await loadTransfersCsv(join(out, 'transfers.csv'))).slice(0, LIMIT);
    const submitted = csvRows(join(out, 'submitted.csv'));
    expect(submitted.map((r) => r[0])).toEqual(transfers.map((t) => t.id));
    expect(submitted.every((r) => r.length === 3 && /^[0-9a-f]{32}$/.test(r[1] ?? '') && r[2] === 'ok')).toBe(true);
    expect(new Set(submitted.map((r) => r[1])).size).toBe(LIMIT);

    // Every account the rows touch is opened, and holds its funding + credits − debits of those rows.
    const accounts = csvRows(join(out, 'submitted-accounts.csv'));
    const touched = new Set(transfers.flatMap((t) => [t.fromAccount, t.toAccount]).filter((a) => !isBankAccount(a)));
    expect(new Set(accounts.map((r) => r[0]))).toEqual(touched);
    expect(submit.accounts).toEqual({ opened: touched.size, alreadyOpen: 0 });
    expect(submit.funding.mints).toBe(accounts.filter((r) => r[4] === 'ok').length);
    const net = new Map<string, bigint>();
    for (const t of transfers) {
      net.set(t.fromAccount, (net.get(t.fromAccount) ?? 0n) - t.amount);
      net.set(t.toAccount, (net.get(t.toAccount) ?? 0n) + t.amount);
    }
    let merchantsChecked = 0;
    await Promise.all(
      accounts.map(async ([name = '', ledgerId = '', openCode, fundedText = '']) => {
        expect(openCode).toBe('ok');
        const funded = parseAmount(fundedText, 2);
        expect(funded.ok).toBe(true);
        const expected = (funded.ok ? funded.value : 0n) + (net.get(name) ?? 0n);
        const account = await getJson(`/v1/accounts/${ledgerId}`);
        const balances = account.balances as Array<{ asset: string; posted: string }>;
        const posted = BigInt(balances.find((b) => b.asset === 'CNY')?.posted ?? '0');
        expect(posted, `${name} (${ledgerId})`).toBe(expected);
        expect(account.tier).toBe(1);
        // A merchant is paid by consumers and pays out the day before's takings: no funding, in − payouts.
        if (name.startsWith('M')) {
          expect(fundedText, name).toBe('0.00');
          if (posted > 0n) merchantsChecked += 1;
        }
      }),
    );
    expect(merchantsChecked).toBeGreaterThan(0);

    // A transfer between people carries the generated id as its memo.
    const position = transfers.findIndex((t) => t.channel === 'transfer');
    const stored = await getJson(`/v1/transactions/${submitted[position]?.[1]}`);
    const decoded = (stored.tx as { decoded: { type: string; body: { memo: string } } }).decoded;
    expect(decoded.type).toBe('transfer');
    expect(decoded.body.memo).toBe(transfers[position]?.id);

    // The same command again: every id answered with its first outcome, no block added.
    const before = await headHeight();
    const csvBefore = readFileSync(join(out, 'submitted.csv'), 'utf8');
    const second = await generate(out);
    expect(second.summary.submit.transfers).toEqual({ ...submit.transfers, newlyFinal: 0, alreadyFinal: LIMIT });
    expect(second.summary.submit.accounts).toEqual({ opened: 0, alreadyOpen: touched.size });
    expect(second.summary.submit.funding).toMatchObject({
      mints: submit.funding.mints,
      alreadyFinal: submit.funding.mints,
    });
    expect(readFileSync(join(out, 'submitted.csv'), 'utf8')).toBe(csvBefore);
    expect(await headHeight()).toBe(before);
  }, 60_000);

  it('refuses a wrong URL or data directory before generating anything', async () => {
    const closedPort = await freePort();
    const noIssuer = join(root, 'no-issuer');
    initDataDir({
      dir: noIssuer,
      suite: 'intl',
      chainId: 'paychain-generate-test',
      orgs: DEFAULT_ORGS,
      time: FIXTURE_GENESIS_TIME_MS,
    });
    rmSync(join(noIssuer, 'orgs', 'bank'), { recursive: true });
    const noCny = join(root, 'no-cny');
    initDataDir({
      dir: noCny,
      suite: 'intl',
      chainId: 'paychain-generate-test',
      orgs: DEFAULT_ORGS,
      time: FIXTURE_GENESIS_TIME_MS,
    });
    const genesisPath = join(noCny, 'genesis.json');
    writeFileSync(genesisPath, readFileSync(genesisPath, 'utf8').replace('"id": "CNY"', '"id": "HKD"'));
    const otherChain = join(root, 'other-chain');
    initDataDir({
      dir: otherChain,
      suite: 'intl',
      chainId: 'paychain-other',
      orgs: DEFAULT_ORGS,
      time: FIXTURE_GENESIS_TIME_MS,
    });

    const cases: ReadonlyArray<{ extra: readonly string[]; message: RegExp; exitCode?: number }> = [
      {
        extra: ['--submit', `http://127.0.0.1:${closedPort}`, '--data', dataDir],
        message: /cannot reach .*ECONNREFUSED/,
      },
      {
        extra: ['--submit', base, '--data', noIssuer],
        message: /holds no keys of bank, the organization that issues CNY/,
      },
      { extra: ['--submit', base, '--data', noCny], message: /has no CNY asset \(its assets: HKD\)/ },
      {
        extra: ['--submit', base, '--data', otherChain],
        message: /serves chain paychain-generate-test .* is chain paychain-other/,
      },
      {
        extra: ['--submit', `${base}/elsewhere`, '--data', dataDir],
        message: /without a chain head; is this a paychain node/,
      },
      { extra: ['--submit', 'ftp://example', '--data', dataDir], message: /not an http\(s\) URL/, exitCode: 2 },
      { extra: ['--limit', '10'], message: /--data and --limit go with --submit/, exitCode: 2 },
    ];
    await Promise.all(
      cases.map(async ({ extra, message, exitCode }, i) => {
        const out = join(root, `refused-${i}`);
        const args = ['generate', ...GENERATE_ARGS, '--out', out, ...extra];
        refused(await runCli(args), args, message, exitCode);
        expect(existsSync(join(out, 'transfers.csv')), `${args.join(' ')} generated files`).toBe(false);
      }),
    );
  }, 60_000);
});
