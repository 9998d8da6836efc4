// The Reader is the only thing between untrusted bytes and the decoder: every malformed input
// must come out as a DecodeError with the right code, never a RangeError, and a length
// prefix larger than the frame must be refused before anything is built for it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, Reader, type DecodeErrorCode } from '../../../protocol/runtime/index.js';
import { MetadataRequest } from '../../../protocol/generated/message/metadata-request.js';
import { ProduceRequest } from '../../../protocol/generated/message/produce-request.js';
import { decode } from '../../../protocol/runtime/index.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function codeOf(fn: () => unknown): DecodeErrorCode {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeError) return e.code;
    throw new Error(`expected a DecodeError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected a DecodeError, got a value');
}

/** Reads with `read` and checks it consumed the whole buffer. */
function readAll<T>(bytes: Buffer, read: (r: Reader) => T): T {
  const r = new Reader(bytes);
  const value = read(r);
  expect(r.remaining).toBe(0);
  return value;
}

// Known vectors, as Kafka's ByteUtils writes them.
const UVARINTS: [number, string][] = [
  [0, '00'],
  [1, '01'],
  [63, '3f'],
  [64, '40'],
  [127, '7f'],
  [128, '8001'],
  [300, 'ac02'],
  [16383, 'ff7f'],
  [16384, '808001'],
  [0x7fffffff, 'ffffffff07'],
  [0xffffffff, 'ffffffff0f'],
];
const VARINTS: [number, string][] = [
  [0, '00'],
  [-1, '01'],
  [1, '02'],
  [63, '7e'],
  [-64, '7f'],
  [64, '8001'],
  [300, 'd804'],
  [-300, 'd704'],
  [2147483647, 'feffffff0f'],
  [-2147483648, 'ffffffff0f'],
];
const VARLONGS: [bigint, string][] = [
  [0n, '00'],
  [-1n, '01'],
  [1n, '02'],
  [63n, '7e'],
  [64n, '8001'],
  [300n, 'd804'],
  [2147483647n, 'feffffff0f'],
  [-2147483648n, 'ffffffff0f'],
  [9223372036854775807n, 'feffffffffffffffff01'],
  [-9223372036854775808n, 'ffffffffffffffffff01'],
];

describe('Reader varints', () => {
  it.each(UVARINTS)('uvarint %d ← %s', (value, bytes) => {
    expect(readAll(hex(bytes), (r) => r.uvarint())).toBe(value);
  });
  it.each(VARINTS)('zigzag varint %d ← %s', (value, bytes) => {
    expect(readAll(hex(bytes), (r) => r.varint())).toBe(value);
  });
  it.each(VARLONGS)('zigzag varlong %s ← %s', (value, bytes) => {
    expect(readAll(hex(bytes), (r) => r.varlong())).toBe(value);
  });

  it('refuses over-long varints with VARINT_TOO_LONG', () => {
    // Six bytes: the fifth still has its continuation bit.
    expect(codeOf(() => new Reader(hex('808080808000')).uvarint())).toBe('VARINT_TOO_LONG');
    // Five bytes whose last carries bits above 2^32.
    expect(codeOf(() => new Reader(hex('ffffffff10')).uvarint())).toBe('VARINT_TOO_LONG');
    expect(codeOf(() => new Reader(hex('ffffffff1f')).varint())).toBe('VARINT_TOO_LONG');
    // Eleven-byte varlong, and a ten-byte one with bits above 2^64.
    expect(codeOf(() => new Reader(hex('8080808080808080808000')).varlong())).toBe('VARINT_TOO_LONG');
    expect(codeOf(() => new Reader(hex('ffffffffffffffffff02')).varlong())).toBe('VARINT_TOO_LONG');
  });

  it('padded but in-range varints (redundant 0x80 groups) still decode, as in Java', () => {
    expect(readAll(hex('8080808000'), (r) => r.uvarint())).toBe(0);
    expect(readAll(hex('81808080808080808000'), (r) => r.varlong())).toBe(-1n);
  });
});

describe('Reader fixed-width values', () => {
  it('reads big-endian integers at their extremes', () => {
    const r = new Reader(hex('80 7f 8000 7fff ffff 80000000 7fffffff ffffffff 8000000000000000 7fffffffffffffff 00 02'));
    expect([r.int8(), r.int8(), r.int16(), r.int16(), r.uint16(), r.int32(), r.int32(), r.uint32()]).toEqual([
      -128, 127, -32768, 32767, 65535, -2147483648, 2147483647, 4294967295,
    ]);
    expect([r.int64(), r.int64()]).toEqual([-(2n ** 63n), 2n ** 63n - 1n]);
    // Kafka treats any non-zero byte as true.
    expect([r.bool(), r.bool()]).toEqual([false, true]);
    expect(r.remaining).toBe(0);
  });

  it('reads float64 special values bit-exactly', () => {
    const r = new Reader(hex('8000000000000000 7ff0000000000000 fff0000000000000 7ff8000000000000'));
    expect(Object.is(r.float64(), -0)).toBe(true);
    expect(r.float64()).toBe(Infinity);
    expect(r.float64()).toBe(-Infinity);
    expect(r.float64()).toBeNaN();
  });

  it('reads a uuid as 22-char unpadded base64url', () => {
    const bytes = hex('fb ff bf 00 11 22 33 44 55 66 77 88 99 aa bb ff');
    const text = readAll(bytes, (r) => r.uuid());
    expect(text).toBe('-_-_ABEiM0RVZneImaq7_w');
    expect(text).toHaveLength(22);
    expect(Buffer.from(text, 'base64url').equals(bytes)).toBe(true);
    expect(readAll(Buffer.alloc(16), (r) => r.uuid())).toBe('AAAAAAAAAAAAAAAAAAAAAA');
  });
});

describe('Reader strings, bytes and arrays', () => {
  it('reads classic and compact strings and bytes, with null', () => {
    const r = new Reader(hex('0003 616263 ffff 0000 04 616263 00 01 00000002 beef ffffffff 03 beef 00'));
    expect(r.string()).toBe('abc');
    expect(r.nullableString()).toBeNull();
    expect(r.string()).toBe('');
    expect(r.compactString()).toBe('abc');
    expect(r.compactNullableString()).toBeNull();
    expect(r.compactString()).toBe('');
    expect(r.bytes().toString('hex')).toBe('beef');
    expect(r.nullableBytes()).toBeNull();
    expect(r.compactBytes().toString('hex')).toBe('beef');
    expect(r.compactNullableBytes()).toBeNull();
    expect(r.remaining).toBe(0);
  });

  it('decodes multi-byte UTF-8 by byte length', () => {
    const text = 'ü€𝄞';
    const body = Buffer.from(text, 'utf8');
    const frame = Buffer.concat([Buffer.from([0, body.length]), body]);
    expect(readAll(frame, (r) => r.string())).toBe(text);
  });

  it('bytes come back as views of the frame, not copies', () => {
    const frame = hex('00000002 beef');
    const view = readAll(frame, (r) => r.bytes());
    frame[4] = 0x00;
    expect(view.toString('hex')).toBe('00ef');
  });

  it('null where the field cannot be null is INVALID_VALUE', () => {
    expect(codeOf(() => new Reader(hex('ffff')).string())).toBe('INVALID_VALUE');
    expect(codeOf(() => new Reader(hex('00')).compactString())).toBe('INVALID_VALUE');
    expect(codeOf(() => new Reader(hex('ffffffff')).bytes())).toBe('INVALID_VALUE');
    expect(codeOf(() => new Reader(hex('00')).compactBytes())).toBe('INVALID_VALUE');
  });

  it('negative lengths below -1 are NEGATIVE_LENGTH', () => {
    expect(codeOf(() => new Reader(hex('fffe 6162')).nullableString())).toBe('NEGATIVE_LENGTH');
    expect(codeOf(() => new Reader(hex('8000')).string())).toBe('NEGATIVE_LENGTH');
    expect(codeOf(() => new Reader(hex('fffffffe 00')).nullableBytes())).toBe('NEGATIVE_LENGTH');
    expect(codeOf(() => new Reader(hex('80000000')).bytes())).toBe('NEGATIVE_LENGTH');
    expect(codeOf(() => new Reader(hex('fffffffe')).arrayLength(false, 4))).toBe('NEGATIVE_LENGTH');
    expect(codeOf(() => new Reader(hex('80000000')).arrayLength(false, 1))).toBe('NEGATIVE_LENGTH');
    // -1 is the null array, returned for the generated code to accept or refuse.
    expect(new Reader(hex('ffffffff')).arrayLength(false, 4)).toBe(-1);
    expect(new Reader(hex('00')).arrayLength(true, 4)).toBe(-1);
  });

  it('lengths larger than what is left are LENGTH_TOO_LARGE, before anything is read', () => {
    // String of 0x7fff bytes with 3 bytes left.
    expect(codeOf(() => new Reader(hex('7fff 616263')).string())).toBe('LENGTH_TOO_LARGE');
    expect(codeOf(() => new Reader(hex('ffffffff0f 616263')).compactString())).toBe('LENGTH_TOO_LARGE');
    expect(codeOf(() => new Reader(hex('7fffffff 00')).bytes())).toBe('LENGTH_TOO_LARGE');
    expect(codeOf(() => new Reader(hex('ffffffff0f 00')).compactBytes())).toBe('LENGTH_TOO_LARGE');
    // Array count 2^31-1 and 2^32-2 with a handful of bytes left.
    expect(codeOf(() => new Reader(hex('7fffffff 00000000')).arrayLength(false, 4))).toBe('LENGTH_TOO_LARGE');
    expect(codeOf(() => new Reader(hex('ffffffff0f 00')).arrayLength(true, 1))).toBe('LENGTH_TOO_LARGE');
    // An array that would fit element-for-element is allowed: 2 int32s in 8 bytes.
    expect(new Reader(hex('00000002 0000000100000002')).arrayLength(false, 4)).toBe(2);
    expect(codeOf(() => new Reader(hex('00000003 0000000100000002')).arrayLength(false, 4))).toBe('LENGTH_TOO_LARGE');
    // A tagged field's declared size past the end.
    expect(codeOf(() => new Reader(hex('0102')).sub(5))).toBe('LENGTH_TOO_LARGE');
    expect(codeOf(() => new Reader(hex('0102')).unknownTaggedField(1, 3))).toBe('LENGTH_TOO_LARGE');
  });

  it('a generated decoder refuses an array count of 2^31-1 without looping or allocating', () => {
    // MetadataRequest v0: Topics array with count 0x7fffffff and nothing after it.
    expect(codeOf(() => decode(MetadataRequest, hex('7fffffff'), 0))).toBe('LENGTH_TOO_LARGE');
    // Produce v9 (flexible): TransactionalId null, acks, timeout, topic count uvarint 2^32-1.
    expect(codeOf(() => decode(ProduceRequest, hex('00 0001 00000000 ffffffff0f'), 9))).toBe('LENGTH_TOO_LARGE');
  });

  it('sub-readers are bounded by their own end', () => {
    const r = new Reader(hex('0001 02 03'));
    const sub = r.sub(2);
    expect(r.offset).toBe(2);
    expect(sub.int16()).toBe(1);
    expect(codeOf(() => sub.int8())).toBe('TRUNCATED');
    expect(r.int8()).toBe(2);
  });

  it('expectEnd reports trailing bytes', () => {
    const r = new Reader(hex('0001'));
    r.int8();
    expect(codeOf(() => r.expectEnd('x'))).toBe('TRAILING_BYTES');
    r.int8();
    expect(() => r.expectEnd('x')).not.toThrow();
  });
});

describe('Reader truncation at every offset', () => {
  // Each case: an encoding, how to read it, and the code expected when it is cut at `cut` bytes.
  type Case = [name: string, bytes: string, read: (r: Reader) => unknown, expect: (cut: number) => DecodeErrorCode];
  const truncated = (): DecodeErrorCode => 'TRUNCATED';
  // Length-prefixed values: cutting the prefix is TRUNCATED, cutting the body LENGTH_TOO_LARGE.
  const prefixed = (prefix: number) => (cut: number): DecodeErrorCode => (cut < prefix ? 'TRUNCATED' : 'LENGTH_TOO_LARGE');
  const cases: Case[] = [
    ['int8', '7f', (r) => r.int8(), truncated],
    ['int16', '7fff', (r) => r.int16(), truncated],
    ['uint16', 'ffff', (r) => r.uint16(), truncated],
    ['int32', '7fffffff', (r) => r.int32(), truncated],
    ['uint32', 'ffffffff', (r) => r.uint32(), truncated],
    ['int64', '7fffffffffffffff', (r) => r.int64(), truncated],
    ['float64', '400921fb54442d18', (r) => r.float64(), truncated],
    ['bool', '01', (r) => r.bool(), truncated],
    ['uuid', '00112233445566778899aabbccddeeff', (r) => r.uuid(), truncated],
    ['uvarint', 'ffffffff0f', (r) => r.uvarint(), truncated],
    ['varint', 'feffffff0f', (r) => r.varint(), truncated],
    ['varlong', 'ffffffffffffffffff01', (r) => r.varlong(), truncated],
    ['string', '0005 68656c6c6f', (r) => r.string(), prefixed(2)],
    ['compactString', '06 68656c6c6f', (r) => r.compactString(), prefixed(1)],
    ['long compactString', 'ac02' + '61'.repeat(299), (r) => r.compactString(), prefixed(2)],
    ['bytes', '00000003 010203', (r) => r.bytes(), prefixed(4)],
    ['compactBytes', '04 010203', (r) => r.compactBytes(), prefixed(1)],
    ['arrayLength', '00000001', (r) => r.arrayLength(false, 0), truncated],
    ['compact arrayLength', 'ffff03', (r) => r.arrayLength(true, 0), truncated],
  ];
  it.each(cases)('%s', (_name, bytes, read, expected) => {
    const full = hex(bytes);
    expect(() => read(new Reader(full))).not.toThrow();
    for (let cut = 0; cut < full.length; cut++) {
      // Cut both by a shorter buffer and by a shorter `end` over the full one.
      expect(codeOf(() => read(new Reader(full.subarray(0, cut)))), `cut at ${cut}`).toBe(expected(cut));
      expect(codeOf(() => read(new Reader(full, 0, cut))), `end at ${cut}`).toBe(expected(cut));
    }
  });

  it('never throws anything but DecodeError on random bytes, whatever is read', () => {
    const readers: ((r: Reader) => unknown)[] = [
      (r) => r.int8(), (r) => r.int16(), (r) => r.uint16(), (r) => r.int32(), (r) => r.uint32(), (r) => r.int64(),
      (r) => r.float64(), (r) => r.bool(), (r) => r.uuid(), (r) => r.uvarint(), (r) => r.varint(), (r) => r.varlong(),
      (r) => r.string(), (r) => r.nullableString(), (r) => r.compactString(), (r) => r.compactNullableString(),
      (r) => r.bytes(), (r) => r.nullableBytes(), (r) => r.compactBytes(), (r) => r.compactNullableBytes(),
      (r) => r.arrayLength(false, 1), (r) => r.arrayLength(true, 1), (r) => r.sub(r.uvarint()),
    ];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), fc.array(fc.nat(readers.length - 1), { maxLength: 12 }), (bytes, ops) => {
        const r = new Reader(Buffer.from(bytes));
        try {
          for (const op of ops) readers[op]!(r);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
        expect(r.offset).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 3000, seed: 42 },
    );
  });
});
