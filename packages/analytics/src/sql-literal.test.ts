// Goal: a string written as a literal is read back by the engine exactly, whatever it holds, so
// no value can end the literal and add SQL of its own. Method: each literal is selected on a real
// ClickHouse server and a real DuckDB; a table of known injection tricks, then arbitrary strings
// from fast-check (seed printed on failure).
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalClickHouse, startLocalClickHouse } from './local-clickhouse.ts';
import { clickHouseString, duckDbString, isPlainIdentifier, sqlInteger } from './sql-literal.ts';
import { WarehouseError } from './warehouse.ts';

const TRICKS = [
  ['a quote', "'"],
  ['two quotes', "''"],
  ['a backslash-escaped quote', "\\'"],
  ['a backslash then a quote', "\\\\'"],
  ['a lone backslash at the end', 'abc\\'],
  ['a tautology', "x' OR '1'='1"],
  ['a second statement', "'; DROP TABLE transfers; --"],
  ['a comment opener', "x'/*"],
  ['line breaks and tabs', 'a\nb\rc\td'],
  ['backspace and form feed', 'a\bb\fc'],
  ['a TSV NULL marker', '\\N'],
  ['a ClickHouse parameter', '{name:String}'],
  ['a positional parameter', '$1 ?'],
  ['Chinese and an emoji', '支付宝 🧧'],
  ['the empty string', ''],
] as const;

async function clickHouseSelect(url: string, literal: string): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', body: `SELECT ${literal} AS v FORMAT JSONEachRow` });
  const text = await response.text();
  if (!response.ok) throw new Error(text);
  return (JSON.parse(text) as { v: unknown }).v;
}

describe('SQL literals', () => {
  let server: LocalClickHouse;
  let duck: DuckDBInstance;

  beforeAll(async () => {
    server = await startLocalClickHouse();
    duck = await DuckDBInstance.create(':memory:');
  });
  afterAll(async () => {
    duck?.closeSync();
    await server?.stop();
  });

  async function duckSelect(literal: string): Promise<unknown> {
    const connection = await duck.connect();
    try {
      const reader = await connection.runAndReadAll(`SELECT ${literal} AS v`);
      return reader.getRowObjectsJson()[0]?.v;
    } finally {
      connection.closeSync();
    }
  }

  it.each(TRICKS)('ClickHouse reads back %s', async (_name, value) => {
    expect(await clickHouseSelect(server.url, clickHouseString(value))).toBe(value);
  });

  it.each(TRICKS)('DuckDB reads back %s', async (_name, value) => {
    expect(await duckSelect(duckDbString(value))).toBe(value);
  });

  it('ClickHouse reads back a NUL byte; DuckDB, whose parser stops there, refuses it', async () => {
    expect(await clickHouseSelect(server.url, clickHouseString('a\0b'))).toBe('a\0b');
    expect(() => duckDbString('a\0b')).toThrow(WarehouseError);
  });

  it('both read back arbitrary strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 40 }), async (value) => {
        expect(await clickHouseSelect(server.url, clickHouseString(value))).toBe(value);
        if (!value.includes('\0')) expect(await duckSelect(duckDbString(value))).toBe(value);
      }),
      { numRuns: 150 },
    );
  });

  it.each([
    ['a lone high surrogate', 'a\uD800b'],
    ['a lone low surrogate', '\uDC00'],
  ])('refuses %s, which has no UTF-8 form', (_name, value) => {
    expect(() => clickHouseString(value)).toThrow(WarehouseError);
    expect(() => duckDbString(value)).toThrow(WarehouseError);
  });

  it.each([
    [0, '0'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
    [-5, '-5'],
    [2n ** 64n, '18446744073709551616'],
  ])('writes the integer %s as %s', (value, text) => {
    expect(sqlInteger(value)).toBe(text);
  });

  it.each([[1.5], [Number.NaN], [Number.POSITIVE_INFINITY], [2 ** 53]])('refuses %s as an integer', (value) => {
    expect(() => sqlInteger(value)).toThrow(WarehouseError);
  });

  it.each([
    ['paychain', true],
    ['_a1', true],
    ['1abc', false],
    ['pay-chain', false],
    ['a; DROP', false],
    ['', false],
    ['a'.repeat(64), false],
  ])('takes %s as a plain identifier: %s', (value, expected) => {
    expect(isPlainIdentifier(value)).toBe(expected);
  });
});
