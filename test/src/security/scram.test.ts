import { describe, expect, it } from 'vitest';
import { MemoryScramCredentialStore } from '../../../src/security/credential-store.js';
import { ScramServer, scramCredential, saltedPassword, credentialFromSaltedPassword } from '../../../src/security/scram.js';
import { SaslAuthenticationError } from '../../../src/security/types.js';
import { scramClient } from './scram-client.js';

// RFC 7677 section 3: the SCRAM-SHA-256 exchange for user "user", password "pencil".
const RFC7677 = {
  salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'),
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

function rfcServer(password = 'pencil'): ScramServer {
  const store = new MemoryScramCredentialStore();
  store.set('user', 'SCRAM-SHA-256', scramCredential('SCRAM-SHA-256', password, 4096, RFC7677.salt));
  return new ScramServer({ mechanism: 'SCRAM-SHA-256', credentials: store, serverNonce: () => RFC7677.serverNonce });
}

describe('ScramServer', () => {
  it('reproduces the RFC 7677 SCRAM-SHA-256 exchange byte for byte', () => {
    const server = rfcServer();
    expect(server.evaluate(Buffer.from(RFC7677.clientFirst)).toString()).toBe(RFC7677.serverFirst);
    expect(server.complete).toBe(false);
    expect(server.evaluate(Buffer.from(RFC7677.clientFinal)).toString()).toBe(RFC7677.serverFinal);
    expect(server.complete).toBe(true);
    expect(server.authorizationId).toBe('user');
  });

  it('derives the same credential from a salted password as from the password', () => {
    const salted = saltedPassword('SCRAM-SHA-512', 'secret', Buffer.from('salt'), 4096);
    expect(salted).toHaveLength(64);
    expect(credentialFromSaltedPassword('SCRAM-SHA-512', salted, Buffer.from('salt'), 4096)).toEqual(scramCredential('SCRAM-SHA-512', 'secret', 4096, Buffer.from('salt')));
  });

  it('refuses a wrong password at the proof, with the same message as an unknown user', () => {
    const server = rfcServer('not-pencil');
    server.evaluate(Buffer.from(RFC7677.clientFirst));
    expect(() => server.evaluate(Buffer.from(RFC7677.clientFinal))).toThrow('Authentication failed: Invalid user credentials');
    expect(server.complete).toBe(false);
    const unknown = rfcServer();
    expect(() => unknown.evaluate(Buffer.from('n,,n=nobody,r=abc'))).toThrow('Authentication failed: Invalid user credentials');
  });

  it('accepts a final nonce with the client nonce repeated in front, as librdkafka 2.0 sends it and Kafka accepts', () => {
    const store = new MemoryScramCredentialStore();
    store.set('alice', 'SCRAM-SHA-512', scramCredential('SCRAM-SHA-512', 'pw'));
    const server = new ScramServer({ mechanism: 'SCRAM-SHA-512', credentials: store });
    const client = scramClient('SCRAM-SHA-512', 'alice', 'pw', { repeatNonce: true });
    expect(client.verify(server.evaluate(client.final(server.evaluate(client.first()))))).toBe(true);
  });

  it('refuses a final message whose nonce or channel binding differs from the first', () => {
    const tamperedNonce = rfcServer();
    tamperedNonce.evaluate(Buffer.from(RFC7677.clientFirst));
    expect(() => tamperedNonce.evaluate(Buffer.from(RFC7677.clientFinal.replace('k0,p=', 'k1,p=')))).toThrow('Invalid client nonce');
    const tamperedBinding = rfcServer();
    tamperedBinding.evaluate(Buffer.from(RFC7677.clientFirst));
    expect(() => tamperedBinding.evaluate(Buffer.from(RFC7677.clientFinal.replace('c=biws', 'c=eSws')))).toThrow('channel binding');
  });

  it.each([
    ['garbage', 'hello'],
    ['channel binding requested', 'p=tls-unique,,n=user,r=abc'],
    ['no nonce', 'n,,n=user'],
    ['a bad saslname escape', 'n,,n=us=er,r=abc'],
    ['a different authzid', 'n,a=admin,n=user,r=abc'],
    ['a delegation token', 'n,,n=user,r=abc,tokenauth=true'],
  ])('refuses a client-first message with %s', (_why, message) => {
    expect(() => rfcServer().evaluate(Buffer.from(message))).toThrow(SaslAuthenticationError);
  });

  it('refuses any token after a failure or after completion', () => {
    const server = rfcServer();
    expect(() => server.evaluate(Buffer.from('junk'))).toThrow(SaslAuthenticationError);
    expect(() => server.evaluate(Buffer.from(RFC7677.clientFirst))).toThrow('Unexpected SCRAM message in state failed');
  });

  it.each(['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('authenticates the test client with %s and returns a verifiable signature', (mechanism) => {
    const store = new MemoryScramCredentialStore();
    store.set('alice, the =admin', mechanism, scramCredential(mechanism, 'alice-secret'));
    const server = new ScramServer({ mechanism, credentials: store });
    const client = scramClient(mechanism, 'alice, the =admin', 'alice-secret');
    const serverFirst = server.evaluate(client.first());
    const serverFinal = server.evaluate(client.final(serverFirst));
    expect(client.verify(serverFinal)).toBe(true);
    expect(server.authorizationId).toBe('alice, the =admin');
  });
});
