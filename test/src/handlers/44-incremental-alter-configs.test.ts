import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { IncrementalAlterConfigsRequest } from '../../../protocol/generated/message/incremental-alter-configs-request.js';
import { IncrementalAlterConfigsResponse } from '../../../protocol/generated/message/incremental-alter-configs-response.js';
import { DescribeConfigsRequest } from '../../../protocol/generated/message/describe-configs-request.js';
import { DescribeConfigsResponse } from '../../../protocol/generated/message/describe-configs-response.js';
import { ConfigSource } from '../../../src/config/describe.js';
import { ConfigOp } from '../../../src/handlers/44-incremental-alter-configs.js';
import { startBroker, type RunningBroker } from '../../../src/index.js';
import { batch, createTopic, overridesOf, produce, RawClient } from '../broker/raw-client.js';

type Op = [name: string, op: number, value: string | null];

function incremental(resources: { resourceType: number; resourceName: string; ops: Op[] }[], validateOnly = false): IncrementalAlterConfigsRequest {
  const body = IncrementalAlterConfigsRequest.defaults();
  body.validateOnly = validateOnly;
  body.resources = resources.map((r) => ({
    resourceType: r.resourceType,
    resourceName: r.resourceName,
    configs: r.ops.map(([name, configOperation, value]) => ({ name, configOperation, value })),
  }));
  return body;
}

describe('IncrementalAlterConfigs', () => {
  let broker: RunningBroker;
  let client: RawClient;
  const send = (version: number, resources: Parameters<typeof incremental>[0], validateOnly = false) =>
    client.request(ApiKey.IncrementalAlterConfigs, version, IncrementalAlterConfigsRequest, incremental(resources, validateOnly), IncrementalAlterConfigsResponse);

  beforeAll(async () => {
    broker = await startBroker();
    client = await RawClient.connect(broker.port);
    await createTopic(client, 'inc', 1, { 'retention.ms': '1000' });
  });
  afterAll(async () => {
    client?.close();
    await broker?.stop();
  });

  it('SET and DELETE change only the keys named', async () => {
    const res = await send(1, [{ resourceType: 2, resourceName: 'inc', ops: [['segment.ms', ConfigOp.SET, '60000'], ['retention.ms', ConfigOp.DELETE, null]] }]);
    expect(res.responses[0]!.errorCode).toBe(0);
    expect(await overridesOf(client, 2, 'inc')).toEqual({ 'segment.ms': '60000' });
  });

  it('APPEND and SUBTRACT edit list configs, starting from the default', async () => {
    expect((await send(0, [{ resourceType: 2, resourceName: 'inc', ops: [['cleanup.policy', ConfigOp.APPEND, 'compact']] }])).responses[0]!.errorCode).toBe(0);
    expect((await overridesOf(client, 2, 'inc'))['cleanup.policy']).toBe('delete,compact');
    expect((await send(0, [{ resourceType: 2, resourceName: 'inc', ops: [['cleanup.policy', ConfigOp.SUBTRACT, 'delete']] }])).responses[0]!.errorCode).toBe(0);
    expect((await overridesOf(client, 2, 'inc'))['cleanup.policy']).toBe('compact');
  });

  it('rejects APPEND on a non-list, bad values and unknown keys with INVALID_CONFIG; duplicates and nulls with INVALID_REQUEST', async () => {
    const res = await send(1, [
      { resourceType: 2, resourceName: 'inc', ops: [['retention.ms', ConfigOp.APPEND, '5']] },
      { resourceType: 2, resourceName: 'missing', ops: [['retention.ms', ConfigOp.SET, '5']] },
      { resourceType: 8, resourceName: '1', ops: [['kafka.server', ConfigOp.SET, 'DEBUG']] },
    ]);
    expect(res.responses.map((r) => [r.resourceName, r.errorCode])).toEqual([
      ['inc', ErrorCode.INVALID_CONFIG],
      ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ['1', ErrorCode.INVALID_CONFIG],
    ]);
    const cases: [Op[], number][] = [
      [[['retention.ms', ConfigOp.SET, 'later']], ErrorCode.INVALID_CONFIG],
      [[['no.such.key', ConfigOp.SET, '1']], ErrorCode.INVALID_CONFIG],
      [[['retention.ms', ConfigOp.SET, '1'], ['retention.ms', ConfigOp.DELETE, null]], ErrorCode.INVALID_REQUEST],
      [[['retention.ms', ConfigOp.SET, null]], ErrorCode.INVALID_REQUEST],
      [[['retention.ms', 9, '1']], ErrorCode.INVALID_REQUEST],
    ];
    for (const [ops, code] of cases) {
      expect((await send(1, [{ resourceType: 2, resourceName: 'inc', ops }])).responses[0]!.errorCode).toBe(code);
    }
    expect((await overridesOf(client, 2, 'inc'))['retention.ms']).toBeUndefined();
  });

  it('validateOnly leaves the overrides alone', async () => {
    const before = await overridesOf(client, 2, 'inc');
    expect((await send(1, [{ resourceType: 2, resourceName: 'inc', ops: [['retention.ms', ConfigOp.SET, '7']] }], true)).responses[0]!.errorCode).toBe(0);
    expect(await overridesOf(client, 2, 'inc')).toEqual(before);
  });

  it('a SET reaches the live log at once, and DELETE restores the default', async () => {
    await createTopic(client, 'inc-live', 1);
    const big = batch(['z'.repeat(500)]);
    expect((await send(1, [{ resourceType: 2, resourceName: 'inc-live', ops: [['max.message.bytes', ConfigOp.SET, '300']] }])).responses[0]!.errorCode).toBe(0);
    expect((await produce(client, 'inc-live', 0, big)).errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect((await send(1, [{ resourceType: 2, resourceName: 'inc-live', ops: [['max.message.bytes', ConfigOp.DELETE, null]] }])).responses[0]!.errorCode).toBe(0);
    expect((await produce(client, 'inc-live', 0, big)).errorCode).toBe(0);
  });

  it('a cluster-wide broker default (message.max.bytes) reaches topics without an override, and DescribeConfigs shows where it came from', async () => {
    await createTopic(client, 'inherits', 1);
    const big = batch(['w'.repeat(500)]);
    expect((await send(1, [{ resourceType: 4, resourceName: '', ops: [['message.max.bytes', ConfigOp.SET, '300']] }])).responses[0]!.errorCode).toBe(0);
    expect((await produce(client, 'inherits', 0, big)).errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    const body = DescribeConfigsRequest.defaults();
    body.resources = [{ resourceType: 2, resourceName: 'inherits', configurationKeys: ['max.message.bytes'] }];
    const described = await client.request(ApiKey.DescribeConfigs, 4, DescribeConfigsRequest, body, DescribeConfigsResponse);
    expect(described.results[0]!.configs[0]).toMatchObject({ value: '300', configSource: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
    expect((await send(1, [{ resourceType: 4, resourceName: '', ops: [['message.max.bytes', ConfigOp.DELETE, null]] }])).responses[0]!.errorCode).toBe(0);
    expect((await produce(client, 'inherits', 0, big)).errorCode).toBe(0);
  });

  it('refuses a broker key that cannot change without a restart with INVALID_REQUEST', async () => {
    const res = await send(1, [{ resourceType: 4, resourceName: '1', ops: [['num.partitions', ConfigOp.SET, '3']] }]);
    expect(res.responses[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });
});
