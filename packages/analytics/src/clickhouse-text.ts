/**
 * ClickHouse's text formats, both ways. Rows go in as TabSeparated (the fastest input format
 * this client can send to 18.16: RowBinary is not among its insert formats, and JSONEachRow
 * is slower to produce and refuses quoted decimals). Exports come out as CSVWithNames, whose
 * only departure from the export contract — NULL written as an unquoted `\N` — is undone here
 * as the bytes stream by, so a CSV export reads the same whichever engine wrote it.
 */
import { Transform, type TransformCallback } from 'node:stream';

const TSV_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\\0',
};

/** A TabSeparated field: `\N` for NULL; a backslash, tab or line break escaped so it cannot end the field. */
export function tabSeparatedText(value: string | null): string {
  if (value === null) return '\\N';
  return /[\\\t\n\r\0]/.test(value) ? value.replace(/[\\\t\n\r\0]/g, (c) => TSV_ESCAPES[c] ?? c) : value;
}

const BACKSLASH = 0x5c;
const LETTER_N = 0x4e;
const QUOTE = 0x22;
const COMMA = 0x2c;
const LINE_FEED = 0x0a;
const HELD_BYTES = [Buffer.alloc(0), Buffer.from('\\'), Buffer.from('\\N')] as const;

/**
 * Rewrites ClickHouse CSV so that NULL is an empty unquoted field. ClickHouse quotes every
 * string, so an unquoted field that is exactly `\N` can only be a NULL. Counts the data rows
 * (line feeds outside quotes, less the header) on the way.
 */
export class ClickHouseCsvNulls extends Transform {
  private inQuotes = false;
  private atFieldStart = true;
  /** Bytes of a possible `\N` held back: 0, 1 (`\`) or 2 (`\N`); they may straddle two chunks. */
  private held: 0 | 1 | 2 = 0;
  private lines = 0;

  /** Data rows seen (the header line is not one). */
  get rows(): number {
    return Math.max(0, this.lines - 1);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const out: Buffer[] = [];
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (this.held === 1 && byte === LETTER_N) {
        this.held = 2;
        from = i + 1;
        continue;
      }
      if (this.held !== 0) {
        const isNull = this.held === 2 && (byte === COMMA || byte === LINE_FEED);
        // Not a NULL after all: the held bytes were data.
        if (!isNull) out.push(HELD_BYTES[this.held]);
        this.held = 0;
        from = i;
      }
      if (byte === QUOTE) {
        this.inQuotes = !this.inQuotes;
        this.atFieldStart = false;
      } else if (this.inQuotes) {
        // Inside a quoted string nothing is structure.
      } else if (byte === COMMA) {
        this.atFieldStart = true;
      } else if (byte === LINE_FEED) {
        this.atFieldStart = true;
        this.lines++;
      } else if (this.atFieldStart && byte === BACKSLASH) {
        out.push(chunk.subarray(from, i));
        this.held = 1;
        from = i + 1;
        this.atFieldStart = false;
      } else {
        this.atFieldStart = false;
      }
    }
    out.push(chunk.subarray(from));
    callback(null, Buffer.concat(out));
  }

  override _flush(callback: TransformCallback): void {
    // A `\N` at the very end (no final line feed) is a NULL; a lone `\` is data.
    callback(null, this.held === 1 ? HELD_BYTES[1] : null);
  }
}
