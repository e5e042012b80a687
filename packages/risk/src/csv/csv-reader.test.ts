// Goal: the splitter finds RFC 4180 records and their first line numbers whatever the chunking,
// and the generic reader keeps header, field-count and duplicate checks format-independent.
// Method: tables of texts split at every position, and a fast-check property against a simple model.
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CsvFormat, CsvSplitter, loadCsv } from './csv-reader.ts';
import { csvField } from './csv-writer.ts';

function split(chunks: readonly string[]): { records: string[][]; lines: number[] } {
  const splitter = new CsvSplitter();
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return { records: splitter.records, lines: splitter.lines };
}

describe('CsvSplitter', () => {
  it.each<[string, string, string[][], number[]]>([
    [
      'plain lines',
      'a,b\nc,d\n',
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
      [1, 2],
    ],
    [
      'CRLF',
      'a,b\r\nc,d\r\n',
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
      [1, 2],
    ],
    [
      'no final line break',
      'a,b\nc,d',
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
      [1, 2],
    ],
    [
      'empty fields',
      ',\n,,\n',
      [
        ['', ''],
        ['', '', ''],
      ],
      [1, 2],
    ],
    ['a quoted comma', '"a,b",c\n', [['a,b', 'c']], [1]],
    ['a doubled quote', '"say ""hi""",x\n', [['say "hi"', 'x']], [1]],
    [
      'a quoted line break, and the line after it',
      '"a\nb",c\nd,e\n',
      [
        ['a\nb', 'c'],
        ['d', 'e'],
      ],
      [1, 3],
    ],
    ['a quoted CRLF', '"a\r\nb",c\r\nd\r\n', [['a\r\nb', 'c'], ['d']], [1, 3]],
    ['an empty quoted field at the end', 'a,""\nb\n', [['a', ''], ['b']], [1, 2]],
    ['a byte order mark', '\ufeffa\n', [['a']], [1]],
    ['empty lines at the end', 'a\n\n\n', [['a']], [1]],
  ])('splits %s, however the text is chunked', (_, text, records, lines) => {
    expect(split([text])).toEqual({ records, lines });
    for (let cut = 1; cut < text.length; cut += 1) {
      expect(split([text.slice(0, cut), text.slice(cut)])).toEqual({ records, lines });
    }
    expect(split([...text])).toEqual({ records, lines });
  });

  it.each<[string, string, number]>([
    ['an empty line between records', 'a\n\nb\n', 2],
    ['an unclosed quote', 'a\n"b\n', 2],
    ['a quote inside an unquoted field', 'a\nb"c\n', 2],
    ['text after a closing quote', '"a"b\n', 1],
  ])('refuses %s at its line', (_, text, line) => {
    expect(() => split([text])).toThrow(expect.objectContaining({ line }));
  });

  it('splits what csvField writes back into the same fields (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string({ maxLength: 8 }), { minLength: 2, maxLength: 5 }), { maxLength: 10 }),
        (rows) => {
          const text = rows.map((fields) => `${fields.map(csvField).join(',')}\n`).join('');
          const got = split([text]).records;
          // An all-empty single-field row would be an empty line; rows here have two fields or more.
          expect(got).toEqual(rows);
        },
      ),
    );
  });
});

const pairs: CsvFormat<{ id: string; value: string }> = {
  header: ['id', 'value'],
  parse: ([id, value]) => ({ id: id ?? '', value: value ?? '' }),
  key: (row) => row.id,
};

describe('loadCsv', () => {
  it('refuses duplicates only when asked', async () => {
    const text = 'id,value\na,1\nb,2\na,3\n';
    expect(await loadCsv(Readable.from([text]), pairs)).toHaveLength(3);
    await expect(loadCsv(Readable.from([text]), pairs, { checkDuplicateIds: true })).rejects.toMatchObject({
      code: 'csv_duplicate_id',
      line: 4,
    });
  });

  it('reads a file of only a header as no rows', async () => {
    expect(await loadCsv(Readable.from(['id,value\n']), pairs)).toEqual([]);
  });
});
