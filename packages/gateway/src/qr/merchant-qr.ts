/**
 * Paychain merchant-presented QR codes: an EMV MPM payload (see `emv-tlv.ts`) with one merchant
 * account information template for Paychain, so one sticker can also carry other networks'
 * templates (kept and ignored here). Static code: point of initiation "11", no amount; the payer
 * types the amount. Dynamic code: "12", with an amount, a one-time payment request id and an expiry.
 *
 * The Paychain template (tag 26 when encoding; any of 26–51 when decoding):
 *   00  "cn.paychain"  globally unique identifier (reverse domain name, as the spec suggests)
 *   01  merchant account id   22 characters, base64url of the 128-bit id (see `qr-id.ts` for why)
 *   02  payment request id    22 characters, likewise (dynamic codes only)
 *   03  expiry                milliseconds since the Unix epoch, decimal (dynamic codes only)
 * The amount is EMV tag 54 in the currency of tag 53 (ISO 4217 numeric, see `qr-currency.ts`),
 * converted to `bigint` minor units exactly: more decimal places than the currency has, zero, or a
 * sign are refused, never rounded. Names are EMV "ans" (printable ASCII) in 59/60; a name in Chinese
 * goes in the language template 64 (`alternateLanguage`), counted in Unicode characters.
 *
 * Precedence of refusals in `decodeMerchantQr`: first all of `parseEmvTlv`'s (1–11), then
 *  12. not_paychain      — no merchant account template whose 00 is "cn.paychain".
 *  13. duplicate_tag     — a second Paychain template.
 *  14. missing_tag       — 01 (point of initiation), the account id; for a dynamic code the request id
 *                          and the expiry.
 *  15. missing_amount    — a dynamic code without tag 54.
 *  16. unexpected_tag    — a Paychain sub-tag other than 00–03; a tip or convenience fee (55–57); a
 *                          static code with an amount, a request id or an expiry.
 *  17. bad_value         — account id, request id or expiry not in their format.
 *  18. unknown_currency  — tag 53 is not in `QR_CURRENCIES`.
 *  19. bad_amount        — tag 54 has more decimal places than the currency, or is zero.
 * Expiry is not a decoding matter: `isQrExpired(qr, nowMs)` takes the clock as an argument.
 */
import { type AccountId, assert, assertNever, formatAmount, type Id128, isId128 } from '@paychain/core';
import {
  checkEmvValue,
  EMV_REFUSAL_CODES,
  type EmvField,
  type EmvFieldInput,
  encodeEmvPayload,
  parseEmvTlv,
  type QrResult,
  qrRefusal,
} from './emv-tlv.ts';
import { type QrCurrencyAlpha, qrCurrencyByAlpha, qrCurrencyByNumeric } from './qr-currency.ts';
import { id128ToQrId, qrIdToId128 } from './qr-id.ts';

/** The globally unique identifier (sub-tag 00) of Paychain's merchant account template. */
export const PAYCHAIN_QR_GUI = 'cn.paychain';
/** Where `encodeMerchantQr` puts the Paychain template; decoding finds it in any of 26–51. */
export const PAYCHAIN_QR_TEMPLATE_ID = '26';
export const PAYCHAIN_QR_SUBTAGS = { gui: '00', accountId: '01', requestId: '02', expiresAtMs: '03' } as const;
/** EMV tag 54 is at most 13 characters, decimal mark included. */
export const QR_AMOUNT_CHARS_MAX = 13;
/** Latest expiry a code may carry: 9999-12-31T23:59:59.999Z. */
export const QR_EXPIRES_AT_MS_MAX = 253_402_300_799_999n;
const POINT_OF_INITIATION = { static: '11', dynamic: '12' } as const;
const PAYCHAIN_SUBTAG_NAMES: Readonly<Record<string, string>> = {
  '00': 'Paychain identifier',
  '01': 'Paychain merchant account id',
  '02': 'Paychain payment request id',
  '03': 'Paychain expiry in ms since the epoch',
};
const EXPIRES_AT_MS_PATTERN = /^[1-9][0-9]{0,14}$/;

/** Refusal codes of `decodeMerchantQr`, in precedence order: the EMV layer's, then Paychain's. */
export const MERCHANT_QR_REFUSAL_CODES = [
  ...EMV_REFUSAL_CODES,
  'not_paychain',
  'missing_amount',
  'unexpected_tag',
  'unknown_currency',
  'bad_amount',
] as const;
export type MerchantQrRefusalCode = (typeof MERCHANT_QR_REFUSAL_CODES)[number];
export type MerchantQrResult<T> = QrResult<T, MerchantQrRefusalCode>;

/** The merchant's name and city in another language (EMV template 64), e.g. Chinese. */
export interface MerchantQrAlternateLanguage {
  /** ISO 639-1, two letters, e.g. "ZH". */
  readonly language: string;
  /** At most 25 Unicode characters. */
  readonly merchantName: string;
  /** At most 15 Unicode characters. */
  readonly merchantCity?: string;
}

interface MerchantQrCommon {
  /** The Paychain account that receives the payment. */
  readonly accountId: AccountId;
  /** EMV "ans" (printable ASCII), at most 25 characters. */
  readonly merchantName: string;
  /** EMV "ans", at most 15 characters. */
  readonly merchantCity: string;
  /** ISO 18245 merchant category code, four digits. */
  readonly mcc: string;
  readonly currency: QrCurrencyAlpha;
  /** ISO 3166-1 alpha-2, two capital letters. */
  readonly country: string;
  readonly alternateLanguage?: MerchantQrAlternateLanguage;
}

/** A printed code: the payer enters the amount. */
export interface StaticMerchantQr extends MerchantQrCommon {
  readonly kind: 'static';
}

/** A code for one payment: amount, request id (the payment's idempotency key) and expiry. */
export interface DynamicMerchantQr extends MerchantQrCommon {
  readonly kind: 'dynamic';
  /** Minor units of `currency`, positive. */
  readonly amount: bigint;
  readonly requestId: Id128;
  /** Milliseconds since the Unix epoch; the code is expired from this instant on. */
  readonly expiresAtMs: bigint;
}

export type MerchantQr = StaticMerchantQr | DynamicMerchantQr;

/** A `MerchantQr` for JSON: amounts and times as decimal strings. */
export interface MerchantQrJson {
  readonly kind: MerchantQr['kind'];
  readonly accountId: string;
  readonly merchantName: string;
  readonly merchantCity: string;
  readonly mcc: string;
  readonly currency: string;
  readonly currencyNumeric: string;
  readonly country: string;
  readonly alternateLanguage?: MerchantQrAlternateLanguage;
  /** Decimal, e.g. "23.72". */
  readonly amount?: string;
  /** Minor units, e.g. "2372". */
  readonly amountMinor?: string;
  readonly requestId?: string;
  readonly expiresAtMs?: string;
}

// ---- amounts ----

/** Largest amount in minor units whose EMV form fits QR_AMOUNT_CHARS_MAX characters. */
export function qrAmountMax(decimals: number): bigint {
  return 10n ** BigInt(QR_AMOUNT_CHARS_MAX - (decimals > 0 ? 1 : 0)) - 1n;
}

/**
 * An EMV amount ("23.72", "23.7", "23.", "1200") as exact minor units of a currency with `decimals`
 * decimal places. Refused: not the EMV format (bad_value), more decimal places than the currency
 * has, or zero (bad_amount).
 */
export function emvAmountToMinor(text: string, decimals: number): QrResult<bigint, 'bad_value' | 'bad_amount'> {
  const match = /^([0-9]*)(?:\.([0-9]*))?$/.exec(text);
  if (match === null || text.length > QR_AMOUNT_CHARS_MAX || !/[0-9]/.test(text))
    return qrRefusal(
      'bad_value',
      `tag 54 (transaction amount) must be 1 to ${QR_AMOUNT_CHARS_MAX} characters of digits with at most one ".", not ${JSON.stringify(text)}`,
      '54',
    );
  const whole = match[1] ?? '';
  const fraction = match[2] ?? '';
  if (fraction.length > decimals)
    return qrRefusal(
      'bad_amount',
      `tag 54 (transaction amount) "${text}" has ${fraction.length} decimal places; the currency has ${decimals}`,
      '54',
    );
  const minor =
    BigInt(whole === '' ? '0' : whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0') || '0');
  if (minor === 0n) return qrRefusal('bad_amount', `tag 54 (transaction amount) "${text}" is zero`, '54');
  return { ok: true, value: minor };
}

/** The EMV form of a positive amount in minor units: "23.72", or "1200" for a currency without decimals. */
export function minorToEmvAmount(amount: bigint, decimals: number): string {
  assert(amount > 0n, 'minorToEmvAmount: the amount is positive');
  return formatAmount(amount, decimals);
}

// ---- decoding ----

function isMerchantAccountTemplate(field: EmvField): boolean {
  const id = Number(field.id);
  return id >= 26 && id <= 51 && field.fields?.some((f) => f.id === '00' && f.value === PAYCHAIN_QR_GUI) === true;
}

function subLabel(path: string, subtag: string): string {
  return `tag ${path} (${PAYCHAIN_SUBTAG_NAMES[subtag] ?? 'not defined by Paychain'})`;
}

/**
 * The Paychain code in fields that `parseEmvTlv` accepted. Other networks' templates and other
 * optional tags (61, 62, 80–99…) are ignored. Refusals 12–19 of the list at the top of this file.
 */
export function merchantQrFromFields(fields: readonly EmvField[]): MerchantQrResult<MerchantQr> {
  const top = new Map(fields.map((f) => [f.id, f.value]));
  const required = (id: string): string => {
    const value = top.get(id);
    assert(value !== undefined, `parseEmvTlv checked that tag ${id} is present`);
    return value;
  };

  const templates = fields.filter(isMerchantAccountTemplate);
  const template = templates[0];
  if (template === undefined)
    return qrRefusal(
      'not_paychain',
      `no Paychain merchant account template (a tag 26–51 whose 00 is "${PAYCHAIN_QR_GUI}"): this code is not for Paychain`,
    );
  const second = templates[1];
  if (second !== undefined)
    return qrRefusal(
      'duplicate_tag',
      `two Paychain merchant account templates (tags ${template.id} and ${second.id})`,
      second.id,
    );
  const t = template.id;
  const sub = new Map((template.fields ?? []).map((f) => [f.id, f.value]));
  const { accountId: accountTag, requestId: requestTag, expiresAtMs: expiryTag } = PAYCHAIN_QR_SUBTAGS;

  const initiation = top.get('01');
  if (initiation === undefined)
    return qrRefusal(
      'missing_tag',
      `tag 01 (point of initiation method) is missing: a Paychain code says "${POINT_OF_INITIATION.static}" (static) or "${POINT_OF_INITIATION.dynamic}" (dynamic)`,
      '01',
    );
  const dynamic = initiation === POINT_OF_INITIATION.dynamic;
  const dynamicSubtags = [requestTag, expiryTag] as const;
  for (const subtag of dynamic ? [accountTag, ...dynamicSubtags] : [accountTag])
    if (!sub.has(subtag))
      return qrRefusal(
        'missing_tag',
        `${subLabel(`${t}.${subtag}`, subtag)} is missing from the Paychain template`,
        `${t}.${subtag}`,
      );
  if (dynamic && !top.has('54'))
    return qrRefusal('missing_amount', 'a dynamic code (01 = "12") must carry tag 54 (transaction amount)', '54');

  for (const subtag of sub.keys())
    if (PAYCHAIN_SUBTAG_NAMES[subtag] === undefined)
      return qrRefusal('unexpected_tag', `tag ${t}.${subtag} is not defined by Paychain`, `${t}.${subtag}`);
  for (const id of ['55', '56', '57'])
    if (top.has(id))
      return qrRefusal('unexpected_tag', `tag ${id}: Paychain codes carry no tip or convenience fee`, id);
  if (!dynamic) {
    if (top.has('54'))
      return qrRefusal('unexpected_tag', 'a static code (01 = "11") carries no tag 54 (transaction amount)', '54');
    for (const subtag of dynamicSubtags)
      if (sub.has(subtag))
        return qrRefusal(
          'unexpected_tag',
          `a static code (01 = "11") carries no ${subLabel(`${t}.${subtag}`, subtag)}`,
          `${t}.${subtag}`,
        );
  }

  const idAt = (subtag: string): MerchantQrResult<Id128> => {
    const text = sub.get(subtag) ?? '';
    const id = qrIdToId128(text);
    return id === null
      ? qrRefusal(
          'bad_value',
          `${subLabel(`${t}.${subtag}`, subtag)} must be 22 base64url characters spelling a 128-bit id, not ${JSON.stringify(text)}`,
          `${t}.${subtag}`,
        )
      : { ok: true, value: id };
  };
  const accountId = idAt(accountTag);
  if (!accountId.ok) return accountId;
  let requestId: Id128 | null = null;
  let expiresAtMs: bigint | null = null;
  if (dynamic) {
    const request = idAt(requestTag);
    if (!request.ok) return request;
    requestId = request.value;
    const expiryText = sub.get(expiryTag) ?? '';
    if (!EXPIRES_AT_MS_PATTERN.test(expiryText) || BigInt(expiryText) > QR_EXPIRES_AT_MS_MAX)
      return qrRefusal(
        'bad_value',
        `${subLabel(`${t}.${expiryTag}`, expiryTag)} must be a positive integer without leading zeros, at most ${QR_EXPIRES_AT_MS_MAX}, not ${JSON.stringify(expiryText)}`,
        `${t}.${expiryTag}`,
      );
    expiresAtMs = BigInt(expiryText);
  }

  const currencyNumeric = required('53');
  const currency = qrCurrencyByNumeric(currencyNumeric);
  if (currency === undefined)
    return qrRefusal(
      'unknown_currency',
      `tag 53 (transaction currency) ${currencyNumeric} is not a currency Paychain accepts in QR codes`,
      '53',
    );

  const common = {
    accountId: accountId.value,
    merchantName: required('59'),
    merchantCity: required('60'),
    mcc: required('52'),
    currency: currency.alpha,
    country: required('58'),
    ...alternateLanguageOf(fields),
  };
  if (!dynamic) return { ok: true, value: { kind: 'static', ...common } };
  const amount = emvAmountToMinor(required('54'), currency.decimals);
  if (!amount.ok) return amount;
  assert(requestId !== null && expiresAtMs !== null, 'a dynamic code has a request id and an expiry');
  return { ok: true, value: { kind: 'dynamic', ...common, amount: amount.value, requestId, expiresAtMs } };
}

function alternateLanguageOf(fields: readonly EmvField[]): { alternateLanguage?: MerchantQrAlternateLanguage } {
  const template = fields.find((f) => f.id === '64');
  if (template?.fields === undefined) return {};
  const sub = new Map(template.fields.map((f) => [f.id, f.value]));
  const language = sub.get('00');
  const merchantName = sub.get('01');
  assert(language !== undefined && merchantName !== undefined, 'parseEmvTlv checked that 64.00 and 64.01 are present');
  const merchantCity = sub.get('02');
  return {
    alternateLanguage:
      merchantCity === undefined ? { language, merchantName } : { language, merchantName, merchantCity },
  };
}

/** Parses, checks and decodes a Paychain merchant QR payload; refusals in the precedence order above. */
export function decodeMerchantQr(payload: string): MerchantQrResult<MerchantQr> {
  const parsed = parseEmvTlv(payload);
  return parsed.ok ? merchantQrFromFields(parsed.value) : parsed;
}

// ---- encoding ----

/**
 * The payload of a Paychain merchant QR code, or a refusal naming the bad field. The payload is
 * decoded again before it is returned, and must give back `qr`.
 */
export function encodeMerchantQr(qr: MerchantQr): MerchantQrResult<string> {
  const t = PAYCHAIN_QR_TEMPLATE_ID;
  const { gui, accountId: accountTag, requestId: requestTag, expiresAtMs: expiryTag } = PAYCHAIN_QR_SUBTAGS;
  if (!isId128(qr.accountId))
    return qrRefusal(
      'bad_value',
      `${subLabel(`${t}.${accountTag}`, accountTag)} must be 32 lowercase hex characters`,
      `${t}.${accountTag}`,
    );
  const currency = qrCurrencyByAlpha(qr.currency);
  if (currency === undefined)
    return qrRefusal(
      'unknown_currency',
      `tag 53 (transaction currency): ${JSON.stringify(qr.currency)} is not a currency Paychain accepts in QR codes`,
      '53',
    );
  const template: EmvFieldInput[] = [
    { id: gui, value: PAYCHAIN_QR_GUI },
    { id: accountTag, value: id128ToQrId(qr.accountId) },
  ];
  const amount: EmvFieldInput[] = [];
  switch (qr.kind) {
    case 'static':
      break;
    case 'dynamic': {
      if (!isId128(qr.requestId))
        return qrRefusal(
          'bad_value',
          `${subLabel(`${t}.${requestTag}`, requestTag)} must be 32 lowercase hex characters`,
          `${t}.${requestTag}`,
        );
      if (qr.expiresAtMs < 1n || qr.expiresAtMs > QR_EXPIRES_AT_MS_MAX)
        return qrRefusal(
          'bad_value',
          `${subLabel(`${t}.${expiryTag}`, expiryTag)} must be from 1 to ${QR_EXPIRES_AT_MS_MAX}, not ${qr.expiresAtMs}`,
          `${t}.${expiryTag}`,
        );
      const amountMax = qrAmountMax(currency.decimals);
      if (qr.amount <= 0n || qr.amount > amountMax)
        return qrRefusal(
          'bad_amount',
          `tag 54 (transaction amount) must be from ${formatAmount(1n, currency.decimals)} to ${formatAmount(amountMax, currency.decimals)} ${currency.alpha}, not ${formatAmount(qr.amount, currency.decimals)}`,
          '54',
        );
      template.push({ id: requestTag, value: id128ToQrId(qr.requestId) });
      template.push({ id: expiryTag, value: qr.expiresAtMs.toString() });
      amount.push({ id: '54', value: minorToEmvAmount(qr.amount, currency.decimals) });
      break;
    }
    default:
      return assertNever(qr, 'merchant QR kind');
  }
  const alternate = qr.alternateLanguage;
  const userValues: Array<readonly [string, string]> = [
    ['52', qr.mcc],
    ['58', qr.country],
    ['59', qr.merchantName],
    ['60', qr.merchantCity],
  ];
  const language: EmvFieldInput[] = [];
  if (alternate !== undefined) {
    language.push({ id: '00', value: alternate.language }, { id: '01', value: alternate.merchantName });
    if (alternate.merchantCity !== undefined) language.push({ id: '02', value: alternate.merchantCity });
    for (const field of language) if ('value' in field) userValues.push([`64.${field.id}`, field.value]);
  }
  for (const [path, value] of userValues) {
    const problem = checkEmvValue(path, value);
    if (problem !== null) return problem;
  }
  const fields: EmvFieldInput[] = [
    { id: '00', value: '01' },
    { id: '01', value: qr.kind === 'static' ? POINT_OF_INITIATION.static : POINT_OF_INITIATION.dynamic },
    { id: t, fields: template },
    { id: '52', value: qr.mcc },
    { id: '53', value: currency.numeric },
    ...amount,
    { id: '58', value: qr.country },
    { id: '59', value: qr.merchantName },
    { id: '60', value: qr.merchantCity },
    ...(language.length > 0 ? [{ id: '64', fields: language }] : []),
  ];
  const payload = encodeEmvPayload(fields);
  if (!payload.ok) return payload;
  const decoded = decodeMerchantQr(payload.value);
  assert(
    decoded.ok && JSON.stringify(merchantQrToJson(decoded.value)) === JSON.stringify(merchantQrToJson(qr)),
    `encodeMerchantQr: the payload decodes to the same code (${decoded.ok ? 'it differs' : decoded.message})`,
  );
  return payload;
}

// ---- clock and JSON ----

/** Whether a code can no longer be paid at `nowMs`: a dynamic code from its expiry on; a static code never. */
export function isQrExpired(qr: MerchantQr, nowMs: bigint): boolean {
  return qr.kind === 'dynamic' && qr.expiresAtMs <= nowMs;
}

export function merchantQrToJson(qr: MerchantQr): MerchantQrJson {
  const currency = qrCurrencyByAlpha(qr.currency);
  assert(currency !== undefined, 'a MerchantQr names a currency of QR_CURRENCIES');
  const common = {
    kind: qr.kind,
    accountId: qr.accountId,
    merchantName: qr.merchantName,
    merchantCity: qr.merchantCity,
    mcc: qr.mcc,
    currency: currency.alpha,
    currencyNumeric: currency.numeric,
    country: qr.country,
    ...alternateLanguageJson(qr.alternateLanguage),
  };
  if (qr.kind === 'static') return common;
  return {
    ...common,
    amount: formatAmount(qr.amount, currency.decimals),
    amountMinor: qr.amount.toString(),
    requestId: qr.requestId,
    expiresAtMs: qr.expiresAtMs.toString(),
  };
}

/** A fresh object with the keys in one order, so two equal codes give equal JSON text. */
function alternateLanguageJson(alternate: MerchantQrAlternateLanguage | undefined): {
  alternateLanguage?: MerchantQrAlternateLanguage;
} {
  if (alternate === undefined) return {};
  const { language, merchantName, merchantCity } = alternate;
  return {
    alternateLanguage:
      merchantCity === undefined ? { language, merchantName } : { language, merchantName, merchantCity },
  };
}
