import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32c, crc32cPortable } from '../../../src/records/crc32c.js';

/** Bit-at-a-time reference straight from the polynomial, independent of both implementations. */
function crc32cBitwise(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('crc32c', () => {
  it('matches the published check value for "123456789"', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32cPortable(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('matches RFC 3720 (iSCSI) vectors', () => {
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    const ascending = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    expect(crc32c(ascending)).toBe(0x46dd794e);
  });

  it('is 0 for empty input', () => {
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  it('honours start/end on both sides of the native size threshold', () => {
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff));
    expect(crc32c(data, 3, 20)).toBe(crc32cBitwise(data.subarray(3, 20)));
    expect(crc32c(data, 5, 900)).toBe(crc32cBitwise(data.subarray(5, 900)));
  });

  it('native, portable and bitwise agree on random data of any length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 3000 }), (bytes) => {
        const expected = crc32cBitwise(bytes);
        expect(crc32c(bytes)).toBe(expected);
        expect(crc32cPortable(bytes)).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});
