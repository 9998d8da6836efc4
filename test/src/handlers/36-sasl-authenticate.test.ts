import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { MetadataRequest } from '../../../protocol/generated/message/metadata-request.js';
import { MetadataResponse } from '../../../protocol/generated/message/metadata-response.js';
import { ZERO_UUID } from '../../../protocol/runtime/index.js';
import { encodeRequestFrame } from '../../../protocol/frames.js';
import { ApiVersionsRequest } from '../../../protocol/generated/message/api-versions-request.js';
import { ApiVersionsResponse } from '../../../protocol/generated/message/api-versions-response.js';
import { useSecureBroker, USERS } from '../security/secure-broker.js';
import { authenticate, CLOSED, handshake, metadata, plainToken, rawClientOn } from '../security/sasl-raw.js';
import { scramClient } from '../security/scram-client.js';

const broker = useSecureBroker({ 'listener.name.sasl_plaintext.connections.max.reauth.ms': '600000' });

describe.each([0, 1, 2])('SaslAuthenticate v%i', (version) => {
  const lifetime = version >= 1 ? 600_000n : 0n;

  it('authenticates PLAIN, reports the session lifetime, then serves requests', async () => {
    const client = await rawClientOn(broker.current, 'SASL_PLAINTEXT');
    await handshake(client, 'PLAIN');
    const response = await authenticate(client, plainToken('alice', USERS.alice), version);
    expect(response).toMatchObject({ errorCode: ErrorCode.NONE, errorMessage: null, sessionLifetimeMs: lifetime });
    expect((await metadata(client)).brokers).toHaveLength(1);
    client.close();
  });

  it.each(['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('runs a whole %s exchange and returns the server signature', async (mechanism) => {
    const client = await rawClientOn(broker.current, 'SASL_PLAINTEXT');
    await handshake(client, mechanism);
    const scram = scramClient(mechanism, 'bob', USERS.bob);
    const first = await authenticate(client, scram.first(), version);
    expect(first.errorCode).toBe(ErrorCode.NONE);
    const final = await authenticate(client, scram.final(first.authBytes), version);
    expect(final).toMatchObject({ errorCode: ErrorCode.NONE, sessionLifetimeMs: lifetime });
    expect(scram.verify(final.authBytes)).toBe(true);
    expect((await metadata(client)).brokers).toHaveLength(1);
    client.close();
  });

  it.each([
    ['a wrong PLAIN password', 'PLAIN', plainToken('alice', 'nope'), 'Authentication failed: Invalid username or password'],
    ['an unknown PLAIN user', 'PLAIN', plainToken('mallory', 'x'), 'Authentication failed: Invalid username or password'],
    ['an unknown SCRAM user', 'SCRAM-SHA-256', Buffer.from('n,,n=mallory,r=abcdef'), 'Authentication failed: Invalid user credentials'],
    ['a malformed SCRAM message', 'SCRAM-SHA-512', Buffer.from('garbage'), 'Invalid SCRAM client first message: malformed client-first message'],
  ])('answers SASL_AUTHENTICATION_FAILED for %s, then closes', async (_why, mechanism, token, message) => {
    const client = await rawClientOn(broker.current, 'SASL_PLAINTEXT');
    await handshake(client, mechanism);
    const response = await authenticate(client, token, version);
    expect(response).toMatchObject({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: message });
    expect(await client.next()).toBe(CLOSED);
  });

  it('a wrong SCRAM password fails at the proof', async () => {
    const client = await rawClientOn(broker.current, 'SASL_PLAINTEXT');
    await handshake(client, 'SCRAM-SHA-512');
    const scram = scramClient('SCRAM-SHA-512', 'bob', 'not-bobs');
    const first = await authenticate(client, scram.first(), version);
    const final = await authenticate(client, scram.final(first.authBytes), version);
    expect(final).toMatchObject({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: 'Authentication failed: Invalid user credentials' });
    expect(await client.next()).toBe(CLOSED);
  });

  it('before SaslHandshake answers ILLEGAL_SASL_STATE, then closes', async () => {
    const client = await rawClientOn(broker.current, 'SASL_PLAINTEXT');
    expect((await authenticate(client, plainToken('alice', USERS.alice), version)).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    expect(await client.next()).toBe(CLOSED);
  });
});

describe('re-authentication (KIP-368)', () => {
  it('an authenticated connection re-authenticates as the same user with handshake v1 and keeps being served', async () => {
    const client = await rawClientOn(broker.current, 'SASL_PLAINTEXT');
    await handshake(client, 'PLAIN');
    expect((await authenticate(client, plainToken('alice', USERS.alice))).sessionLifetimeMs).toBe(600_000n);
    expect((await metadata(client)).brokers).toHaveLength(1);
    await handshake(client, 'SCRAM-SHA-256');
    const scram = scramClient('SCRAM-SHA-256', 'alice', USERS.alice);
    const first = await authenticate(client, scram.first());
    expect(await authenticate(client, scram.final(first.authBytes))).toMatchObject({ errorCode: ErrorCode.NONE, sessionLifetimeMs: 600_000n });
    expect((await metadata(client)).brokers).toHaveLength(1);
    client.close();
  });

  it('refuses a re-authentication as another user and closes', async () => {
    const client = await rawClientOn(broker.current, 'SASL_PLAINTEXT');
    await handshake(client, 'PLAIN');
    await authenticate(client, plainToken('alice', USERS.alice));
    await handshake(client, 'PLAIN');
    expect((await authenticate(client, plainToken('bob', USERS.bob))).errorMessage).toBe('Cannot change principals during re-authentication');
    expect(await client.next()).toBe(CLOSED);
  });
});

describe('before authentication', () => {
  it('ApiVersions is answered and lists the SASL APIs', async () => {
    const client = await rawClientOn(broker.current, 'SASL_PLAINTEXT');
    const response = await client.request(ApiKey.ApiVersions, 3, ApiVersionsRequest, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' }, ApiVersionsResponse);
    const keys = new Map(response.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    expect(keys.get(ApiKey.SaslHandshake)).toEqual([0, 1]);
    expect(keys.get(ApiKey.SaslAuthenticate)).toEqual([0, 2]);
    client.close();
  });

  it('any other request closes the connection, and the broker goes on serving', async () => {
    const client = await rawClientOn(broker.current, 'SASL_PLAINTEXT');
    await expect(metadata(client)).rejects.toThrow('connection closed');
    const after = await rawClientOn(broker.current, 'SASL_PLAINTEXT');
    await handshake(after, 'PLAIN');
    await authenticate(after, plainToken('alice', USERS.alice));
    expect((await metadata(after)).brokers).toHaveLength(1);
    after.close();
  });

  it('a frame larger than sasl.server.max.receive.size closes the connection; once authenticated the same size is served', async () => {
    // An ApiVersions request (allowed before authentication, and answered on a PLAINTEXT listener) of ~600 kB.
    const bigApiVersions = encodeRequestFrame(ApiKey.ApiVersions, 3, 1, 'raw', ApiVersionsRequest, { clientSoftwareName: 'a'.repeat(600_000), clientSoftwareVersion: '1' });
    const plaintext = await rawClientOn(broker.current, 'PLAINTEXT');
    plaintext.write(bigApiVersions);
    expect(await plaintext.next()).not.toBe(CLOSED);
    plaintext.close();
    const before = await rawClientOn(broker.current, 'SASL_PLAINTEXT');
    before.write(bigApiVersions);
    expect(await before.next()).toBe(CLOSED);

    const after = await rawClientOn(broker.current, 'SASL_PLAINTEXT');
    await handshake(after, 'PLAIN');
    await authenticate(after, plainToken('alice', USERS.alice));
    // Any request that size now reaches the handlers: a Metadata request for 6000 long topic names (~600 kB).
    const topics = Array.from({ length: 6000 }, (_, i) => ({ topicId: ZERO_UUID, name: `t-${i}-${'x'.repeat(90)}` }));
    const response = await after.request(ApiKey.Metadata, 12, MetadataRequest, { ...MetadataRequest.defaults(), topics, allowAutoTopicCreation: false }, MetadataResponse);
    expect(response.topics).toHaveLength(6000);
    after.close();
  });

  it('a SaslAuthenticate frame cut short closes the connection', async () => {
    const client = await rawClientOn(broker.current, 'SASL_PLAINTEXT');
    await handshake(client, 'PLAIN');
    // v2 header (flexible) then auth bytes claiming 100 bytes with only 3 present.
    const body = Buffer.from([0, 36, 0, 2, 0, 0, 0, 7, 0, 0, 0, 101, 1, 2, 3]);
    const frame = Buffer.concat([Buffer.from([0, 0, 0, body.length]), body]);
    client.write(frame);
    expect(await client.next()).toBe(CLOSED);
  });
});
