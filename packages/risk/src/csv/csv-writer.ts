/**
 * Writing CSV files with backpressure: lines are gathered into chunks of about a megabyte, and a
 * write waits for the stream to drain before it buffers more, so memory stays flat however many
 * rows go out. A file path is written as `<path>.partial` and renamed on `close()`: a crash or an
 * `abort()` never leaves a half-written file under the real name.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { assert } from '@paychain/core';

/** A file path, or a stream the caller owns (it is flushed on `close()`, not ended). */
export type CsvTarget = string | Writable;

export const CSV_WRITE_CHUNK_CHARS = 1024 * 1024;

const NEEDS_QUOTES = /[",\r\n]/;

/** One field as RFC 4180 wants it: quoted, with quotes doubled, only when it holds `"`, `,` or a line break. */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export class CsvRecordWriter<T> {
  private readonly stream: Writable;
  private readonly path: string | null;
  private readonly toLine: (row: T) => string;
  private buffer: string;
  private failure: Error | null = null;
  private done = false;
  private written = 0;

  constructor(target: CsvTarget, header: readonly string[], toLine: (row: T) => string) {
    this.toLine = toLine;
    this.path = typeof target === 'string' ? target : null;
    this.stream = typeof target === 'string' ? createWriteStream(`${target}.partial`) : target;
    // Remembered and thrown at the next write, so an error between writes is not lost.
    this.stream.on('error', (error: Error) => {
      this.failure ??= error;
    });
    this.buffer = `${header.join(',')}\n`;
  }

  /** Rows written so far, not counting the header. */
  get rows(): number {
    return this.written;
  }

  async write(row: T): Promise<void> {
    this.buffer += `${this.toLine(row)}\n`;
    this.written += 1;
    if (this.buffer.length >= CSV_WRITE_CHUNK_CHARS) await this.flush();
  }

  async writeBatch(rows: readonly T[]): Promise<void> {
    for (const row of rows) {
      this.buffer += `${this.toLine(row)}\n`;
      this.written += 1;
      if (this.buffer.length >= CSV_WRITE_CHUNK_CHARS) await this.flush();
    }
  }

  /** Writes what is buffered, ends a file and renames it into place. */
  async close(): Promise<void> {
    assert(!this.done, 'CSV writer closed once');
    await this.flush();
    this.done = true;
    if (this.path === null) return;
    this.stream.end();
    await finished(this.stream);
    if (this.failure !== null) throw this.failure;
    await rename(`${this.path}.partial`, this.path);
  }

  /** Stops writing and removes the partial file; the real path is left as it was. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.buffer = '';
    if (this.path === null) return;
    this.stream.destroy();
    // The file may still be opening: wait until the stream let go of it before removing it.
    if (!this.stream.closed) await once(this.stream, 'close');
    await unlink(`${this.path}.partial`).catch((error: NodeJS.ErrnoException) => {
      // Nothing to remove if the stream never created the file.
      if (error.code !== 'ENOENT') throw error;
    });
  }

  private async flush(): Promise<void> {
    assert(!this.done, 'no write after close or abort');
    if (this.failure !== null) throw this.failure;
    if (this.buffer.length === 0) return;
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
    if (this.failure !== null) throw this.failure;
  }
}
