// The physical limit Sluice is compared with: the least a Node process must do to take produce
// bytes off a socket into a file, and to stream a file back onto a socket. No protocol, no
// parsing beyond a length prefix, no index, no copies it can avoid.
//
//   tsx bench/limit/limit-server.ts append <file>           frames [int32 length][payload] are
//                                                           appended to <file>; each answered by 4 bytes
//   tsx bench/limit/limit-server.ts stream <file> [<file>…]  each connection gets the files, then EOF
//
// Prints `limit: listening on 127.0.0.1:<port>` when ready; stops on SIGTERM or when its parent
// closes stdin, so a crashed benchmark does not leave it behind.
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { readIntoReusedBuffer } from '../../src/server/reused-read-buffer.js';
import { listenUntilStopped } from './listen.js';

const [mode, ...files] = process.argv.slice(2);
if ((mode !== 'append' && mode !== 'stream') || files.length === 0) {
  process.stderr.write('usage: limit-server.ts append <file> | stream <file>...\n');
  process.exit(2);
}

const ACK = Buffer.from([0, 0, 0, 0]);

// Frames are written to the file straight from the socket's reads, which land in one reused
// buffer (src/server/reused-read-buffer.ts): no frame is assembled, nothing is allocated per
// read. Node's own reads allocate a fresh 64 KiB buffer each, and joining them into frames was a
// copy per byte; with both, GC and the copy took ~40 % of this server's time, and Sluice (which
// reuses its read buffers) could pass a "limit" that did more work than it had to.
function serveAppend(paused: Socket, fd: number): void {
  const header = Buffer.alloc(4);
  let headerBytes = 0; // bytes of the current frame's length prefix received so far
  let payloadLeft = 0; // bytes of the current frame's payload still to come
  const socket = readIntoReusedBuffer(paused, (chunk) => {
    let acks = 0;
    let at = 0;
    while (at < chunk.length) {
      if (payloadLeft === 0) {
        const take = Math.min(4 - headerBytes, chunk.length - at);
        chunk.copy(header, headerBytes, at, at + take);
        headerBytes += take;
        at += take;
        if (headerBytes < 4) break;
        headerBytes = 0;
        payloadLeft = header.readInt32BE(0);
        if (payloadLeft === 0) acks++;
        continue;
      }
      const take = Math.min(payloadLeft, chunk.length - at);
      // Page-cache write, as a broker with acks=1 does; no fsync (Kafka's default flush policy).
      writeSync(fd, chunk, at, take);
      at += take;
      payloadLeft -= take;
      if (payloadLeft === 0) acks++;
    }
    if (acks === 1) socket.write(ACK);
    else if (acks > 1) socket.write(Buffer.alloc(4 * acks));
  });
  if (socket === paused) throw new Error('limit: could not read the accepted socket into a reused buffer');
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  socket.resume();
}

function serveStream(socket: Socket, paths: string[]): void {
  const next = (i: number): void => {
    if (i >= paths.length) {
      socket.end();
      return;
    }
    const stream = createReadStream(paths[i]!, { highWaterMark: 1 << 20 });
    stream.pipe(socket, { end: false });
    stream.once('end', () => next(i + 1));
  };
  socket.on('error', () => socket.destroy());
  next(0);
}

const fd = mode === 'append' ? openSync(files[0]!, 'a') : -1;
listenUntilStopped(
  createServer({ pauseOnConnect: mode === 'append' }, (socket) => (mode === 'append' ? serveAppend(socket, fd) : serveStream(socket, files))),
  () => fd >= 0 && closeSync(fd),
);
