// Kafka's TransactionMarkerChannelManager, reduced to what one transaction needs: the COMMIT or
// ABORT marker goes to the current leader of every partition in the transaction, grouped by
// leader (the metadata image says who leads), written in process when this broker leads and
// as WriteTxnMarkers v1 otherwise. Partitions whose leader is unknown, moved, or failed are
// retried with backoff until written; the transaction stays PrepareCommit/PrepareAbort
// until then, so the partitions' last stable offsets move only once every marker is in.
import type { Logger } from 'pino';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import type { MetadataView } from '../../metadata/image/types.js';
import type { TxnMarker, TxnRpc } from './txn-rpc.js';

export interface TxnMarkerSenderDeps {
  readonly nodeId: number;
  readonly metadata: Pick<MetadataView, 'topic'>;
  /** Writes the marker into a partition this broker leads (the same path WriteTxnMarkers serves). */
  readonly writeLocal: (topic: string, partition: number, marker: TxnMarker) => Promise<number>;
  /** Other brokers; without it (one node) every partition is written locally. */
  readonly rpc?: Pick<TxnRpc, 'writeMarkers'>;
  readonly log: Logger;
  /** Between rounds of retries (Kafka retries on its next send loop, ~retry.backoff.ms). */
  readonly retryBackoffMs?: number;
}

/** topic → partitions still waiting for the marker; a round removes the written ones. */
export type PendingMarkers = Map<string, Set<number>>;

/** done: every marker written (or its partition is gone); fenced: a leader says this coordinator or producer epoch is stale. */
export type MarkerRound = 'done' | 'pending' | 'fenced';

/** Errors after which the same marker can never be written: Kafka drops the transaction's markers. */
const FENCED = new Set<number>([ErrorCode.TRANSACTION_COORDINATOR_FENCED, ErrorCode.INVALID_PRODUCER_EPOCH]);
/** The leader cannot store a marker at all (old message format): Kafka counts it as written. */
const SKIPPED = new Set<number>([ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, ErrorCode.UNSUPPORTED_VERSION]);

export class TxnMarkerSender {
  constructor(private readonly deps: TxnMarkerSenderDeps) {}

  private get backoffMs(): number {
    return this.deps.retryBackoffMs ?? 100;
  }

  /** One attempt at every pending partition, leaders in parallel; `localOnly` leaves other leaders' partitions pending. */
  async round(marker: TxnMarker, pending: PendingMarkers, localOnly = false): Promise<MarkerRound> {
    const byLeader = new Map<number, Map<string, number[]>>();
    for (const [topic, partitions] of pending) {
      const state = this.deps.metadata.topic(topic);
      for (const partition of partitions) {
        const leader = state?.partitions.get(partition)?.leader;
        if (leader === undefined) {
          // Kafka skips a partition that no longer exists (its topic was deleted).
          this.deps.log.info({ topic, partition }, 'transaction marker skipped: partition no longer exists');
          partitions.delete(partition);
          continue;
        }
        if (leader < 0) continue; // no leader right now: next round
        const remote = this.deps.rpc !== undefined && leader !== this.deps.nodeId;
        if (remote && localOnly) continue;
        const target = remote ? leader : this.deps.nodeId;
        let topics = byLeader.get(target);
        if (topics === undefined) byLeader.set(target, (topics = new Map()));
        let list = topics.get(topic);
        if (list === undefined) topics.set(topic, (list = []));
        list.push(partition);
      }
      if (partitions.size === 0) pending.delete(topic);
    }
    let fenced = false;
    const settle = (topic: string, partition: number, errorCode: number, leader: number): void => {
      if (errorCode === 0 || SKIPPED.has(errorCode)) {
        pending.get(topic)?.delete(partition);
        if (pending.get(topic)?.size === 0) pending.delete(topic);
      } else if (FENCED.has(errorCode)) {
        fenced = true;
        this.deps.log.info({ topic, partition, leader, errorCode, producerId: String(marker.producerId) }, 'transaction marker refused as stale: giving up on this transaction');
      } else {
        this.deps.log.debug({ topic, partition, leader, errorCode }, 'transaction marker not written yet; will retry');
      }
    };
    await Promise.all(
      [...byLeader].map(async ([leader, topics]) => {
        if (leader === this.deps.nodeId) {
          await Promise.all([...topics].flatMap(([topic, partitions]) => partitions.map(async (p) => settle(topic, p, await this.deps.writeLocal(topic, p, marker).catch(() => ErrorCode.UNKNOWN_SERVER_ERROR), leader))));
          return;
        }
        try {
          const answers = await this.deps.rpc!.writeMarkers(leader, marker, topics);
          for (const [topic, partitions] of topics) for (const p of partitions) settle(topic, p, answers.get(topic)?.get(p) ?? ErrorCode.UNKNOWN_SERVER_ERROR, leader);
        } catch (error) {
          this.deps.log.debug({ err: error, leader }, 'WriteTxnMarkers to the leader failed; will retry');
        }
      }),
    );
    if (fenced) return 'fenced';
    return pending.size === 0 ? 'done' : 'pending';
  }

  /** Rounds with backoff until every marker is written, a leader says stale, or `keepGoing` turns false. */
  async untilWritten(marker: TxnMarker, pending: PendingMarkers, keepGoing: () => boolean, firstAtOnce = false): Promise<MarkerRound | 'stopped'> {
    for (let attempt = firstAtOnce ? 0 : 1; ; attempt++) {
      // Backoff grows to 10x, as a retry that keeps failing is a dead or moving leader.
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, this.backoffMs * Math.min(10, attempt)).unref());
      if (!keepGoing()) return 'stopped';
      const outcome = await this.round(marker, pending);
      if (outcome !== 'pending') return outcome;
      if (attempt > 0 && attempt % 50 === 0) this.deps.log.warn({ producerId: String(marker.producerId), pending: [...pending].map(([t, s]) => `${t}:${[...s].join(',')}`), attempt }, 'transaction markers still not written');
    }
  }
}
