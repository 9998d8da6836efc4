import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ByteCursor, RecordFormatError, sizeOfVarint, writeVarint } from '../../../src/records/varint.js';

describe('zigzag varints', () => {
  it('encodes the reference values from the protobuf/Kafka zigzag scheme', () => {
    const cases: Array<[number, string]> = [
      [0, '00'], [-1, '01'], [1, '02'], [-2, '03'], [63, '7e'], [-64, '7f'], [64, '8001'],
      [2147483647, 'feffffff0f'], [-2147483648, 'ffffffff0f'],
    ];
    for (const [value, hex] of cases) {
      const buf = Buffer.alloc(10);
      const end = writeVarint(buf, 0, value);
      expect(buf.subarray(0, end).toString('hex')).toBe(hex);
      expect(sizeOfVarint(value)).toBe(end);
      expect(new ByteCursor(buf, 0, end).varint()).toBe(value);
    }
  });

  it('round-trips any safe integer as a varlong', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), (value) => {
        const buf = Buffer.alloc(10);
        const end = writeVarint(buf, 0, value);
        expect(end).toBe(sizeOfVarint(value));
        const cursor = new ByteCursor(buf, 0, end);
        expect(cursor.varlong()).toBe(value);
        expect(cursor.pos).toBe(end);
      }),
    );
  });

  it('rejects truncated and over-long varints with RecordFormatError', () => {
    expect(() => new ByteCursor(Buffer.from([0x80]), 0, 1).varint()).toThrow(RecordFormatError);
    expect(() => new ByteCursor(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), 0, 6).varint()).toThrow(RecordFormatError);
    expect(() => new ByteCursor(Buffer.from([0x02, 0x41]), 0, 2).bytes(5)).toThrow(RecordFormatError);
    expect(() => new ByteCursor(Buffer.from([0x02]), 0, 1).bytes(-2)).toThrow(RecordFormatError);
  });
});
