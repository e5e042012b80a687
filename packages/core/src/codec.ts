/**
 * Canonical binary codec. Every value has exactly one encoding: fixed-width big-endian
 * integers (no varints), length-prefixed byte strings and UTF-8 text with named maxima,
 * booleans as 0 or 1 only, and no trailing bytes. Decoding outside input never throws
 * to the caller: `decodeWith` turns any `DecodeError` into a typed failure.
 */
import { assert } from './assert.ts';
import { bytesToUtf8, utf8ToBytes } from './bytes.ts';

export const U64_MAX = (1n << 64n) - 1n;
export const U128_MAX = (1n << 128n) - 1n;

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}

export class Writer {
  private buffer: Uint8Array;
  private view: DataView;
  private offset = 0;

  constructor(capacity = 256) {
    this.buffer = new Uint8Array(capacity);
    this.view = new DataView(this.buffer.buffer);
  }

  private reserve(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.offset + bytes) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buffer.subarray(0, this.offset));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  u8(value: number): this {
    assert(Number.isInteger(value) && value >= 0 && value <= 0xff, `u8 out of range: ${value}`);
    this.reserve(1);
    this.buffer[this.offset++] = value;
    return this;
  }

  u16(value: number): this {
    assert(Number.isInteger(value) && value >= 0 && value <= 0xffff, `u16 out of range: ${value}`);
    this.reserve(2);
    this.view.setUint16(this.offset, value);
    this.offset += 2;
    return this;
  }

  u32(value: number): this {
    assert(Number.isInteger(value) && value >= 0 && value <= 0xffffffff, `u32 out of range: ${value}`);
    this.reserve(4);
    this.view.setUint32(this.offset, value);
    this.offset += 4;
    return this;
  }

  u64(value: bigint): this {
    assert(value >= 0n && value <= U64_MAX, `u64 out of range: ${value}`);
    this.reserve(8);
    this.view.setBigUint64(this.offset, value);
    this.offset += 8;
    return this;
  }

  bool(value: boolean): this {
    return this.u8(value ? 1 : 0);
  }

  /** Bytes of a length fixed by the schema: no prefix. */
  fixed(bytes: Uint8Array, length: number): this {
    assert(bytes.length === length, `fixed bytes: expected ${length}, got ${bytes.length}`);
    this.reserve(length);
    this.buffer.set(bytes, this.offset);
    this.offset += length;
    return this;
  }

  /** Bytes with a u8, u16 or u32 length prefix, checked against `max`. */
  bytes(bytes: Uint8Array, max: number): this {
    assert(bytes.length <= max, `bytes longer than ${max}`);
    if (max <= 0xff) this.u8(bytes.length);
    else if (max <= 0xffff) this.u16(bytes.length);
    else this.u32(bytes.length);
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.length;
    return this;
  }

  /** UTF-8 text, `maxBytes` counted in encoded bytes. */
  text(value: string, maxBytes: number): this {
    return this.bytes(utf8ToBytes(value), maxBytes);
  }

  get length(): number {
    return this.offset;
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.offset);
  }
}

export class Reader {
  private readonly buffer: Uint8Array;
  private readonly view: DataView;
  private offset = 0;

  constructor(buffer: Uint8Array) {
    this.buffer = buffer;
    this.view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  private need(bytes: number, what: string): void {
    if (this.offset + bytes > this.buffer.length) throw new DecodeError(`truncated: ${what}`);
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.view.getUint8(this.offset++);
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const value = this.view.getUint16(this.offset);
    this.offset += 2;
    return value;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const value = this.view.getUint32(this.offset);
    this.offset += 4;
    return value;
  }

  u64(what = 'u64'): bigint {
    this.need(8, what);
    const value = this.view.getBigUint64(this.offset);
    this.offset += 8;
    return value;
  }

  bool(what = 'bool'): boolean {
    const value = this.u8(what);
    if (value > 1) throw new DecodeError(`${what}: boolean must be 0 or 1`);
    return value === 1;
  }

  fixed(length: number, what = 'bytes'): Uint8Array {
    this.need(length, what);
    const out = this.buffer.slice(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  bytes(max: number, what = 'bytes'): Uint8Array {
    const length = max <= 0xff ? this.u8(what) : max <= 0xffff ? this.u16(what) : this.u32(what);
    if (length > max) throw new DecodeError(`${what}: ${length} bytes, at most ${max}`);
    return this.fixed(length, what);
  }

  text(maxBytes: number, what = 'text'): string {
    const raw = this.bytes(maxBytes, what);
    try {
      return bytesToUtf8(raw);
    } catch {
      throw new DecodeError(`${what}: invalid UTF-8`);
    }
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  end(what = 'value'): void {
    if (this.offset !== this.buffer.length) throw new DecodeError(`${what}: ${this.remaining} trailing bytes`);
  }
}

export type DecodeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** Runs a decoder over outside bytes; any `DecodeError` becomes `{ ok: false }`, anything else is a bug. */
export function decodeWith<T>(bytes: Uint8Array, decode: (reader: Reader) => T, what: string): DecodeResult<T> {
  const reader = new Reader(bytes);
  try {
    const value = decode(reader);
    reader.end(what);
    return { ok: true, value };
  } catch (error) {
    if (error instanceof DecodeError) return { ok: false, error: error.message };
    throw error;
  }
}
