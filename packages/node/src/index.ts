export {
  Peer,
  PeerError,
  type PeerErrorCode,
  type PeerOptions,
  type BlockProposal,
  type ExecutedBlock,
  genesisHeader,
} from './peer.ts';
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
export {
  DataDirError,
  DEFAULT_ORGS,
  type OrgKeys,
  type OrgSpec,
  type DataDir,
  initDataDir,
  openDataDir,
  loadGenesis,
  loadOrgKeys,
  ledgerPath,
  parseOrgSpecs,
  defaultChainParams,
} from './data-dir.ts';
export { auditPeerStore, type ChainAudit } from './verify-chain.ts';
export {
  createHttpApi,
  HttpApiError,
  type HttpApiOptions,
  type ApiErrorCode,
  type ApiErrorBody,
  API_ERROR_STATUS,
  SUBMIT_WAIT_MS_MAX,
  SUBMIT_WAIT_MS_DEFAULT,
  BODY_BYTES_MAX_DEFAULT,
  SSE_CLIENTS_MAX,
} from './http-api.ts';
export { NodeMetrics, createNodeMetrics } from './metrics.ts';
export { openApiDocument } from './openapi.ts';
