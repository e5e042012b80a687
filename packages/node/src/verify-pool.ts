/**
 * Signature verification on worker threads: the one CPU-heavy step that parallelizes
 * (each transaction's signatures are a pure function of its bytes). A batch is split into
 * one slice per worker; results come back in order. Queue depth is bounded by the caller
 * (the pipeline keeps at most a few blocks in flight).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type CryptoSuite, type SuiteName, verifyTransactionSignatures } from '@paychain/core';

const WORKER_URL = new URL('./verify-worker.ts', import.meta.url);
const TSX_API_URL = import.meta.resolve('tsx/esm/api');
/** Below this many transactions a batch is verified inline: posting it costs more. */
const INLINE_BATCH_MAX = 16;

interface PendingJob {
  readonly resolve: (valid: Uint8Array) => void;
  readonly reject: (error: Error) => void;
}

export class VerifyPool {
  private readonly workers: Worker[] = [];
  private readonly jobs = new Map<number, PendingJob>();
  private nextJobId = 1;
  private closed = false;
  private readonly suite: CryptoSuite;

  constructor(suite: CryptoSuite, workerCount = availableParallelism()) {
    this.suite = suite;
    for (let i = 0; i < workerCount; i++) this.workers.push(this.spawn(suite.name));
  }

  private spawn(suite: SuiteName): Worker {
    // The sources are TypeScript run through tsx: the worker registers tsx's loader, then loads the worker module.
    const bootstrap = `import(${JSON.stringify(TSX_API_URL)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
    const worker = new Worker(bootstrap, { eval: true, workerData: { suite } });
    worker.on('message', (message: { jobId: number; valid: Uint8Array }) => {
      const job = this.jobs.get(message.jobId);
      if (job === undefined) return;
      this.jobs.delete(message.jobId);
      job.resolve(message.valid);
    });
    worker.on('error', (error) => this.failAll(error));
    return worker;
  }

  private failAll(error: Error): void {
    for (const job of this.jobs.values()) job.reject(error);
    this.jobs.clear();
  }

  private run(worker: Worker, txs: Uint8Array[]): Promise<Uint8Array> {
    const jobId = this.nextJobId++;
    return new Promise((resolve, reject) => {
      this.jobs.set(jobId, { resolve, reject });
      worker.postMessage({ jobId, txs });
    });
  }

  /** One boolean per transaction: all its signatures verify. */
  async verify(txs: readonly Uint8Array[]): Promise<boolean[]> {
    if (this.closed) throw new Error('verify pool is closed');
    if (txs.length <= INLINE_BATCH_MAX || this.workers.length === 0) {
      return txs.map((t) => verifyTransactionSignatures(this.suite, t));
    }
    const slice = Math.ceil(txs.length / this.workers.length);
    const parts: Promise<Uint8Array>[] = [];
    for (let w = 0; w * slice < txs.length; w++) {
      parts.push(this.run(this.workers[w]!, txs.slice(w * slice, (w + 1) * slice)));
    }
    const results = await Promise.all(parts);
    const out: boolean[] = [];
    for (const part of results) for (const v of part) out.push(v === 1);
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.failAll(new Error('verify pool closed'));
  }
}
