// Buffers for large segment reads (what a fetch sends), reused once the socket has written
// them, and for large request frames (a Produce request, reused once answered). A fresh 1 MB buffer per fetch cost ~2 ms per MB in page faults on this machine against
// 0.25 ms per MB to read into a buffer already mapped (bench/FINDINGS.md): most of the
// broker's CPU when serving a consumer. The server hands a buffer back only after the socket's
// write callback; one that is never handed back is garbage collected like any buffer.

/** Reads from this size on use reusable buffers. */
const REUSED_READ_MIN_BYTES = 64 * 1024;
/** Spare buffers kept for the whole process (each at most 2x the size it served): at most 16 MB. */
const MAX_SPARE_BUFFERS = 8;

const reusable = new WeakSet<ArrayBufferLike>();
const spare: ArrayBufferLike[] = [];

/** A buffer of exactly `length` bytes (contents undefined). */
export function takeReadBuffer(length: number): Buffer {
  if (length < REUSED_READ_MIN_BYTES) return Buffer.allocUnsafe(length);
  const i = spare.findIndex((store) => store.byteLength >= length && store.byteLength <= 2 * length);
  if (i >= 0) return Buffer.from(spare.splice(i, 1)[0]!, 0, length);
  const buffer = Buffer.allocUnsafeSlow(2 ** Math.ceil(Math.log2(length))).subarray(0, length);
  reusable.add(buffer.buffer);
  return buffer;
}

/**
 * Hands back a buffer `takeReadBuffer` gave out (or a view of one) that nothing refers to any
 * more; any other buffer is ignored.
 */
export function releaseReadBuffer(buffer: Uint8Array): void {
  const store = buffer.buffer;
  if (!reusable.has(store) || spare.length >= MAX_SPARE_BUFFERS || spare.includes(store)) return;
  spare.push(store);
}
