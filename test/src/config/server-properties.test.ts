import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigSource, describeBrokerConfigs } from '../../../src/config/describe.js';
import { BrokerConfigError, loadBrokerConfig, loadBrokerConfigFile, parseProperties } from '../../../src/config/server-properties.js';

describe('parseProperties', () => {
  it('skips blank and # / ! comment lines, even indented ones', () => {
    const props = parseProperties('# comment\n  ! also a comment\n\n   \na=1\n');
    expect([...props]).toEqual([['a', '1']]);
  });

  it('accepts =, : and whitespace as separators, with whitespace around them', () => {
    const props = parseProperties('a=1\nb = 2\nc:3\nd : 4\ne 5\nf\t = \t6\ng\n');
    expect(Object.fromEntries(props)).toEqual({ a: '1', b: '2', c: '3', d: '4', e: '5', f: '6', g: '' });
  });

  it('keeps everything after the first separator, including further = and trailing spaces', () => {
    const props = parseProperties('sasl.jaas.config=org.Login required user="a=b";  \n');
    expect(props.get('sasl.jaas.config')).toBe('org.Login required user="a=b";  ');
  });

  it('joins continuation lines and drops the next line\'s leading whitespace', () => {
    const props = parseProperties('listeners=PLAINTEXT://:9092,\\\n    CONTROLLER://:9093\nnext=x\n');
    expect(props.get('listeners')).toBe('PLAINTEXT://:9092,CONTROLLER://:9093');
    expect(props.get('next')).toBe('x');
  });

  it('treats an even number of trailing backslashes as an escaped backslash, not a continuation', () => {
    const props = parseProperties('dir=C:\\\\\nother=1\n');
    expect(props.get('dir')).toBe('C:\\');
    expect(props.get('other')).toBe('1');
  });

  it('does not treat # on a continuation line as a comment', () => {
    expect(parseProperties('a=1\\\n#2\n').get('a')).toBe('1#2');
  });

  it('decodes escapes in keys and values', () => {
    const props = parseProperties('my\\ key\\=x\\:y=tab\\there\\nnew\\u00e9\\q\n');
    expect(props.get('my key=x:y')).toBe('tab\there\nnewéq');
  });

  it('rejects a malformed \\u escape with the line number', () => {
    expect(() => parseProperties('a=1\nb=\\u12g4\n')).toThrow('line 2: Malformed \\uxxxx encoding.');
  });

  it('handles CRLF and CR line endings, and lets later duplicates win', () => {
    expect(Object.fromEntries(parseProperties('a=1\r\nb=2\ra=3'))).toEqual({ a: '3', b: '2' });
  });
});

// Kafka 3.9's config/kraft/server.properties, trimmed of most comments.
const KRAFT_SERVER_PROPERTIES = `
############################# Server Basics #############################

# The role of this server. Setting this puts us in KRaft mode
process.roles=broker,controller

# The node id associated with this instance's roles
node.id=1

# List of controller endpoints used connect to the controller cluster
controller.quorum.bootstrap.servers=localhost:9093

############################# Socket Server Settings #############################

listeners=PLAINTEXT://:9092,CONTROLLER://:9093

# Name of listener used for communication between brokers.
inter.broker.listener.name=PLAINTEXT

advertised.listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093

controller.listener.names=CONTROLLER

listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL

num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600

############################# Log Basics #############################

log.dirs=/tmp/kraft-combined-logs
num.partitions=1
num.recovery.threads.per.data.dir=1

############################# Internal Topic Settings  #############################
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1

############################# Log Retention Policy #############################

log.retention.hours=168
#log.retention.bytes=1073741824
log.segment.bytes=1073741824
log.retention.check.interval.ms=300000
`;

describe('loadBrokerConfig with Kafka\'s sample KRaft server.properties', () => {
  const config = loadBrokerConfig(parseProperties(KRAFT_SERVER_PROPERTIES));

  it('reads identity, roles and quorum', () => {
    expect(config.processRoles).toEqual(['broker', 'controller']);
    expect(config.nodeId).toBe(1);
    expect(config.brokerId).toBe(1);
    expect(config.controllerQuorumBootstrapServers).toEqual([{ host: 'localhost', port: 9093 }]);
    expect(config.controllerQuorumVoters).toEqual([]);
    expect(config.controllerListenerNames).toEqual(['CONTROLLER']);
  });

  it('reads listeners with their security protocols', () => {
    expect(config.listeners).toEqual([
      { name: 'PLAINTEXT', host: '', port: 9092, securityProtocol: 'PLAINTEXT' },
      { name: 'CONTROLLER', host: '', port: 9093, securityProtocol: 'PLAINTEXT' },
    ]);
    expect(config.advertisedListeners.map((l) => `${l.name}://${l.host}:${l.port}`)).toEqual([
      'PLAINTEXT://localhost:9092',
      'CONTROLLER://localhost:9093',
    ]);
    expect(config.interBrokerListenerName).toBe('PLAINTEXT');
  });

  it('reads log and internal-topic settings, with Kafka defaults for the rest', () => {
    expect(config.logDirs).toEqual(['/tmp/kraft-combined-logs']);
    expect(config.metadataLogDir).toBe('/tmp/kraft-combined-logs');
    expect(config.offsetsTopicReplicationFactor).toBe(1);
    expect(config.transactionStateLogMinIsr).toBe(1);
    expect(config.offsetsTopicNumPartitions).toBe(50);
    expect(config.offsetsRetentionMs).toBe(7 * 24 * 60 * 60_000);
    expect(config.socketRequestMaxBytes).toBe(104_857_600);
    expect(config.topicDefaults.retentionMs).toBe(168 * 3_600_000);
    expect(config.topicDefaults.segmentBytes).toBe(1_073_741_824);
    expect(config.groupInitialRebalanceDelayMs).toBe(3000);
    expect(config.consumerGroup.heartbeatIntervalMs).toBe(5000);
    expect(config.unknownKeys).toEqual([]);
  });

  it('feeds DescribeConfigs with the static values', () => {
    const entries = describeBrokerConfigs(config.sources);
    expect(entries.find((e) => e.name === 'num.io.threads')).toMatchObject({ value: '8', configSource: ConfigSource.STATIC_BROKER_CONFIG });
  });
});

describe('loadBrokerConfig', () => {
  const minimal = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': '1@localhost:9093',
    'listeners': 'PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093',
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
  };

  it('applies command-line overrides on top of the file', () => {
    const config = loadBrokerConfig(minimal, { 'num.partitions': '4', 'log.retention.ms': '1000' });
    expect(config.numPartitions).toBe(4);
    expect(config.topicDefaults.retentionMs).toBe(1000);
    expect(config.controllerQuorumVoters).toEqual([{ id: 1, host: 'localhost', port: 9093 }]);
    // advertised.listeners defaults to the non-controller listeners.
    expect(config.advertisedListeners.map((l) => l.name)).toEqual(['PLAINTEXT']);
  });

  it('keeps unknown keys and reports them as static broker config', () => {
    const config = loadBrokerConfig({ ...minimal, 'confluent.support.metrics.enable': 'false' });
    expect(config.unknownKeys).toEqual(['confluent.support.metrics.enable']);
    const entry = describeBrokerConfigs(config.sources).find((e) => e.name === 'confluent.support.metrics.enable');
    expect(entry).toMatchObject({ configSource: ConfigSource.STATIC_BROKER_CONFIG, readOnly: true });
  });

  it('names the key of an invalid value', () => {
    expect(() => loadBrokerConfig({ ...minimal, 'num.partitions': 'lots' })).toThrow(
      'Invalid value lots for configuration num.partitions: Not a number of type INT',
    );
    try {
      loadBrokerConfig({ ...minimal, 'auto.create.topics.enable': 'maybe' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(BrokerConfigError);
      expect((error as InstanceType<typeof BrokerConfigError>).key).toBe('auto.create.topics.enable');
    }
  });

  it('copies broker.id to node.id and rejects two different ids', () => {
    const { 'node.id': _nodeId, ...withoutNodeId } = minimal;
    expect(loadBrokerConfig({ ...withoutNodeId, 'broker.id': '1' }).nodeId).toBe(1);
    expect(() => loadBrokerConfig({ ...minimal, 'broker.id': '2' })).toThrow(/node\.id \(1\) and broker\.id \(2\)/);
  });

  it('enforces the KRaft rules that stop a node from starting', () => {
    const { 'node.id': _nodeId, ...noId } = minimal;
    expect(() => loadBrokerConfig(noId)).toThrow(/node\.id must be set/);
    expect(() => loadBrokerConfig({ ...minimal, 'controller.listener.names': '' })).toThrow(/controller\.listener\.names/);
    expect(() => loadBrokerConfig({ ...minimal, 'controller.quorum.voters': '2@localhost:9093' })).toThrow(/node id 1 must be one of/);
    expect(() => loadBrokerConfig({ ...minimal, 'controller.quorum.voters': 'one@localhost' })).toThrow(/controller\.quorum\.voters/);
    expect(() => loadBrokerConfig({ ...minimal, 'inter.broker.listener.name': 'CONTROLLER' })).toThrow(/must not be a controller listener/);
    expect(() => loadBrokerConfig({ ...minimal, 'inter.broker.listener.name': 'PLAINTEXT', 'security.inter.broker.protocol': 'PLAINTEXT' })).toThrow(
      /Only one of/,
    );
  });

  it('keeps controller listeners on controller-role nodes only', () => {
    const brokerOnly = { ...minimal, 'process.roles': 'broker', 'node.id': '2', 'broker.id': '2' };
    expect(() => loadBrokerConfig(brokerOnly)).toThrow(/must not contain the controller listeners/);
    expect(loadBrokerConfig({ ...brokerOnly, listeners: 'PLAINTEXT://:9092' }).processRoles).toEqual(['broker']);
    expect(() => loadBrokerConfig({ ...minimal, 'process.roles': 'controller' })).toThrow(/only the listeners named in controller.listener.names/);
    expect(loadBrokerConfig({ ...minimal, 'process.roles': 'controller', listeners: 'CONTROLLER://:9093' }).listeners).toHaveLength(1);
    expect(() => loadBrokerConfig({ ...minimal, 'process.roles': 'broker,broker' })).toThrow(/Duplicate role names/);
  });

  it('rejects listeners without a security protocol and duplicate ports', () => {
    expect(() => loadBrokerConfig({ ...minimal, listeners: 'PLAINTEXT://:9092,EXTERNAL://:9094,CONTROLLER://:9093' })).toThrow(
      /no security protocol defined for listener EXTERNAL/,
    );
    expect(() => loadBrokerConfig({ ...minimal, listeners: 'PLAINTEXT://:9092,CONTROLLER://:9092' })).toThrow(/different port/);
    expect(() => loadBrokerConfig({ ...minimal, listeners: 'PLAINTEXT:9092' })).toThrow(/NAME:\/\/host:port/);
  });

  it('checks KIP-848 heartbeat and session bounds', () => {
    expect(() => loadBrokerConfig({ ...minimal, 'group.consumer.heartbeat.interval.ms': '50000' })).toThrow(/group\.consumer\.heartbeat\.interval\.ms/);
  });

  it('accepts an empty configuration outside KRaft mode with Kafka defaults', () => {
    const config = loadBrokerConfig({});
    expect(config.processRoles).toEqual([]);
    expect(config.listeners).toEqual([{ name: 'PLAINTEXT', host: '', port: 9092, securityProtocol: 'PLAINTEXT' }]);
    expect(config.logDirs).toEqual(['/tmp/kafka-logs']);
  });
});

describe('loadBrokerConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file and prefixes errors with its path', () => {
    const good = join(dir, 'server.properties');
    writeFileSync(good, KRAFT_SERVER_PROPERTIES);
    expect(loadBrokerConfigFile(good).nodeId).toBe(1);
    const bad = join(dir, 'bad.properties');
    writeFileSync(bad, `${KRAFT_SERVER_PROPERTIES}\nnum.io.threads=0\n`);
    expect(() => loadBrokerConfigFile(bad)).toThrow(`${bad}: Invalid value 0 for configuration num.io.threads: Value must be at least 1`);
    expect(() => loadBrokerConfigFile(join(dir, 'missing.properties'))).toThrow(/cannot read broker config/);
  });
});
