import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { useSecureBroker, USERS } from '../security/secure-broker.js';
import { CLOSED, handshake, metadata, plainToken, rawClientOn, rawToken } from '../security/sasl-raw.js';

const broker = useSecureBroker();

const ENABLED = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

describe.each([0, 1])('SaslHandshake v%i', (version) => {
  it.each(ENABLED)('accepts %s and lists the enabled mechanisms', async (mechanism) => {
    const client = await rawClientOn(broker.current, 'SASL_PLAINTEXT');
    const response = await handshake(client, mechanism, version);
    expect(response).toMatchObject({ errorCode: ErrorCode.NONE, mechanisms: ENABLED });
    client.close();
  });

  it('refuses a mechanism the listener does not enable with UNSUPPORTED_SASL_MECHANISM and the enabled list, then closes', async () => {
    const client = await rawClientOn(broker.current, 'SASL_PLAINTEXT');
    const response = await handshake(client, 'GSSAPI', version);
    expect(response).toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ENABLED });
    expect(await client.next()).toBe(CLOSED);
  });

  it('answers ILLEGAL_SASL_STATE on a listener without SASL and keeps serving it', async () => {
    const client = await rawClientOn(broker.current, 'PLAINTEXT');
    expect((await handshake(client, 'PLAIN', version)).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    expect((await metadata(client)).brokers).toHaveLength(1);
    client.close();
  });

  it('refuses a second handshake in the middle of an exchange and closes', async () => {
    const client = await rawClientOn(broker.current, 'SASL_PLAINTEXT');
    await handshake(client, 'SCRAM-SHA-256', 1);
    // During the exchange only SaslAuthenticate is accepted: a second handshake closes the connection.
    client.write(Buffer.from([0, 0, 0, 14, 0, 17, 0, version, 0, 0, 0, 9, 0, 0, 0, 2, 0x50, 0x4c]));
    expect(await client.next()).toBe(CLOSED);
  });
});

describe('SaslHandshake v0 then raw tokens', () => {
  it('authenticates PLAIN from a raw token (an empty answer) and then serves requests', async () => {
    const client = await rawClientOn(broker.current, 'SASL_PLAINTEXT');
    await handshake(client, 'PLAIN', 0);
    const answer = await rawToken(client, plainToken('alice', USERS.alice));
    expect(answer).toEqual(Buffer.alloc(0));
    expect((await metadata(client)).brokers).toHaveLength(1);
    client.close();
  });

  it('closes the connection on a wrong password (a v0 client has no frame for the error)', async () => {
    const client = await rawClientOn(broker.current, 'SASL_PLAINTEXT');
    await handshake(client, 'PLAIN', 0);
    expect(await rawToken(client, plainToken('alice', 'wrong'))).toBe(CLOSED);
  });

  it('closes the connection on a truncated SCRAM token', async () => {
    const client = await rawClientOn(broker.current, 'SASL_PLAINTEXT');
    await handshake(client, 'SCRAM-SHA-512', 0);
    expect(await rawToken(client, Buffer.from('n,,n=ali'))).toBe(CLOSED);
  });
});
