/**
 * Streaming load of committed blocks into a warehouse. Each load starts after the warehouse's
 * checkpoint for the chain (checked against the store's block hash there, so a warehouse never
 * continues another chain), reads blocks in height order, and writes each batch of blocks'
 * rows together with the new checkpoint (`Warehouse.commitBlocks`: atomic on DuckDB, redone
 * once after recovery on ClickHouse). After a crash or downtime the next load resumes from the
 * checkpoint: no block twice, none skipped.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { bytesToHex } from '@paychain/core';
import type { BlockStore, StoredBlock } from '@paychain/store';
import type { AccountDirectory, PaymentDirectory } from './account-directory.ts';
import { LedgerFacts, type LedgerMove, movesOfBlock, rowsOfMoves } from './block-rows.ts';
import { type LoadCheckpoint, type Warehouse, WarehouseError } from './warehouse.ts';

/** Rows per write: a batch closes at the first block boundary at or above this. */
export const LOAD_BATCH_ROWS_MAX = 50_000;
/** Blocks per write, however few rows they hold. */
export const LOAD_BATCH_BLOCKS_MAX = 1_000;
export const FOLLOW_INTERVAL_MS_MIN = 10;
export const FOLLOW_INTERVAL_MS_MAX = 3_600_000;

export type LoadFinality = 'certified' | 'stored';

export interface BlockLoaderOptions {
  readonly accounts?: AccountDirectory;
  readonly payments?: PaymentDirectory;
  /**
   * `certified` (default): only blocks with a quorum certificate, which no peer can contradict;
   * `stored`: every block the store holds (a single peer of one's own, tests).
   */
  readonly finality?: LoadFinality;
}

export interface LoadResult {
  /** The checkpoint height before and after. */
  readonly fromHeight: bigint;
  readonly toHeight: bigint;
  readonly blocks: number;
  readonly rows: number;
}

export interface FollowOptions {
  readonly intervalMs: number;
  /** Called with each failed load; the follower then tries again after the interval. Without it, the first failure ends `done`. */
  readonly onError?: (error: unknown) => void;
  /** Called after each load that wrote something. */
  readonly onLoad?: (result: LoadResult) => void;
}

export interface BlockFollower {
  /** Settles when following ends: after `stop()`, or rejected by a failed load when no `onError` was given. */
  readonly done: Promise<void>;
  /** Ends following once the load in progress, if any, is written. */
  stop(): Promise<void>;
}

export class BlockLoader {
  private readonly warehouse: Warehouse;
  private readonly accounts: AccountDirectory | null;
  private readonly payments: PaymentDirectory | null;
  private readonly finality: LoadFinality;
  /** Checkpoints this loader wrote itself, per chain; dropped after any failure so recovery runs again. */
  private readonly known = new Map<string, LoadCheckpoint>();
  private running: Promise<unknown> = Promise.resolve();

  constructor(warehouse: Warehouse, options: BlockLoaderOptions = {}) {
    this.warehouse = warehouse;
    this.accounts = options.accounts ?? null;
    this.payments = options.payments ?? null;
    this.finality = options.finality ?? 'certified';
  }

  /** Loads every available block after the checkpoint (up to `throughHeight` when given). One load runs at a time. */
  load(store: BlockStore, options: { readonly throughHeight?: bigint } = {}): Promise<LoadResult> {
    const result = this.running.then(() => this.loadNow(store, options.throughHeight));
    // The next load waits for this one, whatever its outcome; errors reach this caller.
    this.running = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async loadNow(store: BlockStore, throughHeight: bigint | undefined): Promise<LoadResult> {
    const head = store.head();
    if (head === null) return { fromHeight: 0n, toHeight: 0n, blocks: 0, rows: 0 };
    const chainId = head.header.chainId;
    const available = this.finality === 'certified' ? store.certifiedHeight() : head.height;
    const target = throughHeight !== undefined && throughHeight < available ? throughHeight : available;
    try {
      const start = await this.checkpointOf(store, chainId);
      const fromHeight = start?.height ?? 0n;
      let height = fromHeight;
      let blocks = 0;
      let rows = 0;
      const facts = new LedgerFacts(store);
      while (height < target) {
        const moves: LedgerMove[] = [];
        let last: StoredBlock | null = null;
        let batchBlocks = 0;
        while (height < target && moves.length < LOAD_BATCH_ROWS_MAX && batchBlocks < LOAD_BATCH_BLOCKS_MAX) {
          const block = store.getBlock(height + 1n);
          if (block === null)
            throw new WarehouseError('chain_mismatch', `block ${height + 1n} of ${chainId} is not stored`);
          if (block.header.chainId !== chainId) {
            throw new WarehouseError('chain_mismatch', `block ${height + 1n} belongs to ${block.header.chainId}`);
          }
          for (const move of movesOfBlock(block, facts)) moves.push(move);
          last = block;
          height += 1n;
          batchBlocks += 1;
        }
        if (last === null) break;
        const batch = await rowsOfMoves(moves, facts, this.accounts, this.payments);
        const checkpoint = { chainId, height, blockHash: bytesToHex(last.hash) };
        await this.warehouse.commitBlocks(batch, checkpoint);
        this.known.set(chainId, checkpoint);
        rows += batch.length;
        blocks += batchBlocks;
      }
      return { fromHeight, toHeight: height, blocks, rows };
    } catch (error) {
      // What the warehouse holds is unknown now: the next load recovers its checkpoint first.
      this.known.delete(chainId);
      throw error;
    }
  }

  /** The checkpoint to resume from, recovered from the warehouse unless this loader wrote it last. */
  private async checkpointOf(store: BlockStore, chainId: string): Promise<LoadCheckpoint | null> {
    const known = this.known.get(chainId);
    if (known !== undefined) return known;
    const checkpoint = await this.warehouse.recoverCheckpoint(chainId);
    if (checkpoint === null) return null;
    const block = store.getBlock(checkpoint.height);
    if (block === null || bytesToHex(block.hash) !== checkpoint.blockHash) {
      throw new WarehouseError(
        'chain_mismatch',
        `the warehouse loaded ${chainId} through block ${checkpoint.height} (${checkpoint.blockHash.slice(0, 16)}…), which this store ${block === null ? 'does not have' : 'holds with another hash'}`,
      );
    }
    this.known.set(chainId, checkpoint);
    return checkpoint;
  }

  /** Loads now and then every `intervalMs` until stopped. */
  follow(store: BlockStore, options: FollowOptions): BlockFollower {
    const { intervalMs } = options;
    if (!Number.isInteger(intervalMs) || intervalMs < FOLLOW_INTERVAL_MS_MIN || intervalMs > FOLLOW_INTERVAL_MS_MAX) {
      throw new WarehouseError(
        'query_invalid',
        `intervalMs ${intervalMs}: expected ${FOLLOW_INTERVAL_MS_MIN}..${FOLLOW_INTERVAL_MS_MAX}`,
      );
    }
    const stopping = new AbortController();
    const done = (async () => {
      while (!stopping.signal.aborted) {
        try {
          const result = await this.load(store);
          if (result.blocks > 0) options.onLoad?.(result);
        } catch (error) {
          if (options.onError === undefined) throw error;
          options.onError(error);
        }
        try {
          await sleep(intervalMs, undefined, { signal: stopping.signal });
        } catch (error) {
          // The only rejection of an aborted sleep is the stop itself.
          if (!stopping.signal.aborted) throw error;
        }
      }
    })();
    return {
      done,
      stop: async () => {
        stopping.abort();
        await done;
      },
    };
  }
}
