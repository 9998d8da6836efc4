import type { Logger } from 'pino';

/** The client side of a request, as handlers see it (the server's ConnectionInfo satisfies it). */
export interface ClientConnection {
  readonly id: string;
  readonly listenerName: string;
  readonly securityProtocol: string;
  readonly remoteAddress: string;
  readonly log: Logger;
  /** On an SSL listener, the principal of a verified client certificate (`User:<subject DN>`). */
  readonly certificatePrincipal?: string;
}

export interface RequestContext {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly connection: ClientConnection;
  /** Kafka principal, e.g. `User:ANONYMOUS` on a PLAINTEXT listener. */
  readonly principal: string;
  readonly log: Logger;
}

/** Returned by a handler when Kafka sends no response (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('no-response');
export type NoResponse = typeof NO_RESPONSE;

/** Returned when Kafka answers by closing the connection (a failed acks=0 produce). */
export const CLOSE_CONNECTION: unique symbol = Symbol('close-connection');
export type CloseConnection = typeof CLOSE_CONNECTION;

/**
 * One API key's behaviour. A handler declares the versions it serves; the registry builds the
 * ApiVersions answer from these declarations, so advertising and serving cannot drift apart.
 */
export interface ApiHandler<Req = unknown, Res = unknown> {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(request: Req, context: RequestContext): Promise<Res | NoResponse | CloseConnection> | Res | NoResponse | CloseConnection;
}
