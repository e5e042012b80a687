// Goal: the browser crypto suites agree with core's Node suites (OpenSSL), so a receipt checked in the wallet means
// what it means on a peer. Method: fixed messages and deterministic keys per suite; hashes compared byte for byte,
// signatures made on each side verified on the other, and tampered signatures, messages and keys refused by both.
import { bytesToHex, getSuite, type SuiteName } from '@paychain/core';
import { describe, expect, it } from 'vitest';
import { keyOf } from '../test/fixtures';
import { getBrowserSuite } from './browser-suite';

const MESSAGES = [
  new Uint8Array(0),
  new TextEncoder().encode('abc'),
  new TextEncoder().encode('message digest'),
  Uint8Array.from({ length: 1000 }, (_, i) => (i * 31 + 7) & 0xff),
];

function flipped(bytes: Uint8Array, index: number): Uint8Array {
  const copy = bytes.slice();
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}

describe.each<SuiteName>(['intl', 'gm'])('browser suite %s ↔ Node suite', (name) => {
  const node = getSuite(name);
  const browser = getBrowserSuite(name);
  const key = keyOf(name, 'alice');

  it('has the same name and sizes', () => {
    expect(browser.name).toBe(node.name);
    expect(browser.publicKeyBytes).toBe(node.publicKeyBytes);
    expect(browser.signatureBytes).toBe(node.signatureBytes);
  });

  it.each(MESSAGES.map((m, i) => [i, m] as const))('hashes message %i to the same bytes', (_, message) => {
    expect(bytesToHex(browser.hash(message))).toBe(bytesToHex(node.hash(message)));
  });

  it('derives the same public key', () => {
    expect(bytesToHex(browser.publicKeyFromPrivate(key.privateKey))).toBe(bytesToHex(key.publicKey));
  });

  it.each(MESSAGES.map((m, i) => [i, m] as const))('verifies a Node signature on message %i', (_, message) => {
    const signature = node.sign(key.privateKey, message);
    expect(browser.verify(key.publicKey, message, signature)).toBe(true);
  });

  it('refuses a tampered Node signature, message or key', () => {
    const message = MESSAGES[2] ?? new Uint8Array(0);
    const signature = node.sign(key.privateKey, message);
    for (const index of [0, 17, 31, 32, 50, 63]) {
      expect(browser.verify(key.publicKey, message, flipped(signature, index))).toBe(false);
    }
    expect(browser.verify(key.publicKey, flipped(message, 0), signature)).toBe(false);
    expect(browser.verify(keyOf(name, 'bob').publicKey, message, signature)).toBe(false);
    expect(browser.verify(flipped(key.publicKey, key.publicKey.length - 1), message, signature)).toBe(false);
    expect(browser.verify(key.publicKey, message, signature.subarray(0, 63))).toBe(false);
    expect(browser.verify(key.publicKey.subarray(1), message, signature)).toBe(false);
  });

  it('signs what the Node suite verifies', () => {
    for (const message of MESSAGES) {
      const signature = browser.sign(key.privateKey, message);
      expect(node.verify(key.publicKey, message, signature)).toBe(true);
      expect(node.verify(key.publicKey, flipped(message.length > 0 ? message : Uint8Array.of(0), 0), signature)).toBe(
        false,
      );
    }
  });

  it('generates key pairs both suites accept', () => {
    const pair = browser.generateKeyPair();
    expect(node.isValidPublicKey(pair.publicKey)).toBe(true);
    expect(bytesToHex(node.publicKeyFromPrivate(pair.privateKey))).toBe(bytesToHex(pair.publicKey));
    const message = MESSAGES[1] ?? new Uint8Array(0);
    expect(node.verify(pair.publicKey, message, browser.sign(pair.privateKey, message))).toBe(true);
  });

  it('agrees with the Node suite on which public keys are valid', () => {
    const candidates = [
      key.publicKey,
      flipped(key.publicKey, 5),
      new Uint8Array(node.publicKeyBytes),
      new Uint8Array(node.publicKeyBytes).fill(0xff),
      key.publicKey.subarray(1),
    ];
    for (const candidate of candidates) {
      expect(browser.isValidPublicKey(candidate)).toBe(node.isValidPublicKey(candidate));
    }
  });
});

describe('intl edge cases', () => {
  const browser = getBrowserSuite('intl');

  it('refuses the identity point, whose all-zero signature would verify every message', () => {
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const signature = new Uint8Array(64);
    signature[0] = 1;
    expect(browser.isValidPublicKey(identity)).toBe(false);
    expect(browser.verify(identity, new TextEncoder().encode('anything'), signature)).toBe(false);
  });

  it('refuses S ≥ L (a malleated signature)', () => {
    const node = getSuite('intl');
    const key = keyOf('intl', 'carol');
    const message = new TextEncoder().encode('pay 1');
    const signature = node.sign(key.privateKey, message);
    // S + L: same point equation, unreduced scalar.
    const L = (1n << 252n) + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i] ?? 0);
    let sPlusL = s + L;
    const malleated = signature.slice();
    for (let i = 32; i < 64; i++, sPlusL >>= 8n) malleated[i] = Number(sPlusL & 0xffn);
    expect(browser.verify(key.publicKey, message, malleated)).toBe(false);
    expect(node.verify(key.publicKey, message, malleated)).toBe(false);
  });
});
