import { describe, expect, it } from 'vitest';
import { BROKER_CONFIGS, TOPIC_CONFIGS, type ConfigDefinition } from '../../../src/config/definitions.js';
import {
  brokerValue,
  formatConfigValue,
  javaDoubleToString,
  layeredBrokerValue,
  longToNumber,
  parseConfigValue,
} from '../../../src/config/values.js';

function topicDef(name: string): ConfigDefinition {
  const definition = TOPIC_CONFIGS.get(name);
  if (!definition) throw new Error(name);
  return definition;
}

describe('parseConfigValue', () => {
  it('trims and parses numbers by type, rejecting overflow as Kafka does', () => {
    expect(parseConfigValue(topicDef('segment.bytes'), ' 1048576 ')).toEqual({ ok: true, value: 1048576, text: '1048576' });
    expect(parseConfigValue(topicDef('retention.ms'), '9223372036854775807')).toMatchObject({ ok: true, value: 9223372036854775807n });
    expect(parseConfigValue(topicDef('segment.bytes'), '2147483648')).toEqual({
      ok: false,
      message: 'Invalid value 2147483648 for configuration segment.bytes: Not a number of type INT',
    });
    expect(parseConfigValue(topicDef('retention.ms'), '1h')).toMatchObject({ ok: false, message: expect.stringContaining('Not a number of type LONG') });
    expect(parseConfigValue(topicDef('min.cleanable.dirty.ratio'), 'half')).toMatchObject({ ok: false });
  });

  it('accepts booleans case-insensitively and prints them in lower case', () => {
    expect(parseConfigValue(topicDef('preallocate'), 'TRUE')).toEqual({ ok: true, value: true, text: 'true' });
    expect(parseConfigValue(topicDef('preallocate'), 'yes')).toEqual({
      ok: false,
      message: 'Invalid value yes for configuration preallocate: Expected value to be either true or false',
    });
  });

  it('splits lists on commas with surrounding spaces', () => {
    expect(parseConfigValue(topicDef('cleanup.policy'), 'compact , delete')).toEqual({ ok: true, value: ['compact', 'delete'], text: 'compact,delete' });
    expect(parseConfigValue(topicDef('cleanup.policy'), '')).toEqual({ ok: true, value: [], text: '' });
  });

  it('applies range, enum and list validators with Kafka-style messages', () => {
    expect(parseConfigValue(topicDef('min.insync.replicas'), '0')).toEqual({
      ok: false,
      message: 'Invalid value 0 for configuration min.insync.replicas: Value must be at least 1',
    });
    expect(parseConfigValue(topicDef('min.cleanable.dirty.ratio'), '1.5')).toMatchObject({ ok: false, message: expect.stringContaining('Value must be no more than 1') });
    expect(parseConfigValue(topicDef('compression.type'), 'brotli')).toMatchObject({
      ok: false,
      message: 'Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer',
    });
    expect(parseConfigValue(topicDef('cleanup.policy'), 'compact,forever')).toEqual({
      ok: false,
      message: 'Invalid value forever for configuration cleanup.policy: String must be one of: compact, delete',
    });
  });

  it('allows gzip level -1 as the codec default but nothing else outside 1..9', () => {
    expect(parseConfigValue(topicDef('compression.gzip.level'), '-1')).toMatchObject({ ok: true });
    expect(parseConfigValue(topicDef('compression.gzip.level'), '9')).toMatchObject({ ok: true });
    expect(parseConfigValue(topicDef('compression.gzip.level'), '0')).toMatchObject({ ok: false });
    expect(parseConfigValue(topicDef('compression.gzip.level'), '10')).toMatchObject({ ok: false });
  });

  it('checks the throttled replica list shape', () => {
    const def = topicDef('leader.replication.throttled.replicas');
    expect(parseConfigValue(def, '*')).toMatchObject({ ok: true });
    expect(parseConfigValue(def, '0:1, 1:2')).toMatchObject({ ok: true, text: '0:1,1:2' });
    expect(parseConfigValue(def, '0-1')).toMatchObject({ ok: false });
  });

  it('keeps password values exactly, spaces included', () => {
    const def = BROKER_CONFIGS.get('ssl.key.password');
    expect(def && parseConfigValue(def, ' s3cret ')).toMatchObject({ ok: true, value: ' s3cret ' });
  });
});

describe('javaDoubleToString', () => {
  it.each([
    [0.5, '0.5'],
    [1, '1.0'],
    [0, '0.0'],
    [0.001, '0.001'],
    [1e-4, '1.0E-4'],
    [1e7, '1.0E7'],
    [1234567.5, '1234567.5'],
    [Number.MAX_VALUE, '1.7976931348623157E308'],
  ])('%d prints as %s', (value, text) => {
    expect(javaDoubleToString(value)).toBe(text);
    expect(formatConfigValue('DOUBLE', value)).toBe(text);
  });
});

describe('broker value layering', () => {
  const sources = {
    staticConfig: new Map([['num.partitions', '3'], ['log.retention.hours', '24']]),
    dynamicDefaultConfig: new Map([['num.partitions', '6']]),
    dynamicBrokerConfig: new Map([['log.retention.hours', '48']]),
  };
  it('prefers per-broker dynamic, then cluster default, then static, then the built-in default', () => {
    expect(layeredBrokerValue(sources, 'num.partitions')).toBe('6');
    expect(layeredBrokerValue(sources, 'log.retention.hours')).toBe('48');
    expect(layeredBrokerValue(sources, 'default.replication.factor')).toBe('1');
    expect(layeredBrokerValue(sources, 'log.retention.ms')).toBeUndefined();
    expect(brokerValue(sources, 'num.partitions')).toBe(6);
  });
  it('names the key of an invalid value', () => {
    expect(() => brokerValue({ staticConfig: new Map([['num.partitions', 'many']]) }, 'num.partitions')).toThrow(
      'Invalid value many for configuration num.partitions: Not a number of type INT',
    );
  });
  it('clamps Long.MAX_VALUE to the largest safe JS integer', () => {
    expect(longToNumber(9223372036854775807n)).toBe(Number.MAX_SAFE_INTEGER);
    expect(longToNumber(-2n)).toBe(-2);
  });
});
