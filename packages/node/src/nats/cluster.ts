/**
 * A local NATS JetStream cluster run as real `nats-server` processes on loopback, for integration
 * tests today and `paychain network up --nats N` later (issue 3: ordering across machines goes
 * through JetStream, so its failure modes must be exercised with real servers, not mocks).
 *
 * Layout of DIR (every path absolute, so another process can act on it):
 *
 *   DIR/cluster.json               the handle file: ports, pids and paths; `openNatsCluster` reads it
 *   DIR/<server>/server.conf       the server's config (client, route and monitoring ports)
 *   DIR/<server>/server.log        its stdout and stderr, appended across restarts
 *   DIR/<server>/store/jetstream   its JetStream store (nats-server appends `jetstream` to store_dir)
 *
 * The handle file is the source of truth: every operation re-reads it first and writes it back
 * atomically, so the process that started the cluster and a later CLI process see the same pids.
 *
 * Durability: from nats-server 2.10 on, the config asks for `sync_interval: always` (fsync before
 * every ack). 2.9 has no such field and refuses unknown fields, so it is left out there and the
 * cluster reports `syncAlways: false`: an ack then means "in memory on a quorum of servers", which
 * on one machine does not survive a power cut.
 *
 * Readiness: a server is ready when its client port sends INFO, `/healthz` answers 200 (on 2.9 this
 * already includes "current with the meta leader" and "every assigned stream is current") and
 * `/jsz` names a meta leader; a cluster is ready when every server is, and they agree on the leader.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { request } from 'node:http';
import { connect as connectTcp, createServer, type Server as TcpServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { assert } from '@paychain/core';

export const DEFAULT_NATS_SERVER_PATH = '/usr/sbin/nats-server';
/** Every listener binds here and only here: a test cluster is never reachable from outside. */
const LOOPBACK = '127.0.0.1';
const CLUSTER_FILE = 'cluster.json';
const CLUSTER_FILE_FORMAT = 1;

/** Seven servers tolerate three failures; more only slow a two-core machine down. */
export const NATS_SERVERS_MAX = 7;
/**
 * On 2.9.10 here: a fresh cluster bootstraps its meta leader in under a second; one restarted on
 * existing state, or that lost its leader, waits out Raft election timeouts (5–8 s); recovering a
 * big store takes longer still.
 */
export const NATS_START_TIMEOUT_MS = 30_000;
/** SIGTERM → exit: nats-server flushes its stores, well under a second for test-sized data. */
const NATS_STOP_TIMEOUT_MS = 5_000;
/** SIGKILL → reaped: only the kernel's work. */
const NATS_KILL_TIMEOUT_MS = 2_000;
const NATS_VERSION_TIMEOUT_MS = 5_000;
/** One probe of a port (INFO line, HTTP answer); a paused server fails it by timing out. */
const NATS_PROBE_TIMEOUT_MS = 1_000;
const NATS_POLL_INTERVAL_MS = 100;
/** How long pause and resume wait for the kernel to stop or continue every thread. */
const NATS_SIGNAL_SETTLE_MS = 2_000;
/** Ports are picked free then released, so another socket can take one before the server binds. */
const NATS_START_ATTEMPTS_MAX = 3;
const NATS_LOG_TAIL_BYTES_MAX = 4_096;
const NATS_HTTP_BODY_BYTES_MAX = 1 << 20;
const NATS_MAX_FILE_STORE_BYTES_DEFAULT = 1 << 30;
/** Without a limit nats-server reserves 75 % of the machine's memory for memory streams. */
const NATS_MAX_MEMORY_STORE_BYTES = 64 << 20;
/** Server and cluster names go into configs unquoted-safe and into JetStream peer ids. */
const NAME_PATTERN = /^[A-Za-z0-9_-]{1,48}$/;
/** Paths go into configs as double-quoted strings; these characters would need escaping. */
const PATH_UNSAFE_PATTERN = /["\\\n\r]/;

export type NatsClusterErrorCode =
  /** The server binary cannot be run. */
  | 'nats_server_missing'
  /** `nats-server --version` printed something unexpected. */
  | 'nats_server_version'
  /** A server process ended while we waited for it to become ready. */
  | 'nats_server_exited'
  /** Servers did not become ready (answering, healthy, one meta leader) in time. */
  | 'nats_start_timeout'
  /** A server survived SIGKILL. */
  | 'nats_stop_timeout'
  /** The operation does not fit the cluster's state (already started, server not running). */
  | 'nats_cluster_state'
  /** cluster.json is missing or damaged. */
  | 'nats_cluster_file';

/** An operating error of the local cluster; `logTail` holds the end of the failing server's log. */
export class NatsClusterError extends Error {
  override readonly name = 'NatsClusterError';
  readonly code: NatsClusterErrorCode;
  readonly server: string | undefined;
  readonly logTail: string | undefined;
  constructor(
    code: NatsClusterErrorCode,
    message: string,
    options: { server?: string; logTail?: string; cause?: unknown } = {},
  ) {
    super(
      options.logTail === undefined
        ? message
        : `${message}\n--- end of ${options.server ?? 'server'} log ---\n${options.logTail}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.server = options.server;
    this.logTail = options.logTail;
  }
}

export interface NatsServerVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** Reads `nats-server: v2.9.10` (the output of `nats-server --version`); null if it is not that. */
export function parseNatsServerVersion(text: string): NatsServerVersion | null {
  const match = /^nats-server: v(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  if (match === null) return null;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

function natsVersionToString(version: NatsServerVersion): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}

/** `sync_interval` (with `always`) exists from 2.10 on; older servers stop at startup on the field. */
export function isSyncAlwaysSupported(version: NatsServerVersion): boolean {
  return version.major > 2 || (version.major === 2 && version.minor >= 10);
}

export async function readNatsServerVersion(serverPath: string): Promise<NatsServerVersion> {
  const output = await new Promise<string>((resolvePromise, reject) => {
    execFile(serverPath, ['--version'], { timeout: NATS_VERSION_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error !== null) {
        reject(new NatsClusterError('nats_server_missing', `cannot run ${serverPath} --version`, { cause: error }));
      } else {
        resolvePromise(`${stdout}${stderr}`);
      }
    });
  });
  const version = parseNatsServerVersion(output);
  if (version === null) {
    throw new NatsClusterError('nats_server_version', `${serverPath} --version printed ${JSON.stringify(output)}`);
  }
  return version;
}

export interface NatsServerConfigInput {
  readonly name: string;
  readonly clusterName: string;
  readonly clientPort: number;
  readonly clusterPort: number;
  readonly httpPort: number;
  /** Route ports of the other servers; empty for a single server, which then has no cluster block. */
  readonly routePorts: readonly number[];
  readonly storeDir: string;
  readonly maxFileStoreBytes: number;
  readonly syncAlways: boolean;
}

/** One server's config file. Pure, so the 2.10 variant is tested on a machine that only has 2.9. */
export function natsServerConfigText(input: NatsServerConfigInput): string {
  assert(NAME_PATTERN.test(input.name) && NAME_PATTERN.test(input.clusterName), 'server and cluster names are plain');
  assert(!PATH_UNSAFE_PATTERN.test(input.storeDir), 'the store dir needs no escaping');
  const lines = [
    `server_name: ${input.name}`,
    `listen: ${LOOPBACK}:${input.clientPort}`,
    `http: ${LOOPBACK}:${input.httpPort}`,
  ];
  if (input.routePorts.length > 0) {
    lines.push(
      'cluster {',
      `  name: ${input.clusterName}`,
      `  listen: ${LOOPBACK}:${input.clusterPort}`,
      `  routes: [${input.routePorts.map((port) => `nats-route://${LOOPBACK}:${port}`).join(', ')}]`,
      '}',
    );
  }
  lines.push(
    'jetstream {',
    `  store_dir: "${input.storeDir}"`,
    `  max_file_store: ${input.maxFileStoreBytes}`,
    `  max_memory_store: ${NATS_MAX_MEMORY_STORE_BYTES}`,
  );
  if (input.syncAlways) lines.push('  sync_interval: always');
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export interface NatsClusterOptions {
  /** Directory for configs, logs, stores and cluster.json; it must not already hold a cluster. */
  readonly dir: string;
  /** Number of servers, 1..NATS_SERVERS_MAX; 3 tolerates one failure. */
  readonly servers?: number;
  /** Server names are `<namePrefix><index>`; they must stay stable, JetStream peer ids derive from them. */
  readonly namePrefix?: string;
  readonly clusterName?: string;
  readonly serverPath?: string;
  readonly maxFileStoreBytes?: number;
  /**
   * true (default): each server leads its own process group and outlives this process, as
   * `paychain network up` needs. false: servers stay in this process group, so Ctrl-C on a test run
   * reaches them too. Either way only `stop`/`kill`/`stopAll` end them.
   */
  readonly detached?: boolean;
  readonly startTimeoutMs?: number;
}

export interface NatsServerInfo {
  readonly index: number;
  readonly name: string;
  /** The pid last started by any handle; null once stopped or killed through a handle. */
  readonly pid: number | null;
  readonly url: string;
  readonly clientPort: number;
  readonly clusterPort: number;
  readonly httpPort: number;
  readonly configPath: string;
  readonly logPath: string;
  readonly storeDir: string;
}

export interface NatsServerStatus {
  readonly index: number;
  readonly name: string;
  readonly pid: number | null;
  /** The process exists, is not a zombie, and runs this server's config. */
  readonly alive: boolean;
  /** The client port sent its INFO line within the probe timeout (false while paused). */
  readonly answering: boolean;
}

interface ServerRecord {
  readonly name: string;
  readonly clientPort: number;
  readonly clusterPort: number;
  readonly httpPort: number;
  readonly configPath: string;
  readonly logPath: string;
  readonly storeDir: string;
  pid: number | null;
}

interface ClusterRecord {
  readonly format: typeof CLUSTER_FILE_FORMAT;
  readonly clusterName: string;
  readonly serverPath: string;
  readonly serverVersion: string;
  readonly syncAlways: boolean;
  readonly detached: boolean;
  readonly servers: ServerRecord[];
}

/**
 * Servers spawned by this process, by pid, until Node has reaped them. While a pid is here it
 * counts as alive, so "gone" means reaped: `process.kill(pid, 0)` then throws ESRCH.
 */
const children = new Map<number, ChildProcess>();

/** Starts a fresh cluster in `options.dir` and waits until it is ready; on failure stops what it started. */
export async function startNatsCluster(options: NatsClusterOptions): Promise<NatsCluster> {
  const serverCount = options.servers ?? 3;
  assert(Number.isInteger(serverCount) && serverCount >= 1 && serverCount <= NATS_SERVERS_MAX, 'server count');
  const namePrefix = options.namePrefix ?? 'paychain-nats-';
  const clusterName = options.clusterName ?? 'paychain';
  assert(NAME_PATTERN.test(`${namePrefix}${NATS_SERVERS_MAX}`), 'name prefix is plain');
  const maxFileStoreBytes = options.maxFileStoreBytes ?? NATS_MAX_FILE_STORE_BYTES_DEFAULT;
  assert(Number.isSafeInteger(maxFileStoreBytes) && maxFileStoreBytes > 0, 'file store limit');
  const dir = resolve(options.dir);
  assert(!PATH_UNSAFE_PATTERN.test(dir), 'the cluster dir needs no escaping in configs');
  const serverPath = options.serverPath ?? DEFAULT_NATS_SERVER_PATH;
  if (existsSync(join(dir, CLUSTER_FILE))) {
    throw new NatsClusterError('nats_cluster_state', `${dir} already holds a cluster: use openNatsCluster(dir)`);
  }
  const version = await readNatsServerVersion(serverPath);
  const syncAlways = isSyncAlwaysSupported(version);

  let lastError: unknown;
  for (let attempt = 1; attempt <= NATS_START_ATTEMPTS_MAX; attempt++) {
    const ports = await pickFreePorts(serverCount * 3);
    const servers = Array.from({ length: serverCount }, (_, index): ServerRecord => {
      const name = `${namePrefix}${index}`;
      return {
        name,
        clientPort: portAt(ports, index * 3),
        clusterPort: portAt(ports, index * 3 + 1),
        httpPort: portAt(ports, index * 3 + 2),
        configPath: join(dir, name, 'server.conf'),
        logPath: join(dir, name, 'server.log'),
        storeDir: join(dir, name, 'store'),
        pid: null,
      };
    });
    const record: ClusterRecord = {
      format: CLUSTER_FILE_FORMAT,
      clusterName,
      serverPath,
      serverVersion: natsVersionToString(version),
      syncAlways,
      detached: options.detached ?? true,
      servers,
    };
    for (const server of servers) {
      mkdirSync(server.storeDir, { recursive: true });
      const routePorts = servers.filter((other) => other !== server).map((other) => other.clusterPort);
      writeFileSync(
        server.configPath,
        natsServerConfigText({ ...server, clusterName, routePorts, maxFileStoreBytes, syncAlways }),
      );
    }
    writeClusterRecord(dir, record);
    const cluster = new NatsCluster(dir, record);
    try {
      await cluster.startAll(options.startTimeoutMs ?? NATS_START_TIMEOUT_MS);
      return cluster;
    } catch (error) {
      await cluster.stopAll();
      rmSync(join(dir, CLUSTER_FILE), { force: true });
      const portTaken =
        error instanceof NatsClusterError &&
        error.code === 'nats_server_exited' &&
        /address already in use/.test(error.logTail ?? '');
      if (!portTaken) throw error;
      lastError = error;
      for (const server of servers) rmSync(join(dir, server.name), { recursive: true, force: true });
    }
  }
  throw lastError;
}

/** A handle on a cluster started earlier, possibly by another process, from its cluster.json. */
export function openNatsCluster(dir: string): NatsCluster {
  const absoluteDir = resolve(dir);
  return new NatsCluster(absoluteDir, readClusterRecord(absoluteDir));
}

/** A handle on the servers listed in DIR/cluster.json; make one with startNatsCluster or openNatsCluster. */
export class NatsCluster {
  readonly dir: string;
  private record: ClusterRecord;

  constructor(dir: string, record: ClusterRecord) {
    this.dir = dir;
    this.record = record;
  }

  get name(): string {
    return this.record.clusterName;
  }

  get serverVersion(): string {
    return this.record.serverVersion;
  }

  /** Whether the servers fsync before every ack (nats-server ≥ 2.10); see the file comment. */
  get syncAlways(): boolean {
    return this.record.syncAlways;
  }

  /** Client URLs of every server, in index order; they do not change across restarts. */
  get urls(): string[] {
    return this.record.servers.map((server) => clientUrl(server));
  }

  /** Servers as of this handle's last operation (status() and every action re-read cluster.json). */
  get servers(): NatsServerInfo[] {
    return this.record.servers.map((server, index) => ({ index, url: clientUrl(server), ...server }));
  }

  async status(): Promise<NatsServerStatus[]> {
    this.refresh();
    return Promise.all(
      this.record.servers.map(async (server, index) => {
        const alive = isServerAlive(server);
        const answering = alive && (await probeClientPort(server.clientPort));
        return { index, name: server.name, pid: server.pid, alive, answering };
      }),
    );
  }

  /** SIGKILL, as a crash would; resolves once the process is gone. */
  async kill(index: number): Promise<void> {
    const server = this.serverAt(index);
    if (server.pid !== null && isServerAlive(server)) {
      signalServer(server.pid, 'SIGKILL');
      await this.awaitGone(server, NATS_KILL_TIMEOUT_MS);
    }
    this.updatePid(index, null);
  }

  /** SIGTERM (a clean shutdown), then SIGKILL if it has not exited after NATS_STOP_TIMEOUT_MS. */
  async stop(index: number): Promise<void> {
    const server = this.serverAt(index);
    if (server.pid !== null && isServerAlive(server)) {
      signalServer(server.pid, 'SIGTERM');
      // A paused server acts on SIGTERM only once it runs again.
      signalServer(server.pid, 'SIGCONT');
      if (!(await waitGone(server, NATS_STOP_TIMEOUT_MS))) {
        signalServer(server.pid, 'SIGKILL');
        await this.awaitGone(server, NATS_KILL_TIMEOUT_MS);
      }
    }
    this.updatePid(index, null);
  }

  /** Stops the server if it runs, starts it on the same config and store, waits until it has rejoined. */
  async restart(index: number, timeoutMs: number = NATS_START_TIMEOUT_MS): Promise<void> {
    await this.stop(index);
    this.spawnServer(index);
    await this.waitReady([index], timeoutMs);
  }

  /**
   * SIGSTOP: the process keeps its sockets but answers nothing, like a hung machine. Returns once
   * every thread of it is stopped: the kernel delivers the stop to each thread on its own, so a
   * thread could otherwise still answer a probe made right after.
   */
  pause(index: number): void {
    const pid = this.runningPid(index);
    signalServer(pid, 'SIGSTOP');
    waitThreadStates(pid, (state) => state === 'T');
  }

  /** SIGCONT, returning once no thread of the process is stopped any more. */
  resume(index: number): void {
    const pid = this.runningPid(index);
    signalServer(pid, 'SIGCONT');
    waitThreadStates(pid, (state) => state !== 'T');
  }

  /**
   * Starts every server that is not running and waits until the whole cluster is ready. On a
   * timeout the servers are left running (the caller decides); startNatsCluster stops them.
   */
  async startAll(timeoutMs: number = NATS_START_TIMEOUT_MS): Promise<void> {
    this.refresh();
    for (let index = 0; index < this.record.servers.length; index++) {
      const server = this.record.servers[index];
      assert(server !== undefined, 'index within servers');
      if (!isServerAlive(server)) this.spawnServer(index);
    }
    await this.waitReady(
      this.record.servers.map((_, index) => index),
      timeoutMs,
    );
  }

  /** Stops every server (in parallel); stopping a stopped cluster does nothing. */
  async stopAll(): Promise<void> {
    this.refresh();
    const results = await Promise.allSettled(this.record.servers.map((_, index) => this.stop(index)));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  }

  private refresh(): void {
    this.record = readClusterRecord(this.dir);
  }

  private serverAt(index: number): ServerRecord {
    this.refresh();
    const server = this.record.servers[index];
    assert(Number.isInteger(index) && server !== undefined, `server index ${index} within the cluster`);
    return server;
  }

  private runningPid(index: number): number {
    const server = this.serverAt(index);
    if (server.pid === null || !isServerAlive(server)) {
      throw new NatsClusterError('nats_cluster_state', `server ${server.name} is not running`, {
        server: server.name,
      });
    }
    return server.pid;
  }

  /** Read-modify-write of one pid, synchronous so two operations of this process never interleave. */
  private updatePid(index: number, pid: number | null): void {
    const record = readClusterRecord(this.dir);
    const server = record.servers[index];
    assert(server !== undefined, 'index within servers');
    server.pid = pid;
    writeClusterRecord(this.dir, record);
    this.record = record;
  }

  private async awaitGone(server: ServerRecord, timeoutMs: number): Promise<void> {
    if (!(await waitGone(server, timeoutMs))) {
      throw new NatsClusterError('nats_stop_timeout', `${server.name} (pid ${server.pid}) survived SIGKILL`, {
        server: server.name,
      });
    }
  }

  private spawnServer(index: number): void {
    const server = this.serverAt(index);
    const log = openSync(server.logPath, 'a');
    let child: ChildProcess;
    try {
      writeSync(log, `# paychain: starting ${server.name} at ${new Date().toISOString()}\n`);
      child = spawn(this.record.serverPath, ['-c', server.configPath], {
        detached: this.record.detached,
        stdio: ['ignore', log, log],
      });
    } finally {
      closeSync(log);
    }
    const pid = child.pid;
    if (pid === undefined) {
      // The 'error' event follows; the handler keeps it from becoming an uncaught exception.
      child.once('error', (error) => {
        writeFileSync(server.logPath, `# paychain: spawn failed: ${error.message}\n`, { flag: 'a' });
      });
      throw new NatsClusterError('nats_server_missing', `cannot spawn ${this.record.serverPath}`, {
        server: server.name,
      });
    }
    children.set(pid, child);
    child.once('exit', () => children.delete(pid));
    child.unref();
    this.updatePid(index, pid);
  }

  /** Polls until every listed server is ready (see the file comment) and all agree on the meta leader. */
  private async waitReady(indices: readonly number[], timeoutMs: number): Promise<void> {
    const clustered = this.record.servers.length > 1;
    const deadline = Date.now() + timeoutMs;
    const attemptsMax = Math.ceil(timeoutMs / NATS_POLL_INTERVAL_MS);
    let waitingFor: { server: ServerRecord; reason: string } | undefined;
    for (let attempt = 0; attempt < attemptsMax && Date.now() < deadline; attempt++) {
      const servers = indices.map((index) => this.serverAt(index));
      for (const server of servers) {
        if (!isServerAlive(server)) {
          throw new NatsClusterError('nats_server_exited', `${server.name} exited while starting`, {
            server: server.name,
            logTail: readLogTail(server.logPath),
          });
        }
      }
      const probes = await Promise.all(servers.map((server) => probeReady(server, clustered)));
      const leaders = new Set(probes.flatMap((probe) => (probe.ready ? [probe.leader] : [])));
      const notReady = probes.findIndex((probe) => !probe.ready);
      const notReadyServer = servers[notReady];
      const notReadyProbe = probes[notReady];
      if (notReadyServer !== undefined && notReadyProbe !== undefined && !notReadyProbe.ready) {
        waitingFor = { server: notReadyServer, reason: notReadyProbe.reason };
      } else if (leaders.size > 1) {
        const first = servers[0];
        assert(first !== undefined, 'at least one server');
        waitingFor = { server: first, reason: `servers disagree on the meta leader: ${[...leaders].join(', ')}` };
      } else {
        return;
      }
      await sleep(NATS_POLL_INTERVAL_MS);
    }
    const server = waitingFor?.server ?? this.serverAt(indices[0] ?? 0);
    throw new NatsClusterError(
      'nats_start_timeout',
      `${server.name} not ready after ${timeoutMs} ms: ${waitingFor?.reason ?? 'not probed'}`,
      { server: server.name, logTail: readLogTail(server.logPath) },
    );
  }
}

function portAt(ports: readonly number[], index: number): number {
  const port = ports[index];
  assert(port !== undefined, 'a port was picked for every listener');
  return port;
}

function clientUrl(server: ServerRecord): string {
  return `nats://${LOOPBACK}:${server.clientPort}`;
}

/** Distinct free loopback ports: all held open at once, then released for the servers to bind. */
async function pickFreePorts(count: number): Promise<number[]> {
  const listeners: TcpServer[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const listener = createServer();
      listeners.push(listener);
      await new Promise<void>((resolvePromise, reject) => {
        listener.once('error', reject);
        listener.listen(0, LOOPBACK, () => resolvePromise());
      });
      const address = listener.address();
      assert(address !== null && typeof address === 'object', 'a TCP listener has a port');
      ports.push(address.port);
    }
    assert(new Set(ports).size === count, 'ports held open at once are distinct');
    return ports;
  } finally {
    await Promise.all(
      listeners.map((listener) => new Promise<void>((resolvePromise) => listener.close(() => resolvePromise()))),
    );
  }
}

const HAS_PROC_FS = existsSync('/proc/self/stat');

/**
 * Whether the recorded pid is still this server. Beyond `kill(pid, 0)`: a zombie is dead (this
 * machine's init reaps orphans late), and on Linux the pid must run this server's config, so a
 * reused pid is never signalled. EPERM means another user's process: not ours.
 */
function isServerAlive(server: ServerRecord): boolean {
  const pid = server.pid;
  if (pid === null) return false;
  if (children.has(pid)) return true;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (errnoCode(error) === 'ESRCH' || errnoCode(error) === 'EPERM') return false;
    throw error;
  }
  if (!HAS_PROC_FS) return true;
  let stat: string;
  let cmdline: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ESRCH') return false;
    throw error;
  }
  // Format: "pid (comm) S ..."; comm may hold spaces and parentheses, the state follows the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  if (state === 'Z' || state === 'X') return false;
  return cmdline.split('\0').includes(server.configPath);
}

/** Sends a signal; a process that has just exited is what the caller wanted anyway. */
function signalServer(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if (errnoCode(error) !== 'ESRCH') throw error;
  }
}

/**
 * Waits, blocking, up to NATS_SIGNAL_SETTLE_MS until every thread of pid is in a state that
 * passes (the third field of /proc/PID/task/TID/stat). Gives up quietly where /proc is missing
 * or the process is gone: the signal was sent, and the callers' probes tell the rest.
 */
function waitThreadStates(pid: number, passes: (state: string) => boolean): void {
  const deadline = Date.now() + NATS_SIGNAL_SETTLE_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (Date.now() < deadline) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      return;
    }
    let all = true;
    for (const tid of tids) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
      } catch {
        continue; // the thread ended meanwhile
      }
      // The command name in field 2 is in parentheses and may hold spaces; the state follows it.
      const close = stat.lastIndexOf(')');
      if (!passes(stat.slice(close + 2, close + 3))) all = false;
    }
    if (all) return;
    Atomics.wait(pause, 0, 0, 1);
  }
}

async function waitGone(server: ServerRecord, timeoutMs: number): Promise<boolean> {
  const attemptsMax = Math.ceil(timeoutMs / NATS_POLL_INTERVAL_MS);
  for (let attempt = 0; attempt < attemptsMax; attempt++) {
    if (!isServerAlive(server)) return true;
    await sleep(NATS_POLL_INTERVAL_MS);
  }
  return !isServerAlive(server);
}

function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

type ReadyProbe =
  | { readonly ready: true; readonly leader: string }
  | { readonly ready: false; readonly reason: string };

/** Cheap checks first; /healthz last, since nats-server logs a warning for every failed health check. */
async function probeReady(server: ServerRecord, clustered: boolean): Promise<ReadyProbe> {
  if (!(await probeClientPort(server.clientPort))) return { ready: false, reason: 'client port does not answer' };
  const jsz = await httpGet(server.httpPort, '/jsz');
  if (jsz === null || jsz.status !== 200) return { ready: false, reason: '/jsz does not answer' };
  const body = parseJsonObject(jsz.body);
  if (body === null || body.disabled === true || typeof body.config !== 'object') {
    return { ready: false, reason: 'JetStream is not enabled' };
  }
  let leader = '';
  if (clustered) {
    const meta = body.meta_cluster;
    const metaLeader = isRecord(meta) ? meta.leader : undefined;
    if (typeof metaLeader !== 'string' || metaLeader === '') {
      return { ready: false, reason: 'no JetStream meta leader yet' };
    }
    leader = metaLeader;
  }
  const health = await httpGet(server.httpPort, '/healthz');
  if (health === null) return { ready: false, reason: '/healthz does not answer' };
  if (health.status !== 200) return { ready: false, reason: `/healthz ${health.status} ${health.body.trim()}` };
  return { ready: true, leader };
}

/** True once the port sends a NATS INFO line; false on refusal, silence (a paused server) or other bytes. */
function probeClientPort(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    let settled = false;
    let head = '';
    const socket = connectTcp({ host: LOOPBACK, port });
    const finish = (answering: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolvePromise(answering);
    };
    const timer = setTimeout(() => finish(false), NATS_PROBE_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (head.length >= 5) finish(head.startsWith('INFO '));
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}

/** One GET on the monitoring port; null when it does not answer in time or the body is too big. */
function httpGet(port: number, path: string): Promise<{ status: number; body: string } | null> {
  return new Promise((resolvePromise) => {
    let settled = false;
    const finish = (result: { status: number; body: string } | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolvePromise(result);
    };
    const req = request({ host: LOOPBACK, port, path, method: 'GET', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > NATS_HTTP_BODY_BYTES_MAX) {
          req.destroy();
          finish(null);
        } else {
          chunks.push(chunk);
        }
      });
      res.on('end', () => finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => finish(null));
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish(null);
    }, NATS_PROBE_TIMEOUT_MS);
    req.on('error', () => finish(null));
    req.end();
  });
}

function parseJsonObject(text: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null; // not JSON: the caller reports the probe as failed
  }
  return isRecord(value) ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The last NATS_LOG_TAIL_BYTES_MAX bytes of a log, from the first whole line. */
function readLogTail(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return '(no log file)';
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, NATS_LOG_TAIL_BYTES_MAX);
    const bytes = Buffer.alloc(length);
    readSync(fd, bytes, 0, length, size - length);
    const text = bytes.toString('utf8');
    return (length < size ? text.slice(text.indexOf('\n') + 1) : text).trimEnd();
  } finally {
    closeSync(fd);
  }
}

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 65_536;
}

function isPid(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function writeClusterRecord(dir: string, record: ClusterRecord): void {
  const path = join(dir, CLUSTER_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(temporary, path);
}

function readClusterRecord(dir: string): ClusterRecord {
  const path = join(dir, CLUSTER_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new NatsClusterError('nats_cluster_file', `cannot read ${path}`, { cause: error });
  }
  const bad = (what: string): NatsClusterError => new NatsClusterError('nats_cluster_file', `${path}: ${what}`);
  const value = parseJsonObject(text);
  if (value === null) throw bad('not a JSON object');
  if (value.format !== CLUSTER_FILE_FORMAT) throw bad(`format ${String(value.format)} is not ${CLUSTER_FILE_FORMAT}`);
  const { clusterName, serverPath, serverVersion, syncAlways, detached, servers } = value;
  if (typeof clusterName !== 'string' || !NAME_PATTERN.test(clusterName)) throw bad('clusterName');
  if (typeof serverPath !== 'string' || typeof serverVersion !== 'string') throw bad('serverPath or serverVersion');
  if (typeof syncAlways !== 'boolean' || typeof detached !== 'boolean') throw bad('syncAlways or detached');
  if (!Array.isArray(servers) || servers.length < 1 || servers.length > NATS_SERVERS_MAX) throw bad('servers');
  return {
    format: CLUSTER_FILE_FORMAT,
    clusterName,
    serverPath,
    serverVersion,
    syncAlways,
    detached,
    servers: servers.map((entry: unknown, index): ServerRecord => {
      if (!isRecord(entry)) throw bad(`servers[${index}]`);
      const { name, clientPort, clusterPort, httpPort, configPath, logPath, storeDir, pid } = entry;
      if (typeof name !== 'string' || !NAME_PATTERN.test(name)) throw bad(`servers[${index}].name`);
      if (!isPort(clientPort) || !isPort(clusterPort) || !isPort(httpPort)) throw bad(`servers[${index}] ports`);
      if (typeof configPath !== 'string' || typeof logPath !== 'string' || typeof storeDir !== 'string') {
        throw bad(`servers[${index}] paths`);
      }
      if (pid !== null && !isPid(pid)) throw bad(`servers[${index}].pid`);
      return { name, clientPort, clusterPort, httpPort, configPath, logPath, storeDir, pid };
    }),
  };
}
