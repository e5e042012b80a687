// Goal: a QR code as the app renders it (qrcode) is read back by the app's decoder (jsQR), including the payload
// shape of an EMVCo merchant code. Method: qrcode's module matrix drawn to RGBA pixels in Node (no canvas), at the
// scale of the app's rendering, with a margin, plain and inverted; blank pixels decode to nothing.
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { decodeQrPixels, type Pixels } from './qr-decode';

function render(text: string, moduleSizePx: number, marginModules: number, inverted = false): Pixels {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const side = (size + 2 * marginModules) * moduleSizePx;
  const data = new Uint8ClampedArray(side * side * 4);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const mx = Math.floor(x / moduleSizePx) - marginModules;
      const my = Math.floor(y / moduleSizePx) - marginModules;
      const dark = mx >= 0 && my >= 0 && mx < size && my < size && qr.modules.get(my, mx) === 1;
      const value = dark !== inverted ? 0 : 255;
      const offset = (y * side + x) * 4;
      data[offset] = value;
      data[offset + 1] = value;
      data[offset + 2] = value;
      data[offset + 3] = 255;
    }
  }
  return { data, width: side, height: side };
}

const EMVCO_STATIC =
  '00020101021126360014A000000333010108180123456789012345520458125303156540512.345802CN5909Cafe Mimi6008Shanghai6304ABCD';

describe('decodeQrPixels', () => {
  it.each([
    ['an EMVCo merchant payload', EMVCO_STATIC],
    ['a pay code', 'PAYCHAIN:PC:123456789012345678'],
    ['unicode text', '商户 付款 ¥12.34'],
  ])('reads back %s', (_, text) => {
    expect(decodeQrPixels(render(text, 6, 4))).toBe(text);
  });

  it('reads an inverted code (light modules on dark)', () => {
    expect(decodeQrPixels(render('inverted', 5, 4, true))).toBe('inverted');
  });

  it('finds nothing in a blank picture', () => {
    const side = 64;
    expect(
      decodeQrPixels({ data: new Uint8ClampedArray(side * side * 4).fill(255), width: side, height: side }),
    ).toBeNull();
  });
});
