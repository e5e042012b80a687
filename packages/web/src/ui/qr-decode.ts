/**
 * Reading a QR code from pixels with jsQR: from an uploaded picture (a saved merchant QR) or a camera frame. The
 * pixel work is separate from the DOM work so it is tested in Node; large pictures are scaled down first, which
 * keeps decoding fast on a phone and bounds memory.
 */
import jsQR from 'jsqr';

/** Longest side, in pixels, that is decoded; a QR code is still many pixels per module at this size. */
export const QR_DECODE_SIDE_PX_MAX = 1024;
/** Pictures larger than this are refused before decoding (a QR screenshot is far smaller). */
export const QR_IMAGE_BYTES_MAX = 10 * 1024 * 1024;

export interface Pixels {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

/** The text of the QR code in RGBA pixels, or null when none is found. */
export function decodeQrPixels(pixels: Pixels): string | null {
  const found = jsQR(pixels.data, pixels.width, pixels.height, { inversionAttempts: 'attemptBoth' });
  return found === null || found.data === '' ? null : found.data;
}

/** Draws a bitmap (scaled to at most QR_DECODE_SIDE_PX_MAX) and decodes it. */
export function decodeQrFromSource(source: CanvasImageSource, width: number, height: number): string | null {
  const scale = Math.min(1, QR_DECODE_SIDE_PX_MAX / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (context === null) return null;
  // White first: a transparent PNG would otherwise read as black modules on black.
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, w, h);
  context.drawImage(source, 0, 0, w, h);
  return decodeQrPixels(context.getImageData(0, 0, w, h));
}

export type FileDecodeResult =
  | { readonly ok: true; readonly payload: string }
  | { readonly ok: false; readonly error: 'image_too_large' | 'image_unreadable' | 'qr_not_found' };

/** Decodes the QR code in an image file the user picked. */
export async function decodeQrFromFile(file: Blob): Promise<FileDecodeResult> {
  if (file.size > QR_IMAGE_BYTES_MAX) return { ok: false, error: 'image_too_large' };
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    // Not an image the browser can read (or not an image at all): the user is told, nothing else happens.
    return { ok: false, error: 'image_unreadable' };
  }
  try {
    const payload = decodeQrFromSource(bitmap, bitmap.width, bitmap.height);
    return payload === null ? { ok: false, error: 'qr_not_found' } : { ok: true, payload };
  } finally {
    bitmap.close();
  }
}
