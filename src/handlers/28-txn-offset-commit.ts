import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { TxnOffsetCommitRequest } from '../../protocol/generated/message/txn-offset-commit-request.js';
import { TxnOffsetCommitResponse } from '../../protocol/generated/message/txn-offset-commit-response.js';
import { NO_MEMBER } from '../coordinator/txn/txn-offsets.js';
import type { BrokerServices } from './services.js';
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
      const offsets = request.topics.flatMap((t) =>
        t.partitions
          .filter((p) => !unknown(t.name, p.partitionIndex))
          .map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata, commitTimestamp: now })),
      );
      const errorCode = request.groupId === ''
        ? ErrorCode.INVALID_GROUP_ID
        : await services.txnCoordinator.txnOffsetCommit(request.transactionalId, request.producerId, request.producerEpoch, request.groupId, member, offsets);
      const response = TxnOffsetCommitResponse.defaults();
      response.topics = request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: unknown(t.name, p.partitionIndex) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : errorCode })),
      }));
      return response;
    },
  };
}
