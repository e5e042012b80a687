/**
 * A peer's durable storage in one SQLite file: blocks, the transaction index (which is also
 * the index of consumed ids: a row whose result code consumes its id) and the world state. Each block is written in one SQLite transaction
 * with synchronous=FULL, so after a crash the file holds every block whose commit
 * returned, and nothing of a block whose commit did not.
 *
 * The expiry sweeps of a block (what programs returned to their funders) are kept in `program_sweeps`, a row only
 * for blocks that swept, written in the block's transaction; an older file gains the empty table on open.
 *
 * `program_blocks` indexes the blocks of each purpose-bound program: a row (program, height) for every block with a
 * `program.*` transaction of that program (whatever its result) or an expiry sweep of it, written in the block's
 * transaction, so a program's trace reads its blocks only. The program id is read at its fixed offset in the encoded
 * transaction (no decoding at commit). The meta row `program_index_height` says up to which height the index is
 * complete: a writable open of an older file (or of one a build without the index wrote to) indexes the blocks above
 * it in one transaction; a read-only open reads those blocks instead.
 *
 * `quote_blocks` does the same for FX quotes: a row (quote, height) for every block with an `fx.quote`, `fx.convert`
 * or `fx.cancel` transaction of that quote (whatever its result), the quote id read at the same offset, its
 * completeness in the meta row `quote_index_height`; so a quote's conversions are read from its blocks only.
 *
 * Rows hold the core's canonical encodings; `paychain verify` re-derives every one of them
 * from the chain, so an edit anywhere shows up as a mismatch.
 */
import {
  assert,
  type BlockHeader,
  bytesToHex,
  type Certificate,
  decodeCertificate,
  decodeHeader,
  decodeProgramSweeps,
  decodeStateEntry,
  encodeCertificate,
  encodeHeader,
  encodeProgramSweeps,
  encodeStateEntry,
  entryKey,
  equalBytes,
  hexToBytes,
  isIdConsumed,
  type ProgramSweep,
  type StateChange,
  type StateEntry,
  TX_CODES,
  TX_TAGS,
  TX_VERSION,
  type TxCode,
  type TxResult,
  txCodeFromNumber,
  txCodeToNumber,
} from '@paychain/core';
import Database from 'better-sqlite3';
import { IdFilter } from './id-filter.ts';

export type StoreErrorCode = 'store_corrupt' | 'store_missing' | 'store_schema' | 'store_io';

/** An operating error of the store, with a code the caller decides on. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** 2: the consumed-id table is gone; `txs_by_id` answers "consumed?" (one random-key index per payment, not two). */
const SCHEMA_VERSION = 2;
/** Rows per multi-row INSERT; 6 columns × 128 stays far below SQLite's 32,766 parameters. */
const ROWS_PER_STATEMENT = 128;
const ROW_SQL = {
  txs: { columns: ['height', 'idx', 'id', 'bytes', 'code', 'op_index'], conflict: '' },
  state: { columns: ['key', 'value'], conflict: ' ON CONFLICT (key) DO UPDATE SET value = excluded.value' },
} as const;

/** Meta row: the height up to which `program_blocks` holds every block (decimal text). */
const PROGRAM_INDEX_META = 'program_index_height';
/** Body tags of the `program.*` transactions, each followed by the program id. */
const PROGRAM_TAGS = tagsOf('program.');

/** The body tags of the transaction types starting with `prefix`. */
function tagsOf(prefix: string): ReadonlySet<number> {
  return new Set(
    Object.entries(TX_TAGS)
      .filter(([type]) => type.startsWith(prefix))
      .map(([, tag]) => tag),
  );
}

/**
 * The program of an encoded `program.*` transaction, read at its fixed offset (tx-codec: version:u8, chainId:text
 * with a u8 length, id:16, expiresAt:u64, then the body's tag:u8 and, for programs, program:16), else null. Bytes
 * that are not a transaction of this version are no program's: the index may only hold more heights, never fewer.
 */
export function programOfTx(bytes: Uint8Array): string | null {
  return idAfterTag(bytes, PROGRAM_TAGS);
}

/** The 16-byte id right after the body's tag, when the tag is one of `tags` (see `programOfTx`), else null. */
function idAfterTag(bytes: Uint8Array, tags: ReadonlySet<number>): string | null {
  if (bytes.length < 2 || bytes[0] !== TX_VERSION) return null;
  const tagAt = 2 + (bytes[1] ?? 0) + 16 + 8;
  const tag = bytes[tagAt];
  if (tag === undefined || !tags.has(tag) || bytes.length < tagAt + 17) return null;
  return bytesToHex(bytes.subarray(tagAt + 1, tagAt + 17));
}

/** Meta row: the height up to which `quote_blocks` holds every block (decimal text). */
const QUOTE_INDEX_META = 'quote_index_height';
/** Body tags of the `fx.*` transactions (60–62), each followed by the quote id. */
const QUOTE_TAGS = tagsOf('fx.');

/**
 * The quote of an encoded `fx.quote`, `fx.convert` or `fx.cancel` transaction, read at the same fixed offset as a
 * program's (the body's tag, then quote:16), else null. Like `programOfTx`, bytes that are not a transaction of this
 * version are no quote's.
 */
export function quoteOfTx(bytes: Uint8Array): string | null {
  return idAfterTag(bytes, QUOTE_TAGS);
}

/** The stored numbers of the result codes that consume a transaction id, for SQL `IN (…)`. */
const CONSUMING_CODES = (Object.keys(TX_CODES) as TxCode[])
  .filter((code) => isIdConsumed(code))
  .map((code) => txCodeToNumber(code))
  .join(', ');

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocks (
  height INTEGER PRIMARY KEY,
  hash BLOB NOT NULL,
  header BLOB NOT NULL,
  expired BLOB NOT NULL,
  certificate BLOB
);
CREATE TABLE IF NOT EXISTS txs (
  height INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  id BLOB NOT NULL,
  bytes BLOB NOT NULL,
  code INTEGER NOT NULL,
  op_index INTEGER NOT NULL,
  PRIMARY KEY (height, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS txs_by_id ON txs (id);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS program_sweeps (height INTEGER PRIMARY KEY, sweeps BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS program_blocks (
  program TEXT NOT NULL,
  height INTEGER NOT NULL,
  PRIMARY KEY (program, height)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS quote_blocks (
  quote TEXT NOT NULL,
  height INTEGER NOT NULL,
  PRIMARY KEY (quote, height)
) WITHOUT ROWID;
`;

export interface StoredBlock {
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
  readonly txs: Uint8Array[];
  readonly results: TxResult[];
  readonly expired: string[];
  /** What the expiry sweep returned at the start of the block (empty for most blocks). */
  readonly programSweeps: ProgramSweep[];
  readonly certificate: Certificate | null;
}

export interface BlockToCommit {
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
  readonly txs: readonly Uint8Array[];
  readonly results: readonly TxResult[];
  readonly expired: readonly string[];
  /** Stored in `program_sweeps`, in the block's SQLite transaction, when not empty. */
  readonly programSweeps?: readonly ProgramSweep[];
  readonly changes: readonly StateChange[];
  /** `encodeStateEntry(changes[i].after)` when the caller has them already (the commitment work's `added`). */
  readonly values?: readonly Uint8Array[];
  /** The LtHash accumulator after the block, so a restart needs no rescan to go on. */
  readonly commitmentBytes: Uint8Array;
  /** Meta rows written with the block, atomically (e.g. where the ordering stream stands). */
  readonly meta?: ReadonlyArray<readonly [string, Uint8Array]>;
}

export interface StoredTx {
  readonly height: bigint;
  readonly index: number;
  readonly bytes: Uint8Array;
  readonly result: TxResult;
}

export interface StoreOptions {
  /** Create the file when it does not exist. */
  readonly create?: boolean;
  /** fsync on every commit (default). Off only for throwaway benchmarks of the rest. */
  readonly durable?: boolean;
  readonly readonly?: boolean;
}

function toBytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new StoreError('store_corrupt', `${what}: expected a blob`);
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

function wrapSqlite<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof StoreError) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT_INDEX') {
      throw new StoreError('store_corrupt', `${what}: the database file is damaged (${String(code)})`, {
        cause: error,
      });
    }
    if (typeof code === 'string' && code.startsWith('SQLITE_')) {
      throw new StoreError('store_io', `${what}: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
}

export class BlockStore {
  private readonly db: Database.Database;
  private readonly statements: ReturnType<BlockStore['prepare']>;

  private readonly rowStatements = new Map<string, Database.Statement>();
  /** Built on first use from the consuming transaction rows; kept in step by commitBlock. */
  private idFilter: IdFilter | null = null;

  private constructor(db: Database.Database) {
    this.db = db;
    // For SQL over stored transactions (indexing an older file, or reading one opened read-only).
    db.function('paychain_program_of', { deterministic: true }, (bytes: unknown) =>
      bytes instanceof Uint8Array ? programOfTx(bytes) : null,
    );
    db.function('paychain_quote_of', { deterministic: true }, (bytes: unknown) =>
      bytes instanceof Uint8Array ? quoteOfTx(bytes) : null,
    );
    this.statements = this.prepare();
  }

  static open(path: string, options: StoreOptions = {}): BlockStore {
    return wrapSqlite(`opening ${path}`, () => {
      let db: Database.Database;
      try {
        db = new Database(path, { fileMustExist: options.create !== true, readonly: options.readonly === true });
      } catch (error) {
        if ((error as { code?: unknown }).code === 'SQLITE_CANTOPEN') {
          throw new StoreError('store_missing', `no ledger database at ${path}`, { cause: error });
        }
        throw error;
      }
      if (options.readonly !== true) {
        db.pragma('journal_mode = WAL');
        db.pragma(`synchronous = ${options.durable === false ? 'OFF' : 'FULL'}`);
        db.exec(SCHEMA);
        const version = db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as
          | { value: Buffer }
          | undefined;
        if (version === undefined) {
          db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?)").run(Buffer.from(String(SCHEMA_VERSION)));
        } else if (version.value.toString() !== String(SCHEMA_VERSION)) {
          throw new StoreError(
            'store_schema',
            `database schema ${version.value.toString()}, this build reads ${SCHEMA_VERSION}`,
          );
        }
      }
      db.pragma('cache_size = -65536');
      const store = new BlockStore(db);
      if (options.readonly !== true) {
        store.completeProgramIndex();
        store.completeQuoteIndex();
      }
      return store;
    });
  }

  private prepare() {
    const db = this.db;
    const hasTable = (name: string): boolean =>
      db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
    const hasSweepTable = hasTable('program_sweeps');
    const hasProgramIndex = hasTable('program_blocks');
    const hasQuoteIndex = hasTable('quote_blocks');
    return {
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      putMeta: db.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      insertBlock: db.prepare(
        'INSERT INTO blocks (height, hash, header, expired, certificate) VALUES (?, ?, ?, ?, NULL)',
      ),
      putState: db.prepare(
        'INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      isConsumed: db.prepare(`SELECT 1 FROM txs WHERE id = ? AND code IN (${CONSUMING_CODES}) LIMIT 1`).pluck(),
      putCertificate: db.prepare('UPDATE blocks SET certificate = ? WHERE height = ?'),
      // A file from before programs opened read-only has no sweep table (a writable open creates it): no sweeps.
      ...(hasSweepTable
        ? {
            insertSweeps: db.prepare('INSERT INTO program_sweeps (height, sweeps) VALUES (?, ?)'),
            blockSweeps: db.prepare('SELECT sweeps FROM program_sweeps WHERE height = ?').pluck(),
          }
        : { insertSweeps: null, blockSweeps: null }),
      // Likewise a file from before the program index, opened read-only: its blocks are read instead.
      ...(hasProgramIndex
        ? {
            insertProgramBlock: db.prepare('INSERT INTO program_blocks (program, height) VALUES (?, ?)'),
            programHeights: db.prepare('SELECT height FROM program_blocks WHERE program = ? ORDER BY height').pluck(),
          }
        : { insertProgramBlock: null, programHeights: null }),
      // And a file from before the quote index.
      ...(hasQuoteIndex
        ? {
            insertQuoteBlock: db.prepare('INSERT INTO quote_blocks (quote, height) VALUES (?, ?)'),
            quoteHeights: db.prepare('SELECT height FROM quote_blocks WHERE quote = ? ORDER BY height').pluck(),
          }
        : { insertQuoteBlock: null, quoteHeights: null }),
      maxHeight: db.prepare('SELECT MAX(height) FROM blocks').pluck(),
      // Unindexed blocks (above the index's height) of one program, for a read-only open.
      unindexedTxHeights: db
        .prepare('SELECT DISTINCT height FROM txs WHERE height > ? AND paychain_program_of(bytes) = ?')
        .pluck(),
      // Likewise for one quote.
      unindexedQuoteTxHeights: db
        .prepare('SELECT DISTINCT height FROM txs WHERE height > ? AND paychain_quote_of(bytes) = ? ORDER BY height')
        .pluck(),
      sweepsAbove: hasSweepTable
        ? db.prepare('SELECT height, sweeps FROM program_sweeps WHERE height > ? ORDER BY height')
        : null,
      head: db.prepare('SELECT height, hash, header FROM blocks ORDER BY height DESC LIMIT 1'),
      block: db.prepare('SELECT height, hash, header, expired, certificate FROM blocks WHERE height = ?'),
      blockTxs: db.prepare('SELECT idx, id, bytes, code, op_index FROM txs WHERE height = ? ORDER BY idx'),
      txById: db.prepare(
        'SELECT height, idx, bytes, code, op_index FROM txs WHERE id = ? ORDER BY height DESC, idx DESC',
      ),
      stateAll: db.prepare('SELECT key, value FROM state ORDER BY key'),
      stateGet: db.prepare('SELECT value FROM state WHERE key = ?').pluck(),
      certifiedHead: db.prepare('SELECT MAX(height) FROM blocks WHERE certificate IS NOT NULL').pluck(),
    };
  }

  getMeta(key: string): Uint8Array | undefined {
    const value = wrapSqlite('reading meta', () => this.statements.getMeta.get(key));
    return value === undefined ? undefined : toBytes(value, `meta ${key}`);
  }

  putMeta(key: string, value: Uint8Array): void {
    wrapSqlite('writing meta', () => this.statements.putMeta.run(key, value));
  }

  /** Writes genesis state (height 0 has no block row; its header lives in meta). */
  initialize(
    genesisJson: Uint8Array,
    genesisHeader: BlockHeader,
    genesisHash: Uint8Array,
    entries: readonly StateEntry[],
    commitmentBytes: Uint8Array,
  ): void {
    wrapSqlite('initializing', () =>
      this.db.transaction(() => {
        assert(this.getMeta('genesis') === undefined, 'store is initialized once');
        this.statements.putMeta.run('genesis', genesisJson);
        this.statements.putMeta.run('genesis_header', encodeHeader(genesisHeader));
        this.statements.putMeta.run('genesis_hash', genesisHash);
        this.statements.putMeta.run('commitment', commitmentBytes);
        for (const entry of entries) this.statements.putState.run(entryKey(entry), encodeStateEntry(entry));
      })(),
    );
  }

  commitBlock(block: BlockToCommit): void {
    const height = block.header.height;
    assert(block.values === undefined || block.values.length === block.changes.length, 'a value per state change');
    const consumedIds: Uint8Array[] = [];
    const txRows = block.txs.map((bytes, i) => {
      const result = block.results[i];
      assert(result !== undefined, 'a result per transaction');
      const id = hexToBytes(result.id);
      if (isIdConsumed(result.code)) consumedIds.push(id);
      return [height, i, id, bytes, txCodeToNumber(result.code), result.opIndex];
    });
    const sweeps = block.programSweeps ?? [];
    // The programs the block touches, for `program_blocks` (its sweeps' and its program transactions'), and the
    // quotes its FX transactions name, for `quote_blocks`: one pass over the transactions.
    const programs = new Set(sweeps.map((sweep) => sweep.program));
    const quotes = new Set<string>();
    for (const bytes of block.txs) {
      const program = programOfTx(bytes);
      if (program !== null) programs.add(program);
      else {
        const quote = quoteOfTx(bytes);
        if (quote !== null) quotes.add(quote);
      }
    }
    let sweepBytes: Uint8Array | null = null;
    if (sweeps.length > 0) {
      sweepBytes = encodeProgramSweeps(sweeps);
      // Round trip before writing: what an auditor reads back must be what the block did.
      const check = decodeProgramSweeps(sweepBytes);
      assert(check.ok && equalBytes(encodeProgramSweeps(check.value), sweepBytes), 'program sweeps round-trip');
    }
    wrapSqlite(`committing block ${height}`, () =>
      this.db.transaction(() => {
        this.statements.insertBlock.run(height, block.hash, encodeHeader(block.header), encodeIdList(block.expired));
        if (sweepBytes !== null) {
          assert(this.statements.insertSweeps !== null, 'a writable store has the sweep table');
          this.statements.insertSweeps.run(height, sweepBytes);
        }
        this.insertRows('txs', txRows);
        assert(this.statements.insertProgramBlock !== null, 'a writable store has the program index');
        for (const program of programs) this.statements.insertProgramBlock.run(program, height);
        this.statements.putMeta.run(PROGRAM_INDEX_META, Buffer.from(height.toString()));
        assert(this.statements.insertQuoteBlock !== null, 'a writable store has the quote index');
        for (const quote of quotes) this.statements.insertQuoteBlock.run(quote, height);
        this.statements.putMeta.run(QUOTE_INDEX_META, Buffer.from(height.toString()));
        this.insertRows(
          'state',
          block.changes.map((c, i) => [c.key, block.values?.[i] ?? encodeStateEntry(c.after)]),
        );
        this.statements.putMeta.run('commitment', block.commitmentBytes);
        for (const [key, value] of block.meta ?? []) this.statements.putMeta.run(key, value);
      })(),
    );
    // Only after the commit: a failed block must not mark its ids as used.
    if (this.idFilter !== null) for (const id of consumedIds) this.idFilter.add(id);
  }

  /**
   * Inserts rows ROWS_PER_STATEMENT at a time: one statement per row costs more in the
   * binding layer than SQLite spends on the row. State rows replace the previous value.
   */
  private insertRows(table: keyof typeof ROW_SQL, rows: readonly unknown[][]): void {
    for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
      const key = `${table}:${chunk.length}`;
      let statement = this.rowStatements.get(key);
      if (statement === undefined) {
        const { columns, conflict } = ROW_SQL[table];
        const values = Array.from({ length: chunk.length }, () => `(${columns.map(() => '?').join(', ')})`).join(', ');
        statement = this.db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values}${conflict}`);
        this.rowStatements.set(key, statement);
      }
      statement.run(chunk.flat());
    }
  }

  /**
   * Indexes every stored block above the index's height (all of them for a file from before the index), in one
   * SQLite transaction with the new height, so a crash leaves the index as it was and the next open does it again.
   */
  private completeProgramIndex(): void {
    const complete = this.db.transaction(() => {
      const from = this.programIndexHeight();
      const head = this.statements.maxHeight.get() as number | null;
      if (head === null || BigInt(head) <= from) return;
      // Rows above the index's height are stale by definition (none are expected): rewritten from the blocks.
      this.db.prepare('DELETE FROM program_blocks WHERE height > ?').run(from);
      this.db
        .prepare(
          `INSERT OR IGNORE INTO program_blocks (program, height)
           SELECT program, height FROM (SELECT paychain_program_of(bytes) AS program, height FROM txs WHERE height > ?)
           WHERE program IS NOT NULL`,
        )
        .run(from);
      const insertSwept = this.db.prepare('INSERT OR IGNORE INTO program_blocks (program, height) VALUES (?, ?)');
      for (const { height, programs } of this.sweptAbove(from)) {
        for (const program of programs) insertSwept.run(program, height);
      }
      this.statements.putMeta.run(PROGRAM_INDEX_META, Buffer.from(String(head)));
    });
    complete.immediate();
  }

  /** The height up to which `program_blocks` is complete (0: nothing indexed yet); the audit checks up to it. */
  programIndexHeight(): bigint {
    return this.indexHeight(PROGRAM_INDEX_META);
  }

  /** The height up to which `quote_blocks` is complete (0: nothing indexed yet); the audit checks up to it. */
  quoteIndexHeight(): bigint {
    return this.indexHeight(QUOTE_INDEX_META);
  }

  private indexHeight(key: string): bigint {
    const value = this.getMeta(key);
    if (value === undefined) return 0n;
    const text = Buffer.from(value).toString();
    if (!/^(0|[1-9][0-9]*)$/.test(text)) throw new StoreError('store_corrupt', `meta ${key}: ${text}`);
    return BigInt(text);
  }

  /** As `completeProgramIndex`, for `quote_blocks` (no sweeps: only transactions name a quote). */
  private completeQuoteIndex(): void {
    const complete = this.db.transaction(() => {
      const from = this.quoteIndexHeight();
      const head = this.statements.maxHeight.get() as number | null;
      if (head === null || BigInt(head) <= from) return;
      this.db.prepare('DELETE FROM quote_blocks WHERE height > ?').run(from);
      this.db
        .prepare(
          `INSERT OR IGNORE INTO quote_blocks (quote, height)
           SELECT quote, height FROM (SELECT paychain_quote_of(bytes) AS quote, height FROM txs WHERE height > ?)
           WHERE quote IS NOT NULL`,
        )
        .run(from);
      this.statements.putMeta.run(QUOTE_INDEX_META, Buffer.from(String(head)));
    });
    complete.immediate();
  }

  /** The programs named by each stored expiry sweep above `height`. */
  private sweptAbove(height: bigint): Array<{ height: number; programs: Set<string> }> {
    const rows = (this.statements.sweepsAbove?.all(height) ?? []) as Array<{ height: number; sweeps: Buffer }>;
    return rows.map((row) => {
      const decoded = decodeProgramSweeps(toBytes(row.sweeps, 'program sweeps'));
      if (!decoded.ok) throw new StoreError('store_corrupt', `block ${row.height}: program sweeps: ${decoded.error}`);
      return { height: row.height, programs: new Set(decoded.value.map((sweep) => sweep.program)) };
    });
  }

  /**
   * The heights of the stored blocks that touch `program` (a transaction of it, whatever its result, or an expiry
   * sweep of it), ascending; [] for a program no block names. Certified or not: the caller bounds the height.
   */
  programHeights(program: string): bigint[] {
    // One read transaction: the index, its height and the blocks above it from the same snapshot of the file.
    const read = this.db.transaction((): bigint[] => {
      const from = this.statements.programHeights === null ? 0n : this.programIndexHeight();
      const indexed = (this.statements.programHeights?.all(program) ?? []) as number[];
      const head = this.statements.maxHeight.get() as number | null;
      if (head === null || BigInt(head) <= from) return indexed.map((h) => BigInt(h));
      // Only a read-only open of a file indexed to below its head gets here: its newer blocks are read.
      const heights = new Set<number>(indexed.filter((h) => BigInt(h) <= from));
      for (const h of this.statements.unindexedTxHeights.all(from, program) as number[]) heights.add(h);
      for (const swept of this.sweptAbove(from)) if (swept.programs.has(program)) heights.add(swept.height);
      return [...heights].sort((a, b) => a - b).map((h) => BigInt(h));
    });
    return wrapSqlite('reading the program index', () => read());
  }

  /**
   * The heights of the stored blocks with an `fx.quote`, `fx.convert` or `fx.cancel` transaction of `quote` (whatever
   * its result), ascending; [] for a quote no block names. Certified or not: the caller bounds the height.
   */
  quoteHeights(quote: string): bigint[] {
    const read = this.db.transaction((): bigint[] => {
      const from = this.statements.quoteHeights === null ? 0n : this.quoteIndexHeight();
      const indexed = (this.statements.quoteHeights?.all(quote) ?? []) as number[];
      const head = this.statements.maxHeight.get() as number | null;
      if (head === null || BigInt(head) <= from) return indexed.map((h) => BigInt(h));
      // Only a read-only open of a file indexed to below its head gets here: its newer blocks are read.
      const heights = new Set<number>(indexed.filter((h) => BigInt(h) <= from));
      for (const h of this.statements.unindexedQuoteTxHeights.all(from, quote) as number[]) heights.add(h);
      return [...heights].sort((a, b) => a - b).map((h) => BigInt(h));
    });
    return wrapSqlite('reading the quote index', () => read());
  }

  putCertificate(height: bigint, certificate: Certificate): void {
    wrapSqlite('storing certificate', () => {
      const info = this.statements.putCertificate.run(encodeCertificate(certificate), height);
      assert(info.changes === 1, `certificate for a stored block ${height}`);
    });
  }

  /** Whether a block consumed this id. Fresh ids are answered by the in-memory filter. */
  isConsumed(id: string): boolean {
    const bytes = hexToBytes(id);
    if (this.idFilter === null) this.idFilter = this.buildIdFilter();
    if (!this.idFilter.mightContain(bytes)) return false;
    return wrapSqlite('reading consumed ids', () => this.statements.isConsumed.get(bytes) !== undefined);
  }

  private buildIdFilter(): IdFilter {
    return wrapSqlite('reading consumed ids', () => {
      const where = `WHERE code IN (${CONSUMING_CODES})`;
      const count = this.db.prepare(`SELECT COUNT(*) FROM txs ${where}`).pluck().get() as number;
      const filter = new IdFilter(count);
      const ids = this.db.prepare(`SELECT id FROM txs ${where}`).pluck().iterate() as IterableIterator<Buffer>;
      for (const id of ids) filter.add(new Uint8Array(id.buffer, id.byteOffset, id.byteLength));
      return filter;
    });
  }

  head(): { height: bigint; hash: Uint8Array; header: BlockHeader } | null {
    return wrapSqlite('reading head', () => {
      const row = this.statements.head.get() as { height: number; hash: Buffer; header: Buffer } | undefined;
      if (row === undefined) return null;
      const header = decodeHeader(toBytes(row.header, 'header'));
      if (!header.ok)
        throw new StoreError('store_corrupt', `block ${row.height}: header does not decode: ${header.error}`);
      return { height: BigInt(row.height), hash: toBytes(row.hash, 'hash'), header: header.value };
    });
  }

  certifiedHeight(): bigint {
    const value = wrapSqlite('reading certified head', () => this.statements.certifiedHead.get()) as number | null;
    return value === null ? 0n : BigInt(value);
  }

  getBlock(height: bigint): StoredBlock | null {
    return wrapSqlite(`reading block ${height}`, () => {
      const row = this.statements.block.get(height) as
        | { height: number; hash: Buffer; header: Buffer; expired: Buffer; certificate: Buffer | null }
        | undefined;
      if (row === undefined) return null;
      const header = decodeHeader(toBytes(row.header, 'header'));
      if (!header.ok) throw new StoreError('store_corrupt', `block ${height}: header does not decode: ${header.error}`);
      let certificate: Certificate | null = null;
      if (row.certificate !== null) {
        const decoded = decodeCertificate(toBytes(row.certificate, 'certificate'));
        if (!decoded.ok)
          throw new StoreError('store_corrupt', `block ${height}: certificate does not decode: ${decoded.error}`);
        certificate = decoded.value;
      }
      const txs: Uint8Array[] = [];
      const results: TxResult[] = [];
      const rows = this.statements.blockTxs.all(height) as Array<{
        idx: number;
        id: Buffer;
        bytes: Buffer;
        code: number;
        op_index: number;
      }>;
      for (const [i, tx] of rows.entries()) {
        if (tx.idx !== i) throw new StoreError('store_corrupt', `block ${height}: transaction ${i} is missing`);
        txs.push(toBytes(tx.bytes, 'tx'));
        results.push(resultOf(tx, height));
      }
      let programSweeps: ProgramSweep[] = [];
      const sweepRow = this.statements.blockSweeps?.get(height);
      if (sweepRow !== undefined) {
        const decoded = decodeProgramSweeps(toBytes(sweepRow, 'program sweeps'));
        if (!decoded.ok) throw new StoreError('store_corrupt', `block ${height}: program sweeps: ${decoded.error}`);
        programSweeps = decoded.value;
      }
      return {
        header: header.value,
        hash: toBytes(row.hash, 'hash'),
        txs,
        results,
        expired: decodeIdList(toBytes(row.expired, 'expired'), height),
        programSweeps,
        certificate,
      };
    });
  }

  /** The transaction's last appearance, which is the one that consumed its id if any did. */
  getTx(id: string): StoredTx | null {
    return wrapSqlite('reading transaction', () => {
      const row = this.statements.txById.get(hexToBytes(id)) as
        | { height: number; idx: number; bytes: Buffer; code: number; op_index: number; id?: Buffer }
        | undefined;
      if (row === undefined) return null;
      return {
        height: BigInt(row.height),
        index: row.idx,
        bytes: toBytes(row.bytes, 'tx'),
        result: resultOf({ ...row, id: Buffer.from(hexToBytes(id)) }, BigInt(row.height)),
      };
    });
  }

  getStateEntry(key: string): StateEntry | undefined {
    return wrapSqlite('reading state', () => {
      const value = this.statements.stateGet.get(key);
      if (value === undefined) return undefined;
      return decodeEntry(key, toBytes(value, 'state'));
    });
  }

  /** Every state entry, in key order. */
  *stateEntries(): IterableIterator<StateEntry> {
    const rows = wrapSqlite('reading state', () => this.statements.stateAll.iterate()) as IterableIterator<{
      key: string;
      value: Buffer;
    }>;
    for (const row of rows) yield decodeEntry(row.key, toBytes(row.value, 'state'));
  }

  /** Runs `run` in one SQLite transaction (used by tests and tools that edit several rows). */
  transaction<T>(run: () => T): T {
    return this.db.transaction(run)();
  }

  /** Raw access for tooling (verify, tamper tests); never used on the commit path. */
  get database(): Database.Database {
    return this.db;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function resultOf(row: { id: Buffer; code: number; op_index: number }, height: bigint): TxResult {
  const code = txCodeFromNumber(row.code);
  if (code === undefined) throw new StoreError('store_corrupt', `block ${height}: unknown result code ${row.code}`);
  return { id: bytesToHex(toBytes(row.id, 'id')), code, opIndex: row.op_index };
}

function decodeEntry(key: string, bytes: Uint8Array): StateEntry {
  const decoded = decodeStateEntry(bytes);
  if (!decoded.ok) throw new StoreError('store_corrupt', `state ${key}: ${decoded.error}`);
  if (entryKey(decoded.value) !== key)
    throw new StoreError('store_corrupt', `state ${key}: value belongs to ${entryKey(decoded.value)}`);
  return decoded.value;
}

function encodeIdList(ids: readonly string[]): Uint8Array {
  const out = new Uint8Array(ids.length * 16);
  for (const [i, id] of ids.entries()) out.set(hexToBytes(id), i * 16);
  return out;
}

function decodeIdList(bytes: Uint8Array, height: bigint): string[] {
  if (bytes.length % 16 !== 0) throw new StoreError('store_corrupt', `block ${height}: expired list length`);
  const ids: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) ids.push(bytesToHex(bytes.subarray(i, i + 16)));
  return ids;
}
