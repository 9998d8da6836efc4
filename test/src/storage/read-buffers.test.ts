import { describe, expect, it } from 'vitest';
import { releaseReadBuffer, takeReadBuffer } from '../../../src/storage/read-buffers.js';

describe('read buffers', () => {
  it('hands a released large buffer to a later read of a fitting size, never one still out', () => {
    const a = takeReadBuffer(100_000);
    const b = takeReadBuffer(100_000);
    expect(a.length).toBe(100_000);
    expect(b.buffer).not.toBe(a.buffer);
    releaseReadBuffer(a.subarray(0, 10)); // a view of it, as a fetch response holds
    const c = takeReadBuffer(90_000);
    expect(c.buffer).toBe(a.buffer);
    expect(c.length).toBe(90_000);
    const d = takeReadBuffer(90_000); // nothing spare any more
    expect(d.buffer).not.toBe(a.buffer);
    expect(d.buffer).not.toBe(b.buffer);
    // Twice released is kept once; a much smaller read does not take a much larger buffer.
    releaseReadBuffer(b);
    releaseReadBuffer(b);
    expect(takeReadBuffer(65_536 * 4).buffer).not.toBe(b.buffer);
    expect(takeReadBuffer(100_000).buffer).toBe(b.buffer);
    expect(takeReadBuffer(100_000).buffer).not.toBe(b.buffer);
  });

  it('keeps no spare larger than its whole budget', () => {
    const huge = takeReadBuffer(17 << 20);
    releaseReadBuffer(huge);
    expect(takeReadBuffer(17 << 20).buffer === huge.buffer).toBe(false);
  });

  it('makes room for what is handed back now: a pool full of small spares still keeps a large one', () => {
    // Identity checks as booleans: a failed toBe on megabyte buffers has the reporter print them all.
    const same = (a: Buffer, b: Buffer): boolean => a.buffer === b.buffer;
    // Eight 1 MB spares (Produce frames, say), then an 8 MB fetch buffer comes back.
    const small = Array.from({ length: 8 }, () => takeReadBuffer(1 << 20));
    const large = takeReadBuffer(8 << 20);
    for (const b of small) releaseReadBuffer(b);
    releaseReadBuffer(large);
    expect(same(takeReadBuffer(8 << 20), large)).toBe(true);
    // The oldest small spare made room (eight spares at most); the other seven are still there.
    const taken = Array.from({ length: 7 }, () => takeReadBuffer(1 << 20));
    expect(taken.map((t, i) => same(t, small[i + 1]!))).toEqual(Array(7).fill(true));
    expect(same(takeReadBuffer(1 << 20), small[0]!)).toBe(false);
  });

  it('ignores buffers it did not give out, and small reads use ordinary buffers', () => {
    const foreign = Buffer.allocUnsafeSlow(100_000);
    releaseReadBuffer(foreign);
    expect(takeReadBuffer(100_000).buffer).not.toBe(foreign.buffer);
    const small = takeReadBuffer(1000);
    expect(small.length).toBe(1000);
    releaseReadBuffer(small); // a pool slice of Node's: must not become a spare
    expect(takeReadBuffer(70_000).buffer).not.toBe(small.buffer);
  });
});
