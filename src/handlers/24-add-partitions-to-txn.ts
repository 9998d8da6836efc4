import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnRequestAddPartitionsToTxnTopic } from '../../protocol/generated/message/add-partitions-to-txn-request.js';
import {
  AddPartitionsToTxnResponse,
  type AddPartitionsToTxnResponseAddPartitionsToTxnResult,
  type AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult,
} from '../../protocol/generated/message/add-partitions-to-txn-response.js';
import { fencedForVersion } from '../coordinator/txn/client-errors.js';
import type { BrokerServices } from './services.js';
import { AclOperation, CLUSTER_NAME, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

type TopicResult = AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult;

function results(topics: readonly AddPartitionsToTxnRequestAddPartitionsToTxnTopic[], errorOf: (topic: string, partition: number) => number): TopicResult[] {
  return topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: errorOf(t.name, p) })) }));
}

export function createAddPartitionsToTxnHandler(services: BrokerServices): ApiHandler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse> {
  /** One transaction's partitions: Kafka refuses the lot when any is unknown (the rest are not attempted). */
  async function addOne(transactionalId: string, producerId: bigint, producerEpoch: number, verifyOnly: boolean, topics: readonly AddPartitionsToTxnRequestAddPartitionsToTxnTopic[], version: number): Promise<TopicResult[]> {
    const unknown = (topic: string, partition: number): boolean => services.metadata.topic(topic)?.partitions.get(partition) === undefined;
    if (topics.some((t) => t.partitions.some((p) => unknown(t.name, p)))) {
      return results(topics, (t, p) => (unknown(t, p) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED));
    }
    const wanted = topics.map((t) => ({ topic: t.name, partitions: t.partitions }));
    if (verifyOnly) {
      const verified = await services.txnCoordinator.verifyPartitions(transactionalId, producerId, producerEpoch, wanted);
      return results(topics, (t, p) => verified.get(t)?.get(p) ?? ErrorCode.INVALID_TXN_STATE);
    }
    const errorCode = fencedForVersion(await services.txnCoordinator.addPartitions(transactionalId, producerId, producerEpoch, wanted), version, 2);
    return results(topics, () => errorCode);
  }

  return {
    apiKey: ApiKey.AddPartitionsToTxn,
    minVersion: 0,
    maxVersion: 5,
    async handle(request, context) {
      const version = context.apiVersion;
      const response = AddPartitionsToTxnResponse.defaults();
      if (version <= 3) {
        // WRITE on the transactional id, then on every topic (the others are then not attempted).
        const topics = request.v3AndBelowTopics;
        if (!authorized(services, context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.v3AndBelowTransactionalId)) {
          response.resultsByTopicV3AndBelow = results(topics, () => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
          return response;
        }
        const refused = new Set(topics.filter((t) => !authorized(services, context, AclOperation.WRITE, ResourceType.TOPIC, t.name)).map((t) => t.name));
        if (refused.size > 0) {
          response.resultsByTopicV3AndBelow = results(topics, (t) => (refused.has(t) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : ErrorCode.OPERATION_NOT_ATTEMPTED));
          return response;
        }
        response.resultsByTopicV3AndBelow = await addOne(request.v3AndBelowTransactionalId, request.v3AndBelowProducerId, request.v3AndBelowProducerEpoch, false, request.v3AndBelowTopics, version);
        return response;
      }
      // v4+ is the broker-to-coordinator batch (KIP-890): many transactions, possibly verify-only.
      if (!authorized(services, context, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_NAME)) {
        response.errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
        return response;
      }
      response.resultsByTransaction = await Promise.all(
        request.transactions.map(async (t): Promise<AddPartitionsToTxnResponseAddPartitionsToTxnResult> => ({
          transactionalId: t.transactionalId,
          topicResults: await addOne(t.transactionalId, t.producerId, t.producerEpoch, t.verifyOnly, t.topics, version),
        })),
      );
      return response;
    },
  };
}
