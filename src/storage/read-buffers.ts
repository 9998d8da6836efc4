// Buffers for large segment reads (what a fetch sends), reused once the socket has written
// them, and for large request frames (a Produce request, reused once answered). A fresh 1 MB buffer per fetch cost ~2 ms per MB in page faults on this machine against
// 0.25 ms per MB to read into a buffer already mapped (bench/FINDINGS.md): most of the
// broker's CPU when serving a consumer. The server hands a buffer back only after the socket's
// write callback; one that is never handed back is garbage collected like any buffer.

/** Reads from this size on use reusable buffers. */
const REUSED_READ_MIN_BYTES = 64 * 1024;
/** Spare buffers kept for the whole process (each at most 2x the size it served). */
const MAX_SPARE_BUFFERS = 8;
/** And at most this many bytes of them (two spares for 8 MB fetches; eight for 1 MB ones). */
const MAX_SPARE_BYTES = 16 << 20;

const reusable = new WeakSet<ArrayBufferLike>();
/** Oldest first: a full pool makes room by dropping the buffers handed back longest ago. */
const spare: ArrayBufferLike[] = [];
let spareBytes = 0;

/** A buffer of exactly `length` bytes (contents undefined). */
export function takeReadBuffer(length: number): Buffer {
  if (length < REUSED_READ_MIN_BYTES) return Buffer.allocUnsafe(length);
  const i = spare.findIndex((store) => store.byteLength >= length && store.byteLength <= 2 * length);
  if (i >= 0) {
    const store = spare.splice(i, 1)[0]!;
    spareBytes -= store.byteLength;
    return Buffer.from(store, 0, length);
  }
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
  if (!reusable.has(store) || store.byteLength > MAX_SPARE_BYTES || spare.includes(store)) return;
  // The pool follows the load of the moment: once it held eight 1 MB Produce frames it turned
  // every 8 MB fetch buffer away, and each such fetch paid a fresh allocation, its page faults and
  // the GCs its external memory triggered (broker CPU per MB fetched 0.2 -> 1.1 ms, bench/FINDINGS.md).
  while (spare.length >= MAX_SPARE_BUFFERS || spareBytes + store.byteLength > MAX_SPARE_BYTES) spareBytes -= spare.shift()!.byteLength;
  spare.push(store);
  spareBytes += store.byteLength;
}
