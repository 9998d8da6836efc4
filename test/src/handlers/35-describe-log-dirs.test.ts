import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { DescribeLogDirsRequest } from '../../../protocol/generated/message/describe-log-dirs-request.js';
import { DescribeLogDirsResponse } from '../../../protocol/generated/message/describe-log-dirs-response.js';
import { startBroker, type RunningBroker } from '../../../src/index.js';
import { batch, createTopic, produce, RawClient } from '../broker/raw-client.js';

describe('DescribeLogDirs', () => {
  let broker: RunningBroker;
  let client: RawClient;
  let written = 0;
  beforeAll(async () => {
    broker = await startBroker();
    client = await RawClient.connect(broker.port);
    await createTopic(client, 'sized', 2);
    const records = batch(['one', 'two']);
    written = records.length;
    await produce(client, 'sized', 1, records);
  });
  afterAll(async () => {
    client?.close();
    await broker?.stop();
  });

  it.each([0, 1, 2, 3, 4])('v%i lists the data dir with each partition\'s bytes and zero lag', async (version) => {
    const body = DescribeLogDirsRequest.defaults();
    body.topics = null;
    const res = await client.request(ApiKey.DescribeLogDirs, version, DescribeLogDirsRequest, body, DescribeLogDirsResponse);
    expect(res.results).toHaveLength(1);
    const dir = res.results[0]!;
    expect(dir.errorCode).toBe(0);
    expect(dir.logDir.length).toBeGreaterThan(0);
    // In memory there is no volume to measure: Kafka's UNKNOWN_VOLUME_BYTES (v4 carries the fields).
    if (version >= 4) expect([dir.totalBytes, dir.usableBytes]).toEqual([-1n, -1n]);
    const sized = dir.topics.find((t) => t.name === 'sized')!;
    expect(sized.partitions.map((p) => [p.partitionIndex, p.partitionSize, p.offsetLag])).toEqual([
      [0, 0n, 0n],
      [1, BigInt(written), 0n],
    ]);
  });

  it('limits the answer to the partitions asked for', async () => {
    const body = DescribeLogDirsRequest.defaults();
    body.topics = [{ topic: 'sized', partitions: [1, 5] }];
    const res = await client.request(ApiKey.DescribeLogDirs, 4, DescribeLogDirsRequest, body, DescribeLogDirsResponse);
    expect(res.results[0]!.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)])).toEqual([['sized', [1]]]);
  });
});
