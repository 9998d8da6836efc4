// Sits in front of the request dispatcher on SASL listeners: until a connection has
// authenticated only ApiVersions, SaslHandshake and SaslAuthenticate reach the handlers (Kafka
// closes the connection on anything else), the raw tokens that follow a v0 handshake are
// answered here (they are not Kafka requests), and a failed exchange closes the connection once
// its answer is written.
import { ApiKey } from '../../protocol/generated/api-keys.js';
import type { ConnectionInfo, DispatchResult, RequestDispatcher } from '../server/types.js';
import type { SaslAuthenticator } from './sasl-authenticator.js';

const BEFORE_HANDSHAKE: ReadonlySet<number> = new Set([ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate]);
const DURING_EXCHANGE: ReadonlySet<number> = new Set([ApiKey.SaslAuthenticate]);

export class SaslGate implements RequestDispatcher {
  constructor(
    private readonly inner: RequestDispatcher,
    private readonly authenticator: SaslAuthenticator,
  ) {}

  async dispatch(frame: Buffer, connection: ConnectionInfo): Promise<DispatchResult> {
    const auth = this.authenticator;
    if (!auth.requiresAuthentication(connection)) return this.inner.dispatch(frame, connection);
    const stage = auth.stage(connection);
    if (stage === 'raw') return this.rawToken(frame, connection);
    // Shorter frames are malformed; the dispatcher closes the connection with its own log line.
    const apiKey = frame.length >= 2 ? frame.readInt16BE(0) : -1;
    if (stage === 'authenticated') {
      if (auth.expired(connection) && apiKey !== ApiKey.SaslHandshake) {
        connection.log.info({ apiKey }, 'closing connection: SASL session expired without re-authentication (connections.max.reauth.ms)');
        return { response: null, close: true };
      }
    } else {
      const allowed = stage === 'handshake' ? BEFORE_HANDSHAKE : DURING_EXCHANGE;
      if (apiKey >= 0 && !allowed.has(apiKey)) {
        connection.log.warn({ apiKey, stage }, 'closing connection: request before SASL authentication completed');
        return { response: null, close: true };
      }
    }
    const result = await this.inner.dispatch(frame, connection);
    const after = auth.stage(connection);
    if (after === 'failed') return { response: result.response, close: true };
    if (after === 'authenticated' && stage !== 'authenticated') connection.authenticated?.();
    return result;
  }

  /** A token after SaslHandshake v0: answered with the size-prefixed challenge, or the connection closes. */
  private rawToken(token: Buffer, connection: ConnectionInfo): DispatchResult {
    const outcome = this.authenticator.authenticate(connection, token, null);
    if (outcome.errorCode !== 0) {
      // A v0 client has no frame to receive an error in: Kafka just closes.
      connection.log.info({ reason: outcome.errorMessage }, 'closing connection: SASL authentication failed');
      return { response: null, close: true };
    }
    if (this.authenticator.stage(connection) === 'authenticated') connection.authenticated?.();
    const response = Buffer.allocUnsafe(4 + outcome.authBytes.length);
    response.writeInt32BE(outcome.authBytes.length, 0);
    outcome.authBytes.copy(response, 4);
    return { response };
  }

  connectionClosed(connection: ConnectionInfo): void {
    this.authenticator.connectionClosed(connection.id);
    this.inner.connectionClosed?.(connection);
  }
}
