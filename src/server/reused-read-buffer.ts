// Plain TCP connections read into one buffer each, reused for every read, instead of the fresh
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

/** As large as libuv's suggested read size, so a read returns what one did before. */
const READ_BUFFER_BYTES = 64 * 1024;

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
  const buffer = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
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
