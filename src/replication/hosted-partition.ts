import type { PartitionLog } from '../storage/log.js';
import type { EffectiveTopicConfig } from '../config/describe.js';
import { ProducerStateManager } from './producer-state.js';
import type { FollowerState } from './isr.js';

/** An ISR change sent to the controller and not answered yet (Kafka's PendingExpandIsr / PendingShrinkIsr). */
export interface PendingIsrChange {
  readonly kind: 'expand' | 'shrink';
  readonly isr: readonly number[];
}

/** A partition this broker holds a replica of, with its leadership state and fetch waiters. */
export class HostedPartition {
  leaderId = -1;
  leaderEpoch = 0;
  /** The committed partition epoch this broker knows (from the image or an AlterPartition answer). */
  partitionEpoch = 0;
  isr: readonly number[] = [];
  replicas: readonly number[] = [];
  /** Leader only: the log end offset when this leader epoch began (followers join the ISR past it). */
  leaderEpochStartOffset = -1n;
  /** Leader only: what each follower's fetches said (Kafka's remote replica state). */
  readonly followers = new Map<number, FollowerState>();
  /** Leader only: the one AlterPartition in flight, if any. */
  pendingIsr: PendingIsrChange | null = null;
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

  /**
   * The ISR the high watermark waits for: while an expansion is in flight the new member already
   * counts, and while a shrink is in flight the leaving member still does (Kafka's maximalIsr),
   * so the high watermark never passes what a committed ISR might not hold.
   */
  get maximalIsr(): readonly number[] {
    const pending = this.pendingIsr;
    if (pending === null) return this.isr;
    return [...new Set([...this.isr, ...pending.isr])];
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
