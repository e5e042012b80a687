/**
 * `paychain bench cluster`: committed transfers/s and p99 submit→final latency of a local
 * consortium of processes — three organizations' peers ordered by three `nats-server`
 * processes, as `paychain network up` starts them — against one embedded peer (`paychain
 * start`, one validator, the in-process orderer) measured in the same run with the same
 * clients. Both are driven the same way, over HTTP, by signed transfers made ahead of time,
 * so the ratio is the price of ordering on a replicated stream and of signatures crossing it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assert, bytesToHex } from '@paychain/core';
import { initDataDir, openDataDir } from '@paychain/node';
import { networkDown, networkUp, PEER_START_TIMEOUT_MS } from '../commands/network.ts';
import { Workload } from '../workload.ts';
import { type MachineFacts, machineFacts } from './machine.ts';

const PAYCHAIN_BIN = fileURLToPath(new URL('../../bin/paychain.js', import.meta.url));
/** Clients with a request open at once. */
const CLIENTS = 128;
const BLOCK_TXS_MAX = 1_000;
const BLOCK_INTERVAL_MS = 20;

export interface ClusterBenchOptions {
  readonly transfers: number;
  readonly payers: number;
  readonly log: (line: string) => void;
}

interface RunFigures {
  committedPerSec: number;
  p50LatencyMs: number;
  p99LatencyMs: number;
  latencyRatePerSec: number;
}

export interface ClusterBenchResult {
  transfers: number;
  payers: number;
  peers: 3;
  natsServers: 3;
  blockTxsMax: number;
  blockIntervalMs: number;
  cluster: RunFigures;
  embedded: RunFigures;
  committedRatio: number;
  machine: MachineFacts;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const value = sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  assert(value !== undefined, 'p is within 0..100');
  return value;
}

/** POSTs one transaction and waits for its final answer; resends the same bytes to the next port on failure. */
async function submitFinal(ports: readonly number[], tx: Uint8Array, first: number): Promise<void> {
  const body = JSON.stringify({ tx: bytesToHex(tx) });
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = ports[(first + attempt) % ports.length];
    try {
      const response = await fetch(`http://127.0.0.1:${port}/v1/transactions?wait=30000`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const json = (await response.json()) as { status?: string };
      if (response.status === 200 && json.status === 'final') return;
    } catch {
      // try the next peer
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('a transfer did not become final after 20 attempts');
}

/** All transactions with CLIENTS in flight; each one's submit→final time in ms. */
async function load(ports: readonly number[], txs: readonly Uint8Array[]): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  const client = async (k: number) => {
    while (next < txs.length) {
      const i = next++;
      const t0 = performance.now();
      await submitFinal(ports, txs[i] as Uint8Array, k + i);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, k) => client(k)));
  return latencies;
}

/** Paced at `rate`/s; each transaction's submit→final time in ms. */
async function paced(ports: readonly number[], txs: readonly Uint8Array[], rate: number): Promise<number[]> {
  const latencies: number[] = [];
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < txs.length; i++) {
    const wait = start + (i / rate) * 1000 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    pending.push(submitFinal(ports, txs[i] as Uint8Array, i).then(() => void latencies.push(performance.now() - t0)));
  }
  await Promise.all(pending);
  return latencies;
}

async function measure(
  ports: readonly number[],
  workload: Workload,
  options: ClusterBenchOptions,
  label: string,
): Promise<RunFigures> {
  const now = BigInt(Date.now());
  options.log(`${label}: opening ${options.payers} accounts and funding them`);
  await load(ports, workload.setup(options.payers, 10, now));
  await load(ports, workload.funding(1_000_000_000n, now));
  const transfers = Array.from({ length: options.transfers }, () => workload.payment(BigInt(Date.now())).bytes);
  const started = performance.now();
  await load(ports, transfers);
  const committedPerSec = options.transfers / ((performance.now() - started) / 1000);
  const rate = Math.max(50, Math.floor(committedPerSec / 2));
  const count = Math.min(rate * 4, options.transfers);
  const latencies = await paced(
    ports,
    Array.from({ length: count }, () => workload.payment(BigInt(Date.now())).bytes),
    rate,
  );
  latencies.sort((a, b) => a - b);
  const figures = {
    committedPerSec: Math.round(committedPerSec),
    p50LatencyMs: Number(percentile(latencies, 50).toFixed(1)),
    p99LatencyMs: Number(percentile(latencies, 99).toFixed(1)),
    latencyRatePerSec: rate,
  };
  options.log(`${label}: ${JSON.stringify(figures)}`);
  return figures;
}

async function startEmbedded(dir: string, port: number): Promise<() => void> {
  const child = spawn(process.execPath, [PAYCHAIN_BIN, 'start', '--data', dir, '--port', String(port)], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + PEER_START_TIMEOUT_MS;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/v1/health`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('the embedded peer did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  return () => child.kill('SIGTERM');
}

export async function benchCluster(options: ClusterBenchOptions): Promise<ClusterBenchResult> {
  const root = mkdtempSync(join(tmpdir(), 'paychain-bench-cluster-'));
  try {
    // One embedded peer: the bank alone, validator and issuer.
    const embeddedDir = join(root, 'embedded');
    initDataDir({
      dir: embeddedDir,
      suite: 'intl',
      chainId: 'paychain-bench-embedded',
      orgs: [{ id: 'bank', name: 'Bank', roles: ['issuer', 'validator'] }],
      time: BigInt(Date.now()),
    });
    const embeddedData = openDataDir(embeddedDir);
    const embeddedBank = embeddedData.keys.get('bank');
    assert(embeddedBank !== undefined, 'init made the bank keys');
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const stopEmbedded = await startEmbedded(embeddedDir, port);
    let embedded: RunFigures;
    try {
      const workload = new Workload({
        suite: embeddedData.suite,
        genesis: embeddedData.genesis,
        issuer: embeddedBank,
        seed: 1n,
      });
      embedded = await measure([port], workload, options, 'embedded');
    } finally {
      stopEmbedded();
    }

    const clusterDir = join(root, 'cluster');
    options.log('starting 3 NATS servers and 3 peer processes');
    const network = await networkUp({
      dir: clusterDir,
      peers: 3,
      nats: 3,
      blockTxsMax: BLOCK_TXS_MAX,
      blockIntervalMs: BLOCK_INTERVAL_MS,
    });
    let cluster: RunFigures;
    try {
      const data = openDataDir(join(clusterDir, 'consortium'));
      const bank = data.keys.get('bank');
      assert(bank !== undefined, 'network up made the bank keys');
      const workload = new Workload({ suite: data.suite, genesis: data.genesis, issuer: bank, seed: 1n });
      cluster = await measure(
        network.peers.map((p) => p.port),
        workload,
        options,
        'cluster',
      );
    } finally {
      await networkDown(clusterDir);
    }
    return {
      transfers: options.transfers,
      payers: options.payers,
      peers: 3,
      natsServers: 3,
      blockTxsMax: BLOCK_TXS_MAX,
      blockIntervalMs: BLOCK_INTERVAL_MS,
      cluster,
      embedded,
      committedRatio: Number((cluster.committedPerSec / embedded.committedPerSec).toFixed(3)),
      machine: machineFacts(),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
