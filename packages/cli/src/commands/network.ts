/**
 * `paychain network up|status|down`: a local consortium of real processes on loopback — one
 * peer process per organization, each with its own data directory and keys, ordered by a
 * cluster of Debian's `nats-server` processes — for trying the cluster mode and for fault
 * tests. The layout under DIR:
 *
 *   DIR/consortium/          genesis and every organization's keys, as `paychain init` makes them
 *   DIR/peers/<org>/         one member's data directory: genesis.json and orgs/<org>/ only
 *   DIR/peers/<org>/peer.log that peer's output
 *   DIR/nats/                the NATS servers (`cluster.json`, configs, stores, logs)
 *   DIR/network.json         the peers' pids and ports, read by `status` and `down`
 */
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_ORGS, initDataDir, type OrgSpec, openNatsCluster, startNatsCluster } from '@paychain/node';
import type { Command } from 'commander';
import { CliError } from '../errors.ts';
import { parsePositive } from '../options.ts';

const PAYCHAIN_BIN = fileURLToPath(new URL('../../bin/paychain.js', import.meta.url));
/** A peer that does not answer /v1/health within this long after start is reported, with its log. */
export const PEER_START_TIMEOUT_MS = 60_000;
/** SIGTERM, then SIGKILL after this long. */
const PEER_STOP_TIMEOUT_MS = 15_000;
export const NETWORK_PEERS_MAX = 7;
const NETWORK_FILE = 'network.json';

export interface NetworkPeer {
  readonly org: string;
  readonly dataDir: string;
  readonly port: number;
  readonly logPath: string;
  pid: number | null;
}

export interface NetworkFile {
  readonly chainId: string;
  readonly natsDir: string;
  readonly urls: readonly string[];
  readonly blockTxsMax: number;
  readonly blockIntervalMs: number;
  readonly peers: NetworkPeer[];
}

function orgsFor(count: number): OrgSpec[] {
  const orgs: OrgSpec[] = DEFAULT_ORGS.slice(0, count).map((o) => ({ ...o, roles: [...o.roles] }));
  for (let i = orgs.length; i < count; i++) {
    orgs.push({ id: `member${i + 1}`, name: `Member ${i + 1}`, roles: ['validator'] });
  }
  return orgs;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function readNetworkFile(dir: string): NetworkFile {
  const path = join(dir, NETWORK_FILE);
  if (!existsSync(path)) throw new CliError(`${dir} has no ${NETWORK_FILE}: run "paychain network up --dir ${dir}"`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(`${path}: not JSON (${(error as Error).message})`);
  }
  const file = value as Partial<NetworkFile>;
  if (!Array.isArray(file.peers) || !Array.isArray(file.urls) || typeof file.natsDir !== 'string') {
    throw new CliError(`${path}: not a network file`);
  }
  return file as NetworkFile;
}

function writeNetworkFile(dir: string, file: NetworkFile): void {
  const path = join(dir, NETWORK_FILE);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(file, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

export function isAlive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped) still answers kill 0.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.split(') ')[1]?.startsWith('Z') !== true;
  } catch {
    return true;
  }
}

async function health(port: number): Promise<{ height: string; certifiedHeight: string; inFlight: number } | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/v1/health`, { signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return null;
    return (await response.json()) as { height: string; certifiedHeight: string; inFlight: number };
  } catch {
    return null;
  }
}

function logTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Starts one peer process, detached, its output appended to its log. */
function spawnPeer(network: NetworkFile, peer: NetworkPeer): void {
  const out = openSync(peer.logPath, 'a');
  const args = [
    PAYCHAIN_BIN,
    'start',
    '--data',
    peer.dataDir,
    '--port',
    String(peer.port),
    '--orderer',
    network.urls.join(','),
    '--block-txs',
    String(network.blockTxsMax),
    '--block-interval-ms',
    String(network.blockIntervalMs),
    // Every peer of a local network shares this machine's cores: one checking thread each.
    '--verify-workers',
    '1',
  ];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out], env: process.env });
  child.unref();
  peer.pid = child.pid ?? null;
}

async function waitHealthy(peers: readonly NetworkPeer[]): Promise<void> {
  const deadline = Date.now() + PEER_START_TIMEOUT_MS;
  for (const peer of peers) {
    for (;;) {
      if ((await health(peer.port)) !== null) break;
      if (!isAlive(peer.pid) || Date.now() > deadline) {
        throw new CliError(`peer ${peer.org} did not start; the end of ${peer.logPath}:\n${logTail(peer.logPath)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export async function networkUp(options: {
  dir: string;
  peers: number;
  nats: number;
  blockTxsMax: number;
  blockIntervalMs: number;
}): Promise<NetworkFile> {
  const { dir } = options;
  if (existsSync(join(dir, NETWORK_FILE))) {
    // Up again: start whatever is down (NATS servers first, then peers) with the same files.
    const network = readNetworkFile(dir);
    await openNatsCluster(network.natsDir).startAll();
    const stopped = network.peers.filter((p) => !isAlive(p.pid));
    for (const peer of stopped) spawnPeer(network, peer);
    writeNetworkFile(dir, network);
    await waitHealthy(stopped);
    return network;
  }
  if (options.peers < 1 || options.peers > NETWORK_PEERS_MAX) {
    throw new CliError(`--peers: 1..${NETWORK_PEERS_MAX}`);
  }
  const consortiumDir = join(dir, 'consortium');
  const orgs = orgsFor(options.peers);
  initDataDir({ dir: consortiumDir, suite: 'intl', chainId: 'paychain-network', orgs, time: BigInt(Date.now()) });
  const peers: NetworkPeer[] = [];
  for (const org of orgs) {
    const dataDir = join(dir, 'peers', org.id);
    mkdirSync(join(dataDir, 'orgs'), { recursive: true });
    copyFileSync(join(consortiumDir, 'genesis.json'), join(dataDir, 'genesis.json'));
    cpSync(join(consortiumDir, 'orgs', org.id), join(dataDir, 'orgs', org.id), { recursive: true });
    peers.push({ org: org.id, dataDir, port: await freePort(), logPath: join(dataDir, 'peer.log'), pid: null });
  }
  const natsDir = join(dir, 'nats');
  const cluster = await startNatsCluster({ dir: natsDir, servers: options.nats });
  const network: NetworkFile = {
    chainId: 'paychain-network',
    natsDir,
    urls: cluster.urls,
    blockTxsMax: options.blockTxsMax,
    blockIntervalMs: options.blockIntervalMs,
    peers,
  };
  for (const peer of peers) spawnPeer(network, peer);
  writeNetworkFile(dir, network);
  await waitHealthy(peers);
  return network;
}

export interface NetworkStatus {
  readonly peers: Array<{
    org: string;
    pid: number | null;
    port: number;
    alive: boolean;
    height: string | null;
    certifiedHeight: string | null;
    lag: string | null;
  }>;
  readonly nats: Array<{ name: string; pid: number | null; alive: boolean; answering: boolean }>;
}

export async function networkStatus(dir: string): Promise<NetworkStatus> {
  const network = readNetworkFile(dir);
  const peers = await Promise.all(
    network.peers.map(async (p) => {
      const alive = isAlive(p.pid);
      const h = alive ? await health(p.port) : null;
      return {
        org: p.org,
        pid: p.pid,
        port: p.port,
        alive,
        height: h?.height ?? null,
        certifiedHeight: h?.certifiedHeight ?? null,
      };
    }),
  );
  const top = peers.reduce((max, p) => (p.height !== null && BigInt(p.height) > max ? BigInt(p.height) : max), 0n);
  const nats = (await openNatsCluster(network.natsDir).status()).map((s) => ({
    name: s.name,
    pid: s.pid,
    alive: s.alive,
    answering: s.answering,
  }));
  return {
    peers: peers.map((p) => ({ ...p, lag: p.height === null ? null : (top - BigInt(p.height)).toString() })),
    nats,
  };
}

export async function networkDown(dir: string): Promise<void> {
  const network = readNetworkFile(dir);
  await Promise.all(
    network.peers.map(async (peer) => {
      if (!isAlive(peer.pid) || peer.pid === null) return;
      const pid = peer.pid;
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + PEER_STOP_TIMEOUT_MS;
      while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }),
  );
  for (const peer of network.peers) peer.pid = null;
  writeNetworkFile(dir, network);
  await openNatsCluster(network.natsDir).stopAll();
}

export function registerNetwork(program: Command): void {
  const network = program
    .command('network')
    .description('a local consortium of real processes: one peer per organization, ordered by a NATS cluster');

  network
    .command('up')
    .description('start (or restart what is down of) a local consortium on loopback ports')
    .requiredOption('--dir <dir>', 'directory for the network (created)')
    .option('--peers <n>', 'organizations, each with its own peer process', parsePositive('--peers'), 3)
    .option('--nats <n>', 'NATS servers (Debian nats-server) in the ordering cluster', parsePositive('--nats'), 3)
    .option('--block-txs <n>', 'transactions per block', parsePositive('--block-txs'), 500)
    .option(
      '--block-interval-ms <n>',
      'longest wait for a block that is not full',
      parsePositive('--block-interval-ms'),
      50,
    )
    .action(async (opts: { dir: string; peers: number; nats: number; blockTxs: number; blockIntervalMs: number }) => {
      const up = await networkUp({
        dir: opts.dir,
        peers: opts.peers,
        nats: opts.nats,
        blockTxsMax: opts.blockTxs,
        blockIntervalMs: opts.blockIntervalMs,
      });
      console.log(`NATS: ${up.urls.join(',')}`);
      for (const p of up.peers)
        console.log(`peer ${p.org}: http://127.0.0.1:${p.port}/v1 (pid ${p.pid}, log ${p.logPath})`);
    });

  network
    .command('status')
    .description('heights, certified heights and lag of every peer, and which NATS servers answer')
    .requiredOption('--dir <dir>', 'directory of the network')
    .option('--json', 'print JSON')
    .action(async (opts: { dir: string; json?: boolean }) => {
      const status = await networkStatus(opts.dir);
      if (opts.json === true) {
        console.log(JSON.stringify(status));
        return;
      }
      for (const p of status.peers) {
        console.log(
          p.alive
            ? `peer ${p.org}: height ${p.height ?? '?'}, certified ${p.certifiedHeight ?? '?'}, lag ${p.lag ?? '?'} (pid ${p.pid}, port ${p.port})`
            : `peer ${p.org}: down`,
        );
      }
      for (const s of status.nats) {
        console.log(`nats ${s.name}: ${s.answering ? 'up' : s.alive ? 'not answering' : 'down'}`);
      }
    });

  network
    .command('down')
    .description('stop every peer and NATS server of the network (files stay; "network up" starts them again)')
    .requiredOption('--dir <dir>', 'directory of the network')
    .action(async (opts: { dir: string }) => {
      await networkDown(opts.dir);
      console.log('network stopped');
    });
}
