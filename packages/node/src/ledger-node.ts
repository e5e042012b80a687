/**
 * What the HTTP API and the CLI need from a running node, whichever way it is ordered: the
 * embedded `Consortium` (every organization's peer in one process) or a `ClusterPeer` (one
 * organization's peer fed by a NATS JetStream stream).
 */
import type { EventEmitter } from 'node:events';
import type { CryptoSuite, Genesis } from '@paychain/core';
import type { FinalBlockEvent, FinalOutcome } from './consortium.ts';
import type { Peer } from './peer.ts';

export interface LedgerNodeEvents {
  /** A block became final (a quorum of validators signed it). */
  block: [FinalBlockEvent];
  /** Something an operator must look at: a diverged peer, a stopped pipeline. */
  alarm: [string];
}

export interface LedgerNode extends Pick<EventEmitter<LedgerNodeEvents>, 'on' | 'off' | 'once'> {
  readonly genesis: Genesis;
  readonly suite: CryptoSuite;
  /** The peer that answers queries. */
  readonly primary: Peer;
  /** Every peer this process runs. */
  readonly peers: readonly Peer[];
  /** Transactions submitted here and not final yet. */
  readonly inFlight: number;
  isInFlight(id: string): boolean;
  /** Resolves when the transaction's block is final, or at once with the first outcome of a consumed id. */
  submit(bytes: Uint8Array): Promise<FinalOutcome>;
  close(): Promise<void>;
}
