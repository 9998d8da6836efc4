import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { MetadataRequest } from '../../protocol/generated/message/metadata-request.js';
import { MetadataResponse, type MetadataResponseMetadataResponseTopic } from '../../protocol/generated/message/metadata-response.js';
import { ZERO_UUID } from '../../protocol/runtime/index.js';
import { INTERNAL_TOPICS, topicNameProblem } from '../metadata/controller/topic-names.js';
import type { TopicState } from '../metadata/image/types.js';
import type { BrokerServices } from './services.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

/** Kafka's "authorized operations not requested" sentinel. */
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

function topicError(name: string | null, errorCode: number): MetadataResponseMetadataResponseTopic {
  return {
    errorCode,
    name,
    topicId: ZERO_UUID,
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

export function describeTopic(topic: TopicState, liveBrokers: ReadonlySet<number>): MetadataResponseMetadataResponseTopic {
  const partitions = [...topic.partitions.values()]
    .sort((a, b) => a.partition - b.partition)
    .map((p) => ({
      errorCode: p.leader === -1 || !liveBrokers.has(p.leader) ? ErrorCode.LEADER_NOT_AVAILABLE : 0,
      partitionIndex: p.partition,
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: [...p.replicas],
      isrNodes: [...p.isr],
      offlineReplicas: p.replicas.filter((id) => !liveBrokers.has(id)),
    }));
  return {
    errorCode: 0,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: INTERNAL_TOPICS.has(topic.name),
    partitions,
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

export function createMetadataHandler(services: BrokerServices): ApiHandler<MetadataRequest, MetadataResponse> {
  return {
    apiKey: ApiKey.Metadata,
    minVersion: 0,
    maxVersion: 12,
    async handle(request, context) {
      const version = context.apiVersion;
      // v0 asks for all topics with an empty list; v1+ with null.
      const wantsAll = request.topics === null || (version === 0 && request.topics.length === 0);
      const allowAutoCreate = version < 4 || request.allowAutoTopicCreation;
      const endpoints = services.brokerEndpoints(context.connection.listenerName);
      const live = new Set(endpoints.map((e) => e.nodeId));
      const topics: MetadataResponseMetadataResponseTopic[] = [];
      // Topics the client may not DESCRIBE are left out of a full listing and refused by name;
      // auto-creation needs CREATE on the cluster or on the topic.
      const mayDescribe = (name: string): boolean => authorized(services, context, AclOperation.DESCRIBE, ResourceType.TOPIC, name);
      const mayCreate = (name: string): boolean =>
        authorized(services, context, AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER_NAME) || authorized(services, context, AclOperation.CREATE, ResourceType.TOPIC, name);
      if (wantsAll) {
        for (const topic of services.metadata.topics()) if (mayDescribe(topic.name)) topics.push(describeTopic(topic, live));
        topics.sort((a, b) => (a.name! < b.name! ? -1 : 1));
      } else {
        const toCreate: string[] = [];
        const positions = new Map<string, number>();
        for (const requested of request.topics ?? []) {
          if (requested.name === null) {
            // v12 looks topics up by id (Kafka 3.9 does; librdkafka's KIP-848 consumer resolves its assignment so).
            const byId = version >= 12 ? services.metadata.topicById(requested.topicId) : undefined;
            if (byId !== undefined && !mayDescribe(byId.name)) topics.push({ ...topicError(null, ErrorCode.TOPIC_AUTHORIZATION_FAILED), topicId: requested.topicId });
            else topics.push(byId !== undefined ? describeTopic(byId, live) : { ...topicError(null, ErrorCode.UNKNOWN_TOPIC_ID), topicId: requested.topicId });
            continue;
          }
          const name = requested.name;
          const existing = services.metadata.topic(name);
          if (!mayDescribe(name)) {
            topics.push(topicError(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
          } else if (existing !== undefined) {
            topics.push(describeTopic(existing, live));
          } else if (topicNameProblem(name) !== null) {
            topics.push(topicError(name, ErrorCode.INVALID_TOPIC_EXCEPTION));
          } else if (allowAutoCreate && services.config.autoCreateTopicsEnable && !INTERNAL_TOPICS.has(name) && !mayCreate(name)) {
            topics.push(topicError(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
          } else if (allowAutoCreate && services.config.autoCreateTopicsEnable && !INTERNAL_TOPICS.has(name)) {
            positions.set(name, topics.length);
            topics.push(topicError(name, ErrorCode.LEADER_NOT_AVAILABLE));
            toCreate.push(name);
          } else {
            topics.push(topicError(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
          }
        }
        if (toCreate.length > 0) {
          // Kafka creates asynchronously and answers LEADER_NOT_AVAILABLE; a local controller
          // commits in microseconds, so waiting answers with the topic and saves a client retry.
          const outcomes = await services.controller.createTopics(
            toCreate.map((name) => ({ name, numPartitions: -1, replicationFactor: -1, assignments: new Map(), configs: new Map() })),
            false,
          );
          for (const outcome of outcomes) {
            const topic = services.metadata.topic(outcome.name);
            const at = positions.get(outcome.name)!;
            if (topic !== undefined) topics[at] = describeTopic(topic, live);
            else if (outcome.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) topics[at] = topicError(outcome.name, outcome.errorCode);
          }
        }
      }
      const response = MetadataResponse.defaults();
      response.brokers = endpoints.map((e) => ({ nodeId: e.nodeId, host: e.host, port: e.port, rack: e.rack }));
      response.clusterId = services.clusterId;
      response.controllerId = services.controllerId();
      response.topics = topics;
      response.clusterAuthorizedOperations = AUTHORIZED_OPERATIONS_OMITTED;
      if (version < 10) for (const t of topics) t.topicId = ZERO_UUID;
      return response;
    },
  };
}
