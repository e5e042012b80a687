/**
 * The `gm` suite: SM2 signatures (GB/T 32918.2 / GM/T 0003.2) on the recommended curve with the
 * default ID, and SM3 (GB/T 32905). Keys: private = 32-byte scalar d, public = 04‖X‖Y (65 bytes);
 * signatures = r‖s (64 bytes), turned into DER only at the OpenSSL boundary.
 *
 * Node 20's OpenSSL gives standard SM2 one way only, checked here and pinned by gm-interop.test.ts:
 * a key imported from DER is SM2-typed, and the streaming createSign('sm3') / createVerify('sm3')
 * over Z ‖ M then sign and verify e = SM3(Z ‖ M). The one-shot crypto.sign on such a key uses an
 * empty ID, and a key from generateKeyPairSync('ec', { namedCurve: 'SM2' }) signs ECDSA; neither
 * interoperates, so neither is used.
 */
// node:crypto: Node's OpenSSL is the only fast SM2 on the machine, and these are pure functions of their inputs.
import { createPrivateKey, createPublicKey, createSign, createVerify, type KeyObject, randomBytes } from 'node:crypto';
import { assert } from '../assert.ts';
import { KeyCache, PRIVATE_KEY_CACHE_ENTRIES_MAX, PUBLIC_KEY_CACHE_ENTRIES_MAX } from './key-cache.ts';
import { bufferToBytes, bytesToBuffer, bytesToCacheKey } from './node-bytes.ts';
import {
  isSm2PrivateKey,
  isSm2PublicKey,
  isSm2SignatureScalar,
  SM2_PUBLIC_KEY_BYTES,
  SM2_SCALAR_BYTES,
  SM2_SIGNATURE_BYTES,
} from './sm2-curve.ts';
import { sm2PrivateKeyToPkcs8, sm2PublicKeyFromSpki, sm2PublicKeyToSpki } from './sm2-der.ts';
import { sm2SignatureFromDer, sm2SignatureToDer } from './sm2-signature-der.ts';
import { sm2Z, sm3 } from './sm2-z.ts';
import type { CryptoSuite, KeyPair } from './suite.ts';

/** A uniform d in [1, n − 2] by rejection; one draw in ~2³² is rejected, so 8 never all fail. */
const KEY_GENERATION_ATTEMPTS_MAX = 8;

interface PublicEntry {
  readonly key: KeyObject;
  readonly z: Uint8Array;
}

interface PrivateEntry {
  readonly key: KeyObject;
  readonly z: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** Only valid keys enter, so garbage keys cannot push out the keys in use. */
const publicKeys = new KeyCache<PublicEntry>(PUBLIC_KEY_CACHE_ENTRIES_MAX);
const privateKeys = new KeyCache<PrivateEntry>(PRIVATE_KEY_CACHE_ENTRIES_MAX);

function publicEntry(publicKey: Uint8Array): PublicEntry | null {
  if (publicKey.length !== SM2_PUBLIC_KEY_BYTES) return null;
  const cacheKey = bytesToCacheKey(publicKey);
  const cached = publicKeys.get(cacheKey);
  if (cached !== undefined) return cached;
  if (!isSm2PublicKey(publicKey)) return null;
  const key = createPublicKey({ key: bytesToBuffer(sm2PublicKeyToSpki(publicKey)), format: 'der', type: 'spki' });
  const entry: PublicEntry = { key, z: sm2Z(publicKey) };
  publicKeys.set(cacheKey, entry);
  return entry;
}

function privateEntry(privateKey: Uint8Array): PrivateEntry {
  // Checked before OpenSSL sees the key: it signs with d = 0 and never returns for d = n − 1.
  assert(isSm2PrivateKey(privateKey), 'gm: a private key is a 32-byte scalar in [1, n − 2]');
  const cacheKey = bytesToCacheKey(privateKey);
  const cached = privateKeys.get(cacheKey);
  if (cached !== undefined) return cached;
  const key = createPrivateKey({ key: bytesToBuffer(sm2PrivateKeyToPkcs8(privateKey)), format: 'der', type: 'pkcs8' });
  const publicKey = sm2PublicKeyFromSpki(bufferToBytes(createPublicKey(key).export({ format: 'der', type: 'spki' })));
  assert(isSm2PublicKey(publicKey), 'gm: OpenSSL derives a point on the curve');
  const entry: PrivateEntry = { key, z: sm2Z(publicKey), publicKey };
  privateKeys.set(cacheKey, entry);
  return entry;
}

export const gmSuite: CryptoSuite = {
  name: 'gm',
  publicKeyBytes: SM2_PUBLIC_KEY_BYTES,
  signatureBytes: SM2_SIGNATURE_BYTES,
  hashBytes: 32,

  generateKeyPair(): KeyPair {
    for (let attempt = 0; attempt < KEY_GENERATION_ATTEMPTS_MAX; attempt++) {
      const privateKey = bufferToBytes(randomBytes(SM2_SCALAR_BYTES));
      if (isSm2PrivateKey(privateKey)) return { privateKey, publicKey: gmSuite.publicKeyFromPrivate(privateKey) };
    }
    assert(false, 'gm: the CSPRNG gave no scalar in range in KEY_GENERATION_ATTEMPTS_MAX draws');
  },

  publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array {
    return privateEntry(privateKey).publicKey.slice();
  },

  sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
    const { key, z } = privateEntry(privateKey);
    const der = bufferToBytes(createSign('sm3').update(z).update(message).sign(key));
    const signature = sm2SignatureFromDer(der);
    assert(signature !== null, 'gm: OpenSSL signs strict DER');
    assert(
      isSm2SignatureScalar(signature.subarray(0, SM2_SCALAR_BYTES)) &&
        isSm2SignatureScalar(signature.subarray(SM2_SCALAR_BYTES)),
      'gm: OpenSSL signs r, s in [1, n − 1]',
    );
    return signature;
  },

  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (signature.length !== SM2_SIGNATURE_BYTES) return false;
    if (!isSm2SignatureScalar(signature.subarray(0, SM2_SCALAR_BYTES))) return false;
    if (!isSm2SignatureScalar(signature.subarray(SM2_SCALAR_BYTES))) return false;
    const entry = publicEntry(publicKey);
    if (entry === null) return false;
    return createVerify('sm3').update(entry.z).update(message).verify(entry.key, sm2SignatureToDer(signature));
  },

  hash: sm3,

  prepareVerifyKey(publicKey: Uint8Array): boolean {
    return publicEntry(publicKey) !== null;
  },

  isValidPublicKey(publicKey: Uint8Array): boolean {
    return publicEntry(publicKey) !== null;
  },
};
