// Goal: a wallet key made with WebCrypto signs transactions that core verifies, stays non-extractable through the
// store, and a browser without WebCrypto Ed25519 (or a gm chain) falls back to a software key that says so.
// Method: Node's WebCrypto (Ed25519 since Node 20) with the in-memory KeyStore (IndexedDB is absent in Node); a
// SubtleCrypto that refuses Ed25519 stands in for an older browser; signatures checked with core's Node suites.
import {
  bytesToHex,
  encodeTransaction,
  encodeTxSigningBytes,
  getSuite,
  hexToBytes,
  verifyTransactionSignatures,
} from '@paychain/core';
import { describe, expect, it } from 'vitest';
import { transferTx } from '../test/fixtures';
import { createMemoryKeyStore } from './key-store';
import { createWalletKey, loadWalletKey, signWithWalletKey, WalletKeyError } from './wallet-key';

const clock = () => 1_767_225_600_000;

/** A SubtleCrypto of a browser without Ed25519: generateKey refuses the algorithm as browsers do. */
function subtleWithoutEd25519(): SubtleCrypto {
  const real = globalThis.crypto.subtle;
  return new Proxy(real, {
    get(target, property) {
      if (property === 'generateKey') {
        return () => Promise.reject(new DOMException('Unrecognized algorithm name', 'NotSupportedError'));
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('wallet key', () => {
  it('WebCrypto Ed25519: non-extractable, stored, and its signature verifies in core', async () => {
    const store = createMemoryKeyStore();
    const info = await createWalletKey('+8613800138000', 'intl', { store, clock });
    expect(info).toMatchObject({ suite: 'intl', nonExtractable: true, createdAtMs: clock() });
    expect(info.publicKeyHex).toMatch(/^[0-9a-f]{64}$/);
    const record = await store.get('+8613800138000');
    expect(record?.kind).toBe('webcrypto');
    if (record?.kind !== 'webcrypto') return;
    expect(record.privateKey.extractable).toBe(false);
    await expect(globalThis.crypto.subtle.exportKey('pkcs8', record.privateKey)).rejects.toThrow();

    const tx = transferTx(1, 1000n);
    const signature = await signWithWalletKey('+8613800138000', 'intl', encodeTxSigningBytes(tx), { store });
    const signed = encodeTransaction({
      ...tx,
      signatures: [{ publicKey: hexToBytes(info.publicKeyHex), signature: hexToBytes(signature) }],
    });
    expect(verifyTransactionSignatures(getSuite('intl'), signed)).toBe(true);
    expect(await loadWalletKey('+8613800138000', { store })).toEqual(info);
  });

  it('falls back to a software Ed25519 key, flagged extractable, when WebCrypto lacks Ed25519', async () => {
    const store = createMemoryKeyStore();
    const info = await createWalletKey('+8613900000001', 'intl', { store, subtle: subtleWithoutEd25519(), clock });
    expect(info.nonExtractable).toBe(false);
    const message = encodeTxSigningBytes(transferTx(2, 5n));
    const signature = await signWithWalletKey('+8613900000001', 'intl', message, { store });
    expect(getSuite('intl').verify(hexToBytes(info.publicKeyHex), message, hexToBytes(signature))).toBe(true);
  });

  it('makes an SM2 key (65 bytes 04‖X‖Y) for a gm chain, whose signatures core verifies', async () => {
    const store = createMemoryKeyStore();
    const info = await createWalletKey('+8613900000002', 'gm', { store, clock });
    expect(info.nonExtractable).toBe(false);
    expect(info.publicKeyHex).toMatch(/^04[0-9a-f]{128}$/);
    const message = encodeTxSigningBytes(transferTx(3, 7n));
    const signature = await signWithWalletKey('+8613900000002', 'gm', message, { store });
    expect(getSuite('gm').verify(hexToBytes(info.publicKeyHex), message, hexToBytes(signature))).toBe(true);
  });

  it('refuses to sign without a key, or with a key of another suite', async () => {
    const store = createMemoryKeyStore();
    const message = new Uint8Array(8);
    await expect(signWithWalletKey('+8613900000003', 'intl', message, { store })).rejects.toBeInstanceOf(
      WalletKeyError,
    );
    await createWalletKey('+8613900000003', 'intl', { store, clock });
    await expect(signWithWalletKey('+8613900000003', 'gm', message, { store })).rejects.toMatchObject({
      code: 'key_suite_mismatch',
    });
  });

  it('keeps one key per label', async () => {
    const store = createMemoryKeyStore();
    const a = await createWalletKey('a', 'intl', { store, clock });
    const b = await createWalletKey('b', 'intl', { store, clock });
    expect(a.publicKeyHex).not.toBe(b.publicKeyHex);
    expect((await loadWalletKey('a', { store }))?.publicKeyHex).toBe(a.publicKeyHex);
    expect(bytesToHex(hexToBytes(b.publicKeyHex))).toBe(b.publicKeyHex);
  });
});
