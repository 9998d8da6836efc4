// Resolves each client listener's security settings from the broker config the way Kafka
// does: a listener-prefixed key (listener.name.<listener>.<key>, the listener name in lower
// case) wins over the plain key, and SASL's JAAS config may also be scoped to a mechanism
// (listener.name.<listener>.<mechanism>.sasl.jaas.config). Errors name the key at fault and
// never quote a secret.
import { readFileSync } from 'node:fs';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { BrokerConfig, ListenerEndpoint } from '../config/server-properties.js';
import { ConfigValueError } from '../config/values.js';
import { JaasConfigError, parseJaasConfig, plainUsersFromJaas } from './jaas.js';
import { readPkcs12Certificates } from './pkcs12.js';
import { isSupportedMechanism, type ListenerSaslConfig, type SaslMechanismName } from './types.js';

type Lookup = (key: string) => { key: string; value: string } | undefined;

/** The listener-prefixed key first, then the broker-wide one (static config only). */
function listenerLookup(config: BrokerConfig, listenerName: string): Lookup {
  const props = config.sources.staticConfig;
  const prefix = `listener.name.${listenerName.toLowerCase()}.`;
  return (key) => {
    for (const candidate of [prefix + key, `listener.name.${listenerName}.${key}`, key]) {
      const value = props.get(candidate);
      if (value !== undefined) return { key: candidate, value };
    }
    return undefined;
  };
}

const isSasl = (l: ListenerEndpoint): boolean => l.securityProtocol === 'SASL_PLAINTEXT' || l.securityProtocol === 'SASL_SSL';
const isTls = (l: ListenerEndpoint): boolean => l.securityProtocol === 'SSL' || l.securityProtocol === 'SASL_SSL';

/**
 * Refuses what Sluice cannot do yet: its controller and inter-broker connections speak PLAINTEXT
 * only, so those listeners must be PLAINTEXT (a single node's inter-broker listener is never
 * dialled, so there it may be secured).
 */
export function checkInternalListeners(config: BrokerConfig): void {
  for (const listener of config.listeners) {
    if (config.controllerListenerNames.includes(listener.name) && listener.securityProtocol !== 'PLAINTEXT') {
      throw new ConfigValueError(
        'listener.security.protocol.map',
        `Controller listener ${listener.name} uses ${listener.securityProtocol}; Sluice's controller connections are PLAINTEXT only for now, so map it to PLAINTEXT.`,
      );
    }
  }
  const interBroker = config.listeners.find((l) => l.name === config.interBrokerListenerName);
  const multiNode = config.controllerQuorumVoters.length > 1 || !config.processRoles.includes('controller');
  if (multiNode && interBroker !== undefined && interBroker.securityProtocol !== 'PLAINTEXT') {
    throw new ConfigValueError(
      'inter.broker.listener.name',
      `Inter-broker listener ${interBroker.name} uses ${interBroker.securityProtocol}; Sluice's inter-broker connections are PLAINTEXT only for now: add a PLAINTEXT listener for inter.broker.listener.name.`,
    );
  }
}

/**
 * SASL settings of every SASL client listener; throws for a listener that could never authenticate
 * anyone. `extraPlainUsers` (from `sluice start --sasl-user`) join every PLAIN listener's JAAS users.
 */
export function listenerSaslConfigs(config: BrokerConfig, log?: Logger, extraPlainUsers: ReadonlyMap<string, string> = new Map()): Map<string, ListenerSaslConfig> {
  const out = new Map<string, ListenerSaslConfig>();
  for (const listener of config.listeners.filter(isSasl)) {
    const get = listenerLookup(config, listener.name);
    const mechanismsKey = get('sasl.enabled.mechanisms');
    const requested = (mechanismsKey?.value ?? 'GSSAPI').split(',').map((m) => m.trim().toUpperCase()).filter((m) => m !== '');
    const unsupported = requested.filter((m) => !isSupportedMechanism(m));
    const enabled = requested.filter(isSupportedMechanism);
    if (enabled.length === 0) {
      throw new ConfigValueError(
        mechanismsKey?.key ?? 'sasl.enabled.mechanisms',
        `SASL listener ${listener.name} enables no mechanism Sluice supports (${requested.join(', ') || 'none'}); set sasl.enabled.mechanisms to PLAIN, SCRAM-SHA-256 and/or SCRAM-SHA-512.`,
      );
    }
    if (unsupported.length > 0) log?.warn({ listener: listener.name, unsupported }, 'SASL mechanisms Sluice does not implement are not offered');
    const plainUsers = enabled.includes('PLAIN') ? plainUsersOf(config, listener.name, extraPlainUsers) : new Map<string, string>();
    out.set(listener.name, {
      listenerName: listener.name,
      enabledMechanisms: enabled as SaslMechanismName[],
      plainUsers,
      maxReauthMs: nonNegative(get('connections.max.reauth.ms'), 0),
      maxReceiveBytes: nonNegative(get('sasl.server.max.receive.size'), SASL_MAX_RECEIVE_DEFAULT),
    });
  }
  return out;
}

/** Kafka's default sasl.server.max.receive.size (512 KiB). */
const SASL_MAX_RECEIVE_DEFAULT = 524_288;

function nonNegative(setting: { key: string; value: string } | undefined, fallback: number): number {
  if (setting === undefined) return fallback;
  const value = Number(setting.value);
  if (!Number.isSafeInteger(value) || value < 0) throw new ConfigValueError(setting.key, `${setting.key} must be a non-negative integer.`);
  return value;
}

/** PLAIN users: listener.name.<l>.plain.sasl.jaas.config, else sasl.jaas.config (a PlainLoginModule with user_<name> options). */
function plainUsersOf(config: BrokerConfig, listenerName: string, extraPlainUsers: ReadonlyMap<string, string>): Map<string, string> {
  const found = listenerLookup(config, listenerName)('plain.sasl.jaas.config') ?? listenerLookup(config, listenerName)('sasl.jaas.config');
  if (found === undefined && extraPlainUsers.size > 0) return new Map(extraPlainUsers);
  if (found === undefined) {
    throw new ConfigValueError(
      `listener.name.${listenerName.toLowerCase()}.plain.sasl.jaas.config`,
      `SASL listener ${listenerName} enables PLAIN but has no JAAS config listing its users; set listener.name.${listenerName.toLowerCase()}.plain.sasl.jaas.config to a PlainLoginModule with user_<name>="<password>" options.`,
    );
  }
  try {
    return new Map([...plainUsersFromJaas(parseJaasConfig(found.value)), ...extraPlainUsers]);
  } catch (error) {
    if (error instanceof JaasConfigError) throw new ConfigValueError(found.key, `${found.key} is not a valid JAAS config: ${error.message}`);
    throw error;
  }
}

function readFile(key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigValueError(key, `${key}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

const JKS_MAGIC = 0xfeedfeed;

/**
 * The store type as Node can read it. Kafka's default type is JKS, which Node cannot read; a
 * file that is really PKCS12 is read as such (Java's keystore.type.compat does the same).
 */
function storeType(typeKey: { key: string; value: string } | undefined, locationKey: string, data: Buffer | undefined): 'PEM' | 'PKCS12' {
  const type = (typeKey?.value ?? 'JKS').trim().toUpperCase();
  if (type === 'PEM' || type === 'PKCS12') return type;
  const isJks = data !== undefined && data.length >= 4 && data.readUInt32BE(0) === JKS_MAGIC;
  if (type === 'JKS' && data !== undefined && !isJks && data[0] === 0x30) return 'PKCS12';
  const key = typeKey?.key ?? locationKey.replace(/location$/, 'type');
  throw new ConfigValueError(
    key,
    `${key} ${type}${typeKey === undefined ? ' (the default)' : ''} is not supported: Node reads PEM and PKCS12 only. Convert a JKS store with ` +
      '`keytool -importkeystore -srckeystore store.jks -destkeystore store.p12 -deststoretype PKCS12` and set the type to PKCS12, or use PEM.',
  );
}

/** TLS server options of a listener: key store, trust store, client authentication, protocol versions. */
export function listenerTlsOptions(config: BrokerConfig, listener: ListenerEndpoint, log?: Logger): TlsOptions {
  const get = listenerLookup(config, listener.name);
  // Java's cipher suite names are not OpenSSL's; Node's default suites apply rather than a wrong mapping.
  const ciphers = get('ssl.cipher.suites');
  if (ciphers !== undefined && ciphers.value.trim() !== '') log?.warn({ listener: listener.name, key: ciphers.key }, 'ssl.cipher.suites is not applied; Node\'s default TLS cipher suites are used');
  const options: TlsOptions = { ...keyStore(get, listener.name), ...trustStore(get) };
  // Kafka applies ssl.client.auth to a SASL_SSL listener only when it is set with the listener prefix.
  const clientAuthSetting = get('ssl.client.auth');
  const clientAuthKey = listener.securityProtocol === 'SASL_SSL' && !clientAuthSetting?.key.startsWith('listener.name.') ? undefined : clientAuthSetting;
  const clientAuth = (clientAuthKey?.value ?? 'none').trim().toLowerCase();
  if (!['none', 'requested', 'required'].includes(clientAuth)) throw new ConfigValueError(clientAuthKey!.key, `${clientAuthKey!.key} must be none, requested or required.`);
  if (clientAuth !== 'none') {
    if (options.ca === undefined) throw new ConfigValueError(clientAuthKey!.key, `${clientAuthKey!.key}=${clientAuth} needs a trust store (ssl.truststore.location or ssl.truststore.certificates) to check client certificates.`);
    options.requestCert = true;
    // 'requested' lets a client without a certificate in; a presented certificate that is not trusted is refused by the server.
    options.rejectUnauthorized = clientAuth === 'required';
  }
  const protocols = (get('ssl.enabled.protocols')?.value ?? 'TLSv1.2,TLSv1.3').split(',').map((p) => p.trim()).filter((p) => /^TLSv1(\.[123])?$/.test(p)).sort();
  if (protocols.length > 0) {
    options.minVersion = protocols[0] as TlsOptions['minVersion'];
    options.maxVersion = protocols[protocols.length - 1] as TlsOptions['maxVersion'];
  }
  return options;
}

function keyStore(get: Lookup, listenerName: string): SecureContextOptions {
  const location = get('ssl.keystore.location');
  const inlineChain = get('ssl.keystore.certificate.chain');
  const inlineKey = get('ssl.keystore.key');
  const keyPassword = get('ssl.key.password')?.value;
  if (inlineChain !== undefined || inlineKey !== undefined) {
    // KIP-651: certificate chain and key inline, type PEM.
    if (inlineChain === undefined || inlineKey === undefined) {
      throw new ConfigValueError((inlineChain ?? inlineKey)!.key, 'ssl.keystore.certificate.chain and ssl.keystore.key must be set together.');
    }
    const type = get('ssl.keystore.type');
    if (type === undefined || type.value.trim().toUpperCase() !== 'PEM') throw new ConfigValueError(type?.key ?? 'ssl.keystore.type', 'Inline key store certificates need ssl.keystore.type=PEM.');
    return { cert: inlineChain.value, key: inlineKey.value, ...(keyPassword !== undefined ? { passphrase: keyPassword } : {}) };
  }
  if (location === undefined) {
    throw new ConfigValueError(`listener.name.${listenerName.toLowerCase()}.ssl.keystore.location`, `TLS listener ${listenerName} has no key store: set ssl.keystore.location (PEM or PKCS12) or ssl.keystore.certificate.chain and ssl.keystore.key.`);
  }
  const data = readFile(location.key, location.value);
  if (storeType(get('ssl.keystore.type'), location.key, data) === 'PKCS12') {
    const password = get('ssl.keystore.password')?.value;
    return { pfx: data, ...(password !== undefined ? { passphrase: password } : {}) };
  }
  // A PEM key store holds the private key and the certificate chain in one file.
  const text = data.toString('utf8');
  const key = pemBlocks(text).filter((b) => /PRIVATE KEY/.test(b.label));
  const certs = pemBlocks(text).filter((b) => b.label === 'CERTIFICATE');
  if (key.length !== 1 || certs.length === 0) {
    throw new ConfigValueError(location.key, `${location.key}: a PEM key store must hold one private key and its certificate chain (found ${key.length} keys, ${certs.length} certificates).`);
  }
  return { key: key[0]!.text, cert: certs.map((c) => c.text).join('\n'), ...(keyPassword !== undefined ? { passphrase: keyPassword } : {}) };
}

function trustStore(get: Lookup): SecureContextOptions {
  const inline = get('ssl.truststore.certificates');
  if (inline !== undefined) return { ca: certificatesIn(inline.key, inline.value) };
  const location = get('ssl.truststore.location');
  if (location === undefined) return {};
  const data = readFile(location.key, location.value);
  if (storeType(get('ssl.truststore.type'), location.key, data) === 'PEM') return { ca: certificatesIn(location.key, data.toString('utf8')) };
  try {
    return { ca: readPkcs12Certificates(data, get('ssl.truststore.password')?.value ?? '') };
  } catch (error) {
    throw new ConfigValueError(location.key, `${location.key}: cannot read the PKCS12 trust store: ${(error as Error).message}`);
  }
}

function certificatesIn(key: string, text: string): string[] {
  const certs = pemBlocks(text).filter((b) => b.label === 'CERTIFICATE').map((b) => b.text);
  if (certs.length === 0) throw new ConfigValueError(key, `${key} holds no PEM certificate.`);
  return certs;
}

function pemBlocks(text: string): { label: string; text: string }[] {
  const out: { label: string; text: string }[] = [];
  for (const match of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)) out.push({ label: match[1]!, text: match[0] });
  return out;
}

export { isSasl as isSaslListener, isTls as isTlsListener };
