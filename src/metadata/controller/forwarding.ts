// A node that is not the active controller hands controller work to the one that is, as a
// KRaft broker does: topic creation (Metadata auto-creation, CreateTopics that reached this node,
// the coordinators' internal topics) as CreateTopics v7, and producer id blocks as
// AllocateProducerIds v0, both to the active controller's CONTROLLER listener.
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { CreateTopicsRequest, createCreateTopicsRequest } from '../../../protocol/generated/message/create-topics-request.js';
import { CreateTopicsResponse } from '../../../protocol/generated/message/create-topics-response.js';
import { AllocateProducerIdsRequest, createAllocateProducerIdsRequest } from '../../../protocol/generated/message/allocate-producer-ids-request.js';
import { AllocateProducerIdsResponse } from '../../../protocol/generated/message/allocate-producer-ids-response.js';
import { RpcClient } from '../raft-driver/rpc-client.js';
import type { CreateTopicOutcome, CreateTopicSpec } from './controller.js';

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
