/**
 * Checks on Ed25519 encodings (RFC 8032 §5.1) that OpenSSL leaves to the caller. Checked on
 * Node 20.20 / OpenSSL 3.0 here: OpenSSL verifies against a public key whose y is not reduced
 * (y ≥ p), and against a small-order key such as the identity point (01 00…00), for which the
 * signature 01 00…00 ‖ 00…00 verifies on every message. So a public key counts as valid only if
 * it is the canonical encoding of a point on the curve and that point is not of small order.
 * OpenSSL does reject S ≥ L; we check that too, so the rule does not rest on its version.
 */
import { assert } from '../assert.ts';

const P = (1n << 255n) - 19n;
/** The group order L = 2^252 + 27742317777372353535851937790883648493. */
const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const D = mod(-121665n * modPow(121666n, P - 2n));
const SQRT_M1 = modPow(2n, (P - 1n) / 4n);
assert(mod(SQRT_M1 * SQRT_M1) === P - 1n, 'ed25519: SQRT_M1 squares to −1');
assert(powP58(3n) === modPow(3n, (P - 5n) / 8n), 'ed25519: the addition chain computes x^((p − 5) / 8)');
export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

function mod(a: bigint): bigint {
  const r = a % P;
  return r >= 0n ? r : r + P;
}

/** base^exponent mod p by square-and-multiply; the loop runs once per exponent bit (≤ 255). */
function modPow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if ((e & 1n) === 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}

/** x^(2^k) mod p: k squarings. */
function powTwo(x: bigint, k: number): bigint {
  let r = x;
  for (let i = 0; i < k; i++) r = (r * r) % P;
  return r;
}

/**
 * x^((p − 5) / 8) = x^(2^252 − 3) by an addition chain: 252 squarings and 11 multiplications,
 * half the work of square-and-multiply, for the square root in point decoding. Each bN below
 * is x^(2^N − 1).
 */
function powP58(x: bigint): bigint {
  const b2 = (((x * x) % P) * x) % P;
  const b4 = (powTwo(b2, 2) * b2) % P;
  const b5 = (powTwo(b4, 1) * x) % P;
  const b10 = (powTwo(b5, 5) * b5) % P;
  const b20 = (powTwo(b10, 10) * b10) % P;
  const b40 = (powTwo(b20, 20) * b20) % P;
  const b80 = (powTwo(b40, 40) * b40) % P;
  const b160 = (powTwo(b80, 80) * b80) % P;
  const b240 = (powTwo(b160, 80) * b80) % P;
  const b250 = (powTwo(b240, 10) * b10) % P;
  return (powTwo(b250, 2) * x) % P;
}

function littleEndianToBigint(bytes: Uint8Array): bigint {
  return bytes.reduceRight((value, byte) => (value << 8n) | BigInt(byte), 0n);
}

/** Extended coordinates (X, Y, Z, T) with x = X/Z, y = Y/Z, xy = T/Z. */
type Point = readonly [bigint, bigint, bigint, bigint];

/** RFC 8032 §5.1.4 addition; complete on this curve, so it also doubles. */
function pointAdd(p: Point, q: Point): Point {
  const a = mod((p[1] - p[0]) * (q[1] - q[0]));
  const b = mod((p[1] + p[0]) * (q[1] + q[0]));
  const c = mod(2n * p[3] * q[3] * D);
  const d = mod(2n * p[2] * q[2]);
  const e = b - a;
  const f = d - c;
  const g = d + c;
  const h = b + a;
  return [mod(e * f), mod(g * h), mod(f * g), mod(e * h)];
}

/** RFC 8032 §5.1.3 decoding; null unless the 32 bytes are the canonical encoding of a point. */
function decodePoint(bytes: Uint8Array): Point | null {
  const encoded = littleEndianToBigint(bytes);
  const sign = Number(encoded >> 255n);
  const y = encoded & ((1n << 255n) - 1n);
  if (y >= P) return null;
  const u = mod(y * y - 1n);
  const v = mod(D * y * y + 1n);
  const v3 = mod(v * v * v);
  let x = mod(u * v3 * powP58(mod(u * v3 * v3 * v)));
  const vxx = mod(v * x * x);
  if (vxx === mod(-u)) x = mod(x * SQRT_M1);
  else if (vxx !== u) return null;
  if (x === 0n && sign === 1) return null;
  if (Number(x & 1n) !== sign) x = P - x;
  return [x, y, 1n, mod(x * y)];
}

/** Canonical, on the curve, and not of small order (8·A ≠ identity). */
export function isEd25519PublicKey(bytes: Uint8Array): boolean {
  if (bytes.length !== ED25519_PUBLIC_KEY_BYTES) return false;
  const point = decodePoint(bytes);
  if (point === null) return false;
  let q = point;
  for (let doubling = 0; doubling < 3; doubling++) q = pointAdd(q, q);
  const isIdentity = q[0] === 0n && q[1] === q[2];
  return !isIdentity;
}

/** The S half of a signature (bytes 32..63, little-endian) is reduced: S < L (RFC 8032 §5.1.7). */
export function isEd25519SignatureScalarCanonical(signature: Uint8Array): boolean {
  if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
  // L = 2^252 + δ with δ < 2^125, so L's top byte is 0x10 and any other top byte settles it without a bigint.
  const top = signature[ED25519_SIGNATURE_BYTES - 1] ?? 0xff; // length checked above
  if (top !== 0x10) return top < 0x10;
  return littleEndianToBigint(signature.subarray(32, 64)) < L;
}

/**
 * y-coordinates of the eight points of small order (the torsion subgroup): the identity
 * (y = 1), order 2 (y = −1), order 4 (y = 0) and order 8 (y = ±y8). y8's encoding is the one
 * libsodium blacklists; the asserts below derive its small order from the curve itself.
 */
const Y8 = littleEndianToBigint(hexToLittle('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'));
const SMALL_ORDER_YS: ReadonlySet<bigint> = new Set([1n, P - 1n, 0n, Y8, P - Y8]);
for (const y of [Y8, P - Y8]) {
  const bytes = new Uint8Array(32);
  let v = y;
  for (let i = 0; i < 32; i++, v >>= 8n) bytes[i] = Number(v & 0xffn);
  assert(decodePoint(bytes) !== null && !isEd25519PublicKey(bytes), 'ed25519: ±y8 encode points of small order');
}

function hexToLittle(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * The constant-time-cheap part of `isEd25519PublicKey`, for the verification path: y is
 * reduced and the point is not of small order. Whether y decodes to a point at all is left to
 * OpenSSL, whose verification fails on an undecodable key. Keys entering the ledger (account
 * owners, organization keys) pass the full check when they are registered.
 */
export function isEd25519VerifyKey(bytes: Uint8Array): boolean {
  if (bytes.length !== ED25519_PUBLIC_KEY_BYTES) return false;
  const y = littleEndianToBigint(bytes) & ((1n << 255n) - 1n);
  return y < P && !SMALL_ORDER_YS.has(y);
}
