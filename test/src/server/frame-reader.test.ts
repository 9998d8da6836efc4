import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FrameReader, FrameSizeError } from '../../../src/server/frame-reader.js';

function encode(frames: Buffer[]): Buffer {
  return Buffer.concat(
    frames.flatMap((f) => {
      const size = Buffer.alloc(4);
      size.writeInt32BE(f.length);
      return [size, f];
    }),
  );
}

describe('FrameReader', () => {
  // A transient chunk is a reused read buffer that the socket overwrites with its next read: the
  // frames must have been copied out of it.
  it.each([
    ['views of the chunks', false],
    ['transient chunks', true],
  ])('returns the same frames however the stream is cut into chunks (%s)', (_name, transient) => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }),
        (payloads, cuts) => {
          const frames = payloads.map((p) => Buffer.from(p));
          const stream = encode(frames);
          const reader = new FrameReader(1000);
          const reused = Buffer.alloc(97);
          const out: Buffer[] = [];
          let at = 0;
          for (let i = 0; at < stream.length; i++) {
            const n = Math.min(cuts[i % cuts.length]!, stream.length - at);
            if (transient) {
              stream.copy(reused, 0, at, at + n);
              out.push(...reader.push(reused.subarray(0, n), true));
              reused.fill(0xee);
            } else {
              out.push(...reader.push(stream.subarray(at, at + n)));
            }
            at += n;
          }
          expect(out.map((b) => b.toString('hex'))).toEqual(frames.map((b) => b.toString('hex')));
          expect(reader.pendingBytes).toBe(0);
        },
      ),
    );
  });

  it('counts the bytes of an unfinished frame, size prefix included', () => {
    const reader = new FrameReader(100);
    const stream = encode([Buffer.alloc(10, 7)]);
    expect(reader.push(stream.subarray(0, 2))).toEqual([]);
    expect(reader.pendingBytes).toBe(2);
    expect(reader.push(stream.subarray(2, 9))).toEqual([]);
    expect(reader.pendingBytes).toBe(9);
    expect(reader.push(stream.subarray(9))).toHaveLength(1);
  });

  it('refuses a frame larger than the maximum and a negative size, even when the size prefix is split', () => {
    const big = Buffer.alloc(4);
    big.writeInt32BE(101);
    expect(() => new FrameReader(100).push(big)).toThrow(FrameSizeError);
    const reader = new FrameReader(100);
    reader.push(Buffer.from([0xff, 0xff]));
    expect(() => reader.push(Buffer.from([0xff, 0xfe]))).toThrow(/negative frame size/);
  });

  it('reuses the buffer of a recycled large frame for a later one, and never a buffer still in use', () => {
    const reader = new FrameReader(1 << 20);
    const feed = (payload: Buffer): Buffer => {
      const stream = encode([payload]);
      const out = [...reader.push(stream.subarray(0, 1000)), ...reader.push(stream.subarray(1000))];
      expect(out).toHaveLength(1);
      expect(out[0]!.equals(payload)).toBe(true);
      return out[0]!;
    };
    const first = feed(Buffer.alloc(100_000, 1));
    const second = feed(Buffer.alloc(100_000, 2)); // `first` not recycled: a buffer of its own
    expect(second.buffer).not.toBe(first.buffer);
    expect(first[0]).toBe(1);
    reader.recycle(first);
    const third = feed(Buffer.alloc(90_000, 3));
    expect(third.buffer).toBe(first.buffer);
    expect(second[0]).toBe(2);
    // Small frames and frames that are views of a socket chunk are never taken back.
    const small = feed(Buffer.alloc(2000, 4));
    reader.recycle(small);
    const chunkView = reader.push(encode([Buffer.alloc(70_000, 5)]))[0]!;
    reader.recycle(chunkView);
    const fourth = feed(Buffer.alloc(80_000, 6));
    expect(fourth.buffer).not.toBe(chunkView.buffer);
    expect(chunkView[0]).toBe(5);
  });
});

