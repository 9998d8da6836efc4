// Raw-protocol helpers for the SASL handler tests: a RawClient on a named listener of the
// secure test broker, and the SASL requests at any version.
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { SaslHandshakeRequest } from '../../../protocol/generated/message/sasl-handshake-request.js';
import { SaslHandshakeResponse } from '../../../protocol/generated/message/sasl-handshake-response.js';
import { SaslAuthenticateRequest } from '../../../protocol/generated/message/sasl-authenticate-request.js';
import { SaslAuthenticateResponse } from '../../../protocol/generated/message/sasl-authenticate-response.js';
import { MetadataRequest } from '../../../protocol/generated/message/metadata-request.js';
import { MetadataResponse } from '../../../protocol/generated/message/metadata-response.js';
import { CLOSED, RawClient } from '../broker/raw-client.js';
import type { SecureBroker } from './secure-broker.js';

export { CLOSED, RawClient };

export function rawClientOn(secure: SecureBroker, listener: string): Promise<RawClient> {
  return RawClient.connect(secure.broker.broker.endpoint(listener).port);
}

export const plainToken = (user: string, password: string): Buffer => Buffer.from(`\u0000${user}\u0000${password}`);

export function handshake(client: RawClient, mechanism: string, version = 1): Promise<SaslHandshakeResponse> {
  return client.request(ApiKey.SaslHandshake, version, SaslHandshakeRequest, { mechanism }, SaslHandshakeResponse);
}

export function authenticate(client: RawClient, authBytes: Buffer, version = 2): Promise<SaslAuthenticateResponse> {
  return client.request(ApiKey.SaslAuthenticate, version, SaslAuthenticateRequest, { authBytes }, SaslAuthenticateResponse);
}

/** A raw SASL token after handshake v0: size-prefixed bytes out, the size-prefixed answer (or CLOSED) back. */
export async function rawToken(client: RawClient, token: Buffer): Promise<Buffer | typeof CLOSED> {
  const frame = Buffer.alloc(4 + token.length);
  frame.writeInt32BE(token.length, 0);
  token.copy(frame, 4);
  client.write(frame);
  return client.next();
}

/** A Metadata request: answered only on an authenticated connection. */
export function metadata(client: RawClient): Promise<MetadataResponse> {
  return client.request(ApiKey.Metadata, 12, MetadataRequest, { ...MetadataRequest.defaults(), topics: [] }, MetadataResponse);
}
