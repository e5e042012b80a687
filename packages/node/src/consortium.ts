/**
 * The embedded deployment: every organization's peer in one process, behind one in-process
 * orderer. Transactions flow
 *
 *   submit → stateless checks → signature verification (worker threads)
 *          → block cut (size or time) → every peer executes, stores durably, signs
 *          → certificate (quorum of validator signatures) stored → submitter answered
 *
 * A payment is answered as final only after a quorum of validator peers stored its block and
 * signed it. On open, lagging peers catch up from the most advanced one, and stored blocks
 * left without a certificate (a crash between store and certify) are certified again.
 */
import { EventEmitter } from 'node:events';
import {
  assert,
  BLOCK_BYTES_MAX,
  type BlockHeader,
  bytesToHex,
  type Certificate,
  type CryptoSuite,
  decodeTransaction,
  equalBytes,
  type Genesis,
  TX_DISBURSE_BYTES_MAX,
  TX_EXPIRY_WINDOW_MS,
  type TxCode,
  type TxResult,
} from '@paychain/core';
import type { LedgerNode, LedgerNodeEvents } from './ledger-node.ts';
import { type BegunBlock, type BlockProposal, type ExecutedBlock, Peer, type PeerOptions } from './peer.ts';
import { VerifyPool } from './verify-pool.ts';

export const INTAKE_QUEUE_MAX = 200_000;
export const BLOCK_TXS_DEFAULT = 2_000;
export const BLOCK_INTERVAL_MS_DEFAULT = 20;
/** Transactions sent to the verify pool at once; two batches in flight keep workers busy. */
const VERIFY_BATCH_MAX = 1_024;
/**
 * Bytes sent to the verify pool at once (one packed buffer): 1,024 ordinary payments are well under it, 1,024
 * disbursements (TX_DISBURSE_BYTES_MAX each) would be 512 MiB. The first transaction always goes.
 */
const VERIFY_BATCH_BYTES_MAX = 16 * 1024 * 1024;
const VERIFY_BATCHES_IN_FLIGHT_MAX = 2;
assert(VERIFY_BATCH_BYTES_MAX >= TX_DISBURSE_BYTES_MAX, 'a verify batch holds the largest transaction');
/** Blocks executed but not yet stored: enough to overlap execution with hashing, few enough to keep latency. */
const BLOCKS_IN_FLIGHT_MAX = 2;

export type RejectCode =
  | 'tx_malformed'
  | 'chain_mismatch'
  | 'tx_expired'
  | 'expiry_too_far'
  | 'signature_invalid'
  | 'id_in_flight'
  | 'busy'
  | 'closed';

/** A submission refused before ordering: nothing was written, the client may fix and resend. */
export class SubmitError extends Error {
  override readonly name = 'SubmitError';
  readonly code: RejectCode;
  constructor(code: RejectCode, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * What a node decides about submitted bytes before taking them, the same for every kind of
 * node: refused (nothing changes), already final (the first outcome, for an idempotent retry),
 * or a new transaction to order. Expiry is checked against the node's clock.
 */
export type SubmissionCheck =
  | { readonly kind: 'refused'; readonly error: SubmitError }
  | { readonly kind: 'final'; readonly outcome: FinalOutcome }
  | { readonly kind: 'new'; readonly id: string; readonly nowMs: bigint };

export function checkSubmission(bytes: Uint8Array, chainId: string, peer: Peer, nowMs: bigint): SubmissionCheck {
  const refused = (code: RejectCode, message: string): SubmissionCheck => ({
    kind: 'refused',
    error: new SubmitError(code, message),
  });
  const decoded = decodeTransaction(bytes);
  if (!decoded.ok) return refused('tx_malformed', decoded.error);
  const tx = decoded.value.tx;
  if (tx.chainId !== chainId) return refused('chain_mismatch', `transaction is for chain ${tx.chainId}`);
  const stored = peer.store.isConsumed(tx.id) ? peer.store.getTx(tx.id) : null;
  if (stored !== null && stored.height <= peer.certifiedHeight) {
    const { code, opIndex } = stored.result;
    return { kind: 'final', outcome: { id: tx.id, height: stored.height, index: stored.index, code, opIndex } };
  }
  if (tx.expiresAt <= nowMs) return refused('tx_expired', 'the transaction has expired');
  if (tx.expiresAt > nowMs + TX_EXPIRY_WINDOW_MS) {
    return refused('expiry_too_far', `expiry more than ${TX_EXPIRY_WINDOW_MS} ms ahead`);
  }
  return { kind: 'new', id: tx.id, nowMs };
}

/** A promise with its settle functions, for a submitter waiting on finality. */
export function createDeferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: Error) => void;
} {
  let resolve: ((value: T) => void) | undefined;
  let reject: ((error: Error) => void) | undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  assert(resolve !== undefined && reject !== undefined, 'the Promise executor runs synchronously');
  return { promise, resolve, reject };
}

export interface FinalOutcome {
  readonly id: string;
  readonly height: bigint;
  readonly index: number;
  readonly code: TxCode;
  readonly opIndex: number;
}

export interface FinalBlockEvent {
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
  readonly certificate: Certificate;
  readonly results: readonly TxResult[];
}

export interface ConsortiumOptions {
  readonly genesis: Genesis;
  readonly suite: CryptoSuite;
  readonly peers: ReadonlyArray<Omit<PeerOptions, 'genesis' | 'suite'>>;
  /** Milliseconds since the epoch; injected so simulations and tests control time. */
  readonly clock?: () => bigint;
  readonly blockTxsMax?: number;
  readonly blockIntervalMs?: number;
  readonly verifyWorkers?: number;
  readonly durable?: boolean;
}

interface Waiter {
  readonly bytes: Uint8Array;
  readonly resolve: (outcome: FinalOutcome) => void;
  readonly reject: (error: Error) => void;
  readonly promise: Promise<FinalOutcome>;
}

interface ReadyTx {
  readonly id: string;
  readonly bytes: Uint8Array;
  readonly arrivedMs: number;
}

export class Consortium extends EventEmitter<LedgerNodeEvents> implements LedgerNode {
  readonly genesis: Genesis;
  readonly suite: CryptoSuite;
  private peersValue: Peer[];
  private readonly pool: VerifyPool;
  private readonly clock: () => bigint;
  private readonly blockTxsMax: number;
  private readonly blockIntervalMs: number;
  private readonly waiters = new Map<string, Waiter>();
  private incoming: ReadyTx[] = [];
  private ready: ReadyTx[] = [];
  /** Bytes of the transactions in `ready`: a block is cut at BLOCK_BYTES_MAX as well as at `blockTxsMax`. */
  private readyBytes = 0;
  private verifying = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private cutting = false;
  private blocksInFlight = 0;
  /** Blocks finish in order along this chain. */
  private sealing: Promise<void> = Promise.resolve();
  /** Set when finishing a block failed: the node takes no more payments. */
  private failure: string | null = null;

  private constructor(options: ConsortiumOptions, peers: Peer[]) {
    super();
    this.genesis = options.genesis;
    this.suite = options.suite;
    this.peersValue = peers;
    this.clock = options.clock ?? (() => BigInt(Date.now()));
    this.blockTxsMax = options.blockTxsMax ?? BLOCK_TXS_DEFAULT;
    this.blockIntervalMs = options.blockIntervalMs ?? BLOCK_INTERVAL_MS_DEFAULT;
    this.pool = new VerifyPool(options.suite, options.verifyWorkers);
  }

  static open(options: ConsortiumOptions): Consortium {
    const peers: Peer[] = [];
    try {
      for (const p of options.peers) {
        peers.push(
          Peer.open({ ...p, genesis: options.genesis, suite: options.suite, durable: options.durable ?? true }),
        );
      }
    } catch (error) {
      for (const peer of peers) peer.close();
      throw error;
    }
    assert(
      peers.some((p) => p.isValidator()),
      'at least one validator peer',
    );
    const consortium = new Consortium(options, peers);
    consortium.catchUp();
    return consortium;
  }

  get peers(): readonly Peer[] {
    return this.peersValue;
  }

  /** The peer that answers queries: the first one (all hold the same chain). */
  get primary(): Peer {
    const peer = this.peersValue[0];
    assert(peer !== undefined, 'consortium has a peer');
    return peer;
  }

  /** Brings every peer to the most advanced peer's height and certifies what is stored but not certified. */
  private catchUp(): void {
    const leader = this.peersValue.reduce((a, b) => (b.tip.height > a.tip.height ? b : a));
    for (const peer of this.peersValue) {
      while (peer.tip.height < leader.tip.height) {
        const block = leader.store.getBlock(peer.tip.height + 1n);
        assert(block !== null, 'leader has every block up to its tip');
        peer.replay(block);
      }
    }
    const from = this.peersValue.reduce(
      (min, p) => (p.certifiedHeight < min ? p.certifiedHeight : min),
      leader.tip.height,
    );
    for (let height = from + 1n; height <= leader.tip.height; height++) {
      const block = leader.store.getBlock(height);
      assert(block !== null, 'stored block');
      const certificate = this.certify(height, block.hash);
      for (const peer of this.peersValue) if (peer.certifiedHeight < height) peer.storeCertificate(certificate);
    }
  }

  private certify(height: bigint, hash: Uint8Array): Certificate {
    const signatures = [];
    for (const peer of this.peersValue) {
      const signature = peer.signStored(height, hash);
      if (signature !== null) signatures.push({ org: peer.orgId, signature });
    }
    signatures.sort((a, b) => (a.org < b.org ? -1 : 1));
    const validators = this.primary.validatorSet(height);
    assert(signatures.length >= validators.quorum, `a quorum of validator peers signed block ${height}`);
    return { height, headerHash: hash, signatures };
  }

  /**
   * Submits an encoded, signed transaction; resolves when its block is final. A transaction
   * already final (its id consumed) resolves at once with its first outcome.
   */
  submit(bytes: Uint8Array): Promise<FinalOutcome> {
    if (this.closed) return Promise.reject(new SubmitError('closed', 'the node is shutting down'));
    if (this.failure !== null) return Promise.reject(new SubmitError('closed', `the node stopped: ${this.failure}`));
    // In this node a block is certified in the same turn it is stored, so stored means final.
    const check = checkSubmission(bytes, this.genesis.chainId, this.primary, this.clock());
    if (check.kind === 'refused') return Promise.reject(check.error);
    if (check.kind === 'final') return Promise.resolve(check.outcome);
    const tx = { id: check.id };
    const now = check.nowMs;
    const existing = this.waiters.get(tx.id);
    if (existing !== undefined) {
      if (equalBytes(existing.bytes, bytes)) return existing.promise;
      return Promise.reject(new SubmitError('id_in_flight', 'another transaction with this id is being processed'));
    }
    if (this.waiters.size >= INTAKE_QUEUE_MAX)
      return Promise.reject(new SubmitError('busy', 'too many transactions in flight'));
    const { promise, resolve, reject } = createDeferred<FinalOutcome>();
    this.waiters.set(tx.id, { bytes, resolve, reject, promise });
    this.incoming.push({ id: tx.id, bytes, arrivedMs: Number(now) });
    this.pump();
    return promise;
  }

  /** Moves work along: verification batches out, blocks cut when full or due. */
  private pump(): void {
    while (this.incoming.length > 0 && this.verifying < VERIFY_BATCHES_IN_FLIGHT_MAX) {
      let count = 0;
      let bytes = 0;
      for (const t of this.incoming) {
        if (count === VERIFY_BATCH_MAX || (count > 0 && bytes + t.bytes.length > VERIFY_BATCH_BYTES_MAX)) break;
        count++;
        bytes += t.bytes.length;
      }
      const batch = this.incoming.splice(0, count);
      this.verifying++;
      this.pool.verify(batch.map((t) => t.bytes)).then(
        (valid) => {
          this.verifying--;
          batch.forEach((t, i) => {
            if (valid[i]) {
              this.ready.push(t);
              this.readyBytes += t.bytes.length;
            } else this.settle(t.id, new SubmitError('signature_invalid', 'a signature does not verify'));
          });
          this.pump();
        },
        (error: Error) => {
          this.verifying--;
          for (const t of batch) this.settle(t.id, error);
        },
      );
    }
    if (this.ready.length >= this.blockTxsMax || this.readyBytes >= BLOCK_BYTES_MAX) {
      this.cutBlock();
    } else if (this.ready.length > 0 && this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.cutBlock();
      }, this.blockIntervalMs);
    }
  }

  private settle(id: string, outcome: FinalOutcome | Error): void {
    const waiter = this.waiters.get(id);
    if (waiter === undefined) return;
    this.waiters.delete(id);
    if (outcome instanceof Error) waiter.reject(outcome);
    else waiter.resolve(outcome);
  }

  /**
   * Cuts the next block: every peer executes it at once (on this thread), the commitment's
   * commitment delta is computed on the worker threads, and the block is finished — sealed,
   * stored, signed, certified — after the one before it. Up to BLOCKS_IN_FLIGHT_MAX blocks
   * overlap, so the next block executes while the workers hash the last one's changes.
   */
  private cutBlock(): void {
    if (this.cutting || this.closed || this.failure !== null || this.ready.length === 0) return;
    if (this.blocksInFlight >= BLOCKS_IN_FLIGHT_MAX) return;
    this.cutting = true;
    try {
      // By count and by bytes: the first transaction always fits (TX_DISBURSE_BYTES_MAX ≤ BLOCK_BYTES_MAX).
      let count = 0;
      let bytes = 0;
      for (const t of this.ready) {
        if (count === this.blockTxsMax || (count > 0 && bytes + t.bytes.length > BLOCK_BYTES_MAX)) break;
        count++;
        bytes += t.bytes.length;
      }
      const txs = this.ready.splice(0, count);
      this.readyBytes -= bytes;
      const proposal: BlockProposal = {
        time: this.clock(),
        txs: txs.map((t) => ({ bytes: t.bytes, signaturesValid: true })),
      };
      const begun = this.peersValue.map((peer) => {
        const block = peer.begin(proposal);
        return { peer, block, delta: this.pool.commitmentDelta(block.work) };
      });
      this.blocksInFlight++;
      this.sealing = this.sealing
        .then(async () => {
          const deltas = await Promise.all(begun.map((b) => b.delta));
          if (this.failure !== null) return;
          this.finishBlock(begun.map((b, i) => ({ peer: b.peer, block: b.block, delta: deltas[i] as Uint8Array })));
        })
        .catch((error: unknown) => this.fail(error))
        .finally(() => {
          this.blocksInFlight--;
          this.pump();
        });
    } finally {
      this.cutting = false;
    }
    if (this.ready.length > 0 || this.incoming.length > 0) this.pump();
  }

  /** A peer or the store failed while finishing a block: stop taking payments, answer everyone. */
  private fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.failure === null) this.failure = message;
    this.emit('alarm', `the node stopped: ${message}`);
    for (const id of [...this.waiters.keys()])
      this.settle(id, new SubmitError('closed', `the node stopped: ${message}`));
  }

  /** Every peer finishes the block; a quorum of signatures makes it final. */
  private finishBlock(begun: ReadonlyArray<{ peer: Peer; block: BegunBlock; delta: Uint8Array }>): void {
    const executed: Array<{ peer: Peer; block: ExecutedBlock }> = [];
    // A peer stopped for divergence while this block was in flight takes no further part.
    for (const b of begun)
      if (this.peersValue.includes(b.peer)) executed.push({ peer: b.peer, block: b.peer.finish(b.block, b.delta) });
    assert(executed.length > 0, 'a peer finished the block');
    const reference = this.majorityHash(executed.map((e) => e.block.sealed.hash));
    const diverged = executed.filter((e) => !equalBytes(e.block.sealed.hash, reference));
    for (const { peer, block } of diverged) {
      this.emit(
        'alarm',
        `peer ${peer.orgId} diverged at height ${block.sealed.header.height}: header ${bytesToHex(block.sealed.hash)}; stopping it`,
      );
      peer.close();
    }
    this.peersValue = this.peersValue.filter((p) => !diverged.some((d) => d.peer === p));
    const first = executed.find((e) => equalBytes(e.block.sealed.hash, reference));
    assert(first !== undefined, 'a majority block exists');
    const { sealed } = first.block;
    const height = sealed.header.height;
    const signatures = executed
      .filter((e) => e.block.signature !== null && equalBytes(e.block.sealed.hash, reference))
      .map((e) => ({ org: e.peer.orgId, signature: e.block.signature as Uint8Array }))
      .sort((a, b) => (a.org < b.org ? -1 : 1));
    const validators = this.primary.validatorSet(height);
    if (signatures.length < validators.quorum) {
      this.emit(
        'alarm',
        `block ${height} has ${signatures.length} validator signatures, quorum is ${validators.quorum}: not final`,
      );
      return;
    }
    const certificate: Certificate = { height, headerHash: sealed.hash, signatures };
    for (const peer of this.peersValue) peer.storeCertificate(certificate);
    const results = sealed.execution.results;
    results.forEach((result, index) => {
      this.settle(result.id, { id: result.id, height, index, code: result.code, opIndex: result.opIndex });
    });
    this.emit('block', { header: sealed.header, hash: sealed.hash, certificate, results });
    // Owners of accounts opened or re-keyed here will pay soon: parse their keys now, on the
    // worker that will verify them, instead of on their first payment.
    const keys: Uint8Array[] = [];
    for (const change of sealed.execution.changes) {
      if (change.after.kind !== 'account') continue;
      if (change.before?.kind === 'account' && change.before.owners === change.after.owners) continue;
      keys.push(...change.after.owners);
    }
    this.pool.prepareKeys(keys).catch((error: unknown) => {
      this.emit('alarm', `preparing account keys failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  private majorityHash(hashes: Uint8Array[]): Uint8Array {
    const counts = new Map<string, { hash: Uint8Array; n: number }>();
    for (const h of hashes) {
      const key = bytesToHex(h);
      const entry = counts.get(key) ?? { hash: h, n: 0 };
      entry.n++;
      counts.set(key, entry);
    }
    return [...counts.values()].reduce((a, b) => (b.n > a.n ? b : a)).hash;
  }

  /** Whether a transaction with this id is waiting to be ordered or finalized. */
  isInFlight(id: string): boolean {
    return this.waiters.has(id);
  }

  /** Number of transactions accepted but not yet final. */
  get inFlight(): number {
    return this.waiters.size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Finish what is verified; what is not yet ordered is refused (never acknowledged).
    while (this.verifying > 0) await new Promise((r) => setTimeout(r, 5));
    while (this.ready.length > 0 && this.failure === null) {
      if (this.blocksInFlight >= BLOCKS_IN_FLIGHT_MAX) await this.sealing;
      else this.cutBlock();
    }
    await this.sealing;
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const id of [...this.waiters.keys()]) {
      this.settle(id, new SubmitError('closed', 'the node shut down before ordering'));
    }
    await this.pool.close();
    for (const peer of this.peersValue) peer.close();
  }
}
