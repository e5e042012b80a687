// Goal: a consortium of real processes — three peer processes, each its own organization, and
// three nats-server processes — loses no acknowledged payment and applies none twice when each
// peer and each NATS server in turn is killed (SIGKILL) in the middle of a 10,000-payment load,
// or a peer or a NATS server is paused (SIGSTOP), and every peer ends with the same chain.
// Method: `paychain network up` on loopback ports; clients sign with the CLI's workload and
// POST to the peers' HTTP API, moving to another peer when one does not answer and resending
// the same bytes (the same id) until the payment is final; afterwards every peer is asked for
// every acknowledged payment, the SQLite files are checked for an id applied twice, and each
// member's directory passes `paychain verify`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, decodeTransaction, isIdConsumed, TX_CODES, type TxCode } from '@paychain/core';
import { type DataDir, openDataDir, openNatsCluster } from '@paychain/node';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, readNetworkFile } from '../src/commands/network.ts';
import { Workload } from '../src/workload.ts';
import { runCli } from './helpers/cli.ts';

/** The figure; PAYCHAIN_FAULT_PAYMENTS makes a quicker local run. */
const PAYMENTS_PER_ROUND = Number(process.env.PAYCHAIN_FAULT_PAYMENTS ?? 10_000);
const CLIENTS = 48;
/** A payment not final after this long fails the test: the network did not recover. */
const PAYMENT_DEADLINE_MS = 90_000;

let dir: string;
let data: DataDir;
let workload: Workload;
const acknowledged = new Map<string, { height: string; index: number; code: string }>();

function ports(): number[] {
  return readNetworkFile(dir).peers.map((p) => p.port);
}

interface Final {
  id: string;
  status: string;
  height: string;
  index: number;
  result: { code: string };
}

/** Sends one signed payment until it is final, trying the peers in turn; the same bytes every time. */
async function pay(tx: Uint8Array, start: number): Promise<Final> {
  const deadline = Date.now() + PAYMENT_DEADLINE_MS;
  const body = JSON.stringify({ tx: bytesToHex(tx) });
  for (let attempt = start; Date.now() < deadline; attempt++) {
    const list = ports();
    const port = list[attempt % list.length];
    try {
      const response = await fetch(`http://127.0.0.1:${port}/v1/transactions?wait=5000`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(8_000),
      });
      const json = (await response.json()) as Final;
      if (response.status === 200 && json.status === 'final') return json;
    } catch {
      // A killed or paused peer: try the next one.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`payment not final within ${PAYMENT_DEADLINE_MS} ms\n${diagnostics()}`);
}

/** The alarms and last lines of every peer's log, for a failure message. */
function diagnostics(): string {
  return readNetworkFile(dir)
    .peers.map((peer) => {
      let lines: string[] = [];
      try {
        lines = readFileSync(peer.logPath, 'utf8').split('\n');
      } catch {
        lines = ['(no log)'];
      }
      const alarms = lines.filter((l) => l.startsWith('ALARM')).slice(-8);
      return `${peer.org} (pid ${peer.pid}, alive ${isAlive(peer.pid)}):\n  ${[...alarms, ...lines.slice(-4)].join('\n  ')}`;
    })
    .join('\n');
}

interface Fault {
  readonly name: string;
  readonly run: () => Promise<void>;
}

/**
 * Pays every transaction with CLIENTS clients; the faults run one after another, the k-th once
 * k/(faults + 1) of the payments are final, while the clients go on.
 */
async function payAll(txs: readonly Uint8Array[], faults: readonly Fault[] = []): Promise<void> {
  let next = 0;
  let sent = 0;
  let started = 0;
  let chain: Promise<void> = Promise.resolve();
  const client = async (k: number) => {
    while (next < txs.length) {
      const i = next++;
      const tx = txs[i] as Uint8Array;
      const final = await pay(tx, k + i);
      sent++;
      while (started < faults.length && sent >= ((started + 1) * txs.length) / (faults.length + 1)) {
        const fault = faults[started++] as Fault;
        chain = chain.then(fault.run).catch((error: unknown) => {
          throw new Error(`fault "${fault.name}": ${(error as Error).message}`);
        });
      }
      const decoded = decodeTransaction(tx);
      if (!decoded.ok) throw new Error('signed payment decodes');
      const id = decoded.value.tx.id;
      const outcome = { height: final.height, index: final.index, code: final.result.code };
      const before = acknowledged.get(id);
      if (before !== undefined) expect(outcome).toEqual(before);
      acknowledged.set(id, outcome);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, k) => client(k)));
  await chain;
}

function killPeer(index: number): Fault {
  return {
    name: `SIGKILL peer ${index}`,
    run: async () => {
      const victim = readNetworkFile(dir).peers[index];
      if (victim?.pid === null || victim === undefined) throw new Error('peer pid');
      process.kill(victim.pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 1_000));
      await networkUp();
    },
  };
}

function killNats(index: number): Fault {
  return {
    name: `SIGKILL nats ${index}`,
    run: async () => {
      await openNatsCluster(readNetworkFile(dir).natsDir).kill(index);
      await new Promise((r) => setTimeout(r, 2_000));
      await networkUp();
    },
  };
}

function pause(what: string, pid: () => number | null): Fault {
  return {
    name: `SIGSTOP ${what}`,
    run: async () => {
      const target = pid();
      if (target === null) throw new Error(`${what} pid`);
      process.kill(target, 'SIGSTOP');
      await new Promise((r) => setTimeout(r, 3_000));
      process.kill(target, 'SIGCONT');
    },
  };
}

async function networkUp(): Promise<void> {
  const result = await runCli(['network', 'up', '--dir', dir]);
  expect(result.code, result.stderr).toBe(0);
}

/** Waits until every peer answers with one certified height, then checks that they hold one chain. */
async function converged(): Promise<bigint> {
  const deadline = Date.now() + 60_000;
  let heights: string[] = [];
  while (Date.now() < deadline) {
    heights = await Promise.all(
      ports().map(async (port) => {
        try {
          const r = await fetch(`http://127.0.0.1:${port}/v1/health`, { signal: AbortSignal.timeout(2_000) });
          const h = (await r.json()) as { height: string; certifiedHeight: string };
          return h.height === h.certifiedHeight ? h.height : `uncertified ${h.height}`;
        } catch {
          return 'down';
        }
      }),
    );
    if (new Set(heights).size === 1 && /^\d+$/.test(heights[0] ?? '')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(new Set(heights).size, `peer heights ${heights.join(', ')}`).toBe(1);
  const height = BigInt(heights[0] as string);
  const hashes = await Promise.all(
    ports().map(async (port) => {
      const r = await fetch(`http://127.0.0.1:${port}/v1/blocks/${height}`);
      return ((await r.json()) as { hash: string }).hash;
    }),
  );
  expect(new Set(hashes).size).toBe(1);
  return height;
}

function payments(n: number): Uint8Array[] {
  return Array.from({ length: n }, () => workload.payment(BigInt(Date.now())).bytes);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paychain-network-'));
  const up = await runCli(['network', 'up', '--dir', dir, '--peers', '3', '--nats', '3']);
  expect(up.code, up.stderr).toBe(0);
  const status = await runCli(['network', 'status', '--dir', dir, '--json']);
  expect(status.code, status.stderr).toBe(0);
  const parsed = JSON.parse(status.stdout) as {
    peers: Array<{ org: string; alive: boolean; height: string | null; lag: string | null }>;
    nats: Array<{ answering: boolean }>;
  };
  expect(parsed.peers.map((p) => [p.org, p.alive, p.lag])).toEqual([
    ['bank', true, '0'],
    ['network', true, '0'],
    ['regulator', true, '0'],
  ]);
  expect(parsed.nats.map((n) => n.answering)).toEqual([true, true, true]);
  data = openDataDir(join(dir, 'consortium'));
  const bank = data.keys.get('bank');
  if (bank === undefined) throw new Error('bank keys');
  workload = new Workload({ suite: data.suite, genesis: data.genesis, issuer: bank, seed: 11n });
  const now = BigInt(Date.now());
  await payAll(workload.setup(400, 5, now));
  await payAll(workload.funding(10_000_000n, now));
}, 120_000);

afterAll(async () => {
  if (dir === undefined) return;
  await runCli(['network', 'down', '--dir', dir]);
  if (process.env.PAYCHAIN_KEEP_TEST_DIR === undefined) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}, 60_000);

describe('a local consortium of processes under faults', () => {
  it('SIGKILL of each peer in turn during the load: nothing acknowledged is lost, each catches up', async () => {
    await payAll(payments(PAYMENTS_PER_ROUND), [killPeer(0), killPeer(1), killPeer(2)]);
    await converged();
  }, 600_000);

  it('SIGKILL of each NATS server in turn during the load: ordering goes on, nothing is lost', async () => {
    await payAll(payments(PAYMENTS_PER_ROUND), [killNats(0), killNats(1), killNats(2)]);
    await converged();
  }, 600_000);

  it('a paused peer and a paused NATS server (SIGSTOP, then SIGCONT): the rest goes on, they catch up', async () => {
    const natsDir = readNetworkFile(dir).natsDir;
    await payAll(payments(PAYMENTS_PER_ROUND / 2), [
      pause('peer 2', () => readNetworkFile(dir).peers[2]?.pid ?? null),
      pause('nats 1', () => openNatsCluster(natsDir).servers[1]?.pid ?? null),
    ]);
    await converged();
  }, 600_000);

  it('every acknowledged payment is on every peer with its acknowledged outcome, and no id applies twice', async () => {
    await converged();
    // Through the API, a sample (each answer rebuilds a receipt); then every one from the files.
    const sample = [...acknowledged.keys()].filter((_, i) => i % 50 === 0);
    for (const port of ports()) {
      await Promise.all(
        sample.map(async (id) => {
          const r = await fetch(`http://127.0.0.1:${port}/v1/transactions/${id}`);
          const json = (await r.json()) as Final;
          expect({ height: json.height, index: json.index, code: json.result.code }).toEqual(acknowledged.get(id));
        }),
      );
    }
    const network = readNetworkFile(dir);
    const down = await runCli(['network', 'down', '--dir', dir]);
    expect(down.code, down.stderr).toBe(0);
    for (const peer of network.peers) expect(isAlive(peer.pid)).toBe(false);
    const consuming = (Object.keys(TX_CODES) as TxCode[]).filter(isIdConsumed).map((c) => TX_CODES[c]);
    const codeNames = new Map((Object.keys(TX_CODES) as TxCode[]).map((c) => [TX_CODES[c] as number, c]));
    for (const peer of network.peers) {
      const db = new Database(join(peer.dataDir, 'orgs', peer.org, 'ledger.sqlite'), { readonly: true });
      const rows = db
        .prepare(`SELECT lower(hex(id)) AS id, height, idx, code FROM txs WHERE code IN (${consuming.join(',')})`)
        .all() as Array<{ id: string; height: number; idx: number; code: number }>;
      const stored = new Map(
        rows.map((r) => [r.id, { height: String(r.height), index: r.idx, code: codeNames.get(r.code) }]),
      );
      for (const [id, outcome] of acknowledged) expect(stored.get(id), `${peer.org}: payment ${id}`).toEqual(outcome);
      const twice = db
        .prepare(
          `SELECT hex(id) AS id, COUNT(*) AS n FROM txs WHERE code IN (${consuming.join(',')}) GROUP BY id HAVING n > 1`,
        )
        .all();
      db.close();
      expect(twice, `${peer.org}: ids applied twice`).toEqual([]);
    }
    // Each member's own directory passes the full audit, and all three end at one head.
    const audits = await Promise.all(network.peers.map((peer) => runCli(['verify', '--data', peer.dataDir])));
    for (const audit of audits) expect(audit.code, audit.stderr).toBe(0);
    const heads = audits.map((a) => /head ([0-9a-f]+)/.exec(a.stdout)?.[1]);
    expect(heads[0]).toBeDefined();
    expect(new Set(heads).size).toBe(1);
  }, 300_000);
});
