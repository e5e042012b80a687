// Goal: the intl suite is RFC 8032 Ed25519 and refuses what RFC 8032 and a ledger must refuse.
// Method: replay the RFC 8032 §7.1 vectors byte for byte (derive, sign, verify), then tables of
// tampered, non-canonical and small-order inputs, with raw OpenSSL beside us to show why we check.
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../assert.ts';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '../bytes.ts';
import { isEd25519PublicKey, isEd25519VerifyKey } from './ed25519-encoding.ts';
import { intlSuite } from './intl.ts';

interface Ed25519Case {
  readonly name: string;
  readonly secretKey: string;
  readonly publicKey: string;
  readonly message: string;
  readonly signature: string;
}

function loadCases(): Ed25519Case[] {
  const parsed: unknown = JSON.parse(
    readFileSync(new URL('../../test/vectors/ed25519-rfc8032.json', import.meta.url), 'utf8'),
  );
  const { cases } = parsed as Record<string, unknown>;
  if (!Array.isArray(cases)) throw new Error('vector file: cases is not a list');
  return cases.map((item: unknown) => {
    const { name, secretKey, publicKey, message, signature } = item as Record<string, unknown>;
    for (const field of [name, secretKey, publicKey, message, signature]) {
      if (typeof field !== 'string') throw new Error('vector file: every field is a string');
    }
    return { name, secretKey, publicKey, message, signature } as Ed25519Case;
  });
}

const CASES = loadCases();

function vector(name: string): Ed25519Case {
  const found = CASES.find((c) => c.name === name);
  if (found === undefined) throw new Error(`vector file: no case ${name}`);
  return found;
}
const P = (1n << 255n) - 19n;
const L = (1n << 252n) + 27742317777372353535851937790883648493n;

function toLittleEndian(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = 0; i < length; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function fromLittleEndian(bytes: Uint8Array): bigint {
  return bytes.reduceRight((v, byte) => (v << 8n) | BigInt(byte), 0n);
}

function powMod(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = ((base % P) + P) % P;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}

/** The smallest y ≥ 2 whose x² = (y² − 1)/(d y² + 1) is not a square (Euler's criterion): no point has it. */
function yOffTheCurve(): bigint {
  const d = (((-121665n * powMod(121666n, P - 2n)) % P) + P) % P;
  for (let y = 2n; y < 1000n; y++) {
    const x2 = (((y * y - 1n) % P) * powMod(d * y * y + 1n, P - 2n)) % P;
    if (powMod(x2, (P - 1n) / 2n) === P - 1n) return y;
  }
  throw new Error('no y off the curve below 1000');
}

/** What OpenSSL alone says, without our encoding checks. */
function rawOpenSslVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const spki = concatBytes(hexToBytes('302a300506032b6570032100'), publicKey);
  return nodeVerify(null, message, createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }), signature);
}

describe('intl: RFC 8032 §7.1 vectors', () => {
  it('has the five vectors, TEST 1024 with its 1023-byte message', () => {
    expect(CASES.map((c) => c.name)).toEqual(['TEST 1', 'TEST 2', 'TEST 3', 'TEST 1024', 'TEST SHA(abc)']);
    expect(hexToBytes(vector('TEST 1024').message).length).toBe(1023);
  });

  it.each(CASES)(
    '$name: derives the public key, signs byte for byte, verifies',
    ({ secretKey, publicKey, message, signature }) => {
      const seed = hexToBytes(secretKey);
      const msg = hexToBytes(message);
      expect(bytesToHex(intlSuite.publicKeyFromPrivate(seed))).toBe(publicKey);
      expect(bytesToHex(intlSuite.sign(seed, msg))).toBe(signature);
      expect(intlSuite.isValidPublicKey(hexToBytes(publicKey))).toBe(true);
      expect(intlSuite.verify(hexToBytes(publicKey), msg, hexToBytes(signature))).toBe(true);
    },
  );

  it.each(CASES)('$name: rejects an altered message, signature or key', ({ publicKey, message, signature }) => {
    const key = hexToBytes(publicKey);
    const msg = hexToBytes(message);
    const sig = hexToBytes(signature);
    expect(intlSuite.verify(key, concatBytes(msg, Uint8Array.of(0)), sig)).toBe(false);
    const badSig = sig.slice();
    badSig[0] = (badSig[0] ?? 0) ^ 0x01;
    expect(intlSuite.verify(key, msg, badSig)).toBe(false);
    const other = vector('TEST 1').publicKey === publicKey ? vector('TEST 2') : vector('TEST 1');
    const otherKey = hexToBytes(other.publicKey);
    expect(intlSuite.verify(otherKey, msg, sig)).toBe(false);
  });
});

describe('intl: non-canonical and weak encodings', () => {
  const test2 = vector('TEST 2');
  const key = hexToBytes(test2.publicKey);
  const msg = hexToBytes(test2.message);
  const sig = hexToBytes(test2.signature);

  it('rejects S + L (the same signature, S not reduced); OpenSSL 3.0 rejects it too', () => {
    const s = fromLittleEndian(sig.subarray(32));
    const malleated = concatBytes(sig.subarray(0, 32), toLittleEndian(s + L, 32));
    expect(intlSuite.verify(key, msg, malleated)).toBe(false);
    expect(rawOpenSslVerify(key, msg, malleated)).toBe(false);
  });

  const identity = toLittleEndian(1n, 32);
  const forgery = concatBytes(identity, new Uint8Array(32)); // R = identity, S = 0

  it('the identity key admits a universal forgery under OpenSSL alone, so we refuse the key', () => {
    for (const text of ['pay 1 CNY', 'pay 1,000,000 CNY']) {
      expect(rawOpenSslVerify(identity, utf8ToBytes(text), forgery)).toBe(true);
      expect(intlSuite.verify(identity, utf8ToBytes(text), forgery)).toBe(false);
    }
    const unreduced = toLittleEndian(P + 1n, 32); // y = p + 1, the identity again, not reduced
    expect(rawOpenSslVerify(unreduced, utf8ToBytes('x'), forgery)).toBe(true);
    expect(intlSuite.verify(unreduced, utf8ToBytes('x'), forgery)).toBe(false);
  });

  const signBit = (bytes: Uint8Array): Uint8Array => {
    const out = bytes.slice();
    out[31] = (out[31] ?? 0) | 0x80;
    return out;
  };

  // Invalid public keys, in the order the checks run.
  it.each([
    { name: 'empty', key: new Uint8Array(0) },
    { name: '31 bytes', key: key.subarray(0, 31) },
    { name: '33 bytes', key: concatBytes(key, Uint8Array.of(0)) },
    { name: 'y = p (not reduced)', key: toLittleEndian(P, 32) },
    { name: 'y = 2^255 − 1 (not reduced)', key: toLittleEndian((1n << 255n) - 1n, 32) },
    { name: 'y = p + 1 (identity, not reduced)', key: toLittleEndian(P + 1n, 32) },
    { name: 'y off the curve', key: toLittleEndian(yOffTheCurve(), 32) },
    { name: 'x = 0 with the sign bit set', key: signBit(identity) },
    { name: 'identity (order 1)', key: identity },
    { name: '(0, −1) (order 2)', key: toLittleEndian(P - 1n, 32) },
    { name: '(√−1, 0) (order 4)', key: toLittleEndian(0n, 32) },
    { name: '(−√−1, 0) (order 4)', key: signBit(toLittleEndian(0n, 32)) },
  ])('refuses the public key: $name', ({ key: bad }) => {
    expect(isEd25519PublicKey(bad)).toBe(false);
    expect(intlSuite.isValidPublicKey(bad)).toBe(false);
    expect(intlSuite.verify(bad, msg, sig)).toBe(false);
  });

  it('the cheap verification-path check refuses every small-order and unreduced key the full check refuses', () => {
    const y8 = 0x05fc536d880238b13933c6d305acdfd5f098eff289f4c345b027b2c28f95e826n;
    const weak = [
      identity,
      toLittleEndian(P - 1n, 32),
      toLittleEndian(0n, 32),
      toLittleEndian(y8, 32),
      toLittleEndian(P - y8, 32),
    ];
    for (const k of [...weak, ...weak.map(signBit), toLittleEndian(P, 32), toLittleEndian(P + 1n, 32)]) {
      expect(isEd25519PublicKey(k)).toBe(false);
      expect(isEd25519VerifyKey(k)).toBe(false);
      expect(intlSuite.verify(k, msg, sig)).toBe(false);
    }
    // Every key the full check accepts passes the cheap one too.
    for (let i = 0; i < 50; i++) {
      const k = intlSuite.generateKeyPair().publicKey;
      expect(isEd25519PublicKey(k) && isEd25519VerifyKey(k)).toBe(true);
    }
    // A key off the curve passes the cheap check, and OpenSSL's decoding then refuses it.
    const offCurve = toLittleEndian(yOffTheCurve(), 32);
    expect(isEd25519VerifyKey(offCurve)).toBe(true);
    expect(intlSuite.verify(offCurve, msg, sig)).toBe(false);
    expect(intlSuite.isValidPublicKey(offCurve)).toBe(false);
  });

  // Invalid signatures, in the order the checks run, against the right key and message.
  it.each([
    { name: 'empty', signature: new Uint8Array(0) },
    { name: '63 bytes', signature: sig.subarray(0, 63) },
    { name: '65 bytes', signature: concatBytes(sig, Uint8Array.of(0)) },
    { name: 'S = L', signature: concatBytes(sig.subarray(0, 32), toLittleEndian(L, 32)) },
    { name: 'S = 2^256 − 1', signature: concatBytes(sig.subarray(0, 32), toLittleEndian((1n << 256n) - 1n, 32)) },
    { name: 'S = L − 1 (canonical, wrong)', signature: concatBytes(sig.subarray(0, 32), toLittleEndian(L - 1n, 32)) },
    { name: 'all zero', signature: new Uint8Array(64) },
  ])('refuses the signature: $name', ({ signature }) => {
    expect(intlSuite.verify(key, msg, signature)).toBe(false);
  });
});

describe('intl: private keys', () => {
  it.each([0, 31, 33, 64])('asserts on a %i-byte private key (a bug, not a status)', (length) => {
    expect(() => intlSuite.sign(new Uint8Array(length), utf8ToBytes('m'))).toThrow(AssertionError);
    expect(() => intlSuite.publicKeyFromPrivate(new Uint8Array(length))).toThrow(AssertionError);
  });

  it('returns copies: mutating an output does not touch the cache', () => {
    const seed = hexToBytes(vector('TEST 1').secretKey);
    const first = intlSuite.publicKeyFromPrivate(seed);
    first.fill(0);
    expect(bytesToHex(intlSuite.publicKeyFromPrivate(seed))).toBe(vector('TEST 1').publicKey);
  });
});
