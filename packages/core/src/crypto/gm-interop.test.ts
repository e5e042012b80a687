// Goal: our SM2 interoperates with an independent implementation (sm-crypto-v2, pure JS on
// @noble/curves), and the tempting OpenSSL shortcuts do not, which is why we do not ship them.
// Method: fast-check over private keys and messages (seed printed), signing on each side and
// verifying on the other, with the default ID; then the Annex A signature rebuilt by sm-crypto-v2
// from the standard's k; then each shortcut's signature run through both verifiers.
import {
  createPrivateKey,
  createPublicKey,
  createSign,
  createVerify,
  generateKeyPairSync,
  sign as nodeSign,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { sm3 as referenceSm3, sm2 } from 'sm-crypto-v2';
import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '../bytes.ts';
import { gmSuite } from './gm.ts';
import { isSm2PrivateKey } from './sm2-curve.ts';
import { sm2PrivateKeyToPkcs8 } from './sm2-der.ts';
import { sm2SignatureFromDer } from './sm2-signature-der.ts';
import { sm2Z } from './sm2-z.ts';

const FC_SEED = process.env.FC_SEED === undefined ? 0x0003 : Number.parseInt(process.env.FC_SEED, 10);
const fcParams = { seed: FC_SEED, numRuns: 20 } as const;
const privateKeyArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter(isSm2PrivateKey);
const messageArb = fc.uint8Array({ maxLength: 256 });

function loadAnnexA(): Record<string, string> {
  const parsed: unknown = JSON.parse(
    readFileSync(new URL('../../test/vectors/sm2-gbt32918.json', import.meta.url), 'utf8'),
  );
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>))
    if (typeof value === 'string') out[key] = value;
  return out;
}

function theirVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, userId?: string): boolean {
  const options = userId === undefined ? { hash: true } : { hash: true, userId };
  return sm2.doVerifySignature(message, bytesToHex(signature), bytesToHex(publicKey), options);
}

describe(`gm ↔ sm-crypto-v2 (fc seed ${FC_SEED}; replay with FC_SEED)`, () => {
  it('the same public key from the same private key', () => {
    fc.assert(
      fc.property(privateKeyArb, (d) => {
        expect(bytesToHex(gmSuite.publicKeyFromPrivate(d))).toBe(
          sm2.getPublicKeyFromPrivateKey(bytesToHex(d)).toLowerCase(),
        );
      }),
      fcParams,
    );
  });

  it('the same Z_A and SM3', () => {
    fc.assert(
      fc.property(privateKeyArb, messageArb, (d, message) => {
        const publicKey = gmSuite.publicKeyFromPrivate(d);
        expect(bytesToHex(sm2Z(publicKey))).toBe(bytesToHex(sm2.getZ(bytesToHex(publicKey))));
        expect(bytesToHex(gmSuite.hash(message))).toBe(referenceSm3(message));
      }),
      fcParams,
    );
  });

  it('our signatures verify under sm-crypto-v2 (hash: true, default ID)', () => {
    fc.assert(
      fc.property(privateKeyArb, messageArb, (d, message) => {
        const publicKey = gmSuite.publicKeyFromPrivate(d);
        const signature = gmSuite.sign(d, message);
        expect(theirVerify(publicKey, message, signature)).toBe(true);
        expect(theirVerify(publicKey, concatBytes(message, Uint8Array.of(1)), signature)).toBe(false);
      }),
      fcParams,
    );
  });

  it("sm-crypto-v2's signatures verify under ours", () => {
    fc.assert(
      fc.property(privateKeyArb, messageArb, (d, message) => {
        const publicKey = gmSuite.publicKeyFromPrivate(d);
        const signature = hexToBytes(sm2.doSignature(message, bytesToHex(d), { hash: true, der: false }));
        expect(gmSuite.verify(publicKey, message, signature)).toBe(true);
        expect(gmSuite.verify(publicKey, concatBytes(message, Uint8Array.of(1)), signature)).toBe(false);
      }),
      fcParams,
    );
  });

  it("sm-crypto-v2 is itself standard: with the Annex A k it rebuilds the standard's (r, s)", () => {
    const v = loadAnnexA();
    const k = v.k ?? '';
    const x1 = BigInt(`0x${sm2.getPublicKeyFromPrivateKey(k).slice(2, 66)}`);
    const signature = sm2.doSignature(hexToBytes(v.message ?? ''), v.privateKey ?? '', {
      hash: true,
      der: false,
      pointPool: [{ k: BigInt(`0x${k}`), x1 }],
    });
    expect(signature).toBe(`${v.r}${v.s}`);
  });
});

describe('OpenSSL shortcuts that do not give standard SM2 (why gm.ts uses the streaming path)', () => {
  const d = hexToBytes('3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8');
  const publicKey = gmSuite.publicKeyFromPrivate(d);
  const message = utf8ToBytes('transfer 100.00 CNY');
  const importedKey = createPrivateKey({ key: Buffer.from(sm2PrivateKeyToPkcs8(d)), format: 'der', type: 'pkcs8' });

  it('one-shot crypto.sign on an SM2-typed key signs with an EMPTY ID, not the default one', () => {
    const signature = sm2SignatureFromDer(new Uint8Array(nodeSign(null, message, importedKey)));
    expect(signature).not.toBeNull();
    if (signature === null) return;
    expect(gmSuite.verify(publicKey, message, signature)).toBe(false);
    expect(theirVerify(publicKey, message, signature)).toBe(false);
    expect(theirVerify(publicKey, message, signature, '')).toBe(true);
  });

  it('the streaming path over Z ‖ M on the same imported key is standard (control)', () => {
    const der = createSign('sm3').update(sm2Z(publicKey)).update(message).sign(importedKey);
    const signature = sm2SignatureFromDer(new Uint8Array(der));
    expect(signature).not.toBeNull();
    if (signature === null) return;
    expect(theirVerify(publicKey, message, signature)).toBe(true);
    expect(gmSuite.verify(publicKey, message, signature)).toBe(true);
  });

  it("generateKeyPairSync('ec', { namedCurve: 'SM2' }) keys sign ECDSA, even over Z ‖ M", () => {
    const generated = generateKeyPairSync('ec', { namedCurve: 'SM2' });
    const spki = new Uint8Array(createPublicKey(generated.privateKey).export({ format: 'der', type: 'spki' }));
    const generatedPublic = spki.slice(spki.length - 65);
    const signed = concatBytes(sm2Z(generatedPublic), message);
    const der = createSign('sm3').update(signed).sign(generated.privateKey);
    expect(createVerify('sm3').update(signed).verify(generated.publicKey, der)).toBe(true); // self-consistent ECDSA
    const signature = sm2SignatureFromDer(new Uint8Array(der));
    expect(signature).not.toBeNull();
    if (signature === null) return;
    expect(gmSuite.verify(generatedPublic, message, signature)).toBe(false);
    expect(theirVerify(generatedPublic, message, signature)).toBe(false);
  });
});
