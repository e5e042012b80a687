/** Worker thread: verifies the signatures of batches of encoded transactions. */
import { parentPort, workerData } from 'node:worker_threads';
import { getSuite, isSuiteName, verifyTransactionSignatures } from '@paychain/core';

interface Job {
  readonly jobId: number;
  readonly txs: Uint8Array[];
}

const suiteName: unknown = (workerData as { suite?: unknown }).suite;
if (!isSuiteName(suiteName)) throw new Error(`verify worker: unknown suite ${String(suiteName)}`);
const suite = getSuite(suiteName);
const port = parentPort;
if (port === null) throw new Error('verify worker: must run as a worker thread');

port.on('message', (job: Job) => {
  const valid = new Uint8Array(job.txs.length);
  for (let i = 0; i < job.txs.length; i++) valid[i] = verifyTransactionSignatures(suite, job.txs[i]!) ? 1 : 0;
  port.postMessage({ jobId: job.jobId, valid }, [valid.buffer]);
});
