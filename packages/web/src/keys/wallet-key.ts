/**
 * The wallet's own signing key ("browser" key mode, DESIGN §5): generated on the device, never sent anywhere;
 * only its raw public key (hex) goes to the gateway at sign-up. On an `intl` chain it is a WebCrypto Ed25519 key
 * created with extractable = false and kept in IndexedDB, so not even this app can read its bytes. A browser
 * without WebCrypto Ed25519 gets an @noble/curves key instead, and an `gm` chain an SM2 key (WebCrypto has no
 * SM2): both are held as bytes, and `nonExtractable: false` makes the UI say so.
 *
 * Signing takes the bytes `prepareSigning` derived from the decoded transaction and answers a 64-byte signature
 * as hex, the form `POST /v1/payments/{txId}/signature` takes.
 */
import { assertNever, bytesToHex, type SuiteName } from '@paychain/core/browser';
import { getBrowserSuite } from '../chain/browser-suite';
import type { KeyRecord, KeyStore } from './key-store';

const ED25519 = { name: 'Ed25519' } as const;
const SIGNATURE_BYTES = 64;

export interface WalletKeyInfo {
  readonly label: string;
  readonly suite: SuiteName;
  readonly publicKeyHex: string;
  /** True when the private key is a non-extractable CryptoKey; false for a key held as bytes by JS. */
  readonly nonExtractable: boolean;
  readonly createdAtMs: number;
}

/** The typed error of a key operation: no key for the user, or the platform refused to sign. */
export class WalletKeyError extends Error {
  override readonly name = 'WalletKeyError';
  readonly code: 'key_missing' | 'key_suite_mismatch' | 'sign_failed';
  constructor(code: WalletKeyError['code'], message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
  }
}

export interface WalletKeyDeps {
  readonly store: KeyStore;
  /** WebCrypto; default `globalThis.crypto.subtle`. */
  readonly subtle?: SubtleCrypto;
  /** ms since the epoch, for the record's creation time; default `Date.now`. */
  readonly clock?: () => number;
}

function infoOf(record: KeyRecord): WalletKeyInfo {
  return {
    label: record.label,
    suite: record.suite,
    publicKeyHex: record.publicKeyHex,
    nonExtractable: record.kind === 'webcrypto',
    createdAtMs: record.createdAtMs,
  };
}

/**
 * A non-extractable WebCrypto Ed25519 key pair, or null when the browser does not support Ed25519 in WebCrypto
 * (NotSupportedError, or an older API shape). Any other failure is an error, not a reason to fall back.
 */
async function generateWebCryptoEd25519(subtle: SubtleCrypto): Promise<CryptoKeyPair | null> {
  let generated: CryptoKey | CryptoKeyPair;
  try {
    generated = await subtle.generateKey(ED25519, false, ['sign', 'verify']);
  } catch (error: unknown) {
    const name = error instanceof Error || error instanceof DOMException ? error.name : '';
    if (name === 'NotSupportedError' || name === 'TypeError' || name === 'SyntaxError') return null;
    throw error;
  }
  if (!('privateKey' in generated)) return null;
  return generated;
}

/** Creates this user's wallet key, replacing any earlier one under the same label, and answers its public part. */
export async function createWalletKey(label: string, suite: SuiteName, deps: WalletKeyDeps): Promise<WalletKeyInfo> {
  const subtle = deps.subtle ?? globalThis.crypto.subtle;
  const createdAtMs = (deps.clock ?? Date.now)();
  let record: KeyRecord;
  const pair = suite === 'intl' ? await generateWebCryptoEd25519(subtle) : null;
  if (pair !== null) {
    const publicKey = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
    record = {
      kind: 'webcrypto',
      label,
      suite: 'intl',
      privateKey: pair.privateKey,
      publicKeyHex: bytesToHex(publicKey),
      createdAtMs,
    };
  } else {
    const generated = getBrowserSuite(suite).generateKeyPair();
    record = {
      kind: 'software',
      label,
      suite,
      privateKey: generated.privateKey,
      publicKeyHex: bytesToHex(generated.publicKey),
      createdAtMs,
    };
  }
  await deps.store.put(record);
  return infoOf(record);
}

export async function loadWalletKey(label: string, deps: WalletKeyDeps): Promise<WalletKeyInfo | null> {
  const record = await deps.store.get(label);
  return record === null ? null : infoOf(record);
}

export async function deleteWalletKey(label: string, deps: WalletKeyDeps): Promise<void> {
  await deps.store.delete(label);
}

/**
 * Signs `signingBytes` (already checked against the transaction shown) with the user's key: 64 bytes as hex.
 * `suite` is the chain's; a key of another suite could never verify on it, so it is refused up front.
 */
export async function signWithWalletKey(
  label: string,
  suite: SuiteName,
  signingBytes: Uint8Array,
  deps: WalletKeyDeps,
): Promise<string> {
  const record = await deps.store.get(label);
  if (record === null) throw new WalletKeyError('key_missing', 'this device holds no wallet key for this user');
  if (record.suite !== suite) {
    throw new WalletKeyError('key_suite_mismatch', `the wallet key is ${record.suite}, the chain signs ${suite}`);
  }
  let signature: Uint8Array;
  switch (record.kind) {
    case 'webcrypto': {
      const subtle = deps.subtle ?? globalThis.crypto.subtle;
      try {
        signature = new Uint8Array(await subtle.sign(ED25519, record.privateKey, Uint8Array.from(signingBytes)));
      } catch (error: unknown) {
        throw new WalletKeyError('sign_failed', 'the browser refused to sign with the wallet key', error);
      }
      break;
    }
    case 'software':
      signature = getBrowserSuite(record.suite).sign(record.privateKey, signingBytes);
      break;
    default:
      return assertNever(record, 'key record');
  }
  if (signature.length !== SIGNATURE_BYTES) {
    throw new WalletKeyError('sign_failed', `a signature of ${signature.length} bytes, expected ${SIGNATURE_BYTES}`);
  }
  return bytesToHex(signature);
}
