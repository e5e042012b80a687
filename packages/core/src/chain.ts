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
import { BLOCK_TXS_MAX } from './limits.ts';
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

/** Executes a block on `state` and `commitment` (both mutated) and returns its header. */
export function sealBlock(state: LedgerState, commitment: StateCommitment, input: SealInput): SealedBlock {
  assert(input.txs.length <= BLOCK_TXS_MAX, 'block within the transaction limit');
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
  commitment.apply(execution.changes);
  const header: BlockHeader = {
    chainId: input.genesis.chainId,
    height,
    prevHash: input.tip.hash,
    time,
    txCount: input.txs.length,
    txRoot: computeTxRoot(
      input.suite,
      input.txs.map((t) => t.bytes),
    ),
    resultRoot: computeResultRoot(input.suite, execution.results, execution.expired),
    stateCommitment: commitment.digest(),
  };
  return { header, hash: headerHash(input.suite, header), execution };
}
