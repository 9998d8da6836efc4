// Sends partition leaders' ISR changes to the active controller (Kafka's AlterPartitionManager):
// items queue up and go out together in one AlterPartition v3 request, one request in flight at
// a time. A request that fails as a whole (no controller known, connection lost, NOT_CONTROLLER)
// is retried after a backoff with whatever is still wanted; per-partition answers go back to
// whoever submitted them. The replica manager keeps at most one item per partition in flight.
import type { Logger } from 'pino';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { AlterPartitionRequest, createAlterPartitionRequest } from '../../protocol/generated/message/alter-partition-request.js';
import { AlterPartitionResponse, type AlterPartitionResponsePartitionData } from '../../protocol/generated/message/alter-partition-response.js';
import { RpcClient } from '../metadata/raft-driver/rpc-client.js';

export interface AlterPartitionItem {
  readonly topicId: string;
  readonly partition: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly isr: readonly { brokerId: number; brokerEpoch: bigint }[];
  /** False once the partition's state moved on: the item is dropped instead of retried. */
  readonly stillWanted: () => boolean;
}

/** Where the active controller is: this node (answer in process), an address, or unknown. */
export type ControllerTarget = { readonly kind: 'local' } | { readonly kind: 'remote'; readonly host: string; readonly port: number } | undefined;

export interface AlterPartitionSenderOptions {
  readonly nodeId: number;
  /** This broker's epoch from its registration; -1 before it registered. */
  readonly brokerEpoch: () => bigint;
  readonly controller: () => ControllerTarget;
  /** The in-process controller, used when this node is the active one. */
  readonly local: (request: AlterPartitionRequest, version: number) => Promise<AlterPartitionResponse>;
  readonly retryBackoffMs: number;
  readonly logger: Logger;
}

const VERSION = 3;
const REQUEST_TIMEOUT_MS = 5000;

interface Queued {
  readonly item: AlterPartitionItem;
  readonly resolve: (answer: AlterPartitionResponsePartitionData) => void;
}

function dropped(partitionIndex: number, errorCode: number): AlterPartitionResponsePartitionData {
  return { partitionIndex, errorCode, leaderId: -1, leaderEpoch: -1, isr: [], leaderRecoveryState: 0, partitionEpoch: -1 };
}

export class AlterPartitionSender {
  private queued: Queued[] = [];
  private sending = false;
  private stopped = false;
  private client: RpcClient | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: AlterPartitionSenderOptions) {}

  /** Resolves with the controller's answer for the partition (or an error when given up). */
  submit(item: AlterPartitionItem): Promise<AlterPartitionResponsePartitionData> {
    if (this.stopped) return Promise.resolve(dropped(item.partition, ErrorCode.BROKER_NOT_AVAILABLE));
    return new Promise((resolve) => {
      this.queued.push({ item, resolve });
      this.kick();
    });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.client?.close();
    for (const q of this.queued.splice(0)) q.resolve(dropped(q.item.partition, ErrorCode.BROKER_NOT_AVAILABLE));
  }

  private kick(): void {
    if (this.sending || this.stopped || this.retryTimer !== undefined || this.queued.length === 0) return;
    this.sending = true;
    void this.sendBatch().finally(() => {
      this.sending = false;
      this.kick();
    });
  }

  private retryLater(batch: Queued[]): void {
    this.queued.unshift(...batch);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, this.options.retryBackoffMs);
    this.retryTimer.unref();
  }

  private async sendBatch(): Promise<void> {
    const batch: Queued[] = [];
    for (const q of this.queued.splice(0)) {
      if (q.item.stillWanted()) batch.push(q);
      else q.resolve(dropped(q.item.partition, ErrorCode.OPERATION_NOT_ATTEMPTED));
    }
    if (batch.length === 0) return;
    const byTopic = new Map<string, Queued[]>();
    for (const q of batch) {
      const list = byTopic.get(q.item.topicId) ?? [];
      list.push(q);
      byTopic.set(q.item.topicId, list);
    }
    const request = createAlterPartitionRequest({
      brokerId: this.options.nodeId,
      brokerEpoch: this.options.brokerEpoch(),
      topics: [...byTopic].map(([topicId, list]) => ({
        topicName: '',
        topicId,
        partitions: list.map(({ item }) => ({
          partitionIndex: item.partition,
          leaderEpoch: item.leaderEpoch,
          newIsr: [],
          newIsrWithEpochs: item.isr.map((m) => ({ brokerId: m.brokerId, brokerEpoch: m.brokerEpoch })),
          leaderRecoveryState: 0,
          partitionEpoch: item.partitionEpoch,
        })),
      })),
    });
    let response: AlterPartitionResponse | undefined;
    try {
      response = await this.send(request);
    } catch (error) {
      this.options.logger.debug({ err: error }, 'AlterPartition request failed');
      this.client?.close();
      this.client = undefined;
    }
    if (response === undefined || response.errorCode !== ErrorCode.NONE) {
      // NOT_CONTROLLER, STALE_BROKER_EPOCH (a re-registration is under way), no controller: try again.
      if (response !== undefined) this.options.logger.debug({ errorCode: response.errorCode }, 'AlterPartition refused as a whole');
      this.retryLater(batch);
      return;
    }
    const answers = new Map<string, AlterPartitionResponsePartitionData>();
    for (const topic of response.topics) for (const p of topic.partitions) answers.set(`${topic.topicId}:${p.partitionIndex}`, p);
    for (const q of batch) q.resolve(answers.get(`${q.item.topicId}:${q.item.partition}`) ?? dropped(q.item.partition, ErrorCode.UNKNOWN_SERVER_ERROR));
  }

  private send(request: AlterPartitionRequest): Promise<AlterPartitionResponse | undefined> {
    const target = this.options.controller();
    if (target === undefined) return Promise.resolve(undefined);
    if (target.kind === 'local') return this.options.local(request, VERSION);
    if (this.client === undefined || this.client.host !== target.host || this.client.port !== target.port) {
      this.client?.close();
      this.client = new RpcClient(target.host, target.port, `sluice-alter-partition-${this.options.nodeId}`);
    }
    // A controller that never answers must not hold every later ISR change back.
    return this.client.request(ApiKey.AlterPartition, VERSION, AlterPartitionRequest, request, AlterPartitionResponse, REQUEST_TIMEOUT_MS);
  }
}
