import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBrokerConfig } from '../../../src/config/server-properties.js';
import { devDefaultProperties } from '../../../src/broker/dev-defaults.js';
import { checkInternalListeners, listenerSaslConfigs, listenerTlsOptions } from '../../../src/security/listener-config.js';
import { FIXTURE_PASSWORD, tlsFile } from './secure-broker.js';

const base = (extra: Record<string, string>) => {
  const props = devDefaultProperties({ port: 9092, controllerPort: 9093, host: 'localhost', advertisedHost: 'localhost', dataDir: '/tmp/x', nodeId: 1 });
  for (const [k, v] of Object.entries(extra)) props.set(k, v);
  return loadBrokerConfig(props);
};

const withListener = (protocol: string, extra: Record<string, string> = {}) =>
  base({
    listeners: `PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093,SECURE://localhost:9094`,
    'listener.security.protocol.map': `PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SECURE:${protocol}`,
    ...extra,
  });

const secureListener = (config: ReturnType<typeof base>) => config.listeners.find((l) => l.name === 'SECURE')!;

describe('listenerSaslConfigs', () => {
  const jaas = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";';

  it('reads mechanisms and PLAIN users per listener, the listener prefix first', () => {
    const config = withListener('SASL_PLAINTEXT', {
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
      'listener.name.secure.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256',
      'listener.name.secure.plain.sasl.jaas.config': jaas,
      'listener.name.secure.connections.max.reauth.ms': '3600000',
    });
    expect(listenerSaslConfigs(config).get('SECURE')).toEqual({
      listenerName: 'SECURE',
      enabledMechanisms: ['PLAIN', 'SCRAM-SHA-256'],
      plainUsers: new Map([['alice', 'alice-secret']]),
      maxReauthMs: 3_600_000,
      maxReceiveBytes: 524_288,
    });
  });

  it('falls back to sasl.jaas.config for PLAIN users', () => {
    const config = withListener('SASL_SSL', { 'sasl.enabled.mechanisms': 'PLAIN', 'sasl.jaas.config': jaas });
    expect(listenerSaslConfigs(config).get('SECURE')?.plainUsers.get('alice')).toBe('alice-secret');
  });

  it('refuses a SASL listener with only unsupported mechanisms (Kafka defaults to GSSAPI)', () => {
    expect(() => listenerSaslConfigs(withListener('SASL_PLAINTEXT'))).toThrow(/enables no mechanism Sluice supports \(GSSAPI\)/);
  });

  it('drops unsupported mechanisms next to supported ones', () => {
    const config = withListener('SASL_PLAINTEXT', { 'sasl.enabled.mechanisms': 'GSSAPI,SCRAM-SHA-512' });
    expect(listenerSaslConfigs(config).get('SECURE')?.enabledMechanisms).toEqual(['SCRAM-SHA-512']);
  });

  it('refuses PLAIN without a JAAS config, and a broken JAAS config without quoting it', () => {
    expect(() => listenerSaslConfigs(withListener('SASL_PLAINTEXT', { 'sasl.enabled.mechanisms': 'PLAIN' }))).toThrow(/listener.name.secure.plain.sasl.jaas.config/);
    const broken = withListener('SASL_PLAINTEXT', { 'sasl.enabled.mechanisms': 'PLAIN', 'listener.name.secure.plain.sasl.jaas.config': 'Module required user_a="s3cret"' });
    expect(() => listenerSaslConfigs(broken)).toThrow(/not a valid JAAS config: login module Module: expected ';'/);
    try {
      listenerSaslConfigs(broken);
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cret');
    }
  });
});

describe('checkInternalListeners', () => {
  it('refuses a controller listener that is not PLAINTEXT', () => {
    const config = base({ 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:SSL' });
    expect(() => checkInternalListeners(config)).toThrow(/Controller listener CONTROLLER uses SSL; .*PLAINTEXT only/);
  });

  it('refuses a secured inter-broker listener on a multi-node cluster, allows it on a single node', () => {
    const secured = {
      listeners: 'SASL_PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093',
      'advertised.listeners': 'SASL_PLAINTEXT://localhost:9092',
      'inter.broker.listener.name': 'SASL_PLAINTEXT',
      'listener.security.protocol.map': 'SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
    };
    expect(() => checkInternalListeners(base(secured))).not.toThrow();
    const cluster = base({ ...secured, 'controller.quorum.voters': '1@localhost:9093,2@localhost:9193,3@localhost:9293' });
    expect(() => checkInternalListeners(cluster)).toThrow(/Inter-broker listener SASL_PLAINTEXT uses SASL_PLAINTEXT/);
  });
});

describe('listenerTlsOptions', () => {
  const tls = (extra: Record<string, string>, protocol = 'SSL') => {
    const config = withListener(protocol, extra);
    return listenerTlsOptions(config, secureListener(config));
  };

  it('reads a PEM key store file with an encrypted key, and a PEM trust store', () => {
    const options = tls({
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': tlsFile('server-keystore-encrypted.pem'),
      'ssl.key.password': FIXTURE_PASSWORD,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': tlsFile('ca.pem'),
      'ssl.client.auth': 'requested',
    });
    expect(options.key).toContain('ENCRYPTED PRIVATE KEY');
    expect(String(options.cert).match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(options).toMatchObject({ passphrase: FIXTURE_PASSWORD, requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
  });

  it('reads inline PEM (KIP-651) and a PKCS12 trust store', () => {
    const options = tls({
      'listener.name.secure.ssl.keystore.type': 'PEM',
      'listener.name.secure.ssl.keystore.certificate.chain': readFileSync(tlsFile('server.pem'), 'utf8'),
      'listener.name.secure.ssl.keystore.key': readFileSync(tlsFile('server.key'), 'utf8'),
      'ssl.truststore.type': 'PKCS12',
      'ssl.truststore.location': tlsFile('truststore.p12'),
      'ssl.truststore.password': FIXTURE_PASSWORD,
      'ssl.client.auth': 'required',
    });
    expect(options.ca).toEqual([readFileSync(tlsFile('ca.pem'), 'utf8')]);
    expect(options).toMatchObject({ requestCert: true, rejectUnauthorized: true });
  });

  it('reads a PKCS12 key store, also under the JKS default type when the file is PKCS12', () => {
    for (const type of [{ 'ssl.keystore.type': 'PKCS12' }, {}] as Record<string, string>[]) {
      const options = tls({ ...type, 'ssl.keystore.location': tlsFile('server.p12'), 'ssl.keystore.password': FIXTURE_PASSWORD });
      expect(options.pfx).toBeInstanceOf(Buffer);
    }
  });

  it('refuses a JKS key store and says how to convert it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-jks-'));
    const jks = join(dir, 'server.jks');
    writeFileSync(jks, Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]));
    expect(() => tls({ 'ssl.keystore.location': jks })).toThrow(/ssl.keystore.type JKS \(the default\) is not supported.*keytool -importkeystore.*PKCS12/);
  });

  it('refuses a listener without a key store, a missing file, and client auth without a trust store', () => {
    expect(() => tls({})).toThrow(/TLS listener SECURE has no key store/);
    expect(() => tls({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': '/nonexistent.pem' })).toThrow(/cannot read \/nonexistent.pem: ENOENT/);
    expect(() => tls({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': tlsFile('server-keystore.pem'), 'ssl.client.auth': 'required' })).toThrow(/needs a trust store/);
  });

  it('applies ssl.client.auth to a SASL_SSL listener only with the listener prefix, as Kafka does', () => {
    const store = { 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': tlsFile('server-keystore.pem'), 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': tlsFile('ca.pem') };
    expect(tls({ ...store, 'ssl.client.auth': 'required' }, 'SASL_SSL').requestCert).toBeUndefined();
    expect(tls({ ...store, 'listener.name.secure.ssl.client.auth': 'required' }, 'SASL_SSL').requestCert).toBe(true);
  });

  it('refuses a PKCS12 trust store with the wrong password', () => {
    expect(() => tls({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': tlsFile('server-keystore.pem'), 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': tlsFile('truststore.p12'), 'ssl.truststore.password': 'nope' })).toThrow(/wrong ssl.truststore.password/);
  });
});
