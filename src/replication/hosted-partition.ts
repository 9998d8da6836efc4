import type { PartitionLog } from '../storage/log.js';
import type { EffectiveTopicConfig } from '../config/describe.js';
import { ProducerStateManager } from './producer-state.js';

/** A partition this broker holds a replica of, with its leadership state and fetch waiters. */
export class HostedPartition {
  leaderId = -1;
  leaderEpoch = 0;
  isr: readonly number[] = [];
  replicas: readonly number[] = [];
  /** Idempotent/transactional producer state; produce checks and updates it on its queue. */
  readonly producers = new ProducerStateManager();
  private readonly appendWaiters = new Set<() => void>();

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly topicId: string,
    readonly log: PartitionLog,
    public config: EffectiveTopicConfig,
    private readonly nodeId: number,
  ) {}

  get isLeader(): boolean {
    return this.leaderId === this.nodeId;
  }

  /** Calls `wake` once, at the next append (or when the partition goes away). */
  onNextAppend(wake: () => void): () => void {
    this.appendWaiters.add(wake);
    return () => this.appendWaiters.delete(wake);
  }

  notifyAppend(): void {
    if (this.appendWaiters.size === 0) return;
    const waiters = [...this.appendWaiters];
    this.appendWaiters.clear();
    for (const wake of waiters) wake();
  }
}
