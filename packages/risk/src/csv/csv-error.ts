/**
 * The one error every CSV reader here throws for bad input: a code the caller decides on, and the
 * 1-based line (the header is line 1) and column it was found at, so a user can fix the file.
 */
export type CsvErrorCode = 'csv_header' | 'csv_row' | 'csv_duplicate_id';

export class CsvFormatError extends Error {
  override readonly name = 'CsvFormatError';
  readonly code: CsvErrorCode;
  readonly line: number;
  /** The column's header name, or null when the whole line is at fault. */
  readonly column: string | null;

  constructor(code: CsvErrorCode, line: number, column: string | null, problem: string) {
    super(column === null ? `line ${line}: ${problem}` : `line ${line}, column ${column}: ${problem}`);
    this.code = code;
    this.line = line;
    this.column = column;
  }
}

/** A field's value quoted for an error message, shortened so a huge field cannot flood a log. */
export function quoteForMessage(value: string): string {
  const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return JSON.stringify(shown);
}
