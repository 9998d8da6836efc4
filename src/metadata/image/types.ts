/** Read-only views of committed cluster metadata, as built from the metadata log. */
import type { ScramCredentialStore } from '../../security/types.js';
import type { AclSource } from '../../security/acl-store.js';

export interface PartitionState {
  readonly topicId: string;
  readonly topicName: string;
  readonly partition: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly removingReplicas: readonly number[];
  readonly addingReplicas: readonly number[];
  /** -1 when there is no leader. */
  readonly leader: number;
  readonly leaderEpoch: number;
  /** Bumped on every change of the partition (Kafka's partition epoch). */
  readonly partitionEpoch: number;
  readonly leaderRecoveryState: number;
  readonly eligibleLeaderReplicas: readonly number[];
  readonly lastKnownElr: readonly number[];
}

export interface TopicState {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: ReadonlyMap<number, PartitionState>;
}

export interface BrokerEndpoint {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly securityProtocol: number;
}

export interface BrokerState {
  readonly id: number;
  readonly epoch: bigint;
  readonly incarnationId: string;
  readonly endpoints: readonly BrokerEndpoint[];
  readonly rack: string | null;
  readonly fenced: boolean;
  readonly inControlledShutdown: boolean;
}

/** ConfigRecord resource types (Kafka's ConfigResource.Type ids). */
export const ConfigResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;

/** What changed in one committed batch of records; the replica manager reacts to it. */
export interface MetadataDelta {
  readonly offset: bigint;
  readonly createdTopics: readonly TopicState[];
  readonly deletedTopics: readonly TopicState[];
  /** Partitions created or changed (leader, ISR, replicas). */
  readonly changedPartitions: readonly PartitionState[];
  /** Topic names whose config overrides changed. */
  readonly changedTopicConfigs: readonly string[];
  readonly changedBrokers: readonly number[];
}

export interface MetadataView {
  readonly clusterId: string;
  /** Offset of the last record applied, -1 before any. */
  readonly offset: bigint;
  topic(name: string): TopicState | undefined;
  topicById(id: string): TopicState | undefined;
  topics(): IterableIterator<TopicState>;
  broker(id: number): BrokerState | undefined;
  brokers(): IterableIterator<BrokerState>;
  /** Explicit config overrides of a resource (topic name, or broker id as text, '' for cluster default). */
  configs(resourceType: number, resourceName: string): ReadonlyMap<string, string>;
  feature(name: string): number | undefined;
  /** The next producer id block start the controller will hand out. */
  readonly nextProducerId: bigint;
  /** Committed SCRAM credentials (UserScramCredentialRecords); absent in views that do not track them. */
  readonly scramCredentials?: ScramCredentialStore;
  /** Committed ACLs (AccessControlEntryRecords); absent in views that do not track them. */
  readonly acls?: AclSource;
}
