import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { AlterConfigsRequest } from '../../../protocol/generated/message/alter-configs-request.js';
import { AlterConfigsResponse } from '../../../protocol/generated/message/alter-configs-response.js';
import { startBroker, type RunningBroker } from '../../../src/index.js';
import { batch, createTopic, overridesOf, produce, RawClient } from '../broker/raw-client.js';

type Resource = { resourceType: number; resourceName: string; configs: Record<string, string | null> };

function alter(resources: Resource[], validateOnly = false): AlterConfigsRequest {
  const body = AlterConfigsRequest.defaults();
  body.validateOnly = validateOnly;
  body.resources = resources.map((r) => ({ resourceType: r.resourceType, resourceName: r.resourceName, configs: Object.entries(r.configs).map(([name, value]) => ({ name, value })) }));
  return body;
}

describe('AlterConfigs', () => {
  let broker: RunningBroker;
  let client: RawClient;
  beforeAll(async () => {
    broker = await startBroker();
    client = await RawClient.connect(broker.port);
    await createTopic(client, 'altered', 1, { 'retention.ms': '1000', 'cleanup.policy': 'delete' });
  });
  afterAll(async () => {
    client?.close();
    await broker?.stop();
  });

  it('kafkajs alterConfigs replaces the whole override set, and the live log obeys it', async () => {
    const admin = new kafkajs.Kafka({ brokers: [broker.bootstrapServers], logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: 'altered', configEntries: [{ name: 'max.message.bytes', value: '200' }] }] });
    } finally {
      await admin.disconnect();
    }
    expect(await overridesOf(client, 2, 'altered')).toEqual({ 'max.message.bytes': '200' });
    const big = batch(['x'.repeat(400)]);
    expect((await produce(client, 'altered', 0, big)).errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    const res = await client.request(ApiKey.AlterConfigs, 1, AlterConfigsRequest, alter([{ resourceType: 2, resourceName: 'altered', configs: {} }]), AlterConfigsResponse);
    expect(res.responses[0]!.errorCode).toBe(0);
    expect(await overridesOf(client, 2, 'altered')).toEqual({});
    expect((await produce(client, 'altered', 0, big)).errorCode).toBe(0);
  });

  it('validateOnly checks without changing anything', async () => {
    const res = await client.request(ApiKey.AlterConfigs, 2, AlterConfigsRequest, alter([{ resourceType: 2, resourceName: 'altered', configs: { 'retention.ms': '5' } }], true), AlterConfigsResponse);
    expect(res.responses[0]!.errorCode).toBe(0);
    expect(await overridesOf(client, 2, 'altered')).toEqual({});
  });

  it.each([0, 1, 2])('v%i reports per resource: bad key/value, unknown topic, duplicates; good ones still apply', async (version) => {
    const res = await client.request(
      ApiKey.AlterConfigs,
      version,
      AlterConfigsRequest,
      alter([
        { resourceType: 2, resourceName: 'altered', configs: { 'no.such.config': '1' } },
        { resourceType: 2, resourceName: 'missing', configs: {} },
        { resourceType: 4, resourceName: '1', configs: { 'log.cleaner.threads': '2' } },
        { resourceType: 4, resourceName: '', configs: { 'num.partitions': '3' } },
        { resourceType: 4, resourceName: '1', configs: {} },
      ]),
      AlterConfigsResponse,
    );
    expect(res.responses.map((r) => [r.resourceName, r.errorCode])).toEqual([
      ['altered', ErrorCode.INVALID_CONFIG],
      ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ['1', ErrorCode.INVALID_REQUEST],
      ['', ErrorCode.INVALID_REQUEST],
    ]);
    const bad = await client.request(ApiKey.AlterConfigs, version, AlterConfigsRequest, alter([{ resourceType: 2, resourceName: 'altered', configs: { 'retention.ms': 'soon' } }]), AlterConfigsResponse);
    expect(bad.responses[0]!.errorCode).toBe(ErrorCode.INVALID_CONFIG);
  });

  it('sets a dynamic broker config for this broker', async () => {
    const res = await client.request(ApiKey.AlterConfigs, 2, AlterConfigsRequest, alter([{ resourceType: 4, resourceName: '1', configs: { 'log.cleaner.threads': '2' } }]), AlterConfigsResponse);
    expect(res.responses[0]!.errorCode).toBe(0);
    expect(await overridesOf(client, 4, '1')).toMatchObject({ 'log.cleaner.threads': '2' });
  });
});
