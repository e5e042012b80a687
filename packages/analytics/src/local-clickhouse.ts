/**
 * A throwaway ClickHouse server for tests and benchmarks: `clickhouse-server` run as a plain
 * child process with its config, data and logs in a temporary directory, HTTP only, on a free
 * loopback port, with a `default` user without password. Never a system service.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WarehouseError } from './warehouse.ts';

export const CLICKHOUSE_SERVER_PATH_DEFAULT = '/usr/sbin/clickhouse-server';
export const CLICKHOUSE_START_TIMEOUT_MS = 30_000;
/**
 * How long a stop waits after SIGTERM before SIGKILL. 18.16 waits out idle keep-alive connections
 * for seconds before it exits; the data is thrown away with the directory, so it need not.
 */
const CLICKHOUSE_STOP_GRACE_MS = 1_000;
const START_ATTEMPTS_MAX = 3;
const PING_INTERVAL_MS = 50;

export interface LocalClickHouse {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly dir: string;
  readonly pid: number;
  /** Stops the server (SIGTERM, SIGKILL a second later) and removes its directory. */
  stop(): Promise<void>;
}

function configXml(dir: string, port: number): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/log/server.log</log><errorlog>${dir}/log/error.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>${port}</http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>32</max_concurrent_queries>
</yandex>
`;
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no port'));
        else resolve(address.port);
      });
    });
  });
}

async function isUp(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) });
    return response.ok && (await response.text()).startsWith('Ok');
  } catch {
    // Connection refused or reset while the server starts: not up yet.
    return false;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

function logTail(dir: string): string {
  for (const name of ['log/error.log', 'stderr.log']) {
    try {
      const text = readFileSync(join(dir, name), 'utf8').trim();
      if (text.length > 0) return text.split('\n').slice(-5).join('\n');
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    }
  }
  return '(no log)';
}

async function startOnce(serverPath: string): Promise<LocalClickHouse | null> {
  const dir = mkdtempSync(join(tmpdir(), 'paychain-clickhouse-'));
  const port = await freePort();
  writeFileSync(join(dir, 'config.xml'), configXml(dir, port));
  writeFileSync(join(dir, 'users.xml'), USERS_XML);
  const child = spawn(serverPath, [`--config-file=${join(dir, 'config.xml')}`], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: Buffer[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timeout = sleep(CLICKHOUSE_STOP_GRACE_MS).then(() => 'timeout' as const);
      if ((await Promise.race([exited(child), timeout])) === 'timeout') {
        child.kill('SIGKILL');
        await exited(child);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + CLICKHOUSE_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      writeFileSync(join(dir, 'stderr.log'), Buffer.concat(stderr));
      const tail = logTail(dir);
      await stop();
      // Another process may have taken the port between the probe and the bind: try another.
      if (/Address already in use/i.test(tail)) return null;
      throw new WarehouseError('engine_failed', `clickhouse-server exited at start:\n${tail}`);
    }
    if (await isUp(url)) {
      const pid = child.pid;
      if (pid === undefined) throw new WarehouseError('engine_failed', 'clickhouse-server has no pid');
      return { url, dir, pid, stop };
    }
    await sleep(PING_INTERVAL_MS);
  }
  await stop();
  throw new WarehouseError(
    'engine_failed',
    `clickhouse-server did not answer /ping in ${CLICKHOUSE_START_TIMEOUT_MS} ms`,
  );
}

/** Starts a server; `engine_missing` when the binary is not there (install the Debian package `clickhouse-server`). */
export async function startLocalClickHouse(
  serverPath: string = process.env.PAYCHAIN_CLICKHOUSE_SERVER ?? CLICKHOUSE_SERVER_PATH_DEFAULT,
): Promise<LocalClickHouse> {
  try {
    accessSync(serverPath, constants.X_OK);
  } catch (error) {
    throw new WarehouseError(
      'engine_missing',
      `no ClickHouse server at ${serverPath}: install the Debian package clickhouse-server (apt-get install clickhouse-server) or set PAYCHAIN_CLICKHOUSE_SERVER`,
      { cause: error },
    );
  }
  for (let attempt = 1; attempt <= START_ATTEMPTS_MAX; attempt++) {
    const server = await startOnce(serverPath);
    if (server !== null) return server;
  }
  throw new WarehouseError('engine_failed', `clickhouse-server found no free port in ${START_ATTEMPTS_MAX} attempts`);
}
