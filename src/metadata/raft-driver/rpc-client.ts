// A minimal Kafka client connection for node-to-node RPCs (quorum traffic, broker
// registration and heartbeats): one TCP connection, requests pipelined and matched to
// responses by correlation id. A broken connection fails every request in flight and the
// next request reconnects; callers own retries (Raft resends on its own timers).
//
// Every request has a deadline (Kafka's request.timeout.ms, 30 s unless the caller says):
// behind a network partition no RST ever comes, and without one a request to an unreachable
// node — and everything pipelined behind it — would wait for TCP to give up, many minutes.
// A request that times out closes the connection (as Kafka's NetworkClient does), failing
// the others in flight with it; the next request dials again.
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
  timer: NodeJS.Timeout;
}

/** Kafka's request.timeout.ms default. */
export const DEFAULT_RPC_TIMEOUT_MS = 30_000;

export class RpcTimeoutError extends Error {
  override readonly name = 'RpcTimeoutError';
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
    private readonly requestTimeoutMs = DEFAULT_RPC_TIMEOUT_MS,
  ) {}

  request<Req, Res>(
    apiKey: number,
    apiVersion: number,
    requestCodec: MessageCodec<Req>,
    body: Req,
    responseCodec: MessageCodec<Res>,
    timeoutMs = this.requestTimeoutMs,
  ): Promise<Res> {
    if (this.closed) return Promise.reject(new Error('client closed'));
    const correlationId = this.nextCorrelationId++;
    if (this.nextCorrelationId > 0x7fffffff) this.nextCorrelationId = 1;
    const frame = encodeRequestFrame(apiKey, apiVersion, correlationId, this.clientId, requestCodec, body);
    return new Promise<Res>((resolve, reject) => {
      const socket = this.ensureSocket();
      const timer = setTimeout(() => {
        if (!this.pending.delete(correlationId)) return;
        reject(new RpcTimeoutError(`request (api ${apiKey}) to ${this.host}:${this.port} timed out after ${timeoutMs} ms`));
        socket.destroy();
      }, timeoutMs);
      timer.unref();
      this.pending.set(correlationId, {
        apiKey,
        apiVersion,
        codec: responseCodec as MessageCodec<unknown>,
        resolve: resolve as (b: unknown) => void,
        reject,
        timer,
      });
      socket.write(frame);
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
      clearTimeout(pending.timer);
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
    for (const p of failed) {
      clearTimeout(p.timer);
      p.reject(new Error(`connection to ${this.host}:${this.port} closed`));
    }
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
  }
}
