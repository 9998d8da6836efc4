// The plain TCP listener reads every connection into one shared, reused buffer: requests must
// come out whole and in order however the client's writes are cut and however connections'
// reads interleave, and a closing client must close the connection (the server's own accounting
// of the handle moved to another socket included).
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { SocketServer } from '../../../src/server/socket-server.js';
import type { RequestDispatcher } from '../../../src/server/types.js';

function frame(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

/** Answers each request with its own bytes reversed, after a tick (as real handlers await). */
const reverser: RequestDispatcher = {
  async dispatch(request) {
    await new Promise((resolve) => setImmediate(resolve));
    return { response: frame(Buffer.from(request).reverse()) };
  },
};

async function readFrames(socket: Socket, count: number): Promise<Buffer[]> {
  const frames: Buffer[] = [];
  let pending = Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const size = pending.readInt32BE(0);
        frames.push(pending.subarray(4, 4 + size));
        pending = pending.subarray(4 + size);
      }
      if (frames.length >= count) resolve(frames);
    });
  });
}

describe('reads into a reused buffer', () => {
  let server: SocketServer | undefined;
  afterEach(async () => {
    await server?.stop();
  });

  it('keeps every request intact while later reads overwrite the buffer, and closes with the client', async () => {
    server = new SocketServer({ listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }], dispatcher: reverser, maxFrameBytes: 4 << 20, log: pino({ level: 'silent' }) });
    const [bound] = await server.start();
    const client = connect(bound!.boundPort, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    // Small frames many to a write, and frames spanning several reads.
    const payloads = Array.from({ length: 200 }, (_, i) => Buffer.alloc(i % 7 === 0 ? 150_000 + i : 1 + i * 13, i));
    const stream = Buffer.concat(payloads.map(frame));
    const answers = readFrames(client, payloads.length);
    for (let at = 0; at < stream.length; at += 40_000) client.write(stream.subarray(at, at + 40_000));
    const got = await answers;
    expect(got.map((b) => Buffer.from(b).reverse().toString('hex'))).toEqual(payloads.map((p) => p.toString('hex')));
    expect(server.connectionCount).toBe(1);
    client.end();
    await expect.poll(() => server!.connectionCount, { timeout: 5_000 }).toBe(0);
  });

  it('keeps connections apart while they share the read buffer, with frames larger than it', async () => {
    server = new SocketServer({ listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }], dispatcher: reverser, maxFrameBytes: 4 << 20, log: pino({ level: 'silent' }) });
    const [bound] = await server.start();
    const clients = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const client = connect(bound!.boundPort, '127.0.0.1');
        await new Promise((resolve) => client.once('connect', resolve));
        return client;
      }),
    );
    // Each connection sends its own bytes (fill = connection and frame number), some frames past 1 MiB.
    const sent = clients.map((_, c) => Array.from({ length: 12 }, (_, i) => Buffer.alloc(i % 5 === 0 ? (1 << 20) + 4096 * (c + 1) : 300 + c * 1000 + i, c * 16 + i)));
    const answers = clients.map((client, c) => readFrames(client, sent[c]!.length));
    const streams = sent.map((payloads) => Buffer.concat(payloads.map(frame)));
    // Writes alternate between connections, so their reads interleave on the server.
    for (let at = 0; streams.some((stream) => at < stream.length); at += 96_000) clients.forEach((client, c) => at < streams[c]!.length && client.write(streams[c]!.subarray(at, at + 96_000)));
    const got = await Promise.all(answers);
    got.forEach((frames, c) => expect(frames.map((b) => Buffer.from(b).reverse().toString('hex'))).toEqual(sent[c]!.map((p) => p.toString('hex'))));
    for (const client of clients) client.end();
    await expect.poll(() => server!.connectionCount, { timeout: 5_000 }).toBe(0);
  });
});
