/**
 * Sealing a block: execute its transactions, then compute the Merkle roots, the new state
 * commitment and the header. Every peer runs exactly this on the same input, so equal
 * inputs give equal headers; a peer checking a stored or received block runs it too and
 * compares.
 */
import { assert } from './assert.ts';
import { type BlockHeader, computeResultRoot, computeTxRoot, headerHash } from './block.ts';
import type { CryptoSuite } from './crypto/suite.ts';
import {
  type BlockExecution,
  type BlockTxInput,
  type ConsumedTxIds,
  type ExecutionContext,
  executeBlock,
} from './execute.ts';
import type { Genesis } from './genesis.ts';
import { BLOCK_BYTES_MAX, BLOCK_TXS_MAX } from './limits.ts';
import type { LedgerState } from './state.ts';
import type { StateCommitment } from './state-commitment/commitment.ts';

export interface ChainTip {
  readonly height: bigint;
  readonly hash: Uint8Array;
  readonly time: bigint;
}

export interface SealedBlock {
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
  readonly execution: BlockExecution;
}

export interface SealInput {
  readonly suite: CryptoSuite;
  readonly genesis: Genesis;
  readonly tip: ChainTip;
  /** Proposed block time; the block uses max(time, tip time) so time never runs backwards. */
  readonly time: bigint;
  readonly txs: readonly BlockTxInput[];
  readonly consumed: ConsumedTxIds;
}

/** A block executed on the state but not yet sealed: its header waits for the commitment. */
export interface ExecutedBody {
  readonly height: bigint;
  readonly time: bigint;
  readonly txs: readonly Uint8Array[];
  readonly execution: BlockExecution;
}

/**
 * Phase one of sealing: executes the block's transactions on `state` (mutated). Height and
 * time follow `tip`, which is the last *executed* block — it may not be sealed yet.
 */
export function executeBody(
  state: LedgerState,
  input: Omit<SealInput, 'tip'> & { readonly tip: Omit<ChainTip, 'hash'> },
): ExecutedBody {
  assert(input.txs.length <= BLOCK_TXS_MAX, 'block within the transaction limit');
  let bytes = 0;
  for (const tx of input.txs) bytes += tx.bytes.length;
  assert(bytes <= BLOCK_BYTES_MAX, 'block within the byte limit');
  const height = input.tip.height + 1n;
  const time = input.time > input.tip.time ? input.time : input.tip.time;
  const ctx: ExecutionContext = {
    chainId: input.genesis.chainId,
    height,
    time,
    params: input.genesis.params,
    isValidPublicKey: (key) => input.suite.isValidPublicKey(key),
  };
  const execution = executeBlock(state, ctx, input.txs, input.consumed);
  return { height, time, txs: input.txs.map((t) => t.bytes), execution };
}

/** Phase two: the header of an executed block, once the commitment includes its changes. */
export function sealHeader(
  suite: CryptoSuite,
  chainId: string,
  body: ExecutedBody,
  prevHash: Uint8Array,
  stateCommitment: Uint8Array,
): SealedBlock {
  const header: BlockHeader = {
    chainId,
    height: body.height,
    prevHash,
    time: body.time,
    txCount: body.txs.length,
    txRoot: computeTxRoot(suite, body.txs),
    resultRoot: computeResultRoot(suite, body.execution.results, body.execution.expired),
    stateCommitment,
  };
  return { header, hash: headerHash(suite, header), execution: body.execution };
}

/** Executes a block on `state` and `commitment` (both mutated) and returns its header. */
export function sealBlock(state: LedgerState, commitment: StateCommitment, input: SealInput): SealedBlock {
  const body = executeBody(state, input);
  commitment.apply(body.execution.changes);
  return sealHeader(input.suite, input.genesis.chainId, body, input.tip.hash, commitment.digest());
}
