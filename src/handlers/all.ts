// Every API handler this build serves. The registry refuses a second handler for a key.
import type { HandlerRegistry } from './registry.js';
import type { BrokerServices } from './services.js';
import { createOffsetCommitHandler } from './08-offset-commit.js';
import { createOffsetFetchHandler } from './09-offset-fetch.js';
import { createFindCoordinatorHandler } from './10-find-coordinator.js';
import { createJoinGroupHandler } from './11-join-group.js';
import { createHeartbeatHandler } from './12-heartbeat.js';
import { createLeaveGroupHandler } from './13-leave-group.js';
import { createSyncGroupHandler } from './14-sync-group.js';
import { createDescribeGroupsHandler } from './15-describe-groups.js';
import { createListGroupsHandler } from './16-list-groups.js';
import { createDeleteGroupsHandler } from './42-delete-groups.js';
import { createOffsetDeleteHandler } from './47-offset-delete.js';
import { createConsumerGroupHeartbeatHandler } from './68-consumer-group-heartbeat.js';
import { createConsumerGroupDescribeHandler } from './69-consumer-group-describe.js';
import { createVoteHandler } from './52-vote.js';
import { createBeginQuorumEpochHandler } from './53-begin-quorum-epoch.js';
import { createEndQuorumEpochHandler } from './54-end-quorum-epoch.js';
import { createDescribeQuorumHandler } from './55-describe-quorum.js';
import { createFetchSnapshotHandler } from './59-fetch-snapshot.js';
import { createBrokerRegistrationHandler } from './62-broker-registration.js';
import { createBrokerHeartbeatHandler } from './63-broker-heartbeat.js';
import { createAlterPartitionHandler } from './56-alter-partition.js';
import { createAllocateProducerIdsHandler } from './67-allocate-producer-ids.js';
import { createProduceHandler } from './00-produce.js';
import { createFetchHandler } from './01-fetch.js';
import { createListOffsetsHandler } from './02-list-offsets.js';
import { createMetadataHandler } from './03-metadata.js';
import { createApiVersionsHandler } from './18-api-versions.js';
import { createCreateTopicsHandler } from './19-create-topics.js';
import { createInitProducerIdHandler } from './22-init-producer-id.js';
import { createAddPartitionsToTxnHandler } from './24-add-partitions-to-txn.js';
import { createAddOffsetsToTxnHandler } from './25-add-offsets-to-txn.js';
import { createEndTxnHandler } from './26-end-txn.js';
import { createWriteTxnMarkersHandler } from './27-write-txn-markers.js';
import { createTxnOffsetCommitHandler } from './28-txn-offset-commit.js';
import { createDescribeProducersHandler } from './61-describe-producers.js';
import { createDescribeTransactionsHandler } from './65-describe-transactions.js';
import { createListTransactionsHandler } from './66-list-transactions.js';
import { createDeleteTopicsHandler } from './20-delete-topics.js';
import { createDeleteRecordsHandler } from './21-delete-records.js';
import { createOffsetForLeaderEpochHandler } from './23-offset-for-leader-epoch.js';
import { createDescribeConfigsHandler } from './32-describe-configs.js';
import { createAlterConfigsHandler } from './33-alter-configs.js';
import { createDescribeLogDirsHandler } from './35-describe-log-dirs.js';
import { createCreatePartitionsHandler } from './37-create-partitions.js';
import { createIncrementalAlterConfigsHandler } from './44-incremental-alter-configs.js';
import { createDescribeClusterHandler } from './60-describe-cluster.js';
import { createDescribeTopicPartitionsHandler } from './75-describe-topic-partitions.js';
import { createSaslHandshakeHandler } from './17-sasl-handshake.js';
import { createSaslAuthenticateHandler } from './36-sasl-authenticate.js';
import { createDescribeUserScramCredentialsHandler } from './50-describe-user-scram-credentials.js';
import { createAlterUserScramCredentialsHandler } from './51-alter-user-scram-credentials.js';
import { createDescribeAclsHandler } from './29-describe-acls.js';
import { createCreateAclsHandler } from './30-create-acls.js';
import { createDeleteAclsHandler } from './31-delete-acls.js';
import { requireClusterPermission } from './authorization.js';
import { AclOperation } from '../security/acl.js';
import type { ApiHandler } from './types.js';

export function registerAllHandlers(registry: HandlerRegistry, services: BrokerServices): void {
  // Consumer groups and committed offsets (the group coordinator).
  registry
    .register(createOffsetCommitHandler(services))
    .register(createOffsetFetchHandler(services))
    .register(createFindCoordinatorHandler(services))
    .register(createJoinGroupHandler(services))
    .register(createHeartbeatHandler(services))
    .register(createLeaveGroupHandler(services))
    .register(createSyncGroupHandler(services))
    .register(createDescribeGroupsHandler(services))
    .register(createListGroupsHandler(services))
    .register(createDeleteGroupsHandler(services))
    .register(createOffsetDeleteHandler(services));
  // KIP-848: advertised only when enabled, as Kafka 3.9 does (its default is classic only).
  if (services.config.groupCoordinatorRebalanceProtocols.includes('consumer')) {
    registry.register(createConsumerGroupHeartbeatHandler(services)).register(createConsumerGroupDescribeHandler(services));
  }

  // The metadata quorum's RPCs (KRaft) and the other node-to-node APIs need CLUSTER_ACTION.
  const internal = <Req, Res extends { errorCode: number }>(handler: ApiHandler<Req, Res>): ApiHandler<Req, Res> => requireClusterPermission(services, AclOperation.CLUSTER_ACTION, handler);
  registry
    .register(internal(createVoteHandler(services)))
    .register(internal(createBeginQuorumEpochHandler(services)))
    .register(internal(createEndQuorumEpochHandler(services)))
    .register(requireClusterPermission(services, AclOperation.DESCRIBE, createDescribeQuorumHandler(services)))
    .register(internal(createFetchSnapshotHandler(services)))
    .register(internal(createBrokerRegistrationHandler(services)))
    .register(internal(createBrokerHeartbeatHandler(services)))
    .register(internal(createAlterPartitionHandler(services)))
    .register(internal(createAllocateProducerIdsHandler(services)));

  // Idempotent and transactional producers (the transaction coordinator).
  registry
    .register(createInitProducerIdHandler(services))
    .register(createAddPartitionsToTxnHandler(services))
    .register(createAddOffsetsToTxnHandler(services))
    .register(createEndTxnHandler(services))
    .register(createWriteTxnMarkersHandler(services))
    .register(createTxnOffsetCommitHandler(services))
    .register(createDescribeProducersHandler(services))
    .register(createDescribeTransactionsHandler(services))
    .register(createListTransactionsHandler(services));

  registry
    .register(createProduceHandler(services))
    .register(createFetchHandler(services))
    .register(createListOffsetsHandler(services))
    .register(createMetadataHandler(services))
    .register(createApiVersionsHandler(services))
    .register(createCreateTopicsHandler(services));

  registry
    .register(createDeleteTopicsHandler(services))
    .register(createDeleteRecordsHandler(services))
    .register(createOffsetForLeaderEpochHandler(services))
    .register(createDescribeConfigsHandler(services))
    .register(createAlterConfigsHandler(services))
    .register(createDescribeLogDirsHandler(services))
    .register(createCreatePartitionsHandler(services))
    .register(createIncrementalAlterConfigsHandler(services))
    .register(createDescribeClusterHandler(services))
    .register(createDescribeTopicPartitionsHandler(services));

  // Authentication (src/security): SASL exchanges and the SCRAM credentials in the metadata log.
  registry
    .register(createSaslHandshakeHandler(services))
    .register(createSaslAuthenticateHandler(services))
    .register(createDescribeUserScramCredentialsHandler(services))
    .register(createAlterUserScramCredentialsHandler(services));

  // Authorization (src/security/authorizer.ts): ACLs in the metadata log.
  registry
    .register(createDescribeAclsHandler(services))
    .register(createCreateAclsHandler(services))
    .register(createDeleteAclsHandler(services));
}
