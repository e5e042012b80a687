/**
 * EMVCo merchant-presented QR codes (EMV® QRCPS Merchant-Presented Mode) for Paychain: the public
 * face of `qr/`. Layers, each usable alone: `crc16.ts` (the tag-63 checksum), `emv-tlv.ts` (strict
 * TLV parsing and encoding by the specification's rules), `merchant-qr.ts` (Paychain's static and
 * dynamic codes on top), with `qr-currency.ts` and `qr-id.ts` as its helpers. Pure functions of
 * strings: no clock, no I/O, no Node API; refusals are typed results in a documented precedence.
 */
export { crc16CcittFalse, emvCrcOf } from './crc16.ts';
export {
  checkEmvValue,
  EMV_CRC_CHARS,
  EMV_CRC_ID,
  EMV_REFUSAL_CODES,
  EMV_TEMPLATE_DEPTH_MAX,
  EMV_VALUE_CHARS_MAX,
  type EmvField,
  type EmvFieldInput,
  type EmvRefusalCode,
  emvTagName,
  encodeEmvPayload,
  encodeEmvTlv,
  parseEmvTlv,
  QR_PAYLOAD_CHARS_MAX,
  type QrRefusal,
  type QrResult,
  qrRefusal,
} from './emv-tlv.ts';
export {
  type DynamicMerchantQr,
  decodeMerchantQr,
  emvAmountToMinor,
  encodeMerchantQr,
  isQrExpired,
  MERCHANT_QR_REFUSAL_CODES,
  type MerchantQr,
  type MerchantQrAlternateLanguage,
  type MerchantQrJson,
  type MerchantQrRefusalCode,
  type MerchantQrResult,
  merchantQrFromFields,
  merchantQrToJson,
  minorToEmvAmount,
  PAYCHAIN_QR_GUI,
  PAYCHAIN_QR_SUBTAGS,
  PAYCHAIN_QR_TEMPLATE_ID,
  QR_AMOUNT_CHARS_MAX,
  QR_EXPIRES_AT_MS_MAX,
  qrAmountMax,
  type StaticMerchantQr,
} from './merchant-qr.ts';
export {
  isQrCurrencyAlpha,
  QR_CURRENCIES,
  type QrCurrency,
  type QrCurrencyAlpha,
  type QrCurrencyEntry,
  qrCurrencyByAlpha,
  qrCurrencyByNumeric,
} from './qr-currency.ts';
export { id128ToQrId, QR_ID_CHARS, qrIdToId128 } from './qr-id.ts';
