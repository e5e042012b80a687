// Goal: the local NATS cluster starts ready, replicates and deduplicates JetStream messages, survives
// the loss of a stream leader without losing or doubling an acked message, and leaves no process
// behind. Method: real nats-server processes on free loopback ports in a temp dir, driven through
// @nats-io/jetstream; config rendering and version parsing as pure tables.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type JetStreamClient, jetstream, jetstreamManager, type PubAck, StorageType } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_NATS_SERVER_PATH,
  isSyncAlwaysSupported,
  type NatsCluster,
  NatsClusterError,
  type NatsServerConfigInput,
  natsServerConfigText,
  openNatsCluster,
  parseNatsServerVersion,
  startNatsCluster,
} from './cluster.ts';

const TEST_TIMEOUT_MS = 60_000;
/** Stream leader election after a SIGKILL took about 6.5 s on nats-server 2.9.10 here. */
const FAILOVER_MS_MAX = 15_000;
const PUBLISH_TIMEOUT_MS = 1_000;
const RETRY_INTERVAL_MS = 200;
const SUBJECT = 'payments.test';
const STREAM = 'PAYMENTS';

describe('parseNatsServerVersion', () => {
  it.each([
    ['nats-server: v2.9.10\n', { major: 2, minor: 9, patch: 10 }, false],
    ['nats-server: v2.10.0', { major: 2, minor: 10, patch: 0 }, true],
    ['nats-server: v3.0.1-beta', { major: 3, minor: 0, patch: 1 }, true],
  ])('reads %j', (text, version, syncAlways) => {
    expect(parseNatsServerVersion(text)).toEqual(version);
    expect(isSyncAlwaysSupported(version)).toBe(syncAlways);
  });

  it.each(['', 'v2.9.10', 'nats-server: 2.9', 'gnatsd: v1.4.1'])('refuses %j', (text) => {
    expect(parseNatsServerVersion(text)).toBeNull();
  });
});

describe('natsServerConfigText', () => {
  const input: NatsServerConfigInput = {
    name: 'n0',
    clusterName: 'c',
    clientPort: 1001,
    clusterPort: 1002,
    httpPort: 1003,
    routePorts: [2002, 3002],
    storeDir: '/tmp/x/n0/store',
    maxFileStoreBytes: 1024,
    syncAlways: false,
  };

  it('listens on loopback only and routes to the other servers', () => {
    const text = natsServerConfigText(input);
    expect(text).toContain('listen: 127.0.0.1:1001');
    expect(text).toContain('http: 127.0.0.1:1003');
    expect(text).toContain('listen: 127.0.0.1:1002');
    expect(text).toContain('routes: [nats-route://127.0.0.1:2002, nats-route://127.0.0.1:3002]');
    expect(text).toContain('store_dir: "/tmp/x/n0/store"');
    expect(text).not.toMatch(/0\.0\.0\.0/);
  });

  it.each([
    [false, false],
    [true, true],
  ])('syncAlways %s writes sync_interval: %s (2.9 stops on the unknown field)', (syncAlways, written) => {
    expect(natsServerConfigText({ ...input, syncAlways }).includes('sync_interval: always')).toBe(written);
  });

  it('has no cluster block for a single server', () => {
    expect(natsServerConfigText({ ...input, routePorts: [] })).not.toContain('cluster {');
  });
});

describe.skipIf(!existsSync(DEFAULT_NATS_SERVER_PATH))(
  `NATS JetStream cluster of real processes (skipped when ${DEFAULT_NATS_SERVER_PATH} is missing)`,
  () => {
    const clusters: NatsCluster[] = [];
    const connections: NatsConnection[] = [];
    const dirs: string[] = [];

    afterEach(async () => {
      const closed = await Promise.allSettled([
        ...connections.splice(0).map((nc) => nc.close()),
        ...clusters.splice(0).map((cluster) => cluster.stopAll()),
      ]);
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
      for (const result of closed) if (result.status === 'rejected') throw result.reason;
    });

    function freshDir(): string {
      const dir = mkdtempSync(join(tmpdir(), 'paychain-nats-'));
      dirs.push(dir);
      return dir;
    }

    async function startCluster(dir = freshDir()): Promise<NatsCluster> {
      // Not detached: Ctrl-C on the test run reaches the servers too.
      const cluster = await startNatsCluster({ dir, detached: false });
      clusters.push(cluster);
      return cluster;
    }

    async function connectAll(cluster: NatsCluster): Promise<NatsConnection> {
      const nc = await connect({ servers: cluster.urls, reconnectTimeWait: 250, maxReconnectAttempts: -1 });
      connections.push(nc);
      return nc;
    }

    async function addReplicatedStream(nc: NatsConnection): Promise<void> {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: STREAM, subjects: [SUBJECT], storage: StorageType.File, num_replicas: 3 });
    }

    /** Retries `attemptOnce` until it returns a value; during an election requests fail or time out. */
    async function retryUntil<T>(what: string, attemptOnce: () => Promise<T | undefined>): Promise<T> {
      const deadline = Date.now() + FAILOVER_MS_MAX;
      const attemptsMax = Math.ceil(FAILOVER_MS_MAX / RETRY_INTERVAL_MS);
      let lastError: unknown;
      for (let attempt = 0; attempt < attemptsMax && Date.now() < deadline; attempt++) {
        try {
          const value = await attemptOnce();
          if (value !== undefined) return value;
        } catch (error) {
          lastError = error; // an election in progress: "no responders", "timeout"; try again
        }
        await sleep(RETRY_INTERVAL_MS);
      }
      throw new Error(`${what}: not within ${FAILOVER_MS_MAX} ms`, { cause: lastError });
    }

    /** Publishing again with the same msgID is safe: if the first try was stored, the retry is a duplicate. */
    function publishUntilAcked(js: JetStreamClient, msgID: string): Promise<PubAck> {
      return retryUntil(`ack of ${msgID}`, () =>
        js.publish(SUBJECT, new TextEncoder().encode(msgID), { msgID, timeout: PUBLISH_TIMEOUT_MS }),
      );
    }

    it(
      'replicates a file stream on three servers and deduplicates by msgID',
      async () => {
        const cluster = await startCluster();
        expect(cluster.urls).toHaveLength(3);
        for (const server of cluster.servers) {
          expect(server.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
          expect(readFileSync(server.configPath, 'utf8').includes('sync_interval')).toBe(cluster.syncAlways);
        }
        const version = parseNatsServerVersion(`nats-server: v${cluster.serverVersion}`);
        expect(version).not.toBeNull();
        expect(cluster.syncAlways).toBe(version !== null && isSyncAlwaysSupported(version));

        const nc = await connectAll(cluster);
        await addReplicatedStream(nc);
        const js = jetstream(nc);
        const first = await js.publish(SUBJECT, new TextEncoder().encode('p1'), { msgID: 'p1', timeout: 5_000 });
        expect(first).toMatchObject({ stream: STREAM, seq: 1, duplicate: false });
        const again = await js.publish(SUBJECT, new TextEncoder().encode('p1'), { msgID: 'p1', timeout: 5_000 });
        expect(again).toMatchObject({ stream: STREAM, seq: 1, duplicate: true });

        const info = await (await jetstreamManager(nc)).streams.info(STREAM);
        expect(info.state.messages).toBe(1);
        const leader = info.cluster?.leader;
        const replicas = info.cluster?.replicas ?? [];
        expect(replicas).toHaveLength(2);
        expect([leader, ...replicas.map((replica) => replica.name)].sort()).toEqual(
          cluster.servers.map((server) => server.name).sort(),
        );
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'keeps acking through the loss of the stream leader; the restarted server catches up',
      async () => {
        const cluster = await startCluster();
        const nc = await connectAll(cluster);
        await addReplicatedStream(nc);
        const js = jetstream(nc);
        const jsm = await jetstreamManager(nc);
        const acks = new Map<string, PubAck>();
        for (let i = 0; i < 5; i++) acks.set(`m${i}`, await publishUntilAcked(js, `m${i}`));

        // Kill the stream leader: the worst single failure, it forces an election.
        const leaderName = (await jsm.streams.info(STREAM)).cluster?.leader;
        const victim = cluster.servers.findIndex((server) => server.name === leaderName);
        expect(victim).toBeGreaterThanOrEqual(0);
        await cluster.kill(victim);
        expect(cluster.servers[victim]?.pid).toBeNull();
        for (let i = 5; i < 10; i++) acks.set(`m${i}`, await publishUntilAcked(js, `m${i}`));

        await cluster.restart(victim);
        const rejoined = await retryUntil('all replicas current', async () => {
          const info = await jsm.streams.info(STREAM);
          const replicas = info.cluster?.replicas ?? [];
          const current = replicas.length === 2 && replicas.every((replica) => replica.current && !replica.offline);
          return current && info.cluster?.leader !== undefined ? info : undefined;
        });

        // Every acked message is stored exactly once, under the sequence its ack named.
        const seqs = [...acks.values()].map((ack) => ack.seq);
        expect(new Set(seqs).size).toBe(10);
        expect(rejoined.state.messages).toBe(10);
        expect(rejoined.state.last_seq).toBe(Math.max(...seqs));
        // Deduplication survived the new leader: old ids are recognized, with their first sequence.
        for (const msgID of ['m0', 'm7']) {
          const ack = await publishUntilAcked(js, msgID);
          expect(ack).toMatchObject({ duplicate: true, seq: acks.get(msgID)?.seq });
        }
        // The restarted server holds all ten in its own store, not only through the leader.
        const restarted = cluster.servers[victim];
        expect(restarted?.pid).not.toBeNull();
        const jsz = await retryUntil('restarted server holds every message', async () => {
          const response = await fetch(`http://127.0.0.1:${restarted?.httpPort}/jsz`);
          const body: unknown = await response.json();
          return typeof body === 'object' && body !== null && 'messages' in body && body.messages === 10
            ? body
            : undefined;
        });
        expect(jsz).toMatchObject({ messages: 10 });
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'another handle reads cluster.json, sees the servers, pauses them, and stops them all for good',
      async () => {
        const dir = freshDir();
        const cluster = await startCluster(dir);
        const opened = openNatsCluster(dir);
        const before = await opened.status();
        expect(before.map((server) => [server.alive, server.answering])).toEqual([
          [true, true],
          [true, true],
          [true, true],
        ]);
        await expect(startNatsCluster({ dir })).rejects.toMatchObject({ code: 'nats_cluster_state' });

        opened.pause(1);
        expect((await opened.status())[1]).toMatchObject({ alive: true, answering: false });
        opened.resume(1);
        expect((await opened.status())[1]).toMatchObject({ alive: true, answering: true });
        // A paused server acts on SIGTERM once resumed; stop() resumes it, so it still stops cleanly.
        opened.pause(2);

        await opened.stopAll();
        const after = await opened.status();
        expect(after.filter((server) => server.alive)).toEqual([]);
        expect(after.map((server) => server.pid)).toEqual([null, null, null]);
        for (const { pid } of before) {
          expect(pid).not.toBeNull();
          expect(() => process.kill(pid ?? 0, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
        }
        // Idempotent, from either handle.
        await opened.stopAll();
        await cluster.stopAll();
        expect(() => opened.pause(0)).toThrow(NatsClusterError);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'reports a server that exits at startup with the end of its log, and stops the others',
      async () => {
        // A stand-in binary: it claims 2.10 (so the config asks for fsync on every ack) and then fails.
        const dir = freshDir();
        const fake = join(dir, 'fake-nats-server');
        writeFileSync(
          fake,
          '#!/bin/sh\nif [ "$1" = --version ]; then echo "nats-server: v2.10.4"; exit 0; fi\n' +
            'echo "boom: refusing $2" >&2\nexit 1\n',
        );
        chmodSync(fake, 0o755);
        const error = await startNatsCluster({ dir: join(dir, 'cluster'), serverPath: fake }).then(
          () => undefined,
          (reason: unknown) => reason,
        );
        expect(error).toBeInstanceOf(NatsClusterError);
        expect(error).toMatchObject({ code: 'nats_server_exited' });
        expect(error instanceof NatsClusterError ? error.logTail : '').toMatch(/boom: refusing .*server\.conf/);
        expect(readFileSync(join(dir, 'cluster', 'paychain-nats-0', 'server.conf'), 'utf8')).toContain(
          'sync_interval: always',
        );
        expect(existsSync(join(dir, 'cluster', 'cluster.json'))).toBe(false);

        await expect(startNatsCluster({ dir: freshDir(), serverPath: join(dir, 'missing') })).rejects.toMatchObject({
          code: 'nats_server_missing',
        });
      },
      TEST_TIMEOUT_MS,
    );
  },
);
