/**
 * The SM2 recommended curve (GB/T 32918.5 / GM/T 0003.5 §A, "sm2p256v1") and the range checks
 * on keys and signature scalars that we do before OpenSSL sees them. The cofactor is 1, so a
 * point on the curve other than infinity (which 04‖X‖Y cannot encode) has prime order n.
 */
import { assert } from '../assert.ts';
import { bytesToHex, compareBytes, hexToBytes } from '../bytes.ts';

export const SM2_P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
export const SM2_A = 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn;
export const SM2_B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
export const SM2_N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
export const SM2_GX = 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n;
export const SM2_GY = 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n;

/** Field elements and scalars are 32 bytes, big-endian. */
export const SM2_SCALAR_BYTES = 32;
/** Uncompressed point 04‖X‖Y (GB/T 32918.1 §4.2.9). */
export const SM2_PUBLIC_KEY_BYTES = 65;
export const SM2_SIGNATURE_BYTES = 64;
const POINT_UNCOMPRESSED = 0x04;

export function sm2BigintFromBytes(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytesToHex(bytes)}`);
}

export function sm2BigintToBytes(value: bigint): Uint8Array {
  assert(value >= 0n && value < 1n << 256n, 'sm2BigintToBytes: value fits 32 bytes');
  return hexToBytes(value.toString(16).padStart(SM2_SCALAR_BYTES * 2, '0'));
}

const N_BYTES = sm2BigintToBytes(SM2_N);
const N_MINUS_1_BYTES = sm2BigintToBytes(SM2_N - 1n);

function isOnCurve(x: bigint, y: bigint): boolean {
  return (y * y - (x * x * x + SM2_A * x + SM2_B)) % SM2_P === 0n;
}

assert(SM2_A === SM2_P - 3n, 'sm2: a = p − 3');
assert(isOnCurve(SM2_GX, SM2_GY), 'sm2: G is on the curve');

function isNonZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return true;
  return false;
}

/**
 * A private key d in [1, n − 2] (GB/T 32918.1 §6.1): signing needs (1 + d)⁻¹ mod n. Outside the
 * range OpenSSL misbehaves rather than failing: d = 0 signs, and d = n − 1 loops forever.
 */
export function isSm2PrivateKey(bytes: Uint8Array): boolean {
  return bytes.length === SM2_SCALAR_BYTES && isNonZero(bytes) && compareBytes(bytes, N_MINUS_1_BYTES) < 0;
}

/** A signature half r or s in [1, n − 1] (GB/T 32918.2 §7.1 B1, B2). */
export function isSm2SignatureScalar(bytes: Uint8Array): boolean {
  return bytes.length === SM2_SCALAR_BYTES && isNonZero(bytes) && compareBytes(bytes, N_BYTES) < 0;
}

/** 04‖X‖Y with X, Y reduced mod p and the point on the curve (GB/T 32918.1 §6.2). */
export function isSm2PublicKey(bytes: Uint8Array): boolean {
  if (bytes.length !== SM2_PUBLIC_KEY_BYTES || bytes[0] !== POINT_UNCOMPRESSED) return false;
  const x = sm2BigintFromBytes(bytes.subarray(1, 33));
  const y = sm2BigintFromBytes(bytes.subarray(33, 65));
  return x < SM2_P && y < SM2_P && isOnCurve(x, y);
}
