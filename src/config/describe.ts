// DescribeConfigs entries, topic config validation and the effective (typed) topic config,
// computed the way Kafka 3.9's ConfigHelper and LogConfig do. Pure functions: the caller
// passes the topic's overrides and the broker's config sources.
import {
  BROKER_CONFIGS,
  brokerConfigDefinition,
  brokerConfigSynonyms,
  CLEANUP_POLICIES,
  COMPRESSION_TYPES,
  TIMESTAMP_TYPES,
  TOPIC_CONFIGS,
  type ConfigType,
  type TopicConfigDefinition,
} from './definitions.js';
import {
  ConfigValueError,
  formatConfigValue,
  layeredBrokerValue,
  longToNumber,
  parseConfigValue,
  type BrokerConfigSources,
  type ConfigValue,
} from './values.js';

/** DescribeConfigs ConfigSource ids. */
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
  GROUP_CONFIG: 8,
} as const;
export type ConfigSourceId = (typeof ConfigSource)[keyof typeof ConfigSource];

/** DescribeConfigs v3+ ConfigType ids. */
export const ConfigTypeId: Readonly<Record<ConfigType | 'UNKNOWN', number>> = {
  UNKNOWN: 0,
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
};

const INVALID_CONFIG = 40;

export interface ConfigSynonymEntry {
  readonly name: string;
  readonly value: string | null;
  readonly source: ConfigSourceId;
}

export interface DescribeConfigsEntry {
  readonly name: string;
  readonly value: string | null;
  readonly readOnly: boolean;
  /** Only DescribeConfigs v0 carries it; true when the value comes from the built-in default. */
  readonly isDefault: boolean;
  readonly configSource: ConfigSourceId;
  readonly isSensitive: boolean;
  /** Empty unless synonyms were requested. */
  readonly synonyms: readonly ConfigSynonymEntry[];
  readonly configType: number;
  /** Null unless documentation was requested. */
  readonly documentation: string | null;
}

export interface DescribeOptions {
  readonly includeSynonyms?: boolean;
  readonly includeDocumentation?: boolean;
  /** Only these keys (unknown ones are skipped, as Kafka does); null or empty means all. */
  readonly keys?: readonly string[] | null;
}

export type TopicConfigCheck = { readonly errorCode: 0 } | { readonly errorCode: typeof INVALID_CONFIG; readonly errorMessage: string };

const OK: TopicConfigCheck = { errorCode: 0 };
const invalid = (errorMessage: string): TopicConfigCheck => ({ errorCode: INVALID_CONFIG, errorMessage });

/** Validates one topic override (CreateTopics, AlterConfigs, IncrementalAlterConfigs). */
export function validateTopicConfig(key: string, value: string | null): TopicConfigCheck {
  const definition = TOPIC_CONFIGS.get(key);
  if (!definition) return invalid(`Unknown topic config name: ${key}`);
  if (value === null) return invalid(`Null value not supported for topic configs: ${key}`);
  const parsed = parseConfigValue(definition, value);
  return parsed.ok ? OK : invalid(parsed.message);
}

/** Validates a full set of topic overrides, each key and then the rules that tie keys together. */
export function validateTopicConfigs(overrides: ReadonlyMap<string, string | null>, broker: BrokerConfigSources): TopicConfigCheck {
  for (const [key, value] of overrides) {
    const check = validateTopicConfig(key, value);
    if (check.errorCode !== 0) return check;
  }
  const present = new Map([...overrides].filter((entry): entry is [string, string] => entry[1] !== null));
  const effective = effectiveTopicConfig(present, broker);
  if (effective.minCompactionLagMs > effective.maxCompactionLagMs) {
    return invalid(
      `conflict topic config setting min.compaction.lag.ms (${effective.minCompactionLagMs}) > max.compaction.lag.ms (${effective.maxCompactionLagMs})`,
    );
  }
  if (effective.remoteStorageEnable) {
    const local = checkLocalRetention('local.retention.ms', effective.localRetentionMs, 'retention.ms', effective.retentionMs);
    if (local) return local;
    const localBytes = checkLocalRetention('local.retention.bytes', effective.localRetentionBytes, 'retention.bytes', effective.retentionBytes);
    if (localBytes) return localBytes;
  }
  return OK;
}

// With tiered storage the local part of the log may not outlive the whole log (-2 = follow the total, -1 = unlimited).
function checkLocalRetention(localKey: string, local: number, totalKey: string, total: number): TopicConfigCheck | undefined {
  if (local === -2) return undefined;
  if (local === -1 && total !== -1) return invalid(`Invalid value -1 for configuration ${localKey}: Value must not be -1 as ${totalKey} value is set as ${total}`);
  if (total !== -1 && local > total) return invalid(`Invalid value ${local} for configuration ${localKey}: Value must not be more than ${totalKey} property value: ${total}`);
  return undefined;
}

/** The topic settings the storage layer needs, with broker defaults applied and units in ms/bytes. */
export interface EffectiveTopicConfig {
  readonly cleanupPolicy: readonly (typeof CLEANUP_POLICIES)[number][];
  readonly compact: boolean;
  readonly delete: boolean;
  readonly compressionType: (typeof COMPRESSION_TYPES)[number];
  readonly compressionGzipLevel: number;
  readonly compressionLz4Level: number;
  readonly compressionZstdLevel: number;
  readonly deleteRetentionMs: number;
  readonly fileDeleteDelayMs: number;
  readonly flushMessages: number;
  readonly flushMs: number;
  readonly followerReplicationThrottledReplicas: readonly string[];
  readonly indexIntervalBytes: number;
  readonly leaderReplicationThrottledReplicas: readonly string[];
  readonly localRetentionBytes: number;
  readonly localRetentionMs: number;
  readonly maxCompactionLagMs: number;
  readonly maxMessageBytes: number;
  readonly messageDownconversionEnable: boolean;
  readonly messageFormatVersion: string;
  /** Already falls back to message.timestamp.difference.max.ms while left at its default, as Kafka does. */
  readonly messageTimestampAfterMaxMs: number;
  readonly messageTimestampBeforeMaxMs: number;
  readonly messageTimestampDifferenceMaxMs: number;
  readonly messageTimestampType: (typeof TIMESTAMP_TYPES)[number];
  readonly minCleanableDirtyRatio: number;
  readonly minCompactionLagMs: number;
  readonly minInsyncReplicas: number;
  readonly preallocate: boolean;
  readonly remoteLogCopyDisable: boolean;
  readonly remoteLogDeleteOnDisable: boolean;
  readonly remoteStorageEnable: boolean;
  readonly retentionBytes: number;
  /** -1 means keep forever. */
  readonly retentionMs: number;
  readonly segmentBytes: number;
  readonly segmentIndexBytes: number;
  readonly segmentJitterMs: number;
  readonly segmentMs: number;
  readonly uncleanLeaderElectionEnable: boolean;
}

/**
 * Resolves every topic config: the topic override if present, else the first broker synonym
 * that is set (converted to the topic's unit), else the topic default. Long.MAX_VALUE ("no
 * limit") comes out as Number.MAX_SAFE_INTEGER. Throws ConfigValueError on an invalid override.
 */
export function effectiveTopicConfig(overrides: ReadonlyMap<string, string>, broker: BrokerConfigSources): EffectiveTopicConfig {
  const value = (key: string): ConfigValue => resolveTopicValue(topicDefinition(key), overrides, broker).value;
  const num = (key: string): number => {
    const v = value(key);
    return typeof v === 'bigint' ? longToNumber(v) : Number(v);
  };
  const bool = (key: string): boolean => value(key) === true;
  const list = (key: string): readonly string[] => value(key) as readonly string[];

  const cleanupPolicy = list('cleanup.policy').map((p) => p.toLowerCase()) as (typeof CLEANUP_POLICIES)[number][];
  const differenceMaxMs = num('message.timestamp.difference.max.ms');
  // Kafka keeps honouring the deprecated difference limit until the new before/after limits are set.
  const timestampLimit = (key: string): number => {
    const limit = value(key);
    return limit === 9223372036854775807n ? differenceMaxMs : num(key);
  };
  return {
    cleanupPolicy,
    compact: cleanupPolicy.includes('compact'),
    delete: cleanupPolicy.includes('delete'),
    compressionType: String(value('compression.type')).toLowerCase() as (typeof COMPRESSION_TYPES)[number],
    compressionGzipLevel: num('compression.gzip.level'),
    compressionLz4Level: num('compression.lz4.level'),
    compressionZstdLevel: num('compression.zstd.level'),
    deleteRetentionMs: num('delete.retention.ms'),
    fileDeleteDelayMs: num('file.delete.delay.ms'),
    flushMessages: num('flush.messages'),
    flushMs: num('flush.ms'),
    followerReplicationThrottledReplicas: list('follower.replication.throttled.replicas'),
    indexIntervalBytes: num('index.interval.bytes'),
    leaderReplicationThrottledReplicas: list('leader.replication.throttled.replicas'),
    localRetentionBytes: num('local.retention.bytes'),
    localRetentionMs: num('local.retention.ms'),
    maxCompactionLagMs: num('max.compaction.lag.ms'),
    maxMessageBytes: num('max.message.bytes'),
    messageDownconversionEnable: bool('message.downconversion.enable'),
    messageFormatVersion: String(value('message.format.version')),
    messageTimestampAfterMaxMs: timestampLimit('message.timestamp.after.max.ms'),
    messageTimestampBeforeMaxMs: timestampLimit('message.timestamp.before.max.ms'),
    messageTimestampDifferenceMaxMs: differenceMaxMs,
    messageTimestampType: String(value('message.timestamp.type')) as (typeof TIMESTAMP_TYPES)[number],
    minCleanableDirtyRatio: num('min.cleanable.dirty.ratio'),
    minCompactionLagMs: num('min.compaction.lag.ms'),
    minInsyncReplicas: num('min.insync.replicas'),
    preallocate: bool('preallocate'),
    remoteLogCopyDisable: bool('remote.log.copy.disable'),
    remoteLogDeleteOnDisable: bool('remote.log.delete.on.disable'),
    remoteStorageEnable: bool('remote.storage.enable'),
    retentionBytes: num('retention.bytes'),
    retentionMs: num('retention.ms'),
    segmentBytes: num('segment.bytes'),
    segmentIndexBytes: num('segment.index.bytes'),
    segmentJitterMs: num('segment.jitter.ms'),
    segmentMs: num('segment.ms'),
    uncleanLeaderElectionEnable: bool('unclean.leader.election.enable'),
  };
}

function topicDefinition(key: string): TopicConfigDefinition {
  const definition = TOPIC_CONFIGS.get(key);
  if (!definition) throw new Error(`not a topic config: ${key}`);
  return definition;
}

function resolveTopicValue(
  definition: TopicConfigDefinition,
  overrides: ReadonlyMap<string, string>,
  broker: BrokerConfigSources,
): { value: ConfigValue; text: string } {
  const override = overrides.get(definition.name);
  if (override !== undefined) return parseOrThrow(definition.name, parseConfigValue(definition, override));
  for (const synonym of definition.brokerSynonyms) {
    const raw = layeredBrokerValue(broker, synonym.name);
    const brokerDefinition = brokerConfigDefinition(synonym.name);
    if (raw === undefined || !brokerDefinition) continue;
    const parsed = parseOrThrow(synonym.name, parseConfigValue(brokerDefinition, raw));
    if (synonym.toTopicUnit === 1 && definition.name !== 'retention.ms') return parsed;
    // Unit conversion (hours/minutes → ms); the broker's retention treats any negative as "forever" (-1).
    let converted = BigInt(parsed.value as number | bigint) * BigInt(synonym.toTopicUnit);
    if (definition.name === 'retention.ms' && converted < 0n) converted = -1n;
    return { value: converted, text: converted.toString() };
  }
  const fallback = definition.defaultValue ?? '';
  return parseOrThrow(definition.name, parseConfigValue(definition, fallback));
}

function parseOrThrow(key: string, parsed: ReturnType<typeof parseConfigValue>): { value: ConfigValue; text: string } {
  if (!parsed.ok) throw new ConfigValueError(key, parsed.message);
  return parsed;
}

/** DescribeConfigs entries of a topic, as Kafka 3.9's ConfigHelper.createTopicConfigEntry builds them. */
export function describeTopicConfigs(
  overrides: ReadonlyMap<string, string>,
  broker: BrokerConfigSources,
  options: DescribeOptions = {},
): DescribeConfigsEntry[] {
  return selectKeys([...TOPIC_CONFIGS.keys()], options).flatMap((name) => {
    const definition = TOPIC_CONFIGS.get(name);
    if (!definition) return [];
    const { text } = resolveTopicValue(definition, overrides, broker);
    const override = overrides.get(name);
    const synonyms: ConfigSynonymEntry[] = [];
    if (override !== undefined) synonyms.push({ name, value: text, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    const primary = definition.brokerSynonyms[0];
    if (primary) synonyms.push(...configSynonyms(primary.name, brokerConfigSynonyms(primary.name), definition.sensitive, broker));
    return [entry(name, definition.sensitive ? null : text, false, definition.sensitive, synonyms, definition.type, definition.documentation, options)];
  });
}

/**
 * DescribeConfigs entries of a broker. With `perBroker` (resource name = this broker's id) every
 * known key plus every key the operator set is listed; without it (resource name "") only the
 * cluster-wide dynamic defaults are, with synonyms limited to that source, as in Kafka.
 */
export function describeBrokerConfigs(broker: BrokerConfigSources, options: DescribeOptions & { readonly perBroker?: boolean } = {}): DescribeConfigsEntry[] {
  const perBroker = options.perBroker ?? true;
  const names = perBroker
    ? new Set([...BROKER_CONFIGS.keys(), ...broker.staticConfig.keys(), ...(broker.dynamicDefaultConfig?.keys() ?? []), ...(broker.dynamicBrokerConfig?.keys() ?? [])])
    : new Set(broker.dynamicDefaultConfig?.keys() ?? []);
  return selectKeys([...names].sort(), options).map((name) => {
    const definition = brokerConfigDefinition(name);
    // Kafka hides values whose type it cannot tell, in case they are secrets.
    const sensitive = !definition || definition.sensitive;
    const raw = perBroker ? layeredBrokerValue(broker, name) : broker.dynamicDefaultConfig?.get(name);
    const value = sensitive || raw === undefined ? null : normalise(definition?.type, raw);
    const synonyms = configSynonyms(name, brokerConfigSynonyms(name), sensitive, broker).filter(
      (s) => perBroker || s.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
    );
    // Only exact keys can be updated dynamically; listener-prefixed variants count as read-only, as in Kafka.
    const readOnly = !(BROKER_CONFIGS.get(name)?.dynamic ?? false);
    return entry(name, value, readOnly, sensitive, synonyms, definition?.type, definition?.documentation ?? null, options);
  });
}

// Values read back through the type, as Kafka prints parsed values; a value that does not parse is shown as written.
function normalise(type: ConfigType | undefined, raw: string): string {
  if (!type) return raw;
  const parsed = parseConfigValue({ name: '', type, defaultValue: null, sensitive: false, documentation: '' }, raw);
  return parsed.ok ? formatConfigValue(type, parsed.value) : raw;
}

function selectKeys(names: readonly string[], options: DescribeOptions): string[] {
  if (!options.keys || options.keys.length === 0) return [...names];
  const wanted = new Set(options.keys);
  return names.filter((name) => wanted.has(name));
}

/**
 * Kafka's synonym list for `name`: each broker-level source in priority order (per-broker dynamic,
 * cluster default, static, built-in default), synonyms in their order within each source; then
 * everything before the first entry for `name` itself is dropped. That last step is why
 * retention.ms lists no synonyms when only log.retention.hours is set.
 */
function configSynonyms(name: string, synonyms: readonly string[], sensitive: boolean, broker: BrokerConfigSources): ConfigSynonymEntry[] {
  const defaults = new Map<string, string>();
  for (const synonym of synonyms) {
    const fallback = brokerConfigDefinition(synonym)?.defaultValue;
    if (BROKER_CONFIGS.has(synonym) && fallback !== null && fallback !== undefined) defaults.set(synonym, fallback);
  }
  const layers: [ReadonlyMap<string, string> | undefined, ConfigSourceId][] = [
    [broker.dynamicBrokerConfig, ConfigSource.DYNAMIC_BROKER_CONFIG],
    [broker.dynamicDefaultConfig, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
    [broker.staticConfig, ConfigSource.STATIC_BROKER_CONFIG],
    [defaults, ConfigSource.DEFAULT_CONFIG],
  ];
  const all: ConfigSynonymEntry[] = [];
  for (const [layer, source] of layers) {
    for (const synonym of synonyms) {
      const value = layer?.get(synonym);
      if (value !== undefined) all.push({ name: synonym, value: sensitive ? null : value, source });
    }
  }
  const first = all.findIndex((s) => s.name === name);
  return first < 0 ? [] : all.slice(first);
}

function entry(
  name: string,
  value: string | null,
  readOnly: boolean,
  isSensitive: boolean,
  allSynonyms: readonly ConfigSynonymEntry[],
  type: ConfigType | undefined,
  documentation: string | null,
  options: DescribeOptions,
): DescribeConfigsEntry {
  const configSource = allSynonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG;
  return {
    name,
    value,
    readOnly,
    isDefault: configSource === ConfigSource.DEFAULT_CONFIG,
    configSource,
    isSensitive,
    synonyms: options.includeSynonyms ? allSynonyms : [],
    configType: ConfigTypeId[type ?? 'UNKNOWN'],
    documentation: options.includeDocumentation ? documentation : null,
  };
}
