// Zigzag varints as record batch v2 uses them inside records (lengths, deltas, counts).
// Values are JS numbers: record fields fit in int32, and timestamp deltas in the 53-bit
// safe range, which keeps the per-record path free of bigint arithmetic.
// Reads are bounds-checked and throw `RecordFormatError`, never a RangeError.

/** Malformed or truncated bytes inside a batch; the validator maps it to a Kafka error. */
export class RecordFormatError extends Error {
  override name = 'RecordFormatError';
}

/** A read position over a buffer region `[pos, end)`. */
export class ByteCursor {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
  ) {}

  /** Signed zigzag varint of at most `maxBytes` bytes (5 for int32 fields, 10 for int64). */
  varint(maxBytes = 5): number {
    const buf = this.buf;
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < maxBytes; i++) {
      if (this.pos >= this.end) throw new RecordFormatError('truncated varint');
      const byte = buf[this.pos++]!;
      result += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) {
        return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      }
      multiplier *= 128;
    }
    throw new RecordFormatError('varint too long');
  }

  varlong(): number {
    return this.varint(10);
  }

  int8(): number {
    if (this.pos + 1 > this.end) throw new RecordFormatError('truncated int8');
    return this.buf.readInt8(this.pos++);
  }

  int16(): number {
    if (this.pos + 2 > this.end) throw new RecordFormatError('truncated int16');
    const value = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return value;
  }

  int32(): number {
    if (this.pos + 4 > this.end) throw new RecordFormatError('truncated int32');
    const value = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return value;
  }

  int64(): bigint {
    if (this.pos + 8 > this.end) throw new RecordFormatError('truncated int64');
    const value = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return value;
  }

  /** `length` bytes as a view (no copy); -1 means null. */
  bytes(length: number): Buffer | null {
    if (length === -1) return null;
    if (length < -1 || this.pos + length > this.end) throw new RecordFormatError('bytes length out of range');
    const view = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return view;
  }
}

function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

export function sizeOfVarint(value: number): number {
  let zz = zigzag(value);
  let size = 1;
  while (zz >= 128) {
    zz = Math.floor(zz / 128);
    size++;
  }
  return size;
}

/** Writes a zigzag varint at `pos`; returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, value: number): number {
  let zz = zigzag(value);
  while (zz >= 128) {
    buf[pos++] = (zz % 128) | 0x80;
    zz = Math.floor(zz / 128);
  }
  buf[pos++] = zz;
  return pos;
}
