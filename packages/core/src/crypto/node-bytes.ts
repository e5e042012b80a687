/**
 * The boundary between Node's Buffers and the core's plain Uint8Arrays. Outputs are copies:
 * a small Buffer may be a view into Node's shared 8 KiB pool, which must not leak out.
 */

/** A Buffer view of the same memory, for Node APIs that want a Buffer (no copy). */
export function bytesToBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A fresh plain Uint8Array with the Buffer's bytes. */
export function bufferToBytes(buffer: Buffer): Uint8Array {
  const out = new Uint8Array(buffer.byteLength);
  out.set(buffer);
  return out;
}

/** A cache key for a byte string: one char per byte, made natively (cheaper than hex). */
export function bytesToCacheKey(bytes: Uint8Array): string {
  return bytesToBuffer(bytes).toString('latin1');
}
