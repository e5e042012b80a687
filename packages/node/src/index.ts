export { Peer, PeerError, type PeerErrorCode, type PeerOptions, type BlockProposal, type ExecutedBlock, genesisHeader } from './peer.ts';
export {
  Consortium,
  SubmitError,
  type RejectCode,
  type FinalOutcome,
  type FinalBlockEvent,
  type ConsortiumOptions,
  INTAKE_QUEUE_MAX,
  BLOCK_TXS_DEFAULT,
  BLOCK_INTERVAL_MS_DEFAULT,
} from './consortium.ts';
export { VerifyPool } from './verify-pool.ts';
export { commitmentXof } from './commitment-xof.ts';
