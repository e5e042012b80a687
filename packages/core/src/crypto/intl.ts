/**
 * The `intl` suite: Ed25519 (RFC 8032) with raw 32-byte keys and 64-byte signatures, and
 * SHA-256. OpenSSL does the curve work; this file turns raw bytes into KeyObjects (DER with
 * fixed prefixes), caches them, and adds the encoding checks OpenSSL skips (ed25519-encoding.ts).
 */
// node:crypto: Node's OpenSSL is the only fast Ed25519 on the machine, and these are pure functions of their inputs.
import { createPrivateKey, createPublicKey, hash, type KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { assert } from '../assert.ts';
import { concatBytes, equalBytes, hexToBytes } from '../bytes.ts';
import {
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SIGNATURE_BYTES,
  isEd25519PublicKey,
  isEd25519SignatureScalarCanonical,
  isEd25519VerifyKey,
} from './ed25519-encoding.ts';
import { KeyCache, PRIVATE_KEY_CACHE_ENTRIES_MAX, PUBLIC_KEY_CACHE_ENTRIES_MAX } from './key-cache.ts';
import { bufferToBytes, bytesToBuffer, bytesToCacheKey } from './node-bytes.ts';
import type { CryptoSuite, KeyPair } from './suite.ts';

export const ED25519_PRIVATE_KEY_BYTES = 32;
/** PKCS#8 PrivateKeyInfo for id-Ed25519 (1.3.101.112), followed by the 32-byte seed (RFC 8410). */
const PKCS8_PREFIX = hexToBytes('302e020100300506032b657004220420');
/** SubjectPublicKeyInfo for id-Ed25519, followed by the 32-byte public key (RFC 8410). */
const SPKI_PREFIX = hexToBytes('302a300506032b6570032100');

interface PrivateEntry {
  readonly key: KeyObject;
  readonly publicKey: Uint8Array;
}

/** Only valid keys enter, so garbage keys cannot push out the keys in use. */
const publicKeys = new KeyCache<KeyObject>(PUBLIC_KEY_CACHE_ENTRIES_MAX);
const privateKeys = new KeyCache<PrivateEntry>(PRIVATE_KEY_CACHE_ENTRIES_MAX);
/** Keys that passed the full point check (`isValidPublicKey`). */
const fullyCheckedKeys = new KeyCache<true>(PUBLIC_KEY_CACHE_ENTRIES_MAX);

/**
 * The KeyObject of a public key that passes `check`: the full point check for
 * `isValidPublicKey`, the cheap one (reduced, not small order) on the verification path.
 */
function publicKeyObject(publicKey: Uint8Array, check: (key: Uint8Array) => boolean): KeyObject | null {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) return null;
  const cacheKey = bytesToCacheKey(publicKey);
  const cached = publicKeys.get(cacheKey);
  if (cached !== undefined) return cached;
  if (!check(publicKey)) return null;
  const key = createPublicKey({ key: bytesToBuffer(concatBytes(SPKI_PREFIX, publicKey)), format: 'der', type: 'spki' });
  publicKeys.set(cacheKey, key);
  return key;
}

function privateEntry(privateKey: Uint8Array): PrivateEntry {
  assert(privateKey.length === ED25519_PRIVATE_KEY_BYTES, 'intl: a private key is a 32-byte seed');
  const cacheKey = bytesToCacheKey(privateKey);
  const cached = privateKeys.get(cacheKey);
  if (cached !== undefined) return cached;
  const key = createPrivateKey({
    key: bytesToBuffer(concatBytes(PKCS8_PREFIX, privateKey)),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = bufferToBytes(createPublicKey(key).export({ format: 'der', type: 'spki' }));
  assert(spki.length === SPKI_PREFIX.length + ED25519_PUBLIC_KEY_BYTES, 'intl: OpenSSL exports a 44-byte SPKI');
  assert(
    equalBytes(spki.subarray(0, SPKI_PREFIX.length), SPKI_PREFIX),
    'intl: OpenSSL exports the RFC 8410 SPKI prefix',
  );
  const entry: PrivateEntry = { key, publicKey: spki.slice(SPKI_PREFIX.length) };
  privateKeys.set(cacheKey, entry);
  return entry;
}

export const intlSuite: CryptoSuite = {
  name: 'intl',
  publicKeyBytes: ED25519_PUBLIC_KEY_BYTES,
  signatureBytes: ED25519_SIGNATURE_BYTES,
  hashBytes: 32,

  generateKeyPair(): KeyPair {
    // Any 32 bytes are a seed (RFC 8032 §5.1.5); randomBytes is the OS CSPRNG.
    const privateKey = bufferToBytes(randomBytes(ED25519_PRIVATE_KEY_BYTES));
    return { privateKey, publicKey: intlSuite.publicKeyFromPrivate(privateKey) };
  },

  publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array {
    return privateEntry(privateKey).publicKey.slice();
  },

  sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
    const signature = bufferToBytes(sign(null, message, privateEntry(privateKey).key));
    assert(signature.length === ED25519_SIGNATURE_BYTES, 'intl: OpenSSL signs 64 bytes');
    return signature;
  },

  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
    if (!isEd25519SignatureScalarCanonical(signature)) return false;
    const key = publicKeyObject(publicKey, isEd25519VerifyKey);
    if (key === null) return false;
    return verify(null, message, key, signature);
  },

  hash(bytes: Uint8Array): Uint8Array {
    return bufferToBytes(hash('sha256', bytes, 'buffer'));
  },

  prepareVerifyKey(publicKey: Uint8Array): boolean {
    return publicKeyObject(publicKey, isEd25519VerifyKey) !== null;
  },

  isValidPublicKey(publicKey: Uint8Array): boolean {
    // A cached KeyObject may have passed only the cheap check, so full checks are cached apart.
    if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) return false;
    const cacheKey = bytesToCacheKey(publicKey);
    if (fullyCheckedKeys.get(cacheKey) === true) return true;
    if (!isEd25519PublicKey(publicKey)) return false;
    fullyCheckedKeys.set(cacheKey, true);
    return true;
  },
};
