import { describe, expect, it } from 'vitest';
import {
  BROKER_CONFIGS,
  brokerConfigDefinition,
  brokerConfigSynonyms,
  TOPIC_CONFIGS,
  topicConfigsWithoutBrokerDefault,
} from '../../../src/config/definitions.js';
import { parseConfigValue } from '../../../src/config/values.js';

describe('topic config definitions', () => {
  it('cover every topic config key of Kafka 3.9', () => {
    expect([...TOPIC_CONFIGS.keys()].sort()).toEqual(
      [
        'cleanup.policy', 'compression.gzip.level', 'compression.lz4.level', 'compression.type', 'compression.zstd.level',
        'delete.retention.ms', 'file.delete.delay.ms', 'flush.messages', 'flush.ms', 'follower.replication.throttled.replicas',
        'index.interval.bytes', 'leader.replication.throttled.replicas', 'local.retention.bytes', 'local.retention.ms',
        'max.compaction.lag.ms', 'max.message.bytes', 'message.downconversion.enable', 'message.format.version',
        'message.timestamp.after.max.ms', 'message.timestamp.before.max.ms', 'message.timestamp.difference.max.ms',
        'message.timestamp.type', 'min.cleanable.dirty.ratio', 'min.compaction.lag.ms', 'min.insync.replicas', 'preallocate',
        'remote.log.copy.disable', 'remote.log.delete.on.disable', 'remote.storage.enable', 'retention.bytes', 'retention.ms',
        'segment.bytes', 'segment.index.bytes', 'segment.jitter.ms', 'segment.ms', 'unclean.leader.election.enable',
      ].sort(),
    );
  });

  it('have defaults that pass their own validators', () => {
    for (const definition of [...TOPIC_CONFIGS.values(), ...BROKER_CONFIGS.values()]) {
      if (definition.defaultValue === null) continue;
      expect(parseConfigValue(definition, definition.defaultValue), definition.name).toMatchObject({ ok: true, text: definition.defaultValue });
    }
  });

  it('list broker synonyms in Kafka order, each a known broker key', () => {
    expect(TOPIC_CONFIGS.get('retention.ms')?.brokerSynonyms).toEqual([
      { name: 'log.retention.ms', toTopicUnit: 1 },
      { name: 'log.retention.minutes', toTopicUnit: 60_000 },
      { name: 'log.retention.hours', toTopicUnit: 3_600_000 },
    ]);
    expect(TOPIC_CONFIGS.get('max.message.bytes')?.brokerSynonyms.map((s) => s.name)).toEqual(['message.max.bytes']);
    expect(TOPIC_CONFIGS.get('segment.bytes')?.brokerSynonyms.map((s) => s.name)).toEqual(['log.segment.bytes']);
    expect(TOPIC_CONFIGS.get('cleanup.policy')?.brokerSynonyms.map((s) => s.name)).toEqual(['log.cleanup.policy']);
    expect(TOPIC_CONFIGS.get('flush.ms')?.brokerSynonyms.map((s) => s.name)).toEqual(['log.flush.interval.ms', 'log.flush.scheduler.interval.ms']);
    expect(TOPIC_CONFIGS.get('min.cleanable.dirty.ratio')?.brokerSynonyms.map((s) => s.name)).toEqual(['log.cleaner.min.cleanable.ratio']);
    for (const definition of TOPIC_CONFIGS.values()) {
      for (const synonym of definition.brokerSynonyms) expect(BROKER_CONFIGS.has(synonym.name), synonym.name).toBe(true);
    }
    expect(topicConfigsWithoutBrokerDefault().sort()).toEqual([
      'follower.replication.throttled.replicas', 'leader.replication.throttled.replicas', 'remote.log.copy.disable',
      'remote.log.delete.on.disable', 'remote.storage.enable',
    ]);
  });

  it('mark no topic config sensitive', () => {
    expect([...TOPIC_CONFIGS.values()].filter((d) => d.sensitive)).toEqual([]);
  });
});

describe('broker config definitions', () => {
  it('make the first broker synonym of each topic config dynamic, except the deprecated message format', () => {
    for (const definition of TOPIC_CONFIGS.values()) {
      const primary = definition.brokerSynonyms[0];
      if (!primary) continue;
      expect(BROKER_CONFIGS.get(primary.name)?.dynamic, primary.name).toBe(primary.name !== 'log.message.format.version');
    }
  });

  it('keep the hour and minute variants read-only, as Kafka does', () => {
    for (const name of ['log.retention.hours', 'log.retention.minutes', 'log.roll.hours', 'log.roll.jitter.hours', 'node.id', 'log.dirs']) {
      expect(BROKER_CONFIGS.get(name)?.dynamic, name).toBe(false);
    }
  });

  it('treat password types as sensitive', () => {
    expect(BROKER_CONFIGS.get('ssl.keystore.password')?.sensitive).toBe(true);
    expect(BROKER_CONFIGS.get('listeners')?.sensitive).toBe(false);
  });

  it('group synonyms the way DynamicBrokerConfig does', () => {
    expect(brokerConfigSynonyms('log.retention.hours')).toEqual(['log.retention.ms', 'log.retention.minutes', 'log.retention.hours']);
    expect(brokerConfigSynonyms('log.roll.ms')).toEqual(['log.roll.ms', 'log.roll.hours']);
    expect(brokerConfigSynonyms('log.flush.interval.ms')).toEqual(['log.flush.interval.ms', 'log.flush.scheduler.interval.ms']);
    expect(brokerConfigSynonyms('log.flush.scheduler.interval.ms')).toEqual(['log.flush.scheduler.interval.ms']);
    expect(brokerConfigSynonyms('listener.name.external.ssl.keystore.location')).toEqual([
      'listener.name.external.ssl.keystore.location',
      'ssl.keystore.location',
    ]);
    expect(brokerConfigSynonyms('listener.name.sasl_ssl.plain.sasl.jaas.config')).toEqual([
      'listener.name.sasl_ssl.plain.sasl.jaas.config',
      'sasl.jaas.config',
    ]);
    expect(brokerConfigSynonyms('num.partitions')).toEqual(['num.partitions']);
  });

  it('resolve listener-prefixed keys to the base definition', () => {
    expect(brokerConfigDefinition('listener.name.external.ssl.keystore.password')?.type).toBe('PASSWORD');
    expect(brokerConfigDefinition('no.such.key')).toBeUndefined();
  });
});
