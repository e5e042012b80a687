/**
 * The gateway's secrets, all derived from one 32-byte master secret (HKDF-SHA-256, one label per use) so an
 * operator keeps, backs up and rotates one file: sealing custodial wallet keys and webhook secrets at rest
 * (AES-256-GCM, the owner's id as associated data so a sealed key copied onto another user's row does not open),
 * the MAC of payment intents handed to browsers for signing, and the idempotency request hash.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { assert, utf8ToBytes } from '@paychain/core';

export const MASTER_SECRET_BYTES = 32;
const SEAL_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class SealError extends Error {
  override readonly name = 'SealError';
}

export class GatewaySecrets {
  private readonly sealKey: Uint8Array;
  private readonly intentKey: Uint8Array;
  /** The key of the idempotency request hash (`request-hash.ts`). */
  readonly requestHashSecret: Uint8Array;

  constructor(master: Uint8Array) {
    assert(master.length === MASTER_SECRET_BYTES, `the master secret is ${MASTER_SECRET_BYTES} bytes`);
    this.sealKey = derive(master, 'paychain-gateway seal v1');
    this.intentKey = derive(master, 'paychain-gateway intent v1');
    this.requestHashSecret = derive(master, 'paychain-gateway request-hash v1');
  }

  static generateMaster(): Uint8Array {
    return new Uint8Array(randomBytes(MASTER_SECRET_BYTES));
  }

  /** version ‖ nonce ‖ ciphertext ‖ tag; `owner` (e.g. the user id) is bound as associated data. */
  seal(plaintext: Uint8Array, owner: string): Uint8Array {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, nonce);
    cipher.setAAD(utf8ToBytes(owner));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return new Uint8Array(Buffer.concat([Buffer.of(SEAL_VERSION), nonce, body, cipher.getAuthTag()]));
  }

  /** Throws SealError for a damaged value, another owner's, or one sealed under another master secret. */
  open(sealed: Uint8Array, owner: string): Uint8Array {
    if (sealed.length < 1 + NONCE_BYTES + TAG_BYTES || sealed[0] !== SEAL_VERSION) {
      throw new SealError('sealed value is damaged or of an unknown version');
    }
    const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
    const tag = sealed.subarray(sealed.length - TAG_BYTES);
    const body = sealed.subarray(1 + NONCE_BYTES, sealed.length - TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.sealKey, nonce);
      decipher.setAAD(utf8ToBytes(owner));
      decipher.setAuthTag(tag);
      return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
    } catch {
      throw new SealError('sealed value does not open with this gateway secret');
    }
  }

  /** HMAC-SHA-256 of an intent's text, base64url. */
  macIntent(text: string): string {
    return createHmac('sha256', this.intentKey).update(text).digest('base64url');
  }

  /** `base64url(text).mac`: text the gateway hands out and takes back unchanged (intents, proposals). */
  macToken(text: string): string {
    return `${Buffer.from(text).toString('base64url')}.${this.macIntent(text)}`;
  }

  /** The text of a token `macToken` made; null when it is malformed or was changed. */
  openMacToken(token: string): string | null {
    const [encoded, mac, ...rest] = token.split('.');
    if (encoded === undefined || mac === undefined || rest.length > 0) return null;
    const text = Buffer.from(encoded, 'base64url').toString('utf8');
    return this.checkIntentMac(text, mac) ? text : null;
  }

  checkIntentMac(text: string, mac: string): boolean {
    const expected = Buffer.from(this.macIntent(text), 'base64url');
    const given = Buffer.from(mac, 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

function derive(master: Uint8Array, label: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', master, new Uint8Array(0), label, 32));
}
