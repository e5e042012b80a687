// Goal: the import format reads exactly what it documents and refuses the rest with an error
// naming line and column; nothing is returned from a bad file; writing then reading gives the
// same records, however the bytes arrive. Method: tables of rows, real temp files, and fast-check
// properties over records and over chunk boundaries.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CHANNELS, CURRENCY_DECIMALS, TRANSFER_CSV_HEADER, type TransferRecord } from '../transfer-record.ts';
import { CsvFormatError } from './csv-error.ts';
import {
  createTransferCsvWriter,
  loadTransfersCsv,
  readTransferBatches,
  readTransfersCsv,
  transferFromCsvFields,
  transferToCsvLine,
  validateTransfersCsv,
} from './transfer-csv.ts';

const dir = mkdtempSync(join(tmpdir(), 'paychain-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function file(text: string): string {
  const path = join(dir, `f${files++}.csv`);
  writeFileSync(path, text);
  return path;
}

const HEADER = TRANSFER_CSV_HEADER.join(',');
const GOOD = 'T1,2026-01-01T10:00:00Z,U1,M1,12.34,CNY,qr,5411,MCH1,D1,CN-BJ,39.9042,116.4074';
const GOOD_RECORD: TransferRecord = {
  id: 'T1',
  timestampMs: Date.UTC(2026, 0, 1, 10),
  fromAccount: 'U1',
  toAccount: 'M1',
  amount: 1234n,
  currency: 'CNY',
  channel: 'qr',
  mcc: '5411',
  merchantId: 'MCH1',
  deviceId: 'D1',
  ipRegion: 'CN-BJ',
  lat: 39.9042,
  lon: 116.4074,
};

/** GOOD with column `name` replaced by `value`. */
function row(name: (typeof TRANSFER_CSV_HEADER)[number], value: string): string {
  const fields = GOOD.split(',');
  fields[TRANSFER_CSV_HEADER.indexOf(name)] = value;
  return fields.join(',');
}

async function readAll(text: string): Promise<TransferRecord[]> {
  return loadTransfersCsv(Readable.from([text]));
}

describe('transferFromCsvFields: valid rows', () => {
  it.each<[string, string, Partial<TransferRecord>]>([
    ['the full example', GOOD, {}],
    ['a zone offset', row('timestamp', '2026-01-01T18:00:00+08:00'), {}],
    ['a compact offset', row('timestamp', '2026-01-01T05:30:00-0430'), {}],
    ['minutes only', row('timestamp', '2026-01-01T10:00Z'), {}],
    [
      'milliseconds',
      row('timestamp', '2026-01-01T10:00:00.250Z'),
      { timestampMs: Date.UTC(2026, 0, 1, 10, 0, 0, 250) },
    ],
    [
      'microseconds, dropped',
      row('timestamp', '2026-01-01T10:00:00.250999Z'),
      { timestampMs: Date.UTC(2026, 0, 1, 10, 0, 0, 250) },
    ],
    ['a leap day', row('timestamp', '2028-02-29T00:00:00Z'), { timestampMs: Date.UTC(2028, 1, 29) }],
    ['a whole amount', row('amount', '12'), { amount: 1200n }],
    ['one decimal', row('amount', '0.5'), { amount: 50n }],
    ['the smallest amount', row('amount', '0.01'), { amount: 1n }],
    ['yen without decimals', row('currency', 'JPY').replace('12.34', '1234'), { currency: 'JPY', amount: 1234n }],
    [
      'empty optional fields',
      'T1,2026-01-01T10:00:00Z,U1,U2,5.00,CNY,transfer,,,,,,',
      {
        toAccount: 'U2',
        amount: 500n,
        channel: 'transfer',
        mcc: null,
        merchantId: null,
        deviceId: null,
        ipRegion: null,
        lat: null,
        lon: null,
      },
    ],
    ['-0 as 0', row('lat', '-0'), { lat: 0 }],
    ['range edges', row('lat', '-90').replace('116.4074', '180'), { lat: -90, lon: 180 }],
  ])('reads %s', (_, text, patch) => {
    expect(transferFromCsvFields(text.split(','), 2)).toEqual({ ...GOOD_RECORD, ...patch });
  });

  it.each(CHANNELS.map((channel) => ({ channel })))('reads channel $channel', ({ channel }) => {
    expect(transferFromCsvFields(row('channel', channel).split(','), 2).channel).toBe(channel);
  });
});

describe('transferFromCsvFields: invalid rows, in the order they are checked', () => {
  const hint = 'use ISO-8601 UTC such as 2026-01-01T10:00:00Z';
  it.each<[string, string, string, string]>([
    ['an empty id', row('id', ''), 'id', 'line 7, column id: is empty'],
    ['an id with a space at the end', row('id', 'T1 '), 'id', '"T1 " has spaces at an end or control characters'],
    ['an id too long', row('id', 'T'.repeat(129)), 'id', 'is longer than 128 characters'],
    [
      'a timestamp without a zone',
      row('timestamp', '2026-01-01 10:00:00'),
      'timestamp',
      `line 7, column timestamp: "2026-01-01 10:00:00" has no time zone; ${hint}`,
    ],
    ['a date without a zone', row('timestamp', '2026-01-01'), 'timestamp', 'has no time zone'],
    ['a T time without a zone', row('timestamp', '2026-01-01T10:00:00'), 'timestamp', 'has no time zone'],
    ['February 30th', row('timestamp', '2026-02-30T10:00:00Z'), 'timestamp', 'is not a real date and time'],
    ['hour 24', row('timestamp', '2026-01-01T24:00:00Z'), 'timestamp', 'is not a real date and time'],
    ['a 1900s leap day', row('timestamp', '1900-02-29T00:00:00Z'), 'timestamp', 'is not a real date and time'],
    ['epoch milliseconds', row('timestamp', '1767261600000'), 'timestamp', 'is not an ISO-8601 timestamp'],
    ['an empty timestamp', row('timestamp', ''), 'timestamp', 'is empty'],
    ['an empty payer', row('from_account', ''), 'from_account', 'is empty'],
    ['an empty payee', row('to_account', ''), 'to_account', 'is empty'],
    [
      'an unknown currency (before the amount)',
      row('currency', 'XBT').replace('12.34', 'x'),
      'currency',
      '"XBT" is not a known currency; use one of CNY',
    ],
    ['a lower-case currency', row('currency', 'cny'), 'currency', 'is not a known currency'],
    ['an exponent', row('amount', '1e5'), 'amount', '"1e5" is not a plain decimal amount'],
    ['a sign', row('amount', '-12.34'), 'amount', 'is not a plain decimal amount'],
    ['a thousands separator', row('amount', '1 234.00'), 'amount', 'is not a plain decimal amount'],
    ['a leading zero', row('amount', '012.34'), 'amount', 'is not a plain decimal amount'],
    ['a bare point', row('amount', '12.'), 'amount', 'is not a plain decimal amount'],
    ['three decimals for CNY', row('amount', '12.345'), 'amount', '"12.345" has 3 decimal places; CNY has 2'],
    ['decimals for JPY', row('currency', 'JPY'), 'amount', '"12.34" has 2 decimal places; JPY has 0'],
    ['zero', row('amount', '0.00'), 'amount', '"0.00" is not above zero'],
    ['more than 2^63 - 1 fen', row('amount', '92233720368547758.08'), 'amount', 'is above the largest amount'],
    ['an unknown channel', row('channel', 'card'), 'channel', '"card" is not a channel; use one of qr, pay_code'],
    ['a 3-digit MCC', row('mcc', '541'), 'mcc', '"541" is not a 4-digit merchant category code'],
    ['a device id with a tab', row('device_id', 'D\t1'), 'device_id', 'has spaces at an end or control characters'],
    ['a latitude out of range', row('lat', '90.5'), 'lat', '"90.5" is out of range (-90 to 90)'],
    ['a latitude with an exponent', row('lat', '3e1'), 'lat', 'is not a plain decimal number'],
    ['a longitude out of range', row('lon', '-180.01'), 'lon', 'is out of range (-180 to 180)'],
    ['a latitude without longitude', row('lon', ''), 'lon', 'is empty but lat is given; give both or neither'],
    ['a longitude without latitude', row('lat', ''), 'lat', 'is empty but lon is given; give both or neither'],
  ])('refuses %s', (_, text, column, message) => {
    let error: unknown;
    try {
      transferFromCsvFields(text.split(','), 7);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CsvFormatError);
    expect(error).toMatchObject({ code: 'csv_row', line: 7, column });
    expect((error as Error).message).toContain(message);
  });
});

describe('readTransferBatches: files', () => {
  it.each<[string, string, object]>([
    ['an empty file', '', { code: 'csv_header', line: 1, message: expect.stringContaining('the file is empty') }],
    [
      'another header',
      'id,time\n',
      { code: 'csv_header', line: 1, message: expect.stringContaining('header column 2 is "time", not "timestamp"') },
    ],
    ['a header with a column too many', `${HEADER},note\n`, { code: 'csv_header', line: 1 }],
    ['a header with a column too few', `${HEADER.replace(',lon', '')}\n${GOOD}\n`, { code: 'csv_header', line: 1 }],
    [
      'a row with a field too few',
      `${HEADER}\n${GOOD}\n${GOOD.replace(',116.4074', '')}\n`,
      { code: 'csv_row', line: 3, column: null, message: 'line 3: has 12 fields; expected 13' },
    ],
    [
      'an empty line between rows',
      `${HEADER}\n${GOOD}\n\n${row('id', 'T2')}\n`,
      { code: 'csv_row', line: 3, message: 'line 3: is empty' },
    ],
    [
      'an unclosed quote at the end',
      `${HEADER}\n"T1,2026`,
      { code: 'csv_row', line: 2, message: 'line 2: a quoted field is not closed' },
    ],
    [
      'a stray quote inside a field',
      `${HEADER}\nT"1${GOOD.slice(2)}\n`,
      { code: 'csv_row', line: 2, message: expect.stringContaining('must be enclosed in double quotes') },
    ],
    ['text after a closing quote', `${HEADER}\n"T1"x${GOOD.slice(2)}\n`, { code: 'csv_row', line: 2 }],
    [
      'a duplicate id',
      `${HEADER}\n${GOOD}\n${row('id', 'T2')}\n${GOOD}\n`,
      {
        code: 'csv_duplicate_id',
        line: 4,
        column: 'id',
        message: 'line 4, column id: "T1" was already used on line 2',
      },
    ],
  ])('refuses %s', async (_, text, expected) => {
    await expect(readAll(text)).rejects.toMatchObject(expected);
  });

  it.each<[string, string]>([
    ['CRLF line ends', `${HEADER}\r\n${GOOD}\r\n`],
    ['a byte order mark', `\ufeff${HEADER}\n${GOOD}\n`],
    ['no final line break', `${HEADER}\n${GOOD}`],
    ['empty lines at the end', `${HEADER}\n${GOOD}\n\n\r\n`],
    [
      'quoted fields',
      `${HEADER}\n"T1","2026-01-01T10:00:00Z",U1,"M1",12.34,CNY,qr,5411,"MCH1",D1,CN-BJ,39.9042,116.4074\n`,
    ],
  ])('accepts %s', async (_, text) => {
    expect(await readAll(text)).toEqual([GOOD_RECORD]);
  });

  it('reads quoted commas and quotes, and refuses a line break inside an id', async () => {
    const records = await readAll(`${HEADER}\n${row('id', '"a,""b"""')}\n${row('id', 'c')}\n`);
    expect(records.map((r) => r.id)).toEqual(['a,"b"', 'c']);
    await expect(readAll(`${HEADER}\n${GOOD}\n${row('id', '"c\nd"')}\n`)).rejects.toMatchObject({
      line: 3,
      column: 'id',
    });
  });

  it('names the line of the first bad row of a large file and returns nothing from it', async () => {
    const lines = [HEADER];
    for (let i = 1; i <= 30_000; i += 1) lines.push(row('id', `T${i}`));
    lines[25_000] = row('id', 'T25000').replace('2026-01-01T10:00:00Z', '2026-01-01 10:00:00');
    const path = file(`${lines.join('\n')}\n`);
    await expect(loadTransfersCsv(path)).rejects.toMatchObject({ code: 'csv_row', line: 25_001, column: 'timestamp' });
    await expect(validateTransfersCsv(path)).rejects.toMatchObject({ line: 25_001 });
    // A streaming reader has passed on the rows before the bad one: why consumers validate first.
    let streamed = 0;
    await expect(
      (async () => {
        for await (const batch of readTransferBatches(path, 1000)) streamed += batch.length;
      })(),
    ).rejects.toMatchObject({ line: 25_001 });
    expect(streamed).toBe(24_000);
  });

  it('batches as asked, and checks duplicates when streaming only on request', async () => {
    const lines = [HEADER, ...Array.from({ length: 2500 }, (_, i) => row('id', `T${i % 2000}`))];
    const path = file(`${lines.join('\n')}\n`);
    const sizes: number[] = [];
    for await (const batch of readTransferBatches(path, 1000)) sizes.push(batch.length);
    expect(sizes).toEqual([1000, 1000, 500]);
    await expect(validateTransfersCsv(path)).rejects.toMatchObject({ code: 'csv_duplicate_id', line: 2002 });
    expect(await validateTransfersCsv(path, { checkDuplicateIds: false })).toEqual({ rows: 2500 });
    let count = 0;
    for await (const record of readTransfersCsv(path)) if (record.id === 'T0') count += 1;
    expect(count).toBe(2);
  });

  it('refuses a line longer than the record limit instead of buffering it', async () => {
    const text = `${HEADER}\n${'x'.repeat(70_000)}`;
    await expect(readAll(text)).rejects.toMatchObject({
      code: 'csv_row',
      line: 2,
      message: expect.stringContaining('longer than'),
    });
  });
});

const recordArbitrary: fc.Arbitrary<TransferRecord> = fc
  .record({
    id: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ,"_-]{0,20}[A-Za-z0-9]$/),
    timestampMs: fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }),
    fromAccount: fc.stringMatching(/^[A-Z][0-9]{1,8}$/),
    toAccount: fc
      .string({ minLength: 1, maxLength: 12, unit: 'grapheme' })
      .filter((s) => s.trim() === s && !/\p{Cc}/u.test(s)),
    currency: fc.constantFrom(...Object.keys(CURRENCY_DECIMALS)),
    amount: fc.bigInt({ min: 1n, max: (1n << 63n) - 1n }),
    channel: fc.constantFrom(...CHANNELS),
    mcc: fc.option(fc.stringMatching(/^[0-9]{4}$/)),
    merchantId: fc.option(fc.stringMatching(/^MCH[0-9]{1,6}$/)),
    deviceId: fc.option(fc.stringMatching(/^D[0-9a-f]{8}$/)),
    ipRegion: fc.option(fc.constantFrom('CN-BJ', 'CN-SH', 'HK', 'ZZ-XX')),
    location: fc.option(
      fc.tuple(fc.integer({ min: -90_000_000, max: 90_000_000 }), fc.integer({ min: -180_000_000, max: 180_000_000 })),
    ),
  })
  .map(({ location, ...rest }) => ({
    ...rest,
    lat: location === null ? null : location[0] / 1e6,
    lon: location === null ? null : location[1] / 1e6,
  }));

describe('round trip', () => {
  it('reads back every record it writes (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(recordArbitrary, { maxLength: 30 }), async (records) => {
        const text = `${HEADER}\n${records.map((r) => `${transferToCsvLine(r)}\n`).join('')}`;
        const unique = records.map((r, i) => ({ ...r, id: `${i}-${r.id}` }));
        const uniqueText = `${HEADER}\n${unique.map((r) => `${transferToCsvLine(r)}\n`).join('')}`;
        expect(await readAll(uniqueText)).toEqual(unique);
        expect(await validateTransfersCsv(Readable.from([text]), { checkDuplicateIds: false })).toEqual({
          rows: records.length,
        });
      }),
      { numRuns: 200 },
    );
  });

  it('reads the same records however the bytes are cut into chunks (fast-check)', async () => {
    const records = fc.sample(recordArbitrary, { numRuns: 12, seed: 7 }).map((r, i) => ({ ...r, id: `${i}-${r.id}` }));
    const bytes = Buffer.from(`\ufeff${HEADER}\r\n${records.map((r) => `${transferToCsvLine(r)}\r\n`).join('')}`);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }),
        async (cuts) => {
          const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
          const chunks = points.slice(1).map((end, i) => bytes.subarray(points[i], end));
          expect(await loadTransfersCsv(Readable.from(chunks))).toEqual(records);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('writes a file with backpressure and renames it into place only on close', async () => {
    const path = join(dir, 'written.csv');
    const writer = createTransferCsvWriter(path);
    const records = Array.from({ length: 40_000 }, (_, i) => ({ ...GOOD_RECORD, id: `T${i}`, amount: BigInt(i + 1) }));
    for (const record of records.slice(0, 20_000)) await writer.write(record);
    await writer.writeBatch(records.slice(20_000));
    expect(readdirSync(dir)).toContain('written.csv.partial');
    expect(readdirSync(dir)).not.toContain('written.csv');
    await writer.close();
    expect(readdirSync(dir)).not.toContain('written.csv.partial');
    expect(writer.rows).toBe(40_000);
    expect(await loadTransfersCsv(path)).toEqual(records);
    expect(readFileSync(path, 'utf8').split('\n')[1]).toBe(
      'T0,2026-01-01T10:00:00.000Z,U1,M1,0.01,CNY,qr,5411,MCH1,D1,CN-BJ,39.9042,116.4074',
    );
  });

  it('leaves nothing behind when a write is aborted', async () => {
    const path = join(dir, 'aborted.csv');
    const writer = createTransferCsvWriter(path);
    await writer.write(GOOD_RECORD);
    await writer.abort();
    expect(readdirSync(dir).filter((name) => name.startsWith('aborted'))).toEqual([]);
  });
});
