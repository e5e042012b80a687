/** A transaction as a peer stored it, with its receipt once its block is certified. */
import { assert, type CryptoSuite, createReceipt, createReceiptBuilder, type Receipt } from '@paychain/core';
import type { BlockStore, StoredBlock, StoredTx } from '@paychain/store';

/** Final blocks whose receipt builders (both Merkle trees) are kept: the ones payers are being answered from. */
export const RECEIPT_BLOCKS_CACHED_MAX = 8;

export function storedReceipt(
  store: BlockStore,
  suite: CryptoSuite,
  id: string,
): { readonly tx: StoredTx; readonly receipt: Receipt | null } | null {
  const tx = store.getTx(id);
  if (tx === null) return null;
  const block = store.getBlock(tx.height);
  if (block === null || block.certificate === null) return { tx, receipt: null };
  return { tx, receipt: createReceipt(suite, { ...block, certificate: block.certificate }, tx.index) };
}

/**
 * Receipts of final blocks, each block's trees built once for all the payers waiting on it (building them per
 * answer made each block cost O(n²)). A final block never changes, so caching is safe; the newest
 * RECEIPT_BLOCKS_CACHED_MAX blocks asked for are kept.
 */
export class FinalReceipts {
  private readonly store: BlockStore;
  private readonly suite: CryptoSuite;
  private readonly builders = new Map<bigint, (index: number) => Receipt>();

  constructor(store: BlockStore, suite: CryptoSuite) {
    this.store = store;
    this.suite = suite;
  }

  /** The receipt at (height, index) of a certified block. */
  at(height: bigint, index: number): Receipt {
    let builder = this.builders.get(height);
    if (builder === undefined) {
      builder = createReceiptBuilder(this.suite, this.certifiedBlock(height));
      if (this.builders.size >= RECEIPT_BLOCKS_CACHED_MAX) {
        const oldest = this.builders.keys().next();
        if (oldest.done !== true) this.builders.delete(oldest.value);
      }
      this.builders.set(height, builder);
    }
    return builder(index);
  }

  /** A stored transaction and its receipt (null while its block is not certified); null when not stored. */
  of(id: string): { readonly tx: StoredTx; readonly receipt: Receipt | null } | null {
    const tx = this.store.getTx(id);
    if (tx === null) return null;
    if (tx.height > this.store.certifiedHeight()) return { tx, receipt: null };
    return { tx, receipt: this.at(tx.height, tx.index) };
  }

  private certifiedBlock(height: bigint): StoredBlock & { certificate: NonNullable<StoredBlock['certificate']> } {
    const block = this.store.getBlock(height);
    assert(block !== null && block.certificate !== null, `final block ${height} is stored with its certificate`);
    return { ...block, certificate: block.certificate };
  }
}
