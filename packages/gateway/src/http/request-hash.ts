/**
 * The request hash an idempotency key is bound to: HMAC-SHA256 over the method, the path and the body as canonical
 * JSON (object keys sorted, no spaces), so the same request in another key order or spacing is the same request.
 * Keyed rather than a bare SHA-256 because a sign-up body holds a password: the database must never hold a fast,
 * unsalted hash of it that could be guessed offline.
 */
import { createHmac } from 'node:crypto';
import { assert } from '@paychain/core';

/** Nesting of a JSON body; schemas allow far less, so deeper means a bug. */
const JSON_DEPTH_MAX = 16;
/** The HMAC key's length. */
export const REQUEST_HASH_SECRET_BYTES = 32;

/** JSON text with object keys in ascending code-unit order; the same value always gives the same text. */
export function canonicalJson(value: unknown, depth = 0): string {
  assert(depth <= JSON_DEPTH_MAX, 'JSON nests within JSON_DEPTH_MAX');
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    assert(Number.isFinite(value), 'JSON numbers are finite');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item: unknown) => canonicalJson(item, depth + 1)).join(',')}]`;
  assert(typeof value === 'object', `JSON holds no ${typeof value}`);
  const keys = Object.keys(value).sort();
  const entries = keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(Reflect.get(value, key), depth + 1)}`);
  return `{${entries.join(',')}}`;
}

/** Lowercase hex HMAC-SHA256 of `METHOD\npath\ncanonical body` (an absent body counts as null). */
export function requestHash(secret: Uint8Array, method: string, path: string, body: unknown): string {
  assert(secret.length === REQUEST_HASH_SECRET_BYTES, `the request hash secret is ${REQUEST_HASH_SECRET_BYTES} bytes`);
  return createHmac('sha256', secret)
    .update(`${method.toUpperCase()}\n${path}\n${canonicalJson(body ?? null)}`, 'utf8')
    .digest('hex');
}
