export {
  BlockStore,
  StoreError,
  type StoreErrorCode,
  type StoredBlock,
  type StoredTx,
  type BlockToCommit,
  type StoreOptions,
} from './block-store.ts';
