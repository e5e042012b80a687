/**
 * The pattern-instance file (`instance_id,pattern,accounts,transaction_ids`): one row per
 * injected instance, lists separated by single spaces. `accounts` starts with the instance's
 * central account (source, hub, mule, victim) and leaves out bank accounts; `transaction_ids`
 * are exactly the transactions labelled with this instance, in time order.
 */
import { assert } from '@paychain/core';
import type { LabelPattern } from '../transfer-record.ts';
import { quoteForMessage } from './csv-error.ts';
import { requiredText, rowError, textList } from './csv-fields.ts';
import { type CsvFormat, type CsvReadOptions, type CsvSource, loadCsv } from './csv-reader.ts';
import { CsvRecordWriter, type CsvTarget } from './csv-writer.ts';
import { isLabelPattern, LABEL_PATTERNS } from './labels-csv.ts';

export const PATTERNS_CSV_HEADER = ['instance_id', 'pattern', 'accounts', 'transaction_ids'] as const;

export interface PatternInstance {
  readonly instanceId: string;
  readonly pattern: LabelPattern;
  readonly accounts: readonly string[];
  readonly transactionIds: readonly string[];
}

export function patternInstanceFromCsvFields(fields: readonly string[], line: number): PatternInstance {
  const [id, pattern, accounts, transactionIds] = fields as readonly [string, string, string, string];
  const instanceId = requiredText(id, line, 'instance_id');
  if (!isLabelPattern(pattern)) {
    throw rowError(
      line,
      'pattern',
      `${quoteForMessage(pattern)} is not a pattern; use one of ${LABEL_PATTERNS.join(', ')}`,
    );
  }
  return {
    instanceId,
    pattern,
    accounts: textList(accounts, line, 'accounts'),
    transactionIds: textList(transactionIds, line, 'transaction_ids'),
  };
}

function list(items: readonly string[]): string {
  assert(items.length > 0, 'an instance has accounts and transactions');
  for (const item of items) assert(item.length > 0 && !/[\s,"]/.test(item), `list item ${item} needs no quoting`);
  return items.join(' ');
}

export function patternInstanceToCsvLine(instance: PatternInstance): string {
  return `${list([instance.instanceId])},${instance.pattern},${list(instance.accounts)},${list(instance.transactionIds)}`;
}

export const PATTERNS_CSV_FORMAT: CsvFormat<PatternInstance> = {
  header: PATTERNS_CSV_HEADER,
  parse: patternInstanceFromCsvFields,
  key: (instance) => instance.instanceId,
};

export function loadPatternsCsv(source: CsvSource, options: CsvReadOptions = {}): Promise<PatternInstance[]> {
  return loadCsv(source, PATTERNS_CSV_FORMAT, { checkDuplicateIds: true, ...options });
}

export function createPatternsCsvWriter(target: CsvTarget): CsvRecordWriter<PatternInstance> {
  return new CsvRecordWriter(target, PATTERNS_CSV_HEADER, patternInstanceToCsvLine);
}
