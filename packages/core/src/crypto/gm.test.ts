// Goal: the gm suite is standard SM2 with the default ID (GB/T 32918.2) and refuses malformed
// keys and signatures with false, never a throw or a hang. Method: the GB/T 32918.5 Annex A
// example (derive P, recompute Z_A and e, verify r‖s, reject alterations), then tables of invalid
// public keys, signatures and private keys in the order the checks run.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../assert.ts';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '../bytes.ts';
import { gmSuite } from './gm.ts';
import { isSm2PrivateKey, isSm2PublicKey, SM2_B, SM2_N, SM2_P, sm2BigintToBytes } from './sm2-curve.ts';
import { SM2_DEFAULT_ID, sm2Z, sm3 } from './sm2-z.ts';

interface Sm2Vector {
  readonly privateKey: string;
  readonly publicKey: string;
  readonly id: string;
  readonly idText: string;
  readonly message: string;
  readonly messageText: string;
  readonly z: string;
  readonly e: string;
  readonly r: string;
  readonly s: string;
}

function loadVector(): Sm2Vector {
  const parsed: unknown = JSON.parse(
    readFileSync(new URL('../../test/vectors/sm2-gbt32918.json', import.meta.url), 'utf8'),
  );
  const v = parsed as Record<string, unknown>;
  for (const field of ['privateKey', 'publicKey', 'id', 'idText', 'message', 'messageText', 'z', 'e', 'r', 's']) {
    if (typeof v[field] !== 'string') throw new Error(`vector file: ${field} is not a string`);
  }
  return v as unknown as Sm2Vector;
}

const V = loadVector();
const PRIVATE = hexToBytes(V.privateKey);
const PUBLIC = hexToBytes(V.publicKey);
const MESSAGE = hexToBytes(V.message);
const SIGNATURE = hexToBytes(V.r + V.s);

function flip(bytes: Uint8Array, index: number): Uint8Array {
  const out = bytes.slice();
  out[index] = (out[index] ?? 0) ^ 0x01;
  return out;
}

function powModP(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = base % SM2_P;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % SM2_P;
    b = (b * b) % SM2_P;
  }
  return result;
}

/** √b mod p (p ≡ 3 mod 4), so (0, √b) is a curve point, and x = p encodes it again unreduced. */
const SQRT_B = powModP(SM2_B, (SM2_P + 1n) / 4n);

function point(x: bigint, y: bigint): Uint8Array {
  return concatBytes(Uint8Array.of(0x04), sm2BigintToBytes(x), sm2BigintToBytes(y));
}

describe('gm: GB/T 32918.5 Annex A example', () => {
  it('the vector is self-consistent: ID and message texts', () => {
    expect(bytesToHex(utf8ToBytes(V.idText))).toBe(V.id);
    expect(bytesToHex(utf8ToBytes(V.messageText))).toBe(V.message);
    expect(bytesToHex(SM2_DEFAULT_ID)).toBe(V.id);
  });

  it('derives the public key from the private key', () => {
    expect(bytesToHex(gmSuite.publicKeyFromPrivate(PRIVATE))).toBe(V.publicKey);
    expect(gmSuite.isValidPublicKey(PUBLIC)).toBe(true);
  });

  it('computes Z_A with the default ID, and e = SM3(Z_A ‖ M)', () => {
    const z = sm2Z(PUBLIC);
    expect(bytesToHex(z)).toBe(V.z);
    expect(bytesToHex(sm2Z(PUBLIC, hexToBytes(V.id)))).toBe(V.z);
    expect(bytesToHex(sm3(concatBytes(z, MESSAGE)))).toBe(V.e);
  });

  it('Z_A depends on the ID: another ID, or the empty one, gives another Z', () => {
    expect(bytesToHex(sm2Z(PUBLIC, utf8ToBytes('ALICE123@YAHOO.COM')))).not.toBe(V.z);
    expect(bytesToHex(sm2Z(PUBLIC, new Uint8Array(0)))).not.toBe(V.z);
  });

  it('verifies the standard signature (r, s)', () => {
    expect(gmSuite.verify(PUBLIC, MESSAGE, SIGNATURE)).toBe(true);
  });

  it.each([
    { name: 'message with one bit flipped', key: PUBLIC, message: flip(MESSAGE, 0), signature: SIGNATURE },
    {
      name: 'message with a byte appended',
      key: PUBLIC,
      message: concatBytes(MESSAGE, Uint8Array.of(0)),
      signature: SIGNATURE,
    },
    { name: 'empty message', key: PUBLIC, message: new Uint8Array(0), signature: SIGNATURE },
    { name: 'r altered', key: PUBLIC, message: MESSAGE, signature: flip(SIGNATURE, 31) },
    { name: 's altered', key: PUBLIC, message: MESSAGE, signature: flip(SIGNATURE, 63) },
    {
      name: 'r and s swapped',
      key: PUBLIC,
      message: MESSAGE,
      signature: concatBytes(SIGNATURE.subarray(32), SIGNATURE.subarray(0, 32)),
    },
    { name: "another signer's key", key: gmSuite.generateKeyPair().publicKey, message: MESSAGE, signature: SIGNATURE },
  ])('rejects: $name', ({ key, message, signature }) => {
    expect(gmSuite.verify(key, message, signature)).toBe(false);
  });

  it('signs and verifies with the standard key', () => {
    const signature = gmSuite.sign(PRIVATE, MESSAGE);
    expect(signature.length).toBe(64);
    expect(gmSuite.verify(PUBLIC, MESSAGE, signature)).toBe(true);
  });
});

describe('gm: refusals', () => {
  it('√b is a square root of b', () => {
    expect((SQRT_B * SQRT_B) % SM2_P).toBe(SM2_B);
  });

  const n = SM2_N;
  const x = BigInt(`0x${V.publicKey.slice(2, 66)}`);
  const y = BigInt(`0x${V.publicKey.slice(66)}`);
  const r = SIGNATURE.subarray(0, 32);
  const s = SIGNATURE.subarray(32);

  // Invalid public keys, in the order the checks run.
  it.each([
    { name: 'empty', key: new Uint8Array(0) },
    { name: '64 bytes (no prefix)', key: PUBLIC.subarray(1) },
    { name: '66 bytes', key: concatBytes(PUBLIC, Uint8Array.of(0)) },
    { name: 'compressed form 02‖X', key: concatBytes(Uint8Array.of(0x02), PUBLIC.subarray(1, 33)) },
    { name: 'prefix 03', key: concatBytes(Uint8Array.of(0x03), PUBLIC.subarray(1)) },
    { name: 'prefix 06 (hybrid)', key: concatBytes(Uint8Array.of(0x06), PUBLIC.subarray(1)) },
    { name: '(0, √b) is on the curve: control', key: point(0n, SQRT_B), valid: true },
    { name: 'x = p, the same point with x not reduced', key: point(SM2_P, SQRT_B) },
    { name: 'y = p (not reduced)', key: point(x, SM2_P) },
    { name: 'y = p − y (−P, is on the curve: control)', key: point(x, SM2_P - y), valid: true },
    { name: 'y + 1 (off the curve)', key: point(x, y + 1n) },
    { name: 'all zero after 04', key: point(0n, 0n) },
  ])('public key: $name', ({ key, valid }) => {
    const expected = valid === true;
    expect(isSm2PublicKey(key)).toBe(expected);
    expect(gmSuite.isValidPublicKey(key)).toBe(expected);
    expect(gmSuite.verify(key, MESSAGE, SIGNATURE)).toBe(false);
  });

  // Invalid signatures, in the order the checks run, against the right key and message.
  it.each([
    { name: 'empty', signature: new Uint8Array(0) },
    { name: '63 bytes', signature: SIGNATURE.subarray(0, 63) },
    { name: '65 bytes', signature: concatBytes(SIGNATURE, Uint8Array.of(0)) },
    { name: 'DER instead of r‖s', signature: hexToBytes(`3046022100${V.r}022100${V.s}`) },
    { name: 'r = 0', signature: concatBytes(sm2BigintToBytes(0n), s) },
    { name: 'r = n', signature: concatBytes(sm2BigintToBytes(n), s) },
    {
      name: 'r = r + n (same residue)',
      signature: concatBytes(sm2BigintToBytes((BigInt(`0x${V.r}`) + n) % (1n << 256n)), s),
    },
    { name: 'r = 2^256 − 1', signature: concatBytes(new Uint8Array(32).fill(0xff), s) },
    { name: 's = 0', signature: concatBytes(r, sm2BigintToBytes(0n)) },
    { name: 's = n', signature: concatBytes(r, sm2BigintToBytes(n)) },
    { name: 's = 2^256 − 1', signature: concatBytes(r, new Uint8Array(32).fill(0xff)) },
    {
      name: 'r = s = n − 1 (in range, wrong)',
      signature: concatBytes(sm2BigintToBytes(n - 1n), sm2BigintToBytes(n - 1n)),
    },
    { name: 'r + s = n (t = 0)', signature: concatBytes(r, sm2BigintToBytes(n - BigInt(`0x${V.r}`))) },
  ])('signature: $name', ({ signature }) => {
    expect(gmSuite.verify(PUBLIC, MESSAGE, signature)).toBe(false);
  });

  // Private keys outside [1, n − 2] are bugs (private keys come from generateKeyPair): assert,
  // and never hand them to OpenSSL, which signs with d = 0 and never returns for d = n − 1.
  it.each([
    { name: '31 bytes', key: PRIVATE.subarray(1) },
    { name: '33 bytes', key: concatBytes(Uint8Array.of(0), PRIVATE) },
    { name: 'd = 0', key: sm2BigintToBytes(0n) },
    { name: 'd = n − 1', key: sm2BigintToBytes(n - 1n) },
    { name: 'd = n', key: sm2BigintToBytes(n) },
    { name: 'd = 2^256 − 1', key: new Uint8Array(32).fill(0xff) },
  ])('private key: $name asserts', ({ key }) => {
    expect(isSm2PrivateKey(key)).toBe(false);
    expect(() => gmSuite.sign(key, MESSAGE)).toThrow(AssertionError);
    expect(() => gmSuite.publicKeyFromPrivate(key)).toThrow(AssertionError);
  });

  it.each([
    { name: 'd = 1', key: sm2BigintToBytes(1n) },
    { name: 'd = n − 2', key: sm2BigintToBytes(n - 2n) },
  ])('private key: $name (range ends) signs and verifies', ({ key }) => {
    const publicKey = gmSuite.publicKeyFromPrivate(key);
    expect(gmSuite.verify(publicKey, MESSAGE, gmSuite.sign(key, MESSAGE))).toBe(true);
  });

  it('d = 1 gives the base point G', () => {
    expect(bytesToHex(gmSuite.publicKeyFromPrivate(sm2BigintToBytes(1n)))).toBe(
      '0432c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0',
    );
  });
});
