import { DecodeError } from './errors.js';
import type { UnknownTaggedField } from './tagged-fields.js';

/**
 * A bounds-checked cursor over one frame. Every read checks the remaining length first, so
 * malformed input always surfaces as a DecodeError with the offending offset, and a length
 * prefix larger than what is left is refused before anything is allocated for it.
 * Byte fields come back as `subarray` views of the frame: no copy.
 */
export class Reader {
  offset: number;
  readonly end: number;

  constructor(
    readonly buf: Buffer,
    offset = 0,
    end = buf.length,
  ) {
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number): number {
    const at = this.offset;
    if (n > this.end - at) throw new DecodeError('TRUNCATED', `need ${n} bytes, have ${this.end - at}`, at);
    this.offset = at + n;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  uint16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  int64(): bigint {
    return this.buf.readBigInt64BE(this.need(8));
  }
  float64(): number {
    return this.buf.readDoubleBE(this.need(8));
  }
  bool(): boolean {
    return this.buf[this.need(1)] !== 0;
  }
  uuid(): string {
    const at = this.need(16);
    return this.buf.toString('base64url', at, at + 16);
  }

  /** Unsigned LEB128 varint of at most 5 bytes (a uint32), as used for compact lengths and tags. */
  uvarint(): number {
    let result = 0;
    let shift = 0;
    const start = this.offset;
    for (let i = 0; i < 5; i++) {
      if (this.offset >= this.end) throw new DecodeError('TRUNCATED', 'varint runs past the end', this.offset);
      const byte = this.buf[this.offset++]!;
      if (i === 4 && byte > 0x0f) throw new DecodeError('VARINT_TOO_LONG', 'unsigned varint exceeds 32 bits', start);
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
    throw new DecodeError('VARINT_TOO_LONG', 'unsigned varint longer than 5 bytes', start);
  }

  /** Zigzag varint (a signed int32), as used inside records. */
  varint(): number {
    const raw = this.uvarint();
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  /** Zigzag varlong (a signed int64) of at most 10 bytes. */
  varlong(): bigint {
    let result = 0n;
    let shift = 0n;
    const start = this.offset;
    for (let i = 0; i < 10; i++) {
      if (this.offset >= this.end) throw new DecodeError('TRUNCATED', 'varlong runs past the end', this.offset);
      const byte = this.buf[this.offset++]!;
      if (i === 9 && byte > 0x01) throw new DecodeError('VARINT_TOO_LONG', 'varlong exceeds 64 bits', start);
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return (result >> 1n) ^ -(result & 1n);
      shift += 7n;
    }
    throw new DecodeError('VARINT_TOO_LONG', 'varlong longer than 10 bytes', start);
  }

  private checkedLength(length: number, at: number): number {
    if (length > this.end - this.offset) {
      throw new DecodeError('LENGTH_TOO_LARGE', `length ${length} exceeds the ${this.end - this.offset} bytes left`, at);
    }
    return length;
  }

  private text(length: number): string {
    const at = this.need(length);
    return this.buf.toString('utf8', at, at + length);
  }

  private slice(length: number): Buffer {
    const at = this.need(length);
    return this.buf.subarray(at, at + length);
  }

  /** Non-flexible string: int16 length, -1 means null. */
  nullableString(): string | null {
    const at = this.offset;
    const length = this.int16();
    if (length === -1) return null;
    if (length < -1) throw new DecodeError('NEGATIVE_LENGTH', `string length ${length}`, at);
    return this.text(this.checkedLength(length, at));
  }
  string(): string {
    const at = this.offset;
    const value = this.nullableString();
    if (value === null) throw new DecodeError('INVALID_VALUE', 'null in a non-nullable string', at);
    return value;
  }

  /** Flexible string: unsigned varint length + 1, 0 means null. */
  compactNullableString(): string | null {
    const at = this.offset;
    const lengthPlusOne = this.uvarint();
    if (lengthPlusOne === 0) return null;
    return this.text(this.checkedLength(lengthPlusOne - 1, at));
  }
  compactString(): string {
    const at = this.offset;
    const value = this.compactNullableString();
    if (value === null) throw new DecodeError('INVALID_VALUE', 'null in a non-nullable compact string', at);
    return value;
  }

  nullableBytes(): Buffer | null {
    const at = this.offset;
    const length = this.int32();
    if (length === -1) return null;
    if (length < -1) throw new DecodeError('NEGATIVE_LENGTH', `bytes length ${length}`, at);
    return this.slice(this.checkedLength(length, at));
  }
  bytes(): Buffer {
    const at = this.offset;
    const value = this.nullableBytes();
    if (value === null) throw new DecodeError('INVALID_VALUE', 'null in non-nullable bytes', at);
    return value;
  }
  compactNullableBytes(): Buffer | null {
    const at = this.offset;
    const lengthPlusOne = this.uvarint();
    if (lengthPlusOne === 0) return null;
    return this.slice(this.checkedLength(lengthPlusOne - 1, at));
  }
  compactBytes(): Buffer {
    const at = this.offset;
    const value = this.compactNullableBytes();
    if (value === null) throw new DecodeError('INVALID_VALUE', 'null in non-nullable compact bytes', at);
    return value;
  }

  /**
   * Array length (int32, or compact uvarint + 1); -1 means null. `minElementSize` lets a
   * huge declared count be refused before a loop or allocation is attempted.
   */
  arrayLength(flexible: boolean, minElementSize: number): number {
    const at = this.offset;
    let length: number;
    if (flexible) {
      length = this.uvarint() - 1;
    } else {
      length = this.int32();
      if (length < -1) throw new DecodeError('NEGATIVE_LENGTH', `array length ${length}`, at);
    }
    if (length > 0 && minElementSize > 0 && length * minElementSize > this.end - this.offset) {
      throw new DecodeError('LENGTH_TOO_LARGE', `array of ${length} cannot fit in ${this.end - this.offset} bytes`, at);
    }
    return length;
  }

  /** A tagged field's raw bytes, for tags this version does not know. */
  unknownTaggedField(tag: number, size: number): UnknownTaggedField {
    return { tag, data: this.slice(this.checkedLength(size, this.offset)) };
  }

  /** A sub-reader over the next `size` bytes (a tagged field's body); advances past them. */
  sub(size: number): Reader {
    const at = this.offset;
    this.checkedLength(size, at);
    this.offset += size;
    return new Reader(this.buf, at, at + size);
  }

  /** Throws unless the cursor consumed exactly the bytes it was given. */
  expectEnd(what: string): void {
    if (this.offset !== this.end) {
      throw new DecodeError('TRAILING_BYTES', `${this.end - this.offset} bytes left after ${what}`, this.offset);
    }
  }
}
