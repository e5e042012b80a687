/**
 * DER containers that make OpenSSL treat raw SM2 key bytes as SM2 keys: id-ecPublicKey
 * (1.2.840.10045.2.1) with the named curve SM2 (1.2.156.10197.1.301), as OpenSSL 3.0 itself
 * exports them. A key imported this way is SM2-typed; a key from generateKeyPairSync is not.
 */
import { assert } from '../assert.ts';
import { concatBytes, equalBytes, hexToBytes } from '../bytes.ts';
import { SM2_PUBLIC_KEY_BYTES, SM2_SCALAR_BYTES } from './sm2-curve.ts';

/** SEQUENCE { SEQUENCE { id-ecPublicKey, sm2 }, BIT STRING (0 unused bits) }, then 04‖X‖Y. */
const SPKI_PREFIX = hexToBytes('3059301306072a8648ce3d020106082a811ccf5501822d034200');
/**
 * PrivateKeyInfo { version 0, { id-ecPublicKey, sm2 }, OCTET STRING { ECPrivateKey { version 1,
 * OCTET STRING d } } }, then the 32-byte d. The optional public key is left out: OpenSSL derives it.
 */
const PKCS8_PREFIX = hexToBytes('3041020100301306072a8648ce3d020106082a811ccf5501822d042730250201010420');

export const SM2_SPKI_BYTES = SPKI_PREFIX.length + SM2_PUBLIC_KEY_BYTES;

export function sm2PublicKeyToSpki(publicKey: Uint8Array): Uint8Array {
  assert(publicKey.length === SM2_PUBLIC_KEY_BYTES, 'sm2PublicKeyToSpki: 65-byte public key');
  return concatBytes(SPKI_PREFIX, publicKey);
}

/** The 04‖X‖Y inside an SPKI that OpenSSL exported; any other shape is a bug. */
export function sm2PublicKeyFromSpki(spki: Uint8Array): Uint8Array {
  assert(spki.length === SM2_SPKI_BYTES, 'sm2PublicKeyFromSpki: 91-byte SPKI');
  assert(equalBytes(spki.subarray(0, SPKI_PREFIX.length), SPKI_PREFIX), 'sm2PublicKeyFromSpki: SM2 SPKI prefix');
  return spki.slice(SPKI_PREFIX.length);
}

export function sm2PrivateKeyToPkcs8(privateKey: Uint8Array): Uint8Array {
  assert(privateKey.length === SM2_SCALAR_BYTES, 'sm2PrivateKeyToPkcs8: 32-byte scalar');
  return concatBytes(PKCS8_PREFIX, privateKey);
}
