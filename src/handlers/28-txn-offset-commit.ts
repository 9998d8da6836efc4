import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { TxnOffsetCommitRequest } from '../../protocol/generated/message/txn-offset-commit-request.js';
import { TxnOffsetCommitResponse } from '../../protocol/generated/message/txn-offset-commit-response.js';
import { NO_MEMBER } from '../coordinator/txn/txn-offsets.js';
import type { BrokerServices } from './services.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { authorized } from './authorization.js';
import type { ApiHandler } from './types.js';

export function createTxnOffsetCommitHandler(services: BrokerServices): ApiHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse> {
  return {
    apiKey: ApiKey.TxnOffsetCommit,
    minVersion: 0,
    maxVersion: 4,
    async handle(request, context) {
      const now = Date.now();
      // v3+ names the consumer (KIP-447); the group coordinator checks it when the offsets land.
      const member = context.apiVersion >= 3 ? { generationId: request.generationId, memberId: request.memberId, groupInstanceId: request.groupInstanceId } : NO_MEMBER;
      const unknown = (topic: string, partition: number): boolean => services.metadata.topic(topic)?.partitions.get(partition) === undefined;
      // WRITE on the transactional id and READ on the group refuse every partition; READ on a topic its own.
      const refusedAll = !authorized(services, context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)
        ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
        : !authorized(services, context, AclOperation.READ, ResourceType.GROUP, request.groupId) ? ErrorCode.GROUP_AUTHORIZATION_FAILED : 0;
      const refusedTopics = new Set(request.topics.filter((t) => !authorized(services, context, AclOperation.READ, ResourceType.TOPIC, t.name)).map((t) => t.name));
      const partitionRefusal = (topic: string): number => refusedAll !== 0 ? refusedAll : refusedTopics.has(topic) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : 0;
      const offsets = request.topics.flatMap((t) =>
        t.partitions
          .filter((p) => !unknown(t.name, p.partitionIndex) && partitionRefusal(t.name) === 0)
          .map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata, commitTimestamp: now })),
      );
      const errorCode = request.groupId === ''
        ? ErrorCode.INVALID_GROUP_ID
        : refusedAll !== 0 || (offsets.length === 0 && refusedTopics.size > 0)
        ? refusedAll
        : await services.txnCoordinator.txnOffsetCommit(request.transactionalId, request.producerId, request.producerEpoch, request.groupId, member, offsets);
      const response = TxnOffsetCommitResponse.defaults();
      response.topics = request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: partitionRefusal(t.name) || (unknown(t.name, p.partitionIndex) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : errorCode) })),
      }));
      return response;
    },
  };
}
