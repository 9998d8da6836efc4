/**
 * Splits a byte stream into int32-size-prefixed frames. A frame contained in one chunk comes
 * out as a subarray of it; only a frame split across chunks is copied once into place.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Pushes a chunk; returns the complete frames, or throws FrameSizeError for a size Kafka would refuse. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const size = this.peekSize();
      if (size < 0 || size > this.maxFrameBytes) throw new FrameSizeError(size, this.maxFrameBytes);
      if (this.buffered < 4 + size) break;
      frames.push(this.take(4 + size).subarray(4));
    }
    return frames;
  }

  get pendingBytes(): number {
    return this.buffered;
  }

  private peekSize(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    return this.take(4, true).readInt32BE(0);
  }

  /** Removes `n` bytes from the front (or, with `peek`, only gathers them into the first chunk). */
  private take(n: number, peek = false): Buffer {
    let first = this.chunks[0]!;
    if (first.length < n) {
      // Gather exactly the chunks needed for n bytes into one buffer.
      let needed = 0;
      let count = 0;
      while (needed < n) needed += this.chunks[count++]!.length;
      const merged = Buffer.concat(this.chunks.slice(0, count), needed);
      this.chunks.splice(0, count, merged);
      first = merged;
    }
    if (peek) return first;
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }
}

export class FrameSizeError extends Error {
  override readonly name = 'FrameSizeError';
  constructor(readonly size: number, readonly max: number) {
    super(size < 0 ? `negative frame size ${size}` : `frame of ${size} bytes exceeds socket.request.max.bytes ${max}`);
  }
}
