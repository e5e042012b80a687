/**
 * Worker threads for the CPU-heavy pure steps: signature verification (each transaction's
 * signatures are a pure function of its bytes) and the state commitment's delta.
 * Results come back in order. Queue depth is bounded by the caller (the pipeline keeps at
 * most a few batches and blocks in flight).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  type CommitmentWork,
  type CryptoSuite,
  commitmentDelta,
  type SuiteName,
  sumDeltas,
  verifyTransactionSignatures,
  type XofFn,
} from '@paychain/core';
import { commitmentXof } from './commitment-xof.ts';
import { packBytes, transferListOf } from './packed-bytes.ts';

const WORKER_URL = new URL('./verify-worker.ts', import.meta.url);
const TSX_API_URL = import.meta.resolve('tsx/esm/api');
/** Below this many transactions a batch is verified inline: posting it costs more. */
const INLINE_BATCH_MAX = 16;

interface PendingJob {
  readonly resolve: (valid: Uint8Array) => void;
  readonly reject: (error: Error) => void;
}

/**
 * A lane from the last signer's public key. An encoded transaction ends with
 * `…keyLength key signatureLength signature(64)`, so the four bytes before the signature's
 * length byte end the key. Routing only: a malformed transaction lands in some lane and fails there.
 */
function signerLane(tx: Uint8Array, lanes: number): number {
  return laneOfKeyEnd(tx, tx.length - 65, lanes);
}

/** The lane of a key whose last byte is at `end − 1`: its last four bytes, big-endian, mod lanes. */
function laneOfKeyEnd(bytes: Uint8Array, end: number, lanes: number): number {
  if (end < 4) return 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset + end - 4, 4);
  return view.getUint32(0) % lanes;
}

export class VerifyPool {
  private readonly workers: Worker[] = [];
  private readonly jobs = new Map<number, PendingJob>();
  private nextJobId = 1;
  private closed = false;
  private readonly suite: CryptoSuite;
  private readonly xof: XofFn;

  constructor(suite: CryptoSuite, workerCount = availableParallelism()) {
    this.suite = suite;
    this.xof = commitmentXof(suite.name);
    for (let i = 0; i < workerCount; i++) this.workers.push(this.spawn(suite.name));
  }

  private spawn(suite: SuiteName): Worker {
    // The sources are TypeScript run through tsx: the worker registers tsx's loader, then loads the worker module.
    const bootstrap = `import(${JSON.stringify(TSX_API_URL)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
    const worker = new Worker(bootstrap, { eval: true, workerData: { suite } });
    worker.on('message', (message: { jobId: number; result: Uint8Array }) => {
      const job = this.jobs.get(message.jobId);
      if (job === undefined) return;
      this.jobs.delete(message.jobId);
      job.resolve(message.result);
    });
    worker.on('error', (error) => this.failAll(error));
    return worker;
  }

  private failAll(error: Error): void {
    for (const job of this.jobs.values()) job.reject(error);
    this.jobs.clear();
  }

  /**
   * Parses public keys on the worker that will verify their signatures (the signer's lane),
   * ahead of their first payment: a peer calls this for the owners of accounts it opens.
   */
  async prepareKeys(keys: readonly Uint8Array[]): Promise<void> {
    const n = this.workers.length;
    if (this.closed || n === 0 || keys.length === 0) return;
    const lanes: Uint8Array[][] = Array.from({ length: n }, () => []);
    for (const key of keys) lanes[laneOfKeyEnd(key, key.length, n)]?.push(key);
    await Promise.all(
      lanes.map((items, w) => (items.length === 0 ? undefined : this.run(this.workers[w] as Worker, 'prepare', items))),
    );
  }

  private run(
    worker: Worker,
    kind: 'verify' | 'delta' | 'prepare',
    items: Uint8Array[],
    addedCount = 0,
  ): Promise<Uint8Array> {
    const jobId = this.nextJobId++;
    return new Promise((resolve, reject) => {
      this.jobs.set(jobId, { resolve, reject });
      const packed = packBytes(items);
      worker.postMessage({ jobId, kind, packed, addedCount }, transferListOf(packed));
    });
  }

  /**
   * The commitment delta of a block's work, each worker summing its share of the entries: the
   * main thread gets one 2 KiB delta per worker back instead of an element per entry.
   */
  async commitmentDelta(work: CommitmentWork): Promise<Uint8Array> {
    if (this.closed) throw new Error('verify pool is closed');
    const n = this.workers.length;
    const total = work.added.length + work.removed.length;
    if (n === 0 || total <= INLINE_BATCH_MAX) return commitmentDelta(this.xof, work);
    const addedShare = Math.ceil(work.added.length / n);
    const removedShare = Math.ceil(work.removed.length / n);
    const parts: Promise<Uint8Array>[] = [];
    for (let w = 0; w < n; w++) {
      const added = work.added.slice(w * addedShare, (w + 1) * addedShare);
      const removed = work.removed.slice(w * removedShare, (w + 1) * removedShare);
      if (added.length + removed.length === 0) continue;
      parts.push(this.run(this.workers[w] as Worker, 'delta', [...added, ...removed], added.length));
    }
    return sumDeltas(await Promise.all(parts));
  }

  /** One boolean per transaction: all its signatures verify. */
  async verify(txs: readonly Uint8Array[]): Promise<boolean[]> {
    if (this.closed) throw new Error('verify pool is closed');
    if (txs.length <= INLINE_BATCH_MAX || this.workers.length === 0) {
      return txs.map((t) => verifyTransactionSignatures(this.suite, t));
    }
    // Each signer's transactions go to the same worker, so each worker parses and caches a
    // key once (a KeyObject costs about as much as a verification) instead of every worker.
    const n = this.workers.length;
    const lanes: number[][] = Array.from({ length: n }, () => []);
    for (let i = 0; i < txs.length; i++) lanes[signerLane(txs[i] as Uint8Array, n)]?.push(i);
    const parts = lanes.map((indices, w) =>
      indices.length === 0
        ? Promise.resolve(new Uint8Array(0))
        : this.run(
            this.workers[w] as Worker,
            'verify',
            indices.map((i) => txs[i] as Uint8Array),
          ),
    );
    const results = await Promise.all(parts);
    const out: boolean[] = new Array(txs.length);
    lanes.forEach((indices, w) => {
      const valid = results[w] as Uint8Array;
      indices.forEach((txIndex, k) => {
        out[txIndex] = valid[k] === 1;
      });
    });
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.failAll(new Error('verify pool closed'));
  }
}
