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
