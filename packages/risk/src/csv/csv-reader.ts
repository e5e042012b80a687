/**
 * Streaming CSV reading (RFC 4180: comma-separated, `"` quotes fields, `""` is a quote inside
 * one, CRLF or LF line ends, an optional UTF-8 byte order mark). The file is read in chunks and
 * split into records as it goes, so a file larger than memory is never held whole; each format
 * (`CsvFormat`) turns a record into a typed row or throws `CsvFormatError` naming line and column.
 *
 * Reading is all-or-error per row, not per file: a consumer that writes rows somewhere before
 * reaching the end must either validate the whole file first (`validateCsv`) or stage what it
 * writes and drop it on error, so that a bad line leaves nothing half-loaded.
 */

import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { assert } from '@paychain/core';
import { CsvFormatError, quoteForMessage } from './csv-error.ts';

/** A file path, or a stream of its bytes (or of strings). */
export type CsvSource = string | Readable;

/** A record (one line, or several when a quoted field holds line breaks) may be at most this long. */
export const CSV_RECORD_CHARS_MAX = 64 * 1024;
export const CSV_READ_CHUNK_BYTES = 1024 * 1024;
export const CSV_BATCH_ROWS_DEFAULT = 8192;
export const CSV_BATCH_ROWS_MAX = 1 << 20;

/** One format of the files here: its exact header and how a record becomes a row. */
export interface CsvFormat<T> {
  readonly header: readonly string[];
  /** Builds the row from exactly `header.length` fields, or throws `CsvFormatError` (code `csv_row`). */
  readonly parse: (fields: readonly string[], line: number) => T;
  /** The row's unique key (its id) for the duplicate check, when rows have one. */
  readonly key?: (row: T) => string;
}

export interface CsvReadOptions {
  /**
   * Refuse a second row with the same key (`csv_duplicate_id`). It remembers every key, about
   * 100 bytes each (1 GB for 10M rows), so streaming reads leave it off unless asked.
   */
  readonly checkDuplicateIds?: boolean;
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

function lineError(line: number, problem: string): CsvFormatError {
  return new CsvFormatError(line === 1 ? 'csv_header' : 'csv_row', line, null, problem);
}

/** A record that holds a quote, parsed field by field; null when the text ends inside it. */
function parseQuotedRecord(
  text: string,
  start: number,
  line: number,
  atEnd: boolean,
): { fields: string[]; next: number; lines: number } | null {
  const fields: string[] = [];
  const length = text.length;
  let i = start;
  let lines = 0;
  for (;;) {
    if (text.charCodeAt(i) === QUOTE) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const close = text.indexOf('"', j);
        if (close === -1) {
          if (atEnd) throw lineError(line, 'a quoted field is not closed');
          return null;
        }
        const part = text.slice(j, close);
        for (let k = part.indexOf('\n'); k !== -1; k = part.indexOf('\n', k + 1)) lines += 1;
        value += part;
        if (close + 1 >= length && !atEnd) return null;
        if (text.charCodeAt(close + 1) === QUOTE) {
          value += '"';
          j = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      fields.push(value);
    } else {
      let j = i;
      while (j < length) {
        const c = text.charCodeAt(j);
        if (c === COMMA || c === LF) break;
        if (c === QUOTE) throw lineError(line, 'a field that holds a double quote must be enclosed in double quotes');
        j += 1;
      }
      if (j >= length && !atEnd) return null;
      fields.push(text.slice(i, j > i && text.charCodeAt(j - 1) === CR ? j - 1 : j));
      i = j;
    }
    if (i >= length) {
      if (!atEnd) return null;
      return { fields, next: length, lines };
    }
    const c = text.charCodeAt(i);
    if (c === COMMA) {
      i += 1;
      continue;
    }
    if (c === LF) return { fields, next: i + 1, lines: lines + 1 };
    if (c === CR && i + 1 >= length) {
      if (!atEnd) return null;
      return { fields, next: length, lines };
    }
    if (c === CR && text.charCodeAt(i + 1) === LF) return { fields, next: i + 2, lines: lines + 1 };
    throw lineError(line, 'a closing double quote must be followed by a comma or the end of the line');
  }
}

/**
 * Splits text pushed chunk by chunk into records with their line numbers. Lines without a quote
 * take the fast path (one `split`); only records holding a quote are parsed character by character.
 */
export class CsvSplitter {
  readonly records: string[][] = [];
  readonly lines: number[] = [];
  private pending = '';
  private pendingLine = 1;
  private started = false;
  /** First line of a run of empty lines: an error unless only empty lines follow it. */
  private emptyLine = 0;

  push(chunk: string): void {
    let text = this.pending.length === 0 ? chunk : this.pending + chunk;
    if (!this.started) {
      if (text.length === 0) return;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.started = true;
    }
    const length = text.length;
    let pos = 0;
    let line = this.pendingLine;
    let quoteAt = text.indexOf('"');
    while (pos < length) {
      if (quoteAt !== -1 && quoteAt < pos) quoteAt = text.indexOf('"', pos);
      const newline = text.indexOf('\n', pos);
      if (newline === -1) break;
      if (quoteAt === -1 || quoteAt > newline) {
        const end = newline > pos && text.charCodeAt(newline - 1) === CR ? newline - 1 : newline;
        this.add(end === pos ? null : text.slice(pos, end).split(','), line);
        line += 1;
        pos = newline + 1;
      } else {
        const parsed = parseQuotedRecord(text, pos, line, false);
        if (parsed === null) break;
        this.add(parsed.fields, line);
        line += parsed.lines;
        pos = parsed.next;
      }
    }
    this.pending = pos === 0 ? text : text.slice(pos);
    this.pendingLine = line;
    if (this.pending.length > CSV_RECORD_CHARS_MAX) {
      throw lineError(
        line,
        `is longer than ${CSV_RECORD_CHARS_MAX} characters (a line break is missing, or a quoted field is not closed)`,
      );
    }
  }

  /** The last record, when the file does not end with a line break. */
  end(): void {
    const text = this.pending;
    this.pending = '';
    if (text.length === 0) return;
    if (text.includes('"')) {
      const parsed = parseQuotedRecord(text, 0, this.pendingLine, true);
      if (parsed !== null) this.add(parsed.fields, this.pendingLine);
      return;
    }
    const end = text.charCodeAt(text.length - 1) === CR ? text.length - 1 : text.length;
    if (end > 0) this.add(text.slice(0, end).split(','), this.pendingLine);
  }

  /** Removes and returns up to `count` records with their lines. */
  take(count: number): { records: string[][]; lines: number[] } {
    return { records: this.records.splice(0, count), lines: this.lines.splice(0, count) };
  }

  private add(fields: string[] | null, line: number): void {
    if (fields === null) {
      if (this.emptyLine === 0) this.emptyLine = line;
      return;
    }
    if (this.emptyLine !== 0) throw lineError(this.emptyLine, 'is empty');
    this.records.push(fields);
    this.lines.push(line);
  }
}

function checkHeader(fields: readonly string[] | undefined, header: readonly string[]): void {
  const expected = header.join(',');
  if (fields === undefined)
    throw new CsvFormatError('csv_header', 1, null, `the file is empty; expected the header "${expected}"`);
  for (let i = 0; i < header.length; i += 1) {
    const got = fields[i];
    if (got === undefined) {
      throw new CsvFormatError(
        'csv_header',
        1,
        null,
        `the header has ${fields.length} columns; expected "${expected}"`,
      );
    }
    if (got !== header[i]) {
      throw new CsvFormatError(
        'csv_header',
        1,
        null,
        `header column ${i + 1} is ${quoteForMessage(got)}, not "${header[i]}"; expected "${expected}"`,
      );
    }
  }
  if (fields.length !== header.length) {
    throw new CsvFormatError('csv_header', 1, null, `the header has ${fields.length} columns; expected "${expected}"`);
  }
}

/**
 * Rows of `format` from `source`, in batches of `batchRows` (the last may be shorter). Throws
 * `CsvFormatError` at the first bad line; rows of earlier batches have been yielded by then.
 */
export async function* readCsvBatches<T>(
  source: CsvSource,
  format: CsvFormat<T>,
  batchRows: number = CSV_BATCH_ROWS_DEFAULT,
  options: CsvReadOptions = {},
): AsyncGenerator<T[]> {
  assert(Number.isInteger(batchRows) && batchRows >= 1 && batchRows <= CSV_BATCH_ROWS_MAX, 'batchRows in range');
  const stream =
    typeof source === 'string' ? createReadStream(source, { highWaterMark: CSV_READ_CHUNK_BYTES }) : source;
  const decoder = new StringDecoder('utf8');
  const splitter = new CsvSplitter();
  const seen = options.checkDuplicateIds === true && format.key !== undefined ? new Map<string, number>() : null;
  const columns = format.header.length;
  let headerChecked = false;

  const parseBatch = (count: number): T[] => {
    const { records, lines } = splitter.take(count);
    const rows: T[] = [];
    let i = 0;
    if (!headerChecked) {
      checkHeader(records[0], format.header);
      headerChecked = true;
      i = 1;
    }
    for (; i < records.length; i += 1) {
      const fields = records[i] as string[];
      const line = lines[i] as number;
      if (fields.length !== columns) {
        throw new CsvFormatError('csv_row', line, null, `has ${fields.length} fields; expected ${columns}`);
      }
      const row = format.parse(fields, line);
      if (seen !== null && format.key !== undefined) {
        const key = format.key(row);
        const first = seen.get(key);
        if (first !== undefined) {
          throw new CsvFormatError(
            'csv_duplicate_id',
            line,
            format.header[0] ?? null,
            `${quoteForMessage(key)} was already used on line ${first}`,
          );
        }
        seen.set(key, line);
      }
      rows.push(row);
    }
    return rows;
  };

  for await (const chunk of stream) {
    splitter.push(typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
    while (splitter.records.length >= batchRows + (headerChecked ? 0 : 1)) {
      yield parseBatch(batchRows + (headerChecked ? 0 : 1));
    }
  }
  splitter.push(decoder.end());
  splitter.end();
  if (!headerChecked || splitter.records.length > 0) {
    const rows = parseBatch(splitter.records.length);
    if (rows.length > 0) yield rows;
  }
}

/** Every row of the file, or the first error: nothing is returned from a file with a bad line. */
export async function loadCsv<T>(source: CsvSource, format: CsvFormat<T>, options: CsvReadOptions = {}): Promise<T[]> {
  const rows: T[] = [];
  for await (const batch of readCsvBatches(source, format, CSV_BATCH_ROWS_DEFAULT, options)) {
    for (const row of batch) rows.push(row);
  }
  return rows;
}

/** Reads the whole file only to check it: the first pass of a consumer that streams its rows elsewhere. */
export async function validateCsv<T>(
  source: CsvSource,
  format: CsvFormat<T>,
  options: CsvReadOptions = {},
): Promise<{ rows: number }> {
  let rows = 0;
  for await (const batch of readCsvBatches(source, format, CSV_BATCH_ROWS_DEFAULT, options)) rows += batch.length;
  return { rows };
}
