export {
  ACCOUNT_KINDS,
  ACCOUNTS_CSV_FORMAT,
  ACCOUNTS_CSV_HEADER,
  type AccountKind,
  type AccountRecord,
  accountFromCsvFields,
  accountToCsvLine,
  createAccountsCsvWriter,
  loadAccountsCsv,
} from './accounts-csv.ts';
export { type CsvErrorCode, CsvFormatError } from './csv-error.ts';
export {
  CSV_BATCH_ROWS_DEFAULT,
  CSV_RECORD_CHARS_MAX,
  type CsvFormat,
  type CsvReadOptions,
  type CsvSource,
  loadCsv,
  readCsvBatches,
  validateCsv,
} from './csv-reader.ts';
export { CsvRecordWriter, type CsvTarget, csvField } from './csv-writer.ts';
export { isoTimestampToMs, msToIsoTimestamp } from './iso-timestamp.ts';
export {
  createLabelsCsvWriter,
  isLabelPattern,
  LABEL_PATTERNS,
  LABELS_CSV_FORMAT,
  LABELS_CSV_HEADER,
  labelFromCsvFields,
  labelToCsvLine,
  loadLabelsCsv,
  readLabelBatches,
} from './labels-csv.ts';
export {
  createPatternsCsvWriter,
  loadPatternsCsv,
  PATTERNS_CSV_FORMAT,
  PATTERNS_CSV_HEADER,
  type PatternInstance,
  patternInstanceFromCsvFields,
  patternInstanceToCsvLine,
} from './patterns-csv.ts';
export {
  createTransferCsvWriter,
  decimalToMinor,
  loadTransfersCsv,
  readTransferBatches,
  readTransfersCsv,
  TRANSFER_CSV_FORMAT,
  type TransferCsvWriter,
  transferFromCsvFields,
  transferToCsvLine,
  validateTransfersCsv,
} from './transfer-csv.ts';
