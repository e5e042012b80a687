/**
 * CRC-16/CCITT-FALSE, the checksum of EMV® merchant-presented QR codes (tag 63): polynomial 0x1021,
 * initial value 0xFFFF, no reflection, no final XOR (check value of "123456789": 0x29B1). EMVCo
 * computes it over the UTF-8 bytes of the payload up to and including "6304" and writes it as four
 * uppercase hex digits. A table of 256 entries, built once: the payload is at most 512 characters,
 * so speed hardly matters, but the table costs nothing and is the textbook form.
 */
import { utf8ToBytes } from '@paychain/core';

const CRC16_POLY = 0x1021;
const CRC16_INIT = 0xffff;

const CRC16_TABLE: Uint16Array = (() => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ CRC16_POLY) & 0xffff : (crc << 1) & 0xffff;
    table[byte] = crc;
  }
  return table;
})();

/** CRC-16/CCITT-FALSE of `bytes`, as a number in 0..0xFFFF. */
export function crc16CcittFalse(bytes: Uint8Array): number {
  let crc = CRC16_INIT;
  // `as number`: i < bytes.length and the index is a byte, so both reads are in range.
  for (let i = 0; i < bytes.length; i++)
    crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ (bytes[i] as number)) & 0xff] as number);
  return crc;
}

/** The EMV tag-63 value for `text` (the payload up to and including "6304"): 4 uppercase hex digits. */
export function emvCrcOf(text: string): string {
  return crc16CcittFalse(utf8ToBytes(text)).toString(16).toUpperCase().padStart(4, '0');
}
