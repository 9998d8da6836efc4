// The SaslGate and SaslAuthenticator without sockets: which frames pass before and after
// authentication, raw v0 tokens, and KIP-368 session expiry and re-authentication.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { SaslAuthenticator } from '../../../src/security/sasl-authenticator.js';
import { SaslGate } from '../../../src/security/sasl-gate.js';
import { MemoryScramCredentialStore } from '../../../src/security/credential-store.js';
import type { ConnectionInfo, DispatchResult, RequestDispatcher } from '../../../src/server/types.js';

const log = pino({ level: 'silent' });
const conn = (id: string, securityProtocol: ConnectionInfo['securityProtocol'] = 'SASL_PLAINTEXT'): ConnectionInfo => ({
  id,
  listenerName: securityProtocol === 'PLAINTEXT' ? 'PLAINTEXT' : 'SASL',
  securityProtocol,
  remoteAddress: '127.0.0.1',
  remotePort: 1,
  log,
});
const plain = (user: string, password: string) => Buffer.from(`\u0000${user}\u0000${password}`);

function setup(maxReauthMs = 0) {
  let now = 1_000;
  const authenticator = new SaslAuthenticator({
    listeners: new Map([['SASL', { listenerName: 'SASL', enabledMechanisms: ['PLAIN'], plainUsers: new Map([['alice', 'pw'], ['bob', 'pw']]), maxReauthMs, maxReceiveBytes: 524_288 }]]),
    scramCredentials: new MemoryScramCredentialStore(),
    nowMs: () => now,
  });
  const passed: number[] = [];
  // Stands in for the KafkaDispatcher: records what got through.
  const inner: RequestDispatcher = {
    async dispatch(frame: Buffer): Promise<DispatchResult> {
      const apiKey = frame.readInt16BE(0);
      passed.push(apiKey);
      return { response: Buffer.from([apiKey]) };
    },
  };
  const gate = new SaslGate(inner, authenticator);
  const frame = (apiKey: number) => Buffer.from([0, apiKey, 0, 1, 0, 0, 0, 1]);
  const login = (c: ConnectionInfo, user = 'alice', version = 2) => {
    authenticator.handshake(c, 'PLAIN', 1);
    return authenticator.authenticate(c, plain(user, 'pw'), version);
  };
  return { authenticator, gate, passed, frame, login, advance: (ms: number) => (now += ms) };
}

describe('SaslGate', () => {
  it('lets everything through on a listener without SASL', async () => {
    const { gate, passed, frame } = setup();
    expect((await gate.dispatch(frame(ApiKey.Metadata), conn('p', 'PLAINTEXT'))).close).toBeUndefined();
    expect(passed).toEqual([ApiKey.Metadata]);
  });

  it('before authentication passes ApiVersions and SaslHandshake, closes on anything else', async () => {
    const { gate, passed, frame } = setup();
    const c = conn('c1');
    expect((await gate.dispatch(frame(ApiKey.ApiVersions), c)).close).toBeUndefined();
    expect((await gate.dispatch(frame(ApiKey.Produce), c)).close).toBe(true);
    expect(passed).toEqual([ApiKey.ApiVersions]);
  });

  it('after handshake v0 answers raw tokens itself, lifts the frame limit, then passes requests', async () => {
    const { authenticator, gate, passed, frame } = setup();
    let lifted = 0;
    const c = { ...conn('c2'), authenticated: () => lifted++ };
    expect(authenticator.handshake(c, 'PLAIN', 0).errorCode).toBe(ErrorCode.NONE);
    expect((await gate.dispatch(plain('alice', 'pw'), c)).response).toEqual(Buffer.from([0, 0, 0, 0]));
    expect(authenticator.principal(c)).toBe('User:alice');
    expect(lifted).toBe(1);
    await gate.dispatch(frame(ApiKey.Metadata), c);
    expect(passed).toEqual([ApiKey.Metadata]);
  });

  it('closes after a failed raw exchange without answering', async () => {
    const { authenticator, gate } = setup();
    const c = conn('c3');
    authenticator.handshake(c, 'PLAIN', 0);
    expect(await gate.dispatch(plain('alice', 'wrong'), c)).toEqual({ response: null, close: true });
  });

  it('with connections.max.reauth.ms closes an expired session on its next request, unless it re-authenticates', async () => {
    const { gate, frame, login, advance } = setup(10_000);
    const expiring = conn('c4');
    expect(login(expiring).sessionLifetimeMs).toBe(10_000n);
    advance(9_999);
    expect((await gate.dispatch(frame(ApiKey.Metadata), expiring)).close).toBeUndefined();
    advance(1);
    expect((await gate.dispatch(frame(ApiKey.Metadata), expiring)).close).toBe(true);

    const renewed = conn('c5');
    login(renewed);
    advance(10_000);
    // KIP-368: a SaslHandshake from the authenticated client starts a new exchange.
    expect(login(renewed).errorCode).toBe(ErrorCode.NONE);
    expect((await gate.dispatch(frame(ApiKey.Metadata), renewed)).close).toBeUndefined();
  });

  it('refuses a re-authentication as another principal', () => {
    const { login } = setup(10_000);
    const c = conn('c6');
    login(c);
    expect(login(c, 'bob')).toMatchObject({
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
      errorMessage: 'Cannot change principals during re-authentication',
    });
  });

  it('gives a v0 SaslAuthenticate client no lifetime and never expires it', async () => {
    const { gate, frame, login, advance } = setup(10_000);
    const c = conn('c7');
    expect(login(c, 'alice', 0).sessionLifetimeMs).toBe(0n);
    advance(1_000_000);
    expect((await gate.dispatch(frame(ApiKey.Metadata), c)).close).toBeUndefined();
  });

  it('forgets a connection once it closes', () => {
    const { authenticator, gate, login } = setup();
    const c = conn('c8');
    login(c);
    expect(authenticator.principal(c)).toBe('User:alice');
    gate.connectionClosed(c);
    expect(authenticator.principal(c)).toBeNull();
  });
});
