import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { DescribeClusterRequest } from '../../../protocol/generated/message/describe-cluster-request.js';
import { DescribeClusterResponse } from '../../../protocol/generated/message/describe-cluster-response.js';
import { startBroker, type RunningBroker } from '../../../src/index.js';
import { RawClient } from '../broker/raw-client.js';

describe('DescribeCluster', () => {
  let broker: RunningBroker;
  let client: RawClient;
  beforeAll(async () => {
    broker = await startBroker();
    client = await RawClient.connect(broker.port);
  });
  afterAll(async () => {
    client?.close();
    await broker?.stop();
  });

  it('kafkajs describeCluster sees this broker, the cluster id and a controller', async () => {
    const admin = new kafkajs.Kafka({ brokers: [broker.bootstrapServers], logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.clusterId).toBe(broker.clusterId);
      expect(cluster.brokers).toEqual([{ nodeId: 1, host: 'localhost', port: broker.port }]);
      expect(cluster.controller).toBe(1);
    } finally {
      await admin.disconnect();
    }
  });

  const ask = (version: number, endpointType: number, includeClusterAuthorizedOperations = false) => {
    const body = DescribeClusterRequest.defaults();
    body.endpointType = endpointType;
    body.includeClusterAuthorizedOperations = includeClusterAuthorizedOperations;
    return client.request(ApiKey.DescribeCluster, version, DescribeClusterRequest, body, DescribeClusterResponse);
  };

  it('v0 and v1 (brokers) answer with the brokers; authorized operations only when asked', async () => {
    const v0 = await ask(0, 1);
    expect(v0).toMatchObject({ errorCode: 0, clusterId: broker.clusterId, controllerId: 1, clusterAuthorizedOperations: -2147483648 });
    const v1 = await ask(1, 1, true);
    expect(v1.endpointType).toBe(1);
    expect(v1.brokers.map((b) => b.brokerId)).toEqual([1]);
    // DESCRIBE (bit 8) and ALTER_CONFIGS (bit 11) are among the cluster operations allowed without an authorizer.
    expect(v1.clusterAuthorizedOperations & (1 << 8)).not.toBe(0);
    expect(v1.clusterAuthorizedOperations & (1 << 11)).not.toBe(0);
  });

  it('v1 asking for controllers gets MISMATCHED_ENDPOINT_TYPE; an unknown type UNSUPPORTED_ENDPOINT_TYPE', async () => {
    expect((await ask(1, 2)).errorCode).toBe(ErrorCode.MISMATCHED_ENDPOINT_TYPE);
    expect((await ask(1, 7)).errorCode).toBe(ErrorCode.UNSUPPORTED_ENDPOINT_TYPE);
  });
});
