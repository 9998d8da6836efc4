// What handlers may call. Handlers see services through these types only; the broker
// assembles the real ones (and tests can assemble an in-memory broker the same way).
import type { BrokerConfig } from '../config/server-properties.js';
import type { MetadataView } from '../metadata/image/types.js';
import type { QuorumController } from '../metadata/controller/controller.js';
import type { ReplicaManager } from '../replication/replica-manager.js';
import type { EffectiveTopicConfig } from '../config/describe.js';
import type { HandlerRegistry } from './registry.js';
import type { FetchSessionCache } from '../replication/fetch-sessions.js';
import type { GroupCoordinator } from '../coordinator/group/group-coordinator.js';
import type { QuorumRpcServer } from '../metadata/quorum/raft-quorum.js';
import type { BrokerHeartbeatManager } from '../metadata/raft-driver/broker-heartbeat-manager.js';
import type { TransactionCoordinator } from '../coordinator/txn/transaction-coordinator.js';
import type { SaslAuthenticator } from '../security/sasl-authenticator.js';
import type { ScramCredentialStore } from '../security/types.js';
import type { Authorizer } from '../security/authorizer-types.js';

export interface AdvertisedEndpoint {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export interface BrokerServices {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly config: BrokerConfig;
  readonly metadata: MetadataView;
  readonly controller: QuorumController;
  readonly replicas: ReplicaManager;
  readonly registry: HandlerRegistry;
  /** Classic consumer groups and committed offsets in __consumer_offsets. */
  readonly groups: GroupCoordinator;
  /** Producer ids and transactions (__transaction_state). */
  readonly txnCoordinator: TransactionCoordinator;
  /** Live brokers' endpoints on the named listener (the one the request arrived on). */
  brokerEndpoints(listenerName: string): AdvertisedEndpoint[];
  /** The active controller's id as clients see it. */
  controllerId(): number;
  topicConfig(topic: string): EffectiveTopicConfig;
  /** Incremental fetch sessions (KIP-227); without it Fetch answers sessionless. */
  readonly fetchSessions?: FetchSessionCache;
  /** Size and free bytes of the data directory's volume; null when the logs live in memory (DescribeLogDirs v4). */
  logDirVolume?(): { totalBytes: bigint; usableBytes: bigint } | null;
  /** The metadata quorum's RPC side (Vote, BeginQuorumEpoch, EndQuorumEpoch, Raft Fetch, FetchSnapshot, DescribeQuorum). */
  readonly raft?: QuorumRpcServer;
  /** The active controller's side of BrokerRegistration and BrokerHeartbeat. */
  readonly brokerHeartbeats?: BrokerHeartbeatManager;
  /** SASL exchanges of the connections on SASL listeners (SaslHandshake, SaslAuthenticate). */
  readonly sasl?: SaslAuthenticator;
  /** Committed SCRAM credentials (DescribeUserScramCredentials); changes go through the controller. */
  readonly scramCredentials?: ScramCredentialStore;
  /** The ACL authorizer (authorizer.class.name); absent means every request is allowed and the ACL APIs answer SECURITY_DISABLED. */
  readonly authorizer?: Authorizer;
}
