import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, TLSSocket, type TlsOptions } from 'node:tls';
import type { Logger } from 'pino';
import { Connection } from './connection.js';
import { readIntoReusedBuffer } from './reused-read-buffer.js';
import type { ConnectionInfo, RequestDispatcher } from './types.js';

export interface ListenerConfig {
  readonly name: string;
  /** Host to bind; 'localhost' or empty binds both IPv4 and IPv6 loopback, '0.0.0.0'/'::' everything. */
  readonly host: string;
  readonly port: number;
  readonly securityProtocol: ConnectionInfo['securityProtocol'];
  /** TLS server options for SSL and SASL_SSL listeners (src/security/listener-config.ts builds them). */
  readonly tls?: TlsOptions;
  /** SASL listeners: the largest frame before authentication (sasl.server.max.receive.size). */
  readonly preAuthMaxFrameBytes?: number;
}

export interface BoundListener extends ListenerConfig {
  /** The port actually bound (differs from `port` when 0 was asked). */
  readonly boundPort: number;
}

export interface SocketServerOptions {
  readonly listeners: readonly ListenerConfig[];
  readonly dispatcher: RequestDispatcher;
  /** socket.request.max.bytes */
  readonly maxFrameBytes: number;
  readonly log: Logger;
}

/** Binding hosts for a listener host: librdkafka may resolve `localhost` to ::1, so bind both families. */
function bindHosts(host: string): string[] {
  if (host === '' || host === 'localhost') return ['127.0.0.1', '::1'];
  return [host];
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true, ipv6Only: host.includes(':') && host !== '::' }, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/**
 * Kafka's default principal for an SSL listener: `User:` and the verified client certificate's
 * subject as Java's X500Principal.getName() writes it (RFC 2253: most specific attribute first,
 * comma-separated, special characters escaped), e.g. `User:CN=writer,O=Example`. Without a
 * certificate (or on SASL_SSL, where SASL names the principal) there is none.
 */
export function certificatePrincipalOf(socket: Socket, listener: ListenerConfig): { certificatePrincipal?: string } {
  if (listener.securityProtocol !== 'SSL' || !(socket instanceof TLSSocket) || !socket.authorized) return {};
  const raw = socket.getPeerX509Certificate?.();
  if (raw === undefined) return {};
  return { certificatePrincipal: `User:${rfc2253(raw.subject)}` };
}

/**
 * Node's subject is one `type=value` per line in certificate order, values already escaped as
 * RFC 2253 asks (`O=A\, B`); RFC 2253 lists the attributes in reverse, comma-separated.
 */
export function rfc2253(subject: string): string {
  return subject
    .split('\n')
    .filter((line) => line !== '')
    .reverse()
    .join(',');
}

/** Accepts TCP connections on the configured listeners and hands each to a Connection. */
export class SocketServer {
  private readonly servers: Server[] = [];
  private readonly connections = new Set<Connection>();
  private nextConnectionId = 0;
  bound: BoundListener[] = [];

  constructor(private readonly options: SocketServerOptions) {}

  async start(): Promise<BoundListener[]> {
    for (const listener of this.options.listeners) {
      let port = listener.port;
      const hosts = bindHosts(listener.host);
      for (const [index, host] of hosts.entries()) {
        const server = listener.tls === undefined ? createServer({ noDelay: true, pauseOnConnect: true }, (paused) => this.acceptTcp(paused, listener)) : this.tlsServer(listener, listener.tls);
        try {
          port = await listen(server, host, port);
          this.servers.push(server);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          // A machine without IPv6 loopback still serves IPv4; anything else is fatal.
          if (index > 0 && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) {
            this.options.log.warn({ host }, 'IPv6 loopback unavailable; listening on IPv4 only');
            continue;
          }
          throw error;
        }
      }
      this.bound.push({ ...listener, boundPort: port });
    }
    return this.bound;
  }

  /**
   * A TLS listener: connections reach accept() once the handshake is done. A client that sends
   * something other than a TLS handshake (a PLAINTEXT client on the wrong port, say) is logged
   * and dropped by Node; with ssl.client.auth=requested a certificate that was presented but is
   * not trusted is refused here, as Java's TLS does.
   */
  private tlsServer(listener: ListenerConfig, options: TlsOptions): Server {
    const server = createTlsServer({ ...options, noDelay: true }, (socket: TLSSocket) => {
      if (options.requestCert && !socket.authorized && Object.keys(socket.getPeerCertificate()).length > 0) {
        this.options.log.warn({ listener: listener.name, remote: `${socket.remoteAddress}:${socket.remotePort}`, reason: String(socket.authorizationError) }, 'closing connection: untrusted client certificate');
        socket.destroy();
        return;
      }
      this.accept(socket, listener);
    });
    server.on('tlsClientError', (error, socket) => {
      this.options.log.warn({ listener: listener.name, remote: `${socket.remoteAddress}:${socket.remotePort}`, reason: error.message }, 'closing connection: TLS handshake failed');
    });
    return server;
  }

  /** A plain TCP connection, moved to a socket that reads into a reused buffer (see reused-read-buffer.ts). */
  private acceptTcp(paused: Socket, listener: ListenerConfig): void {
    // Reads start on the next turn of the event loop at the earliest, by when the connection exists.
    const target: { connection?: Connection } = {};
    const socket = readIntoReusedBuffer(paused, (chunk) => target.connection?.receive(chunk, true));
    target.connection = this.accept(socket, listener);
    if (socket === paused) paused.resume();
  }

  private accept(socket: Socket, listener: ListenerConfig): Connection {
    const id = `${listener.name}-${this.nextConnectionId++}`;
    const maxFrameBytes = this.options.maxFrameBytes;
    // Before SASL authentication a client may not make the broker buffer a large frame.
    const preAuth = listener.preAuthMaxFrameBytes;
    const info: ConnectionInfo = {
      id,
      listenerName: listener.name,
      securityProtocol: listener.securityProtocol,
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      log: this.options.log.child({ conn: id, remote: `${socket.remoteAddress}:${socket.remotePort}` }),
      ...certificatePrincipalOf(socket, listener),
      ...(preAuth !== undefined ? { authenticated: () => connection.setMaxFrameBytes(maxFrameBytes) } : {}),
    };
    socket.setNoDelay(true);
    const connection = new Connection(socket, info, this.options.dispatcher, preAuth === undefined ? maxFrameBytes : Math.min(preAuth, maxFrameBytes), (c) =>
      this.connections.delete(c),
    );
    this.connections.add(connection);
    return connection;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async stop(): Promise<void> {
    const closing = this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    for (const connection of [...this.connections]) connection.destroy();
    await Promise.all(closing);
  }
}
