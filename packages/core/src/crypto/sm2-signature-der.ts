/**
 * SM2 signatures travel as r‖s (64 bytes, each half big-endian, fixed width) and meet OpenSSL
 * as DER SEQUENCE { INTEGER r, INTEGER s } (SM2Signature, GB/T 35276 / GM/T 0009). The DER side is strict: minimal,
 * positive INTEGERs of at most 32 significant bytes, short-form lengths, nothing trailing.
 */
import { assert } from '../assert.ts';
import { SM2_SCALAR_BYTES, SM2_SIGNATURE_BYTES } from './sm2-curve.ts';

const TAG_SEQUENCE = 0x30;
const TAG_INTEGER = 0x02;
/** Two INTEGERs of at most 33 content bytes: a body of 2 × (2 + 33) = 70 < 128 bytes (short-form lengths), 72 in all. */
export const SM2_SIGNATURE_DER_BYTES_MAX = 2 + 2 * (2 + SM2_SCALAR_BYTES + 1);

function integerContent(fixed: Uint8Array): Uint8Array {
  let start = 0;
  while (start < fixed.length - 1 && fixed[start] === 0) start++;
  const significant = fixed.subarray(start);
  if (((significant[0] ?? 0) & 0x80) === 0) return significant;
  const padded = new Uint8Array(significant.length + 1);
  padded.set(significant, 1);
  return padded;
}

export function sm2SignatureToDer(signature: Uint8Array): Uint8Array {
  assert(signature.length === SM2_SIGNATURE_BYTES, 'sm2SignatureToDer: 64-byte r‖s');
  const r = integerContent(signature.subarray(0, SM2_SCALAR_BYTES));
  const s = integerContent(signature.subarray(SM2_SCALAR_BYTES));
  const bodyLength = 2 + r.length + 2 + s.length;
  const der = new Uint8Array(2 + bodyLength);
  der.set([TAG_SEQUENCE, bodyLength, TAG_INTEGER, r.length]);
  der.set(r, 4);
  der.set([TAG_INTEGER, s.length], 4 + r.length);
  der.set(s, 6 + r.length);
  assert(der.length <= SM2_SIGNATURE_DER_BYTES_MAX, 'sm2SignatureToDer: within the DER maximum');
  return der;
}

/** Reads one strict INTEGER at `offset` into `out` (right-aligned); the next offset, or -1. */
function readInteger(der: Uint8Array, offset: number, out: Uint8Array): number {
  if (der[offset] !== TAG_INTEGER) return -1;
  const length = der[offset + 1];
  if (length === undefined || length < 1 || length > SM2_SCALAR_BYTES + 1) return -1;
  const start = offset + 2;
  const end = start + length;
  if (end > der.length) return -1;
  const first = der[start] ?? 0;
  const second = der[start + 1] ?? 0;
  if ((first & 0x80) !== 0) return -1; // negative
  if (length > 1 && first === 0 && (second & 0x80) === 0) return -1; // not minimal
  const content = first === 0 && length > 1 ? der.subarray(start + 1, end) : der.subarray(start, end);
  if (content.length > SM2_SCALAR_BYTES) return -1;
  out.set(content, SM2_SCALAR_BYTES - content.length);
  return end;
}

/** r‖s from strict DER, or null. Range checks on r and s are the verifier's, not this codec's. */
export function sm2SignatureFromDer(der: Uint8Array): Uint8Array | null {
  if (der.length < 2 || der.length > SM2_SIGNATURE_DER_BYTES_MAX) return null;
  if (der[0] !== TAG_SEQUENCE || der[1] !== der.length - 2) return null;
  const out = new Uint8Array(SM2_SIGNATURE_BYTES);
  const afterR = readInteger(der, 2, out.subarray(0, SM2_SCALAR_BYTES));
  if (afterR < 0) return null;
  const afterS = readInteger(der, afterR, out.subarray(SM2_SCALAR_BYTES));
  if (afterS !== der.length) return null;
  return out;
}
