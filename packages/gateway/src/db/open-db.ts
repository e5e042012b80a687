/**
 * Opens the gateway's database from the one string the CLI takes (`--db`): `sqlite:PATH` (the default backend) or a
 * `postgres://…` / `postgresql://…` URL. Parsing is a pure function so the CLI can refuse a bad value before
 * starting anything.
 */
import { assertNever } from '@paychain/core';
import { type GatewayDb, GatewayDbError } from './gateway-db.ts';
import { openPostgresGatewayDb } from './postgres-db.ts';
import { openSqliteGatewayDb } from './sqlite-db.ts';

export type GatewayDbSpec =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string };

export interface OpenGatewayDbOptions {
  /** PostgreSQL only: the schema for the tables (see `PostgresGatewayDbOptions.schema`). */
  readonly postgresSchema?: string;
  /** PostgreSQL only: pooled connections. */
  readonly postgresPoolSize?: number;
}

const SQLITE_PREFIX = 'sqlite:';
const POSTGRES_PREFIXES = ['postgres://', 'postgresql://'];

/** Null when the text is neither `sqlite:PATH` (non-empty path) nor a postgres URL. */
export function parseGatewayDbSpec(text: string): GatewayDbSpec | null {
  if (text.startsWith(SQLITE_PREFIX)) {
    const path = text.slice(SQLITE_PREFIX.length);
    return path.length === 0 ? null : { kind: 'sqlite', path };
  }
  if (POSTGRES_PREFIXES.some((prefix) => text.startsWith(prefix) && text.length > prefix.length)) {
    return { kind: 'postgres', url: text };
  }
  return null;
}

/** Opens and checks the schema version (a newer one is refused: 'db_schema'); call `migrate` before first use. */
export async function openGatewayDb(text: string, options: OpenGatewayDbOptions = {}): Promise<GatewayDb> {
  const spec = parseGatewayDbSpec(text);
  if (spec === null) {
    // Never echo the text: a postgres URL may carry a password.
    throw new GatewayDbError('db_config', 'the database must be sqlite:PATH or a postgres:// URL');
  }
  switch (spec.kind) {
    case 'sqlite':
      return openSqliteGatewayDb(spec.path);
    case 'postgres':
      return openPostgresGatewayDb({
        url: spec.url,
        ...(options.postgresSchema === undefined ? {} : { schema: options.postgresSchema }),
        ...(options.postgresPoolSize === undefined ? {} : { poolSize: options.postgresPoolSize }),
      });
    default:
      return assertNever(spec, 'database kind');
  }
}
