// Goal: Paychain merchant QR codes round-trip exactly (amounts in minor units, ids, expiry), other
// networks' templates are tolerated, and every malformed, tampered or non-Paychain code is refused
// with the documented code in the documented precedence. Method: pinned payloads (checked by hand
// against the template layout), tables of amounts, inputs and payloads (invalid ones in precedence
// order), and fast-check properties: encode→decode round trip, every one-character change refused,
// every truncation refused.
import { bytesToHex, type Id128 } from '@paychain/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DynamicMerchantQr,
  decodeMerchantQr,
  type EmvFieldInput,
  emvAmountToMinor,
  emvCrcOf,
  encodeEmvPayload,
  encodeMerchantQr,
  id128ToQrId,
  isQrExpired,
  MERCHANT_QR_REFUSAL_CODES,
  type MerchantQr,
  type MerchantQrRefusalCode,
  merchantQrToJson,
  minorToEmvAmount,
  PAYCHAIN_QR_GUI,
  QR_CURRENCIES,
  QR_EXPIRES_AT_MS_MAX,
  qrAmountMax,
  qrIdToId128,
  type StaticMerchantQr,
} from './emvco.ts';

/** Seed of every property here: `FC_SEED=<n>` replays a run fast-check printed. */
const FC_SEED = process.env.FC_SEED === undefined ? 0x9a7c : Number.parseInt(process.env.FC_SEED, 10);
const fcParams = { seed: FC_SEED, numRuns: 300 } as const;

const ACCOUNT: Id128 = '0123456789abcdef0123456789abcdef';
const REQUEST: Id128 = 'ffffffffffffffffffffffffffffffff';

const STATIC: StaticMerchantQr = {
  kind: 'static',
  accountId: ACCOUNT,
  merchantName: 'LUCKY NOODLES',
  merchantCity: 'SHANGHAI',
  mcc: '5812',
  currency: 'CNY',
  country: 'CN',
};
const DYNAMIC: DynamicMerchantQr = {
  ...STATIC,
  kind: 'dynamic',
  amount: 2372n,
  requestId: REQUEST,
  expiresAtMs: 1_767_225_600_000n,
  alternateLanguage: { language: 'ZH', merchantName: '幸运面馆', merchantCity: '上海' },
};

// Pinned by this encoder and checked by hand: 26 = 00 "cn.paychain", 01 = base64url(ACCOUNT),
// [02 = base64url(REQUEST), 03 = expiry]; 53 = 156 (CNY); 54 = "23.72"; 64 with lengths in characters.
const STATIC_PAYLOAD =
  '00020101021126410011cn.paychain0122ASNFZ4mrze8BI0VniavN7w5204581253031565802CN5913LUCKY NOODLES' +
  '6008SHANGHAI6304';
const DYNAMIC_PAYLOAD =
  '00020101021226840011cn.paychain0122ASNFZ4mrze8BI0VniavN7w0222_____________________w03131767225600000' +
  '520458125303156540523.725802CN5913LUCKY NOODLES6008SHANGHAI64200002ZH0104幸运面馆0202上海6304';

const { alternateLanguage: _alternate, ...DYNAMIC_ASCII } = DYNAMIC;

describe('pinned payloads', () => {
  it.each([
    { name: 'static', qr: STATIC, body: STATIC_PAYLOAD },
    { name: 'dynamic', qr: DYNAMIC, body: DYNAMIC_PAYLOAD },
  ] as const)('$name: encodes to the pinned text and decodes back', ({ qr, body }) => {
    const payload = `${body}${emvCrcOf(body)}`;
    expect(encodeMerchantQr(qr)).toEqual({ ok: true, value: payload });
    expect(decodeMerchantQr(payload)).toEqual({ ok: true, value: qr });
  });

  it('spells ids in 22 base64url characters, one spelling per id', () => {
    expect(id128ToQrId(ACCOUNT)).toBe('ASNFZ4mrze8BI0VniavN7w');
    expect(id128ToQrId('00000000000000000000000000000000')).toBe('AAAAAAAAAAAAAAAAAAAAAA');
    expect(qrIdToId128('ASNFZ4mrze8BI0VniavN7w')).toBe(ACCOUNT);
    // The last character carries 4 spare bits: "x" (…110001) sets one of them.
    expect(qrIdToId128('ASNFZ4mrze8BI0VniavN7x')).toBeNull();
    expect(qrIdToId128('ASNFZ4mrze8BI0VniavN7')).toBeNull();
    expect(qrIdToId128('ASNFZ4mrze8BI0VniavN7+')).toBeNull();
  });
});

describe('amounts', () => {
  it.each([
    { text: '23.72', decimals: 2, minor: 2372n },
    { text: '23.7', decimals: 2, minor: 2370n },
    { text: '23.', decimals: 2, minor: 2300n },
    { text: '23', decimals: 2, minor: 2300n },
    { text: '.5', decimals: 2, minor: 50n },
    { text: '0.01', decimals: 2, minor: 1n },
    { text: '0012.30', decimals: 2, minor: 1230n },
    { text: '9999999999.99', decimals: 2, minor: 999_999_999_999n },
    { text: '1200', decimals: 0, minor: 1200n },
    { text: '1200.', decimals: 0, minor: 1200n },
    { text: '9999999999999', decimals: 0, minor: 9_999_999_999_999n },
  ])('"$text" with $decimals decimals is $minor minor units', ({ text, decimals, minor }) => {
    expect(emvAmountToMinor(text, decimals)).toEqual({ ok: true, value: minor });
  });

  it.each([
    { text: '-1', decimals: 2, code: 'bad_value' },
    { text: '+1', decimals: 2, code: 'bad_value' },
    { text: '1e3', decimals: 2, code: 'bad_value' },
    { text: '', decimals: 2, code: 'bad_value' },
    { text: '.', decimals: 2, code: 'bad_value' },
    { text: '1.2.3', decimals: 2, code: 'bad_value' },
    { text: '12345678901234', decimals: 0, code: 'bad_value' },
    { text: '1.234', decimals: 2, code: 'bad_amount' },
    { text: '12.5', decimals: 0, code: 'bad_amount' },
    { text: '1.230', decimals: 2, code: 'bad_amount' },
    { text: '0', decimals: 2, code: 'bad_amount' },
    { text: '0.00', decimals: 2, code: 'bad_amount' },
  ])('"$text" with $decimals decimals is refused: $code', ({ text, decimals, code }) => {
    expect(emvAmountToMinor(text, decimals)).toMatchObject({ ok: false, code, tag: '54' });
  });

  it.each([
    { minor: 2372n, decimals: 2, text: '23.72' },
    { minor: 5n, decimals: 2, text: '0.05' },
    { minor: 1200n, decimals: 0, text: '1200' },
    { minor: 999_999_999_999n, decimals: 2, text: '9999999999.99' },
  ])('$minor minor units with $decimals decimals is "$text"', ({ minor, decimals, text }) => {
    expect(minorToEmvAmount(minor, decimals)).toBe(text);
    expect(text.length).toBeLessThanOrEqual(13);
  });

  it('qrAmountMax is the largest amount of 13 characters', () => {
    for (const { decimals } of QR_CURRENCIES) {
      expect(minorToEmvAmount(qrAmountMax(decimals), decimals)).toHaveLength(13);
      expect(minorToEmvAmount(qrAmountMax(decimals) + 1n, decimals)).toHaveLength(14);
    }
  });
});

describe('encodeMerchantQr refuses bad input, naming the field', () => {
  it.each([
    {
      name: 'an uppercase account id',
      qr: { ...STATIC, accountId: ACCOUNT.toUpperCase() },
      code: 'bad_value',
      tag: '26.01',
    },
    { name: 'a short account id', qr: { ...STATIC, accountId: 'abc' }, code: 'bad_value', tag: '26.01' },
    { name: 'a bad request id', qr: { ...DYNAMIC, requestId: 'xyz' }, code: 'bad_value', tag: '26.02' },
    { name: 'expiry 0', qr: { ...DYNAMIC, expiresAtMs: 0n }, code: 'bad_value', tag: '26.03' },
    {
      name: 'expiry after 9999',
      qr: { ...DYNAMIC, expiresAtMs: QR_EXPIRES_AT_MS_MAX + 1n },
      code: 'bad_value',
      tag: '26.03',
    },
    { name: 'a zero amount', qr: { ...DYNAMIC, amount: 0n }, code: 'bad_amount', tag: '54' },
    { name: 'a negative amount', qr: { ...DYNAMIC, amount: -100n }, code: 'bad_amount', tag: '54' },
    {
      name: 'an amount of 14 characters',
      qr: { ...DYNAMIC, amount: qrAmountMax(2) + 1n },
      code: 'bad_amount',
      tag: '54',
    },
    { name: 'an MCC of 3 digits', qr: { ...STATIC, mcc: '581' }, code: 'bad_value', tag: '52' },
    { name: 'a lowercase country', qr: { ...STATIC, country: 'cn' }, code: 'bad_value', tag: '58' },
    { name: 'an empty name', qr: { ...STATIC, merchantName: '' }, code: 'bad_value', tag: '59' },
    { name: 'a name of 26 characters', qr: { ...STATIC, merchantName: 'N'.repeat(26) }, code: 'bad_value', tag: '59' },
    { name: 'a name in Chinese in tag 59', qr: { ...STATIC, merchantName: '幸运面馆' }, code: 'bad_value', tag: '59' },
    { name: 'a city of 16 characters', qr: { ...STATIC, merchantCity: 'C'.repeat(16) }, code: 'bad_value', tag: '60' },
    {
      name: 'a language of three letters',
      qr: { ...STATIC, alternateLanguage: { language: 'ZHO', merchantName: '面馆' } },
      code: 'bad_value',
      tag: '64.00',
    },
    {
      name: 'an alternate name of 26 characters',
      qr: { ...STATIC, alternateLanguage: { language: 'ZH', merchantName: '面'.repeat(26) } },
      code: 'bad_value',
      tag: '64.01',
    },
    {
      name: 'an alternate city with a control character',
      qr: { ...STATIC, alternateLanguage: { language: 'ZH', merchantName: '面馆', merchantCity: '上\u0000海' } },
      code: 'bad_value',
      tag: '64.02',
    },
  ] satisfies ReadonlyArray<{ name: string; qr: MerchantQr; code: MerchantQrRefusalCode; tag: string }>)(
    '$name: $code at $tag',
    ({ qr, code, tag }) => {
      const result = encodeMerchantQr(qr);
      expect(result).toMatchObject({ ok: false, code, tag });
      if (!result.ok) expect(result.message).toContain(`tag ${tag}`);
    },
  );
});

describe('decodeMerchantQr', () => {
  const template = (subtags: ReadonlyArray<readonly [string, string]>): EmvFieldInput => ({
    id: '26',
    fields: [{ id: '00', value: PAYCHAIN_QR_GUI }, ...subtags.map(([id, value]) => ({ id, value }))],
  });
  const ACCOUNT_SUB = ['01', id128ToQrId(ACCOUNT)] as const;
  const REQUEST_SUB = ['02', id128ToQrId(REQUEST)] as const;
  const EXPIRY_SUB = ['03', '1767225600000'] as const;
  /** An EMV-valid dynamic Paychain payload with fields replaced, removed (null) or added. */
  function build(
    changes: Readonly<Record<string, string | EmvFieldInput | null>> = {},
    extra: readonly EmvFieldInput[] = [],
  ): string {
    const fields: EmvFieldInput[] = [
      { id: '00', value: '01' },
      { id: '01', value: '12' },
      template([ACCOUNT_SUB, REQUEST_SUB, EXPIRY_SUB]),
      { id: '52', value: '5812' },
      { id: '53', value: '156' },
      { id: '54', value: '23.72' },
      { id: '58', value: 'CN' },
      { id: '59', value: 'LUCKY NOODLES' },
      { id: '60', value: 'SHANGHAI' },
    ];
    const out: EmvFieldInput[] = [];
    for (const field of fields) {
      const change = changes[field.id];
      if (change === null) continue;
      out.push(change === undefined ? field : typeof change === 'string' ? { id: field.id, value: change } : change);
    }
    const payload = encodeEmvPayload([...out, ...extra]);
    if (!payload.ok) throw new Error(`test payload is not valid EMV: ${payload.message}`);
    return payload.value;
  }
  const staticOf = { '01': '11', '26': template([ACCOUNT_SUB]), '54': null } as const;

  it.each([
    { name: 'a dynamic code', text: build(), kind: 'dynamic' },
    { name: 'a static code', text: build(staticOf), kind: 'static' },
    {
      name: 'a dynamic code with other networks and data',
      text: build({}, [
        {
          id: '27',
          fields: [
            { id: '00', value: 'org.othernet' },
            { id: '01', value: 'M-1' },
          ],
        },
        { id: '02', value: '4000123456789010' },
        { id: '61', value: '200000' },
        { id: '62', fields: [{ id: '05', value: 'INV-1' }] },
        { id: '80', fields: [{ id: '00', value: 'com.loyalty' }] },
      ]),
      kind: 'dynamic',
    },
    {
      name: 'the Paychain template at 51',
      text: build({ '26': null }, [{ ...template([ACCOUNT_SUB, REQUEST_SUB, EXPIRY_SUB]), id: '51' }]),
      kind: 'dynamic',
    },
    { name: 'an amount in EMV short form', text: build({ '54': '23.' }), kind: 'dynamic' },
  ])('accepts $name', ({ text, kind }) => {
    const result = decodeMerchantQr(text);
    if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
    expect(result.value.kind).toBe(kind);
    expect(result.value.accountId).toBe(ACCOUNT);
  });

  const cases: ReadonlyArray<{ name: string; text: string; code: MerchantQrRefusalCode; tag?: string }> = [
    { name: 'a tampered code', text: build().replace('LUCKY', 'LUCKX'), code: 'crc_mismatch', tag: '63' },
    {
      name: 'another network only',
      text: build({ '26': { id: '26', fields: [{ id: '00', value: 'org.othernet' }] } }),
      code: 'not_paychain',
    },
    {
      name: 'a GUI in another case',
      text: build({ '26': { id: '26', fields: [{ id: '00', value: 'CN.PAYCHAIN' }] } }),
      code: 'not_paychain',
    },
    {
      name: 'two Paychain templates',
      text: build({}, [{ ...template([ACCOUNT_SUB]), id: '27' }]),
      code: 'duplicate_tag',
      tag: '27',
    },
    { name: 'no point of initiation', text: build({ '01': null }), code: 'missing_tag', tag: '01' },
    {
      name: 'no account id',
      text: build({ '26': template([REQUEST_SUB, EXPIRY_SUB]) }),
      code: 'missing_tag',
      tag: '26.01',
    },
    {
      name: 'a dynamic code without request id',
      text: build({ '26': template([ACCOUNT_SUB, EXPIRY_SUB]) }),
      code: 'missing_tag',
      tag: '26.02',
    },
    {
      name: 'a dynamic code without expiry',
      text: build({ '26': template([ACCOUNT_SUB, REQUEST_SUB]) }),
      code: 'missing_tag',
      tag: '26.03',
    },
    { name: 'a dynamic code without amount', text: build({ '54': null }), code: 'missing_amount', tag: '54' },
    {
      name: 'an unknown Paychain sub-tag',
      text: build({ '26': template([ACCOUNT_SUB, REQUEST_SUB, EXPIRY_SUB, ['04', 'x']]) }),
      code: 'unexpected_tag',
      tag: '26.04',
    },
    { name: 'a tip prompt', text: build({}, [{ id: '55', value: '01' }]), code: 'unexpected_tag', tag: '55' },
    {
      name: 'a static code with an amount',
      text: build({ ...staticOf, '54': '1.00' }),
      code: 'unexpected_tag',
      tag: '54',
    },
    {
      name: 'a static code with a request id',
      text: build({ ...staticOf, '26': template([ACCOUNT_SUB, REQUEST_SUB]) }),
      code: 'unexpected_tag',
      tag: '26.02',
    },
    {
      name: 'an account id in hex',
      text: build({ '26': template([['01', ACCOUNT], REQUEST_SUB, EXPIRY_SUB]) }),
      code: 'bad_value',
      tag: '26.01',
    },
    {
      name: 'an account id with spare bits set',
      text: build({ '26': template([['01', 'ASNFZ4mrze8BI0VniavN7x'], REQUEST_SUB, EXPIRY_SUB]) }),
      code: 'bad_value',
      tag: '26.01',
    },
    {
      name: 'a bad request id',
      text: build({ '26': template([ACCOUNT_SUB, ['02', 'short'], EXPIRY_SUB]) }),
      code: 'bad_value',
      tag: '26.02',
    },
    {
      name: 'an expiry with a leading zero',
      text: build({ '26': template([ACCOUNT_SUB, REQUEST_SUB, ['03', '01767225600000']]) }),
      code: 'bad_value',
      tag: '26.03',
    },
    {
      name: 'an expiry of 0',
      text: build({ '26': template([ACCOUNT_SUB, REQUEST_SUB, ['03', '0']]) }),
      code: 'bad_value',
      tag: '26.03',
    },
    {
      name: 'an expiry after 9999',
      text: build({ '26': template([ACCOUNT_SUB, REQUEST_SUB, ['03', '253402300800000']]) }),
      code: 'bad_value',
      tag: '26.03',
    },
    { name: 'an unknown currency', text: build({ '53': '999' }), code: 'unknown_currency', tag: '53' },
    { name: 'three decimals for CNY', text: build({ '54': '1.234' }), code: 'bad_amount', tag: '54' },
    { name: 'decimals for JPY', text: build({ '53': '392', '54': '12.5' }), code: 'bad_amount', tag: '54' },
    { name: 'a zero amount', text: build({ '54': '0.00' }), code: 'bad_amount', tag: '54' },
  ];

  it('lists the cases in the documented precedence order', () => {
    // Checks 12–19 of merchant-qr.ts, after every check of the EMV layer.
    const paychainChecks: readonly MerchantQrRefusalCode[] = [
      'not_paychain',
      'duplicate_tag',
      'missing_tag',
      'missing_amount',
      'unexpected_tag',
      'bad_value',
      'unknown_currency',
      'bad_amount',
    ];
    for (const code of paychainChecks) expect(MERCHANT_QR_REFUSAL_CODES).toContain(code);
    const ranks = cases.map((c, i) => (i === 0 ? -1 : paychainChecks.indexOf(c.code)));
    expect(ranks.slice(1)).not.toContain(-1);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });

  it.each(cases)('refuses $name: $code', ({ text, code, tag }) => {
    const result = decodeMerchantQr(text);
    expect(result).toMatchObject({ ok: false, code });
    if (!result.ok) expect(result.tag).toBe(tag);
  });

  it.each([
    { name: 'a static code at any time', qr: STATIC, nowMs: 10n ** 15n, expired: false },
    { name: 'a dynamic code before its expiry', qr: DYNAMIC, nowMs: DYNAMIC.expiresAtMs - 1n, expired: false },
    { name: 'a dynamic code at its expiry', qr: DYNAMIC, nowMs: DYNAMIC.expiresAtMs, expired: true },
    { name: 'a dynamic code after its expiry', qr: DYNAMIC, nowMs: DYNAMIC.expiresAtMs + 1n, expired: true },
  ])('isQrExpired: $name is $expired', ({ qr, nowMs, expired }) => {
    expect(isQrExpired(qr, nowMs)).toBe(expired);
  });

  it('merchantQrToJson gives amounts and times as decimal strings', () => {
    expect(merchantQrToJson(DYNAMIC)).toMatchObject({
      currency: 'CNY',
      currencyNumeric: '156',
      amount: '23.72',
      amountMinor: '2372',
      expiresAtMs: '1767225600000',
    });
  });
});

describe('properties', () => {
  const ansChar = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
  const ans = (maxLength: number) => fc.string({ unit: ansChar, minLength: 1, maxLength });
  const unicodeChar = fc.oneof(
    ansChar,
    fc.constantFrom('面', '馆', '上', '海', 'é', 'ß', '😀', '\u00a0', '\u{10fffd}'),
  );
  const unicode = (maxLength: number) => fc.string({ unit: unicodeChar, minLength: 1, maxLength });
  const id128 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map(bytesToHex);

  const qrArb = (withAlternate: boolean): fc.Arbitrary<MerchantQr> =>
    fc
      .record({
        accountId: id128,
        merchantName: ans(25),
        merchantCity: ans(15),
        mcc: fc.stringMatching(/^[0-9]{4}$/),
        currency: fc.constantFrom(...QR_CURRENCIES),
        country: fc.stringMatching(/^[A-Z]{2}$/),
        alternate: withAlternate
          ? fc.option(
              fc.record(
                {
                  language: fc.stringMatching(/^[A-Za-z]{2}$/),
                  merchantName: unicode(25),
                  merchantCity: unicode(15),
                },
                { requiredKeys: ['language', 'merchantName'] },
              ),
              { nil: undefined },
            )
          : fc.constant(undefined),
        dynamic: fc.option(
          fc.record({ requestId: id128, expiresAtMs: fc.bigInt({ min: 1n, max: QR_EXPIRES_AT_MS_MAX }) }),
          {
            nil: undefined,
          },
        ),
        amountSeed: fc.bigInt({ min: 1n, max: 1n << 64n }),
      })
      .map(({ currency, alternate, dynamic, amountSeed, ...rest }): MerchantQr => {
        const common = {
          ...rest,
          currency: currency.alpha,
          ...(alternate === undefined ? {} : { alternateLanguage: alternate }),
        };
        if (dynamic === undefined) return { kind: 'static', ...common };
        const amount = (amountSeed % qrAmountMax(currency.decimals)) + 1n;
        return { kind: 'dynamic', ...common, ...dynamic, amount };
      });

  const encoded = (qr: MerchantQr): string => {
    const result = encodeMerchantQr(qr);
    if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
    return result.value;
  };

  it('decode(encode(qr)) equals qr', () => {
    fc.assert(
      fc.property(qrArb(true), (qr) => {
        expect(decodeMerchantQr(encoded(qr))).toEqual({ ok: true, value: qr });
      }),
      fcParams,
    );
  });

  // With only ASCII in the payload (no template 64) the guarantee is exact: changing one ASCII
  // character to another changes one byte, which CRC-16 always detects, and a non-ASCII character
  // is outside every value's character set. (In template 64, a changed multi-byte character escapes
  // the CRC with probability 2⁻¹⁶, so that case is not claimed.)
  it('every change of one character is refused', () => {
    const anyChar = fc.oneof(ansChar, fc.constantFrom('\u0000', '\n', '\u007f', 'é', '面', '😀', '\ud800'));
    fc.assert(
      fc.property(qrArb(false), fc.nat(), anyChar, (qr, at, replacement) => {
        const chars = Array.from(encoded(qr));
        const index = at % chars.length;
        fc.pre(chars[index] !== replacement);
        const changed = [...chars.slice(0, index), replacement, ...chars.slice(index + 1)].join('');
        expect(decodeMerchantQr(changed).ok).toBe(false);
      }),
      { ...fcParams, numRuns: 3000 },
    );
  });

  it.each([
    { name: 'static', qr: STATIC },
    { name: 'dynamic without template 64', qr: DYNAMIC_ASCII },
  ] satisfies ReadonlyArray<{ name: string; qr: MerchantQr }>)(
    'every change of one character of the $name pinned code to printable ASCII is refused',
    ({ qr }) => {
      const chars = Array.from(encoded(qr));
      for (const [index, original] of chars.entries())
        for (let code = 0x20; code <= 0x7e; code++) {
          const replacement = String.fromCharCode(code);
          if (replacement === original) continue;
          const changed = [...chars.slice(0, index), replacement, ...chars.slice(index + 1)].join('');
          if (decodeMerchantQr(changed).ok) throw new Error(`accepted a change at ${index}: ${changed}`);
        }
    },
  );

  it('every truncation is refused', () => {
    fc.assert(
      fc.property(qrArb(true), (qr) => {
        const chars = Array.from(encoded(qr));
        for (let length = 0; length < chars.length; length++)
          expect(decodeMerchantQr(chars.slice(0, length).join('')).ok).toBe(false);
      }),
      { ...fcParams, numRuns: 100 },
    );
  });

  it('a payload is at most 512 characters and a Paychain template at most 99', () => {
    fc.assert(
      fc.property(qrArb(true), (qr) => {
        const text = encoded(qr);
        expect(Array.from(text).length).toBeLessThanOrEqual(512);
        // 000201 010211|12 26LL0011cn.paychain…: the template's length is characters 14–15.
        expect(text.slice(12, 14)).toBe('26');
        expect(text.slice(16, 31)).toBe(`0011${PAYCHAIN_QR_GUI}`);
        expect(Number(text.slice(14, 16))).toBeLessThanOrEqual(99);
      }),
      fcParams,
    );
  });
});
