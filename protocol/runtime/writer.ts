import { EncodeError } from './errors.js';
import type { UnknownTaggedField } from './tagged-fields.js';

/** A classic (non-compact) string's int16 length prefix caps it at this many UTF-8 bytes. */
export const MAX_CLASSIC_STRING_BYTES = 0x7fff;

/** Bytes an unsigned varint takes. */
export function sizeOfUVarint(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

export function sizeOfVarint(value: number): number {
  return sizeOfUVarint(value >= 0 ? value * 2 : -value * 2 - 1);
}

export function sizeOfVarlong(value: bigint): number {
  let zigzag = (value << 1n) ^ (value >> 63n);
  if (zigzag < 0n) zigzag += 1n << 64n;
  let size = 1;
  while (zigzag >= 0x80n) {
    zigzag >>= 7n;
    size++;
  }
  return size;
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export function sizeOfUnknownTaggedFields(fields: readonly UnknownTaggedField[]): number {
  let size = 0;
  for (const field of fields) size += sizeOfUVarint(field.tag) + sizeOfUVarint(field.data.length) + field.data.length;
  return size;
}

/**
 * Writes into one buffer allocated at the exact size the generated `size` function computed,
 * so encoding a message is one allocation and no copying of byte fields beyond the final one.
 */
export class Writer {
  offset = 0;
  readonly buf: Buffer;
  /** Byte fields at least this long are referenced, not copied (see `chunks`); off by default. */
  private spliceFrom = Infinity;
  private spliced: { at: number; bytes: Uint8Array }[] | null = null;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /**
   * From now on byte fields of `threshold` bytes or more are not copied into `buf` and take no
   * room in it: `chunks()` returns the message as buffers to send in order, the spliced fields
   * between pieces of `buf`. A Fetch response is mostly its records: copying them was the
   * largest cost of serving a fetch (bench/FINDINGS.md), and the socket takes a list of buffers
   * in one writev anyway. A writer made for splicing can therefore be sized without those
   * fields (`size` minus their lengths): a buffer of the whole size cost a fresh 1 MB
   * allocation per fetch, and the external memory it counted drove the GC.
   */
  spliceLargeBytes(threshold: number): this {
    this.spliceFrom = threshold;
    return this;
  }

  /** The encoded bytes: `buf` alone, or its pieces with the spliced byte fields between them. */
  chunks(): Buffer[] {
    if (this.spliced === null) return [this.buf];
    // A writer sized for fewer spliced bytes than it met overran `buf` (indexed writes past its end are dropped).
    if (this.offset > this.buf.length) throw new EncodeError(`encoded ${this.offset} bytes into a buffer of ${this.buf.length}: fewer bytes were spliced than sized for`);
    const out: Buffer[] = [];
    let from = 0;
    for (const { at, bytes } of this.spliced) {
      if (at > from) out.push(this.buf.subarray(from, at));
      out.push(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
      from = at;
    }
    if (from < this.offset) out.push(this.buf.subarray(from, this.offset));
    return out;
  }

  int8(value: number): void {
    this.offset = this.buf.writeInt8(value, this.offset);
  }
  int16(value: number): void {
    this.offset = this.buf.writeInt16BE(value, this.offset);
  }
  uint16(value: number): void {
    this.offset = this.buf.writeUInt16BE(value, this.offset);
  }
  int32(value: number): void {
    this.offset = this.buf.writeInt32BE(value, this.offset);
  }
  uint32(value: number): void {
    this.offset = this.buf.writeUInt32BE(value, this.offset);
  }
  int64(value: bigint): void {
    this.offset = this.buf.writeBigInt64BE(value, this.offset);
  }
  float64(value: number): void {
    this.offset = this.buf.writeDoubleBE(value, this.offset);
  }
  bool(value: boolean): void {
    this.buf[this.offset++] = value ? 1 : 0;
  }
  uuid(value: string): void {
    const at = this.offset;
    const written = this.buf.write(value, at, 16, 'base64url');
    // 22 base64url characters carry 132 bits: only the canonical text of 16 bytes round-trips.
    if (written !== 16 || value.length !== 22 || this.buf.toString('base64url', at, at + 16) !== value) {
      throw new EncodeError(`not a 16-byte uuid: ${JSON.stringify(value)}`);
    }
    this.offset = at + 16;
  }

  uvarint(value: number): void {
    let v = value;
    while (v >= 0x80) {
      this.buf[this.offset++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.offset++] = v;
  }
  varint(value: number): void {
    this.uvarint(value >= 0 ? value * 2 : -value * 2 - 1);
  }
  varlong(value: bigint): void {
    let zigzag = (value << 1n) ^ (value >> 63n);
    if (zigzag < 0n) zigzag += 1n << 64n;
    while (zigzag >= 0x80n) {
      this.buf[this.offset++] = Number(zigzag & 0x7fn) | 0x80;
      zigzag >>= 7n;
    }
    this.buf[this.offset++] = Number(zigzag);
  }

  private text(value: string, length: number): void {
    this.buf.write(value, this.offset, length, 'utf8');
    this.offset += length;
  }

  nullableString(value: string | null): void {
    if (value === null) return this.int16(-1);
    const length = utf8Length(value);
    if (length > MAX_CLASSIC_STRING_BYTES) throw new EncodeError(`a string of ${length} UTF-8 bytes is too long for an int16 length`);
    this.int16(length);
    this.text(value, length);
  }
  compactNullableString(value: string | null): void {
    if (value === null) return this.uvarint(0);
    const length = utf8Length(value);
    this.uvarint(length + 1);
    this.text(value, length);
  }
  nullableBytes(value: Uint8Array | null): void {
    if (value === null) return this.int32(-1);
    this.int32(value.length);
    this.raw(value);
  }
  compactNullableBytes(value: Uint8Array | null): void {
    if (value === null) return this.uvarint(0);
    this.uvarint(value.length + 1);
    this.raw(value);
  }
  arrayLength(length: number, flexible: boolean): void {
    if (flexible) this.uvarint(length + 1);
    else this.int32(length);
  }
  raw(bytes: Uint8Array): void {
    if (bytes.length >= this.spliceFrom) {
      // Spliced: sent between the bytes written before and after, so it takes no room in `buf`.
      (this.spliced ??= []).push({ at: this.offset, bytes });
      return;
    }
    this.buf.set(bytes, this.offset);
    this.offset += bytes.length;
  }
  unknownTaggedField(field: UnknownTaggedField): void {
    this.uvarint(field.tag);
    this.uvarint(field.data.length);
    this.raw(field.data);
  }
}

/** Encoded size of a string field (nullable or not). */
export function sizeOfString(value: string | null, flexible: boolean): number {
  if (value === null) return flexible ? 1 : 2;
  const length = utf8Length(value);
  if (!flexible && length > MAX_CLASSIC_STRING_BYTES) {
    throw new EncodeError(`a string of ${length} UTF-8 bytes is too long for an int16 length`);
  }
  return (flexible ? sizeOfUVarint(length + 1) : 2) + length;
}

/** Encoded size of a bytes or records field (nullable or not). */
export function sizeOfBytes(value: Uint8Array | null, flexible: boolean): number {
  if (value === null) return flexible ? 1 : 4;
  return (flexible ? sizeOfUVarint(value.length + 1) : 4) + value.length;
}

export function sizeOfArrayLength(length: number, flexible: boolean): number {
  return flexible ? sizeOfUVarint(length + 1) : 4;
}
