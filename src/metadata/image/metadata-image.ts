import { MetadataRecordType } from '../../../protocol/generated/metadata-records.js';
import type { TopicRecord } from '../../../protocol/generated/metadata/topic-record.js';
import type { PartitionRecord } from '../../../protocol/generated/metadata/partition-record.js';
import type { PartitionChangeRecord } from '../../../protocol/generated/metadata/partition-change-record.js';
import type { RemoveTopicRecord } from '../../../protocol/generated/metadata/remove-topic-record.js';
import type { ConfigRecord } from '../../../protocol/generated/metadata/config-record.js';
import type { RegisterBrokerRecord } from '../../../protocol/generated/metadata/register-broker-record.js';
import type { UnregisterBrokerRecord } from '../../../protocol/generated/metadata/unregister-broker-record.js';
import type { FenceBrokerRecord } from '../../../protocol/generated/metadata/fence-broker-record.js';
import type { UnfenceBrokerRecord } from '../../../protocol/generated/metadata/unfence-broker-record.js';
import type { BrokerRegistrationChangeRecord } from '../../../protocol/generated/metadata/broker-registration-change-record.js';
import type { FeatureLevelRecord } from '../../../protocol/generated/metadata/feature-level-record.js';
import type { ProducerIdsRecord } from '../../../protocol/generated/metadata/producer-ids-record.js';
import type { UserScramCredentialRecord } from '../../../protocol/generated/metadata/user-scram-credential-record.js';
import type { RemoveUserScramCredentialRecord } from '../../../protocol/generated/metadata/remove-user-scram-credential-record.js';
import type { AccessControlEntryRecord } from '../../../protocol/generated/metadata/access-control-entry-record.js';
import type { RemoveAccessControlEntryRecord } from '../../../protocol/generated/metadata/remove-access-control-entry-record.js';
import { MemoryScramCredentialStore } from '../../security/credential-store.js';
import { AclStore } from '../../security/acl-store.js';
import { scramMechanismById } from '../../security/types.js';
import type { MetadataRecord } from '../records.js';
import type { BrokerState, MetadataDelta, MetadataView, PartitionState, TopicState } from './types.js';

interface MutableTopic {
  name: string;
  topicId: string;
  partitions: Map<number, PartitionState>;
}

/** Leader value in PartitionChangeRecord meaning "leader unchanged". */
const NO_LEADER_CHANGE = -2;

/**
 * The committed metadata, built by applying records in log order. Only the quorum listener
 * mutates it (one owner); everything else reads it through MetadataView.
 */
export class MetadataImage implements MetadataView {
  private readonly byName = new Map<string, MutableTopic>();
  private readonly byId = new Map<string, MutableTopic>();
  private readonly brokerMap = new Map<number, BrokerState>();
  private readonly configMap = new Map<string, Map<string, string>>();
  private readonly featureMap = new Map<string, number>();
  offset = -1n;
  nextProducerId = 0n;
  /** SCRAM credentials from UserScramCredentialRecords: what SCRAM listeners authenticate against. */
  readonly scramCredentials = new MemoryScramCredentialStore();
  /** ACLs from AccessControlEntryRecords: what the authorizer and DescribeAcls read. */
  readonly acls = new AclStore();

  constructor(readonly clusterId: string) {}

  topic(name: string): TopicState | undefined {
    return this.byName.get(name);
  }
  topicById(id: string): TopicState | undefined {
    return this.byId.get(id);
  }
  topics(): IterableIterator<TopicState> {
    return this.byName.values();
  }
  broker(id: number): BrokerState | undefined {
    return this.brokerMap.get(id);
  }
  brokers(): IterableIterator<BrokerState> {
    return this.brokerMap.values();
  }
  configs(resourceType: number, resourceName: string): ReadonlyMap<string, string> {
    return this.configMap.get(`${resourceType}:${resourceName}`) ?? new Map();
  }
  feature(name: string): number | undefined {
    return this.featureMap.get(name);
  }

  /** Applies one committed batch and describes what changed. */
  applyBatch(records: readonly MetadataRecord[], lastOffset: bigint): MetadataDelta {
    const delta = {
      offset: lastOffset,
      createdTopics: [] as TopicState[],
      deletedTopics: [] as TopicState[],
      changedPartitions: new Map<string, PartitionState>(),
      changedTopicConfigs: new Set<string>(),
      changedBrokers: new Set<number>(),
    };
    for (const record of records) this.apply(record, delta);
    this.offset = lastOffset;
    return {
      offset: lastOffset,
      createdTopics: delta.createdTopics,
      deletedTopics: delta.deletedTopics,
      changedPartitions: [...delta.changedPartitions.values()].filter((p) => this.byId.has(p.topicId)),
      changedTopicConfigs: [...delta.changedTopicConfigs],
      changedBrokers: [...delta.changedBrokers],
    };
  }

  private apply(
    record: MetadataRecord,
    delta: {
      createdTopics: TopicState[];
      deletedTopics: TopicState[];
      changedPartitions: Map<string, PartitionState>;
      changedTopicConfigs: Set<string>;
      changedBrokers: Set<number>;
    },
  ): void {
    switch (record.type) {
      case MetadataRecordType.Topic: {
        const r = record.data as TopicRecord;
        const topic: MutableTopic = { name: r.name, topicId: r.topicId, partitions: new Map() };
        this.byName.set(r.name, topic);
        this.byId.set(r.topicId, topic);
        delta.createdTopics.push(topic);
        break;
      }
      case MetadataRecordType.Partition: {
        const r = record.data as PartitionRecord;
        const topic = this.byId.get(r.topicId);
        if (topic === undefined) break;
        const state: PartitionState = {
          topicId: r.topicId,
          topicName: topic.name,
          partition: r.partitionId,
          replicas: r.replicas,
          isr: r.isr,
          removingReplicas: r.removingReplicas,
          addingReplicas: r.addingReplicas,
          leader: r.leader,
          leaderEpoch: r.leaderEpoch,
          partitionEpoch: r.partitionEpoch,
          leaderRecoveryState: r.leaderRecoveryState,
          eligibleLeaderReplicas: r.eligibleLeaderReplicas ?? [],
          lastKnownElr: r.lastKnownElr ?? [],
        };
        topic.partitions.set(r.partitionId, state);
        delta.changedPartitions.set(`${r.topicId}:${r.partitionId}`, state);
        break;
      }
      case MetadataRecordType.PartitionChange: {
        const r = record.data as PartitionChangeRecord;
        const topic = this.byId.get(r.topicId);
        const old = topic?.partitions.get(r.partitionId);
        if (topic === undefined || old === undefined) break;
        const leaderChanged = r.leader !== NO_LEADER_CHANGE && r.leader !== old.leader;
        const replicasChanged = r.replicas !== null;
        const state: PartitionState = {
          ...old,
          isr: r.isr ?? old.isr,
          leader: r.leader === NO_LEADER_CHANGE ? old.leader : r.leader,
          replicas: r.replicas ?? old.replicas,
          removingReplicas: r.removingReplicas ?? old.removingReplicas,
          addingReplicas: r.addingReplicas ?? old.addingReplicas,
          leaderRecoveryState: r.leaderRecoveryState === -1 ? old.leaderRecoveryState : r.leaderRecoveryState,
          eligibleLeaderReplicas: r.eligibleLeaderReplicas ?? old.eligibleLeaderReplicas,
          lastKnownElr: r.lastKnownElr ?? old.lastKnownElr,
          // Kafka bumps the leader epoch on a leader change and on a reassignment that shrinks replicas.
          leaderEpoch: leaderChanged || replicasChanged ? old.leaderEpoch + 1 : old.leaderEpoch,
          partitionEpoch: old.partitionEpoch + 1,
        };
        topic.partitions.set(r.partitionId, state);
        delta.changedPartitions.set(`${r.topicId}:${r.partitionId}`, state);
        break;
      }
      case MetadataRecordType.RemoveTopic: {
        const r = record.data as RemoveTopicRecord;
        const topic = this.byId.get(r.topicId);
        if (topic === undefined) break;
        this.byId.delete(r.topicId);
        this.byName.delete(topic.name);
        this.configMap.delete(`2:${topic.name}`);
        delta.deletedTopics.push(topic);
        break;
      }
      case MetadataRecordType.Config: {
        const r = record.data as ConfigRecord;
        const key = `${r.resourceType}:${r.resourceName}`;
        let map = this.configMap.get(key);
        if (map === undefined) this.configMap.set(key, (map = new Map()));
        if (r.value === null) map.delete(r.name);
        else map.set(r.name, r.value);
        if (r.resourceType === 2) delta.changedTopicConfigs.add(r.resourceName);
        break;
      }
      case MetadataRecordType.RegisterBroker: {
        const r = record.data as RegisterBrokerRecord;
        this.brokerMap.set(r.brokerId, {
          id: r.brokerId,
          epoch: r.brokerEpoch,
          incarnationId: r.incarnationId,
          endpoints: r.endPoints.map((e) => ({ name: e.name, host: e.host, port: e.port, securityProtocol: e.securityProtocol })),
          rack: r.rack,
          fenced: r.fenced,
          inControlledShutdown: r.inControlledShutdown,
        });
        delta.changedBrokers.add(r.brokerId);
        break;
      }
      case MetadataRecordType.UnregisterBroker: {
        const r = record.data as UnregisterBrokerRecord;
        this.brokerMap.delete(r.brokerId);
        delta.changedBrokers.add(r.brokerId);
        break;
      }
      case MetadataRecordType.FenceBroker:
      case MetadataRecordType.UnfenceBroker: {
        const r = record.data as FenceBrokerRecord | UnfenceBrokerRecord;
        const broker = this.brokerMap.get(r.id);
        if (broker === undefined || broker.epoch !== r.epoch) break;
        this.brokerMap.set(r.id, { ...broker, fenced: record.type === MetadataRecordType.FenceBroker });
        delta.changedBrokers.add(r.id);
        break;
      }
      case MetadataRecordType.BrokerRegistrationChange: {
        const r = record.data as BrokerRegistrationChangeRecord;
        const broker = this.brokerMap.get(r.brokerId);
        if (broker === undefined || broker.epoch !== r.brokerEpoch) break;
        // fenced / inControlledShutdown: 0 = unchanged, 1 = true/fenced, -1 = false/unfenced.
        this.brokerMap.set(r.brokerId, {
          ...broker,
          fenced: r.fenced === 0 ? broker.fenced : r.fenced === 1,
          inControlledShutdown: r.inControlledShutdown === 0 ? broker.inControlledShutdown : r.inControlledShutdown === 1,
        });
        delta.changedBrokers.add(r.brokerId);
        break;
      }
      case MetadataRecordType.FeatureLevel: {
        const r = record.data as FeatureLevelRecord;
        this.featureMap.set(r.name, r.featureLevel);
        break;
      }
      case MetadataRecordType.ProducerIds: {
        const r = record.data as ProducerIdsRecord;
        this.nextProducerId = r.nextProducerId;
        break;
      }
      case MetadataRecordType.UserScramCredential: {
        const r = record.data as UserScramCredentialRecord;
        const mechanism = scramMechanismById(r.mechanism);
        if (mechanism !== undefined) this.scramCredentials.set(r.name, mechanism, { salt: r.salt, storedKey: r.storedKey, serverKey: r.serverKey, iterations: r.iterations });
        break;
      }
      case MetadataRecordType.RemoveUserScramCredential: {
        const r = record.data as RemoveUserScramCredentialRecord;
        const mechanism = scramMechanismById(r.mechanism);
        if (mechanism !== undefined) this.scramCredentials.delete(r.name, mechanism);
        break;
      }
      case MetadataRecordType.AccessControlEntry: {
        const r = record.data as AccessControlEntryRecord;
        this.acls.add({
          id: r.id,
          resourceType: r.resourceType,
          resourceName: r.resourceName,
          patternType: r.patternType,
          principal: r.principal,
          host: r.host,
          operation: r.operation,
          permissionType: r.permissionType,
        });
        break;
      }
      case MetadataRecordType.RemoveAccessControlEntry:
        this.acls.remove((record.data as RemoveAccessControlEntryRecord).id);
        break;
      default:
        // Records this broker does not act on (quotas, delegation tokens) are kept in the log only.
        break;
    }
  }
}
