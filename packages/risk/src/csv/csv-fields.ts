/**
 * Field checks shared by the formats here. Each returns the parsed value or throws
 * `CsvFormatError` naming the line and column, phrased so the message reads
 * `line 17, column timestamp: "…" has no time zone; …`.
 */
import { CsvFormatError, quoteForMessage } from './csv-error.ts';
import { describeTimestampProblem, isoTimestampToMs } from './iso-timestamp.ts';

/** Longest id, account, merchant, device or region text accepted. */
export const CSV_TEXT_CHARS_MAX = 128;

/** JavaScript's `\s`, without a regular expression: this runs for six fields of every row. */
function isSpace(c: number): boolean {
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** No control characters anywhere, no spaces at either end: " U1" and "U1" would be two accounts. */
function isCleanText(value: string): boolean {
  const length = value.length;
  if (length === 0 || length > CSV_TEXT_CHARS_MAX) return false;
  if (isSpace(value.charCodeAt(0)) || isSpace(value.charCodeAt(length - 1))) return false;
  for (let i = 0; i < length; i += 1) {
    const c = value.charCodeAt(i);
    if (c < 32 || (c >= 127 && c < 160)) return false;
  }
  return true;
}

export function rowError(line: number, column: string, problem: string): CsvFormatError {
  return new CsvFormatError('csv_row', line, column, problem);
}

/** A required text field: ids and account names. */
export function requiredText(value: string, line: number, column: string): string {
  if (isCleanText(value)) return value;
  throw rowError(line, column, textProblem(value));
}

/** A text field that may be empty (null). */
export function optionalText(value: string, line: number, column: string): string | null {
  if (value.length === 0) return null;
  if (isCleanText(value)) return value;
  throw rowError(line, column, textProblem(value));
}

function textProblem(value: string): string {
  if (value.length === 0) return 'is empty';
  if (value.length > CSV_TEXT_CHARS_MAX) return `is longer than ${CSV_TEXT_CHARS_MAX} characters`;
  return `${quoteForMessage(value)} has spaces at an end or control characters`;
}

/** An ISO-8601 timestamp with a zone, as UTC milliseconds. */
export function requiredTimestamp(value: string, line: number, column: string): number {
  const ms = isoTimestampToMs(value);
  if (Number.isNaN(ms)) throw rowError(line, column, `${quoteForMessage(value)} ${describeTimestampProblem(value)}`);
  return ms;
}

export function optionalTimestamp(value: string, line: number, column: string): number | null {
  return value.length === 0 ? null : requiredTimestamp(value, line, column);
}

/** One of `allowed`, for enum-like columns. */
export function oneOf<T extends string>(value: string, allowed: readonly T[], line: number, column: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw rowError(line, column, `${quoteForMessage(value)} is not one of ${allowed.join(', ')}`);
}

/** A space-separated list of one or more text items (patterns.csv). */
export function textList(value: string, line: number, column: string): string[] {
  const items = value.split(' ');
  for (const item of items) {
    if (!isCleanText(item)) {
      throw rowError(line, column, `${quoteForMessage(value)} is not a list of ids separated by single spaces`);
    }
  }
  return items;
}

const MCC = /^[0-9]{4}$/;

export function optionalMcc(value: string, line: number, column: string): string | null {
  if (value.length === 0) return null;
  if (MCC.test(value)) return value;
  throw rowError(line, column, `${quoteForMessage(value)} is not a 4-digit merchant category code`);
}
