// Goal: text goes into ClickHouse as TabSeparated and comes out as CSV without a character
// changing, and the CSV's NULLs become empty fields wherever the stream is cut. Method: a table
// of CSV pieces fed in every split, then arbitrary strings through a real ClickHouse server.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text as streamText } from 'node:stream/consumers';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseCsvNulls, tabSeparatedText } from './clickhouse-text.ts';
import { type LocalClickHouse, startLocalClickHouse } from './local-clickhouse.ts';

/** Runs the transform over `input` cut at `cuts`; answers the output and the rows counted. */
async function rewrite(input: string, cuts: readonly number[]): Promise<{ text: string; rows: number }> {
  const bytes = Buffer.from(input);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    chunks.push(bytes.subarray(from, cut));
    from = cut;
  }
  const nulls = new ClickHouseCsvNulls();
  const text = await streamText(Readable.from(chunks).pipe(nulls));
  return { text, rows: nulls.rows };
}

const CSV_CASES = [
  ['NULLs between values', 'a,b,c\n1,\\N,"x"\n', 'a,b,c\n1,,"x"\n', 1],
  ['a NULL first and last in a row', 'h\n\\N,\\N\n', 'h\n,\n', 1],
  ['a quoted \\N, which is a string', 'h\n"\\N",\\N\n', 'h\n"\\N",\n', 1],
  ['a doubled quote before \\N inside a string', 'h\n"a""\\N,",\\N\n', 'h\n"a""\\N,",\n', 1],
  ['a line break inside a string', 'h\n"a\n\\N",\\N\n"b",1\n', 'h\n"a\n\\N",\n"b",1\n', 2],
  ['an unquoted field that only starts like \\N', 'h\n\\Nx,\\x,1\n', 'h\n\\Nx,\\x,1\n', 1],
  ['a NULL at the very end, without a line feed', 'h\n1,\\N', 'h\n1,', 0],
  ['a lone backslash at the very end', 'h\n1,\\', 'h\n1,\\', 0],
  ['no rows', 'a,b\n', 'a,b\n', 0],
] as const;

describe('ClickHouseCsvNulls', () => {
  it.each(CSV_CASES)('rewrites %s in one chunk', async (_name, input, output, rows) => {
    expect(await rewrite(input, [])).toEqual({ text: output, rows });
  });

  it.each(CSV_CASES)('rewrites %s cut anywhere into two and three chunks', async (_name, input, output, rows) => {
    const length = Buffer.byteLength(input);
    for (let i = 0; i <= length; i++) {
      expect(await rewrite(input, [i])).toEqual({ text: output, rows });
      for (let j = i; j <= length; j++) expect(await rewrite(input, [i, j])).toEqual({ text: output, rows });
    }
  });
});

describe('TabSeparated in, CSV out, on ClickHouse', () => {
  let server: LocalClickHouse;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paychain-text-'));
    server = await startLocalClickHouse();
    await query('CREATE TABLE text_round_trip (n UInt32, s Nullable(String)) ENGINE = Memory');
  });
  afterAll(async () => {
    await server?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  async function query(sql: string, body?: string): Promise<string> {
    const url = body === undefined ? server.url : `${server.url}/?query=${encodeURIComponent(sql)}`;
    const response = await fetch(url, { method: 'POST', body: body ?? sql });
    const text = await response.text();
    if (!response.ok) throw new Error(text);
    return text;
  }

  /** Inserts the values as TSV, exports CSV, rewrites its NULLs, and reads it back with DuckDB. */
  async function roundTrip(values: readonly (string | null)[]): Promise<(string | null)[]> {
    await query('TRUNCATE TABLE text_round_trip');
    const tsv = values.map((v, i) => `${i}\t${tabSeparatedText(v)}\n`).join('');
    await query('INSERT INTO text_round_trip FORMAT TabSeparated', tsv);
    const csv = await query('SELECT n, s FROM text_round_trip ORDER BY n FORMAT CSVWithNames');
    const nulls = new ClickHouseCsvNulls();
    const rewritten = await streamText(Readable.from([Buffer.from(csv)]).pipe(nulls));
    expect(nulls.rows).toBe(values.length);
    const duck = await DuckDBInstance.create(':memory:');
    const connection = await duck.connect();
    const path = join(dir, 'round-trip.csv');
    writeFileSync(path, rewritten);
    const reader = await connection.runAndReadAll(
      `SELECT s FROM read_csv('${path}', header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
         allow_quoted_nulls = false, columns = {'n': 'INTEGER', 's': 'VARCHAR'}) ORDER BY n`,
    );
    const read = reader.getRowObjectsJson().map((row) => row.s as string | null);
    connection.closeSync();
    duck.closeSync();
    return read;
  }

  it.each([
    ['NULL and the empty string', [null, '']],
    ['the text \\N and a lone backslash', ['\\N', '\\', 'a\\']],
    ['tabs, line breaks, quotes and commas', ['a\tb', 'a\nb', 'a\r\nb', '"q"', 'a,b', "o'k"]],
    ['Chinese text', ['上海市浦东新区']],
  ])('keeps %s', async (_name, values) => {
    expect(await roundTrip(values)).toEqual(values);
  });

  it('keeps arbitrary strings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.string({ unit: 'binary', maxLength: 30 })), {
          minLength: 1,
          maxLength: 8,
        }),
        async (values) => {
          expect(await roundTrip(values)).toEqual(values);
        },
      ),
      { numRuns: 40 },
    );
  });
});
