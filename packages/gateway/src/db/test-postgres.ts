/**
 * For the gateway's tests: where the real PostgreSQL server is, and whether it answers, so each
 * suite runs its PostgreSQL half or skips it saying why.
 */
import pg from 'pg';

export const TEST_POSTGRES_URL = process.env.PAYCHAIN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function isPostgresReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  const reachable = await client.connect().then(
    () => true,
    () => false,
  );
  if (reachable) await client.end();
  return reachable;
}
