/**
 * Crypto suites, fixed per chain at genesis (DESIGN §3): `intl` = Ed25519 + SHA-256, `gm` = SM2
 * with the Z value and the default ID + SM3. This folder is the one place in core that imports
 * `node:crypto`: Node's OpenSSL is the only fast Ed25519/SM2 on the machine, and hashing, signing
 * with a given key and verifying are pure functions of their inputs. Key generation alone draws
 * from the OS CSPRNG; the ledger never calls it.
 */
import { assertNever } from '../assert.ts';
import { gmSuite } from './gm.ts';
import { intlSuite } from './intl.ts';

export type SuiteName = 'intl' | 'gm';

export interface KeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export interface CryptoSuite {
  readonly name: SuiteName;
  /** intl 32 (raw Ed25519), gm 65 (04‖X‖Y). */
  readonly publicKeyBytes: number;
  /** 64 for both: Ed25519 R‖S, or SM2 r‖s. */
  readonly signatureBytes: number;
  readonly hashBytes: 32;
  generateKeyPair(): KeyPair;
  /** Asserts (a bug, not a status) on a malformed private key: private keys come from generateKeyPair. */
  publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array;
  /** Asserts on a malformed private key, as publicKeyFromPrivate. */
  sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** False, never a throw, for a malformed or invalid key or signature. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** SHA-256 (intl) or SM3 (gm), 32 bytes. */
  hash(bytes: Uint8Array): Uint8Array;
  /** Canonical encoding of a point on the curve; for intl also not of small order. */
  isValidPublicKey(publicKey: Uint8Array): boolean;
  /**
   * Parses a public key into this thread's verification cache ahead of its first use (a
   * parsed key costs about one verification). False for a key verification would refuse.
   */
  prepareVerifyKey(publicKey: Uint8Array): boolean;
}

export const SUITE_NAMES: readonly SuiteName[] = ['intl', 'gm'];

export function isSuiteName(x: unknown): x is SuiteName {
  return x === 'intl' || x === 'gm';
}

export function getSuite(name: SuiteName): CryptoSuite {
  switch (name) {
    case 'intl':
      return intlSuite;
    case 'gm':
      return gmSuite;
    default:
      return assertNever(name, 'suite name');
  }
}
