import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { DescribeProducersRequest } from '../../protocol/generated/message/describe-producers-request.js';
import { DescribeProducersResponse, type DescribeProducersResponsePartitionResponse } from '../../protocol/generated/message/describe-producers-response.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

export function createDescribeProducersHandler(services: BrokerServices): ApiHandler<DescribeProducersRequest, DescribeProducersResponse> {
  function describe(topic: string, partitionIndex: number): DescribeProducersResponsePartitionResponse {
    const none = (errorCode: number): DescribeProducersResponsePartitionResponse => ({ partitionIndex, errorCode, errorMessage: null, activeProducers: [] });
    const partition = services.replicas.partition(topic, partitionIndex);
    if (partition === undefined) {
      return none(services.metadata.topic(topic)?.partitions.get(partitionIndex) === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }
    if (!partition.isLeader) return none(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    return {
      partitionIndex,
      errorCode: 0,
      errorMessage: null,
      activeProducers: partition.producers.activeProducers().map((p) => ({
        producerId: p.producerId,
        producerEpoch: p.producerEpoch,
        lastSequence: p.batches[p.batches.length - 1]?.lastSeq ?? -1,
        lastTimestamp: p.lastTimestamp,
        coordinatorEpoch: p.coordinatorEpoch,
        currentTxnStartOffset: p.currentTxnFirstOffset ?? -1n,
      })),
    };
  }

  return {
    apiKey: ApiKey.DescribeProducers,
    minVersion: 0,
    maxVersion: 0,
    handle(request, context) {
      const response = DescribeProducersResponse.defaults();
      response.topics = request.topics.map((t) => {
        const mayRead = authorized(services, context, AclOperation.READ, ResourceType.TOPIC, t.name);
        return { name: t.name, partitions: t.partitionIndexes.map((p) => (mayRead ? describe(t.name, p) : { partitionIndex: p, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null, activeProducers: [] })) };
      });
      return response;
    },
  };
}
