import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { DescribeConfigsRequest } from '../../../protocol/generated/message/describe-configs-request.js';
import { DescribeConfigsResponse } from '../../../protocol/generated/message/describe-configs-response.js';
import { ConfigSource } from '../../../src/config/describe.js';
import { startBroker, type RunningBroker } from '../../../src/index.js';
import { createTopic, RawClient } from '../broker/raw-client.js';

function describeRequest(resources: { resourceType: number; resourceName: string; configurationKeys: string[] | null }[], includeSynonyms = false, includeDocumentation = false): DescribeConfigsRequest {
  const body = DescribeConfigsRequest.defaults();
  body.resources = resources;
  body.includeSynonyms = includeSynonyms;
  body.includeDocumentation = includeDocumentation;
  return body;
}

describe('DescribeConfigs', () => {
  let broker: RunningBroker;
  let client: RawClient;
  beforeAll(async () => {
    broker = await startBroker();
    client = await RawClient.connect(broker.port);
    await createTopic(client, 'described', 1, { 'retention.ms': '12345' });
  });
  afterAll(async () => {
    client?.close();
    await broker?.stop();
  });

  it('kafkajs describeConfigs sees a topic override and a default with their sources', async () => {
    const admin = new kafkajs.Kafka({ brokers: [broker.bootstrapServers], logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const res = await admin.describeConfigs({ resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: 'described', configNames: ['retention.ms', 'cleanup.policy'] }], includeSynonyms: false });
      const entries = res.resources[0]!.configEntries;
      expect(entries.find((e) => e.configName === 'retention.ms')).toMatchObject({ configValue: '12345', isDefault: false, configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG });
      expect(entries.find((e) => e.configName === 'cleanup.policy')).toMatchObject({ configValue: 'delete', isDefault: true, configSource: ConfigSource.DEFAULT_CONFIG });
    } finally {
      await admin.disconnect();
    }
  });

  it('v0 reports isDefault; v1+ reports configSource and synonyms on request; v3+ documentation', async () => {
    const keys = { resourceType: 2, resourceName: 'described', configurationKeys: ['retention.ms', 'segment.bytes'] };
    const v0 = await client.request(ApiKey.DescribeConfigs, 0, DescribeConfigsRequest, describeRequest([keys]), DescribeConfigsResponse);
    expect(v0.results[0]!.configs.map((c) => [c.name, c.value, c.isDefault])).toEqual([
      ['retention.ms', '12345', false],
      ['segment.bytes', '1073741824', true],
    ]);
    const v1 = await client.request(ApiKey.DescribeConfigs, 1, DescribeConfigsRequest, describeRequest([keys], true), DescribeConfigsResponse);
    const retention = v1.results[0]!.configs.find((c) => c.name === 'retention.ms')!;
    expect(retention.configSource).toBe(ConfigSource.DYNAMIC_TOPIC_CONFIG);
    expect(retention.synonyms[0]).toEqual({ name: 'retention.ms', value: '12345', source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    const v4 = await client.request(ApiKey.DescribeConfigs, 4, DescribeConfigsRequest, describeRequest([keys], false, true), DescribeConfigsResponse);
    expect(v4.results[0]!.configs[0]!.documentation).toEqual(expect.any(String));
    expect(v4.results[0]!.configs[0]!.synonyms).toEqual([]);
  });

  it('describes this broker by id and the cluster default by empty name', async () => {
    const res = await client.request(
      ApiKey.DescribeConfigs,
      4,
      DescribeConfigsRequest,
      describeRequest([
        { resourceType: 4, resourceName: '1', configurationKeys: ['num.partitions'] },
        { resourceType: 4, resourceName: '', configurationKeys: null },
      ]),
      DescribeConfigsResponse,
    );
    expect(res.results[0]!.errorCode).toBe(0);
    expect(res.results[0]!.configs.map((c) => c.name)).toEqual(['num.partitions']);
    expect(res.results[1]!.errorCode).toBe(0);
  });

  it('reports a missing topic, a bad topic name, a wrong or non-numeric broker id and an unknown resource type', async () => {
    const res = await client.request(
      ApiKey.DescribeConfigs,
      4,
      DescribeConfigsRequest,
      describeRequest([
        { resourceType: 2, resourceName: 'missing', configurationKeys: null },
        { resourceType: 2, resourceName: 'bad/name', configurationKeys: null },
        { resourceType: 4, resourceName: '7', configurationKeys: null },
        { resourceType: 4, resourceName: 'seven', configurationKeys: null },
        { resourceType: 99, resourceName: 'x', configurationKeys: null },
      ]),
      DescribeConfigsResponse,
    );
    expect(res.results.map((r) => [r.resourceName, r.errorCode, r.configs.length])).toEqual([
      ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0],
      ['bad/name', ErrorCode.INVALID_TOPIC_EXCEPTION, 0],
      ['7', ErrorCode.INVALID_REQUEST, 0],
      ['seven', ErrorCode.INVALID_REQUEST, 0],
      ['x', ErrorCode.INVALID_REQUEST, 0],
    ]);
  });
});
