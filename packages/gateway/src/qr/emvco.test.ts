// Goal: the EMV layer (CRC-16/CCITT-FALSE, strict TLV parsing by the MPM rules, encoding) agrees with
// published vectors, accepts what the specification allows, and refuses everything else with the
// documented code, in the documented precedence, without throwing. Method: check values and published
// payloads (sources next to each), tables of valid and invalid payloads (invalid ones in precedence
// order), a table of payloads with two faults, fast-check fuzzing of the parser and of the CRC table
// against a bit-by-bit reference, and every one-character change of the EMVCo sample.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  crc16CcittFalse,
  EMV_REFUSAL_CODES,
  type EmvField,
  type EmvRefusalCode,
  emvCrcOf,
  emvTagName,
  encodeEmvPayload,
  encodeEmvTlv,
  parseEmvTlv,
  QR_PAYLOAD_CHARS_MAX,
} from './emvco.ts';

/** Seed of every property here: `FC_SEED=<n>` replays a run fast-check printed. */
const FC_SEED = process.env.FC_SEED === undefined ? 0x0e3c0 : Number.parseInt(process.env.FC_SEED, 10);
const fcParams = { seed: FC_SEED, numRuns: 300 } as const;

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** One data object; the length counts code points, as EMVCo does. */
function tlv(id: string, value: string): string {
  return `${id}${String(Array.from(value).length).padStart(2, '0')}${value}`;
}
function withCrc(body: string): string {
  return `${body}6304${emvCrcOf(`${body}6304`)}`;
}

/** A valid static payload of another network, as [id, value] pairs, edited by the cases below. */
const BASE: ReadonlyArray<readonly [string, string]> = [
  ['00', '01'],
  ['01', '11'],
  ['26', tlv('00', 'com.example')],
  ['52', '5812'],
  ['53', '156'],
  ['58', 'CN'],
  ['59', 'NOODLE BAR'],
  ['60', 'SHANGHAI'],
];
/** BASE with values replaced or removed (null), then `extra` TLV text; no CRC. */
function body(changes: Readonly<Record<string, string | null>> = {}, extra = ''): string {
  return (
    BASE.map(([id, value]) => {
      const changed = changes[id];
      return changed === null ? '' : tlv(id, changed ?? value);
    }).join('') + extra
  );
}
const payload = (changes: Readonly<Record<string, string | null>> = {}, extra = ''): string =>
  withCrc(body(changes, extra));

// ---- published vectors ----

// The example payload of the EMV® QRCPS Merchant-Presented Mode specification (EMVCo, v1.0 July 2017,
// kept in v1.1 November 2020): two merchant account templates (29, 31), a Chinese name and city in
// template 64 (lengths count characters: "0104最佳运输"), an amount, a tip indicator, template 62 and an
// unreserved template 91, CRC A13A over the UTF-8 bytes. We could not read the PDF page itself here;
// the same string and CRC appear, called the specification's sample, in mvallim/emv-qrcode
// (Crc16ValidatorTest, a repository that vendors the v1.1 PDF), ericsalim/exemvi (test/mpm_test.exs
// at f44f773d, "official sample") and dongri/emv-qrcode (README); read 2025 through a code index.
const EMVCO_SAMPLE =
  '00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN' +
  '5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***' +
  '0708A60086670902ME91320016A0112233449988770708123456786304A13A';

// Thai PromptPay codes from dtinth/promptpay-qr index.test.js (commit 75ead177, read 2025): the CRC is
// right, but PromptPay person-to-person codes carry no MCC, merchant name or city, which EMVCo requires.
const PROMPTPAY_SAMPLES = [
  '00020101021129370016A000000677010111011300668012345675802TH530376463046197',
  '00020101021129370016A000000677010111021311111111111115802TH530376463047B5A',
  '00020101021229370016A000000677010111011300660000000005802TH530376454044.226304E469',
] as const;

// A Cambodian KHQR example from the README of phannaly/emv-qr-code (read 2025): the CRC is right, but
// its merchant city "Banteay Meanchey" has 16 characters, one more than tag 60 allows.
const KHQR_README_SAMPLE =
  '00020101021252044131153137210116372101160123456789ABCDE6016Banteay Meanchey5913Kuntheas Shop5802KH' +
  '540510.005303840621201081234567863041FF2';

describe('CRC-16/CCITT-FALSE', () => {
  it.each([
    { text: '123456789', crc: 0x29b1, source: 'the catalogue check value of CRC-16/CCITT-FALSE (Greg Cook)' },
    { text: '', crc: 0xffff, source: 'the initial value, no final XOR' },
    { text: 'A', crc: 0xb915, source: 'a commonly quoted value for one byte' },
  ])('of $text is $crc ($source)', ({ text, crc }) => {
    expect(crc16CcittFalse(utf8(text))).toBe(crc);
  });

  it('is the EMVCo sample CRC A13A over UTF-8, and pads to 4 uppercase hex digits', () => {
    expect(emvCrcOf(EMVCO_SAMPLE.slice(0, -4))).toBe('A13A');
    for (const sample of PROMPTPAY_SAMPLES) expect(emvCrcOf(sample.slice(0, -4))).toBe(sample.slice(-4));
    const crcs = Array.from({ length: 400 }, (_, i) => emvCrcOf(String(i)));
    for (const crc of crcs) expect(crc).toMatch(/^[0-9A-F]{4}$/);
  });

  it('equals a bit-by-bit reference on any bytes (property)', () => {
    const reference = (bytes: Uint8Array): number => {
      let crc = 0xffff;
      for (const byte of bytes) {
        crc ^= byte << 8;
        for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
      }
      return crc;
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(crc16CcittFalse(bytes)).toBe(reference(bytes));
      }),
      fcParams,
    );
  });
});

describe('published payloads', () => {
  it('parses the EMVCo sample into its data objects and encodes them back to the same text', () => {
    const parsed = parseEmvTlv(EMVCO_SAMPLE);
    if (!parsed.ok) throw new Error(parsed.message);
    const fields = parsed.value;
    expect(fields.map((f) => f.id)).toEqual([
      '00',
      '01',
      '29',
      '31',
      '52',
      '58',
      '59',
      '60',
      '64',
      '54',
      '53',
      '55',
      '62',
      '91',
      '63',
    ]);
    const byId = (id: string): EmvField | undefined => fields.find((f) => f.id === id);
    expect(byId('29')?.fields).toEqual([
      { id: '00', value: 'D15600000000' },
      { id: '05', value: 'A93FO3230Q' },
    ]);
    expect(byId('64')?.fields).toEqual([
      { id: '00', value: 'ZH' },
      { id: '01', value: '最佳运输' },
      { id: '02', value: '北京' },
    ]);
    expect(byId('62')?.fields).toEqual([
      { id: '03', value: '1234' },
      { id: '06', value: '***' },
      { id: '07', value: 'A6008667' },
      { id: '09', value: 'ME' },
    ]);
    expect(byId('91')?.fields?.map((f) => f.id)).toEqual(['00', '07']);
    expect(byId('54')?.value).toBe('23.72');
    expect(encodeEmvTlv(fields)).toEqual({ ok: true, value: EMVCO_SAMPLE });
  });

  it.each(PROMPTPAY_SAMPLES)('refuses PromptPay %s for the missing MCC, though its CRC is right', (sample) => {
    expect(parseEmvTlv(sample)).toMatchObject({ ok: false, code: 'missing_tag', tag: '52' });
  });

  it('refuses the KHQR README example for its 16-character city, though its CRC is right', () => {
    expect(parseEmvTlv(KHQR_README_SAMPLE)).toMatchObject({ ok: false, code: 'bad_value', tag: '60' });
  });
});

describe('parseEmvTlv accepts what the specification allows', () => {
  const amount = (value: string): string => body({ '01': '12' }, tlv('54', value));
  it.each([
    { name: 'a static code', text: payload() },
    { name: 'an amount with two decimals', text: withCrc(amount('23.72')) },
    { name: 'an amount without decimals', text: withCrc(amount('1200')) },
    { name: 'an amount ending in "."', text: withCrc(amount('12.')) },
    { name: 'an amount starting with "."', text: withCrc(amount('.5')) },
    { name: 'an amount with leading zeros', text: withCrc(amount('0012.30')) },
    { name: 'an amount of 13 characters', text: withCrc(amount('9999999999.99')) },
    { name: 'a tip prompt (55 = 01)', text: payload({}, tlv('55', '01')) },
    { name: 'a fixed convenience fee', text: payload({}, tlv('55', '02') + tlv('56', '1.50')) },
    { name: 'a percentage convenience fee', text: payload({}, tlv('55', '03') + tlv('57', '3.5')) },
    { name: 'a postal code', text: payload({}, tlv('61', '200000')) },
    { name: 'a primitive merchant account (Visa, 02)', text: payload({ '26': null }, tlv('02', '4000123456789010')) },
    {
      name: 'several merchant account templates',
      text: payload({}, tlv('27', tlv('00', 'org.other') + tlv('01', 'x'))),
    },
    {
      name: 'template 62 with labels and a payment-system template',
      text: payload(
        {},
        tlv('62', tlv('05', 'REF-1') + tlv('09', 'AME') + tlv('50', tlv('00', 'com.ps') + tlv('01', 'v'))),
      ),
    },
    {
      name: 'template 64 in Chinese',
      text: payload({}, tlv('64', tlv('00', 'ZH') + tlv('01', '面馆') + tlv('02', '上海'))),
    },
    {
      name: 'template 64 with a 4-byte character',
      text: payload({}, tlv('64', tlv('00', 'en') + tlv('01', 'Noodles 😀'))),
    },
    { name: 'an RFU tag (65) kept', text: payload({}, tlv('65', 'future')) },
    {
      name: 'an unreserved template (80)',
      text: payload({}, tlv('80', tlv('00', 'com.example.loyalty') + tlv('05', 'x'))),
    },
    {
      name: 'tags out of numeric order',
      text: withCrc(tlv('00', '01') + body({ '00': null, '52': null }) + tlv('52', '5812')),
    },
    { name: 'a value of 99 characters', text: payload({}, tlv('65', 'x'.repeat(99))) },
  ])('$name', ({ text }) => {
    const parsed = parseEmvTlv(text);
    if (!parsed.ok) throw new Error(`${parsed.code}: ${parsed.message}`);
    expect(encodeEmvTlv(parsed.value)).toEqual({ ok: true, value: text });
  });
});

describe('parseEmvTlv refuses, in precedence order', () => {
  const valid = payload();
  const cases: ReadonlyArray<{ name: string; text: string; code: EmvRefusalCode; tag?: string }> = [
    { name: 'more than 512 characters', text: '0'.repeat(QR_PAYLOAD_CHARS_MAX + 1), code: 'too_long' },
    { name: '513 Chinese characters', text: '最'.repeat(QR_PAYLOAD_CHARS_MAX + 1), code: 'too_long' },
    { name: 'a megabyte', text: 'x'.repeat(1 << 20), code: 'too_long' },
    { name: 'an empty payload', text: '', code: 'truncated' },
    { name: 'one character', text: '0', code: 'truncated' },
    { name: 'an id without a length', text: '00', code: 'truncated', tag: '00' },
    { name: 'half a length', text: '000', code: 'truncated', tag: '00' },
    { name: 'a value cut short', text: '00020', code: 'truncated', tag: '00' },
    { name: 'the last character cut', text: valid.slice(0, -1), code: 'truncated', tag: '63' },
    { name: 'a letter in an id', text: withCrc(`A0${body().slice(2)}`), code: 'tag_not_numeric' },
    { name: 'a space in an id', text: withCrc(body({}, '6 02XX')), code: 'tag_not_numeric' },
    { name: 'a letter in a length', text: withCrc(`00A2${body().slice(4)}`), code: 'length_not_numeric', tag: '00' },
    { name: 'a sign in a length', text: withCrc(body({}, '61-1')), code: 'length_not_numeric', tag: '61' },
    {
      name: 'a sub-tag running past its template',
      text: payload({ '26': '0012com.example' }),
      code: 'length_overrun',
      tag: '26.00',
    },
    {
      name: 'a template ending inside a header',
      text: payload({ '26': `${tlv('00', 'com.example')}01` }),
      code: 'length_overrun',
      tag: '26',
    },
    {
      name: 'a letter in a sub-tag id',
      text: payload({ '26': `${tlv('00', 'com.example')}X101A` }),
      code: 'tag_not_numeric',
      tag: '26',
    },
    {
      name: 'a letter in a sub-tag length',
      text: payload({}, tlv('62', '05AXREF')),
      code: 'length_not_numeric',
      tag: '62.05',
    },
    { name: 'no CRC', text: body(), code: 'crc_missing', tag: '63' },
    { name: 'a data object after the CRC', text: `${valid}${tlv('61', '200000')}`, code: 'crc_not_last', tag: '63' },
    { name: 'two CRCs', text: withCrc(`${body()}6304ABCD`), code: 'crc_not_last', tag: '63' },
    { name: 'a CRC of length 03', text: `${body()}6303ABC`, code: 'crc_malformed', tag: '63' },
    { name: 'a CRC of length 05', text: `${body()}6305ABCDE`, code: 'crc_malformed', tag: '63' },
    { name: 'a lowercase CRC', text: `${body()}6304abcd`, code: 'crc_malformed', tag: '63' },
    { name: 'a changed name', text: valid.replace('NOODLE', 'NOODLF'), code: 'crc_mismatch', tag: '63' },
    {
      name: 'a changed amount',
      text: withCrc(body({}, tlv('54', '1.00'))).replace('1.00', '9.00'),
      code: 'crc_mismatch',
      tag: '63',
    },
    { name: 'a duplicate name', text: payload({}, tlv('59', 'AGAIN')), code: 'duplicate_tag', tag: '59' },
    {
      name: 'a duplicate sub-tag',
      text: payload({ '26': tlv('00', 'a') + tlv('00', 'b') }),
      code: 'duplicate_tag',
      tag: '26.00',
    },
    { name: 'no payload format indicator', text: payload({ '00': null }), code: 'missing_tag', tag: '00' },
    { name: 'no MCC', text: payload({ '52': null }), code: 'missing_tag', tag: '52' },
    { name: 'no currency', text: payload({ '53': null }), code: 'missing_tag', tag: '53' },
    { name: 'no country', text: payload({ '58': null }), code: 'missing_tag', tag: '58' },
    { name: 'no merchant name', text: payload({ '59': null }), code: 'missing_tag', tag: '59' },
    { name: 'no merchant city', text: payload({ '60': null }), code: 'missing_tag', tag: '60' },
    { name: 'no merchant account information', text: payload({ '26': null }), code: 'missing_tag', tag: '02..51' },
    {
      name: 'a template without its identifier',
      text: payload({ '26': tlv('01', 'x') }),
      code: 'missing_tag',
      tag: '26.00',
    },
    {
      name: 'a language template without the name',
      text: payload({}, tlv('64', tlv('00', 'ZH'))),
      code: 'missing_tag',
      tag: '64.01',
    },
    {
      name: 'a payment-system template without its identifier',
      text: payload({}, tlv('62', tlv('50', tlv('01', 'x')))),
      code: 'missing_tag',
      tag: '62.50.00',
    },
    {
      name: 'the format indicator second',
      text: withCrc(tlv('01', '11') + body({ '01': null })),
      code: 'tag_out_of_order',
      tag: '00',
    },
    { name: 'format indicator 02', text: payload({ '00': '02' }), code: 'bad_value', tag: '00' },
    { name: 'point of initiation 13', text: payload({ '01': '13' }), code: 'bad_value', tag: '01' },
    { name: 'an empty value (length 00)', text: payload({}, '6100'), code: 'bad_value', tag: '61' },
    { name: 'an empty template (length 00)', text: payload({}, '6200'), code: 'bad_value', tag: '62' },
    { name: 'an MCC with a letter', text: payload({ '52': '58A2' }), code: 'bad_value', tag: '52' },
    { name: 'an MCC of 3 digits', text: payload({ '52': '581' }), code: 'bad_value', tag: '52' },
    { name: 'a currency of 2 digits', text: payload({ '53': '15' }), code: 'bad_value', tag: '53' },
    { name: 'a negative amount', text: payload({}, tlv('54', '-1.00')), code: 'bad_value', tag: '54' },
    { name: 'an amount with two dots', text: payload({}, tlv('54', '1.2.3')), code: 'bad_value', tag: '54' },
    { name: 'an amount with a comma', text: payload({}, tlv('54', '1,50')), code: 'bad_value', tag: '54' },
    { name: 'an amount of only "."', text: payload({}, tlv('54', '.')), code: 'bad_value', tag: '54' },
    {
      name: 'an amount of 14 characters',
      text: payload({}, tlv('54', '12345678901234')),
      code: 'bad_value',
      tag: '54',
    },
    { name: 'tip indicator 04', text: payload({}, tlv('55', '04')), code: 'bad_value', tag: '55' },
    { name: 'a lowercase country', text: payload({ '58': 'cn' }), code: 'bad_value', tag: '58' },
    { name: 'a name of 26 characters', text: payload({ '59': 'N'.repeat(26) }), code: 'bad_value', tag: '59' },
    { name: 'a name in Chinese', text: payload({ '59': '面馆' }), code: 'bad_value', tag: '59' },
    { name: 'a name with a newline', text: payload({ '59': 'NOODLE\nBAR' }), code: 'bad_value', tag: '59' },
    { name: 'a name with a lone surrogate', text: payload({ '59': 'NOODLE\ud800' }), code: 'bad_value', tag: '59' },
    { name: 'a city of 16 characters', text: payload({ '60': 'C'.repeat(16) }), code: 'bad_value', tag: '60' },
    {
      name: 'a postal code of 11 characters',
      text: payload({}, tlv('61', '12345678901')),
      code: 'bad_value',
      tag: '61',
    },
    {
      name: 'an identifier of 33 characters',
      text: payload({ '26': tlv('00', 'g'.repeat(33)) }),
      code: 'bad_value',
      tag: '26.00',
    },
    {
      name: 'a repeated consumer data request',
      text: payload({}, tlv('62', tlv('09', 'AA'))),
      code: 'bad_value',
      tag: '62.09',
    },
    {
      name: 'a control character in an alternate name',
      text: payload({}, tlv('64', tlv('00', 'ZH') + tlv('01', '面\u0007馆'))),
      code: 'bad_value',
      tag: '64.01',
    },
    {
      name: 'a language of digits',
      text: payload({}, tlv('64', tlv('00', '12') + tlv('01', '面馆'))),
      code: 'bad_value',
      tag: '64.00',
    },
    {
      name: 'indicator 02 without a fixed fee',
      text: payload({}, tlv('55', '02')),
      code: 'conditional_tag',
      tag: '56',
    },
    {
      name: 'indicator 03 without a percentage',
      text: payload({}, tlv('55', '03')),
      code: 'conditional_tag',
      tag: '57',
    },
    {
      name: 'a fixed fee without an indicator',
      text: payload({}, tlv('56', '1.00')),
      code: 'conditional_tag',
      tag: '56',
    },
    {
      name: 'a percentage with indicator 02',
      text: payload({}, tlv('55', '02') + tlv('56', '1') + tlv('57', '3')),
      code: 'conditional_tag',
      tag: '57',
    },
  ];

  it('lists the cases in the documented precedence order', () => {
    const ranks = cases.map((c) => EMV_REFUSAL_CODES.indexOf(c.code));
    const structure = EMV_REFUSAL_CODES.indexOf('length_overrun');
    // Structural faults (truncated … length_overrun) share one stage: the first in reading order wins.
    const stages = ranks.map((rank) => (rank <= structure ? Math.min(rank, 1) : rank));
    expect(stages).toEqual([...stages].sort((a, b) => a - b));
  });

  it.each(cases)('$name: $code', ({ text, code, tag }) => {
    const result = parseEmvTlv(text);
    expect(result).toMatchObject({ ok: false, code });
    if (result.ok) return;
    expect(result.tag).toBe(tag);
    expect(result.message.length).toBeGreaterThan(10);
    expect(result.message).not.toMatch(/\n/);
    if (tag !== undefined && tag !== '02..51') expect(result.message).toContain(`tag ${tag}`);
  });
});

describe('the first failing check wins', () => {
  it.each([
    { name: 'truncated before a later bad id', text: 'AB00', code: 'tag_not_numeric' },
    {
      name: 'a broken template before a wrong CRC',
      text: `${body({ '26': '0012com.example' })}63040000`,
      code: 'length_overrun',
    },
    { name: 'a wrong CRC before a missing tag', text: `${body({ '52': null })}63040000`, code: 'crc_mismatch' },
    {
      name: 'a duplicate before a missing tag',
      text: payload({ '53': null }, tlv('59', 'AGAIN')),
      code: 'duplicate_tag',
    },
    { name: 'a missing tag before a bad value', text: payload({ '53': null, '52': 'XXXX' }), code: 'missing_tag' },
    {
      name: 'order before a bad value',
      text: withCrc(tlv('01', '13') + body({ '01': null })),
      code: 'tag_out_of_order',
    },
    {
      name: 'the first bad value in reading order',
      text: payload({ '52': '1', '59': 'N'.repeat(30) }),
      code: 'bad_value',
    },
    {
      name: 'a bad value before a conditional tag',
      text: payload({ '60': 'C'.repeat(20) }, tlv('55', '02')),
      code: 'bad_value',
    },
  ])('$name', ({ text, code }) => {
    expect(parseEmvTlv(text)).toMatchObject({ ok: false, code });
  });

  it.each([
    { changes: { '52': '1', '59': 'N'.repeat(30) }, tag: '52' },
    { changes: { '26': tlv('00', 'g'.repeat(40)), '59': 'N'.repeat(30) }, tag: '26.00' },
  ])('reports the first bad value in reading order ($tag), templates included', ({ changes, tag }) => {
    expect(parseEmvTlv(payload(changes))).toMatchObject({ ok: false, code: 'bad_value', tag });
  });
});

describe('encodeEmvTlv and encodeEmvPayload', () => {
  it('encodes templates from their data objects and counts characters, not bytes', () => {
    const encoded = encodeEmvTlv([
      {
        id: '64',
        fields: [
          { id: '00', value: 'ZH' },
          { id: '01', value: '最佳运输' },
        ],
      },
      { id: '62', fields: [{ id: '50', fields: [{ id: '00', value: 'com.ps' }] }] },
    ]);
    expect(encoded).toEqual({ ok: true, value: '64140002ZH0104最佳运输621450100006com.ps' });
  });

  it.each([
    { name: 'an id of letters', fields: [{ id: 'AB', value: 'x' }], code: 'tag_not_numeric' },
    { name: 'an id of one digit', fields: [{ id: '1', value: 'x' }], code: 'tag_not_numeric' },
    { name: 'an empty value', fields: [{ id: '59', value: '' }], code: 'bad_value' },
    { name: 'a value of 100 characters', fields: [{ id: '65', value: 'x'.repeat(100) }], code: 'bad_value' },
    {
      name: 'templates three deep',
      fields: [{ id: '62', fields: [{ id: '50', fields: [{ id: '01', fields: [{ id: '00', value: 'x' }] }] }] }],
      code: 'bad_value',
    },
  ])('encodeEmvTlv refuses $name: $code', ({ fields, code }) => {
    expect(encodeEmvTlv(fields)).toMatchObject({ ok: false, code });
  });

  it('encodeEmvPayload adds the CRC, and refuses what the parser refuses', () => {
    const fields = BASE.map(([id, value]) => ({ id, value }));
    expect(encodeEmvPayload(fields)).toEqual({ ok: true, value: payload() });
    expect(encodeEmvPayload(fields.filter((f) => f.id !== '52'))).toMatchObject({ ok: false, code: 'missing_tag' });
    expect(encodeEmvPayload([...fields, { id: '63', value: 'ABCD' }])).toMatchObject({
      ok: false,
      code: 'crc_not_last',
    });
  });

  it.each([
    { path: '59', name: 'merchant name' },
    { path: '26', name: 'merchant account information' },
    { path: '26.00', name: 'globally unique identifier' },
    { path: '62.05', name: 'reference label' },
    { path: '62.50.00', name: 'globally unique identifier' },
    { path: '64.01', name: 'merchant name — alternate language' },
    { path: '59.01', name: null },
    { path: 'x', name: null },
  ])('emvTagName($path) is $name', ({ path, name }) => {
    expect(emvTagName(path)).toBe(name);
  });
});

describe('properties', () => {
  const known = new Set<string>(EMV_REFUSAL_CODES);
  const tlvAlphabet = fc.constantFrom(...'0123456789ABCDEF.-* 最😀'.split(''), '\ud800');
  const refusedOrAccepted = (text: string): void => {
    const result = parseEmvTlv(text);
    if (!result.ok) expect(known.has(result.code), result.code).toBe(true);
  };

  it('never throws on any text, and refuses only with documented codes', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 700 }), refusedOrAccepted), fcParams);
    fc.assert(fc.property(fc.string({ unit: tlvAlphabet, maxLength: 300 }), refusedOrAccepted), fcParams);
  });

  it('never throws on a valid payload with pieces spliced in or cut out', () => {
    const valid = [EMVCO_SAMPLE, payload(), payload({}, tlv('62', tlv('50', tlv('00', 'x'))))];
    fc.assert(
      fc.property(
        fc.constantFrom(...valid),
        fc.nat(),
        fc.nat(40),
        fc.string({ unit: tlvAlphabet, maxLength: 12 }),
        (text, at, cut, insert) => {
          const chars = Array.from(text);
          const start = at % (chars.length + 1);
          refusedOrAccepted([...chars.slice(0, start), insert, ...chars.slice(start + cut)].join(''));
        },
      ),
      { ...fcParams, numRuns: 2000 },
    );
  });

  it('refuses every change of one ASCII character of the EMVCo sample to any other printable ASCII', () => {
    const chars = Array.from(EMVCO_SAMPLE);
    let tried = 0;
    for (const [index, original] of chars.entries()) {
      if (original.charCodeAt(0) > 0x7e) continue;
      for (let code = 0x20; code <= 0x7e; code++) {
        const replacement = String.fromCharCode(code);
        if (replacement === original) continue;
        const changed = [...chars.slice(0, index), replacement, ...chars.slice(index + 1)].join('');
        const result = parseEmvTlv(changed);
        if (result.ok) throw new Error(`accepted a change at ${index}: ${JSON.stringify(changed)}`);
        tried++;
      }
    }
    expect(tried).toBeGreaterThan(15_000);
  });

  it('refuses every truncation of the EMVCo sample', () => {
    const chars = Array.from(EMVCO_SAMPLE);
    for (let length = 0; length < chars.length; length++)
      expect(parseEmvTlv(chars.slice(0, length).join('')).ok, `prefix of ${length}`).toBe(false);
  });
});
