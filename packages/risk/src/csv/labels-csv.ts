/**
 * The labels file (`id,is_illicit,pattern`): one row per transaction of a `transfers.csv`.
 * `is_illicit` is 0 or 1 (true and false are read too); `pattern` is empty for a licit row and,
 * for an illicit one, a pattern name or empty when the source only knows that it is illicit.
 */
import {
  FRAUD_PATTERNS,
  LAUNDERING_PATTERNS,
  type LabelPattern,
  type TransferLabel,
  UNPATTERNED,
} from '../transfer-record.ts';
import { quoteForMessage } from './csv-error.ts';
import { requiredText, rowError } from './csv-fields.ts';
import { type CsvFormat, type CsvReadOptions, type CsvSource, loadCsv, readCsvBatches } from './csv-reader.ts';
import { CsvRecordWriter, type CsvTarget, csvField } from './csv-writer.ts';

export const LABELS_CSV_HEADER = ['id', 'is_illicit', 'pattern'] as const;

/** Every pattern a label can name: laundering, fraud, then `unpatterned`. */
export const LABEL_PATTERNS: readonly LabelPattern[] = [...LAUNDERING_PATTERNS, ...FRAUD_PATTERNS, UNPATTERNED];

export function isLabelPattern(value: string): value is LabelPattern {
  return (LABEL_PATTERNS as readonly string[]).includes(value);
}

export function labelFromCsvFields(fields: readonly string[], line: number): TransferLabel {
  const [id, illicit, pattern] = fields as readonly [string, string, string];
  const labelId = requiredText(id, line, 'id');
  let isIllicit: boolean;
  if (illicit === '1' || illicit === 'true') isIllicit = true;
  else if (illicit === '0' || illicit === 'false') isIllicit = false;
  else throw rowError(line, 'is_illicit', `${quoteForMessage(illicit)} is not 0, 1, true or false`);
  if (pattern === '') return { id: labelId, isIllicit, pattern: null };
  if (!isIllicit) throw rowError(line, 'pattern', `${quoteForMessage(pattern)} is given for a licit transaction`);
  if (!isLabelPattern(pattern)) {
    throw rowError(
      line,
      'pattern',
      `${quoteForMessage(pattern)} is not a pattern; use one of ${LABEL_PATTERNS.join(', ')}`,
    );
  }
  return { id: labelId, isIllicit, pattern };
}

export function labelToCsvLine(label: TransferLabel): string {
  return `${csvField(label.id)},${label.isIllicit ? '1' : '0'},${label.pattern ?? ''}`;
}

export const LABELS_CSV_FORMAT: CsvFormat<TransferLabel> = {
  header: LABELS_CSV_HEADER,
  parse: labelFromCsvFields,
  key: (label) => label.id,
};

export function readLabelBatches(
  source: CsvSource,
  batchRows?: number,
  options: CsvReadOptions = {},
): AsyncGenerator<TransferLabel[]> {
  return readCsvBatches(source, LABELS_CSV_FORMAT, batchRows, options);
}

/** Every label, duplicate ids refused, or the first error and nothing. */
export function loadLabelsCsv(source: CsvSource, options: CsvReadOptions = {}): Promise<TransferLabel[]> {
  return loadCsv(source, LABELS_CSV_FORMAT, { checkDuplicateIds: true, ...options });
}

export function createLabelsCsvWriter(target: CsvTarget): CsvRecordWriter<TransferLabel> {
  return new CsvRecordWriter(target, LABELS_CSV_HEADER, labelToCsvLine);
}
