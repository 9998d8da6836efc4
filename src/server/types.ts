import type { Logger } from 'pino';

/** What the server knows about one client connection; handlers see it through the request context. */
export interface ConnectionInfo {
  readonly id: string;
  readonly listenerName: string;
  readonly securityProtocol: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly log: Logger;
  /** On an SSL listener, the principal of a verified client certificate (`User:<subject DN>`). */
  readonly certificatePrincipal?: string;
  /** Lifts the pre-authentication frame limit of a SASL listener (sasl.server.max.receive.size) to socket.request.max.bytes. */
  readonly authenticated?: () => void;
}

/** The answer to one request frame. */
export interface DispatchResult {
  /**
   * A whole response frame (size prefix included), or its pieces to write in order (a large
   * Fetch response with its records uncopied), or null when the request gets no response (acks=0).
   */
  readonly response: Buffer | readonly Buffer[] | null;
  /** Close the connection after writing `response` (Kafka's answer to some malformed requests). */
  readonly close?: boolean;
}

/** Turns one request frame (without its size prefix) into a response. Never rejects for bad input. */
export interface RequestDispatcher {
  dispatch(frame: Buffer, connection: ConnectionInfo): Promise<DispatchResult>;
  /** Called once when a connection closes, so per-connection state (fetch sessions, SASL) is dropped. */
  connectionClosed?(connection: ConnectionInfo): void;
}

/** A byte stream the server reads frames from: a net.Socket or a tls.TLSSocket, or an in-memory pair in tests. */
export interface FrameTransport {
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'close', listener: () => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'drain', listener: () => void): this;
  /** `callback` runs once the chunk has been handed to the kernel (or the write failed). */
  write(chunk: Buffer, callback?: (error?: Error | null) => void): boolean;
  /** Optional (net.Socket has both): writes between cork and uncork leave in one writev. */
  cork?(): void;
  uncork?(): void;
  pause(): this;
  resume(): this;
  destroy(error?: Error): this;
  end(): this;
}
