// A TCP proxy that records every Kafka frame passing through it, in both directions, so
// golden request frames come from real clients rather than from hand-written bytes.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { FrameReader } from '../../src/server/frame-reader.js';

export interface RecordedFrame {
  readonly connection: number;
  readonly direction: 'request' | 'response';
  /** The frame without its 4-byte size prefix. */
  readonly bytes: Buffer;
}

export interface RecordingProxy {
  readonly port: number;
  readonly frames: RecordedFrame[];
  /** Where to forward; set before clients connect. */
  upstreamPort: number;
  stop(): Promise<void>;
}

export async function startRecordingProxy(upstreamPort = 0): Promise<RecordingProxy> {
  const frames: RecordedFrame[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const proxy: RecordingProxy = { port: 0, frames, upstreamPort, stop: async () => {} };
  const server: Server = createServer((client) => {
    const id = connections++;
    const upstream = connect({ host: '127.0.0.1', port: proxy.upstreamPort });
    sockets.add(client).add(upstream);
    const requests = new FrameReader(1 << 30);
    const responses = new FrameReader(1 << 30);
    client.on('data', (chunk) => {
      for (const frame of requests.push(chunk)) frames.push({ connection: id, direction: 'request', bytes: Buffer.from(frame) });
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      for (const frame of responses.push(chunk)) frames.push({ connection: id, direction: 'response', bytes: Buffer.from(frame) });
      client.write(chunk);
    });
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  (proxy as { port: number }).port = typeof address === 'object' && address !== null ? address.port : 0;
  proxy.stop = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return proxy;
}
