// DescribeQuorum (55): the metadata quorum's leader, epoch, high watermark and replica progress.
// Answered from this node's view; only the leader knows the replica states (others say
// NOT_LEADER_OR_FOLLOWER and name the leader, as a KRaft voter does).
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type { DescribeQuorumRequest } from '../../protocol/generated/message/describe-quorum-request.js';
import { createDescribeQuorumResponse, type DescribeQuorumResponse } from '../../protocol/generated/message/describe-quorum-response.js';
import { ZERO_UUID } from '../../protocol/runtime/index.js';
import { METADATA_TOPIC_NAME } from '../metadata/raft-driver/raft-codec.js';
import type { ReplicaStateDescription } from '../metadata/raft/types.js';
import type { BrokerServices } from './services.js';
import type { ApiHandler } from './types.js';

export function createDescribeQuorumHandler(services: BrokerServices): ApiHandler<DescribeQuorumRequest, DescribeQuorumResponse> {
  return {
    apiKey: ApiKey.DescribeQuorum,
    minVersion: 0,
    maxVersion: 2,
    handle(request, context) {
      const raft = services.raft;
      const topic = request.topics[0];
      if (raft === undefined || topic === undefined || topic.topicName !== METADATA_TOPIC_NAME || topic.partitions[0]?.partitionIndex !== 0) {
        return createDescribeQuorumResponse({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: context.apiVersion >= 2 ? 'Only __cluster_metadata-0 has a quorum' : null });
      }
      const q = raft.describeQuorum();
      const replica = (r: ReplicaStateDescription) => ({
        replicaId: r.replicaId,
        replicaDirectoryId: ZERO_UUID,
        logEndOffset: r.logEndOffset,
        lastFetchTimestamp: r.lastFetchTimestamp,
        lastCaughtUpTimestamp: r.lastCaughtUpTimestamp,
      });
      return createDescribeQuorumResponse({
        errorCode: 0,
        errorMessage: null,
        topics: [
          {
            topicName: METADATA_TOPIC_NAME,
            partitions: [
              {
                partitionIndex: 0,
                errorCode: q.errorCode,
                errorMessage: null,
                leaderId: q.leaderId,
                leaderEpoch: q.leaderEpoch,
                highWatermark: q.highWatermark,
                currentVoters: q.currentVoters.map(replica),
                observers: q.observers.map(replica),
              },
            ],
          },
        ],
        nodes: context.apiVersion >= 2 ? raft.voters.map((v) => ({ nodeId: v.id, listeners: [{ name: services.config.controllerListenerNames[0] ?? 'CONTROLLER', host: v.host, port: v.port }] })) : [],
      });
    },
  };
}
