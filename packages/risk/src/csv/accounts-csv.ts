/**
 * The account file (`account_id,kind,region,opened_at,mcc,merchant_id`): who the accounts of a
 * `transfers.csv` are. `region` is an ISO 3166-2 code, `opened_at` an ISO-8601 timestamp; banks
 * have neither, and only merchants have `mcc` and `merchant_id`.
 */
import { quoteForMessage } from './csv-error.ts';
import { oneOf, optionalMcc, optionalText, optionalTimestamp, requiredText, rowError } from './csv-fields.ts';
import { type CsvFormat, type CsvReadOptions, type CsvSource, loadCsv } from './csv-reader.ts';
import { CsvRecordWriter, type CsvTarget, csvField } from './csv-writer.ts';
import { msToIsoTimestamp } from './iso-timestamp.ts';

export const ACCOUNTS_CSV_HEADER = ['account_id', 'kind', 'region', 'opened_at', 'mcc', 'merchant_id'] as const;

export const ACCOUNT_KINDS = ['user', 'merchant', 'bank'] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

export interface AccountRecord {
  readonly accountId: string;
  readonly kind: AccountKind;
  readonly region: string | null;
  readonly openedAtMs: number | null;
  readonly mcc: string | null;
  readonly merchantId: string | null;
}

export function accountFromCsvFields(fields: readonly string[], line: number): AccountRecord {
  const [id, kind, region, openedAt, mcc, merchantId] = fields as readonly [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const accountId = requiredText(id, line, 'account_id');
  const accountKind = oneOf(kind, ACCOUNT_KINDS, line, 'kind');
  const regionValue = optionalText(region, line, 'region');
  const openedAtMs = optionalTimestamp(openedAt, line, 'opened_at');
  const mccValue = optionalMcc(mcc, line, 'mcc');
  const merchantIdValue = optionalText(merchantId, line, 'merchant_id');
  if (accountKind !== 'merchant' && mccValue !== null) {
    throw rowError(
      line,
      'mcc',
      `${quoteForMessage(mcc)} is given for a ${accountKind} account; only merchants have one`,
    );
  }
  if (accountKind !== 'merchant' && merchantIdValue !== null) {
    throw rowError(line, 'merchant_id', `${quoteForMessage(merchantId)} is given for a ${accountKind} account`);
  }
  return {
    accountId,
    kind: accountKind,
    region: regionValue,
    openedAtMs,
    mcc: mccValue,
    merchantId: merchantIdValue,
  };
}

export function accountToCsvLine(account: AccountRecord): string {
  const openedAt = account.openedAtMs === null ? '' : msToIsoTimestamp(account.openedAtMs);
  return `${csvField(account.accountId)},${account.kind},${csvField(account.region ?? '')},${openedAt},${
    account.mcc ?? ''
  },${csvField(account.merchantId ?? '')}`;
}

export const ACCOUNTS_CSV_FORMAT: CsvFormat<AccountRecord> = {
  header: ACCOUNTS_CSV_HEADER,
  parse: accountFromCsvFields,
  key: (account) => account.accountId,
};

export function loadAccountsCsv(source: CsvSource, options: CsvReadOptions = {}): Promise<AccountRecord[]> {
  return loadCsv(source, ACCOUNTS_CSV_FORMAT, { checkDuplicateIds: true, ...options });
}

export function createAccountsCsvWriter(target: CsvTarget): CsvRecordWriter<AccountRecord> {
  return new CsvRecordWriter(target, ACCOUNTS_CSV_HEADER, accountToCsvLine);
}
