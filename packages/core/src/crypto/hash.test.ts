// Goal: each suite's hash is its standard function (gm = SM3, intl = SHA-256). Method: replay the
// GB/T 32905 SM3 examples and FIPS 180-4 SHA-256 examples from test/vectors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../bytes.ts';
import { getSuite } from './suite.ts';

interface HashCase {
  readonly name: string;
  readonly message: string;
  readonly digest: string;
}

function loadCases(field: 'sm3' | 'sha256'): HashCase[] {
  const parsed: unknown = JSON.parse(
    readFileSync(new URL('../../test/vectors/hash-gbt32905-fips180.json', import.meta.url), 'utf8'),
  );
  const list = (parsed as Record<string, unknown>)[field];
  if (!Array.isArray(list)) throw new Error(`vector file: ${field} is not a list`);
  return list.map((item: unknown) => {
    const { name, message, digest } = item as Record<string, unknown>;
    if (typeof name !== 'string' || typeof message !== 'string' || typeof digest !== 'string') {
      throw new Error('vector file: a case needs string name, message, digest');
    }
    return { name, message, digest };
  });
}

describe.each([
  { suite: 'gm' as const, cases: loadCases('sm3') },
  { suite: 'intl' as const, cases: loadCases('sha256') },
])('$suite hash', ({ suite, cases }) => {
  it('has vectors', () => {
    expect(cases.length).toBeGreaterThanOrEqual(2);
  });

  it.each(cases)('$name', ({ message, digest }) => {
    const out = getSuite(suite).hash(hexToBytes(message));
    expect(out).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(out)).toBe(false);
    expect(out.length).toBe(getSuite(suite).hashBytes);
    expect(bytesToHex(out)).toBe(digest);
  });
});
