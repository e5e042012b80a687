/** A transaction as a peer stored it, with its receipt once its block is certified. */
import { type CryptoSuite, createReceipt, type Receipt } from '@paychain/core';
import type { BlockStore, StoredTx } from '@paychain/store';

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
