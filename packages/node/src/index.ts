export { ClusterPeer, type ClusterPeerOptions, UNCERTIFIED_BLOCKS_MAX } from './cluster-peer.ts';
export { commitmentXof } from './commitment-xof.ts';
export {
  BLOCK_INTERVAL_MS_DEFAULT,
  BLOCK_TXS_DEFAULT,
  Consortium,
  type ConsortiumOptions,
  type FinalBlockEvent,
  type FinalOutcome,
  INTAKE_QUEUE_MAX,
  type RejectCode,
  SubmitError,
} from './consortium.ts';
export {
  consortiumOptionsOf,
  type DataDir,
  DataDirError,
  DEFAULT_ORGS,
  defaultChainParams,
  initDataDir,
  ledgerPath,
  loadGenesis,
  loadOrgKeys,
  type OrgKeys,
  type OrgSpec,
  openDataDir,
  parseOrgSpecs,
} from './data-dir.ts';
export { type FastifyClientError, type FastifyClientErrorCode, fastifyClientError } from './fastify-errors.ts';
export {
  API_ERROR_STATUS,
  type ApiErrorBody,
  type ApiErrorCode,
  BODY_BYTES_MAX_DEFAULT,
  createHttpApi,
  HttpApiError,
  type HttpApiOptions,
  SSE_CLIENTS_MAX,
  SUBMIT_BODY_BYTES_MAX,
  SUBMIT_WAIT_MS_DEFAULT,
  SUBMIT_WAIT_MS_MAX,
} from './http-api.ts';
export type { LedgerNode, LedgerNodeEvents } from './ledger-node.ts';
export { createNodeMetrics, NodeMetrics } from './metrics.ts';
export {
  NatsCluster,
  NatsClusterError,
  type NatsClusterOptions,
  type NatsServerStatus,
  openNatsCluster,
  startNatsCluster,
} from './nats/cluster.ts';
export {
  ensureOrderingStreams,
  OrderingError,
  type OrderingErrorCode,
  type OrderingStreams,
  orderingNames,
} from './nats/ordering.ts';
export { openApiDocument } from './openapi.ts';
export {
  type BlockProposal,
  type ExecutedBlock,
  genesisHeader,
  Peer,
  PeerError,
  type PeerErrorCode,
  type PeerOptions,
} from './peer.ts';
export {
  type BeneficiaryStatement,
  beneficiaryStatement,
  type ProgramTotals,
  type ProgramTrace,
  ProgramTraceError,
  type ProgramTraceErrorCode,
  type SpendingGroup,
  STATEMENT_ROWS_MAX,
  type StatementKind,
  type StatementRow,
  TRACE_BENEFICIARIES_MAX,
  TRACE_EVIDENCE_MAX,
  TRACE_MERCHANTS_MAX,
  type TraceEdge,
  type TraceEdgeKind,
  type TraceEvidence,
  type TransparencyReport,
  traceProgram,
  transparencyReport,
  transparencyReportToCsv,
  transparencyReportToJson,
} from './program-trace.ts';
export { FinalReceipts, RECEIPT_BLOCKS_CACHED_MAX, storedReceipt } from './stored-receipt.ts';
export { auditPeerStore, type ChainAudit } from './verify-chain.ts';
export { VerifyPool } from './verify-pool.ts';
export { WindowScheduler, type WindowSchedulerEvent, type WindowSchedulerOptions } from './window-scheduler.ts';
