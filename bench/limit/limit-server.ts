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

const [mode, ...files] = process.argv.slice(2);
if ((mode !== 'append' && mode !== 'stream') || files.length === 0) {
  process.stderr.write('usage: limit-server.ts append <file> | stream <file>...\n');
  process.exit(2);
}

const ACK = Buffer.from([0, 0, 0, 0]);

function serveAppend(socket: Socket, fd: number): void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    pending.push(chunk);
    pendingBytes += chunk.length;
    let acks = 0;
    // Frames are large (a Produce request's worth); join chunks only when a frame is complete.
    while (pendingBytes >= 4) {
      const head = pending[0]!.length >= 4 ? pending[0]! : Buffer.concat(pending);
      const size = head.readInt32BE(0);
      if (pendingBytes < 4 + size) break;
      const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      // Page-cache write, as a broker with acks=1 does; no fsync (Kafka's default flush policy).
      writeSync(fd, all, 4, size);
      const rest = all.subarray(4 + size);
      pending = rest.length > 0 ? [rest] : [];
      pendingBytes = rest.length;
      acks++;
    }
    if (acks === 1) socket.write(ACK);
    else if (acks > 1) socket.write(Buffer.alloc(4 * acks));
  });
  socket.on('error', () => socket.destroy());
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
const server = createServer((socket) => (mode === 'append' ? serveAppend(socket, fd) : serveStream(socket, files)));
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`limit: listening on 127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
});
const stop = (): void => {
  server.close();
  if (fd >= 0) closeSync(fd);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
