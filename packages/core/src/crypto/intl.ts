/** The `intl` suite: Ed25519 (RFC 8032) and SHA-256 via Node's OpenSSL. */
import { type KeyObject, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { bytesToHex, concatBytes, hexToBytes } from '../bytes.ts';
import { KeyCache } from './key-cache.ts';
import type { CryptoSuite, KeyPair } from './suite.ts';

const PKCS8_PREFIX = hexToBytes('302e020100300506032b657004220420');
const SPKI_PREFIX = hexToBytes('302a300506032b6570032100');

const publicKeys = new KeyCache<KeyObject | null>();
const privateKeys = new KeyCache<KeyObject>();

function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength).slice();
}

function publicKeyObject(publicKey: Uint8Array): KeyObject | null {
  if (publicKey.length !== 32) return null;
  return publicKeys.get(bytesToHex(publicKey), () => {
    try {
      return createPublicKey({ key: Buffer.from(concatBytes(SPKI_PREFIX, publicKey)), format: 'der', type: 'spki' });
    } catch {
      return null;
    }
  });
}

function privateKeyObject(privateKey: Uint8Array): KeyObject {
  if (privateKey.length !== 32) throw new RangeError('Ed25519 private key must be 32 bytes');
  return privateKeys.get(bytesToHex(privateKey), () =>
    createPrivateKey({ key: Buffer.from(concatBytes(PKCS8_PREFIX, privateKey)), format: 'der', type: 'pkcs8' }),
  );
}

export const intlSuite: CryptoSuite = {
  name: 'intl',
  publicKeyBytes: 32,
  signatureBytes: 64,
  hashBytes: 32,
  generateKeyPair(): KeyPair {
    const { privateKey } = generateKeyPairSync('ed25519');
    const seed = view(privateKey.export({ format: 'der', type: 'pkcs8' })).subarray(PKCS8_PREFIX.length);
    return { privateKey: seed.slice(), publicKey: intlSuite.publicKeyFromPrivate(seed) };
  },
  publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array {
    const spki = view(createPublicKey(privateKeyObject(privateKey)).export({ format: 'der', type: 'spki' }));
    return spki.subarray(SPKI_PREFIX.length).slice();
  },
  sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
    return view(sign(null, message, privateKeyObject(privateKey)));
  },
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (signature.length !== 64) return false;
    const key = publicKeyObject(publicKey);
    if (key === null) return false;
    try {
      return verify(null, message, key, signature);
    } catch {
      return false;
    }
  },
  hash(bytes: Uint8Array): Uint8Array {
    return view(createHash('sha256').update(bytes).digest());
  },
  isValidPublicKey(publicKey: Uint8Array): boolean {
    return publicKeyObject(publicKey) !== null;
  },
};
