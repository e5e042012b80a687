/**
 * Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A) (GB/T 32918.2 §5.5), which binds a
 * signature to the signer's identity and key: SM2 signs e = SM3(Z_A ‖ M). ENTL_A is the ID's
 * length in bits, 2 bytes big-endian. The default ID is GM/T 0009's "1234567812345678".
 */
// node:crypto: Node's OpenSSL computes SM3 natively, and a hash is a pure function of its input.
import { hash } from 'node:crypto';
import { assert } from '../assert.ts';
import { concatBytes, utf8ToBytes } from '../bytes.ts';
import { bufferToBytes } from './node-bytes.ts';
import { SM2_A, SM2_B, SM2_GX, SM2_GY, SM2_PUBLIC_KEY_BYTES, sm2BigintToBytes } from './sm2-curve.ts';

export const SM2_DEFAULT_ID: Uint8Array = utf8ToBytes('1234567812345678');
/** ENTL holds the ID's bit length in 16 bits. */
export const SM2_ID_BYTES_MAX = 0xffff >> 3;

const CURVE_BYTES = concatBytes(
  sm2BigintToBytes(SM2_A),
  sm2BigintToBytes(SM2_B),
  sm2BigintToBytes(SM2_GX),
  sm2BigintToBytes(SM2_GY),
);

export function sm3(bytes: Uint8Array): Uint8Array {
  return bufferToBytes(hash('sm3', bytes, 'buffer'));
}

/** Z_A for a public key 04‖X‖Y; the caller has checked the key. */
export function sm2Z(publicKey: Uint8Array, id: Uint8Array = SM2_DEFAULT_ID): Uint8Array {
  assert(publicKey.length === SM2_PUBLIC_KEY_BYTES && publicKey[0] === 0x04, 'sm2Z: an uncompressed public key');
  assert(id.length <= SM2_ID_BYTES_MAX, 'sm2Z: ID length fits ENTL');
  const bits = id.length * 8;
  const entl = Uint8Array.of(bits >> 8, bits & 0xff);
  return sm3(concatBytes(entl, id, CURVE_BYTES, publicKey.subarray(1)));
}
