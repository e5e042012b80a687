export {
  BlockStore,
  type BlockToCommit,
  type StoredBlock,
  type StoredTx,
  StoreError,
  type StoreErrorCode,
  type StoreOptions,
} from './block-store.ts';
