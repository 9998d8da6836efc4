import type { Logger } from 'pino';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../../protocol/generated/metadata-records.js';
import { randomUuid } from '../../../protocol/runtime/index.js';
import { randomBytes } from 'node:crypto';
import { SerialQueue } from '../../storage/serial-queue.js';
import { metadataRecord, type MetadataRecord } from '../records.js';
import type { MetadataQuorum } from '../quorum/types.js';
import { ConfigResourceType, type MetadataView, type TopicState } from '../image/types.js';
import { INTERNAL_TOPICS, topicNameProblem, unifyCollisionChars } from './topic-names.js';
import type { AlterPartitionRequest } from '../../../protocol/generated/message/alter-partition-request.js';
import { createAlterPartitionResponse, type AlterPartitionResponse } from '../../../protocol/generated/message/alter-partition-response.js';
import { planAlterPartition } from './alter-partition.js';
import { notController, type ControllerAddress, type ControllerForwarder } from './forwarding.js';
import type { AlterUserScramCredentialsRequest } from '../../../protocol/generated/message/alter-user-scram-credentials-request.js';
import { MemoryScramCredentialStore } from '../../security/credential-store.js';
import { planScramAlterations, type ScramAlterationResult } from './scram-credentials.js';
import { planCreateAcls, planDeleteAcls, type AclCreationResult, type AclDeletionResult } from './acls.js';
import { AclStore } from '../../security/acl-store.js';
import type { AclBinding, AclBindingFilter } from '../../security/acl.js';

export interface ControllerSettings {
  readonly numPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly deleteTopicEnable: boolean;
  /** Validates a topic's config overrides; returns null or an error message (INVALID_CONFIG). */
  readonly validateTopicConfigs: (overrides: ReadonlyMap<string, string | null>) => string | null;
}

export interface CreateTopicSpec {
  readonly name: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  /** Manual assignment: partition index → replica broker ids. */
  readonly assignments: ReadonlyMap<number, readonly number[]>;
  readonly configs: ReadonlyMap<string, string | null>;
}

export interface CreateTopicOutcome {
  readonly name: string;
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly topicId: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
}

export interface TopicErrorOutcome {
  readonly name: string | null;
  readonly topicId: string | null;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface ErrorOutcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

/** How long a forwarded admin request keeps retrying while the controller moves (Kafka retries NOT_CONTROLLER until the request times out). */
const FORWARD_RETRY_MS = 15_000;
const FORWARD_BACKOFF_MS = 100;

export interface ConfigAlteration {
  readonly resourceType: number;
  readonly resourceName: string;
  /** name → new value (null removes the override). */
  readonly changes: ReadonlyMap<string, string | null>;
}

const PRODUCER_ID_BLOCK_SIZE = 1000;

function fail(name: string, errorCode: number, errorMessage: string): CreateTopicOutcome {
  return { name, errorCode, errorMessage, topicId: '', numPartitions: -1, replicationFactor: -1 };
}

/**
 * Turns admin intentions into metadata records and commits them through the quorum. Requests
 * run one at a time, each validated against the image as it stands after the previous commit.
 */
export class QuorumController {
  private readonly queue = new SerialQueue();

  constructor(
    private readonly quorum: MetadataQuorum,
    private readonly image: MetadataView,
    private readonly settings: ControllerSettings,
    private readonly log: Logger,
    /** Hands topic creation and producer id blocks to the active controller when this node is not it. */
    private readonly forwarder?: ControllerForwarder,
  ) {}

  /** The active controller to forward to, when it is another node. */
  private forwardTarget(): ControllerAddress | undefined {
    return this.quorum.isLeader ? undefined : this.forwarder?.target();
  }

  /**
   * Runs an admin change where the active controller is: here when this node leads, otherwise
   * forwarded. NOT_CONTROLLER (leadership moved mid-request, or the forward could not reach the
   * controller) is retried against the new controller until FORWARD_RETRY_MS, as a Kafka broker's
   * forwarding manager does, so the client sees the final answer rather than the move.
   */
  private async routed<T extends readonly ErrorOutcome[]>(
    local: () => Promise<T>,
    remote: (target: ControllerAddress) => Promise<T>,
    unavailable: (message: string) => T,
  ): Promise<T> {
    const deadline = Date.now() + FORWARD_RETRY_MS;
    let last: T | undefined;
    let message = 'No active controller is known.';
    for (;;) {
      try {
        if (this.quorum.isLeader) {
          last = await local();
        } else {
          const target = this.forwarder?.target();
          if (target !== undefined) last = await remote(target);
        }
        if (last !== undefined && !last.some((o) => o.errorCode === ErrorCode.NOT_CONTROLLER)) return last;
      } catch (error) {
        const code = (error as { errorCode?: number }).errorCode;
        // A handler bug surfaces; only leadership loss and transport failures are retried.
        if (code !== undefined && code !== ErrorCode.NOT_CONTROLLER) throw error;
        message = `Forwarding to the active controller failed: ${(error as Error).message}`;
      }
      if (Date.now() >= deadline) return last ?? unavailable(message);
      await new Promise((resolve) => setTimeout(resolve, FORWARD_BACKOFF_MS));
    }
  }

  /** Appends records built from the current image; `build` runs inside the controller's queue. */
  private commit<T>(build: () => { records: MetadataRecord[]; result: T }): Promise<T> {
    return this.queue.run(async () => {
      const { records, result } = build();
      if (records.length > 0) await this.quorum.propose(records);
      return result;
    });
  }

  private liveBrokers(): number[] {
    return [...this.image.brokers()].filter((b) => !b.fenced && !b.inControlledShutdown).map((b) => b.id).sort((a, b) => a - b);
  }

  async createTopics(specs: readonly CreateTopicSpec[], validateOnly: boolean): Promise<CreateTopicOutcome[]> {
    const target = this.forwardTarget();
    if (target !== undefined) return this.forwarder!.createTopics(target, specs, validateOnly);
    try {
      return await this.createTopicsHere(specs, validateOnly);
    } catch (error) {
      // Leadership lost (or never had): the client refreshes metadata and retries with the controller.
      if ((error as { errorCode?: number }).errorCode !== ErrorCode.NOT_CONTROLLER) throw error;
      return specs.map((spec) => notController(spec.name, (error as Error).message));
    }
  }

  private createTopicsHere(specs: readonly CreateTopicSpec[], validateOnly: boolean): Promise<CreateTopicOutcome[]> {
    return this.commit(() => {
      const records: MetadataRecord[] = [];
      const outcomes: CreateTopicOutcome[] = [];
      const counts = new Map<string, number>();
      for (const spec of specs) counts.set(spec.name, (counts.get(spec.name) ?? 0) + 1);
      const claimed = new Set<string>();
      for (const spec of specs) {
        if ((counts.get(spec.name) ?? 0) > 1) {
          outcomes.push(fail(spec.name, ErrorCode.INVALID_REQUEST, `Found multiple entries for ${spec.name} in the request.`));
          continue;
        }
        const outcome = this.planTopic(spec, claimed, validateOnly ? null : records);
        if (outcome.errorCode === 0) claimed.add(unifyCollisionChars(spec.name));
        outcomes.push(outcome);
      }
      return { records, result: outcomes };
    });
  }

  private planTopic(spec: CreateTopicSpec, claimed: Set<string>, records: MetadataRecord[] | null): CreateTopicOutcome {
    const problem = topicNameProblem(spec.name);
    if (problem !== null) return fail(spec.name, ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
    if (this.image.topic(spec.name) !== undefined) {
      return fail(spec.name, ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${spec.name}' already exists.`);
    }
    const unified = unifyCollisionChars(spec.name);
    for (const existing of this.image.topics()) {
      if (unifyCollisionChars(existing.name) === unified) {
        return fail(spec.name, ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${spec.name}' collides with existing topic: ${existing.name}`);
      }
    }
    if (claimed.has(unified)) return fail(spec.name, ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${spec.name}' collides with another topic in this request.`);
    const live = this.liveBrokers();
    let assignment: (readonly number[])[];
    if (spec.assignments.size > 0) {
      if (spec.numPartitions !== -1 || spec.replicationFactor !== -1) {
        return fail(spec.name, ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
      }
      assignment = [];
      for (let p = 0; p < spec.assignments.size; p++) {
        const replicas = spec.assignments.get(p);
        if (replicas === undefined) return fail(spec.name, ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Partitions should be a consecutive 0-based integer sequence');
        if (replicas.length === 0) return fail(spec.name, ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Replica assignment for partition ${p} is empty`);
        if (new Set(replicas).size !== replicas.length) return fail(spec.name, ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Replica assignment for partition ${p} contains duplicate broker ids`);
        for (const id of replicas) {
          if (this.image.broker(id) === undefined) return fail(spec.name, ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Replica assignment for partition ${p} refers to unknown broker ${id}`);
        }
        assignment.push(replicas);
      }
    } else {
      const partitions = spec.numPartitions === -1 ? this.settings.numPartitions : spec.numPartitions;
      const factor = spec.replicationFactor === -1 ? this.settings.defaultReplicationFactor : spec.replicationFactor;
      if (partitions <= 0) return fail(spec.name, ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.');
      if (factor <= 0) return fail(spec.name, ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.');
      if (factor > live.length) {
        return fail(spec.name, ErrorCode.INVALID_REPLICATION_FACTOR,
          `Unable to replicate the partition ${factor} time(s): The target replication factor of ${factor} cannot be reached because only ${live.length} broker(s) are registered.`);
      }
      assignment = placeReplicas(live, partitions, factor, 0);
    }
    const configProblem = this.settings.validateTopicConfigs(spec.configs);
    if (configProblem !== null) return fail(spec.name, ErrorCode.INVALID_CONFIG, configProblem);
    const topicId = randomUuid(randomBytes);
    if (records !== null) {
      records.push(metadataRecord(MetadataRecordType.Topic, { name: spec.name, topicId }));
      for (const [name, value] of spec.configs) {
        if (value === null) continue;
        records.push(metadataRecord(MetadataRecordType.Config, { resourceType: ConfigResourceType.TOPIC, resourceName: spec.name, name, value }));
      }
      assignment.forEach((replicas, partition) => records.push(this.partitionRecord(topicId, partition, replicas)));
    }
    return { name: spec.name, errorCode: 0, errorMessage: null, topicId, numPartitions: assignment.length, replicationFactor: assignment[0]?.length ?? 0 };
  }

  private partitionRecord(topicId: string, partition: number, replicas: readonly number[]): MetadataRecord {
    const live = new Set(this.liveBrokers());
    const isr = replicas.filter((id) => live.has(id));
    return metadataRecord(MetadataRecordType.Partition, {
      partitionId: partition,
      topicId,
      replicas: [...replicas],
      isr,
      removingReplicas: [],
      addingReplicas: [],
      leader: isr[0] ?? -1,
      leaderRecoveryState: 0,
      leaderEpoch: 0,
      partitionEpoch: 0,
      directories: replicas.map(() => 'AAAAAAAAAAAAAAAAAAAAAA'),
      eligibleLeaderReplicas: null,
      lastKnownElr: null,
    });
  }

  /** Deletes topics by name or id (each target has exactly one of them set). */
  deleteTopics(targets: readonly { name: string | null; topicId: string | null }[]): Promise<TopicErrorOutcome[]> {
    return this.routed(
      () => this.deleteTopicsHere(targets),
      (target) => this.forwarder!.deleteTopics(target, targets),
      (errorMessage) => targets.map((t) => ({ ...t, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage })),
    );
  }

  private deleteTopicsHere(targets: readonly { name: string | null; topicId: string | null }[]): Promise<TopicErrorOutcome[]> {
    return this.commit(() => {
      const records: MetadataRecord[] = [];
      const seen = new Set<string>();
      const outcomes = targets.map((target): TopicErrorOutcome => {
        const topic: TopicState | undefined =
          target.name !== null ? this.image.topic(target.name) : target.topicId !== null ? this.image.topicById(target.topicId) : undefined;
        if (!this.settings.deleteTopicEnable) {
          return { ...target, errorCode: ErrorCode.TOPIC_DELETION_DISABLED, errorMessage: 'Topic deletion is disabled.' };
        }
        if (topic === undefined) {
          return target.name !== null
            ? { ...target, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.' }
            : { ...target, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: 'This server does not host this topic ID.' };
        }
        if (!seen.has(topic.topicId)) {
          seen.add(topic.topicId);
          records.push(metadataRecord(MetadataRecordType.RemoveTopic, { topicId: topic.topicId }));
        }
        return { name: topic.name, topicId: topic.topicId, errorCode: 0, errorMessage: null };
      });
      return { records, result: outcomes };
    });
  }

  createPartitions(
    requests: readonly { name: string; count: number; assignments: readonly (readonly number[])[] | null }[],
    validateOnly: boolean,
  ): Promise<TopicErrorOutcome[]> {
    return this.routed(
      () => this.createPartitionsHere(requests, validateOnly),
      (target) => this.forwarder!.createPartitions(target, requests, validateOnly),
      (errorMessage) => requests.map((r) => ({ name: r.name, topicId: null, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage })),
    );
  }

  private createPartitionsHere(
    requests: readonly { name: string; count: number; assignments: readonly (readonly number[])[] | null }[],
    validateOnly: boolean,
  ): Promise<TopicErrorOutcome[]> {
    return this.commit(() => {
      const records: MetadataRecord[] = [];
      const outcomes = requests.map((request): TopicErrorOutcome => {
        const base = { name: request.name, topicId: null };
        const topic = this.image.topic(request.name);
        if (topic === undefined) return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${request.name}' does not exist.` };
        const current = topic.partitions.size;
        if (request.count < current) {
          return { ...base, errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `The topic ${request.name} currently has ${current} partition(s); ${request.count} would not be an increase.` };
        }
        if (request.count === current) {
          return { ...base, errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `Topic already has ${current} partition(s).` };
        }
        const factor = topic.partitions.get(0)?.replicas.length ?? 1;
        const adding = request.count - current;
        let placement: (readonly number[])[];
        if (request.assignments !== null) {
          if (request.assignments.length !== adding) {
            return { ...base, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `Attempted to add ${adding} additional partition(s), but only ${request.assignments.length} assignment(s) were specified.` };
          }
          for (const replicas of request.assignments) {
            const problem = this.manualAssignmentProblem(replicas, factor);
            if (problem !== null) return { ...base, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: problem };
          }
          placement = [...request.assignments];
        } else {
          const live = this.liveBrokers();
          if (factor > live.length) {
            return { ...base, errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: `Unable to replicate the partition ${factor} time(s): only ${live.length} broker(s) are registered.` };
          }
          placement = placeReplicas(live, adding, factor, current);
        }
        if (!validateOnly) placement.forEach((replicas, i) => records.push(this.partitionRecord(topic.topicId, current + i, replicas)));
        return { ...base, errorCode: 0, errorMessage: null };
      });
      return { records, result: outcomes };
    });
  }

  /** Kafka's validateManualPartitionAssignment: non-empty, registered brokers, no repeats, the topic's replication factor. */
  private manualAssignmentProblem(replicas: readonly number[], factor: number): string | null {
    if (replicas.length === 0) return 'The manual partition assignment includes an empty replica list.';
    const sorted = [...replicas].sort((a, b) => a - b);
    for (let i = 0; i < sorted.length; i++) {
      const id = sorted[i]!;
      if (this.image.broker(id) === undefined) return `The manual partition assignment includes broker ${id}, but no such broker is registered.`;
      if (i > 0 && sorted[i - 1] === id) return `The manual partition assignment includes the broker ${id} more than once.`;
    }
    if (sorted.length !== factor) {
      return `The manual partition assignment includes a partition with ${sorted.length} replica(s), but this is not consistent with previous partitions, which have ${factor} replica(s).`;
    }
    return null;
  }

  /**
   * Applies config changes (already validated by the caller) as ConfigRecords; one outcome per
   * alteration (the active controller validates forwarded ones again against its image).
   */
  alterConfigs(alterations: readonly ConfigAlteration[], validateOnly: boolean): Promise<ErrorOutcome[]> {
    return this.routed(
      () => this.alterConfigsHere(alterations, validateOnly),
      (target) => this.forwarder!.alterConfigs(target, alterations, validateOnly),
      (errorMessage) => alterations.map(() => ({ errorCode: ErrorCode.NOT_CONTROLLER, errorMessage })),
    );
  }

  private alterConfigsHere(alterations: readonly ConfigAlteration[], validateOnly: boolean): Promise<ErrorOutcome[]> {
    return this.commit(() => {
      const records: MetadataRecord[] = [];
      if (!validateOnly) {
        for (const alteration of alterations) {
          for (const [name, value] of alteration.changes) {
            records.push(metadataRecord(MetadataRecordType.Config, { resourceType: alteration.resourceType, resourceName: alteration.resourceName, name, value }));
          }
        }
      }
      return { records, result: alterations.map(() => ({ errorCode: 0, errorMessage: null })) };
    });
  }

  /** AlterUserScramCredentials: SCRAM credentials become UserScramCredentialRecords (forwarded when another node is the controller). */
  alterUserScramCredentials(request: AlterUserScramCredentialsRequest): Promise<ScramAlterationResult[]> {
    const users = [...new Set([...request.deletions, ...request.upsertions].map((a) => a.name))];
    return this.routed(
      () =>
        this.commit(() => {
          const { records, results } = planScramAlterations(request, this.image.scramCredentials ?? new MemoryScramCredentialStore());
          return { records, result: results };
        }),
      (target) => this.forwarder!.alterUserScramCredentials(target, request),
      (errorMessage) => users.map((user) => ({ user, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage })),
    );
  }

  /** CreateAcls: AccessControlEntryRecords (forwarded when another node is the controller); one result per ACL. */
  createAcls(acls: readonly AclBinding[]): Promise<AclCreationResult[]> {
    return this.routed(
      () => this.commit(() => {
        const { records, results } = planCreateAcls(acls, this.image.acls ?? new AclStore());
        return { records, result: results };
      }),
      (target) => this.forwarder!.createAcls(target, acls),
      (errorMessage) => acls.map(() => ({ errorCode: ErrorCode.NOT_CONTROLLER, errorMessage })),
    );
  }

  /** DeleteAcls: RemoveAccessControlEntryRecords for every ACL a filter matches; one result per filter. */
  deleteAcls(filters: readonly AclBindingFilter[]): Promise<AclDeletionResult[]> {
    return this.routed(
      () => this.commit(() => {
        const { records, results } = planDeleteAcls(filters, this.image.acls ?? new AclStore());
        return { records, result: results };
      }),
      (target) => this.forwarder!.deleteAcls(target, filters),
      (errorMessage) => filters.map(() => ({ errorCode: ErrorCode.NOT_CONTROLLER, errorMessage, matching: [] })),
    );
  }

  /** Registers (or re-registers) a broker, unfenced: the single-node path and the BrokerRegistration RPC share it. */
  registerBroker(registration: {
    brokerId: number;
    incarnationId: string;
    endpoints: readonly { name: string; host: string; port: number; securityProtocol: number }[];
    rack: string | null;
    fenced: boolean;
  }): Promise<bigint> {
    return this.queue.run(async () => {
      const epoch = this.image.offset + 1n;
      const record = metadataRecord(MetadataRecordType.RegisterBroker, {
        brokerId: registration.brokerId,
        isMigratingZkBroker: false,
        incarnationId: registration.incarnationId,
        brokerEpoch: epoch,
        endPoints: registration.endpoints.map((e) => ({ ...e })),
        features: [{ name: 'metadata.version', minSupportedVersion: 1, maxSupportedVersion: METADATA_VERSION }],
        rack: registration.rack,
        fenced: registration.fenced,
        inControlledShutdown: false,
        logDirs: [],
      });
      const records = [record];
      if (this.image.feature('metadata.version') === undefined) {
        records.unshift(metadataRecord(MetadataRecordType.FeatureLevel, { name: 'metadata.version', featureLevel: METADATA_VERSION }));
      }
      await this.quorum.propose(records);
      this.log.info({ brokerId: registration.brokerId, epoch: String(epoch) }, 'broker registered');
      return epoch;
    });
  }

  /** Hands out the next block of producer ids (AllocateProducerIds / InitProducerId). */
  allocateProducerIds(brokerId: number, brokerEpoch: bigint): Promise<{ start: bigint; length: number }> {
    const target = this.forwardTarget();
    if (target !== undefined) return this.forwarder!.allocateProducerIds(target, brokerId, brokerEpoch);
    return this.commit(() => {
      const start = this.image.nextProducerId;
      const records = [metadataRecord(MetadataRecordType.ProducerIds, { brokerId, brokerEpoch, nextProducerId: start + BigInt(PRODUCER_ID_BLOCK_SIZE) })];
      return { records, result: { start, length: PRODUCER_ID_BLOCK_SIZE } };
    });
  }

  /** Closes the connection forwarded requests use. */
  close(): void {
    this.forwarder?.close();
  }

  /** Whether this node is the active controller (the quorum leader). */
  get isActive(): boolean {
    return this.quorum.isLeader;
  }

  /**
   * AlterPartition from a partition leader: validated against the image as it stands after every
   * earlier controller change, committed as PartitionChangeRecords, answered with the new ISR
   * and partition epoch once committed.
   */
  async alterPartition(request: AlterPartitionRequest, version: number): Promise<AlterPartitionResponse> {
    try {
      return await this.commit(() => {
        const plan = planAlterPartition(this.image, request, version, this.quorum.isLeader);
        if (plan.records.length > 0) this.log.info({ brokerId: request.brokerId, changes: plan.records.length }, 'ISR change from AlterPartition');
        return { records: plan.records, result: plan.response };
      });
    } catch (error) {
      // Leadership lost before the change committed: the leader retries with the next controller.
      this.log.warn({ err: error, brokerId: request.brokerId }, 'AlterPartition not committed');
      return createAlterPartitionResponse({ errorCode: ErrorCode.NOT_CONTROLLER });
    }
  }

  /**
   * Runs `build` in the controller's queue and commits the records it returns, so changes
   * computed outside the controller (fencing and its ISR changes) never interleave with an
   * AlterPartition validated against the same image.
   */
  proposeExclusive(build: () => MetadataRecord[]): Promise<void> {
    return this.commit(() => ({ records: build(), result: undefined }));
  }

  isInternalTopic(name: string): boolean {
    return INTERNAL_TOPICS.has(name);
  }
}

/** metadata.version feature level of Kafka 3.9 (3.9-IV0). */
export const METADATA_VERSION = 21;

/**
 * Spreads replicas over brokers round-robin from a rotating start, so leaders (first replicas)
 * are balanced and no partition holds a broker twice.
 */
export function placeReplicas(brokers: readonly number[], partitions: number, factor: number, firstPartition: number): number[][] {
  const out: number[][] = [];
  const n = brokers.length;
  const start = Math.floor(Math.random() * n);
  for (let p = 0; p < partitions; p++) {
    const replicas: number[] = [];
    const shift = 1 + (Math.floor((firstPartition + p) / n) % Math.max(1, n - 1));
    const first = (start + firstPartition + p) % n;
    for (let r = 0; r < factor; r++) replicas.push(brokers[(first + (r === 0 ? 0 : shift + r - 1)) % n]!);
    // Fall back to plain consecutive placement if the shifted pattern repeated a broker.
    out.push(new Set(replicas).size === factor ? replicas : Array.from({ length: factor }, (_, r) => brokers[(first + r) % n]!));
  }
  return out;
}
