// Goal: every form of `--warehouse` names the engine and place the user meant, and a wrong one is
// refused before anything is opened. Method: a table of specs, valid then invalid; one real open
// of each engine (DuckDB in memory, ClickHouse on a local server) through the same function.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalClickHouse, startLocalClickHouse } from './local-clickhouse.ts';
import { openWarehouse, parseWarehouseSpec } from './open-warehouse.ts';

describe('parseWarehouseSpec', () => {
  it.each([
    ['a path', 'data/warehouse.duckdb', { engine: 'duckdb', path: 'data/warehouse.duckdb' }],
    ['an absolute path', '/var/lib/paychain/w.duckdb', { engine: 'duckdb', path: '/var/lib/paychain/w.duckdb' }],
    ['duckdb: and a path', 'duckdb:w.duckdb', { engine: 'duckdb', path: 'w.duckdb' }],
    ['memory', ':memory:', { engine: 'duckdb', path: ':memory:' }],
    ['duckdb: and memory', 'duckdb::memory:', { engine: 'duckdb', path: ':memory:' }],
    [
      'clickhouse:// with a database',
      'clickhouse://127.0.0.1:8123/paychain',
      { engine: 'clickhouse', url: 'http://127.0.0.1:8123', database: 'paychain' },
    ],
    [
      'clickhouse:// without port or database',
      'clickhouse://ch.internal',
      { engine: 'clickhouse', url: 'http://ch.internal:8123', database: 'paychain' },
    ],
    [
      'clickhouses:// with credentials',
      'clickhouses://ops:p%40ss@ch.example.com/analytics',
      {
        engine: 'clickhouse',
        url: 'https://ch.example.com:8443',
        database: 'analytics',
        username: 'ops',
        password: 'p@ss',
      },
    ],
    [
      'http:// as ClickHouse',
      'http://localhost:18123/w_1/',
      { engine: 'clickhouse', url: 'http://localhost:18123', database: 'w_1' },
    ],
    ['IPv6', 'clickhouse://[::1]:9999/db', { engine: 'clickhouse', url: 'http://[::1]:9999', database: 'db' }],
  ])('reads %s', (_name, spec, expected) => {
    expect(parseWarehouseSpec(spec)).toEqual(expected);
  });

  it.each([
    ['an empty spec', ''],
    ['duckdb: without a path', 'duckdb:'],
    ['another scheme', 'postgres://localhost/paychain'],
    ['a URL that does not parse', 'clickhouse://exa mple/db'],
  ])('refuses %s', (_name, spec) => {
    expect(() => parseWarehouseSpec(spec)).toThrow(expect.objectContaining({ code: 'spec_invalid' }));
  });
});

describe('openWarehouse', () => {
  let server: LocalClickHouse;
  beforeAll(async () => {
    server = await startLocalClickHouse();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.each([
    ['DuckDB in memory', () => ':memory:', 'duckdb'],
    ['ClickHouse', () => `${server.url.replace('http:', 'clickhouse:')}/opened`, 'clickhouse'],
  ])('opens %s', async (_name, spec, engine) => {
    const warehouse = await openWarehouse(spec());
    try {
      expect(warehouse.engine).toBe(engine);
      expect(await warehouse.timeSpan()).toBeNull();
    } finally {
      await warehouse.close();
    }
  });

  it('refuses a database name that is not a plain identifier', async () => {
    await expect(openWarehouse(`${server.url}/bad-name`)).rejects.toMatchObject({ code: 'spec_invalid' });
  });
});
