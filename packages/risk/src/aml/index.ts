/** AML over the committed transaction graph: the graph, the scan, its evaluation and the regulator's reports. */
export { type AmlAlert, formatDuration, formatMoney } from './aml-alert.ts';
export {
  AML_LIMITS_DEFAULT,
  AML_LIMITS_MAX,
  AML_PARAMETERS_DEFAULT,
  AML_WINDOWS_DEFAULT,
  type AmlConfig,
  type AmlLimits,
  type AmlOptionsError,
  type AmlParameters,
  type AmlScanOptions,
  type AmlWindows,
  resolveAmlOptions,
} from './aml-options.ts';
export {
  type EvaluatedAlert,
  type EvaluatedInstance,
  type EvaluationReport,
  evaluateAlerts,
  formatEvaluation,
  INSTANCE_FOUND_SHARE_MIN,
  type OverallEvaluation,
  type PatternEvaluation,
} from './evaluate-alerts.ts';
export {
  LARGE_VALUE_REPORT_HEADER,
  type LargeValueReportRow,
  largeValueReport,
  largeValueReportToCsv,
  SUSPICIOUS_TRANSACTION_REPORT_HEADER,
  type SuspiciousTransactionReportRow,
  suspiciousTransactionReport,
  suspiciousTransactionReportToCsv,
} from './regulator-reports.ts';
export {
  type AmlDetectorStats,
  AmlScanError,
  type AmlScanErrorCode,
  type AmlScanResult,
  type AmlScanStats,
  resolveOrThrow,
  scanTransferBatches,
  scanTransferGraph,
  scanTransfers,
} from './scan-transfers.ts';
export { PATTERN_SPECIFICITY, PATTERNS_SHARING_TRANSFERS } from './suppress-covered-alerts.ts';
export {
  type AddTransferRefusal,
  type AddTransferStatus,
  type CreateTransferGraphResult,
  createTransferGraph,
  GRAPH_AMOUNT_MINOR_MAX,
  GRAPH_TRANSFERS_MAX,
  isAddTransferRefusal,
  type TransferGraph,
  TransferGraphBuilder,
} from './transfer-graph.ts';
