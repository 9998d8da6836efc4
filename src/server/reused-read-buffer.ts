// Plain TCP connections read into one buffer, shared and reused for every read, instead of the fresh
// 64 KiB buffer Node allocates per read. Those buffers live outside V8's heap and die young, but
// V8 frees them only at a full mark-compact, which it starts when their total grows past its
// external-memory limit: at 190 MB/s of produce traffic that was a mark-compact every ~180 ms,
// whose pauses (1–5 ms, longer on a busy machine) were the produce p99 (bench/FINDINGS.md).
//
// Node 20 offers `onread` (a caller-owned read buffer) only to sockets it does not accept itself,
// so the listener accepts with `pauseOnConnect` and the accepted handle moves into a socket made
// with `onread` before its first read. Chunks handed to `onChunk` are views of the reused buffer,
// valid only during the call: the frame reader copies what it keeps. TLS sockets keep Node's
// own reads (the TLS layer decrypts into buffers of its own).
import { Socket, type SocketConstructorOpts } from 'node:net';

/**
 * One buffer for every connection's reads. A read lands in it and is handed to that connection's
 * callback synchronously (libuv allocates, reads and calls back in one step on the one JS thread),
 * so connections cannot see each other's bytes, and the buffer costs its memory once rather than
 * 64 KiB per connection (6.4 MB for 100 producers). Shared, its size is nearly free, so it is
 * 1 MiB: a 1 MB Produce request arrives in one or two reads instead of sixteen. That halved the
 * bare append server's CPU per MB in bench/limit; Sluice's raw produce stayed within noise
 * (1.83–2.00 GB/s with 64 KiB, 1.72–1.89 with 1 MiB, three runs each), its cost being the frame
 * copy, CRC-32C and the page-cache write. Pages the kernel never writes into are never resident.
 */
const SHARED_READ_BUFFER_BYTES = 1 << 20;
let sharedReadBuffer: Buffer | undefined;

interface SocketInternals {
  _handle?: object | null;
}

/**
 * Takes over the handle of a socket accepted with `pauseOnConnect` and returns a socket that
 * reads into a reused buffer, calling `onChunk` with each read. If the handle cannot be taken
 * (not a paused TCP socket), returns the same socket, still paused, for the caller to resume.
 */
export function readIntoReusedBuffer(paused: Socket, onChunk: (chunk: Buffer) => void): Socket {
  const internals = paused as unknown as SocketInternals;
  const handle = internals._handle;
  if (handle === undefined || handle === null || paused.destroyed) return paused;
  // The server counts the accepted socket until it closes: close it without its handle.
  internals._handle = null;
  paused.destroy();
  const buffer = (sharedReadBuffer ??= Buffer.allocUnsafeSlow(SHARED_READ_BUFFER_BYTES));
  const options = {
    handle,
    onread: {
      buffer,
      callback: (bytesRead: number, into: Uint8Array): boolean => {
        onChunk(Buffer.from(into.buffer, into.byteOffset, bytesRead));
        return true;
      },
    },
  } as SocketConstructorOpts;
  return new Socket(options);
}
