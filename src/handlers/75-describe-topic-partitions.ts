import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { DescribeTopicPartitionsRequest } from '../../protocol/generated/message/describe-topic-partitions-request.js';
import {
  DescribeTopicPartitionsResponse,
  type DescribeTopicPartitionsResponseDescribeTopicPartitionsResponsePartition,
  type DescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic,
} from '../../protocol/generated/message/describe-topic-partitions-response.js';
import { ZERO_UUID } from '../../protocol/runtime/index.js';
import { INTERNAL_TOPICS, topicNameProblem } from '../metadata/controller/topic-names.js';
import type { TopicState } from '../metadata/image/types.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

/** Kafka's max.request.partition.size.limit default: the most partitions one answer holds. */
const MAX_REQUEST_PARTITION_SIZE_LIMIT = 2000;

/** Without an authorizer every TOPIC operation is allowed: READ..ALTER (3-8), DESCRIBE_CONFIGS (10), ALTER_CONFIGS (11). */
const TOPIC_OPERATIONS = [3, 4, 5, 6, 7, 8, 10, 11].reduce((mask, op) => mask | (1 << op), 0);

class InvalidRequest extends Error {}

function partitionsOf(topic: TopicState, from: number, limit: number, live: ReadonlySet<number>): DescribeTopicPartitionsResponseDescribeTopicPartitionsResponsePartition[] {
  const out: DescribeTopicPartitionsResponseDescribeTopicPartitionsResponsePartition[] = [];
  for (let index = from; index < topic.partitions.size && out.length < limit; index++) {
    const p = topic.partitions.get(index);
    if (p === undefined) continue;
    out.push({
      errorCode: p.leader === -1 || !live.has(p.leader) ? ErrorCode.LEADER_NOT_AVAILABLE : 0,
      partitionIndex: p.partition,
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: [...p.replicas],
      isrNodes: [...p.isr],
      eligibleLeaderReplicas: [...p.eligibleLeaderReplicas],
      lastKnownElr: [...p.lastKnownElr],
      offlineReplicas: p.replicas.filter((id) => !live.has(id)),
    });
  }
  return out;
}

/**
 * DescribeTopicPartitions v0 (KIP-966): topics in name order from the cursor on, at most
 * responsePartitionLimit partitions (capped at 2000); when the limit cuts the answer short,
 * nextCursor says where to continue. Asking for all topics (an empty list) skips missing ones.
 */
export function createDescribeTopicPartitionsHandler(services: BrokerServices): ApiHandler<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse> {
  return {
    apiKey: ApiKey.DescribeTopicPartitions,
    minVersion: 0,
    maxVersion: 0,
    handle(request, context) {
      const response = DescribeTopicPartitionsResponse.defaults();
      try {
        const mayDescribe = (name: string): boolean => authorized(services, context, AclOperation.DESCRIBE, ResourceType.TOPIC, name);
        response.topics = describe(services, request, context.connection.listenerName, response, mayDescribe);
      } catch (error) {
        if (!(error instanceof InvalidRequest)) throw error;
        // Kafka's error response: every requested topic carries the error.
        response.nextCursor = null;
        response.topics = request.topics.map((t) => ({
          errorCode: ErrorCode.INVALID_REQUEST,
          name: t.name,
          topicId: ZERO_UUID,
          isInternal: false,
          partitions: [],
          topicAuthorizedOperations: -2147483648,
        }));
      }
      return response;
    },
  };
}

function describe(
  services: BrokerServices,
  request: DescribeTopicPartitionsRequest,
  listenerName: string,
  response: DescribeTopicPartitionsResponse,
  /** DESCRIBE on the topic: others are left out of a full listing and refused by name. */
  mayDescribe: (name: string) => boolean,
): DescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic[] {
  const all = request.topics.length === 0;
  const cursor = request.cursor;
  const cursorTopic = cursor?.topicName ?? '';
  const names = new Set<string>();
  if (all) {
    for (const t of services.metadata.topics()) if (t.name >= cursorTopic) names.add(t.name);
  } else {
    for (const t of request.topics) if (t.name >= cursorTopic) names.add(t.name);
    if (cursor !== null && !names.has(cursor.topicName)) {
      throw new InvalidRequest(`DescribeTopicPartitionsRequest topic list should contain the cursor topic: ${cursor.topicName}`);
    }
  }
  if (cursor !== null && cursor.partitionIndex < 0) throw new InvalidRequest('DescribeTopicPartitionsRequest cursor partition must be valid');
  const live = new Set(services.brokerEndpoints(listenerName).map((e) => e.nodeId));
  let remaining = Math.max(Math.min(MAX_REQUEST_PARTITION_SIZE_LIMIT, request.responsePartitionLimit), 1);
  const topics: DescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic[] = [];
  for (const name of [...names].sort()) {
    if (remaining === 0) {
      // Every partition of the previous topic fit: continue from the start of this one.
      response.nextCursor = { topicName: name, partitionIndex: 0 };
      break;
    }
    if (!mayDescribe(name)) {
      if (!all) topics.push({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: TOPIC_OPERATIONS });
      continue;
    }
    const topic = services.metadata.topic(name);
    if (topic === undefined) {
      if (!all) {
        const errorCode = topicNameProblem(name) === null ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.INVALID_TOPIC_EXCEPTION;
        topics.push({ errorCode, name, topicId: ZERO_UUID, isInternal: INTERNAL_TOPICS.has(name), partitions: [], topicAuthorizedOperations: TOPIC_OPERATIONS });
      }
      continue;
    }
    const from = name === cursorTopic && cursor !== null ? cursor.partitionIndex : 0;
    const partitions = partitionsOf(topic, from, remaining, live);
    topics.push({ errorCode: 0, name, topicId: topic.topicId, isInternal: INTERNAL_TOPICS.has(name), partitions, topicAuthorizedOperations: TOPIC_OPERATIONS });
    const next = from + partitions.length;
    if (next < topic.partitions.size) {
      response.nextCursor = { topicName: name, partitionIndex: next };
      break;
    }
    remaining -= partitions.length;
  }
  return topics;
}
