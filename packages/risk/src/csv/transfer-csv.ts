/**
 * The import format (`transfers.csv`): one payment per row, header `TRANSFER_CSV_HEADER`,
 * ISO-8601 timestamps with a zone, amounts as decimal strings in the currency's units, empty
 * fields where a value does not apply. Reading is strict, row by row: the first bad field stops
 * it with a `CsvFormatError` naming line and column. Checks run in column order, except that the
 * currency is checked before the amount, whose decimals it sets.
 *
 * Nothing half-loaded: `loadTransfersCsv` returns rows only from a file that is valid to the end.
 * A consumer that streams rows elsewhere (`readTransferBatches`) must first run
 * `validateTransfersCsv` over the file, or stage what it writes and drop it on error.
 */
import { AMOUNT_MAX, assert, formatAmount } from '@paychain/core';
import {
  CHANNELS,
  CURRENCY_DECIMALS,
  isChannel,
  TRANSFER_CSV_HEADER,
  type TransferRecord,
} from '../transfer-record.ts';
import { quoteForMessage } from './csv-error.ts';
import { optionalMcc, optionalText, requiredText, requiredTimestamp, rowError } from './csv-fields.ts';
import {
  CSV_BATCH_ROWS_DEFAULT,
  type CsvFormat,
  type CsvReadOptions,
  type CsvSource,
  loadCsv,
  readCsvBatches,
  validateCsv,
} from './csv-reader.ts';
import { CsvRecordWriter, type CsvTarget, csvField } from './csv-writer.ts';
import { msToIsoTimestamp } from './iso-timestamp.ts';

const AMOUNT = /^(0|[1-9][0-9]{0,19})(?:\.([0-9]{1,20}))?$/;
const COORDINATE = /^-?(?:0|[1-9][0-9]{0,2})(?:\.[0-9]{1,15})?$/;

/** Decimals written for a latitude or longitude: 0.000001° is about 0.1 m. */
export const COORDINATE_DECIMALS = 6;

function currencyDecimals(currency: string): number | undefined {
  return Object.hasOwn(CURRENCY_DECIMALS, currency) ? CURRENCY_DECIMALS[currency] : undefined;
}

/** Minor units of a plain decimal string, or null when it is not one with at most `decimals` places. */
export function decimalToMinor(text: string, decimals: number): bigint | null {
  const m = AMOUNT.exec(text);
  if (m === null) return null;
  const fraction = m[2] ?? '';
  if (fraction.length > decimals) return null;
  const value = BigInt((m[1] ?? '0') + fraction.padEnd(decimals, '0'));
  return value > AMOUNT_MAX ? null : value;
}

function amountProblem(text: string, currency: string, decimals: number): string {
  const m = AMOUNT.exec(text);
  if (m === null) {
    return `${quoteForMessage(text)} is not a plain decimal amount such as 12.34 (no sign, exponent, spaces or separators)`;
  }
  const places = (m[2] ?? '').length;
  if (places > decimals) return `${quoteForMessage(text)} has ${places} decimal places; ${currency} has ${decimals}`;
  return `${quoteForMessage(text)} is above the largest amount`;
}

function coordinate(text: string, limit: number, line: number, column: string): number | null {
  if (text.length === 0) return null;
  if (!COORDINATE.test(text)) throw rowError(line, column, `${quoteForMessage(text)} is not a plain decimal number`);
  const value = Number(text);
  if (value < -limit || value > limit) {
    throw rowError(line, column, `${quoteForMessage(text)} is out of range (-${limit} to ${limit})`);
  }
  // "-0" reads as +0, so that writing it back and reading again gives an equal record.
  return value === 0 ? 0 : value;
}

/** One record from the 13 fields of a row; throws `CsvFormatError` at the first bad field. */
export function transferFromCsvFields(fields: readonly string[], line: number): TransferRecord {
  const [id, timestamp, from, to, amountText, currency, channel, mcc, merchantId, deviceId, ipRegion, lat, lon] =
    fields as readonly [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
  const recordId = requiredText(id, line, 'id');
  const timestampMs = requiredTimestamp(timestamp, line, 'timestamp');
  const fromAccount = requiredText(from, line, 'from_account');
  const toAccount = requiredText(to, line, 'to_account');
  const decimals = currencyDecimals(currency);
  if (decimals === undefined) {
    const known = Object.keys(CURRENCY_DECIMALS).join(', ');
    throw rowError(line, 'currency', `${quoteForMessage(currency)} is not a known currency; use one of ${known}`);
  }
  const amount = decimalToMinor(amountText, decimals);
  if (amount === null) throw rowError(line, 'amount', amountProblem(amountText, currency, decimals));
  if (amount === 0n) throw rowError(line, 'amount', `${quoteForMessage(amountText)} is not above zero`);
  if (!isChannel(channel)) {
    throw rowError(line, 'channel', `${quoteForMessage(channel)} is not a channel; use one of ${CHANNELS.join(', ')}`);
  }
  const mccValue = optionalMcc(mcc, line, 'mcc');
  const merchantIdValue = optionalText(merchantId, line, 'merchant_id');
  const deviceIdValue = optionalText(deviceId, line, 'device_id');
  const ipRegionValue = optionalText(ipRegion, line, 'ip_region');
  const latValue = coordinate(lat, 90, line, 'lat');
  const lonValue = coordinate(lon, 180, line, 'lon');
  if (latValue === null && lonValue !== null)
    throw rowError(line, 'lat', 'is empty but lon is given; give both or neither');
  if (latValue !== null && lonValue === null)
    throw rowError(line, 'lon', 'is empty but lat is given; give both or neither');
  return {
    id: recordId,
    timestampMs,
    fromAccount,
    toAccount,
    amount,
    currency,
    channel,
    mcc: mccValue,
    merchantId: merchantIdValue,
    deviceId: deviceIdValue,
    ipRegion: ipRegionValue,
    lat: latValue,
    lon: lonValue,
  };
}

export const TRANSFER_CSV_FORMAT: CsvFormat<TransferRecord> = {
  header: TRANSFER_CSV_HEADER,
  parse: transferFromCsvFields,
  key: (record) => record.id,
};

/** Records in batches of `batchRows`, streamed; see the module comment on validating first. */
export function readTransferBatches(
  source: CsvSource,
  batchRows: number = CSV_BATCH_ROWS_DEFAULT,
  options: CsvReadOptions = {},
): AsyncGenerator<TransferRecord[]> {
  return readCsvBatches(source, TRANSFER_CSV_FORMAT, batchRows, options);
}

/** Records one by one, streamed (batched underneath). */
export async function* readTransfersCsv(
  source: CsvSource,
  options: CsvReadOptions = {},
): AsyncGenerator<TransferRecord> {
  for await (const batch of readTransferBatches(source, CSV_BATCH_ROWS_DEFAULT, options)) yield* batch;
}

/**
 * The whole file in memory, or the first error and nothing. Duplicate ids are refused unless
 * `checkDuplicateIds: false`: holding every record already costs more than remembering its id.
 */
export function loadTransfersCsv(source: CsvSource, options: CsvReadOptions = {}): Promise<TransferRecord[]> {
  return loadCsv(source, TRANSFER_CSV_FORMAT, { checkDuplicateIds: true, ...options });
}

/** Checks the whole file, duplicate ids included unless turned off, and counts its rows. */
export function validateTransfersCsv(source: CsvSource, options: CsvReadOptions = {}): Promise<{ rows: number }> {
  return validateCsv(source, TRANSFER_CSV_FORMAT, { checkDuplicateIds: true, ...options });
}

function coordinateToText(value: number | null): string {
  if (value === null) return '';
  assert(Number.isFinite(value), 'coordinate is finite');
  const text = value.toFixed(COORDINATE_DECIMALS).replace(/\.?0+$/, '');
  return text === '-0' ? '0' : text;
}

/**
 * One row of the import format. Amounts are exact (`formatAmount`), timestamps UTC with
 * milliseconds, coordinates rounded to `COORDINATE_DECIMALS` places.
 */
export function transferToCsvLine(record: TransferRecord): string {
  const decimals = currencyDecimals(record.currency);
  assert(decimals !== undefined, `known currency ${record.currency}`);
  assert(record.amount > 0n && record.amount <= AMOUNT_MAX, 'amount in range');
  return `${csvField(record.id)},${msToIsoTimestamp(record.timestampMs)},${csvField(record.fromAccount)},${csvField(
    record.toAccount,
  )},${formatAmount(record.amount, decimals)},${record.currency},${record.channel},${record.mcc ?? ''},${csvField(
    record.merchantId ?? '',
  )},${csvField(record.deviceId ?? '')},${csvField(record.ipRegion ?? '')},${coordinateToText(record.lat)},${coordinateToText(
    record.lon,
  )}`;
}

export type TransferCsvWriter = CsvRecordWriter<TransferRecord>;

/** A `transfers.csv` writer with backpressure (see `CsvRecordWriter`). */
export function createTransferCsvWriter(target: CsvTarget): TransferCsvWriter {
  return new CsvRecordWriter(target, TRANSFER_CSV_HEADER, transferToCsvLine);
}
