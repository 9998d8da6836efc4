import { describe, expect, it } from 'vitest';
import {
  ConfigSource,
  describeBrokerConfigs,
  describeTopicConfigs,
  effectiveTopicConfig,
  validateTopicConfig,
  validateTopicConfigs,
  type DescribeConfigsEntry,
} from '../../../src/config/describe.js';
import type { BrokerConfigSources } from '../../../src/config/values.js';

// What Kafka's sample KRaft server.properties sets for the log.
const sampleBroker: BrokerConfigSources = {
  staticConfig: new Map([
    ['log.retention.hours', '168'],
    ['log.segment.bytes', '1073741824'],
    ['log.retention.check.interval.ms', '300000'],
    ['num.partitions', '1'],
  ]),
};
const noOverrides = new Map<string, string>();

function find(entries: readonly DescribeConfigsEntry[], name: string): DescribeConfigsEntry {
  const found = entries.find((e) => e.name === name);
  if (!found) throw new Error(`no entry ${name}`);
  return found;
}

describe('describeTopicConfigs', () => {
  const entries = describeTopicConfigs(noOverrides, sampleBroker, { includeSynonyms: true, includeDocumentation: true });

  it('lists every topic config, none read-only or sensitive', () => {
    expect(entries).toHaveLength(36);
    expect(entries.every((e) => !e.readOnly && !e.isSensitive)).toBe(true);
  });

  it('reports a broker-level static synonym as the source, followed by its default', () => {
    expect(find(entries, 'segment.bytes')).toMatchObject({
      value: '1073741824',
      configSource: ConfigSource.STATIC_BROKER_CONFIG,
      isDefault: false,
      configType: 3,
      synonyms: [
        { name: 'log.segment.bytes', value: '1073741824', source: ConfigSource.STATIC_BROKER_CONFIG },
        { name: 'log.segment.bytes', value: '1073741824', source: ConfigSource.DEFAULT_CONFIG },
      ],
    });
  });

  it('drops hour-based synonyms for retention.ms, as Kafka does (synonyms={})', () => {
    expect(find(entries, 'retention.ms')).toMatchObject({
      value: '604800000',
      configSource: ConfigSource.DEFAULT_CONFIG,
      isDefault: true,
      synonyms: [],
      configType: 5,
    });
    expect(find(entries, 'flush.ms')).toMatchObject({ value: '9223372036854775807', synonyms: [] });
  });

  it('reports plain defaults with their broker default synonym', () => {
    expect(find(entries, 'cleanup.policy')).toMatchObject({
      value: 'delete',
      configSource: ConfigSource.DEFAULT_CONFIG,
      configType: 7,
      synonyms: [{ name: 'log.cleanup.policy', value: 'delete', source: ConfigSource.DEFAULT_CONFIG }],
    });
    expect(find(entries, 'min.cleanable.dirty.ratio')).toMatchObject({ value: '0.5', configType: 6 });
    expect(find(entries, 'max.message.bytes')).toMatchObject({
      value: '1048588',
      synonyms: [{ name: 'message.max.bytes', value: '1048588', source: ConfigSource.DEFAULT_CONFIG }],
    });
    expect(find(entries, 'remote.storage.enable')).toMatchObject({ value: 'false', configSource: ConfigSource.DEFAULT_CONFIG, synonyms: [] });
    expect(find(entries, 'retention.ms').documentation).toMatch(/deletion/);
  });

  it('puts a topic override first and prints it normalised', () => {
    const overridden = describeTopicConfigs(new Map([['retention.ms', ' 1000 '], ['cleanup.policy', 'compact, delete']]), sampleBroker, {
      includeSynonyms: true,
    });
    expect(find(overridden, 'retention.ms')).toMatchObject({
      value: '1000',
      configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG,
      synonyms: [{ name: 'retention.ms', value: '1000', source: ConfigSource.DYNAMIC_TOPIC_CONFIG }],
    });
    expect(find(overridden, 'cleanup.policy')).toMatchObject({
      value: 'compact,delete',
      synonyms: [
        { name: 'cleanup.policy', value: 'compact,delete', source: ConfigSource.DYNAMIC_TOPIC_CONFIG },
        { name: 'log.cleanup.policy', value: 'delete', source: ConfigSource.DEFAULT_CONFIG },
      ],
    });
  });

  it('orders broker synonyms by source, then by synonym priority', () => {
    const broker: BrokerConfigSources = {
      staticConfig: new Map([['log.retention.ms', '5000'], ['log.retention.hours', '1']]),
      dynamicDefaultConfig: new Map([['log.retention.ms', '7000']]),
    };
    expect(find(describeTopicConfigs(noOverrides, broker, { includeSynonyms: true }), 'retention.ms')).toMatchObject({
      value: '7000',
      configSource: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
      synonyms: [
        { name: 'log.retention.ms', value: '7000', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG },
        { name: 'log.retention.ms', value: '5000', source: ConfigSource.STATIC_BROKER_CONFIG },
        { name: 'log.retention.hours', value: '1', source: ConfigSource.STATIC_BROKER_CONFIG },
        { name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG },
      ],
    });
  });

  it('leaves synonyms and documentation out unless asked, and honours the key filter', () => {
    const only = describeTopicConfigs(new Map([['retention.ms', '1']]), sampleBroker, { keys: ['retention.ms', 'not.a.config'] });
    expect(only).toEqual([
      {
        name: 'retention.ms',
        value: '1',
        readOnly: false,
        isDefault: false,
        configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG,
        isSensitive: false,
        synonyms: [],
        configType: 5,
        documentation: null,
      },
    ]);
  });
});

describe('describeBrokerConfigs', () => {
  const broker: BrokerConfigSources = {
    staticConfig: new Map([
      ['log.retention.hours', '168'],
      ['my.plugin.setting', 'abc'],
      ['ssl.keystore.password', 'secret'],
      ['num.io.threads', ' 8 '],
    ]),
    dynamicBrokerConfig: new Map([['log.cleaner.threads', '2']]),
    dynamicDefaultConfig: new Map([['log.retention.ms', '3600000']]),
  };
  const entries = describeBrokerConfigs(broker, { includeSynonyms: true });

  it('reports keys it does not know as static, read-only and sensitive (type unknown)', () => {
    expect(find(entries, 'my.plugin.setting')).toEqual({
      name: 'my.plugin.setting',
      value: null,
      readOnly: true,
      isDefault: false,
      configSource: ConfigSource.STATIC_BROKER_CONFIG,
      isSensitive: true,
      synonyms: [{ name: 'my.plugin.setting', value: null, source: ConfigSource.STATIC_BROKER_CONFIG }],
      configType: 0,
      documentation: null,
    });
  });

  it('hides passwords and marks read-only versus dynamic keys as Kafka does', () => {
    expect(find(entries, 'ssl.keystore.password')).toMatchObject({ value: null, isSensitive: true, readOnly: false, configType: 9 });
    expect(find(entries, 'log.retention.hours')).toMatchObject({ value: '168', readOnly: true, configSource: ConfigSource.STATIC_BROKER_CONFIG });
    expect(find(entries, 'log.retention.ms')).toMatchObject({
      value: '3600000',
      readOnly: false,
      configSource: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
    });
    expect(find(entries, 'log.cleaner.threads')).toMatchObject({ value: '2', configSource: ConfigSource.DYNAMIC_BROKER_CONFIG });
    expect(find(entries, 'num.io.threads')).toMatchObject({ value: '8', readOnly: false });
    expect(find(entries, 'node.id')).toMatchObject({ value: '-1', readOnly: true, isDefault: true, configSource: ConfigSource.DEFAULT_CONFIG });
    expect(find(entries, 'advertised.listeners')).toMatchObject({ value: null, configSource: ConfigSource.DEFAULT_CONFIG, synonyms: [] });
  });

  it('lists only cluster-wide dynamic defaults for the default resource', () => {
    const defaults = describeBrokerConfigs(broker, { perBroker: false, includeSynonyms: true });
    expect(defaults).toEqual([
      expect.objectContaining({
        name: 'log.retention.ms',
        value: '3600000',
        configSource: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
        synonyms: [{ name: 'log.retention.ms', value: '3600000', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG }],
      }),
    ]);
  });
});

describe('validateTopicConfig', () => {
  it('accepts valid values', () => {
    expect(validateTopicConfig('retention.ms', '-1')).toEqual({ errorCode: 0 });
    expect(validateTopicConfig('cleanup.policy', 'compact')).toEqual({ errorCode: 0 });
  });
  it('rejects unknown keys, nulls and bad values with INVALID_CONFIG', () => {
    expect(validateTopicConfig('retention.hours', '1')).toEqual({ errorCode: 40, errorMessage: 'Unknown topic config name: retention.hours' });
    expect(validateTopicConfig('retention.ms', null)).toEqual({ errorCode: 40, errorMessage: 'Null value not supported for topic configs: retention.ms' });
    expect(validateTopicConfig('retention.ms', '-2')).toEqual({
      errorCode: 40,
      errorMessage: 'Invalid value -2 for configuration retention.ms: Value must be at least -1',
    });
    expect(validateTopicConfig('message.timestamp.type', 'createtime')).toMatchObject({ errorCode: 40 });
  });
  it('checks rules across keys', () => {
    expect(validateTopicConfigs(new Map([['min.compaction.lag.ms', '10'], ['max.compaction.lag.ms', '5']]), sampleBroker)).toEqual({
      errorCode: 40,
      errorMessage: 'conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)',
    });
    expect(
      validateTopicConfigs(new Map([['remote.storage.enable', 'true'], ['retention.ms', '1000'], ['local.retention.ms', '2000']]), sampleBroker),
    ).toMatchObject({ errorCode: 40, errorMessage: expect.stringContaining('must not be more than retention.ms') });
    expect(validateTopicConfigs(new Map([['retention.ms', '1000'], ['local.retention.ms', '2000']]), sampleBroker)).toEqual({ errorCode: 0 });
    expect(validateTopicConfigs(new Map([['segment.ms', null]]), sampleBroker)).toMatchObject({ errorCode: 40 });
  });
});

describe('effectiveTopicConfig', () => {
  it('takes Kafka defaults when nothing is set', () => {
    const config = effectiveTopicConfig(noOverrides, { staticConfig: new Map() });
    expect(config).toMatchObject({
      cleanupPolicy: ['delete'],
      compact: false,
      delete: true,
      compressionType: 'producer',
      retentionMs: 604_800_000,
      retentionBytes: -1,
      segmentBytes: 1_073_741_824,
      segmentMs: 604_800_000,
      segmentJitterMs: 0,
      maxMessageBytes: 1_048_588,
      minInsyncReplicas: 1,
      messageTimestampType: 'CreateTime',
      flushMessages: Number.MAX_SAFE_INTEGER,
      minCleanableDirtyRatio: 0.5,
      localRetentionMs: -2,
      uncleanLeaderElectionEnable: false,
    });
  });

  it('converts broker synonyms to topic units in priority order', () => {
    const fromHours = effectiveTopicConfig(noOverrides, { staticConfig: new Map([['log.retention.hours', '2'], ['log.roll.hours', '1']]) });
    expect(fromHours.retentionMs).toBe(7_200_000);
    expect(fromHours.segmentMs).toBe(3_600_000);
    const fromMinutes = effectiveTopicConfig(noOverrides, { staticConfig: new Map([['log.retention.hours', '2'], ['log.retention.minutes', '5']]) });
    expect(fromMinutes.retentionMs).toBe(300_000);
    const fromMs = effectiveTopicConfig(noOverrides, { staticConfig: new Map([['log.retention.minutes', '5'], ['log.retention.ms', '42']]) });
    expect(fromMs.retentionMs).toBe(42);
    const forever = effectiveTopicConfig(noOverrides, { staticConfig: new Map([['log.retention.hours', '-5']]) });
    expect(forever.retentionMs).toBe(-1);
    const flush = effectiveTopicConfig(noOverrides, { staticConfig: new Map([['log.flush.scheduler.interval.ms', '3000']]) });
    expect(flush.flushMs).toBe(3000);
  });

  it('lets topic overrides win over broker values', () => {
    const config = effectiveTopicConfig(
      new Map([['segment.bytes', '1048576'], ['cleanup.policy', 'compact'], ['message.timestamp.type', 'LogAppendTime']]),
      { staticConfig: new Map([['log.segment.bytes', '2097152']]) },
    );
    expect(config).toMatchObject({ segmentBytes: 1_048_576, compact: true, delete: false, messageTimestampType: 'LogAppendTime' });
  });

  it('falls back to the deprecated timestamp difference while before/after stay at their defaults', () => {
    const config = effectiveTopicConfig(new Map([['message.timestamp.difference.max.ms', '60000'], ['message.timestamp.after.max.ms', '1000']]), sampleBroker);
    expect(config.messageTimestampBeforeMaxMs).toBe(60_000);
    expect(config.messageTimestampAfterMaxMs).toBe(1000);
  });

  it('throws on an invalid override, naming the key', () => {
    expect(() => effectiveTopicConfig(new Map([['segment.bytes', 'big']]), sampleBroker)).toThrow(/segment\.bytes/);
  });
});
