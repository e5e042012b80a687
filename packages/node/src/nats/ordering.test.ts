// Goal: the JetStream ordering layer sets up only safe streams (or says why not), publishes idempotently, and its
// feed forms exactly the blocks the pure cutter forms from the same stream, from the start or from a stored block
// boundary. Method: pure parts (names, config review, signature codec, cut driver on a hand-driven clock) as tables
// and fast-check properties; the rest against the real nats-server at 127.0.0.1:4222 (skipped, saying why, when it
// does not answer) with replicas 1 and `unsafe`, unique stream names per test, all deleted afterwards.
import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  StorageType,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AssertionError, HASH_BYTES, SIGNATURE_BYTES_MAX, TX_BYTES_MAX, TX_DISBURSE_BYTES_MAX } from '@paychain/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BlockCutter,
  type CutBlock,
  type CutMarker,
  type CutterPosition,
  encodeCutMarker,
  type OrderingMessage,
} from './block-cutter.ts';
import {
  type BlockFeed,
  CutDriver,
  type CutDriverClock,
  chainIdToken,
  decodePeerSignature,
  encodePeerSignature,
  ensureOrderingStreams,
  type FeedProgress,
  OrderingError,
  openBlockFeed,
  openSignatureFeed,
  orderingNames,
  orderingStreamConfig,
  PEER_SIGNATURE_BYTES_MAX,
  type PeerSignature,
  publishCut,
  publishSignature,
  publishTransaction,
  reviewStreamConfig,
  type SignatureEntry,
  TXS_MESSAGE_BYTES,
} from './ordering.ts';

const NATS_URL = process.env.PAYCHAIN_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

async function expectOrderingError(promise: Promise<unknown>, code: OrderingError['code']): Promise<OrderingError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OrderingError);
  if (!(error instanceof OrderingError)) throw new Error('unreachable');
  expect(error.code).toBe(code);
  return error;
}

describe('names', () => {
  it.each([
    { chainId: 'paychain-demo', token: 'paychain-demo' },
    { chainId: 'Bank-42', token: 'Bank-42' },
    { chainId: 'a.b', token: 'a_2Eb' },
    { chainId: 'a_b', token: 'a_5Fb' },
    { chainId: 'a b>*', token: 'a_20b_3E_2A' },
    { chainId: 'é', token: '_C3_A9' },
  ])('chain id $chainId → token $token', ({ chainId, token }) => {
    expect(chainIdToken(chainId)).toBe(token);
  });

  it.each([
    { name: 'empty', chainId: '' },
    { name: '65 bytes', chainId: 'x'.repeat(65) },
  ])('refuses a chain id that is $name', ({ chainId }) => {
    expect(() => chainIdToken(chainId)).toThrow(OrderingError);
  });

  it('escapes injectively, into stream-name and subject-token characters', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ minLength: 1, maxLength: 20 }), (a, b) => {
        fc.pre(a !== b);
        const [ta, tb] = [chainIdToken(a), chainIdToken(b)];
        expect(ta).not.toBe(tb);
        expect(ta).toMatch(/^[A-Za-z0-9_-]+$/);
      }),
    );
  });

  it('names the streams and subjects of a chain', () => {
    expect(orderingNames('a.b')).toEqual({
      token: 'a_2Eb',
      txsStream: 'PAYCHAIN_a_2Eb_TXS',
      sigsStream: 'PAYCHAIN_a_2Eb_SIGS',
      txSubject: 'paychain.a_2Eb.tx',
      cutSubject: 'paychain.a_2Eb.cut',
      sigSubject: 'paychain.a_2Eb.sig',
    });
  });
});

describe('reviewStreamConfig', () => {
  const subjects = ['paychain.c.tx', 'paychain.c.cut'];
  const good = orderingStreamConfig('S', subjects, 3, TXS_MESSAGE_BYTES.max);

  it('accepts what ensureOrderingStreams creates, subjects in any order', () => {
    expect(reviewStreamConfig({ ...good, subjects: [...subjects].reverse() }, subjects, TXS_MESSAGE_BYTES)).toEqual({
      mismatches: [],
      unsafe: [],
    });
  });

  it.each([
    { name: 'memory storage', change: { storage: StorageType.Memory }, unsafe: 'storage is memory, not file' },
    { name: 'one replica', change: { num_replicas: 1 }, unsafe: 'replicas 1 < 3' },
    { name: 'interest retention', change: { retention: 'interest' as const }, unsafe: 'retention interest' },
    { name: 'a max age', change: { max_age: 1_000_000_000 }, unsafe: 'max_age drops history' },
    { name: 'a message limit', change: { max_msgs: 10 }, unsafe: 'max_msgs drops history' },
    { name: 'a byte limit', change: { max_bytes: 10 }, unsafe: 'max_bytes drops history' },
    { name: 'a per-subject limit', change: { max_msgs_per_subject: 1 }, unsafe: 'max_msgs_per_subject' },
    { name: 'deletes allowed', change: { deny_delete: false }, unsafe: 'deny_delete is off' },
    { name: 'purges allowed', change: { deny_purge: false }, unsafe: 'deny_purge is off' },
    { name: 'rollups allowed', change: { allow_rollup_hdrs: true }, unsafe: 'rollup' },
    { name: 'a short duplicate window', change: { duplicate_window: 1_000_000_000 }, unsafe: 'duplicate window' },
    { name: 'unbounded messages', change: { max_msg_size: -1 }, unsafe: 'max_msg_size -1' },
  ])('flags $name as unsafe', ({ change, unsafe }) => {
    const review = reviewStreamConfig({ ...good, ...change }, subjects, TXS_MESSAGE_BYTES);
    expect(review.mismatches).toEqual([]);
    expect(review.unsafe).toHaveLength(1);
    expect(review.unsafe[0]).toContain(unsafe);
  });

  it.each([
    { name: 'other subjects', change: { subjects: ['paychain.c.tx'] }, mismatch: 'subjects' },
    { name: 'a sealed stream', change: { sealed: true }, mismatch: 'sealed' },
    { name: 'no acks', change: { no_ack: true }, mismatch: 'no_ack' },
    { name: 'messages too small for a transaction', change: { max_msg_size: TX_BYTES_MAX }, mismatch: 'refused' },
    {
      name: 'messages too small for a disbursement (the 64 KiB limit of streams made before programs)',
      change: { max_msg_size: 64 * 1024 },
      mismatch: 'refused',
    },
  ])('flags $name as a mismatch', ({ change, mismatch }) => {
    const review = reviewStreamConfig({ ...good, ...change }, subjects, TXS_MESSAGE_BYTES);
    expect(review.mismatches).toHaveLength(1);
    expect(review.mismatches[0]).toContain(mismatch);
  });
});

describe('peer signature encoding', () => {
  const sample: PeerSignature = {
    height: 258n,
    headerHash: new Uint8Array(HASH_BYTES).fill(0xab),
    orgId: 'bank-a',
    signature: new Uint8Array([1, 2, 3]),
  };

  it('has a fixed big-endian layout', () => {
    const bytes = encodePeerSignature(sample);
    expect(Array.from(bytes.subarray(0, 9))).toEqual([1, 0, 0, 0, 0, 0, 0, 1, 2]);
    expect(bytes[9 + HASH_BYTES]).toBe(6);
    expect(new TextDecoder().decode(bytes.subarray(10 + HASH_BYTES, 16 + HASH_BYTES))).toBe('bank-a');
    expect(Array.from(bytes.subarray(16 + HASH_BYTES))).toEqual([3, 1, 2, 3]);
    expect(decodePeerSignature(bytes)).toEqual({ ok: true, value: sample });
  });

  it('round-trips', () => {
    const orgId = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,31}$/);
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.uint8Array({ minLength: HASH_BYTES, maxLength: HASH_BYTES }),
        orgId,
        fc.uint8Array({ minLength: 1, maxLength: SIGNATURE_BYTES_MAX }),
        (height, headerHash, id, signature) => {
          const value = { height, headerHash, orgId: id, signature };
          const bytes = encodePeerSignature(value);
          expect(bytes.length).toBeLessThanOrEqual(PEER_SIGNATURE_BYTES_MAX);
          expect(decodePeerSignature(bytes)).toEqual({ ok: true, value });
        },
      ),
    );
  });

  const valid = encodePeerSignature(sample);
  const withByte = (index: number, value: number): Uint8Array => {
    const copy = valid.slice();
    copy[index] = value;
    return copy;
  };
  it.each([
    { name: 'empty', bytes: new Uint8Array(0), error: 'truncated' },
    { name: 'truncated in the hash', bytes: valid.subarray(0, 20), error: 'truncated: header hash' },
    { name: 'truncated in the signature', bytes: valid.subarray(0, valid.length - 1), error: 'truncated: signature' },
    { name: 'trailing bytes', bytes: new Uint8Array([...valid, 0]), error: '1 trailing bytes' },
    {
      name: 'oversized',
      bytes: new Uint8Array(PEER_SIGNATURE_BYTES_MAX + 1),
      error: `at most ${PEER_SIGNATURE_BYTES_MAX}`,
    },
    { name: 'an unknown version', bytes: withByte(0, 2), error: 'version 2' },
    { name: 'an org id out of [a-z0-9-]', bytes: withByte(10 + HASH_BYTES, 'B'.charCodeAt(0)), error: 'org id' },
    { name: 'an empty signature', bytes: withByte(16 + HASH_BYTES, 0).subarray(0, 17 + HASH_BYTES), error: 'empty' },
    { name: 'a signature length above the maximum', bytes: withByte(16 + HASH_BYTES, 65), error: 'at most 64' },
  ])('rejects $name', ({ bytes, error }) => {
    const decoded = decodePeerSignature(bytes);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error).toContain(error);
  });

  it('rejects every strict prefix', () => {
    for (let length = 0; length < valid.length; length++) {
      expect(decodePeerSignature(valid.subarray(0, length)).ok).toBe(false);
    }
  });

  it('asserts its input when encoding (our own peer signs: a bad value is a bug)', () => {
    expect(() => encodePeerSignature({ ...sample, orgId: 'Bank' })).toThrow(AssertionError);
    expect(() => encodePeerSignature({ ...sample, signature: new Uint8Array(0) })).toThrow(AssertionError);
    expect(() => encodePeerSignature({ ...sample, headerHash: new Uint8Array(31) })).toThrow(AssertionError);
  });
});

/** A clock advanced by hand: timers fire in time order during `advance`. */
class ManualClock implements CutDriverClock {
  private nowMs = 0;
  private timers: { atMs: number; callback: () => void; cancelled: boolean }[] = [];

  now(): number {
    return this.nowMs;
  }

  setTimer(callback: () => void, delayMs: number): { cancel(): void } {
    const timer = { atMs: this.nowMs + delayMs, callback, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Advances time, firing due timers, and lets promise callbacks run after each. */
  async advance(ms: number): Promise<void> {
    const targetMs = this.nowMs + ms;
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.atMs <= targetMs).sort((a, b) => a.atMs - b.atMs)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.nowMs = due.atMs;
      due.callback();
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.nowMs = targetMs;
  }
}

describe('CutDriver', () => {
  const INTERVAL_MS = 100;
  const pendingAt = (height: bigint, firstSeq: number): FeedProgress['pending'] => ({ height, firstSeq, txCount: 1 });

  function setup(publishResult: () => Promise<unknown> = () => Promise.resolve()) {
    const clock = new ManualClock();
    const published: CutMarker[] = [];
    const errors: unknown[] = [];
    const driver = new CutDriver({
      blockIntervalMs: INTERVAL_MS,
      clock,
      publish: (marker) => {
        published.push(marker);
        return publishResult();
      },
      onError: (error) => errors.push(error),
    });
    return { clock, published, errors, driver };
  }

  it('asks for a cut one interval after a caught-up feed first showed the pending block', async () => {
    const { clock, published, driver } = setup();
    driver.update({ pending: pendingAt(5n, 40), caughtUp: true });
    await clock.advance(INTERVAL_MS - 1);
    driver.update({ pending: pendingAt(5n, 40), caughtUp: true }); // more txs, same block: same start
    expect(published).toEqual([]);
    await clock.advance(1);
    expect(published).toEqual([{ height: 5n, firstSeq: 40 }]);
    expect(driver.published).toBe(1);
  });

  it('asks again after another interval while the block stays pending, and stops when it is cut', async () => {
    const { clock, published, driver } = setup();
    driver.update({ pending: pendingAt(5n, 40), caughtUp: true });
    await clock.advance(INTERVAL_MS);
    await clock.advance(INTERVAL_MS);
    expect(published).toHaveLength(2);
    driver.update({ pending: undefined, caughtUp: true });
    await clock.advance(10 * INTERVAL_MS);
    expect(published).toHaveLength(2);
  });

  it('does not ask while the feed is catching up, but counts from when it first saw the block', async () => {
    const { clock, published, driver } = setup();
    driver.update({ pending: pendingAt(5n, 40), caughtUp: false });
    await clock.advance(10 * INTERVAL_MS);
    expect(published).toEqual([]);
    driver.update({ pending: pendingAt(5n, 40), caughtUp: true });
    await clock.advance(0);
    expect(published).toEqual([{ height: 5n, firstSeq: 40 }]);
  });

  it('restarts the interval for a new pending block', async () => {
    const { clock, published, driver } = setup();
    driver.update({ pending: pendingAt(5n, 40), caughtUp: true });
    await clock.advance(INTERVAL_MS / 2);
    driver.update({ pending: pendingAt(6n, 45), caughtUp: true }); // block 5 was cut by size meanwhile
    await clock.advance(INTERVAL_MS / 2);
    expect(published).toEqual([]);
    await clock.advance(INTERVAL_MS / 2);
    expect(published).toEqual([{ height: 6n, firstSeq: 45 }]);
  });

  it('reports a failed publish and tries again after an interval', async () => {
    let fail = true;
    const { clock, published, errors, driver } = setup(() =>
      fail ? Promise.reject(new Error('no leader')) : Promise.resolve(),
    );
    driver.update({ pending: pendingAt(1n, 1), caughtUp: true });
    await clock.advance(INTERVAL_MS);
    expect(errors).toHaveLength(1);
    expect(driver.published).toBe(0);
    fail = false;
    await clock.advance(INTERVAL_MS);
    expect(published).toHaveLength(2);
    expect(driver.published).toBe(1);
  });

  it('does nothing once stopped', async () => {
    const { clock, published, driver } = setup();
    driver.update({ pending: pendingAt(1n, 1), caughtUp: true });
    driver.stop();
    driver.update({ pending: pendingAt(1n, 1), caughtUp: true });
    await clock.advance(10 * INTERVAL_MS);
    expect(published).toEqual([]);
  });
});

async function isServerReachable(url: string): Promise<boolean> {
  try {
    const nc = await connect({ servers: url, timeout: 2_000, reconnect: false });
    const jetStream = nc.info?.jetstream === true;
    await nc.close();
    return jetStream;
  } catch (error) {
    if (error instanceof Error) return false;
    throw error;
  }
}

const serverReachable = await isServerReachable(NATS_URL);

describe.skipIf(!serverReachable)(`against nats-server at ${NATS_URL} (skipped when it does not answer)`, () => {
  const RUN = `t${Date.now().toString(36)}${process.pid.toString(36)}`;
  const GENESIS_TIME_MS = 1_000n;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let js: JetStreamClient;
  let chainCount = 0;

  const newChainId = (): string => `${RUN}-${++chainCount}`;

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    jsm = await jetstreamManager(nc);
    js = jetstream(nc);
  });

  afterAll(async () => {
    if (jsm === undefined) return;
    const names: string[] = [];
    for await (const name of jsm.streams.names()) if (name.includes(RUN)) names.push(name);
    for (const name of names) await jsm.streams.delete(name);
    await nc.close();
  });

  it('refuses to create streams with fewer than 3 replicas unless unsafe', async () => {
    const chainId = newChainId();
    const error = await expectOrderingError(
      ensureOrderingStreams(jsm, { chainId, replicas: 1 }),
      'ordering_unsafe_stream',
    );
    expect(error.details.problems).toEqual(['replicas 1 < 3']);
    await expect(jsm.streams.info(orderingNames(chainId).txsStream)).rejects.toThrow('stream not found');
  });

  it('reports the server refusing 3 replicas on a standalone server', async () => {
    const error = await expectOrderingError(
      ensureOrderingStreams(jsm, { chainId: newChainId() }),
      'ordering_stream_create_failed',
    );
    expect(error.message).toContain('replicas > 1 not supported');
  });

  it('creates the streams with unsafe, says what durability it got, and accepts them again', async () => {
    const chainId = newChainId();
    const first = await ensureOrderingStreams(jsm, { chainId, replicas: 1, unsafe: true });
    const names = orderingNames(chainId);
    expect(first.txs).toEqual({
      name: names.txsStream,
      created: true,
      storage: 'file',
      replicas: 1,
      replicasCurrent: undefined,
    });
    expect(first.sigs.created).toBe(true);
    expect(first.durability).toEqual({
      storage: 'file',
      replicas: 1,
      fsync: 'unverified',
      finality: 'peer-signatures',
    });
    expect(first.warnings).toEqual([
      `${names.txsStream}: replicas 1 < 3`,
      `${names.sigsStream}: replicas 1 < 3`,
      expect.stringContaining('fsync not verified'),
    ]);
    const info = await jsm.streams.info(names.txsStream);
    expect(info.config).toMatchObject({
      subjects: [names.txSubject, names.cutSubject],
      storage: 'file',
      retention: 'limits',
      discard: 'old',
      max_age: 0,
      max_msgs: -1,
      max_bytes: -1,
      deny_delete: true,
      deny_purge: true,
      max_msg_size: TXS_MESSAGE_BYTES.max,
      duplicate_window: 600_000_000_000,
    });
    const again = await ensureOrderingStreams(jsm, { chainId, replicas: 1, unsafe: true });
    expect(again.txs.created).toBe(false);
    expect(again.sigs.created).toBe(false);
    await expectOrderingError(ensureOrderingStreams(jsm, { chainId, replicas: 3 }), 'ordering_unsafe_stream');
  });

  it('refuses an existing stream with memory storage, or one with other subjects', async () => {
    const chainId = newChainId();
    const names = orderingNames(chainId);
    await jsm.streams.add({
      ...orderingStreamConfig(names.txsStream, [names.txSubject, names.cutSubject], 1, TXS_MESSAGE_BYTES.max),
      storage: StorageType.Memory,
    });
    const error = await expectOrderingError(
      ensureOrderingStreams(jsm, { chainId, unsafe: false }),
      'ordering_unsafe_stream',
    );
    expect(error.details).toEqual({
      stream: names.txsStream,
      problems: ['storage is memory, not file', 'replicas 1 < 3'],
    });
    const accepted = await ensureOrderingStreams(jsm, { chainId, replicas: 1, unsafe: true });
    expect(accepted.durability.storage).toBe('memory');
    expect(accepted.warnings).toContain(`${names.txsStream}: storage is memory, not file`);

    const otherChainId = newChainId();
    const other = orderingNames(otherChainId);
    await jsm.streams.add(orderingStreamConfig(other.txsStream, [other.txSubject], 1, TXS_MESSAGE_BYTES.max));
    const mismatch = await expectOrderingError(
      ensureOrderingStreams(jsm, { chainId: otherChainId, replicas: 1, unsafe: true }),
      'ordering_stream_mismatch',
    );
    expect(mismatch.details.problems).toEqual([
      `subjects are [${other.txSubject}], expected [${other.cutSubject}, ${other.txSubject}]`,
    ]);
  });

  it('raises the message limit of a stream made before disbursements (64 KiB) in place, keeping its messages', async () => {
    const chainId = newChainId();
    const names = orderingNames(chainId);
    await jsm.streams.add({
      ...orderingStreamConfig(names.txsStream, [names.cutSubject, names.txSubject], 1, 64 * 1024),
      storage: StorageType.File,
    });
    await publishTransaction(js, chainId, new Uint8Array(1000), 'cd'.repeat(16));
    const ensured = await ensureOrderingStreams(jsm, { chainId, replicas: 1, unsafe: true });
    expect(ensured.warnings).toContain(
      `${names.txsStream}: max_msg_size raised from ${64 * 1024} to ${TXS_MESSAGE_BYTES.max}`,
    );
    const info = await jsm.streams.info(names.txsStream);
    expect(info.config.max_msg_size).toBe(TXS_MESSAGE_BYTES.max);
    expect(info.state.messages).toBe(1);
    await publishTransaction(js, chainId, new Uint8Array(TX_DISBURSE_BYTES_MAX), 'ef'.repeat(16));
  });

  it('publishing: refuses bad input locally, and does not retry a permanent refusal', async () => {
    const chainId = newChainId();
    const names = orderingNames(chainId);
    const txId = 'ab'.repeat(16);
    await expectOrderingError(
      publishTransaction(js, chainId, new Uint8Array(1), 'AB'.repeat(16)),
      'ordering_invalid_argument',
    );
    await expectOrderingError(
      publishTransaction(js, chainId, new Uint8Array(TX_DISBURSE_BYTES_MAX + 1), txId),
      'ordering_message_too_large',
    );
    // A stream that cannot hold a transaction: the server refuses, once.
    await jsm.streams.add({
      ...orderingStreamConfig(names.txsStream, [names.txSubject], 1, 200),
      storage: StorageType.File,
    });
    const tooLarge = await expectOrderingError(
      publishTransaction(js, chainId, new Uint8Array(300), txId),
      'ordering_message_too_large',
    );
    expect(tooLarge.details.attempts).toBe(1);
  });

  it('publishing: a transaction of TX_DISBURSE_BYTES_MAX bytes is stored whole and read back by the feed', async () => {
    const chainId = newChainId();
    await ensureOrderingStreams(jsm, { chainId, replicas: 1, unsafe: true });
    const data = new Uint8Array(TX_DISBURSE_BYTES_MAX).map((_, i) => i & 0xff);
    const ack = await publishTransaction(js, chainId, data, 'cd'.repeat(16));
    expect(ack.duplicate).toBe(false);
    const feed = await openBlockFeed({
      js,
      chainId,
      position: { height: 1n, lastSeq: 0, prevTimeMs: GENESIS_TIME_MS },
      blockTxsMax: 1,
    });
    const guard = setTimeout(() => void feed.stop(), 15_000);
    let block: CutBlock | undefined;
    for await (const b of feed) {
      block = b;
      break;
    }
    clearTimeout(guard);
    expect(block?.txs).toHaveLength(1);
    expect(block?.txs[0]).toEqual(data);
  });

  it('publishing: a subject captured by another stream is refused as the wrong stream', async () => {
    const chainId = newChainId();
    const names = orderingNames(chainId);
    await jsm.streams.add(orderingStreamConfig(`OTHER_${RUN}`, [names.txSubject], 1, TXS_MESSAGE_BYTES.max));
    const error = await expectOrderingError(
      publishTransaction(js, chainId, new Uint8Array(8), 'cd'.repeat(16)),
      'ordering_wrong_stream',
    );
    expect(error.details.attempts).toBe(1);
  });

  it('publishing: retries with the same id while no stream answers, until the deadline', async () => {
    const error = await expectOrderingError(
      publishTransaction(js, newChainId(), new Uint8Array(8), 'ef'.repeat(16), {
        deadlineMs: 800,
        attemptTimeoutMs: 200,
      }),
      'ordering_publish_timeout',
    );
    expect(error.details.attempts).toBeGreaterThan(2);
  });

  describe('a stream of 1,000 transactions, cut markers and duplicates', () => {
    const TX_COUNT = 1_000;
    const BLOCK_TXS_MAX = 64;
    const chainId = `${RUN}-feed`;
    const names = orderingNames(chainId);
    const start: CutterPosition = { height: 1n, lastSeq: 0, prevTimeMs: GENESIS_TIME_MS };
    let expected: CutBlock[] = [];
    let expectedPending: ReturnType<BlockCutter['pending']>;
    let streamMessages = 0;

    const txBytes = (i: number): Uint8Array => {
      const bytes = new Uint8Array(40 + (i % 50)).fill(i & 0xff);
      new DataView(bytes.buffer).setUint32(0, i);
      return bytes;
    };
    const txIdOf = (i: number): string => i.toString(16).padStart(32, '0');

    beforeAll(async () => {
      await ensureOrderingStreams(jsm, { chainId, replicas: 1, unsafe: true });
      // A planner follows the stream as published to aim markers at the pending block (times do not matter here).
      const planner = new BlockCutter({ blockTxsMax: BLOCK_TXS_MAX }, start);
      const follow = (seq: number, kind: OrderingMessage['kind'], data: Uint8Array): void => {
        planner.push({ seq, timeMs: 0n, kind, data });
        streamMessages++;
      };
      for (let i = 0; i < TX_COUNT; i++) {
        const data = txBytes(i);
        const ack = await publishTransaction(js, chainId, data, txIdOf(i));
        expect(ack.duplicate).toBe(false);
        follow(ack.seq, 'tx', data);
        if (i % 97 === 0) {
          // A client retry inside the window: reported as a duplicate of the stored copy, not stored again.
          const again = await publishTransaction(js, chainId, data, txIdOf(i));
          expect(again).toEqual({ seq: ack.seq, duplicate: true, attempts: 1 });
        }
        const pending = planner.pending();
        if (i % 41 === 40 && pending !== undefined) {
          const marker = { height: pending.height, firstSeq: pending.firstSeq };
          const cut = await publishCut(js, chainId, marker);
          follow(cut.seq, 'cut', encodeCutMarker(marker));
          // A second peer asking for the same cut: one marker in the stream.
          expect(await publishCut(js, chainId, marker)).toEqual({ seq: cut.seq, duplicate: true, attempts: 1 });
          // A stale marker for the block before, and a malformed one.
          const stale = await publishCut(js, chainId, { height: pending.height - 1n, firstSeq: pending.firstSeq });
          follow(stale.seq, 'cut', encodeCutMarker({ height: pending.height - 1n, firstSeq: pending.firstSeq }));
          const malformed = await js.publish(names.cutSubject, new Uint8Array([1, 2, 3]));
          follow(malformed.seq, 'cut', new Uint8Array([1, 2, 3]));
        }
      }
      const info = await jsm.streams.info(names.txsStream);
      expect(info.state.messages).toBe(streamMessages);
      expect(info.state.last_seq).toBe(streamMessages);

      // The stream read back message by message (direct get: another path than the feed's consumer), cut purely.
      const cutter = new BlockCutter({ blockTxsMax: BLOCK_TXS_MAX }, start);
      for (let seq = 1; seq <= streamMessages; seq++) {
        const stored = await jsm.streams.getMessage(names.txsStream, { seq });
        if (stored === null) throw new Error(`no message at seq ${seq}`);
        const kind = stored.subject === names.txSubject ? 'tx' : 'cut';
        const block = cutter.push({ seq, timeMs: BigInt(stored.time.getTime()), kind, data: stored.data });
        if (block !== undefined) expected.push(block);
      }
      expectedPending = cutter.pending();
      expect(expected.length).toBeGreaterThan(TX_COUNT / BLOCK_TXS_MAX);
      expect(expected.some((b) => b.txs.length < BLOCK_TXS_MAX)).toBe(true); // some marker cuts
      expect(expected.flatMap((b) => b.txs).length + (expectedPending?.txCount ?? 0)).toBe(TX_COUNT);
    });

    afterAll(() => {
      expected = [];
    });

    /** Takes `count` blocks from the feed's iterator (stopping the feed if they do not come). */
    async function take(feed: BlockFeed, iterator: AsyncIterator<CutBlock>, count: number): Promise<CutBlock[]> {
      const guard = setTimeout(() => void feed.stop(), 15_000);
      const blocks: CutBlock[] = [];
      try {
        while (blocks.length < count) {
          const result = await iterator.next();
          if (result.done === true) break;
          blocks.push(result.value);
        }
      } finally {
        clearTimeout(guard);
      }
      return blocks;
    }

    async function consumerCount(): Promise<number> {
      let count = 0;
      for await (const _ of jsm.consumers.list(names.txsStream)) count++;
      return count;
    }

    it('the feed from seq 1 yields exactly the pure cutter blocks, then releases its consumer', async () => {
      const progress: FeedProgress[] = [];
      const feed = await openBlockFeed({
        js,
        chainId,
        position: start,
        blockTxsMax: BLOCK_TXS_MAX,
        onProgress: (p) => progress.push(p),
      });
      const guard = setTimeout(() => void feed.stop(), 15_000);
      const blocks: CutBlock[] = [];
      for await (const block of feed) {
        blocks.push(block);
        if (blocks.length === expected.length) break; // leaving the loop releases the consumer
      }
      clearTimeout(guard);
      expect(blocks).toEqual(expected);
      const last = expected.at(-1);
      expect(feed.position()).toEqual({
        height: BigInt(expected.length) + 1n,
        lastSeq: last?.lastSeq,
        prevTimeMs: last?.timeMs,
      });
      expect(progress.at(-1)?.readSeq).toBe(last?.lastSeq);
      expect(await consumerCount()).toBe(0);
    });

    it('the feed resumed at a middle block boundary yields the same later blocks and pending block', async () => {
      const middle = expected[Math.floor(expected.length / 2)];
      if (middle === undefined) throw new Error('no middle block');
      const position = { height: middle.height + 1n, lastSeq: middle.lastSeq, prevTimeMs: middle.timeMs };
      const rest = expected.filter((b) => b.height > middle.height);
      const progress: FeedProgress[] = [];
      const feed = await openBlockFeed({
        js,
        chainId,
        position,
        blockTxsMax: BLOCK_TXS_MAX,
        onProgress: (p) => progress.push(p),
      });
      const iterator = feed[Symbol.asyncIterator]();
      expect(await take(feed, iterator, rest.length)).toEqual(rest);
      // Read on to the end of the stream: the pending block matches too, and the feed knows it is caught up.
      const next = iterator.next();
      const deadline = Date.now() + 10_000;
      while (progress.at(-1)?.readSeq !== streamMessages && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(progress.at(-1)).toEqual({ readSeq: streamMessages, pending: expectedPending, caughtUp: true });
      await feed.stop();
      expect(await next).toEqual({ done: true, value: undefined });
      expect(await consumerCount()).toBe(0);
    });

    it('the feed survives its consumer being deleted under it (reaped, or lost with a server)', async () => {
      const feed = await openBlockFeed({ js, chainId, position: start, blockTxsMax: BLOCK_TXS_MAX });
      const iterator = feed[Symbol.asyncIterator]();
      const head = await take(feed, iterator, 3);
      const consumers: string[] = [];
      for await (const info of jsm.consumers.list(names.txsStream)) consumers.push(info.name);
      expect(consumers).toHaveLength(1);
      for (const name of consumers) await jsm.consumers.delete(names.txsStream, name);
      const tail = await take(feed, iterator, expected.length - 3);
      await feed.stop();
      expect([...head, ...tail]).toEqual(expected);
    });

    it('refuses a position beyond the end of the stream (history lost)', async () => {
      await expectOrderingError(
        openBlockFeed({
          js,
          chainId,
          position: { height: 9n, lastSeq: streamMessages + 5, prevTimeMs: 0n },
          blockTxsMax: BLOCK_TXS_MAX,
        }),
        'ordering_stream_behind',
      );
    });
  });

  it('live: a caught-up feed and the cut driver cut a block by time', async () => {
    const chainId = newChainId();
    await ensureOrderingStreams(jsm, { chainId, replicas: 1, unsafe: true });
    const errors: unknown[] = [];
    const driver = new CutDriver({
      blockIntervalMs: 150,
      publish: (marker) => publishCut(js, chainId, marker),
      onError: (error) => errors.push(error),
    });
    const feed = await openBlockFeed({
      js,
      chainId,
      position: { height: 1n, lastSeq: 0, prevTimeMs: GENESIS_TIME_MS },
      blockTxsMax: 100,
      onProgress: (p) => driver.update(p),
    });
    const iterator = feed[Symbol.asyncIterator]();
    const first = iterator.next();
    for (let i = 0; i < 3; i++) await publishTransaction(js, chainId, new Uint8Array([i]), `${i}`.padStart(32, '0'));
    const guard = setTimeout(() => void feed.stop(), 10_000);
    const result = await first;
    clearTimeout(guard);
    driver.stop();
    await feed.stop();
    expect(errors).toEqual([]);
    expect(result.done).toBe(false);
    if (result.done === true) return;
    expect(result.value.height).toBe(1n);
    expect(result.value.txs).toEqual([new Uint8Array([0]), new Uint8Array([1]), new Uint8Array([2])]);
    expect(result.value.firstSeq).toBe(1);
    expect(result.value.lastSeq).toBe(4);
    expect(driver.published).toBe(1);
  });

  it('signatures: published once per (height, org, hash), read back in order, malformed ones reported', async () => {
    const chainId = newChainId();
    const names = orderingNames(chainId);
    await ensureOrderingStreams(jsm, { chainId, replicas: 1, unsafe: true });
    const signature = (height: bigint, orgId: string): PeerSignature => ({
      height,
      headerHash: new Uint8Array(HASH_BYTES).fill(Number(height)),
      orgId,
      signature: new Uint8Array(64).fill(7),
    });
    const first = await publishSignature(js, chainId, signature(1n, 'bank-a'));
    expect(await publishSignature(js, chainId, signature(1n, 'bank-a'))).toEqual({ ...first, duplicate: true });
    await publishSignature(js, chainId, signature(1n, 'bank-b'));
    await js.publish(names.sigSubject, new Uint8Array([1, 0, 0]));
    await publishSignature(js, chainId, signature(2n, 'bank-a'));

    async function read(options: { fromSeq?: number; fromHeight?: bigint }, count: number): Promise<SignatureEntry[]> {
      const feed = await openSignatureFeed({ js, chainId, ...options });
      const entries: SignatureEntry[] = [];
      for await (const entry of feed) {
        entries.push(entry);
        if (entries.length === count) break;
      }
      await feed.stop();
      return entries;
    }
    const all = await read({}, 4);
    expect(all.map((e) => (e.ok ? `${e.seq}:${e.value.height}:${e.value.orgId}` : `${e.seq}:error`))).toEqual([
      '1:1:bank-a',
      '2:1:bank-b',
      '3:error',
      '4:2:bank-a',
    ]);
    const [entry] = all;
    expect(entry?.ok === true && entry.value).toEqual(signature(1n, 'bank-a'));
    const malformed = all[2];
    expect(malformed?.ok === false && malformed.error).toContain('truncated');
    const fromHeight = await read({ fromHeight: 2n }, 2);
    expect(fromHeight.map((e) => e.seq)).toEqual([3, 4]);
    const fromSeq = await read({ fromSeq: 4 }, 1);
    expect(fromSeq.map((e) => e.seq)).toEqual([4]);
  });
});
