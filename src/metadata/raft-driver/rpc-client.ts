// A minimal Kafka client connection for node-to-node RPCs (quorum traffic, broker
// registration and heartbeats): one TCP connection, requests pipelined and matched to
// responses by correlation id. A broken connection fails every request in flight and the
// next request reconnects; callers own retries (Raft resends on its own timers).
import { connect, type Socket } from 'node:net';
import type { MessageCodec } from '../../../protocol/runtime/index.js';
import { decodeResponseFrame, encodeRequestFrame } from '../../../protocol/frames.js';
import { FrameReader } from '../../server/frame-reader.js';

interface Pending {
  apiKey: number;
  apiVersion: number;
  codec: MessageCodec<unknown>;
  resolve: (body: unknown) => void;
  reject: (error: Error) => void;
}

const MAX_RESPONSE_BYTES = 100 * 1024 * 1024;

export class RpcClient {
  private socket: Socket | undefined;
  private reader = new FrameReader(MAX_RESPONSE_BYTES);
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private closed = false;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly clientId: string,
    private readonly connectTimeoutMs = 2000,
  ) {}

  request<Req, Res>(apiKey: number, apiVersion: number, requestCodec: MessageCodec<Req>, body: Req, responseCodec: MessageCodec<Res>): Promise<Res> {
    if (this.closed) return Promise.reject(new Error('client closed'));
    const correlationId = this.nextCorrelationId++;
    if (this.nextCorrelationId > 0x7fffffff) this.nextCorrelationId = 1;
    const frame = encodeRequestFrame(apiKey, apiVersion, correlationId, this.clientId, requestCodec, body);
    return new Promise<Res>((resolve, reject) => {
      this.pending.set(correlationId, { apiKey, apiVersion, codec: responseCodec as MessageCodec<unknown>, resolve: resolve as (b: unknown) => void, reject });
      this.ensureSocket().write(frame);
    });
  }

  private ensureSocket(): Socket {
    if (this.socket !== undefined) return this.socket;
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    socket.setTimeout(this.connectTimeoutMs, () => {
      if (socket.connecting) socket.destroy(new Error(`connect to ${this.host}:${this.port} timed out`));
    });
    socket.once('connect', () => socket.setTimeout(0));
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('error', () => undefined); // 'close' follows and fails what is in flight
    socket.on('close', () => this.onClose(socket));
    this.socket = socket;
    this.reader = new FrameReader(MAX_RESPONSE_BYTES);
    return socket;
  }

  private onData(socket: Socket, chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.reader.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const frame of frames) {
      const correlationId = frame.readInt32BE(0);
      const pending = this.pending.get(correlationId);
      if (pending === undefined) continue;
      this.pending.delete(correlationId);
      try {
        pending.resolve(decodeResponseFrame(frame, pending.apiKey, pending.apiVersion, pending.codec).body);
      } catch (error) {
        pending.reject(error as Error);
      }
    }
  }

  private onClose(socket: Socket): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    const failed = [...this.pending.values()];
    this.pending.clear();
    for (const p of failed) p.reject(new Error(`connection to ${this.host}:${this.port} closed`));
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
  }
}
