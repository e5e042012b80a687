export {
  BlockStore,
  type BlockToCommit,
  programOfTx,
  quoteOfTx,
  type StoredBlock,
  type StoredTx,
  StoreError,
  type StoreErrorCode,
  type StoreOptions,
} from './block-store.ts';
