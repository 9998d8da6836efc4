// A node that is not the active controller hands controller work to the one that is, as a
// KRaft broker does: topic creation (Metadata auto-creation, CreateTopics that reached this node,
// the coordinators' internal topics) as CreateTopics v7, and producer id blocks as
// AllocateProducerIds v0, topic deletion as DeleteTopics v6, partition growth as CreatePartitions
// v3, config changes (both AlterConfigs APIs) as IncrementalAlterConfigs v1 and SCRAM credential
// changes as AlterUserScramCredentials v0, ACL changes as CreateAcls v3 and DeleteAcls v3, all to the
// active controller's CONTROLLER listener, where the same handlers answer them.
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { CreateTopicsRequest, createCreateTopicsRequest } from '../../../protocol/generated/message/create-topics-request.js';
import { CreateTopicsResponse } from '../../../protocol/generated/message/create-topics-response.js';
import { AllocateProducerIdsRequest, createAllocateProducerIdsRequest } from '../../../protocol/generated/message/allocate-producer-ids-request.js';
import { AllocateProducerIdsResponse } from '../../../protocol/generated/message/allocate-producer-ids-response.js';
import { DeleteTopicsRequest, createDeleteTopicsRequest } from '../../../protocol/generated/message/delete-topics-request.js';
import { DeleteTopicsResponse } from '../../../protocol/generated/message/delete-topics-response.js';
import { CreatePartitionsRequest, createCreatePartitionsRequest } from '../../../protocol/generated/message/create-partitions-request.js';
import { CreatePartitionsResponse } from '../../../protocol/generated/message/create-partitions-response.js';
import { IncrementalAlterConfigsRequest, createIncrementalAlterConfigsRequest } from '../../../protocol/generated/message/incremental-alter-configs-request.js';
import { IncrementalAlterConfigsResponse } from '../../../protocol/generated/message/incremental-alter-configs-response.js';
import { AlterUserScramCredentialsRequest } from '../../../protocol/generated/message/alter-user-scram-credentials-request.js';
import { AlterUserScramCredentialsResponse } from '../../../protocol/generated/message/alter-user-scram-credentials-response.js';
import { CreateAclsRequest, createCreateAclsRequest } from '../../../protocol/generated/message/create-acls-request.js';
import { CreateAclsResponse } from '../../../protocol/generated/message/create-acls-response.js';
import { DeleteAclsRequest, createDeleteAclsRequest } from '../../../protocol/generated/message/delete-acls-request.js';
import { DeleteAclsResponse } from '../../../protocol/generated/message/delete-acls-response.js';
import type { AclBinding, AclBindingFilter } from '../../security/acl.js';
import { pick, type AclCreationResult, type AclDeletionResult } from './acls.js';
import { ZERO_UUID, type MessageCodec } from '../../../protocol/runtime/index.js';
import { RpcClient } from '../raft-driver/rpc-client.js';
import type { ScramAlterationResult } from './scram-credentials.js';
import type { ConfigAlteration, CreateTopicOutcome, CreateTopicSpec, ErrorOutcome, TopicErrorOutcome } from './controller.js';

export interface ControllerAddress {
  readonly host: string;
  readonly port: number;
}

export interface ForwardingOptions {
  /** The active controller's CONTROLLER listener when it is another node; undefined when this node leads or none is known. */
  readonly activeController: () => ControllerAddress | undefined;
  readonly clientId: string;
  /** How long a forwarded request may take (request.timeout.ms). */
  readonly timeoutMs: number;
}

const CREATE_TOPICS_VERSION = 7;

export class ControllerForwarder {
  private client: RpcClient | undefined;

  constructor(private readonly options: ForwardingOptions) {}

  /** Where to forward, or undefined when nothing can be forwarded (this node leads, or no leader yet). */
  target(): ControllerAddress | undefined {
    return this.options.activeController();
  }

  private clientFor(target: ControllerAddress): RpcClient {
    if (this.client === undefined || this.client.host !== target.host || this.client.port !== target.port) {
      this.client?.close();
      this.client = new RpcClient(target.host, target.port, this.options.clientId);
    }
    return this.client;
  }

  async createTopics(target: ControllerAddress, specs: readonly CreateTopicSpec[], validateOnly: boolean): Promise<CreateTopicOutcome[]> {
    const request = createCreateTopicsRequest({
      topics: specs.map((spec) => ({
        name: spec.name,
        numPartitions: spec.numPartitions,
        replicationFactor: spec.replicationFactor,
        assignments: [...spec.assignments].map(([partitionIndex, brokerIds]) => ({ partitionIndex, brokerIds: [...brokerIds] })),
        configs: [...spec.configs].map(([name, value]) => ({ name, value })),
      })),
      timeoutMs: this.options.timeoutMs,
      validateOnly,
    });
    try {
      const response = await this.clientFor(target).request(ApiKey.CreateTopics, CREATE_TOPICS_VERSION, CreateTopicsRequest, request, CreateTopicsResponse, this.options.timeoutMs);
      const byName = new Map(response.topics.map((t) => [t.name, t]));
      return specs.map((spec) => {
        const t = byName.get(spec.name);
        if (t === undefined) return notController(spec.name, 'The controller did not answer for this topic.');
        return { name: t.name, errorCode: t.errorCode, errorMessage: t.errorMessage, topicId: t.topicId, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor };
      });
    } catch (error) {
      this.client?.close();
      this.client = undefined;
      const message = `Forwarding to the active controller failed: ${(error as Error).message}`;
      return specs.map((spec) => notController(spec.name, message));
    }
  }

  /** One request to the active controller; a transport failure drops the connection and throws. */
  private async send<Req, Res>(target: ControllerAddress, apiKey: number, version: number, reqCodec: MessageCodec<Req>, body: Req, resCodec: MessageCodec<Res>): Promise<Res> {
    try {
      return await this.clientFor(target).request(apiKey, version, reqCodec, body, resCodec, this.options.timeoutMs);
    } catch (error) {
      this.client?.close();
      this.client = undefined;
      throw error;
    }
  }

  /** DeleteTopics v6 (names or ids); the answers come back in request order, each target once. */
  async deleteTopics(target: ControllerAddress, targets: readonly { name: string | null; topicId: string | null }[]): Promise<TopicErrorOutcome[]> {
    const request = createDeleteTopicsRequest({ topics: targets.map((t) => ({ name: t.name, topicId: t.topicId ?? ZERO_UUID })), timeoutMs: this.options.timeoutMs });
    const response = await this.send(target, ApiKey.DeleteTopics, 6, DeleteTopicsRequest, request, DeleteTopicsResponse);
    return targets.map((t, i) => {
      const r = response.responses[i];
      if (r === undefined) return { ...t, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: 'The controller did not answer for this topic.' };
      return { name: r.name, topicId: r.topicId === ZERO_UUID ? t.topicId : r.topicId, errorCode: r.errorCode, errorMessage: r.errorMessage };
    });
  }

  /** CreatePartitions v3 with the caller's validateOnly. */
  async createPartitions(
    target: ControllerAddress,
    requests: readonly { name: string; count: number; assignments: readonly (readonly number[])[] | null }[],
    validateOnly: boolean,
  ): Promise<TopicErrorOutcome[]> {
    const request = createCreatePartitionsRequest({
      topics: requests.map((r) => ({ name: r.name, count: r.count, assignments: r.assignments === null ? null : r.assignments.map((a) => ({ brokerIds: [...a] })) })),
      timeoutMs: this.options.timeoutMs,
      validateOnly,
    });
    const response = await this.send(target, ApiKey.CreatePartitions, 3, CreatePartitionsRequest, request, CreatePartitionsResponse);
    const byName = new Map(response.results.map((r) => [r.name, r]));
    return requests.map((r) => {
      const result = byName.get(r.name);
      if (result === undefined) return { name: r.name, topicId: null, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: 'The controller did not answer for this topic.' };
      return { name: r.name, topicId: null, errorCode: result.errorCode, errorMessage: result.errorMessage };
    });
  }

  /**
   * Config changes the forwarding node already validated, as IncrementalAlterConfigs v1 SET and
   * DELETE operations; the controller validates them again against its own image.
   */
  async alterConfigs(target: ControllerAddress, alterations: readonly ConfigAlteration[], validateOnly: boolean): Promise<ErrorOutcome[]> {
    const request = createIncrementalAlterConfigsRequest({
      resources: alterations.map((a) => ({
        resourceType: a.resourceType,
        resourceName: a.resourceName,
        configs: [...a.changes].map(([name, value]) => ({ name, configOperation: value === null ? 1 : 0, value })),
      })),
      validateOnly,
    });
    const response = await this.send(target, ApiKey.IncrementalAlterConfigs, 1, IncrementalAlterConfigsRequest, request, IncrementalAlterConfigsResponse);
    return alterations.map((a) => {
      const r = response.responses.find((x) => x.resourceType === a.resourceType && x.resourceName === a.resourceName);
      if (r === undefined) return { errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: 'The controller did not answer for this resource.' };
      return { errorCode: r.errorCode, errorMessage: r.errorMessage };
    });
  }

  /** AlterUserScramCredentials v0 as the client sent it (salted passwords only, never passwords). */
  async alterUserScramCredentials(target: ControllerAddress, request: AlterUserScramCredentialsRequest): Promise<ScramAlterationResult[]> {
    const response = await this.send(target, ApiKey.AlterUserScramCredentials, 0, AlterUserScramCredentialsRequest, request, AlterUserScramCredentialsResponse);
    return response.results.map((r) => ({ user: r.user, errorCode: r.errorCode, errorMessage: r.errorMessage }));
  }

  /** CreateAcls v3 with the ACLs the forwarding node already authorized. */
  async createAcls(target: ControllerAddress, acls: readonly AclBinding[]): Promise<AclCreationResult[]> {
    const request = createCreateAclsRequest({ creations: acls.map((a) => ({ ...pick(a), resourcePatternType: a.patternType })) });
    const response = await this.send(target, ApiKey.CreateAcls, 3, CreateAclsRequest, request, CreateAclsResponse);
    return acls.map((_, i) => {
      const r = response.results[i];
      return r === undefined ? { errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: 'The controller did not answer for this ACL.' } : { errorCode: r.errorCode, errorMessage: r.errorMessage };
    });
  }

  /** DeleteAcls v3; the matched ACLs come back per filter. */
  async deleteAcls(target: ControllerAddress, filters: readonly AclBindingFilter[]): Promise<AclDeletionResult[]> {
    const request = createDeleteAclsRequest({
      filters: filters.map((f) => ({
        resourceTypeFilter: f.resourceType,
        resourceNameFilter: f.resourceName,
        patternTypeFilter: f.patternType,
        principalFilter: f.principal,
        hostFilter: f.host,
        operation: f.operation,
        permissionType: f.permissionType,
      })),
    });
    const response = await this.send(target, ApiKey.DeleteAcls, 3, DeleteAclsRequest, request, DeleteAclsResponse);
    return filters.map((_, i) => {
      const r = response.filterResults[i];
      if (r === undefined) return { errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: 'The controller did not answer for this filter.', matching: [] };
      return { errorCode: r.errorCode, errorMessage: r.errorMessage, matching: r.matchingAcls.map(pick) };
    });
  }

  /** A block of producer ids from the active controller; throws when it cannot get one (the caller retries). */
  async allocateProducerIds(target: ControllerAddress, brokerId: number, brokerEpoch: bigint): Promise<{ start: bigint; length: number }> {
    const request = createAllocateProducerIdsRequest({ brokerId, brokerEpoch });
    let response: AllocateProducerIdsResponse;
    try {
      response = await this.clientFor(target).request(ApiKey.AllocateProducerIds, 0, AllocateProducerIdsRequest, request, AllocateProducerIdsResponse, this.options.timeoutMs);
    } catch (error) {
      this.client?.close();
      this.client = undefined;
      throw error;
    }
    if (response.errorCode !== ErrorCode.NONE) throw new Error(`AllocateProducerIds refused by the controller: error ${response.errorCode}`);
    return { start: response.producerIdStart, length: response.producerIdLen };
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }
}

export function notController(name: string, errorMessage: string): CreateTopicOutcome {
  return { name, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage, topicId: '', numPartitions: -1, replicationFactor: -1 };
}
