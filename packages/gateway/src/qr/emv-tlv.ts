/**
 * EMV® QR Code Specification for Payment Systems, Merchant-Presented Mode (EMVCo, v1.0 July 2017 and
 * v1.1 November 2020): a strict parser and an encoder for its payloads, which are a list of data
 * objects "id length value" — id two digits, length two digits (01–99), value that many characters —
 * ending with the CRC (tag 63, see `crc16.ts`). A QR code is outside input: every refusal is a typed
 * result with a code, a message naming the tag, and the tag's path ("26.01" is sub-tag 01 of 26);
 * nothing here throws on a bad payload.
 *
 * Characters. Lengths count characters, not bytes. Values are in the EMV common character set
 * ("ans": printable ASCII, 0x20–0x7E), except the alternate-language merchant name and city (64.01,
 * 64.02, format "S": any Unicode character), where a character is one Unicode code point
 * (EMVCo's own example, "0104最佳运输", has length 04). So the payload is read as code points; the
 * CRC covers its UTF-8 bytes. In "S" values, control characters and lone surrogates are refused.
 *
 * Templates parsed into `fields`: 26–51 (merchant account information), 62 (additional data, whose
 * 50–99 are templates again), 64 (merchant information in another language), 80–99 (unreserved).
 * RFU tags (65–79, and sub-tags the spec reserves) are kept, checked as "ans", and not refused: the
 * spec asks readers to tolerate them.
 *
 * Precedence of refusals (`parseEmvTlv`): the first failing check wins, in this order.
 *   1. too_long            — more than QR_PAYLOAD_CHARS_MAX characters.
 *   2. structure, the first fault in reading order, the top level first, then each template:
 *      truncated          — the payload ends inside a data object (its id, length or value), or is empty;
 *      tag_not_numeric    — an id is not two digits;
 *      length_not_numeric — a length is not two digits;
 *      length_overrun     — a data object inside a template runs past the template's end.
 *   3. crc_missing         — no tag 63.
 *   4. crc_not_last        — tag 63 is not the last data object (or appears twice).
 *   5. crc_malformed       — tag 63 is not 4 uppercase hex digits (length 04).
 *   6. crc_mismatch        — the CRC does not match: the code is damaged or was altered.
 *   7. duplicate_tag       — an id twice at the top level or inside one template.
 *   8. missing_tag         — a mandatory tag is absent: 00, 52, 53, 58, 59, 60, then merchant account
 *                            information (any of 02–51); then, template by template, 00 of 26–51,
 *                            80–99 and 62.50–99, 00 and 01 of 64.
 *   9. tag_out_of_order    — the payload format indicator (00) is not the first data object.
 *  10. bad_value           — a value is empty, outside its character set, of the wrong length or
 *                            format (00 = "01"; 01 = "11" | "12"; 52 four digits; 53 three digits; 54
 *                            and 56 amounts; 55 = "01" | "02" | "03"; 58 two capital letters; 59 ≤ 25;
 *                            60 ≤ 15; …), in reading order.
 *  11. conditional_tag     — 56 without 55 = "02", 57 without 55 = "03", or the reverse.
 * `merchant-qr.ts` continues this list for Paychain codes.
 */
import { assert } from '@paychain/core';
import { emvCrcOf } from './crc16.ts';

/** EMVCo: a merchant-presented payload is at most 512 characters. */
export const QR_PAYLOAD_CHARS_MAX = 512;
/** A length is two digits, and EMVCo counts from 01: a value has 1..99 characters. */
export const EMV_VALUE_CHARS_MAX = 99;
/** Templates nest at most twice: a top-level template, and a payment-system template inside 62. */
export const EMV_TEMPLATE_DEPTH_MAX = 2;
/** The CRC data object: id 63, length 04. */
export const EMV_CRC_ID = '63';
export const EMV_CRC_CHARS = 4;
const EMV_ID_CHARS = 2;
const EMV_HEADER_CHARS = 4;

/** One data object of a parsed payload; templates also carry their parsed content. */
export interface EmvField {
  readonly id: string;
  /** The value as it stands in the payload (for a template: its data objects, still encoded). */
  readonly value: string;
  /** The data objects inside a template, in payload order. */
  readonly fields?: readonly EmvField[];
}

/** What `encodeEmvTlv` takes: a value, or a template given by its data objects. */
export type EmvFieldInput =
  | { readonly id: string; readonly value: string }
  | { readonly id: string; readonly fields: readonly EmvFieldInput[] };

/** Refusal codes of the EMV layer, in precedence order (see the top of this file). */
export const EMV_REFUSAL_CODES = [
  'too_long',
  'truncated',
  'tag_not_numeric',
  'length_not_numeric',
  'length_overrun',
  'crc_missing',
  'crc_not_last',
  'crc_malformed',
  'crc_mismatch',
  'duplicate_tag',
  'missing_tag',
  'tag_out_of_order',
  'bad_value',
  'conditional_tag',
] as const;
export type EmvRefusalCode = (typeof EMV_REFUSAL_CODES)[number];

export interface QrRefusal<C extends string = EmvRefusalCode> {
  readonly ok: false;
  readonly code: C;
  readonly message: string;
  /** Path of the tag at fault: "59", or "26.01" for sub-tag 01 of template 26. */
  readonly tag?: string;
}
export type QrResult<T, C extends string = EmvRefusalCode> = { readonly ok: true; readonly value: T } | QrRefusal<C>;

export function qrRefusal<C extends string>(code: C, message: string, tag?: string): QrRefusal<C> {
  return tag === undefined ? { ok: false, code, message } : { ok: false, code, message, tag };
}

// ---- the rules of the specification, as data ----

type Charset = 'N' | 'ans' | 'S';

interface PrimitiveRule {
  readonly kind: 'primitive';
  readonly name: string;
  readonly charset: Charset;
  readonly lengthMin: number;
  readonly lengthMax: number;
  /** A further format, and how a message describes it. */
  readonly format?: { readonly pattern: RegExp; readonly describe: string };
}

interface TemplateRule {
  readonly kind: 'template';
  readonly name: string;
  /** Sub-tags that must be present when the template is. */
  readonly mandatory: readonly string[];
  readonly child: (id: number) => FieldRule;
}

type FieldRule = PrimitiveRule | TemplateRule;

const CHARSET_PATTERNS: Readonly<Record<Charset, RegExp>> = {
  N: /^[0-9]*$/,
  ans: /^[\x20-\x7e]*$/,
  S: /^[^\p{Cc}\p{Cs}]*$/u,
};
const CHARSET_NAMES: Readonly<Record<Charset, string>> = {
  N: 'digits only',
  ans: 'characters of the EMV common character set (printable ASCII)',
  S: 'characters without control characters or lone surrogates',
};

/** Digits with at most one ".", at least one digit, no sign: "12", "12.3", "12.", ".5". */
const EMV_AMOUNT_FORMAT = { pattern: /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)$/, describe: 'digits with at most one "."' };

function primitive(
  name: string,
  charset: Charset,
  lengthMin: number,
  lengthMax: number,
  format?: PrimitiveRule['format'],
): PrimitiveRule {
  return format === undefined
    ? { kind: 'primitive', name, charset, lengthMin, lengthMax }
    : { kind: 'primitive', name, charset, lengthMin, lengthMax, format };
}
function oneOf(...values: readonly string[]): NonNullable<PrimitiveRule['format']> {
  return { pattern: new RegExp(`^(?:${values.join('|')})$`), describe: values.map((v) => `"${v}"`).join(' or ') };
}

const RFU = primitive('reserved for future use', 'ans', 1, EMV_VALUE_CHARS_MAX);
const GUI = primitive('globally unique identifier', 'ans', 1, 32);

/** 26–51, 80–99 and 62.50–99: a globally unique identifier (00), then scheme-specific values. */
function identifiedTemplate(name: string, childName: string): TemplateRule {
  const specific = primitive(childName, 'ans', 1, EMV_VALUE_CHARS_MAX);
  return { kind: 'template', name, mandatory: ['00'], child: (id) => (id === 0 ? GUI : specific) };
}

const MERCHANT_ACCOUNT_TEMPLATE = identifiedTemplate('merchant account information', 'payment network specific');
const UNRESERVED_TEMPLATE = identifiedTemplate('unreserved template', 'context specific data');
const PAYMENT_SYSTEM_TEMPLATE = identifiedTemplate('payment system specific template', 'payment system specific');

const ADDITIONAL_DATA_NAMES = [
  'bill number',
  'mobile number',
  'store label',
  'loyalty number',
  'reference label',
  'customer label',
  'terminal label',
  'purpose of transaction',
] as const;
const ADDITIONAL_DATA_TEMPLATE: TemplateRule = {
  kind: 'template',
  name: 'additional data field template',
  mandatory: [],
  child: (id) => {
    const name = ADDITIONAL_DATA_NAMES[id - 1];
    if (name !== undefined) return primitive(name, 'ans', 1, 25);
    if (id === 9)
      return primitive('additional consumer data request', 'ans', 1, 3, {
        pattern: /^(?!.*(.).*\1)[AME]+$/,
        describe: 'any of "A", "M", "E", each at most once',
      });
    return id >= 50 ? PAYMENT_SYSTEM_TEMPLATE : RFU;
  },
};

const LANGUAGE_TEMPLATE: TemplateRule = {
  kind: 'template',
  name: 'merchant information — language template',
  mandatory: ['00', '01'],
  child: (id) => {
    if (id === 0)
      return primitive('language preference', 'ans', 2, 2, {
        pattern: /^[A-Za-z]{2}$/,
        describe: 'an ISO 639-1 code of two letters',
      });
    if (id === 1) return primitive('merchant name — alternate language', 'S', 1, 25);
    if (id === 2) return primitive('merchant city — alternate language', 'S', 1, 15);
    return RFU;
  },
};

const TOP_LEVEL: TemplateRule = {
  kind: 'template',
  name: 'payload',
  mandatory: ['00', '52', '53', '58', '59', '60'],
  child: (id) => {
    if (id >= 2 && id <= 25) return primitive('merchant account information', 'ans', 1, EMV_VALUE_CHARS_MAX);
    if (id >= 26 && id <= 51) return MERCHANT_ACCOUNT_TEMPLATE;
    if (id >= 65 && id <= 79) return RFU;
    if (id >= 80) return UNRESERVED_TEMPLATE;
    switch (id) {
      case 0:
        return primitive('payload format indicator', 'N', 2, 2, oneOf('01'));
      case 1:
        return primitive('point of initiation method', 'N', 2, 2, oneOf('11', '12'));
      case 52:
        return primitive('merchant category code', 'N', 4, 4);
      case 53:
        return primitive('transaction currency', 'N', 3, 3);
      case 54:
        return primitive('transaction amount', 'ans', 1, 13, EMV_AMOUNT_FORMAT);
      case 55:
        return primitive('tip or convenience indicator', 'N', 2, 2, oneOf('01', '02', '03'));
      case 56:
        return primitive('value of convenience fee fixed', 'ans', 1, 13, EMV_AMOUNT_FORMAT);
      case 57:
        return primitive('value of convenience fee percentage', 'ans', 1, 5, EMV_AMOUNT_FORMAT);
      case 58:
        return primitive('country code', 'ans', 2, 2, {
          pattern: /^[A-Z]{2}$/,
          describe: 'an ISO 3166-1 alpha-2 code of two capital letters',
        });
      case 59:
        return primitive('merchant name', 'ans', 1, 25);
      case 60:
        return primitive('merchant city', 'ans', 1, 15);
      case 61:
        return primitive('postal code', 'ans', 1, 10);
      case 62:
        return ADDITIONAL_DATA_TEMPLATE;
      case 63:
        return primitive('CRC', 'ans', EMV_CRC_CHARS, EMV_CRC_CHARS, {
          pattern: /^[0-9A-F]{4}$/,
          describe: 'four uppercase hex digits',
        });
      case 64:
        return LANGUAGE_TEMPLATE;
      default:
        return RFU;
    }
  },
};

const ID_PATTERN = /^[0-9]{2}$/;

function pathOf(parent: string, id: string): string {
  return parent === '' ? id : `${parent}.${id}`;
}

/** The rule for a tag path such as "59" or "62.50.01", or null for a path that names nothing. */
function ruleAt(path: string): FieldRule | null {
  let rule: FieldRule = TOP_LEVEL;
  for (const id of path.split('.')) {
    if (rule.kind !== 'template' || !ID_PATTERN.test(id)) return null;
    rule = rule.child(Number(id));
  }
  return rule === TOP_LEVEL ? null : rule;
}

/** The specification's name of a tag path ("59" → "merchant name"), or null. */
export function emvTagName(path: string): string | null {
  return ruleAt(path)?.name ?? null;
}

function label(path: string): string {
  const name = emvTagName(path);
  return name === null ? `tag ${path}` : `tag ${path} (${name})`;
}

function charCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

// ---- parsing ----

interface RawObject {
  readonly id: string;
  readonly value: string;
}

/**
 * The data objects of `chars` (a whole payload, or a template's value), in order; `parent` is the
 * template's path, '' at the top level, where running past the end means the payload was cut.
 */
function readObjects(chars: readonly string[], parent: string): QrResult<RawObject[]> {
  const topLevel = parent === '';
  const cut = (position: number, what: string, path?: string): QrRefusal =>
    topLevel
      ? qrRefusal('truncated', `the payload ends inside ${what} at character ${position}: it is truncated`, path)
      : qrRefusal(
          'length_overrun',
          `${label(parent)}: ${what} at character ${position} of its value runs past the template's end`,
          parent,
        );
  const objects: RawObject[] = [];
  let position = 0;
  while (position < chars.length) {
    if (position + EMV_ID_CHARS > chars.length) return cut(position, 'a data object id');
    const id = chars.slice(position, position + EMV_ID_CHARS).join('');
    if (!ID_PATTERN.test(id)) {
      const where = topLevel ? '' : ` inside ${label(parent)}`;
      const refusal = `data object id ${JSON.stringify(id)} at character ${position}${where} is not two digits`;
      return qrRefusal('tag_not_numeric', refusal, topLevel ? undefined : parent);
    }
    const path = pathOf(parent, id);
    if (position + EMV_HEADER_CHARS > chars.length) return cut(position, `the length of tag ${path}`, path);
    const lengthText = chars.slice(position + EMV_ID_CHARS, position + EMV_HEADER_CHARS).join('');
    if (!ID_PATTERN.test(lengthText))
      return qrRefusal(
        'length_not_numeric',
        `${label(path)}: length ${JSON.stringify(lengthText)} is not two digits`,
        path,
      );
    const length = Number(lengthText);
    const start = position + EMV_HEADER_CHARS;
    if (start + length > chars.length) {
      return topLevel
        ? qrRefusal(
            'truncated',
            `${label(path)}: length ${lengthText} runs past the end of the payload: it is truncated`,
            path,
          )
        : qrRefusal('length_overrun', `${label(path)}: length ${lengthText} runs past the end of tag ${parent}`, path);
    }
    objects.push({ id, value: chars.slice(start, start + length).join('') });
    position = start + length;
  }
  return { ok: true, value: objects };
}

/** Parses the templates among `objects` (by the rules of their container `rule`), depth first. */
function readTemplates(
  objects: readonly RawObject[],
  rule: TemplateRule,
  parent: string,
  depth: number,
): QrResult<EmvField[]> {
  const fields: EmvField[] = [];
  for (const object of objects) {
    const childRule = rule.child(Number(object.id));
    if (childRule.kind === 'primitive') {
      fields.push(object);
      continue;
    }
    assert(depth < EMV_TEMPLATE_DEPTH_MAX, 'the rules nest templates at most EMV_TEMPLATE_DEPTH_MAX deep');
    const path = pathOf(parent, object.id);
    const inner = readObjects(Array.from(object.value), path);
    if (!inner.ok) return inner;
    const nested = readTemplates(inner.value, childRule, path, depth + 1);
    if (!nested.ok) return nested;
    fields.push({ id: object.id, value: object.value, fields: nested.value });
  }
  return { ok: true, value: fields };
}

/** Every container of data objects (the top level, then each template, depth first) with its rule and path. */
function containers(fields: readonly EmvField[]) {
  const out: Array<{ fields: readonly EmvField[]; rule: TemplateRule; path: string }> = [];
  const visit = (list: readonly EmvField[], rule: TemplateRule, path: string, depth: number): void => {
    out.push({ fields: list, rule, path });
    for (const field of list) {
      const childRule = rule.child(Number(field.id));
      if (field.fields !== undefined && childRule.kind === 'template' && depth < EMV_TEMPLATE_DEPTH_MAX)
        visit(field.fields, childRule, pathOf(path, field.id), depth + 1);
    }
  };
  visit(fields, TOP_LEVEL, '', 0);
  return out;
}

/** Every data object with its path and rule, in payload order: a template, then its content. */
function inReadingOrder(fields: readonly EmvField[]) {
  const out: Array<{ field: EmvField; path: string; rule: FieldRule }> = [];
  const visit = (list: readonly EmvField[], container: TemplateRule, parent: string, depth: number): void => {
    for (const field of list) {
      const path = pathOf(parent, field.id);
      const rule = container.child(Number(field.id));
      out.push({ field, path, rule });
      if (field.fields !== undefined && rule.kind === 'template' && depth < EMV_TEMPLATE_DEPTH_MAX)
        visit(field.fields, rule, path, depth + 1);
    }
  };
  visit(fields, TOP_LEVEL, '', 0);
  return out;
}

/** Why `value` does not fit the rule of the primitive at `path`, or null when it does. */
function primitiveProblem(path: string, rule: PrimitiveRule, value: string): QrRefusal | null {
  const length = charCount(value);
  if (length === 0) return qrRefusal('bad_value', `${label(path)} is empty (length 00)`, path);
  if (!CHARSET_PATTERNS[rule.charset].test(value))
    return qrRefusal(
      'bad_value',
      `${label(path)} must be ${CHARSET_NAMES[rule.charset]}: ${JSON.stringify(value)} is not`,
      path,
    );
  if (length < rule.lengthMin || length > rule.lengthMax) {
    const expected = rule.lengthMin === rule.lengthMax ? `${rule.lengthMin}` : `${rule.lengthMin} to ${rule.lengthMax}`;
    return qrRefusal('bad_value', `${label(path)} must be ${expected} characters long, not ${length}`, path);
  }
  if (rule.format !== undefined && !rule.format.pattern.test(value))
    return qrRefusal('bad_value', `${label(path)} must be ${rule.format.describe}, not ${JSON.stringify(value)}`, path);
  return null;
}

/**
 * Checks one value against the specification's rule for its tag path ("59", "64.01"), as the parser
 * does: encoders call it to refuse a bad field with the parser's message before building a payload.
 * A path that names nothing is a programming error (assert).
 */
export function checkEmvValue(path: string, value: string): QrRefusal | null {
  const rule = ruleAt(path);
  assert(rule !== null, `checkEmvValue: ${JSON.stringify(path)} names no data object of the specification`);
  if (rule.kind === 'template')
    return charCount(value) === 0 ? qrRefusal('bad_value', `${label(path)} is empty (length 00)`, path) : null;
  return primitiveProblem(path, rule, value);
}

/**
 * Parses and checks a merchant-presented payload: structure, CRC, then the specification's rules,
 * refusals in the precedence order above. The fields come back in payload order, tag 63 included.
 */
export function parseEmvTlv(payload: string): QrResult<readonly EmvField[]> {
  // 1. Size, before any work proportional to it (a code point is one or two UTF-16 units).
  if (payload.length > 2 * QR_PAYLOAD_CHARS_MAX)
    return qrRefusal('too_long', `the payload is longer than ${QR_PAYLOAD_CHARS_MAX} characters`);
  const chars = Array.from(payload);
  if (chars.length > QR_PAYLOAD_CHARS_MAX)
    return qrRefusal('too_long', `the payload has ${chars.length} characters, more than ${QR_PAYLOAD_CHARS_MAX}`);
  if (chars.length === 0) return qrRefusal('truncated', 'the payload is empty');

  // 2. Structure: the top level, then the templates.
  const top = readObjects(chars, '');
  if (!top.ok) return top;
  const parsed = readTemplates(top.value, TOP_LEVEL, '', 0);
  if (!parsed.ok) return parsed;
  const fields = parsed.value;

  // 3–6. The CRC: present, last, well formed, matching.
  const crcIndex = fields.findIndex((f) => f.id === EMV_CRC_ID);
  if (crcIndex < 0) return qrRefusal('crc_missing', 'the payload has no CRC (tag 63)', EMV_CRC_ID);
  const crc = fields[fields.length - 1];
  if (crcIndex !== fields.length - 1 || crc === undefined)
    return qrRefusal('crc_not_last', 'tag 63 (CRC) is not the last data object', EMV_CRC_ID);
  if (!/^[0-9A-F]{4}$/.test(crc.value))
    return qrRefusal(
      'crc_malformed',
      `tag 63 (CRC) must be 4 uppercase hex digits (length 04), not ${JSON.stringify(crc.value)}`,
      EMV_CRC_ID,
    );
  const expected = emvCrcOf(chars.slice(0, chars.length - EMV_CRC_CHARS).join(''));
  if (crc.value !== expected)
    return qrRefusal(
      'crc_mismatch',
      `tag 63 (CRC) is ${crc.value} but the payload's CRC-16/CCITT-FALSE is ${expected}: the code is damaged or was altered`,
      EMV_CRC_ID,
    );

  // 7–11. The specification's rules.
  const all = containers(fields);
  for (const { fields: list, path } of all) {
    const seen = new Set<string>();
    for (const field of list) {
      const fieldPath = pathOf(path, field.id);
      if (seen.has(field.id)) return qrRefusal('duplicate_tag', `${label(fieldPath)} appears twice`, fieldPath);
      seen.add(field.id);
    }
  }
  for (const { fields: list, rule, path } of all) {
    const ids = new Set(list.map((f) => f.id));
    for (const id of rule.mandatory)
      if (!ids.has(id))
        return qrRefusal(
          'missing_tag',
          `${label(pathOf(path, id))} is missing${path === '' ? '' : ` from ${label(path)}`}`,
          pathOf(path, id),
        );
    if (path === '' && !list.some((f) => Number(f.id) >= 2 && Number(f.id) <= 51))
      return qrRefusal('missing_tag', 'the payload has no merchant account information (tags 02–51)', '02..51');
  }
  if (fields[0]?.id !== '00')
    return qrRefusal('tag_out_of_order', 'tag 00 (payload format indicator) is not the first data object', '00');
  for (const { field, path, rule } of inReadingOrder(fields)) {
    const problem =
      rule.kind === 'primitive' ? primitiveProblem(path, rule, field.value) : checkEmvValue(path, field.value);
    if (problem !== null) return problem;
  }
  const indicator = fields.find((f) => f.id === '55')?.value;
  for (const [feeId, needed] of [
    ['56', '02'],
    ['57', '03'],
  ] as const) {
    const present = fields.some((f) => f.id === feeId);
    if (present !== (indicator === needed))
      return qrRefusal(
        'conditional_tag',
        present
          ? `${label(feeId)} is present only when tag 55 (tip or convenience indicator) is "${needed}"`
          : `tag 55 (tip or convenience indicator) "${needed}" needs ${label(feeId)}`,
        feeId,
      );
  }
  return { ok: true, value: fields };
}

// ---- encoding ----

function encodeLevel(fields: readonly EmvFieldInput[], parent: string, depth: number): QrResult<string> {
  let out = '';
  for (const field of fields) {
    if (!ID_PATTERN.test(field.id))
      return qrRefusal('tag_not_numeric', `data object id ${JSON.stringify(field.id)} is not two digits`);
    const path = pathOf(parent, field.id);
    let value: string;
    if ('fields' in field) {
      if (depth >= EMV_TEMPLATE_DEPTH_MAX)
        return qrRefusal('bad_value', `${label(path)}: templates nest at most ${EMV_TEMPLATE_DEPTH_MAX} deep`, path);
      const inner = encodeLevel(field.fields, path, depth + 1);
      if (!inner.ok) return inner;
      value = inner.value;
    } else value = field.value;
    const length = charCount(value);
    if (length === 0 || length > EMV_VALUE_CHARS_MAX)
      return qrRefusal(
        'bad_value',
        `${label(path)} must be 1 to ${EMV_VALUE_CHARS_MAX} characters long, not ${length}`,
        path,
      );
    out += `${field.id}${String(length).padStart(2, '0')}${value}`;
  }
  return { ok: true, value: out };
}

/** Data objects as TLV text, templates encoded from their data objects; no CRC added, no rule checked. */
export function encodeEmvTlv(fields: readonly EmvFieldInput[]): QrResult<string> {
  return encodeLevel(fields, '', 0);
}

/**
 * A complete payload: `fields` (without tag 63) as TLV, then "6304" and the CRC. The result is parsed
 * back with `parseEmvTlv`, so this never returns a payload the parser would refuse.
 */
export function encodeEmvPayload(fields: readonly EmvFieldInput[]): QrResult<string> {
  const body = encodeEmvTlv(fields);
  if (!body.ok) return body;
  const text = `${body.value}${EMV_CRC_ID}${String(EMV_CRC_CHARS).padStart(2, '0')}`;
  const payload = `${text}${emvCrcOf(text)}`;
  const check = parseEmvTlv(payload);
  return check.ok ? { ok: true, value: payload } : check;
}
