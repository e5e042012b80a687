// Goal: r‖s ↔ DER is a bijection on its domain and the DER reader is strict. Method: known
// encodings, a table of malformed DER (each must give null), and a fast-check round trip.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../bytes.ts';
import { SM2_SIGNATURE_DER_BYTES_MAX, sm2SignatureFromDer, sm2SignatureToDer } from './sm2-signature-der.ts';

const FC_SEED = process.env.FC_SEED === undefined ? 0x32918 : Number.parseInt(process.env.FC_SEED, 10);
const R = 'f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3';
const S = 'b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa';
const ONE = `${'00'.repeat(31)}01`;
const SMALL = `${'00'.repeat(31)}7f`;

describe('sm2 signature DER', () => {
  it.each([
    { name: 'both halves with the high bit set', rs: R + S, der: `3046022100${R}022100${S}` },
    { name: 'r = 1, s = 0x7f', rs: ONE + SMALL, der: '300602010102017f' },
    { name: 'r = 0x80 needs a zero pad', rs: `${'00'.repeat(31)}80${ONE}`, der: '300702020080020101' },
    { name: 'r = 0 (encodable; the verifier refuses it)', rs: `${'00'.repeat(32)}${ONE}`, der: '3006020100020101' },
  ])('encodes and decodes: $name', ({ rs, der }) => {
    expect(bytesToHex(sm2SignatureToDer(hexToBytes(rs)))).toBe(der);
    expect(bytesToHex(sm2SignatureFromDer(hexToBytes(der)) ?? new Uint8Array(0))).toBe(rs);
  });

  it.each([
    { name: 'empty', der: '' },
    { name: 'not a SEQUENCE', der: `3146022100${R}022100${S}` },
    { name: 'SEQUENCE length too long', der: `3047022100${R}022100${S}` },
    { name: 'SEQUENCE length too short', der: `3045022100${R}022100${S}` },
    { name: 'trailing byte', der: `3046022100${R}022100${S}00` },
    { name: 'long-form length', der: `308146022100${R}022100${S}` },
    { name: 'r not an INTEGER', der: `3046042100${R}022100${S}` },
    { name: 'r without its zero pad (negative)', der: `30440220${R}022100${S}` },
    { name: 'r with an extra zero (not minimal)', der: '300702020001020101' },
    { name: 'r with 33 significant bytes', der: `3047022201${R}022100${S}` },
    { name: 'r of length 0', der: '30050200020101' },
    { name: 'one INTEGER only', der: `3023022100${R}` },
    { name: 'three INTEGERs', der: '3009020101020101020101' },
    { name: 's runs past the end', der: `3046022100${R}022200${S}` },
  ])('refuses: $name', ({ der }) => {
    expect(sm2SignatureFromDer(hexToBytes(der))).toBeNull();
  });

  it(`round trip over any 64 bytes, within ${SM2_SIGNATURE_DER_BYTES_MAX} bytes (fc seed ${FC_SEED})`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (rs) => {
        const der = sm2SignatureToDer(rs);
        expect(der.length).toBeLessThanOrEqual(SM2_SIGNATURE_DER_BYTES_MAX);
        expect(bytesToHex(sm2SignatureFromDer(der) ?? new Uint8Array(0))).toBe(bytesToHex(rs));
      }),
      { seed: FC_SEED, numRuns: 500 },
    );
  });

  it(`never throws on garbage (fc seed ${FC_SEED})`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (der) => {
        const out = sm2SignatureFromDer(der);
        if (out !== null) expect(bytesToHex(sm2SignatureToDer(out))).toBe(bytesToHex(der));
      }),
      { seed: FC_SEED, numRuns: 2000 },
    );
  });
});
