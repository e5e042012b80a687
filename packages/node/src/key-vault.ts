/**
 * Private keys at rest (DESIGN §9): sealed under a passphrase that an operator supplies in
 * PAYCHAIN_KEY_PASSPHRASE, never on the command line. Two schemes, by crypto suite:
 *
 * - intl: scrypt (N = 2^15, r = 8, p = 1) → AES-256-GCM.
 * - gm:   PBKDF2-HMAC-SM3 (100,000 rounds) → SM4-CTR, then HMAC-SM3 over everything
 *         (encrypt-then-MAC; Node's OpenSSL has no SM4-GCM).
 *
 * A wrong passphrase and a damaged file look the same to the cipher; both are refused with
 * one message and nothing is decrypted.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  pbkdf2Sync,
  randomBytes,
  scryptSync,
  timingSafeEqual,
} from 'node:crypto';
import { bytesToHex, hexToBytes, isHex, type SuiteName } from '@paychain/core';

export const KEY_PASSPHRASE_ENV = 'PAYCHAIN_KEY_PASSPHRASE';
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const PBKDF2_ROUNDS = 100_000;

export type VaultScheme = 'scrypt-aes-256-gcm' | 'pbkdf2-sm3-sm4-ctr-hmac-sm3';

export interface SealedSecret {
  readonly scheme: VaultScheme;
  readonly salt: string;
  readonly iv: string;
  readonly tag: string;
  readonly ciphertext: string;
}

export class VaultError extends Error {
  override readonly name = 'VaultError';
}

function schemeFor(suite: SuiteName): VaultScheme {
  return suite === 'intl' ? 'scrypt-aes-256-gcm' : 'pbkdf2-sm3-sm4-ctr-hmac-sm3';
}

function gmKeys(passphrase: string, salt: Buffer): { encKey: Buffer; macKey: Buffer } {
  const material = pbkdf2Sync(passphrase, salt, PBKDF2_ROUNDS, 48, 'sm3');
  return { encKey: material.subarray(0, 16), macKey: material.subarray(16, 48) };
}

function gmTag(macKey: Buffer, salt: Buffer, iv: Buffer, ciphertext: Buffer): Buffer {
  return createHmac('sm3', macKey)
    .update('pbkdf2-sm3-sm4-ctr-hmac-sm3')
    .update(salt)
    .update(iv)
    .update(ciphertext)
    .digest();
}

export function sealSecret(plaintext: Uint8Array, passphrase: string, suite: SuiteName): SealedSecret {
  if (passphrase.length === 0) throw new VaultError('an empty passphrase does not protect anything');
  const scheme = schemeFor(suite);
  const salt = randomBytes(16);
  if (scheme === 'scrypt-aes-256-gcm') {
    const key = scryptSync(passphrase, salt, 32, SCRYPT);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      scheme,
      salt: bytesToHex(salt),
      iv: bytesToHex(iv),
      tag: bytesToHex(cipher.getAuthTag()),
      ciphertext: bytesToHex(ciphertext),
    };
  }
  const { encKey, macKey } = gmKeys(passphrase, salt);
  const iv = randomBytes(16);
  const cipher = createCipheriv('sm4-ctr', encKey, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = gmTag(macKey, salt, iv, ciphertext);
  return {
    scheme,
    salt: bytesToHex(salt),
    iv: bytesToHex(iv),
    tag: bytesToHex(tag),
    ciphertext: bytesToHex(ciphertext),
  };
}

function field(sealed: Record<string, unknown>, name: string, bytes: number | null): Buffer {
  const value = sealed[name];
  if (typeof value !== 'string' || !isHex(value) || (bytes !== null && value.length !== bytes * 2)) {
    throw new VaultError(`sealed keys: ${name} is malformed`);
  }
  return Buffer.from(hexToBytes(value));
}

/** Opens a sealed secret read from a file (outside input: every field is checked). */
export function openSecret(sealed: unknown, passphrase: string): Uint8Array {
  if (typeof sealed !== 'object' || sealed === null) throw new VaultError('sealed keys: expected an object');
  const record = sealed as Record<string, unknown>;
  const refused = new VaultError('wrong passphrase, or the key file is damaged');
  if (record.scheme === 'scrypt-aes-256-gcm') {
    const salt = field(record, 'salt', 16);
    const iv = field(record, 'iv', 12);
    const tag = field(record, 'tag', 16);
    const ciphertext = field(record, 'ciphertext', null);
    const decipher = createDecipheriv('aes-256-gcm', scryptSync(passphrase, salt, 32, SCRYPT), iv);
    decipher.setAuthTag(tag);
    try {
      return new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
    } catch (error) {
      throw new VaultError(refused.message, { cause: error });
    }
  }
  if (record.scheme === 'pbkdf2-sm3-sm4-ctr-hmac-sm3') {
    const salt = field(record, 'salt', 16);
    const iv = field(record, 'iv', 16);
    const tag = field(record, 'tag', 32);
    const ciphertext = field(record, 'ciphertext', null);
    const { encKey, macKey } = gmKeys(passphrase, salt);
    if (!timingSafeEqual(gmTag(macKey, salt, iv, ciphertext), tag)) throw refused;
    const decipher = createDecipheriv('sm4-ctr', encKey, iv);
    return new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  }
  throw new VaultError('sealed keys: unknown scheme');
}
