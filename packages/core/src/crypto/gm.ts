/**
 * The `gm` suite: SM2 signatures (GB/T 32918.2 / GM/T 0003.2) and SM3 (GB/T 32905).
 *
 * Signing computes e = SM3(Z ‖ M) with Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) and the
 * default ID "1234567812345678". Node 20's OpenSSL gives standard SM2 only one way: a key
 * imported from DER (SM2-typed) used with the streaming createSign('sm3') / createVerify('sm3')
 * over Z ‖ M. A generated 'SM2' curve key signs plain ECDSA, and the one-shot crypto.sign
 * uses an empty ID; neither interoperates, so neither is used.
 *
 * Keys: private = 32-byte scalar, public = 65 bytes 04‖X‖Y; signatures are r‖s (64 bytes),
 * converted to and from DER at the OpenSSL boundary.
 */
import { type KeyObject, createHash, createPrivateKey, createPublicKey, createSign, createVerify, randomBytes } from 'node:crypto';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '../bytes.ts';
import { KeyCache } from './key-cache.ts';
import type { CryptoSuite, KeyPair } from './suite.ts';

// GM/T 0003.5 recommended curve parameters.
const CURVE_A = hexToBytes('FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC');
const CURVE_B = hexToBytes('28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93');
const CURVE_GX = hexToBytes('32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7');
const CURVE_GY = hexToBytes('BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0');
const CURVE_N = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123');

export const SM2_DEFAULT_ID = utf8ToBytes('1234567812345678');

// id-ecPublicKey with the SM2 curve OID 1.2.156.10197.1.301.
const SPKI_PREFIX = hexToBytes('3059301306072a8648ce3d020106082a811ccf5501822d034200');
const PKCS8_PREFIX = hexToBytes('3041020100301306072a8648ce3d020106082a811ccf5501822d042730250201010420');

const publicKeys = new KeyCache<{ key: KeyObject; z: Uint8Array } | null>();
const privateKeys = new KeyCache<{ key: KeyObject; z: Uint8Array }>();

function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength).slice();
}

function sm3(bytes: Uint8Array): Uint8Array {
  return view(createHash('sm3').update(bytes).digest());
}

/** Z_A for a public key 04‖X‖Y and a distinguishing ID (GM/T 0003.2 §5.5). */
export function sm2Z(publicKey: Uint8Array, id: Uint8Array = SM2_DEFAULT_ID): Uint8Array {
  const bits = id.length * 8;
  const entl = new Uint8Array([(bits >> 8) & 0xff, bits & 0xff]);
  return sm3(concatBytes(entl, id, CURVE_A, CURVE_B, CURVE_GX, CURVE_GY, publicKey.subarray(1, 33), publicKey.subarray(33, 65)));
}

function publicEntry(publicKey: Uint8Array): { key: KeyObject; z: Uint8Array } | null {
  if (publicKey.length !== 65 || publicKey[0] !== 0x04) return null;
  return publicKeys.get(bytesToHex(publicKey), () => {
    try {
      const key = createPublicKey({ key: Buffer.from(concatBytes(SPKI_PREFIX, publicKey)), format: 'der', type: 'spki' });
      return { key, z: sm2Z(publicKey) };
    } catch {
      return null;
    }
  });
}

function privateEntry(privateKey: Uint8Array): { key: KeyObject; z: Uint8Array } {
  if (privateKey.length !== 32) throw new RangeError('SM2 private key must be 32 bytes');
  return privateKeys.get(bytesToHex(privateKey), () => {
    const key = createPrivateKey({ key: Buffer.from(concatBytes(PKCS8_PREFIX, privateKey)), format: 'der', type: 'pkcs8' });
    const spki = view(createPublicKey(key).export({ format: 'der', type: 'spki' }));
    return { key, z: sm2Z(spki.subarray(SPKI_PREFIX.length)) };
  });
}

function bigintToBytes32(value: bigint): Uint8Array {
  return hexToBytes(value.toString(16).padStart(64, '0'));
}

function derInteger(value: Uint8Array): Uint8Array {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  let body = value.subarray(start);
  if ((body[0]! & 0x80) !== 0) body = concatBytes(new Uint8Array([0]), body);
  return concatBytes(new Uint8Array([0x02, body.length]), body);
}

/** r‖s → DER SEQUENCE { INTEGER r, INTEGER s }. */
function rsToDer(signature: Uint8Array): Uint8Array {
  const r = derInteger(signature.subarray(0, 32));
  const s = derInteger(signature.subarray(32, 64));
  return concatBytes(new Uint8Array([0x30, r.length + s.length]), r, s);
}

/** DER from OpenSSL → r‖s; OpenSSL's output is well formed, so a violation is a bug. */
function derToRs(der: Uint8Array): Uint8Array {
  let offset = 2;
  const read = (): bigint => {
    if (der[offset] !== 0x02) throw new Error('SM2 signature DER: expected INTEGER');
    const length = der[offset + 1]!;
    const value = BigInt(`0x${bytesToHex(der.subarray(offset + 2, offset + 2 + length)) || '0'}`);
    offset += 2 + length;
    return value;
  };
  if (der[0] !== 0x30) throw new Error('SM2 signature DER: expected SEQUENCE');
  const r = read();
  const s = read();
  return concatBytes(bigintToBytes32(r), bigintToBytes32(s));
}

function inScalarRange(bytes: Uint8Array): boolean {
  const value = BigInt(`0x${bytesToHex(bytes)}`);
  return value >= 1n && value < CURVE_N;
}

export const gmSuite: CryptoSuite = {
  name: 'gm',
  publicKeyBytes: 65,
  signatureBytes: 64,
  hashBytes: 32,
  generateKeyPair(): KeyPair {
    // A private key is a scalar d in [1, n−2] (GB/T 32918.1 §6.1); rejection sampling keeps it uniform.
    for (;;) {
      const scalar = view(randomBytes(32));
      const d = BigInt(`0x${bytesToHex(scalar)}`);
      if (d >= 1n && d <= CURVE_N - 2n) return { privateKey: scalar, publicKey: gmSuite.publicKeyFromPrivate(scalar) };
    }
  },
  publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array {
    const spki = view(createPublicKey(privateEntry(privateKey).key).export({ format: 'der', type: 'spki' }));
    return spki.subarray(SPKI_PREFIX.length).slice();
  },
  sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
    const { key, z } = privateEntry(privateKey);
    const der = createSign('sm3').update(z).update(message).sign(key);
    return derToRs(view(der));
  },
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (signature.length !== 64) return false;
    if (!inScalarRange(signature.subarray(0, 32)) || !inScalarRange(signature.subarray(32, 64))) return false;
    const entry = publicEntry(publicKey);
    if (entry === null) return false;
    try {
      return createVerify('sm3').update(entry.z).update(message).verify(entry.key, rsToDer(signature));
    } catch {
      return false;
    }
  },
  hash: sm3,
  isValidPublicKey(publicKey: Uint8Array): boolean {
    return publicEntry(publicKey) !== null;
  },
};
