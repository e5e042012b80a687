/**
 * A file in the import format, made ready for an all-or-nothing load: the whole file is read
 * once to check it (`@paychain/risk`'s reader: format, currencies, duplicate ids; then the
 * warehouse's own row checks) and to hash it, before any row is written; the second read, which
 * feeds the rows, hashes again and fails at its end if the file changed in between, so the
 * engine drops everything it took.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { readTransferBatches } from '@paychain/risk';
import { validateWarehouseTransfer, WarehouseError, type WarehouseTransfer, warehouseTransferOf } from './warehouse.ts';

/** Records per batch handed to the engine. */
export const CSV_IMPORT_BATCH_ROWS = 16_384;
const READ_CHUNK_BYTES = 1 << 20;

export interface CsvImport {
  readonly path: string;
  /** `csv:` and the first 32 hex digits of the content's SHA-256: the same file always gets the same id. */
  readonly loadId: string;
  readonly sha256: string;
  readonly rows: number;
  /** The rows again, in batches; throws at the end when the file is not the one that was checked. */
  batches(): AsyncGenerator<WarehouseTransfer[]>;
}

async function* hashedChunks(path: string, hash: Hash): AsyncGenerator<Buffer> {
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES })) {
    hash.update(chunk as Buffer);
    yield chunk as Buffer;
  }
}

async function* rowsOf(path: string, hash: Hash, checkDuplicateIds: boolean): AsyncGenerator<WarehouseTransfer[]> {
  const source = Readable.from(hashedChunks(path, hash));
  let index = 0;
  for await (const records of readTransferBatches(source, CSV_IMPORT_BATCH_ROWS, { checkDuplicateIds })) {
    const rows = records.map((record) => warehouseTransferOf(record));
    for (const row of rows) {
      index += 1;
      const status = validateWarehouseTransfer(row);
      // The reader checked the format; what is left is the warehouse's range (dates 1970–2105, text lengths).
      if (status !== 'ok')
        throw new WarehouseError('row_invalid', `${path}: record ${index} (id ${row.id}): ${status}`);
    }
    yield rows;
  }
}

/** Checks and hashes the whole file; throws `CsvFormatError` or `row_invalid` before anything is loaded. */
export async function openCsvImport(path: string): Promise<CsvImport> {
  const hash = createHash('sha256');
  let rows = 0;
  for await (const batch of rowsOf(path, hash, true)) rows += batch.length;
  const sha256 = hash.digest('hex');
  return {
    path,
    loadId: `csv:${sha256.slice(0, 32)}`,
    sha256,
    rows,
    async *batches() {
      const again = createHash('sha256');
      let seen = 0;
      for await (const batch of rowsOf(path, again, false)) {
        seen += batch.length;
        yield batch;
      }
      if (again.digest('hex') !== sha256 || seen !== rows) {
        throw new WarehouseError('row_invalid', `${path} changed while it was being loaded`);
      }
    },
  };
}
