/**
 * Worker thread for the two pure, CPU-heavy steps of a block: verifying the signatures of
 * encoded transactions, and computing the state commitment's delta (XOF elements of changed entries, summed).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { commitmentDelta, getSuite, isSuiteName, verifyTransactionSignatures } from '@paychain/core';
import { commitmentXof } from './commitment-xof.ts';
import { type PackedBytes, unpackBytes } from './packed-bytes.ts';

interface Job {
  readonly jobId: number;
  readonly kind: 'verify' | 'delta' | 'prepare';
  readonly packed: PackedBytes;
  /** For 'delta': items[0, addedCount) are added entries, the rest removed ones. */
  readonly addedCount?: number;
}

const suiteName: unknown = (workerData as { suite?: unknown }).suite;
if (!isSuiteName(suiteName)) throw new Error(`verify worker: unknown suite ${String(suiteName)}`);
const suite = getSuite(suiteName);
const xof = commitmentXof(suiteName);
const port = parentPort;
if (port === null) throw new Error('verify worker: must run as a worker thread');

port.on('message', (job: Job) => {
  const items = unpackBytes(job.packed);
  let result: Uint8Array;
  if (job.kind === 'verify') {
    result = new Uint8Array(items.length);
    items.forEach((tx, i) => {
      result[i] = verifyTransactionSignatures(suite, tx) ? 1 : 0;
    });
  } else if (job.kind === 'delta') {
    const added = job.addedCount ?? 0;
    result = commitmentDelta(xof, { added: items.slice(0, added), removed: items.slice(added) });
  } else {
    result = new Uint8Array(items.length);
    items.forEach((key, i) => {
      result[i] = suite.prepareVerifyKey(key) ? 1 : 0;
    });
  }
  port.postMessage({ jobId: job.jobId, result }, [result.buffer as ArrayBuffer]);
});
