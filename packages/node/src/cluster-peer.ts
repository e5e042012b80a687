/**
 * One organization's peer, ordered by a NATS JetStream stream shared by the consortium
 * (DESIGN §4). Transactions flow
 *
 *   submit → stateless checks → signature check → publish (message id = transaction id)
 *   stream → deterministic block cut (`nats/block-cutter.ts`) → verify → execute → store → sign
 *   signature stream → a quorum of validator signatures on our stored header → certificate → final
 *
 * The stream's acknowledgement is never finality: a payment is final only when a quorum of
 * validators signed the header this peer stored. Every peer forms the same blocks from the same
 * stream, so the signatures meet on one header hash; a quorum on another hash means this peer
 * diverged, and it stops with an alarm. A peer signs only the block it stored at a height, and
 * a stored block is never replaced, so it never signs two blocks at one height.
 *
 * Restart and catch-up: the stream position of the stored head is written with the block, so a
 * restarted peer reads on from there; a new peer reads the stream from the start. Signatures
 * are kept in their own stream, so certificates of old blocks are rebuilt from it.
 */
import { EventEmitter } from 'node:events';
import { type JetStreamClient, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  assert,
  bytesToHex,
  type Certificate,
  type CryptoSuite,
  certificateMessage,
  equalBytes,
  type Genesis,
  hexToBytes,
  type TxResult,
} from '@paychain/core';
import {
  BLOCK_INTERVAL_MS_DEFAULT,
  BLOCK_TXS_DEFAULT,
  checkSubmission,
  createDeferred,
  type FinalBlockEvent,
  type FinalOutcome,
  INTAKE_QUEUE_MAX,
  SubmitError,
} from './consortium.ts';
import type { LedgerNode, LedgerNodeEvents } from './ledger-node.ts';
import type { CutBlock } from './nats/block-cutter.ts';
import {
  type BlockFeed,
  CutDriver,
  ensureOrderingStreams,
  OrderingError,
  type OrderingErrorCode,
  type OrderingStreams,
  openBlockFeed,
  openSignatureFeed,
  type PeerSignature,
  publishCut,
  publishSignature,
  publishTransaction,
  type SignatureFeed,
} from './nats/ordering.ts';
import { Peer, type PeerOptions } from './peer.ts';
import { VerifyPool } from './verify-pool.ts';

/** Blocks stored but not yet certified that this peer keeps results for, to answer submitters. */
export const UNCERTIFIED_BLOCKS_MAX = 1_024;
/** Pause between attempts to publish this peer's signature while the stream is unavailable. */
const SIGNATURE_RETRY_MS = 1_000;
/**
 * A block still without a quorum this long after this peer signed it has its signature
 * published again (the same message id, so a stream that has it keeps one copy): JetStream can
 * lose acknowledged messages when a server dies, and a lost signature must not stall finality.
 */
export const SIGNATURE_REPUBLISH_MS = 3_000;
/**
 * How long a starting peer keeps retrying the stream checks: streams just created by another
 * peer have no leader for a few seconds, and their info requests time out meanwhile.
 */
export const STARTUP_RETRY_DEADLINE_MS = 60_000;
const STARTUP_BACKOFF_MS_MIN = 200;
const STARTUP_BACKOFF_MS_MAX = 2_000;
/** Refusals that a retry cannot change: the operator must act. */
const STARTUP_PERMANENT: ReadonlySet<OrderingErrorCode> = new Set<OrderingErrorCode>([
  'ordering_unsafe_stream',
  'ordering_stream_mismatch',
  'ordering_stream_behind',
  'ordering_invalid_argument',
]);

/** Runs a start-up step again on transient errors (timeouts, no stream leader yet) until the deadline. */
async function retryStartup<T>(run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  let backoffMs = STARTUP_BACKOFF_MS_MIN;
  for (;;) {
    try {
      return await run();
    } catch (error) {
      if (error instanceof OrderingError && STARTUP_PERMANENT.has(error.code)) throw error;
      if (performance.now() - started > STARTUP_RETRY_DEADLINE_MS) throw error;
      await new Promise((r) => setTimeout(r, backoffMs));
      backoffMs = Math.min(backoffMs * 2, STARTUP_BACKOFF_MS_MAX);
    }
  }
}

/** Signatures published again per SIGNATURE_REPUBLISH_MS at most (the oldest blocks first). */
const SIGNATURES_REPUBLISHED_MAX = 64;
/** A resubmitted transaction still waiting is published again at most this often. */
const REPUBLISH_TX_MS_MIN = 1_000;

export interface ClusterPeerOptions extends Omit<PeerOptions, 'genesis' | 'suite'> {
  readonly genesis: Genesis;
  readonly suite: CryptoSuite;
  /** NATS server URLs of the ordering cluster. */
  readonly servers: readonly string[];
  /**
   * Also connect to servers the cluster announces (default true). Off when the peer must reach
   * the cluster only through the listed addresses (a proxy, a firewall's allowed hosts).
   */
  readonly discoverServers?: boolean;
  /** Replicas of streams this peer creates (default 3). */
  readonly replicas?: number;
  /** Accept streams below the durability floor (file storage, 3 replicas): tests and single-server demos only. */
  readonly unsafe?: boolean;
  /** Consensus parameters: the same on every peer of the chain. */
  readonly blockTxsMax?: number;
  readonly blockIntervalMs?: number;
  readonly verifyWorkers?: number;
  readonly clock?: () => bigint;
  /**
   * A faulty peer for tests of the others: it signs a header hash that is not the one it
   * stored (as if its state commitment were wrong). Never set outside tests.
   */
  readonly testSignWrongHash?: boolean;
}

interface Waiter {
  readonly bytes: Uint8Array;
  /** When the transaction was last handed to the stream (performance.now()). */
  publishedAtMs: number;
  readonly resolve: (outcome: FinalOutcome) => void;
  readonly reject: (error: Error) => void;
  readonly promise: Promise<FinalOutcome>;
}

/** A validator's signature from the stream; checked once, when its height is stored here. */
interface ReceivedSignature {
  readonly signature: Uint8Array;
  checked: boolean;
}

/** A block this peer stored and signed, waiting for a quorum. */
interface Uncertified {
  readonly hash: Uint8Array;
  readonly event: Omit<FinalBlockEvent, 'certificate'>;
  /** When this peer last published its signature of the block (performance.now()). */
  signedAtMs: number;
}

export class ClusterPeer extends EventEmitter<LedgerNodeEvents> implements LedgerNode {
  readonly genesis: Genesis;
  readonly suite: CryptoSuite;
  readonly peer: Peer;
  readonly streams: OrderingStreams;
  private readonly nc: NatsConnection;
  private readonly js: JetStreamClient;
  private readonly pool: VerifyPool;
  private readonly clock: () => bigint;
  private readonly blockTxsMax: number;
  private readonly blockIntervalMs: number;
  private readonly signWrongHash: boolean;
  /** The validator key, kept here only by a faulty test peer (`testSignWrongHash`). */
  private readonly faultyKey: Uint8Array | null;
  private readonly waiters = new Map<string, Waiter>();
  private readonly uncertified = new Map<bigint, Uncertified>();
  /** Header hashes of the last UNCERTIFIED_BLOCKS_MAX certified heights, to check late signatures cheaply. */
  private readonly recentCertified = new Map<bigint, Uint8Array>();
  /** height → header hash (hex) → org → signature, for heights not yet certified here. */
  private readonly signatures = new Map<bigint, Map<string, Map<string, ReceivedSignature>>>();
  private blockFeed: BlockFeed | null = null;
  private signatureFeed: SignatureFeed | null = null;
  private cutDriver: CutDriver | null = null;
  private loops: Promise<void>[] = [];
  private republishTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private failure: string | null = null;

  private constructor(options: ClusterPeerOptions, peer: Peer, nc: NatsConnection, streams: OrderingStreams) {
    super();
    this.genesis = options.genesis;
    this.suite = options.suite;
    this.peer = peer;
    this.nc = nc;
    this.js = jetstream(nc);
    this.streams = streams;
    this.clock = options.clock ?? (() => BigInt(Date.now()));
    this.blockTxsMax = options.blockTxsMax ?? BLOCK_TXS_DEFAULT;
    this.blockIntervalMs = options.blockIntervalMs ?? BLOCK_INTERVAL_MS_DEFAULT;
    this.signWrongHash = options.testSignWrongHash === true;
    this.faultyKey = this.signWrongHash ? options.validatorKey : null;
    this.pool = new VerifyPool(options.suite, options.verifyWorkers);
  }

  /** Opens the peer's store, connects to the cluster, checks (or creates) the streams and starts following them. */
  static async open(options: ClusterPeerOptions): Promise<ClusterPeer> {
    assert(options.servers.length > 0, 'at least one NATS server');
    const peer = Peer.open({ ...options, durable: options.durable ?? true });
    let nc: NatsConnection | null = null;
    try {
      nc = await connect({
        servers: [...options.servers],
        name: `paychain-peer-${options.orgId}`,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        ignoreClusterUpdates: options.discoverServers === false,
      });
      const jsm = await jetstreamManager(nc);
      const streams = await retryStartup(() =>
        ensureOrderingStreams(jsm, {
          chainId: options.genesis.chainId,
          replicas: options.replicas,
          unsafe: options.unsafe,
        }),
      );
      const node = new ClusterPeer(options, peer, nc, streams);
      await node.start();
      return node;
    } catch (error) {
      await nc?.close();
      peer.close();
      throw error;
    }
  }

  get primary(): Peer {
    return this.peer;
  }

  get peers(): readonly Peer[] {
    return [this.peer];
  }

  get inFlight(): number {
    return this.waiters.size;
  }

  isInFlight(id: string): boolean {
    return this.waiters.has(id);
  }

  private async start(): Promise<void> {
    const chainId = this.genesis.chainId;
    // Blocks stored but never certified (a crash after storing): sign them again and wait for a quorum.
    for (let height = this.peer.certifiedHeight + 1n; height <= this.peer.tip.height; height++) {
      const block = this.peer.store.getBlock(height);
      assert(block !== null, 'a stored block up to the tip');
      this.remember(height, block.hash, { header: block.header, hash: block.hash, results: block.results });
      this.publishOwnSignature(height, block.hash);
    }
    this.cutDriver = new CutDriver({
      blockIntervalMs: this.blockIntervalMs,
      publish: (marker) => publishCut(this.js, chainId, marker),
      onError: (error) => this.emit('alarm', `asking for a block cut failed: ${messageOf(error)}`),
    });
    const driver = this.cutDriver;
    this.blockFeed = await retryStartup(() =>
      openBlockFeed({
        js: this.js,
        chainId,
        position: { height: this.peer.tip.height + 1n, lastSeq: this.peer.streamSeq, prevTimeMs: this.peer.tip.time },
        blockTxsMax: this.blockTxsMax,
        onProgress: (progress) => driver.update(progress),
      }),
    );
    this.signatureFeed = await retryStartup(() =>
      openSignatureFeed({ js: this.js, chainId, fromHeight: this.peer.certifiedHeight + 1n }),
    );
    this.loops = [this.followBlocks(this.blockFeed), this.followSignatures(this.signatureFeed)];
    this.republishTimer = setInterval(() => this.republishSignatures(), SIGNATURE_REPUBLISH_MS);
    this.republishTimer.unref();
  }

  /** Signs again, to the stream, the oldest blocks still without a quorum (see SIGNATURE_REPUBLISH_MS). */
  private republishSignatures(): void {
    if (this.closed || this.failure !== null) return;
    const now = performance.now();
    let published = 0;
    for (const [height, block] of this.uncertified) {
      if (published >= SIGNATURES_REPUBLISHED_MAX) break;
      if (now - block.signedAtMs < SIGNATURE_REPUBLISH_MS) continue;
      block.signedAtMs = now;
      this.publishOwnSignature(height, block.hash);
      published++;
    }
  }

  private async followBlocks(feed: BlockFeed): Promise<void> {
    try {
      for await (const cut of feed) {
        if (this.closed || this.failure !== null) break;
        await this.applyBlock(cut);
      }
    } catch (error) {
      if (!this.closed) this.fail(`following the transaction stream: ${messageOf(error)}`);
    }
  }

  private async followSignatures(feed: SignatureFeed): Promise<void> {
    try {
      for await (const entry of feed) {
        if (this.closed || this.failure !== null) break;
        if (!entry.ok) {
          this.emit('alarm', `signature stream seq ${entry.seq}: ${entry.error}`);
          continue;
        }
        // Backpressure for a peer catching up: signatures far ahead of its chain wait in the stream.
        while (
          entry.value.height > this.peer.tip.height + BigInt(UNCERTIFIED_BLOCKS_MAX) &&
          !this.closed &&
          this.failure === null
        ) {
          await new Promise((r) => setTimeout(r, 20));
        }
        this.addSignature(entry.value);
      }
    } catch (error) {
      if (!this.closed) this.fail(`following the signature stream: ${messageOf(error)}`);
    }
  }

  /** Verifies, executes, stores and signs one block cut from the stream. */
  private async applyBlock(cut: CutBlock): Promise<void> {
    const expected = this.peer.tip.height + 1n;
    if (cut.height !== expected) {
      this.fail(`the stream gave block ${cut.height}, this peer expects ${expected}`);
      return;
    }
    // Anyone with access to the stream can publish: signatures are checked again here.
    const valid = await this.pool.verify(cut.txs);
    const begun = this.peer.begin({
      time: cut.timeMs,
      txs: cut.txs.map((bytes, i) => ({ bytes, signaturesValid: valid[i] === true })),
      streamSeq: cut.lastSeq,
    });
    const executed = this.peer.finish(begun, await this.pool.commitmentDelta(begun.work));
    const { sealed } = executed;
    this.remember(sealed.header.height, sealed.hash, {
      header: sealed.header,
      hash: sealed.hash,
      results: sealed.execution.results,
    });
    this.publishOwnSignature(sealed.header.height, sealed.hash);
    this.tryCertify(sealed.header.height);
  }

  private remember(height: bigint, hash: Uint8Array, event: Omit<FinalBlockEvent, 'certificate'>): void {
    this.uncertified.set(height, { hash, event, signedAtMs: performance.now() });
    // Far-behind certification (a lost quorum) must not grow memory without bound: the oldest
    // results are dropped, their submitters get the outcome from GET /v1/transactions/:id.
    while (this.uncertified.size > UNCERTIFIED_BLOCKS_MAX) {
      const oldest = this.uncertified.keys().next();
      if (oldest.done === true) break;
      this.uncertified.delete(oldest.value);
    }
  }

  /** Publishes this peer's signature of its stored block, retrying until it is in the stream or the peer closes. */
  private publishOwnSignature(height: bigint, storedHash: Uint8Array): void {
    let signature = this.peer.signStored(height, storedHash);
    if (signature === null) return;
    let headerHash = storedHash;
    if (this.signWrongHash) {
      headerHash = storedHash.slice();
      headerHash[0] = (headerHash[0] as number) ^ 0xff;
      signature = this.suite.sign(this.testKey(), certificateMessage(headerHash));
    }
    const value: PeerSignature = { height, headerHash, orgId: this.peer.orgId, signature };
    const attempt = (): void => {
      if (this.closed) return;
      publishSignature(this.js, this.genesis.chainId, value).then(
        () => undefined,
        (error: unknown) => {
          if (this.closed) return;
          this.emit('alarm', `publishing the signature of block ${height} failed, retrying: ${messageOf(error)}`);
          setTimeout(attempt, SIGNATURE_RETRY_MS).unref();
        },
      );
    };
    attempt();
  }

  private testKey(): Uint8Array {
    assert(this.faultyKey !== null, 'a faulty test peer is a validator');
    return this.faultyKey;
  }

  private addSignature(s: PeerSignature): void {
    if (s.height <= this.peer.certifiedHeight) {
      this.checkLateSignature(s);
      return;
    }
    const hashHex = bytesToHex(s.headerHash);
    let byHash = this.signatures.get(s.height);
    if (byHash === undefined) {
      byHash = new Map();
      this.signatures.set(s.height, byHash);
    }
    let byOrg = byHash.get(hashHex);
    if (byOrg === undefined) {
      byOrg = new Map();
      byHash.set(hashHex, byOrg);
    }
    if (byOrg.has(s.orgId)) return;
    byOrg.set(s.orgId, { signature: s.signature, checked: false });
    this.tryCertify(s.height);
  }

  /**
   * A signature for a block already certified here: a validator that signed another header at
   * that height is faulty (or diverged), which the operators must hear about.
   */
  private checkLateSignature(s: PeerSignature): void {
    const certified = this.recentCertified.get(s.height) ?? this.peer.store.getBlock(s.height)?.hash;
    if (certified === undefined || equalBytes(certified, s.headerHash)) return;
    const validators = this.peer.validatorSet(s.height);
    const key = validators.keys[validators.orgs.indexOf(s.orgId)];
    if (key === undefined || !this.suite.verify(key, certificateMessage(s.headerHash), s.signature)) return;
    this.emit(
      'alarm',
      `block ${s.height}: validator ${s.orgId} signed header ${bytesToHex(s.headerHash)}, the certified header is ${bytesToHex(certified)}`,
    );
  }

  /**
   * Certifies block `height` once this peer has stored it and a quorum of the validators in
   * force there signed one header hash: ours makes it final, another one means we diverged.
   */
  private tryCertify(height: bigint): void {
    // In height order: a certified height means every height below it is certified too.
    if (height > this.peer.tip.height || height !== this.peer.certifiedHeight + 1n || this.failure !== null) return;
    const mine = this.uncertified.get(height);
    const storedHash = mine?.hash ?? this.peer.store.getBlock(height)?.hash;
    assert(storedHash !== undefined, 'a stored block up to the tip');
    const byHash = this.signatures.get(height);
    if (byHash === undefined) return;
    const validators = this.peer.validatorSet(height);
    for (const [hashHex, byOrg] of byHash) {
      if (byOrg.size === 0) continue;
      const hash = hexToBytes(hashHex);
      const message = certificateMessage(hash);
      // Each signature is verified (and a wrong header reported) once; later calls only count.
      for (const [org, received] of byOrg) {
        if (received.checked) continue;
        const key = validators.keys[validators.orgs.indexOf(org)];
        if (key === undefined || !this.suite.verify(key, message, received.signature)) {
          this.emit('alarm', `block ${height}: ${org} sent a signature that does not verify as a validator's; ignored`);
          byOrg.delete(org);
          continue;
        }
        received.checked = true;
        if (!equalBytes(hash, storedHash)) {
          this.emit(
            'alarm',
            `block ${height}: validator ${org} signed header ${hashHex}, this peer stored ${bytesToHex(storedHash)}`,
          );
        }
      }
      const valid = [...byOrg].map(([org, received]) => ({ org, signature: received.signature }));
      if (valid.length < validators.quorum) continue;
      if (!equalBytes(hash, storedHash)) {
        this.fail(
          `diverged at height ${height}: a quorum signed header ${hashHex}, this peer stored ${bytesToHex(storedHash)}`,
        );
        return;
      }
      valid.sort((a, b) => (a.org < b.org ? -1 : 1));
      const certificate: Certificate = { height, headerHash: storedHash, signatures: valid };
      this.peer.storeCertificate(certificate);
      this.signatures.delete(height);
      this.recentCertified.set(height, storedHash);
      this.recentCertified.delete(height - BigInt(UNCERTIFIED_BLOCKS_MAX));
      const event = mine?.event;
      this.uncertified.delete(height);
      if (event !== undefined) this.finalize({ ...event, certificate });
      // A later block may have reached its quorum first: it waited for this one.
      this.tryCertify(height + 1n);
      return;
    }
  }

  private finalize(event: FinalBlockEvent): void {
    const height = event.header.height;
    event.results.forEach((result: TxResult, index) => {
      this.settle(result.id, { id: result.id, height, index, code: result.code, opIndex: result.opIndex });
    });
    this.emit('block', event);
  }

  /**
   * Submits an encoded, signed transaction: checked here, then published to the stream with
   * its id as the message id (a retry is stored once). Resolves when its block is final.
   */
  submit(bytes: Uint8Array): Promise<FinalOutcome> {
    if (this.closed) return Promise.reject(new SubmitError('closed', 'the node is shutting down'));
    if (this.failure !== null) return Promise.reject(new SubmitError('closed', `the node stopped: ${this.failure}`));
    const check = checkSubmission(bytes, this.genesis.chainId, this.peer, this.clock());
    if (check.kind === 'refused') return Promise.reject(check.error);
    if (check.kind === 'final') return Promise.resolve(check.outcome);
    const tx = { id: check.id };
    const existing = this.waiters.get(tx.id);
    if (existing !== undefined) {
      if (!equalBytes(existing.bytes, bytes)) {
        return Promise.reject(new SubmitError('id_in_flight', 'another transaction with this id is being processed'));
      }
      // A client retrying a payment that is not final: publish it again (the stream keeps one
      // copy of a message id), in case the stream lost the first one.
      if (performance.now() - existing.publishedAtMs >= REPUBLISH_TX_MS_MIN) {
        existing.publishedAtMs = performance.now();
        this.order(tx.id, bytes, false);
      }
      return existing.promise;
    }
    if (this.waiters.size >= INTAKE_QUEUE_MAX) {
      return Promise.reject(new SubmitError('busy', 'too many transactions in flight'));
    }
    const { promise, resolve, reject } = createDeferred<FinalOutcome>();
    this.waiters.set(tx.id, { bytes, publishedAtMs: performance.now(), resolve, reject, promise });
    this.order(tx.id, bytes);
    return promise;
  }

  /** Verifies and publishes; a first publish that fails refuses the submission, a republish only reports. */
  private order(id: string, bytes: Uint8Array, first = true): void {
    this.pool
      .verify([bytes])
      .then((valid) => {
        if (valid[0] !== true) throw new SubmitError('signature_invalid', 'a signature does not verify');
        return publishTransaction(this.js, this.genesis.chainId, bytes, id);
      })
      .catch((error: unknown) => {
        if (!first) {
          this.emit('alarm', `publishing transaction ${id} again failed: ${messageOf(error)}`);
          return;
        }
        // Not in the stream: nothing was acknowledged, the client may retry with the same id.
        const refusal =
          error instanceof SubmitError
            ? error
            : new SubmitError('busy', `the ordering service did not take the transaction: ${messageOf(error)}`);
        this.settle(id, refusal);
      });
  }

  private settle(id: string, outcome: FinalOutcome | Error): void {
    const waiter = this.waiters.get(id);
    if (waiter === undefined) return;
    this.waiters.delete(id);
    if (outcome instanceof Error) waiter.reject(outcome);
    else waiter.resolve(outcome);
  }

  private fail(message: string): void {
    if (this.failure !== null) return;
    this.failure = message;
    this.emit('alarm', `the peer stopped: ${message}`);
    for (const id of [...this.waiters.keys()])
      this.settle(id, new SubmitError('closed', `the peer stopped: ${message}`));
    this.cutDriver?.stop();
  }

  /** Why the peer stopped following the stream, or null while it runs. */
  get stoppedBecause(): string | null {
    return this.failure;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cutDriver?.stop();
    if (this.republishTimer !== null) clearInterval(this.republishTimer);
    await Promise.allSettled([this.blockFeed?.stop(), this.signatureFeed?.stop()]);
    await Promise.allSettled(this.loops);
    for (const id of [...this.waiters.keys()]) {
      this.settle(id, new SubmitError('closed', 'the peer shut down; retry with the same transaction'));
    }
    await this.nc.close().catch(() => undefined);
    await this.pool.close();
    this.peer.close();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
