// The Writer must produce Kafka's exact bytes and fill exactly the buffer the size helpers
// predict; the Reader must read back what it wrote.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Reader,
  Writer,
  sizeOfArrayLength,
  sizeOfBytes,
  sizeOfString,
  sizeOfUVarint,
  sizeOfUnknownTaggedFields,
  sizeOfVarint,
  sizeOfVarlong,
  uuidFromString,
  uuidToString,
  randomUuid,
  ZERO_UUID,
  EncodeError,
  encode,
} from '../../../protocol/runtime/index.js';
import { MetadataRequest } from '../../../protocol/generated/message/metadata-request.js';

function written(size: number, write: (w: Writer) => void): string {
  const w = new Writer(size);
  write(w);
  expect(w.offset).toBe(size);
  return w.buf.toString('hex');
}

describe('Writer varints against known vectors', () => {
  const uvarints: [number, string][] = [
    [0, '00'], [1, '01'], [63, '3f'], [64, '40'], [127, '7f'], [128, '8001'], [300, 'ac02'],
    [16383, 'ff7f'], [16384, '808001'], [0x7fffffff, 'ffffffff07'], [0xffffffff, 'ffffffff0f'],
  ];
  it.each(uvarints)('uvarint %d → %s', (value, bytes) => {
    expect(sizeOfUVarint(value)).toBe(bytes.length / 2);
    expect(written(bytes.length / 2, (w) => w.uvarint(value))).toBe(bytes);
  });

  const varints: [number, string][] = [
    [0, '00'], [-1, '01'], [1, '02'], [63, '7e'], [-64, '7f'], [64, '8001'], [300, 'd804'], [-300, 'd704'],
    [2147483647, 'feffffff0f'], [-2147483648, 'ffffffff0f'],
  ];
  it.each(varints)('zigzag varint %d → %s', (value, bytes) => {
    expect(sizeOfVarint(value)).toBe(bytes.length / 2);
    expect(written(bytes.length / 2, (w) => w.varint(value))).toBe(bytes);
  });

  const varlongs: [bigint, string][] = [
    [0n, '00'], [-1n, '01'], [1n, '02'], [63n, '7e'], [64n, '8001'], [300n, 'd804'],
    [2147483647n, 'feffffff0f'], [-2147483648n, 'ffffffff0f'],
    [9223372036854775807n, 'feffffffffffffffff01'], [-9223372036854775808n, 'ffffffffffffffffff01'],
  ];
  it.each(varlongs)('zigzag varlong %s → %s', (value, bytes) => {
    expect(sizeOfVarlong(value)).toBe(bytes.length / 2);
    expect(written(bytes.length / 2, (w) => w.varlong(value))).toBe(bytes);
  });

  it('varints round-trip over their whole ranges, in exactly sizeOf* bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (u, i, l) => {
        const size = sizeOfUVarint(u) + sizeOfVarint(i) + sizeOfVarlong(l);
        const w = new Writer(size);
        w.uvarint(u);
        w.varint(i);
        w.varlong(l);
        expect(w.offset).toBe(size);
        const r = new Reader(w.buf);
        expect([r.uvarint(), r.varint(), r.varlong()]).toEqual([u, i, l]);
        expect(r.remaining).toBe(0);
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});

describe('Writer values', () => {
  it('writes big-endian fixed-width values at their extremes', () => {
    expect(written(8, (w) => { w.int8(-128); w.int8(127); w.int16(-32768); w.uint16(65535); w.bool(true); w.bool(false); })).toBe('807f8000ffff0100');
    expect(written(8, (w) => { w.int32(-2147483648); w.uint32(4294967295); })).toBe('80000000ffffffff');
    expect(written(16, (w) => { w.int64(-(2n ** 63n)); w.int64(2n ** 63n - 1n); })).toBe('80000000000000007fffffffffffffff');
    expect(written(16, (w) => { w.float64(-0); w.float64(Infinity); })).toBe('80000000000000007ff0000000000000');
  });

  it('writes classic and compact strings and bytes, with null', () => {
    expect(sizeOfString('abc', false)).toBe(5);
    expect(sizeOfString(null, false)).toBe(2);
    expect(sizeOfString('abc', true)).toBe(4);
    expect(sizeOfString(null, true)).toBe(1);
    expect(written(11, (w) => { w.nullableString('abc'); w.nullableString(null); w.nullableString(''); w.nullableString(null); })).toBe('0003616263' + 'ffff' + '0000' + 'ffff');
    expect(written(6, (w) => { w.compactNullableString('abc'); w.compactNullableString(null); w.compactNullableString(''); })).toBe('04616263' + '00' + '01');
    // UTF-8 length, not UTF-16 length.
    expect(sizeOfString('€', false)).toBe(5);
    expect(written(5, (w) => w.nullableString('€'))).toBe('0003e282ac');
    expect(sizeOfBytes(Buffer.from('beef', 'hex'), false)).toBe(6);
    expect(sizeOfBytes(null, false)).toBe(4);
    expect(sizeOfBytes(null, true)).toBe(1);
    expect(written(10, (w) => { w.nullableBytes(Buffer.from('beef', 'hex')); w.nullableBytes(null); })).toBe('00000002beefffffffff');
    expect(written(4, (w) => { w.compactNullableBytes(Buffer.from('beef', 'hex')); w.compactNullableBytes(null); })).toBe('03beef00');
  });

  it('a compact length crossing a varint boundary takes the extra byte', () => {
    const text = 'a'.repeat(127); // length+1 = 128 needs two bytes
    expect(sizeOfString(text, true)).toBe(2 + 127);
    const bytes = Buffer.alloc(127);
    expect(sizeOfBytes(bytes, true)).toBe(2 + 127);
    expect(written(129, (w) => w.compactNullableString(text)).slice(0, 4)).toBe('8001');
  });

  it('writes array lengths: int32 or uvarint(n+1), -1 as null', () => {
    expect(sizeOfArrayLength(3, false)).toBe(4);
    expect(sizeOfArrayLength(3, true)).toBe(1);
    expect(sizeOfArrayLength(-1, true)).toBe(1);
    expect(sizeOfArrayLength(127, true)).toBe(2);
    expect(written(4, (w) => w.arrayLength(-1, false))).toBe('ffffffff');
    expect(written(1, (w) => w.arrayLength(-1, true))).toBe('00');
    expect(written(1, (w) => w.arrayLength(0, true))).toBe('01');
    expect(written(2, (w) => w.arrayLength(127, true))).toBe('8001');
  });

  it('writes unknown tagged fields as tag, size, data', () => {
    const fields = [{ tag: 0, data: Buffer.from('aa', 'hex') }, { tag: 300, data: Buffer.alloc(0) }];
    expect(sizeOfUnknownTaggedFields(fields)).toBe(3 + 3);
    expect(written(6, (w) => { for (const f of fields) w.unknownTaggedField(f); })).toBe('0001aa' + 'ac0200');
  });

  it('uuid strings are base64url of the 16 bytes, and malformed ones are refused', () => {
    const bytes = Buffer.from('fbffbf00112233445566778899aabbff', 'hex');
    const text = uuidToString(bytes);
    expect(text).toBe('-_-_ABEiM0RVZneImaq7_w');
    expect(uuidFromString(text).equals(bytes)).toBe(true);
    expect(written(16, (w) => w.uuid(text))).toBe(bytes.toString('hex'));
    expect(written(16, (w) => w.uuid(ZERO_UUID))).toBe('00'.repeat(16));
    expect(() => new Writer(16).uuid('short')).toThrow(EncodeError);
    expect(() => new Writer(16).uuid('AAAAAAAAAAAAAAAAAAAAAAAA')).toThrow(EncodeError);
    expect(() => uuidFromString('abc')).toThrow(TypeError);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (raw) => {
        const b = Buffer.from(raw);
        const s = uuidToString(b);
        expect(s).toMatch(/^[A-Za-z0-9_-]{22}$/);
        const w = new Writer(16);
        w.uuid(s);
        expect(w.buf.equals(b)).toBe(true);
        expect(new Reader(w.buf).uuid()).toBe(s);
      }),
      { numRuns: 500, seed: 3 },
    );
  });

  it('randomUuid sets the v4 bits and avoids the zero id and a leading "-"', () => {
    // 0xf8… encodes with a leading '-' (62), so it is drawn again.
    const fixed = [Buffer.alloc(16, 0xf8), Buffer.alloc(16), Buffer.alloc(16, 0x11)];
    let i = 0;
    const id = randomUuid(() => Buffer.from(fixed[i++]!));
    const bytes = uuidFromString(id);
    expect(bytes[6]! >> 4).toBe(4);
    expect(bytes[8]! >> 6).toBe(2);
    expect(id).not.toBe(ZERO_UUID);
    expect(id.startsWith('-')).toBe(false);
    expect(i).toBe(2);
  });
});

describe('values the wire cannot carry are refused with EncodeError', () => {
  it('a classic string over 32767 UTF-8 bytes is refused before anything is written', () => {
    // Kafka refuses at size time: "'name' field is too long to be serialized".
    const value = { ...MetadataRequest.defaults(), topics: [{ topicId: ZERO_UUID, name: 'x'.repeat(40_000) }] };
    expect(() => encode(MetadataRequest, value, 0)).toThrow(EncodeError);
  });

  it('a uuid string that is not the canonical text of 16 bytes is refused, not silently rewritten', () => {
    // 22 base64url chars carry 132 bits; the last 4 must be zero or the value changes on the wire.
    expect(() => new Writer(16).uuid('AAAAAAAAAAAAAAAAAAAAAB')).toThrow(EncodeError);
    expect(() => new Writer(16).uuid('AAAAAAAAAAAAAAAAAAAAAA')).not.toThrow();
  });
});

describe('Writer.spliceLargeBytes', () => {
  it('references byte fields from the threshold up and the chunks join to the copied encoding', () => {
    const small = Buffer.from('abc');
    const large = Buffer.alloc(100, 7);
    const encode = (writer: Writer): Writer => {
      writer.int32(42);
      writer.nullableBytes(small);
      writer.compactNullableBytes(large);
      writer.int16(-1);
      return writer;
    };
    const size = 4 + 4 + 3 + 1 + 100 + 2;
    const copied = encode(new Writer(size)).buf;
    const spliced = encode(new Writer(size).spliceLargeBytes(50));
    const chunks = spliced.chunks();
    expect(chunks).toHaveLength(3);
    expect(chunks[1]).toBe(large); // the very buffer, not a copy
    expect(Buffer.concat(chunks).equals(copied)).toBe(true);
    expect(encode(new Writer(size)).chunks()).toEqual([copied]);
  });

  it('needs no room in its buffer for spliced fields, and refuses an encoding that overran a buffer sized for more', () => {
    const large = Buffer.alloc(100, 7);
    const encode = (writer: Writer): Writer => {
      writer.int32(42);
      writer.compactNullableBytes(large);
      writer.uvarint(300);
      return writer;
    };
    const copied = encode(new Writer(4 + 1 + 100 + 2)).buf;
    const sized = encode(new Writer(4 + 1 + 2).spliceLargeBytes(50));
    expect(sized.buf.length).toBe(7);
    expect(Buffer.concat(sized.chunks()).equals(copied)).toBe(true);
    // Sized as if 101 bytes were spliced: the varint's last byte fell off the end of the buffer.
    expect(() => encode(new Writer(4 + 1 + 1).spliceLargeBytes(50)).chunks()).toThrow(EncodeError);
  });
});
