// Goal: the labels, patterns and accounts files read what the generator writes and refuse
// malformed rows naming line and column. Method: tables of rows and fast-check round trips.
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TransferLabel } from '../transfer-record.ts';
import {
  ACCOUNT_KINDS,
  ACCOUNTS_CSV_HEADER,
  type AccountRecord,
  accountToCsvLine,
  loadAccountsCsv,
} from './accounts-csv.ts';
import { LABEL_PATTERNS, LABELS_CSV_HEADER, labelToCsvLine, loadLabelsCsv } from './labels-csv.ts';
import {
  loadPatternsCsv,
  PATTERNS_CSV_HEADER,
  type PatternInstance,
  patternInstanceToCsvLine,
} from './patterns-csv.ts';

const text = (header: readonly string[], rows: readonly string[]) =>
  Readable.from([`${header.join(',')}\n${rows.map((r) => `${r}\n`).join('')}`]);

describe('labels.csv', () => {
  it.each<[string, TransferLabel]>([
    ['T1,0,', { id: 'T1', isIllicit: false, pattern: null }],
    ['T1,1,fan_out', { id: 'T1', isIllicit: true, pattern: 'fan_out' }],
    ['T1,true,card_testing', { id: 'T1', isIllicit: true, pattern: 'card_testing' }],
    ['T1,false,', { id: 'T1', isIllicit: false, pattern: null }],
    ['T1,1,unpatterned', { id: 'T1', isIllicit: true, pattern: 'unpatterned' }],
    ['T1,1,', { id: 'T1', isIllicit: true, pattern: null }],
  ])('reads %s', async (row, label) => {
    expect(await loadLabelsCsv(text(LABELS_CSV_HEADER, [row]))).toEqual([label]);
  });

  it.each<[string, string, string]>([
    [',1,fan_out', 'id', 'is empty'],
    ['T1,yes,', 'is_illicit', '"yes" is not 0, 1, true or false'],
    ['T1,0,fan_out', 'pattern', '"fan_out" is given for a licit transaction'],
    ['T1,1,laundering', 'pattern', '"laundering" is not a pattern; use one of fan_out'],
  ])('refuses %s', async (row, column, message) => {
    await expect(loadLabelsCsv(text(LABELS_CSV_HEADER, ['T0,0,', row]))).rejects.toMatchObject({
      code: 'csv_row',
      line: 3,
      column,
      message: expect.stringContaining(message),
    });
  });

  it('refuses a duplicate id and a wrong header', async () => {
    await expect(loadLabelsCsv(text(LABELS_CSV_HEADER, ['T1,0,', 'T1,1,']))).rejects.toMatchObject({
      code: 'csv_duplicate_id',
    });
    await expect(loadLabelsCsv(text(['id', 'illicit', 'pattern'], []))).rejects.toMatchObject({ code: 'csv_header' });
  });

  it('reads back what it writes (fast-check)', async () => {
    const label = fc.oneof(
      fc.record({ id: fc.stringMatching(/^T[0-9]{1,9}$/), isIllicit: fc.constant(false), pattern: fc.constant(null) }),
      fc.record({
        id: fc.stringMatching(/^T[0-9]{1,9}$/),
        isIllicit: fc.constant(true),
        pattern: fc.constantFrom(...LABEL_PATTERNS),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(label, { selector: (l) => l.id, maxLength: 20 }), async (labels) => {
        expect(await loadLabelsCsv(text(LABELS_CSV_HEADER, labels.map(labelToCsvLine)))).toEqual(labels);
      }),
    );
  });
});

describe('patterns.csv', () => {
  const instance: PatternInstance = {
    instanceId: 'I1',
    pattern: 'cycle',
    accounts: ['U1', 'U2'],
    transactionIds: ['T1', 'T2'],
  };

  it('reads back what it writes', async () => {
    expect(patternInstanceToCsvLine(instance)).toBe('I1,cycle,U1 U2,T1 T2');
    expect(await loadPatternsCsv(text(PATTERNS_CSV_HEADER, [patternInstanceToCsvLine(instance)]))).toEqual([instance]);
  });

  it.each<[string, string]>([
    ['I1,loop,U1,T1', 'pattern'],
    ['I1,cycle,,T1', 'accounts'],
    ['I1,cycle,U1  U2,T1', 'accounts'],
    ['I1,cycle,U1,', 'transaction_ids'],
  ])('refuses %s', async (row, column) => {
    await expect(loadPatternsCsv(text(PATTERNS_CSV_HEADER, [row]))).rejects.toMatchObject({ line: 2, column });
  });
});

describe('accounts.csv', () => {
  const accounts: AccountRecord[] = [
    {
      accountId: 'U0000001',
      kind: 'user',
      region: 'CN-BJ',
      openedAtMs: Date.UTC(2025, 5, 1, 8),
      mcc: null,
      merchantId: null,
    },
    {
      accountId: 'M000001',
      kind: 'merchant',
      region: 'CN-SH',
      openedAtMs: Date.UTC(2024, 0, 1),
      mcc: '0763',
      merchantId: 'MCH000001',
    },
    { accountId: 'BANK-ICBC', kind: 'bank', region: null, openedAtMs: null, mcc: null, merchantId: null },
  ];

  it('reads back what it writes', async () => {
    expect(accounts.map(accountToCsvLine)).toEqual([
      'U0000001,user,CN-BJ,2025-06-01T08:00:00.000Z,,',
      'M000001,merchant,CN-SH,2024-01-01T00:00:00.000Z,0763,MCH000001',
      'BANK-ICBC,bank,,,,',
    ]);
    expect(await loadAccountsCsv(text(ACCOUNTS_CSV_HEADER, accounts.map(accountToCsvLine)))).toEqual(accounts);
    expect(ACCOUNT_KINDS).toEqual(['user', 'merchant', 'bank']);
  });

  it.each<[string, string]>([
    ['U1,person,CN-BJ,,,', 'kind'],
    ['U1,user,CN-BJ,2025-06-01 08:00,,', 'opened_at'],
    ['U1,user,CN-BJ,,5411,', 'mcc'],
    ['U1,user,CN-BJ,,,MCH1', 'merchant_id'],
    ['M1,merchant,CN-BJ,,54111,MCH1', 'mcc'],
  ])('refuses %s', async (row, column) => {
    await expect(loadAccountsCsv(text(ACCOUNTS_CSV_HEADER, [row]))).rejects.toMatchObject({ line: 2, column });
  });
});
