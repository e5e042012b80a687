// Goal: both suites honour the CryptoSuite contract (sizes, key pairs, sign/verify, and verify
// never throwing). Method: one shared suite run against every implementation, with fast-check
// properties (round trip, any single-bit flip fails, garbage of any length gives false); the
// seed is printed in the test names and replays with FC_SEED.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../bytes.ts';
import { isSm2PrivateKey } from './sm2-curve.ts';
import { type CryptoSuite, getSuite, isSuiteName, SUITE_NAMES, type SuiteName } from './suite.ts';

const FC_SEED = process.env.FC_SEED === undefined ? 0x8032 : Number.parseInt(process.env.FC_SEED, 10);
const fcParams = { seed: FC_SEED, numRuns: 100 } as const;

const SIZES: Record<SuiteName, { publicKeyBytes: number; signatureBytes: number }> = {
  intl: { publicKeyBytes: 32, signatureBytes: 64 },
  gm: { publicKeyBytes: 65, signatureBytes: 64 },
};

/** Private keys as fast-check values, so a failure replays from the seed (any seed for intl, d in [1, n − 2] for gm). */
const PRIVATE_KEY_ARBS: Record<SuiteName, fc.Arbitrary<Uint8Array>> = {
  intl: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  gm: fc.uint8Array({ minLength: 32, maxLength: 32 }).filter(isSm2PrivateKey),
};

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  const index = bit >> 3;
  out[index] = (out[index] ?? 0) ^ (1 << (bit & 7));
  return out;
}

describe('suite names', () => {
  it.each([
    { x: 'intl', expected: true },
    { x: 'gm', expected: true },
    { x: 'GM', expected: false },
    { x: 'sm2', expected: false },
    { x: '', expected: false },
    { x: undefined, expected: false },
    { x: null, expected: false },
    { x: 1, expected: false },
  ])('isSuiteName($x) is $expected', ({ x, expected }) => {
    expect(isSuiteName(x)).toBe(expected);
  });

  it.each(SUITE_NAMES)('getSuite(%s) has that name', (name) => {
    expect(getSuite(name).name).toBe(name);
  });
});

describe.each(SUITE_NAMES.map((name) => ({ name, suite: getSuite(name) })))(
  `$name suite contract (fc seed ${FC_SEED})`,
  ({ name, suite }: { name: SuiteName; suite: CryptoSuite }) => {
    const privateKeyArb = PRIVATE_KEY_ARBS[name];

    it('declares its sizes', () => {
      expect(suite.publicKeyBytes).toBe(SIZES[name].publicKeyBytes);
      expect(suite.signatureBytes).toBe(SIZES[name].signatureBytes);
      expect(suite.hashBytes).toBe(32);
    });

    it('generates distinct, valid key pairs whose public key matches the private key', () => {
      const a = suite.generateKeyPair();
      const b = suite.generateKeyPair();
      expect(bytesToHex(a.privateKey)).not.toBe(bytesToHex(b.privateKey));
      for (const pair of [a, b]) {
        expect(pair.privateKey.length).toBe(32);
        expect(pair.publicKey.length).toBe(suite.publicKeyBytes);
        expect(Buffer.isBuffer(pair.privateKey) || Buffer.isBuffer(pair.publicKey)).toBe(false);
        expect(suite.isValidPublicKey(pair.publicKey)).toBe(true);
        expect(bytesToHex(suite.publicKeyFromPrivate(pair.privateKey))).toBe(bytesToHex(pair.publicKey));
      }
    });

    it('prepares a valid key for verification ahead of use, and refuses a malformed one', () => {
      const pair = suite.generateKeyPair();
      expect(suite.prepareVerifyKey(pair.publicKey)).toBe(true);
      const message = Uint8Array.of(1, 2, 3);
      expect(suite.verify(pair.publicKey, message, suite.sign(pair.privateKey, message))).toBe(true);
      expect(suite.prepareVerifyKey(new Uint8Array(suite.publicKeyBytes - 1))).toBe(false);
      expect(suite.prepareVerifyKey(new Uint8Array(suite.publicKeyBytes))).toBe(false);
    });

    it('sign → verify round trip; outputs are plain Uint8Arrays of the declared sizes', () => {
      fc.assert(
        fc.property(privateKeyArb, fc.uint8Array({ maxLength: 512 }), (privateKey, message) => {
          const publicKey = suite.publicKeyFromPrivate(privateKey);
          const signature = suite.sign(privateKey, message);
          expect(Buffer.isBuffer(signature)).toBe(false);
          expect(signature.length).toBe(suite.signatureBytes);
          expect(suite.verify(publicKey, message, signature)).toBe(true);
        }),
        fcParams,
      );
    });

    it('any single-bit flip of the message fails', () => {
      fc.assert(
        fc.property(
          privateKeyArb,
          fc.uint8Array({ minLength: 1, maxLength: 256 }),
          fc.nat(),
          (privateKey, message, bitSeed) => {
            const publicKey = suite.publicKeyFromPrivate(privateKey);
            const signature = suite.sign(privateKey, message);
            expect(suite.verify(publicKey, flipBit(message, bitSeed % (message.length * 8)), signature)).toBe(false);
          },
        ),
        fcParams,
      );
    });

    it('any single-bit flip of the signature fails', () => {
      fc.assert(
        fc.property(privateKeyArb, fc.uint8Array({ maxLength: 256 }), fc.nat(), (privateKey, message, bitSeed) => {
          const publicKey = suite.publicKeyFromPrivate(privateKey);
          const signature = suite.sign(privateKey, message);
          expect(suite.verify(publicKey, message, flipBit(signature, bitSeed % (signature.length * 8)))).toBe(false);
        }),
        fcParams,
      );
    });

    it('any single-bit flip of the public key fails', () => {
      fc.assert(
        fc.property(privateKeyArb, fc.uint8Array({ maxLength: 256 }), fc.nat(), (privateKey, message, bitSeed) => {
          const publicKey = suite.publicKeyFromPrivate(privateKey);
          const signature = suite.sign(privateKey, message);
          expect(suite.verify(flipBit(publicKey, bitSeed % (publicKey.length * 8)), message, signature)).toBe(false);
        }),
        fcParams,
      );
    });

    it('verify never throws on garbage of any length, and says false', () => {
      const validPair = suite.generateKeyPair();
      const keyArb = fc.oneof(
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ minLength: suite.publicKeyBytes, maxLength: suite.publicKeyBytes }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }).map((xy) => Uint8Array.of(0x04, ...xy)),
        fc.constant(validPair.publicKey),
      );
      const signatureArb = fc.oneof(
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ minLength: suite.signatureBytes, maxLength: suite.signatureBytes }),
      );
      fc.assert(
        fc.property(keyArb, fc.uint8Array({ maxLength: 100 }), signatureArb, (publicKey, message, signature) => {
          expect(suite.verify(publicKey, message, signature)).toBe(false);
          expect(typeof suite.isValidPublicKey(publicKey)).toBe('boolean');
        }),
        { ...fcParams, numRuns: 500 },
      );
    });

    it('hash gives hashBytes bytes for any input', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
          expect(suite.hash(bytes).length).toBe(suite.hashBytes);
        }),
        fcParams,
      );
    });
  },
);
