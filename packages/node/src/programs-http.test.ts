// Goal: programs (issue 6) work through a real node: a 10,000-beneficiary disbursement (above TX_BYTES_MAX, within
// TX_DISBURSE_BYTES_MAX) is submitted over the peer HTTP API and applies with the right balances on every peer, and the
// expiry sweep is stored with its block and shown by GET /v1/blocks/:height. Method: fastify inject against a real
// three-peer Consortium on temporary SQLite files; beneficiaries' accounts are opened in process (Consortium.submit),
// the program's transactions go over HTTP; balances are read from every peer's state and from the API.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AccountOpenBody,
  BLOCK_BYTES_MAX,
  bytesToHex,
  encodeProgramSweeps,
  type KeyPair,
  PROGRAM_ALLOCATIONS_MAX,
  type ProgramCreateBody,
  type Signer,
  signAndEncode,
  TX_BYTES_MAX,
  TX_DISBURSE_BYTES_MAX,
  type TxBody,
} from '@paychain/core';
import { BlockStore } from '@paychain/store';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { Consortium } from './consortium.ts';
import { consortiumOptionsOf, DEFAULT_ORGS, initDataDir, openDataDir } from './data-dir.ts';
import { createHttpApi } from './http-api.ts';
import { auditPeerStore } from './verify-chain.ts';

const CHAIN_ID = 'paychain-programs-http-test';
const EXPIRY_MS = 600_000n;
const PROGRAM = '5b000000000000000000000000000001';

interface World {
  readonly dir: string;
  readonly consortium: Consortium;
  readonly app: FastifyInstance;
  readonly issuer: Signer;
  readonly regulator: Signer;
  readonly data: ReturnType<typeof openDataDir>;
  nextId(): string;
  tx(body: TxBody, signers: readonly Signer[]): Uint8Array;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function openWorld(blockIntervalMs = 5): World {
  const dir = mkdtempSync(join(tmpdir(), 'paychain-programs-http-'));
  initDataDir({ dir, suite: 'intl', chainId: CHAIN_ID, orgs: DEFAULT_ORGS, time: BigInt(Date.now()) });
  const data = openDataDir(dir);
  const consortium = Consortium.open({ ...consortiumOptionsOf(data), blockIntervalMs, verifyWorkers: 2 });
  const app = createHttpApi(consortium, {});
  cleanups.push(async () => {
    await app.close();
    await consortium.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const signer = (org: string): Signer => {
    const keys = data.keys.get(org);
    if (keys === undefined) throw new Error(`test setup: ${org} keys`);
    return { privateKey: keys.adminPrivateKey, publicKey: keys.adminPublicKey };
  };
  let counter = 0;
  return {
    dir,
    consortium,
    app,
    data,
    issuer: signer('bank'),
    regulator: signer('regulator'),
    nextId: () => (++counter).toString(16).padStart(32, '0'),
    tx(body, signers) {
      return signAndEncode(
        data.suite,
        { chainId: CHAIN_ID, id: this.nextId(), expiresAt: BigInt(Date.now()) + EXPIRY_MS, body },
        signers,
      );
    },
  };
}

const openBody = (account: string, owner: KeyPair): AccountOpenBody => ({
  type: 'account.open',
  account,
  issuer: 'bank',
  owners: [owner.publicKey],
  threshold: 1,
  tier: 1,
  flags: { allowNegative: false },
});

async function postOk(w: World, bytes: Uint8Array): Promise<{ id: string; height: string; code: string }> {
  const response = await w.app.inject({
    method: 'POST',
    url: '/v1/transactions?wait=30000',
    payload: { tx: bytesToHex(bytes) },
  });
  expect(response.statusCode, response.body).toBe(200);
  const body = response.json() as { id: string; height: string; result: { code: string } };
  return { id: body.id, height: body.height, code: body.result.code };
}

/** A funding account with 1,000,000.00 CNY and a program on it, funded, all over HTTP. */
async function fundedProgram(w: World, validUntilMs: bigint, perBeneficiaryMax: bigint): Promise<string> {
  const treasury = w.data.suite.generateKeyPair();
  const funding = w.nextId();
  expect((await postOk(w, w.tx(openBody(funding, treasury), [w.issuer]))).code).toBe('ok');
  expect(
    (await postOk(w, w.tx({ type: 'mint', asset: 'CNY', account: funding, amount: 1_000_000_00n }, [w.issuer]))).code,
  ).toBe('ok');
  const now = BigInt(Date.now());
  const create: ProgramCreateBody = {
    type: 'program.create',
    program: PROGRAM,
    funder: 'bank',
    auditor: 'regulator',
    asset: 'CNY',
    budget: 500_000_00n,
    rules: {
      mccs: [],
      merchants: [],
      regions: [],
      perPaymentMax: 0n,
      perBeneficiaryMax,
      validFromMs: now - 60_000n,
      validUntilMs,
      atExpiry: 'return',
    },
    fundingAccount: funding,
  };
  expect((await postOk(w, w.tx(create, [w.issuer, treasury]))).code).toBe('ok');
  expect(
    (await postOk(w, w.tx({ type: 'program.fund', program: PROGRAM, amount: 200_000_00n }, [w.issuer]))).code,
  ).toBe('ok');
  return funding;
}

describe('programs through the peer HTTP API', () => {
  it('a 10,000-beneficiary disbursement is submitted over HTTP and applies on every peer', async () => {
    const w = openWorld();
    const funding = await fundedProgram(w, BigInt(Date.now()) + 24n * 3_600_000n, 100_00n);
    const owner = w.data.suite.generateKeyPair();
    const count = 10_000;
    const beneficiaries = Array.from({ length: count }, (_, i) => `be${i.toString(16).padStart(30, '0')}`);
    const opened = await Promise.all(
      beneficiaries.map((account) => w.consortium.submit(w.tx(openBody(account, owner), [w.issuer]))),
    );
    expect(opened.every((o) => o.code === 'ok')).toBe(true);

    const disburse = w.tx(
      {
        type: 'program.disburse',
        program: PROGRAM,
        allocations: beneficiaries.map((beneficiary, i) => ({ beneficiary, amount: 10_00n + BigInt(i % 7) })),
      },
      [w.issuer],
    );
    expect(disburse.length).toBeGreaterThan(TX_BYTES_MAX);
    expect(disburse.length).toBeLessThanOrEqual(TX_DISBURSE_BYTES_MAX);
    const result = await postOk(w, disburse);
    expect(result.code).toBe('ok');

    let total = 0n;
    for (let i = 0; i < count; i++) total += 10_00n + BigInt(i % 7);
    for (const peer of w.consortium.peers) {
      const program = peer.ledger.getProgram(PROGRAM);
      expect(program).toMatchObject({ funded: 200_000_00n, disbursed: total, pool: 200_000_00n - total });
      expect(peer.ledger.programBalance(PROGRAM, beneficiaries[0] ?? '')).toBe(10_00n);
      expect(peer.ledger.programBalance(PROGRAM, beneficiaries[count - 1] ?? '')).toBe(
        10_00n + BigInt((count - 1) % 7),
      );
    }
    // Ordinary balances are untouched by program money: the funding account paid the pool, beneficiaries hold none.
    const account = (await w.app.inject({ method: 'GET', url: `/v1/accounts/${funding}` })).json() as {
      balances: Array<{ asset: string; posted: string }>;
    };
    expect(account.balances.find((b) => b.asset === 'CNY')?.posted).toBe(800_000_00n.toString());
    const beneficiary = (await w.app.inject({ method: 'GET', url: `/v1/accounts/${beneficiaries[0]}` })).json() as {
      balances: unknown[];
    };
    expect(beneficiary.balances).toEqual([]);
    // The block with the disbursement reads back over the API.
    const block = (await w.app.inject({ method: 'GET', url: `/v1/blocks/${result.height}` })).json() as {
      transactions: Array<{ type: string; code: string }>;
    };
    expect(block.transactions.some((t) => t.type === 'program.disburse' && t.code === 'ok')).toBe(true);
    // The transaction view (receipt and decoded body) of the large transaction.
    const view = await w.app.inject({ method: 'GET', url: `/v1/transactions/${result.id}` });
    expect(view.statusCode, view.body.slice(0, 500)).toBe(200);
    expect((view.json() as { status: string }).status).toBe('final');
  }, 120_000);

  it('the expiry sweep is stored with its block, shown by GET /v1/blocks/:height and passes the audit', async () => {
    const w = openWorld();
    const validUntilMs = BigInt(Date.now()) + 1_500n;
    const funding = await fundedProgram(w, validUntilMs, 100_00n);
    const owner = w.data.suite.generateKeyPair();
    const a = w.nextId();
    const b = w.nextId();
    for (const account of [a, b]) expect((await postOk(w, w.tx(openBody(account, owner), [w.issuer]))).code).toBe('ok');
    const allocations = [
      { beneficiary: a, amount: 30_00n },
      { beneficiary: b, amount: 70_00n },
    ].sort((x, y) => (x.beneficiary < y.beneficiary ? -1 : 1));
    expect((await postOk(w, w.tx({ type: 'program.disburse', program: PROGRAM, allocations }, [w.issuer]))).code).toBe(
      'ok',
    );
    while (BigInt(Date.now()) <= validUntilMs) await new Promise((resolve) => setTimeout(resolve, 50));
    // Any block after validUntilMs sweeps the program first.
    const next = await postOk(w, w.tx(openBody(w.nextId(), owner), [w.issuer]));
    const block = (await w.app.inject({ method: 'GET', url: `/v1/blocks/${next.height}` })).json() as {
      programSweeps: unknown[];
    };
    expect(block.programSweeps).toEqual([
      {
        program: PROGRAM,
        pool: (200_000_00n - 100_00n).toString(),
        balances: allocations.map((x) => ({ account: x.beneficiary, amount: x.amount.toString() })),
        complete: true,
        stopped: null,
      },
    ]);
    for (const peer of w.consortium.peers) {
      expect(peer.ledger.getProgram(PROGRAM)?.status).toBe('expired');
      expect(peer.ledger.getBalance(funding, 'CNY')).toMatchObject({ creditsPosted: 1_000_000_00n + 200_000_00n });
      expect(peer.store.getBlock(BigInt(next.height))?.programSweeps).toHaveLength(1);
    }
    // Recoverable: a fresh read of the file after closing the node, and the audit replays and compares it.
    const dbPath = consortiumOptionsOf(w.data).peers[0]?.dbPath ?? '';
    await w.app.close();
    await w.consortium.close();
    const store = BlockStore.open(dbPath, { readonly: true });
    try {
      expect(store.getBlock(BigInt(next.height))?.programSweeps[0]?.balances).toHaveLength(2);
    } finally {
      store.close();
    }
    const audit = auditPeerStore(dbPath, w.data.genesis, w.data.suite);
    expect(audit.ok, audit.ok ? '' : audit.problem).toBe(true);
    // An altered sweep row (one unit less returned to a beneficiary's funder) is caught by the audit's replay.
    const writable = BlockStore.open(dbPath);
    try {
      const sweeps = writable.getBlock(BigInt(next.height))?.programSweeps ?? [];
      const altered = sweeps.map((x) => ({ ...x, pool: x.pool - 1n }));
      writable.database
        .prepare('UPDATE program_sweeps SET sweeps = ? WHERE height = ?')
        .run(encodeProgramSweeps(altered), Number(next.height));
    } finally {
      writable.close();
    }
    expect(auditPeerStore(dbPath, w.data.genesis, w.data.suite)).toEqual({
      ok: false,
      height: BigInt(next.height),
      problem: 'stored program sweeps differ from replay',
    });
  }, 60_000);

  it('the orderer cuts blocks by bytes: 40 full-size disbursements take several blocks, each within BLOCK_BYTES_MAX', async () => {
    // A long interval, so every transaction is ready before the first cut: only the byte limit splits them. The
    // program does not exist (refused before validation, id not consumed): the block bytes are what is tested.
    const w = openWorld(2_000);
    const allocations = Array.from({ length: PROGRAM_ALLOCATIONS_MAX }, (_, i) => ({
      beneficiary: `be${i.toString(16).padStart(30, '0')}`,
      amount: 1n,
    }));
    const txs = Array.from({ length: 40 }, () =>
      w.tx({ type: 'program.disburse', program: PROGRAM, allocations }, [w.issuer]),
    );
    expect(txs.reduce((sum, t) => sum + t.length, 0)).toBeGreaterThan(BLOCK_BYTES_MAX);
    const outcomes = await Promise.all(txs.map((t) => w.consortium.submit(t)));
    expect(outcomes.every((o) => o.code === 'program_not_found')).toBe(true);
    const heights = [...new Set(outcomes.map((o) => o.height))];
    expect(heights.length).toBeGreaterThan(1);
    for (const height of heights) {
      const block = w.consortium.primary.store.getBlock(height);
      const bytes = block?.txs.reduce((sum, t) => sum + t.length, 0) ?? 0;
      expect(bytes).toBeLessThanOrEqual(BLOCK_BYTES_MAX);
      expect(block?.txs.length).toBeGreaterThan(1);
    }
  }, 60_000);
});
