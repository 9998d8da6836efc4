// The Kafka 3.9 configuration keys Sluice knows: every topic config, and the broker
// configs a developer broker honours or reports. Types, defaults, validators, broker
// synonyms and dynamic-update flags follow Kafka 3.9 (LogConfig, ServerTopicConfigSynonyms,
// KafkaConfig and DynamicBrokerConfig); the documentation lines are our own.

/** Kafka's ConfigDef types; DescribeConfigs v3+ reports them as ConfigTypeId. */
export type ConfigType = 'BOOLEAN' | 'STRING' | 'INT' | 'SHORT' | 'LONG' | 'DOUBLE' | 'LIST' | 'CLASS' | 'PASSWORD';

export type ConfigValidator =
  /** Inclusive bounds; `orExactly` admits one sentinel outside them (gzip's -1). */
  | { readonly kind: 'range'; readonly min?: number; readonly max?: number; readonly orExactly?: number }
  | { readonly kind: 'enum'; readonly values: readonly string[]; readonly caseInsensitive?: boolean }
  | { readonly kind: 'list-of-enum'; readonly values: readonly string[] }
  /** `[partition]:[broker]` pairs or `*`, the shape of the replication throttle lists. */
  | { readonly kind: 'throttled-replicas' };

export interface ConfigDefinition {
  readonly name: string;
  readonly type: ConfigType;
  /** The default as DescribeConfigs prints it; null where Kafka's default is null. */
  readonly defaultValue: string | null;
  readonly validator?: ConfigValidator;
  /** Sensitive values (PASSWORD type) are reported as null. */
  readonly sensitive: boolean;
  readonly documentation: string;
}

/** A broker key that supplies a topic config's default; `toTopicUnit` converts its unit (hours → ms). */
export interface BrokerSynonym {
  readonly name: string;
  readonly toTopicUnit: number;
}

export interface TopicConfigDefinition extends ConfigDefinition {
  /** Broker keys in Kafka's priority order; the first one set wins. Empty when the topic config has no broker default. */
  readonly brokerSynonyms: readonly BrokerSynonym[];
}

export interface BrokerConfigDefinition extends ConfigDefinition {
  /** True when Kafka accepts the key through IncrementalAlterConfigs without a restart; DescribeConfigs reports readOnly = !dynamic. */
  readonly dynamic: boolean;
}

export const LONG_MAX_VALUE = '9223372036854775807';
const INT_MAX_VALUE = '2147483647';
// Java's Double.toString(Double.MAX_VALUE), the default of log.cleaner.io.max.bytes.per.second.
const DOUBLE_MAX_VALUE = '1.7976931348623157E308';
const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;

export const CLEANUP_POLICIES = ['compact', 'delete'] as const;
export const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const;
export const TIMESTAMP_TYPES = ['CreateTime', 'LogAppendTime'] as const;
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;

const atLeast = (min: number): ConfigValidator => ({ kind: 'range', min });
const between = (min: number, max: number): ConfigValidator => ({ kind: 'range', min, max });
const oneOf = (values: readonly string[], caseInsensitive = false): ConfigValidator => ({ kind: 'enum', values, caseInsensitive });
const listOf = (values: readonly string[]): ConfigValidator => ({ kind: 'list-of-enum', values });
const same = (name: string): BrokerSynonym => ({ name, toTopicUnit: 1 });

interface ConfigSpec {
  type: ConfigType;
  default: string | null;
  validator?: ConfigValidator;
  doc: string;
}

function topic(name: string, spec: ConfigSpec, brokerSynonyms: readonly BrokerSynonym[]): TopicConfigDefinition {
  return { ...definition(name, spec), brokerSynonyms };
}

function broker(name: string, spec: ConfigSpec, dynamic = false): BrokerConfigDefinition {
  return { ...definition(name, spec), dynamic };
}

function definition(name: string, spec: ConfigSpec): ConfigDefinition {
  const base = { name, type: spec.type, defaultValue: spec.default, sensitive: spec.type === 'PASSWORD', documentation: spec.doc };
  return spec.validator ? { ...base, validator: spec.validator } : base;
}

const topicConfigList: TopicConfigDefinition[] = [
  topic('cleanup.policy', { type: 'LIST', default: 'delete', validator: listOf(CLEANUP_POLICIES), doc: 'How old segments are removed: "delete" drops them by time or size, "compact" keeps the latest record per key; both may be listed.' }, [same('log.cleanup.policy')]),
  topic('compression.type', { type: 'STRING', default: 'producer', validator: oneOf(COMPRESSION_TYPES), doc: 'Codec the broker stores batches in; "producer" keeps whatever the producer sent, "uncompressed" stores them plain.' }, [same('compression.type')]),
  topic('compression.gzip.level', { type: 'INT', default: '-1', validator: { kind: 'range', min: 1, max: 9, orExactly: -1 }, doc: 'Level used when the broker itself compresses with gzip; -1 means the codec default.' }, [same('compression.gzip.level')]),
  topic('compression.lz4.level', { type: 'INT', default: '9', validator: between(1, 17), doc: 'Level used when the broker itself compresses with lz4.' }, [same('compression.lz4.level')]),
  topic('compression.zstd.level', { type: 'INT', default: '3', validator: between(-131072, 22), doc: 'Level used when the broker itself compresses with zstd.' }, [same('compression.zstd.level')]),
  topic('delete.retention.ms', { type: 'LONG', default: '86400000', validator: atLeast(0), doc: 'How long tombstones stay readable on a compacted topic, so consumers catch the delete.' }, [same('log.cleaner.delete.retention.ms')]),
  topic('file.delete.delay.ms', { type: 'LONG', default: '60000', validator: atLeast(0), doc: 'Wait between marking a segment deleted and removing its files.' }, [same('log.segment.delete.delay.ms')]),
  topic('flush.messages', { type: 'LONG', default: LONG_MAX_VALUE, validator: atLeast(1), doc: 'Force an fsync after this many messages; normally left to the OS and replication.' }, [same('log.flush.interval.messages')]),
  topic('flush.ms', { type: 'LONG', default: LONG_MAX_VALUE, validator: atLeast(0), doc: 'Force an fsync when data has been unflushed this long; normally left to the OS and replication.' }, [same('log.flush.interval.ms'), same('log.flush.scheduler.interval.ms')]),
  topic('follower.replication.throttled.replicas', { type: 'LIST', default: '', validator: { kind: 'throttled-replicas' }, doc: 'Replicas ([partition]:[broker] pairs, or *) whose follower-side replication is throttled.' }, []),
  topic('index.interval.bytes', { type: 'INT', default: '4096', validator: atLeast(0), doc: 'Bytes of log between two offset-index entries.' }, [same('log.index.interval.bytes')]),
  topic('leader.replication.throttled.replicas', { type: 'LIST', default: '', validator: { kind: 'throttled-replicas' }, doc: 'Replicas ([partition]:[broker] pairs, or *) whose leader-side replication is throttled.' }, []),
  topic('local.retention.bytes', { type: 'LONG', default: '-2', validator: atLeast(-2), doc: 'With tiered storage, the size of the local part of the log; -2 means use retention.bytes.' }, [same('log.local.retention.bytes')]),
  topic('local.retention.ms', { type: 'LONG', default: '-2', validator: atLeast(-2), doc: 'With tiered storage, how long segments stay local; -2 means use retention.ms.' }, [same('log.local.retention.ms')]),
  topic('max.compaction.lag.ms', { type: 'LONG', default: LONG_MAX_VALUE, validator: atLeast(1), doc: 'Longest time a record may stay uncompacted.' }, [same('log.cleaner.max.compaction.lag.ms')]),
  topic('max.message.bytes', { type: 'INT', default: '1048588', validator: atLeast(0), doc: 'Largest record batch the topic accepts, after compression.' }, [same('message.max.bytes')]),
  topic('message.downconversion.enable', { type: 'BOOLEAN', default: 'true', doc: 'Whether fetches by old clients may be served by converting batches to an older format.' }, [same('log.message.downconversion.enable')]),
  topic('message.format.version', { type: 'STRING', default: '3.0-IV1', doc: 'Deprecated; ignored with inter-broker protocol 3.0 or later.' }, [same('log.message.format.version')]),
  topic('message.timestamp.after.max.ms', { type: 'LONG', default: LONG_MAX_VALUE, validator: atLeast(0), doc: 'How far a CreateTime timestamp may lie in the future of the broker clock.' }, [same('log.message.timestamp.after.max.ms')]),
  topic('message.timestamp.before.max.ms', { type: 'LONG', default: LONG_MAX_VALUE, validator: atLeast(0), doc: 'How far a CreateTime timestamp may lie in the past of the broker clock.' }, [same('log.message.timestamp.before.max.ms')]),
  topic('message.timestamp.difference.max.ms', { type: 'LONG', default: LONG_MAX_VALUE, validator: atLeast(0), doc: 'Deprecated; the before/after limits fall back to it while they are at their defaults.' }, [same('log.message.timestamp.difference.max.ms')]),
  topic('message.timestamp.type', { type: 'STRING', default: 'CreateTime', validator: oneOf(TIMESTAMP_TYPES), doc: 'Whether record timestamps come from the producer (CreateTime) or the broker on append (LogAppendTime).' }, [same('log.message.timestamp.type')]),
  topic('min.cleanable.dirty.ratio', { type: 'DOUBLE', default: '0.5', validator: between(0, 1), doc: 'Share of uncompacted log that makes a partition eligible for compaction.' }, [same('log.cleaner.min.cleanable.ratio')]),
  topic('min.compaction.lag.ms', { type: 'LONG', default: '0', validator: atLeast(0), doc: 'Shortest time a record stays uncompacted.' }, [same('log.cleaner.min.compaction.lag.ms')]),
  topic('min.insync.replicas', { type: 'INT', default: '1', validator: atLeast(1), doc: 'In-sync replicas needed for an acks=all write to succeed.' }, [same('min.insync.replicas')]),
  topic('preallocate', { type: 'BOOLEAN', default: 'false', doc: 'Whether new segment files are preallocated on disk.' }, [same('log.preallocate')]),
  topic('remote.log.copy.disable', { type: 'BOOLEAN', default: 'false', doc: 'With tiered storage, stop copying new segments to remote storage while still reading from it.' }, []),
  topic('remote.log.delete.on.disable', { type: 'BOOLEAN', default: 'false', doc: 'Must be true to turn remote storage off for a topic; the remote data is then deleted.' }, []),
  topic('remote.storage.enable', { type: 'BOOLEAN', default: 'false', doc: 'Whether the topic uses tiered storage.' }, []),
  topic('retention.bytes', { type: 'LONG', default: '-1', doc: 'Size a partition may grow to before old segments are deleted; -1 means no size limit.' }, [same('log.retention.bytes')]),
  topic('retention.ms', { type: 'LONG', default: '604800000', validator: atLeast(-1), doc: 'How long a segment is kept before deletion; -1 means no time limit.' }, [same('log.retention.ms'), { name: 'log.retention.minutes', toTopicUnit: MS_PER_MINUTE }, { name: 'log.retention.hours', toTopicUnit: MS_PER_HOUR }]),
  topic('segment.bytes', { type: 'INT', default: '1073741824', validator: atLeast(14), doc: 'Size at which the active segment is rolled.' }, [same('log.segment.bytes')]),
  topic('segment.index.bytes', { type: 'INT', default: '10485760', validator: atLeast(4), doc: 'Preallocated size of each offset and time index.' }, [same('log.index.size.max.bytes')]),
  topic('segment.jitter.ms', { type: 'LONG', default: '0', validator: atLeast(0), doc: 'Random amount subtracted from segment.ms so segments do not all roll at once.' }, [same('log.roll.jitter.ms'), { name: 'log.roll.jitter.hours', toTopicUnit: MS_PER_HOUR }]),
  topic('segment.ms', { type: 'LONG', default: '604800000', validator: atLeast(1), doc: 'Age at which the active segment is rolled even if not full.' }, [same('log.roll.ms'), { name: 'log.roll.hours', toTopicUnit: MS_PER_HOUR }]),
  topic('unclean.leader.election.enable', { type: 'BOOLEAN', default: 'false', doc: 'Whether an out-of-sync replica may become leader, trading data loss for availability.' }, [same('unclean.leader.election.enable')]),
];

export const TOPIC_CONFIGS: ReadonlyMap<string, TopicConfigDefinition> = new Map(topicConfigList.map((d) => [d.name, d]));

const DYNAMIC = true;
const brokerConfigList: BrokerConfigDefinition[] = [
  // KRaft identity and quorum
  broker('process.roles', { type: 'LIST', default: '', validator: listOf(['broker', 'controller']), doc: 'Roles this node plays in KRaft mode: broker, controller, or both.' }),
  broker('node.id', { type: 'INT', default: '-1', doc: 'Id of this node in the cluster; in KRaft mode it must be set.' }),
  broker('broker.id', { type: 'INT', default: '-1', doc: 'Broker id; in KRaft mode it equals node.id.' }),
  broker('controller.quorum.voters', { type: 'LIST', default: '', doc: 'Static controller quorum as id@host:port entries.' }),
  broker('controller.quorum.bootstrap.servers', { type: 'LIST', default: '', doc: 'host:port entries used to find the controller quorum when it is dynamic.' }),
  broker('controller.listener.names', { type: 'STRING', default: null, doc: 'Listener names used by the controller.' }),
  broker('controller.quorum.election.timeout.ms', { type: 'INT', default: '1000', doc: 'Time without a leader before a quorum member starts an election.' }),
  broker('controller.quorum.fetch.timeout.ms', { type: 'INT', default: '2000', doc: 'Time without a successful fetch before a follower suspects the leader.' }),
  broker('controller.quorum.election.backoff.max.ms', { type: 'INT', default: '1000', doc: 'Upper bound of the randomized wait before a new election.' }),
  broker('controller.quorum.append.linger.ms', { type: 'INT', default: '25', doc: 'How long the quorum leader batches writes before flushing.' }),
  broker('controller.quorum.request.timeout.ms', { type: 'INT', default: '2000', doc: 'Timeout of quorum requests.' }),
  broker('controller.quorum.retry.backoff.ms', { type: 'INT', default: '20', doc: 'Wait before retrying a failed quorum request.' }),
  broker('broker.heartbeat.interval.ms', { type: 'INT', default: '2000', doc: 'Interval between broker heartbeats to the controller.' }),
  broker('broker.session.timeout.ms', { type: 'INT', default: '9000', doc: 'Time without a heartbeat before the controller fences a broker.' }),
  broker('initial.broker.registration.timeout.ms', { type: 'INT', default: '60000', doc: 'How long a starting broker waits to register with the controller.' }),
  broker('metadata.log.dir', { type: 'STRING', default: null, doc: 'Directory of the cluster metadata log; defaults to the first log directory.' }),
  broker('metadata.log.segment.bytes', { type: 'INT', default: '1073741824', validator: atLeast(12), doc: 'Segment size of the metadata log.' }),
  broker('metadata.max.retention.bytes', { type: 'LONG', default: '104857600', doc: 'Size of metadata log and snapshots kept before old ones are removed.' }),
  broker('metadata.max.retention.ms', { type: 'LONG', default: '604800000', doc: 'Age after which old metadata log segments and snapshots are removed.' }),
  broker('broker.rack', { type: 'STRING', default: null, doc: 'Rack of this broker, used for rack-aware replica placement.' }),
  // Listeners and security
  broker('listeners', { type: 'STRING', default: 'PLAINTEXT://:9092', doc: 'Comma-separated listener URIs (NAME://host:port) to accept connections on.' }, DYNAMIC),
  broker('advertised.listeners', { type: 'STRING', default: null, doc: 'Listener addresses given to clients; defaults to listeners.' }, DYNAMIC),
  broker('listener.security.protocol.map', { type: 'STRING', default: 'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT', doc: 'Security protocol of each listener name, as NAME:PROTOCOL pairs.' }, DYNAMIC),
  broker('inter.broker.listener.name', { type: 'STRING', default: null, doc: 'Listener brokers use to talk to each other.' }),
  broker('security.inter.broker.protocol', { type: 'STRING', default: 'PLAINTEXT', validator: oneOf(SECURITY_PROTOCOLS), doc: 'Security protocol between brokers when no inter-broker listener name is set.' }),
  broker('sasl.enabled.mechanisms', { type: 'LIST', default: 'GSSAPI', doc: 'SASL mechanisms the broker accepts.' }, DYNAMIC),
  broker('sasl.mechanism.inter.broker.protocol', { type: 'STRING', default: 'GSSAPI', doc: 'SASL mechanism brokers use with each other.' }, DYNAMIC),
  broker('sasl.mechanism.controller.protocol', { type: 'STRING', default: 'GSSAPI', doc: 'SASL mechanism used to reach the controller.' }),
  broker('sasl.jaas.config', { type: 'PASSWORD', default: null, doc: 'JAAS login configuration for SASL connections.' }, DYNAMIC),
  broker('ssl.keystore.type', { type: 'STRING', default: 'JKS', doc: 'Format of the key store file.' }, DYNAMIC),
  broker('ssl.keystore.location', { type: 'STRING', default: null, doc: 'Path of the key store file.' }, DYNAMIC),
  broker('ssl.keystore.certificate.chain', { type: 'PASSWORD', default: null, doc: 'PEM certificate chain of the key store, inline (ssl.keystore.type=PEM).' }, DYNAMIC),
  broker('ssl.keystore.key', { type: 'PASSWORD', default: null, doc: 'PEM private key of the key store, inline (ssl.keystore.type=PEM).' }, DYNAMIC),
  broker('ssl.truststore.certificates', { type: 'PASSWORD', default: null, doc: 'PEM trusted certificates, inline (ssl.truststore.type=PEM).' }, DYNAMIC),
  broker('ssl.keystore.password', { type: 'PASSWORD', default: null, doc: 'Password of the key store file.' }, DYNAMIC),
  broker('ssl.key.password', { type: 'PASSWORD', default: null, doc: 'Password of the private key in the key store.' }, DYNAMIC),
  broker('ssl.truststore.type', { type: 'STRING', default: 'JKS', doc: 'Format of the trust store file.' }, DYNAMIC),
  broker('ssl.truststore.location', { type: 'STRING', default: null, doc: 'Path of the trust store file.' }, DYNAMIC),
  broker('ssl.truststore.password', { type: 'PASSWORD', default: null, doc: 'Password of the trust store file.' }, DYNAMIC),
  broker('ssl.client.auth', { type: 'STRING', default: 'none', validator: oneOf(['required', 'requested', 'none']), doc: 'Whether TLS clients must, may or need not present a certificate.' }, DYNAMIC),
  broker('ssl.endpoint.identification.algorithm', { type: 'STRING', default: 'https', doc: 'Host name verification of TLS peers; empty turns it off.' }, DYNAMIC),
  broker('ssl.enabled.protocols', { type: 'LIST', default: 'TLSv1.2,TLSv1.3', doc: 'TLS protocol versions accepted.' }, DYNAMIC),
  broker('ssl.protocol', { type: 'STRING', default: 'TLSv1.3', doc: 'TLS protocol used to build the SSL context.' }, DYNAMIC),
  broker('ssl.cipher.suites', { type: 'LIST', default: '', doc: 'Cipher suites accepted; empty means the JVM defaults.' }, DYNAMIC),
  broker('principal.builder.class', { type: 'CLASS', default: 'org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder', doc: 'Class that turns an authenticated connection into a principal.' }, DYNAMIC),
  broker('authorizer.class.name', { type: 'STRING', default: '', doc: 'Authorizer class; empty means no authorization.' }),
  broker('super.users', { type: 'STRING', default: '', doc: 'Semicolon-separated principals (User:alice) the authorizer allows everything.' }),
  broker('allow.everyone.if.no.acl.found', { type: 'BOOLEAN', default: 'false', doc: 'Whether the authorizer allows an action on a resource that has no ACLs at all.' }),
  // Network and request handling
  broker('num.network.threads', { type: 'INT', default: '3', validator: atLeast(1), doc: 'Threads that read requests from and write responses to sockets.' }, DYNAMIC),
  broker('num.io.threads', { type: 'INT', default: '8', validator: atLeast(1), doc: 'Threads that process requests.' }, DYNAMIC),
  broker('background.threads', { type: 'INT', default: '10', validator: atLeast(1), doc: 'Threads for background work such as file deletion.' }, DYNAMIC),
  broker('queued.max.requests', { type: 'INT', default: '500', validator: atLeast(1), doc: 'Requests that may wait for an I/O thread before the network threads stop reading.' }),
  broker('socket.send.buffer.bytes', { type: 'INT', default: '102400', doc: 'SO_SNDBUF of server sockets; -1 means the OS default.' }),
  broker('socket.receive.buffer.bytes', { type: 'INT', default: '102400', doc: 'SO_RCVBUF of server sockets; -1 means the OS default.' }),
  broker('socket.request.max.bytes', { type: 'INT', default: '104857600', validator: atLeast(1), doc: 'Largest request the broker reads; bigger frames close the connection.' }),
  broker('sasl.server.max.receive.size', { type: 'INT', default: '524288', doc: 'Largest request a client may send before it has authenticated with SASL.' }),
  broker('connections.max.reauth.ms', { type: 'LONG', default: '0', doc: 'Longest a SASL session lasts before the client must re-authenticate; 0 means forever.' }),
  broker('connections.max.idle.ms', { type: 'LONG', default: '600000', doc: 'Idle time after which the broker closes a connection.' }),
  broker('max.connections', { type: 'INT', default: INT_MAX_VALUE, validator: atLeast(0), doc: 'Largest number of connections the broker accepts.' }, DYNAMIC),
  broker('max.connections.per.ip', { type: 'INT', default: INT_MAX_VALUE, validator: atLeast(0), doc: 'Largest number of connections from one IP address.' }, DYNAMIC),
  broker('max.connections.per.ip.overrides', { type: 'STRING', default: '', doc: 'Per-address exceptions to max.connections.per.ip, as host:count pairs.' }, DYNAMIC),
  broker('fetch.max.bytes', { type: 'INT', default: '57671680', validator: atLeast(1024), doc: 'Most bytes the broker returns for one fetch request.' }),
  broker('metric.reporters', { type: 'LIST', default: '', doc: 'Classes notified of metric changes.' }, DYNAMIC),
  // Topics
  broker('num.partitions', { type: 'INT', default: '1', validator: atLeast(1), doc: 'Partition count of automatically created topics and of CreateTopics without a count.' }),
  broker('default.replication.factor', { type: 'INT', default: '1', doc: 'Replication factor of automatically created topics and of CreateTopics without one.' }),
  broker('auto.create.topics.enable', { type: 'BOOLEAN', default: 'true', doc: 'Whether metadata requests may create missing topics.' }),
  broker('delete.topic.enable', { type: 'BOOLEAN', default: 'true', doc: 'Whether DeleteTopics is allowed.' }),
  broker('message.max.bytes', { type: 'INT', default: '1048588', validator: atLeast(0), doc: 'Default largest record batch a topic accepts (topic key max.message.bytes).' }, DYNAMIC),
  broker('min.insync.replicas', { type: 'INT', default: '1', validator: atLeast(1), doc: 'Default in-sync replicas needed for acks=all writes.' }, DYNAMIC),
  broker('unclean.leader.election.enable', { type: 'BOOLEAN', default: 'false', doc: 'Default for electing out-of-sync replicas as leader.' }, DYNAMIC),
  broker('compression.type', { type: 'STRING', default: 'producer', validator: oneOf(COMPRESSION_TYPES), doc: 'Default storage codec of topics.' }, DYNAMIC),
  broker('compression.gzip.level', { type: 'INT', default: '-1', validator: { kind: 'range', min: 1, max: 9, orExactly: -1 }, doc: 'Default gzip level for broker-side compression.' }, DYNAMIC),
  broker('compression.lz4.level', { type: 'INT', default: '9', validator: between(1, 17), doc: 'Default lz4 level for broker-side compression.' }, DYNAMIC),
  broker('compression.zstd.level', { type: 'INT', default: '3', validator: between(-131072, 22), doc: 'Default zstd level for broker-side compression.' }, DYNAMIC),
  // Log storage
  broker('log.dir', { type: 'STRING', default: '/tmp/kafka-logs', doc: 'Log directory, used when log.dirs is not set.' }),
  broker('log.dirs', { type: 'STRING', default: null, doc: 'Comma-separated log directories; overrides log.dir.' }),
  broker('num.recovery.threads.per.data.dir', { type: 'INT', default: '1', validator: atLeast(1), doc: 'Threads per log directory for recovery at start-up and flushing at shutdown.' }, DYNAMIC),
  broker('log.segment.bytes', { type: 'INT', default: '1073741824', validator: atLeast(14), doc: 'Default segment size (topic key segment.bytes).' }, DYNAMIC),
  broker('log.segment.delete.delay.ms', { type: 'LONG', default: '60000', validator: atLeast(0), doc: 'Default delay before deleted segment files are removed.' }, DYNAMIC),
  broker('log.roll.ms', { type: 'LONG', default: null, doc: 'Default segment age before rolling, in ms; overrides log.roll.hours.' }, DYNAMIC),
  broker('log.roll.hours', { type: 'INT', default: '168', validator: atLeast(1), doc: 'Default segment age before rolling, in hours.' }),
  broker('log.roll.jitter.ms', { type: 'LONG', default: null, doc: 'Default roll jitter in ms; overrides log.roll.jitter.hours.' }, DYNAMIC),
  broker('log.roll.jitter.hours', { type: 'INT', default: '0', validator: atLeast(0), doc: 'Default roll jitter in hours.' }),
  broker('log.retention.ms', { type: 'LONG', default: null, doc: 'Default retention time in ms; overrides minutes and hours; -1 keeps forever.' }, DYNAMIC),
  broker('log.retention.minutes', { type: 'INT', default: null, doc: 'Default retention time in minutes; overrides hours.' }),
  broker('log.retention.hours', { type: 'INT', default: '168', doc: 'Default retention time in hours.' }),
  broker('log.retention.bytes', { type: 'LONG', default: '-1', doc: 'Default size limit of a partition before deletion; -1 means none.' }, DYNAMIC),
  broker('log.retention.check.interval.ms', { type: 'LONG', default: '300000', validator: atLeast(1), doc: 'How often segments are checked for deletion.' }),
  broker('log.index.size.max.bytes', { type: 'INT', default: '10485760', validator: atLeast(4), doc: 'Default size of offset and time indexes.' }, DYNAMIC),
  broker('log.index.interval.bytes', { type: 'INT', default: '4096', validator: atLeast(0), doc: 'Default bytes between offset-index entries.' }, DYNAMIC),
  broker('log.flush.interval.messages', { type: 'LONG', default: LONG_MAX_VALUE, validator: atLeast(1), doc: 'Default number of messages before an fsync.' }, DYNAMIC),
  broker('log.flush.interval.ms', { type: 'LONG', default: null, doc: 'Default time data may stay unflushed; falls back to log.flush.scheduler.interval.ms.' }, DYNAMIC),
  broker('log.flush.scheduler.interval.ms', { type: 'LONG', default: LONG_MAX_VALUE, doc: 'How often the flusher checks whether logs need an fsync.' }),
  broker('log.flush.offset.checkpoint.interval.ms', { type: 'INT', default: '60000', validator: atLeast(0), doc: 'How often the recovery-point checkpoint is written.' }),
  broker('log.flush.start.offset.checkpoint.interval.ms', { type: 'INT', default: '60000', validator: atLeast(0), doc: 'How often the log-start-offset checkpoint is written.' }),
  broker('log.preallocate', { type: 'BOOLEAN', default: 'false', doc: 'Default for preallocating segment files.' }, DYNAMIC),
  broker('log.cleanup.policy', { type: 'LIST', default: 'delete', validator: listOf(CLEANUP_POLICIES), doc: 'Default cleanup policy of topics.' }, DYNAMIC),
  broker('log.message.format.version', { type: 'STRING', default: '3.0-IV1', doc: 'Deprecated; ignored with inter-broker protocol 3.0 or later.' }),
  broker('log.message.timestamp.type', { type: 'STRING', default: 'CreateTime', validator: oneOf(TIMESTAMP_TYPES), doc: 'Default timestamp type of topics.' }, DYNAMIC),
  broker('log.message.timestamp.difference.max.ms', { type: 'LONG', default: LONG_MAX_VALUE, validator: atLeast(0), doc: 'Deprecated default for the allowed timestamp skew.' }, DYNAMIC),
  broker('log.message.timestamp.before.max.ms', { type: 'LONG', default: LONG_MAX_VALUE, validator: atLeast(0), doc: 'Default limit for timestamps in the past.' }, DYNAMIC),
  broker('log.message.timestamp.after.max.ms', { type: 'LONG', default: LONG_MAX_VALUE, validator: atLeast(0), doc: 'Default limit for timestamps in the future.' }, DYNAMIC),
  broker('log.message.downconversion.enable', { type: 'BOOLEAN', default: 'true', doc: 'Default for serving old clients by down-converting batches.' }, DYNAMIC),
  broker('log.local.retention.ms', { type: 'LONG', default: '-2', validator: atLeast(-2), doc: 'Default local retention time with tiered storage.' }, DYNAMIC),
  broker('log.local.retention.bytes', { type: 'LONG', default: '-2', validator: atLeast(-2), doc: 'Default local retention size with tiered storage.' }, DYNAMIC),
  broker('log.cleaner.enable', { type: 'BOOLEAN', default: 'true', doc: 'Whether the log cleaner (compaction) runs.' }),
  broker('log.cleaner.threads', { type: 'INT', default: '1', validator: atLeast(0), doc: 'Threads that compact logs.' }, DYNAMIC),
  broker('log.cleaner.io.max.bytes.per.second', { type: 'DOUBLE', default: DOUBLE_MAX_VALUE, doc: 'I/O throttle of the cleaner, read plus write.' }, DYNAMIC),
  broker('log.cleaner.dedupe.buffer.size', { type: 'LONG', default: '134217728', doc: 'Memory for the cleaner key map, over all cleaner threads.' }, DYNAMIC),
  broker('log.cleaner.io.buffer.size', { type: 'INT', default: '524288', validator: atLeast(0), doc: 'Memory for cleaner read and write buffers, over all threads.' }, DYNAMIC),
  broker('log.cleaner.io.buffer.load.factor', { type: 'DOUBLE', default: '0.9', doc: 'Load factor of the cleaner key map.' }, DYNAMIC),
  broker('log.cleaner.backoff.ms', { type: 'LONG', default: '15000', validator: atLeast(0), doc: 'Sleep of the cleaner when there is nothing to clean.' }, DYNAMIC),
  broker('log.cleaner.min.cleanable.ratio', { type: 'DOUBLE', default: '0.5', validator: between(0, 1), doc: 'Default dirty ratio that triggers compaction.' }, DYNAMIC),
  broker('log.cleaner.delete.retention.ms', { type: 'LONG', default: '86400000', validator: atLeast(0), doc: 'Default tombstone retention on compacted topics.' }, DYNAMIC),
  broker('log.cleaner.min.compaction.lag.ms', { type: 'LONG', default: '0', validator: atLeast(0), doc: 'Default shortest time before a record may be compacted.' }, DYNAMIC),
  broker('log.cleaner.max.compaction.lag.ms', { type: 'LONG', default: LONG_MAX_VALUE, validator: atLeast(1), doc: 'Default longest time a record may stay uncompacted.' }, DYNAMIC),
  // Replication
  broker('replica.lag.time.max.ms', { type: 'LONG', default: '30000', doc: 'Time a follower may lag or stay silent before it leaves the ISR.' }),
  broker('replica.fetch.max.bytes', { type: 'INT', default: '1048576', validator: atLeast(0), doc: 'Bytes a follower asks for per partition.' }),
  broker('replica.fetch.min.bytes', { type: 'INT', default: '1', doc: 'Bytes a follower fetch waits for.' }),
  broker('replica.fetch.wait.max.ms', { type: 'INT', default: '500', doc: 'Longest wait of a follower fetch.' }),
  broker('replica.fetch.backoff.ms', { type: 'INT', default: '1000', validator: atLeast(0), doc: 'Sleep after a follower fetch error.' }),
  broker('replica.fetch.response.max.bytes', { type: 'INT', default: '10485760', validator: atLeast(0), doc: 'Bytes a follower asks for in one fetch response.' }),
  broker('replica.socket.timeout.ms', { type: 'INT', default: '30000', doc: 'Socket timeout of follower fetches.' }),
  broker('replica.socket.receive.buffer.bytes', { type: 'INT', default: '65536', doc: 'Socket receive buffer of follower fetches.' }),
  broker('replica.high.watermark.checkpoint.interval.ms', { type: 'LONG', default: '5000', doc: 'How often the high watermark is checkpointed.' }),
  broker('replica.selector.class', { type: 'STRING', default: null, doc: 'Class choosing the replica a consumer may fetch from.' }),
  broker('num.replica.fetchers', { type: 'INT', default: '1', doc: 'Fetcher threads per source broker.' }, DYNAMIC),
  broker('auto.leader.rebalance.enable', { type: 'BOOLEAN', default: 'true', doc: 'Whether leadership moves back to preferred replicas automatically.' }),
  broker('leader.imbalance.check.interval.seconds', { type: 'LONG', default: '300', validator: atLeast(1), doc: 'How often leader balance is checked.' }),
  broker('leader.imbalance.per.broker.percentage', { type: 'INT', default: '10', doc: 'Share of non-preferred leaders per broker that triggers a rebalance.' }),
  // Classic consumer groups and offsets
  broker('group.initial.rebalance.delay.ms', { type: 'INT', default: '3000', doc: 'Wait for more members before the first rebalance of a new classic group.' }),
  broker('group.min.session.timeout.ms', { type: 'INT', default: '6000', doc: 'Shortest session timeout a classic group member may ask for.' }),
  broker('group.max.session.timeout.ms', { type: 'INT', default: '1800000', doc: 'Longest session timeout a classic group member may ask for.' }),
  broker('group.max.size', { type: 'INT', default: INT_MAX_VALUE, validator: atLeast(1), doc: 'Largest number of members of a classic group.' }),
  broker('group.coordinator.rebalance.protocols', { type: 'LIST', default: 'classic', validator: listOf(['classic', 'consumer', 'share']), doc: 'Rebalance protocols the group coordinator enables.' }),
  broker('group.coordinator.threads', { type: 'INT', default: '1', validator: atLeast(1), doc: 'Threads of the group coordinator.' }),
  // KIP-848 consumer groups
  broker('group.consumer.session.timeout.ms', { type: 'INT', default: '45000', validator: atLeast(1), doc: 'Session timeout of consumer-protocol group members.' }),
  broker('group.consumer.min.session.timeout.ms', { type: 'INT', default: '45000', validator: atLeast(1), doc: 'Shortest session timeout of consumer-protocol members.' }),
  broker('group.consumer.max.session.timeout.ms', { type: 'INT', default: '60000', validator: atLeast(1), doc: 'Longest session timeout of consumer-protocol members.' }),
  broker('group.consumer.heartbeat.interval.ms', { type: 'INT', default: '5000', validator: atLeast(1), doc: 'Heartbeat interval given to consumer-protocol members.' }),
  broker('group.consumer.min.heartbeat.interval.ms', { type: 'INT', default: '5000', validator: atLeast(1), doc: 'Shortest heartbeat interval of consumer-protocol members.' }),
  broker('group.consumer.max.heartbeat.interval.ms', { type: 'INT', default: '15000', validator: atLeast(1), doc: 'Longest heartbeat interval of consumer-protocol members.' }),
  broker('group.consumer.max.size', { type: 'INT', default: INT_MAX_VALUE, validator: atLeast(1), doc: 'Largest number of members of a consumer-protocol group.' }),
  broker('group.consumer.assignors', { type: 'LIST', default: 'org.apache.kafka.coordinator.group.assignor.UniformAssignor,org.apache.kafka.coordinator.group.assignor.RangeAssignor', doc: 'Server-side assignors; the first is used when a member names none.' }),
  broker('group.consumer.migration.policy', { type: 'STRING', default: 'bidirectional', validator: oneOf(['disabled', 'upgrade', 'downgrade', 'bidirectional'], true), doc: 'Which conversions between classic and consumer groups with members are allowed.' }),
  broker('offsets.topic.num.partitions', { type: 'INT', default: '50', validator: atLeast(1), doc: 'Partitions of __consumer_offsets.' }),
  broker('offsets.topic.replication.factor', { type: 'SHORT', default: '3', validator: atLeast(1), doc: 'Replication factor of __consumer_offsets.' }),
  broker('offsets.topic.segment.bytes', { type: 'INT', default: '104857600', validator: atLeast(1), doc: 'Segment size of __consumer_offsets.' }),
  broker('offsets.topic.compression.codec', { type: 'INT', default: '0', doc: 'Codec id for offset commits written to __consumer_offsets.' }),
  broker('offsets.retention.minutes', { type: 'INT', default: '10080', validator: atLeast(1), doc: 'How long committed offsets of empty or unsubscribed groups are kept.' }),
  broker('offsets.retention.check.interval.ms', { type: 'LONG', default: '600000', validator: atLeast(1), doc: 'How often expired offsets are looked for.' }),
  broker('offsets.commit.timeout.ms', { type: 'INT', default: '5000', validator: atLeast(1), doc: 'How long an offset commit waits for replication.' }),
  broker('offsets.load.buffer.size', { type: 'INT', default: '5242880', validator: atLeast(1), doc: 'Read size when loading __consumer_offsets.' }),
  broker('offset.metadata.max.bytes', { type: 'INT', default: '4096', doc: 'Largest metadata string of an offset commit.' }),
  // Transactions and idempotence
  broker('transaction.state.log.num.partitions', { type: 'INT', default: '50', validator: atLeast(1), doc: 'Partitions of __transaction_state.' }),
  broker('transaction.state.log.replication.factor', { type: 'SHORT', default: '3', validator: atLeast(1), doc: 'Replication factor of __transaction_state.' }),
  broker('transaction.state.log.min.isr', { type: 'INT', default: '2', validator: atLeast(1), doc: 'min.insync.replicas of __transaction_state.' }),
  broker('transaction.state.log.segment.bytes', { type: 'INT', default: '104857600', validator: atLeast(1), doc: 'Segment size of __transaction_state.' }),
  broker('transaction.state.log.load.buffer.size', { type: 'INT', default: '5242880', validator: atLeast(1), doc: 'Read size when loading __transaction_state.' }),
  broker('transactional.id.expiration.ms', { type: 'INT', default: '604800000', validator: atLeast(1), doc: 'Idle time after which a transactional id expires.' }),
  broker('transaction.max.timeout.ms', { type: 'INT', default: '900000', validator: atLeast(1), doc: 'Largest transaction timeout a producer may ask for.' }),
  broker('transaction.abort.timed.out.transaction.cleanup.interval.ms', { type: 'INT', default: '10000', validator: atLeast(1), doc: 'How often timed-out transactions are aborted.' }),
  broker('transaction.remove.expired.transaction.cleanup.interval.ms', { type: 'INT', default: '3600000', validator: atLeast(1), doc: 'How often expired transactional ids are removed.' }),
  broker('transaction.partition.verification.enable', { type: 'BOOLEAN', default: 'true', doc: 'Whether the leader checks that a transactional write belongs to an ongoing transaction.' }, DYNAMIC),
  broker('producer.id.expiration.ms', { type: 'INT', default: '86400000', validator: atLeast(1), doc: 'Idle time after which idempotent producer state is dropped.' }, DYNAMIC),
];

export const BROKER_CONFIGS: ReadonlyMap<string, BrokerConfigDefinition> = new Map(brokerConfigList.map((d) => [d.name, d]));

/** Topic keys that are only topic-level: Kafka derives no broker default for them. */
export function topicConfigsWithoutBrokerDefault(): string[] {
  return topicConfigList.filter((d) => d.brokerSynonyms.length === 0).map((d) => d.name);
}

/**
 * The broker keys Kafka treats as one setting when it lists synonyms (DynamicBrokerConfig.brokerConfigSynonyms):
 * time settings with ms/minutes/hours variants, the flush interval and its scheduler fallback, and a
 * listener-prefixed key (listener.name.<listener>.<key>) with its unprefixed key.
 */
export function brokerConfigSynonyms(name: string): string[] {
  for (const group of BROKER_SYNONYM_GROUPS) {
    if (group.members.includes(name)) return [...group.synonyms];
  }
  const listenerOverride = LISTENER_OVERRIDE.exec(name);
  if (listenerOverride?.[1]) return [name, stripListenerMechanism(listenerOverride[1])];
  return [name];
}

const BROKER_SYNONYM_GROUPS: readonly { members: readonly string[]; synonyms: readonly string[] }[] = [
  { members: ['log.roll.ms', 'log.roll.hours'], synonyms: ['log.roll.ms', 'log.roll.hours'] },
  { members: ['log.roll.jitter.ms', 'log.roll.jitter.hours'], synonyms: ['log.roll.jitter.ms', 'log.roll.jitter.hours'] },
  // Only the ms key pulls in its scheduler fallback; describing the scheduler key alone lists just itself.
  { members: ['log.flush.interval.ms'], synonyms: ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'] },
  {
    members: ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
    synonyms: ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
  },
];

const LISTENER_OVERRIDE = /^listener\.name\.[^.]*\.(.*)$/;
// SASL settings can be scoped per listener and mechanism: listener.name.<l>.<mechanism>.<key>.
const LISTENER_MECHANISM_CONFIGS = ['sasl.jaas.config', 'sasl.login.class', 'sasl.login.callback.handler.class', 'sasl.server.callback.handler.class', 'connections.max.reauth.ms', 'sasl.server.max.receive.size'];

function stripListenerMechanism(baseName: string): string {
  return LISTENER_MECHANISM_CONFIGS.find((config) => baseName.endsWith(config)) ?? baseName;
}

/** The definition behind a broker key, looking through listener.name.<l>.[<mechanism>.] prefixes as Kafka does for types. */
export function brokerConfigDefinition(name: string): BrokerConfigDefinition | undefined {
  const exact = BROKER_CONFIGS.get(name);
  if (exact) return exact;
  const listenerOverride = LISTENER_OVERRIDE.exec(name);
  return listenerOverride?.[1] ? BROKER_CONFIGS.get(stripListenerMechanism(listenerOverride[1])) : undefined;
}
