// An in-process broker with one listener per security protocol and the test users, for the
// end-to-end tests of this folder. Certificates are the committed test/fixtures/tls ones.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { join, resolve } from 'node:path';
import { startBroker, type RunningBroker } from '../../../src/index.js';
import { scramUpsertion } from '../../../src/security/scram.js';

export const TLS_DIR = resolve(import.meta.dirname, '../../fixtures/tls');
export const tlsFile = (name: string): string => join(TLS_DIR, name);
export const CA_PEM = readFileSync(tlsFile('ca.pem'), 'utf8');
export const FIXTURE_PASSWORD = 'test-password';

export const USERS = { alice: 'alice-secret', bob: 'bob-secret' } as const;

export interface SecureBroker {
  readonly broker: RunningBroker;
  /** host:port of a listener by name (PLAINTEXT, SASL_PLAINTEXT, SASL_SSL, SSL, MTLS with ssl.client.auth=required, REQUESTED). */
  address(listener: string): string;
  stop(): Promise<void>;
}

const LISTENERS = ['PLAINTEXT', 'SASL_PLAINTEXT', 'SASL_SSL', 'SSL', 'MTLS', 'REQUESTED'] as const;

export async function startSecureBroker(extra: Record<string, string> = {}): Promise<SecureBroker> {
  const plainJaas = `org.apache.kafka.common.security.plain.PlainLoginModule required ${Object.entries(USERS).map(([u, p]) => `user_${u}="${p}"`).join(' ')};`;
  const broker = await startBroker({
    overrides: {
      listeners: `${LISTENERS.map((l) => `${l}://localhost:0`).join(',')},CONTROLLER://localhost:0`,
      'advertised.listeners': LISTENERS.map((l) => `${l}://localhost:0`).join(','),
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL,MTLS:SSL,REQUESTED:SSL,CONTROLLER:PLAINTEXT',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': plainJaas,
      'listener.name.sasl_ssl.plain.sasl.jaas.config': plainJaas,
      // The key store as a PEM file (KIP-651) on two listeners, as PKCS12 on the mTLS one.
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': tlsFile('server-keystore-encrypted.pem'),
      'ssl.key.password': FIXTURE_PASSWORD,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': tlsFile('ca.pem'),
      'listener.name.mtls.ssl.keystore.type': 'PKCS12',
      'listener.name.mtls.ssl.keystore.location': tlsFile('server.p12'),
      'listener.name.mtls.ssl.keystore.password': FIXTURE_PASSWORD,
      'listener.name.mtls.ssl.truststore.type': 'PKCS12',
      'listener.name.mtls.ssl.truststore.location': tlsFile('truststore.p12'),
      'listener.name.mtls.ssl.truststore.password': FIXTURE_PASSWORD,
      'listener.name.mtls.ssl.client.auth': 'required',
      'listener.name.requested.ssl.client.auth': 'requested',
      ...extra,
    },
  });
  await broker.broker.controller.alterUserScramCredentials({
    deletions: [],
    upsertions: Object.entries(USERS).flatMap(([user, password]) => [scramUpsertion(user, 'SCRAM-SHA-256', password), scramUpsertion(user, 'SCRAM-SHA-512', password)]),
  });
  return {
    broker,
    address(listener) {
      const endpoint = broker.broker.endpoint(listener);
      return `${endpoint.host}:${endpoint.port}`;
    },
    stop: () => broker.stop(),
  };
}

/** Starts the secure broker before the file's tests and stops it after; read `.current` inside tests. */
export function useSecureBroker(extra: Record<string, string> = {}): { current: SecureBroker } {
  const holder = {} as { current: SecureBroker };
  beforeAll(async () => {
    holder.current = await startSecureBroker(extra);
  }, 30_000);
  afterAll(async () => {
    await holder.current?.stop();
  });
  return holder;
}
