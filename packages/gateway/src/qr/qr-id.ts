/**
 * 128-bit ids inside a QR code, written as 22 characters of unpadded base64url (RFC 4648 §5) instead
 * of 32 hex digits. Why: an EMV template holds at most 99 characters, and the Paychain template of a
 * dynamic code (identifier "cn.paychain", account id, request id, expiry in ms) needs 104 with hex
 * ids but 84 with these; a shorter payload also makes a smaller, easier-to-scan QR code. The
 * alphabet (A–Z a–z 0–9 - _) lies inside EMV's alphanumeric special set. 22 characters carry 132
 * bits, so the last character's 4 spare bits must be zero: one spelling per id, checked by
 * re-encoding.
 */
import { bytesToHex, hexToBytes, type Id128, isId128 } from '@paychain/core';

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Characters of a 128-bit id in a QR code: ceil(128 / 6). */
export const QR_ID_CHARS = 22;
const QR_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** The QR spelling of a 128-bit id (32 lowercase hex characters); the caller checks `isId128` first. */
export function id128ToQrId(id: Id128): string {
  const bytes = hexToBytes(id);
  let out = '';
  let bits = 0;
  let bitCount = 0;
  // `as number`: i < bytes.length, so the read is in range.
  for (let i = 0; i < bytes.length; i++) {
    bits = (bits << 8) | (bytes[i] as number);
    bitCount += 8;
    while (bitCount >= 6) {
      bitCount -= 6;
      out += BASE64URL_ALPHABET.charAt((bits >> bitCount) & 63);
    }
    bits &= (1 << bitCount) - 1;
  }
  if (bitCount > 0) out += BASE64URL_ALPHABET.charAt((bits << (6 - bitCount)) & 63);
  return out;
}

/** The 128-bit id (32 lowercase hex) a QR spelling stands for, or null if it is not the one canonical spelling. */
export function qrIdToId128(text: string): Id128 | null {
  if (!QR_ID_PATTERN.test(text)) return null;
  const bytes = new Uint8Array(16);
  let bits = 0;
  let bitCount = 0;
  let index = 0;
  for (const char of text) {
    bits = (bits << 6) | BASE64URL_ALPHABET.indexOf(char);
    bitCount += 6;
    if (bitCount >= 8) {
      bitCount -= 8;
      if (index < bytes.length) bytes[index++] = (bits >> bitCount) & 0xff;
      bits &= (1 << bitCount) - 1;
    }
  }
  const id = bytesToHex(bytes);
  // The spare bits of the last character must be zero: re-encoding gives back the same text.
  return isId128(id) && id128ToQrId(id) === text ? id : null;
}
