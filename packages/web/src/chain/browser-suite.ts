/**
 * The crypto suites of the ledger (DESIGN §3) for the browser, where `node:crypto` does not exist:
 * `intl` = Ed25519 (RFC 8032, @noble/curves) + SHA-256 (@noble/hashes); `gm` = SM2 with the Z value and the
 * default ID "1234567812345678" + SM3 (sm-crypto-v2, pure JS on @noble/curves). Encodings are core's
 * (packages/core/src/crypto): Ed25519 keys 32 bytes raw, SM2 public keys 65 bytes 04‖X‖Y, signatures 64 bytes
 * (R‖S, or r‖s). The wallet uses it to verify receipts and certificates with core's own `verifyReceipt`;
 * agreement with the Node suites is pinned by browser-suite.test.ts.
 *
 * The same key checks as core run before the libraries see a key: a canonical point that is not of small order
 * (Ed25519), a point on the curve with reduced coordinates (SM2), and signature scalars in range. `verify` never
 * throws: any malformed input is a `false`.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assert, assertNever, bytesToHex, type CryptoSuite, hexToBytes, type SuiteName } from '@paychain/core/browser';
import { sm2, sm3 } from 'sm-crypto-v2';

const ED25519_KEY_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;
/** The Ed25519 group order L = 2^252 + 27742317777372353535851937790883648493. */
const ED25519_L = (1n << 252n) + 27742317777372353535851937790883648493n;

const SM2_PUBLIC_KEY_BYTES = 65;
const SM2_SCALAR_BYTES = 32;
const SM2_SIGNATURE_BYTES = 64;
const SM2_P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const SM2_A = 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn;
const SM2_B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
const SM2_N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
/** GM/T 0009's default distinguishing identifier, as sm-crypto-v2 takes it (its default too, stated here). */
const SM2_DEFAULT_USER_ID = '1234567812345678';
/** A uniform d in [1, n − 2] by rejection; a draw is rejected about once in 2^32, so 8 never all fail. */
const SM2_KEY_GENERATION_ATTEMPTS_MAX = 8;

function bigintFromBigEndian(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytesToHex(bytes)}`);
}

function bigintFromLittleEndian(bytes: Uint8Array): bigint {
  return bytes.reduceRight((value, byte) => (value << 8n) | BigInt(byte), 0n);
}

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  return bytes;
}

// ---- intl: Ed25519 + SHA-256 ----

/** Canonical encoding (y < p, RFC 8032 §5.1.3), on the curve, and not of small order — core's isEd25519PublicKey. */
function isEd25519PublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== ED25519_KEY_BYTES) return false;
  try {
    // zip215 = false: strict RFC 8032 decoding, which refuses a non-canonical y.
    return !ed25519.Point.fromBytes(publicKey, false).isSmallOrder();
  } catch {
    // noble throws on bytes that are not a point; for a key check that is simply "not a valid key".
    return false;
  }
}

/** S < L (RFC 8032 §5.1.7): a signature with an unreduced S is malleable and refused, as in core. */
function isEd25519SignatureScalarCanonical(signature: Uint8Array): boolean {
  return signature.length === ED25519_SIGNATURE_BYTES && bigintFromLittleEndian(signature.subarray(32)) < ED25519_L;
}

export const browserIntlSuite: CryptoSuite = {
  name: 'intl',
  publicKeyBytes: ED25519_KEY_BYTES,
  signatureBytes: ED25519_SIGNATURE_BYTES,
  hashBytes: 32,

  generateKeyPair() {
    // Any 32 bytes are a seed (RFC 8032 §5.1.5).
    const privateKey = randomBytes(ED25519_KEY_BYTES);
    return { privateKey, publicKey: browserIntlSuite.publicKeyFromPrivate(privateKey) };
  },

  publicKeyFromPrivate(privateKey) {
    assert(privateKey.length === ED25519_KEY_BYTES, 'intl: a private key is a 32-byte seed');
    return ed25519.getPublicKey(privateKey);
  },

  sign(privateKey, message) {
    assert(privateKey.length === ED25519_KEY_BYTES, 'intl: a private key is a 32-byte seed');
    const signature = ed25519.sign(message, privateKey);
    assert(signature.length === ED25519_SIGNATURE_BYTES, 'intl: Ed25519 signs 64 bytes');
    return signature;
  },

  verify(publicKey, message, signature) {
    if (signature.length !== ED25519_SIGNATURE_BYTES || !isEd25519SignatureScalarCanonical(signature)) return false;
    if (!isEd25519PublicKey(publicKey)) return false;
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      // A signature whose R is not a point makes noble throw; that is an invalid signature, not an error.
      return false;
    }
  },

  hash(bytes) {
    return sha256(bytes);
  },

  isValidPublicKey: isEd25519PublicKey,
  prepareVerifyKey: isEd25519PublicKey,
};

// ---- gm: SM2 + SM3 ----

/** 04‖X‖Y with X, Y reduced mod p and the point on the curve (GB/T 32918.1 §6.2), as core's isSm2PublicKey. */
function isSm2PublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== SM2_PUBLIC_KEY_BYTES || publicKey[0] !== 0x04) return false;
  const x = bigintFromBigEndian(publicKey.subarray(1, 33));
  const y = bigintFromBigEndian(publicKey.subarray(33, 65));
  return x < SM2_P && y < SM2_P && (y * y - (x * x * x + SM2_A * x + SM2_B)) % SM2_P === 0n;
}

/** A signature half r or s in [1, n − 1] (GB/T 32918.2 §7.1 B1, B2). */
function isSm2SignatureScalar(bytes: Uint8Array): boolean {
  const value = bigintFromBigEndian(bytes);
  return bytes.length === SM2_SCALAR_BYTES && value >= 1n && value < SM2_N;
}

/** A private key d in [1, n − 2]: signing needs (1 + d)⁻¹ mod n. */
function isSm2PrivateKey(bytes: Uint8Array): boolean {
  const value = bigintFromBigEndian(bytes);
  return bytes.length === SM2_SCALAR_BYTES && value >= 1n && value <= SM2_N - 2n;
}

function sm3Bytes(bytes: Uint8Array): Uint8Array {
  return hexToBytes(sm3(bytes));
}

export const browserGmSuite: CryptoSuite = {
  name: 'gm',
  publicKeyBytes: SM2_PUBLIC_KEY_BYTES,
  signatureBytes: SM2_SIGNATURE_BYTES,
  hashBytes: 32,

  generateKeyPair() {
    for (let attempt = 0; attempt < SM2_KEY_GENERATION_ATTEMPTS_MAX; attempt++) {
      const privateKey = randomBytes(SM2_SCALAR_BYTES);
      if (isSm2PrivateKey(privateKey))
        return { privateKey, publicKey: browserGmSuite.publicKeyFromPrivate(privateKey) };
    }
    assert(false, 'gm: the CSPRNG gave no scalar in range in SM2_KEY_GENERATION_ATTEMPTS_MAX draws');
  },

  publicKeyFromPrivate(privateKey) {
    assert(isSm2PrivateKey(privateKey), 'gm: a private key is a 32-byte scalar in [1, n − 2]');
    const publicKey = hexToBytes(sm2.getPublicKeyFromPrivateKey(bytesToHex(privateKey)).toLowerCase());
    assert(isSm2PublicKey(publicKey), 'gm: sm-crypto-v2 derives an uncompressed point on the curve');
    return publicKey;
  },

  sign(privateKey, message) {
    const publicKey = browserGmSuite.publicKeyFromPrivate(privateKey);
    const signatureHex = sm2.doSignature(message, bytesToHex(privateKey), {
      hash: true,
      der: false,
      publicKey: bytesToHex(publicKey),
      userId: SM2_DEFAULT_USER_ID,
    });
    const signature = hexToBytes(signatureHex.toLowerCase());
    assert(signature.length === SM2_SIGNATURE_BYTES, 'gm: sm-crypto-v2 signs r‖s, 64 bytes');
    return signature;
  },

  verify(publicKey, message, signature) {
    if (signature.length !== SM2_SIGNATURE_BYTES) return false;
    if (!isSm2SignatureScalar(signature.subarray(0, SM2_SCALAR_BYTES))) return false;
    if (!isSm2SignatureScalar(signature.subarray(SM2_SCALAR_BYTES))) return false;
    if (!isSm2PublicKey(publicKey)) return false;
    try {
      return sm2.doVerifySignature(message, bytesToHex(signature), bytesToHex(publicKey), {
        hash: true,
        der: false,
        userId: SM2_DEFAULT_USER_ID,
      });
    } catch {
      // Inputs are checked above, so this is not expected; a throw still means "does not verify", never a crash.
      return false;
    }
  },

  hash: sm3Bytes,
  isValidPublicKey: isSm2PublicKey,
  prepareVerifyKey: isSm2PublicKey,
};

/** The browser suite of a chain, by the name its genesis fixed (GET /v1/consortium answers it). */
export function getBrowserSuite(name: SuiteName): CryptoSuite {
  switch (name) {
    case 'intl':
      return browserIntlSuite;
    case 'gm':
      return browserGmSuite;
    default:
      return assertNever(name, 'suite name');
  }
}
