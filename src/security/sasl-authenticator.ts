// Per-connection SASL state for SASL_PLAINTEXT and SASL_SSL listeners, as Kafka's
// SaslServerAuthenticator keeps it: ApiVersions and SaslHandshake first, then either
// SaslAuthenticate requests (handshake v1) or raw length-prefixed tokens (handshake v0), then
// the connection is authenticated. The SASL handlers and the SaslGate drive it; it does no I/O.
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { PlainServer } from './plain.js';
import { ScramServer } from './scram.js';
import {
  SaslAuthenticationError,
  type ListenerSaslConfig,
  type SaslServer,
  type ScramCredentialSource,
} from './types.js';

/** The connection facts the authenticator needs (the server's ConnectionInfo has them). */
export interface SaslConnection {
  readonly id: string;
  readonly listenerName: string;
  readonly securityProtocol: string;
}

export type SaslStage =
  /** Before SaslHandshake: ApiVersions and SaslHandshake are accepted. */
  | 'handshake'
  /** After SaslHandshake v1: SaslAuthenticate requests carry the tokens. */
  | 'authenticate'
  /** After SaslHandshake v0: the next frames are raw SASL tokens, not Kafka requests. */
  | 'raw'
  | 'authenticated'
  /** The exchange failed; the connection closes once the answer is written. */
  | 'failed';

interface Session {
  stage: SaslStage;
  server: SaslServer | undefined;
  /** The principal of the last successful authentication (`User:<name>`). */
  principal: string | null;
  /** When the session expires (ms since epoch); 0 when it does not (connections.max.reauth.ms 0, or an old client). */
  expiresAtMs: number;
}

export interface HandshakeOutcome {
  readonly errorCode: number;
  readonly mechanisms: readonly string[];
}

export interface AuthenticateOutcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly authBytes: Buffer;
  readonly sessionLifetimeMs: bigint;
}

export interface SaslAuthenticatorOptions {
  /** SASL settings of each SASL listener, by listener name. */
  readonly listeners: ReadonlyMap<string, ListenerSaslConfig>;
  readonly scramCredentials: ScramCredentialSource;
  readonly nowMs?: () => number;
  /** Server nonces for SCRAM (tests); random by default. */
  readonly scramNonce?: () => string;
}

const isSaslProtocol = (protocol: string): boolean => protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';

export class SaslAuthenticator {
  private readonly sessions = new Map<string, Session>();
  private readonly nowMs: () => number;

  constructor(private readonly options: SaslAuthenticatorOptions) {
    this.nowMs = options.nowMs ?? Date.now;
  }

  /** Whether requests on this connection must wait for authentication. */
  requiresAuthentication(connection: SaslConnection): boolean {
    return isSaslProtocol(connection.securityProtocol) && this.options.listeners.has(connection.listenerName);
  }

  private session(connection: SaslConnection): Session {
    let session = this.sessions.get(connection.id);
    if (session === undefined) {
      session = { stage: 'handshake', server: undefined, principal: null, expiresAtMs: 0 };
      this.sessions.set(connection.id, session);
    }
    return session;
  }

  stage(connection: SaslConnection): SaslStage {
    return this.session(connection).stage;
  }

  /** `User:<name>` once authenticated, else null. */
  principal(connection: SaslConnection): string | null {
    const session = this.sessions.get(connection.id);
    return session?.stage === 'authenticated' ? session.principal : null;
  }

  /** True when an authenticated session has outlived its lifetime and must re-authenticate before anything else. */
  expired(connection: SaslConnection): boolean {
    const session = this.sessions.get(connection.id);
    return session !== undefined && session.expiresAtMs > 0 && this.nowMs() >= session.expiresAtMs;
  }

  enabledMechanisms(connection: SaslConnection): readonly string[] {
    return this.options.listeners.get(connection.listenerName)?.enabledMechanisms ?? [];
  }

  /**
   * SaslHandshake: picks the mechanism. Accepted before authentication and, from an authenticated
   * client at v1, to start a KIP-368 re-authentication.
   */
  handshake(connection: SaslConnection, mechanism: string, version: number): HandshakeOutcome {
    const config = this.options.listeners.get(connection.listenerName);
    if (!this.requiresAuthentication(connection) || config === undefined) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
    const session = this.session(connection);
    const reauthenticating = session.stage === 'authenticated' && version >= 1;
    if (session.stage !== 'handshake' && !reauthenticating) {
      session.stage = 'failed';
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
    }
    const enabled = config.enabledMechanisms;
    const server = (enabled as readonly string[]).includes(mechanism) ? this.serverFor(mechanism, config) : undefined;
    if (server === undefined) {
      session.stage = 'failed';
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: [...enabled] };
    }
    session.server = server;
    session.stage = version >= 1 ? 'authenticate' : 'raw';
    return { errorCode: ErrorCode.NONE, mechanisms: [...enabled] };
  }

  private serverFor(mechanism: string, config: ListenerSaslConfig): SaslServer | undefined {
    if (mechanism === 'PLAIN') return new PlainServer(config.plainUsers);
    if (mechanism === 'SCRAM-SHA-256' || mechanism === 'SCRAM-SHA-512') {
      return new ScramServer({
        mechanism,
        credentials: this.options.scramCredentials,
        ...(this.options.scramNonce ? { serverNonce: this.options.scramNonce } : {}),
      });
    }
    return undefined;
  }

  /**
   * One token of the exchange, from SaslAuthenticate (`version` is its version) or a raw frame
   * after handshake v0 (`version` null). A failure leaves the session failed: the caller answers,
   * then closes the connection.
   */
  authenticate(connection: SaslConnection, token: Buffer, version: number | null): AuthenticateOutcome {
    const failure = (errorCode: number, errorMessage: string): AuthenticateOutcome => {
      const session = this.sessions.get(connection.id);
      if (session !== undefined) session.stage = 'failed';
      return { errorCode, errorMessage, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n };
    };
    if (!this.requiresAuthentication(connection)) {
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SaslAuthenticate request received on a listener without SASL', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n };
    }
    const session = this.session(connection);
    const expected = version === null ? 'raw' : 'authenticate';
    if (session.stage !== expected || session.server === undefined) {
      return failure(ErrorCode.ILLEGAL_SASL_STATE, `Unexpected SASL token in state ${session.stage}; send SaslHandshake first`);
    }
    const server = session.server;
    let challenge: Buffer;
    try {
      challenge = server.evaluate(token);
    } catch (error) {
      if (error instanceof SaslAuthenticationError) return failure(ErrorCode.SASL_AUTHENTICATION_FAILED, error.message);
      throw error;
    }
    if (!server.complete) return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: challenge, sessionLifetimeMs: 0n };
    const principal = `User:${server.authorizationId ?? ''}`;
    if (session.principal !== null && session.principal !== principal) {
      return failure(ErrorCode.SASL_AUTHENTICATION_FAILED, 'Cannot change principals during re-authentication');
    }
    session.principal = principal;
    session.server = undefined;
    session.stage = 'authenticated';
    // Only a client that reads session_lifetime_ms (SaslAuthenticate v1+) can re-authenticate in time.
    const lifetimeMs = version !== null && version >= 1 ? this.options.listeners.get(connection.listenerName)?.maxReauthMs ?? 0 : 0;
    session.expiresAtMs = lifetimeMs > 0 ? this.nowMs() + lifetimeMs : 0;
    return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: challenge, sessionLifetimeMs: BigInt(lifetimeMs) };
  }

  connectionClosed(connectionId: string): void {
    this.sessions.delete(connectionId);
  }
}
