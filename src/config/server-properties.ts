// Reads Kafka's own server.properties: a Java .properties parser, and the typed broker
// config built from it. Keys Sluice does not know are kept so DescribeConfigs can report
// them (as STATIC_BROKER_CONFIG), exactly as Kafka keeps unknown originals.
import { readFileSync } from 'node:fs';
import { brokerConfigDefinition, SECURITY_PROTOCOLS } from './definitions.js';
import { effectiveTopicConfig, type EffectiveTopicConfig } from './describe.js';
import {
  brokerValue,
  ConfigValueError,
  invalidValueMessage,
  layeredBrokerValue,
  longToNumber,
  parseConfigValue,
  type BrokerConfigSources,
} from './values.js';

export { ConfigValueError as BrokerConfigError } from './values.js';

/**
 * Parses the text of a Java .properties file the way java.util.Properties.load does:
 * `#`/`!` comment lines, `=`, `:` or whitespace between key and value, a trailing odd
 * backslash continuing the line, and the escapes \t \n \r \f \uXXXX (any other escaped
 * character stands for itself). Later duplicates win.
 */
export function parseProperties(text: string): Map<string, string> {
  const result = new Map<string, string>();
  const naturalLines = text.split(/\r\n|\r|\n/);
  let lineNumber = 0;
  while (lineNumber < naturalLines.length) {
    const startLine = lineNumber + 1;
    let line = stripLeadingWhitespace(naturalLines[lineNumber++] ?? '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    // Continuations: drop the odd backslash and the next line's leading whitespace.
    while (endsWithOddBackslashes(line)) {
      line = line.slice(0, -1);
      if (lineNumber >= naturalLines.length) break;
      line += stripLeadingWhitespace(naturalLines[lineNumber++] ?? '');
    }
    const [rawKey, rawValue] = splitKeyValue(line);
    try {
      result.set(unescape(rawKey), unescape(rawValue));
    } catch (error) {
      throw new Error(`line ${startLine}: ${(error as Error).message}`, { cause: error });
    }
  }
  return result;
}

const isPropertiesWhitespace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\f';

function stripLeadingWhitespace(line: string): string {
  let start = 0;
  while (isPropertiesWhitespace(line[start])) start++;
  return line.slice(start);
}

function endsWithOddBackslashes(line: string): boolean {
  let count = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) count++;
  return count % 2 === 1;
}

function splitKeyValue(line: string): [string, string] {
  let keyEnd = 0;
  let escaped = false;
  let separatorSeen = false;
  for (; keyEnd < line.length; keyEnd++) {
    const c = line[keyEnd];
    if (escaped) {
      escaped = false;
    } else if (c === '\\') {
      escaped = true;
    } else if (c === '=' || c === ':') {
      separatorSeen = true;
      break;
    } else if (isPropertiesWhitespace(c)) {
      break;
    }
  }
  let valueStart = keyEnd + (separatorSeen ? 1 : 0);
  while (isPropertiesWhitespace(line[valueStart])) valueStart++;
  // A whitespace-terminated key may still be followed by one '=' or ':'.
  if (!separatorSeen && (line[valueStart] === '=' || line[valueStart] === ':')) {
    valueStart++;
    while (isPropertiesWhitespace(line[valueStart])) valueStart++;
  }
  return [line.slice(0, keyEnd), line.slice(valueStart)];
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescape(text: string): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = text[++i];
    if (next === undefined) break;
    if (next === 'u') {
      const hex = text.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Error('Malformed \\uxxxx encoding.');
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else {
      out += SIMPLE_ESCAPES[next] ?? next;
    }
  }
  return out;
}

export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];
export type ProcessRole = 'broker' | 'controller';

export interface ListenerEndpoint {
  /** Upper-cased, as Kafka normalises listener names. */
  readonly name: string;
  /** Empty means all interfaces. */
  readonly host: string;
  readonly port: number;
  readonly securityProtocol: SecurityProtocol;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface QuorumVoter extends HostPort {
  readonly id: number;
}

export interface ConsumerGroupConfig {
  readonly sessionTimeoutMs: number;
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly minHeartbeatIntervalMs: number;
  readonly maxHeartbeatIntervalMs: number;
  readonly maxSize: number;
  readonly assignors: readonly string[];
  readonly migrationPolicy: 'disabled' | 'upgrade' | 'downgrade' | 'bidirectional';
}

/** The broker's typed config. Every log.* default is in `topicDefaults` (units converted, e.g. log.retention.hours → ms). */
export interface BrokerConfig {
  readonly sources: BrokerConfigSources;
  /** Keys set by the operator that Sluice has no definition for; kept and reported, not used. */
  readonly unknownKeys: readonly string[];
  readonly processRoles: readonly ProcessRole[];
  readonly nodeId: number;
  readonly brokerId: number;
  readonly brokerRack: string | null;
  readonly listeners: readonly ListenerEndpoint[];
  /** advertised.listeners, or the non-controller listeners when it is not set. */
  readonly advertisedListeners: readonly ListenerEndpoint[];
  readonly listenerSecurityProtocolMap: ReadonlyMap<string, SecurityProtocol>;
  readonly interBrokerListenerName: string;
  readonly controllerListenerNames: readonly string[];
  readonly controllerQuorumVoters: readonly QuorumVoter[];
  readonly controllerQuorumBootstrapServers: readonly HostPort[];
  readonly logDirs: readonly string[];
  /** metadata.log.dir, or the first log directory. */
  readonly metadataLogDir: string;
  readonly numPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly autoCreateTopicsEnable: boolean;
  readonly deleteTopicEnable: boolean;
  readonly messageMaxBytes: number;
  readonly socketRequestMaxBytes: number;
  readonly fetchMaxBytes: number;
  readonly queuedMaxRequests: number;
  readonly connectionsMaxIdleMs: number;
  readonly offsetsTopicNumPartitions: number;
  readonly offsetsTopicReplicationFactor: number;
  readonly offsetsTopicSegmentBytes: number;
  readonly offsetsRetentionMs: number;
  readonly offsetsRetentionCheckIntervalMs: number;
  readonly offsetsCommitTimeoutMs: number;
  readonly offsetMetadataMaxBytes: number;
  readonly transactionStateLogNumPartitions: number;
  readonly transactionStateLogReplicationFactor: number;
  readonly transactionStateLogMinIsr: number;
  readonly transactionStateLogSegmentBytes: number;
  readonly transactionalIdExpirationMs: number;
  readonly transactionMaxTimeoutMs: number;
  readonly producerIdExpirationMs: number;
  readonly groupInitialRebalanceDelayMs: number;
  readonly groupMinSessionTimeoutMs: number;
  readonly groupMaxSessionTimeoutMs: number;
  readonly groupMaxSize: number;
  readonly groupCoordinatorRebalanceProtocols: readonly string[];
  readonly consumerGroup: ConsumerGroupConfig;
  readonly logRetentionCheckIntervalMs: number;
  readonly logCleanerEnable: boolean;
  readonly replicaLagTimeMaxMs: number;
  readonly replicaFetchMaxBytes: number;
  readonly replicaFetchMinBytes: number;
  readonly replicaFetchWaitMaxMs: number;
  readonly replicaFetchBackoffMs: number;
  readonly replicaFetchResponseMaxBytes: number;
  readonly saslEnabledMechanisms: readonly string[];
  readonly saslMechanismInterBrokerProtocol: string;
  readonly topicDefaults: EffectiveTopicConfig;
}

type PropertySource = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

const toMap = (source: PropertySource | undefined): Map<string, string> =>
  source === undefined ? new Map() : source instanceof Map ? new Map(source) : new Map(Object.entries(source));

/** Reads and parses a server.properties file, then builds the broker config. */
export function loadBrokerConfigFile(path: string, overrides?: PropertySource): BrokerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read broker config ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return loadBrokerConfig(parseProperties(text), overrides);
  } catch (error) {
    (error as Error).message = `${path}: ${(error as Error).message}`;
    throw error;
  }
}

/**
 * Builds the typed broker config from server.properties entries plus command-line overrides
 * (which win, like kafka-server-start's --override). Throws BrokerConfigError naming the key
 * of the first invalid value.
 */
export function loadBrokerConfig(props: PropertySource, overrides?: PropertySource): BrokerConfig {
  const staticConfig = toMap(props);
  for (const [key, value] of toMap(overrides)) staticConfig.set(key, value);
  // Kafka copies node.id and broker.id into each other when only one is set.
  const nodeId = staticConfig.get('node.id');
  const brokerId = staticConfig.get('broker.id');
  if (nodeId === undefined && brokerId !== undefined) staticConfig.set('node.id', brokerId);
  if (brokerId === undefined && nodeId !== undefined) staticConfig.set('broker.id', nodeId);
  return resolveBrokerConfig({ staticConfig });
}

/** Builds the typed config from all layers; call again when dynamic broker configs change. */
export function resolveBrokerConfig(sources: BrokerConfigSources): BrokerConfig {
  const unknownKeys: string[] = [];
  for (const layer of [sources.staticConfig, sources.dynamicDefaultConfig, sources.dynamicBrokerConfig]) {
    for (const [key, raw] of layer ?? []) {
      const definition = brokerConfigDefinition(key);
      if (!definition) {
        if (layer === sources.staticConfig) unknownKeys.push(key);
        continue;
      }
      const parsed = parseConfigValue(definition, raw);
      if (!parsed.ok) throw new ConfigValueError(key, parsed.message);
    }
  }

  const num = (key: string): number => {
    const v = brokerValue(sources, key);
    return typeof v === 'bigint' ? longToNumber(v) : Number(v);
  };
  const bool = (key: string): boolean => brokerValue(sources, key) === true;
  const list = (key: string): readonly string[] => (brokerValue(sources, key) as readonly string[] | undefined) ?? [];
  const str = (key: string): string | null => {
    const v = brokerValue(sources, key);
    return v === undefined ? null : String(v);
  };

  const processRoles = list('process.roles') as ProcessRole[];
  const protocolMap = parseSecurityProtocolMap(str('listener.security.protocol.map') ?? '');
  const controllerListenerNames = (str('controller.listener.names') ?? '')
    .split(',')
    .map((n) => n.trim().toUpperCase())
    .filter((n) => n !== '');
  const listeners = parseListeners('listeners', str('listeners') ?? '', protocolMap);
  const advertisedRaw = str('advertised.listeners');
  const advertisedListeners =
    advertisedRaw === null
      ? listeners.filter((l) => !controllerListenerNames.includes(l.name))
      : parseListeners('advertised.listeners', advertisedRaw, protocolMap);
  const logDirs = (str('log.dirs') ?? str('log.dir') ?? '').split(',').map((d) => d.trim()).filter((d) => d !== '');

  const config: BrokerConfig = {
    sources,
    unknownKeys,
    processRoles,
    nodeId: num('node.id'),
    brokerId: num('broker.id'),
    brokerRack: str('broker.rack'),
    listeners,
    advertisedListeners,
    listenerSecurityProtocolMap: protocolMap,
    interBrokerListenerName: interBrokerListenerName(sources),
    controllerListenerNames,
    controllerQuorumVoters: parseVoters(list('controller.quorum.voters')),
    controllerQuorumBootstrapServers: list('controller.quorum.bootstrap.servers').map((entry) =>
      parseHostPort('controller.quorum.bootstrap.servers', entry),
    ),
    logDirs,
    metadataLogDir: str('metadata.log.dir') ?? logDirs[0] ?? '',
    numPartitions: num('num.partitions'),
    defaultReplicationFactor: num('default.replication.factor'),
    autoCreateTopicsEnable: bool('auto.create.topics.enable'),
    deleteTopicEnable: bool('delete.topic.enable'),
    messageMaxBytes: num('message.max.bytes'),
    socketRequestMaxBytes: num('socket.request.max.bytes'),
    fetchMaxBytes: num('fetch.max.bytes'),
    queuedMaxRequests: num('queued.max.requests'),
    connectionsMaxIdleMs: num('connections.max.idle.ms'),
    offsetsTopicNumPartitions: num('offsets.topic.num.partitions'),
    offsetsTopicReplicationFactor: num('offsets.topic.replication.factor'),
    offsetsTopicSegmentBytes: num('offsets.topic.segment.bytes'),
    offsetsRetentionMs: num('offsets.retention.minutes') * 60_000,
    offsetsRetentionCheckIntervalMs: num('offsets.retention.check.interval.ms'),
    offsetsCommitTimeoutMs: num('offsets.commit.timeout.ms'),
    offsetMetadataMaxBytes: num('offset.metadata.max.bytes'),
    transactionStateLogNumPartitions: num('transaction.state.log.num.partitions'),
    transactionStateLogReplicationFactor: num('transaction.state.log.replication.factor'),
    transactionStateLogMinIsr: num('transaction.state.log.min.isr'),
    transactionStateLogSegmentBytes: num('transaction.state.log.segment.bytes'),
    transactionalIdExpirationMs: num('transactional.id.expiration.ms'),
    transactionMaxTimeoutMs: num('transaction.max.timeout.ms'),
    producerIdExpirationMs: num('producer.id.expiration.ms'),
    groupInitialRebalanceDelayMs: num('group.initial.rebalance.delay.ms'),
    groupMinSessionTimeoutMs: num('group.min.session.timeout.ms'),
    groupMaxSessionTimeoutMs: num('group.max.session.timeout.ms'),
    groupMaxSize: num('group.max.size'),
    groupCoordinatorRebalanceProtocols: list('group.coordinator.rebalance.protocols'),
    consumerGroup: {
      sessionTimeoutMs: num('group.consumer.session.timeout.ms'),
      minSessionTimeoutMs: num('group.consumer.min.session.timeout.ms'),
      maxSessionTimeoutMs: num('group.consumer.max.session.timeout.ms'),
      heartbeatIntervalMs: num('group.consumer.heartbeat.interval.ms'),
      minHeartbeatIntervalMs: num('group.consumer.min.heartbeat.interval.ms'),
      maxHeartbeatIntervalMs: num('group.consumer.max.heartbeat.interval.ms'),
      maxSize: num('group.consumer.max.size'),
      assignors: list('group.consumer.assignors'),
      migrationPolicy: (str('group.consumer.migration.policy') ?? 'bidirectional').toLowerCase() as ConsumerGroupConfig['migrationPolicy'],
    },
    logRetentionCheckIntervalMs: num('log.retention.check.interval.ms'),
    logCleanerEnable: bool('log.cleaner.enable'),
    replicaLagTimeMaxMs: num('replica.lag.time.max.ms'),
    replicaFetchMaxBytes: num('replica.fetch.max.bytes'),
    replicaFetchMinBytes: num('replica.fetch.min.bytes'),
    replicaFetchWaitMaxMs: num('replica.fetch.wait.max.ms'),
    replicaFetchBackoffMs: num('replica.fetch.backoff.ms'),
    replicaFetchResponseMaxBytes: num('replica.fetch.response.max.bytes'),
    saslEnabledMechanisms: list('sasl.enabled.mechanisms'),
    saslMechanismInterBrokerProtocol: str('sasl.mechanism.inter.broker.protocol') ?? 'GSSAPI',
    topicDefaults: effectiveTopicConfig(new Map(), sources),
  };
  checkConsistency(config);
  return config;
}

function parseSecurityProtocolMap(raw: string): Map<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>();
  for (const pair of raw.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const colon = pair.lastIndexOf(':');
    const name = pair.slice(0, colon).trim().toUpperCase();
    const protocol = pair.slice(colon + 1).trim().toUpperCase();
    if (colon <= 0 || !(SECURITY_PROTOCOLS as readonly string[]).includes(protocol)) {
      throw new ConfigValueError(
        'listener.security.protocol.map',
        invalidValueMessage('listener.security.protocol.map', raw, `"${pair}" is not LISTENER_NAME:PROTOCOL with PROTOCOL one of ${SECURITY_PROTOCOLS.join(', ')}`),
      );
    }
    map.set(name, protocol as SecurityProtocol);
  }
  return map;
}

// NAME://host:port, with IPv6 hosts optionally in brackets; an empty host binds all interfaces.
const LISTENER_URI = /^(.*):\/\/\[?([0-9a-zA-Z\-%._:]*?)\]?:(-?[0-9]+)$/;

function parseListeners(key: string, raw: string, protocolMap: ReadonlyMap<string, SecurityProtocol>): ListenerEndpoint[] {
  const endpoints = raw
    .split(',')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((uri): ListenerEndpoint => {
      const match = LISTENER_URI.exec(uri);
      const port = Number(match?.[3]);
      if (!match || !Number.isInteger(port) || port < 0 || port > 65535) {
        throw new ConfigValueError(key, invalidValueMessage(key, raw, `"${uri}" is not a listener of the form NAME://host:port`));
      }
      const name = (match[1] ?? '').toUpperCase();
      const securityProtocol = protocolMap.get(name);
      if (!securityProtocol) {
        throw new ConfigValueError(key, invalidValueMessage(key, raw, `no security protocol defined for listener ${name} in listener.security.protocol.map`));
      }
      return { name, host: match[2] ?? '', port, securityProtocol };
    });
  const names = endpoints.map((e) => e.name);
  if (new Set(names).size !== names.length) throw new ConfigValueError(key, invalidValueMessage(key, raw, 'each listener must have a different name'));
  const ports = endpoints.map((e) => e.port).filter((p) => p !== 0);
  if (key === 'listeners' && new Set(ports).size !== ports.length) {
    throw new ConfigValueError(key, invalidValueMessage(key, raw, 'each listener must have a different port'));
  }
  return endpoints;
}

function parseHostPort(key: string, entry: string): HostPort {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(entry.trim());
  const port = Number(match?.[2]);
  if (!match || !match[1] || port > 65535) throw new ConfigValueError(key, invalidValueMessage(key, entry, 'expected host:port'));
  return { host: match[1], port };
}

function parseVoters(entries: readonly string[]): QuorumVoter[] {
  const key = 'controller.quorum.voters';
  return entries.map((entry) => {
    const at = entry.indexOf('@');
    const id = Number(entry.slice(0, at));
    if (at <= 0 || !/^\d+$/.test(entry.slice(0, at))) {
      throw new ConfigValueError(key, invalidValueMessage(key, entry, 'expected {id}@{host}:{port}'));
    }
    return { id, ...parseHostPort(key, entry.slice(at + 1)) };
  });
}

function interBrokerListenerName(sources: BrokerConfigSources): string {
  const explicitName = layeredBrokerValue(sources, 'inter.broker.listener.name');
  const explicitProtocol = sources.staticConfig.get('security.inter.broker.protocol') ?? sources.dynamicDefaultConfig?.get('security.inter.broker.protocol');
  if (explicitName !== undefined && explicitProtocol !== undefined) {
    throw new ConfigValueError('inter.broker.listener.name', 'Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.');
  }
  return (explicitName ?? layeredBrokerValue(sources, 'security.inter.broker.protocol') ?? 'PLAINTEXT').trim().toUpperCase();
}

// The cross-key rules a KRaft node must satisfy before it can start, in Kafka's spirit.
function checkConsistency(config: BrokerConfig): void {
  if (new Set(config.processRoles).size !== config.processRoles.length) {
    throw new ConfigValueError('process.roles', `Duplicate role names found in process.roles: ${config.processRoles.join(',')}`);
  }
  if (config.nodeId !== config.brokerId) {
    throw new ConfigValueError('node.id', `node.id (${config.nodeId}) and broker.id (${config.brokerId}) must be equal when both are set.`);
  }
  const isBroker = config.processRoles.includes('broker');
  const isController = config.processRoles.includes('controller');
  if (isBroker || isController) {
    if (config.nodeId < 0) throw new ConfigValueError('node.id', 'node.id must be set to a non-negative id when process.roles is set (KRaft mode).');
    if (config.controllerListenerNames.length === 0) {
      throw new ConfigValueError('controller.listener.names', 'controller.listener.names must name at least one listener when process.roles is set (KRaft mode).');
    }
    if (config.controllerQuorumVoters.length === 0 && config.controllerQuorumBootstrapServers.length === 0) {
      throw new ConfigValueError(
        'controller.quorum.voters',
        'Either controller.quorum.voters or controller.quorum.bootstrap.servers must list the controllers when process.roles is set (KRaft mode).',
      );
    }
    const voterIds = config.controllerQuorumVoters.map((v) => v.id);
    if (voterIds.length > 0 && isController && !voterIds.includes(config.nodeId)) {
      throw new ConfigValueError('controller.quorum.voters', `With the controller role, node id ${config.nodeId} must be one of controller.quorum.voters (${voterIds.join(', ')}).`);
    }
    if (!isController && voterIds.includes(config.nodeId)) {
      throw new ConfigValueError('controller.quorum.voters', `With only the broker role, node id ${config.nodeId} must not be one of controller.quorum.voters.`);
    }
  }
  const controllerListenersInUse = config.listeners.filter((l) => config.controllerListenerNames.includes(l.name));
  if (isController && !isBroker && controllerListenersInUse.length !== config.listeners.length) {
    throw new ConfigValueError('listeners', 'With only the controller role, listeners may contain only the listeners named in controller.listener.names.');
  }
  if (isBroker && !isController && controllerListenersInUse.length > 0) {
    throw new ConfigValueError('listeners', 'With only the broker role, listeners must not contain the controller listeners named in controller.listener.names.');
  }
  if (isController && controllerListenersInUse.length === 0) {
    throw new ConfigValueError('controller.listener.names', 'controller.listener.names must name at least one listener from listeners when running the controller role.');
  }
  if (isBroker) {
    if (config.controllerListenerNames.includes(config.interBrokerListenerName)) {
      throw new ConfigValueError('inter.broker.listener.name', `inter.broker.listener.name ${config.interBrokerListenerName} must not be a controller listener.`);
    }
    if (!config.advertisedListeners.some((l) => l.name === config.interBrokerListenerName)) {
      throw new ConfigValueError(
        'inter.broker.listener.name',
        `inter.broker.listener.name must be a listener name defined in advertised.listeners; the listeners are ${config.advertisedListeners.map((l) => l.name).join(', ') || 'none'}, the inter-broker listener is ${config.interBrokerListenerName}.`,
      );
    }
  }
  const group = config.consumerGroup;
  requireWithin('group.consumer.session.timeout.ms', group.sessionTimeoutMs, 'group.consumer.min.session.timeout.ms', group.minSessionTimeoutMs, 'group.consumer.max.session.timeout.ms', group.maxSessionTimeoutMs);
  requireWithin('group.consumer.heartbeat.interval.ms', group.heartbeatIntervalMs, 'group.consumer.min.heartbeat.interval.ms', group.minHeartbeatIntervalMs, 'group.consumer.max.heartbeat.interval.ms', group.maxHeartbeatIntervalMs);
  if (group.heartbeatIntervalMs >= group.sessionTimeoutMs) {
    throw new ConfigValueError('group.consumer.heartbeat.interval.ms', 'group.consumer.heartbeat.interval.ms must be less than group.consumer.session.timeout.ms.');
  }
}

function requireWithin(key: string, value: number, minKey: string, min: number, maxKey: string, max: number): void {
  if (value < min) throw new ConfigValueError(key, `${key} (${value}) must be greater than or equal to ${minKey} (${min}).`);
  if (value > max) throw new ConfigValueError(key, `${key} (${value}) must be less than or equal to ${maxKey} (${max}).`);
}
