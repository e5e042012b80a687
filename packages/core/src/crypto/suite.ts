/**
 * Crypto suites, fixed per chain at genesis: `intl` = Ed25519 + SHA-256, `gm` = SM2 + SM3
 * (GB/T 32918 / GM/T 0003 with the Z value and the default ID, GB/T 32905).
 *
 * This folder is the one place in core that imports `node:crypto`: Node's OpenSSL is the only
 * fast Ed25519 and SM2 on the machine (a plain-JS SM2 verifies ~300/s, OpenSSL ~3,600/s), and
 * hashing, signing with a given key and verifying are pure functions of their inputs.
 */
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
  /** 64 for both: Ed25519, or r‖s. */
  readonly signatureBytes: number;
  readonly hashBytes: 32;
  generateKeyPair(): KeyPair;
  publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array;
  sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** False, never a throw, for a malformed key or signature. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  hash(bytes: Uint8Array): Uint8Array;
  isValidPublicKey(publicKey: Uint8Array): boolean;
}

export function isSuiteName(x: unknown): x is SuiteName {
  return x === 'intl' || x === 'gm';
}

export function getSuite(name: SuiteName): CryptoSuite {
  return name === 'intl' ? intlSuite : gmSuite;
}
