// Follower side of partition replication: for every hosted partition another broker leads,
// one fetch loop per leader sends replica Fetch v15 requests (ReplicaState = this broker and
// its epoch) from the log end offset with the epoch of the last batch (LastFetchedEpoch),
// appends what comes back with the leader's offsets and epochs (producer state follows), and
// takes the leader's high watermark (capped by its own log end). The leader counts the fetch
// offset as this replica's log end for its high watermark and ISR.
//
// Truncation (KIP-101/KIP-595 via Fetch v12+): nothing is cut when the leader changes. When the
// log holds batches the leader does not (an old leader's uncommitted tail), the leader answers
// with DivergingEpoch, the largest epoch both know and where it ends in the leader's log; the
// follower cuts at the end of that epoch in its own log, capped by the leader's end, as Kafka's
// AbstractFetcherThread does, and fetches again from there.
import type { Logger } from 'pino';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { FetchRequest, createFetchRequest } from '../../protocol/generated/message/fetch-request.js';
import { FetchResponse } from '../../protocol/generated/message/fetch-response.js';
import { ZERO_UUID } from '../../protocol/runtime/index.js';
import type { MetadataView } from '../metadata/image/types.js';
import { RpcClient } from '../metadata/raft-driver/rpc-client.js';
import type { HostedPartition } from './hosted-partition.js';
import type { FetchResponsePartitionData } from '../../protocol/generated/message/fetch-response.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';

/** How the fetcher changes a follower's log; the replica manager keeps producer state in step. */
export interface ReplicaLogWriter {
  /** Appends the leader's batches; false when the partition stopped following `leaderEpoch` meanwhile. */
  appendReplicated(partition: HostedPartition, records: Buffer, leaderEpoch: number): Promise<boolean>;
  truncateReplica(partition: HostedPartition, offset: bigint, leaderEpoch: number): Promise<void>;
  restartReplicaAt(partition: HostedPartition, offset: bigint, leaderEpoch: number): Promise<void>;
}

export interface FollowerFetcherOptions {
  readonly nodeId: number;
  readonly image: MetadataView;
  /** inter.broker.listener.name: which of the leader's endpoints to dial. */
  readonly listenerName: string;
  readonly hostedPartitions: () => Iterable<HostedPartition>;
  readonly writer: ReplicaLogWriter;
  /** This broker's registration epoch (Fetch v15 ReplicaState.ReplicaEpoch); -1 before it registered. */
  readonly brokerEpoch: () => bigint;
  /** replica.fetch.wait.max.ms */
  readonly maxWaitMs: number;
  /** replica.fetch.backoff.ms */
  readonly backoffMs: number;
  /** replica.fetch.max.bytes (per partition) */
  readonly maxBytes: number;
  readonly logger: Logger;
}

/** Fetch v15: topic ids, ReplicaState (id and broker epoch), LastFetchedEpoch; no session. */
const REPLICA_FETCH_VERSION = 15;
/** How long past replica.fetch.wait.max.ms a replica fetch may take before the connection is dropped. */
const FETCH_TIMEOUT_MARGIN_MS = 5000;

interface Followed {
  hosted: HostedPartition;
  leaderEpoch: number;
}

const partitionKey = (h: HostedPartition): string => `${h.topicId}:${h.partition}`;

/**
 * Kafka's getOffsetTruncationState: where a follower cuts its log given the leader's
 * DivergingEpoch. An epoch the follower does not know sends it to the end of its own largest
 * epoch below (another round of fetching narrows it down).
 */
export function truncationOffset(log: { logEndOffset: bigint; highWatermark: bigint; epochs: { endOffsetFor(epoch: number, logEndOffset: bigint): { epoch: number; startOffset: bigint } } }, diverging: { epoch: number; endOffset: bigint }): bigint {
  const leo = log.logEndOffset;
  const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
  // The leader knows none of this follower's epochs: only the high watermark is safe.
  if (diverging.endOffset < 0n) return min(log.highWatermark, leo);
  if (diverging.epoch < 0) return min(diverging.endOffset, leo);
  const local = log.epochs.endOffsetFor(diverging.epoch, leo);
  if (local.startOffset < 0n) return min(diverging.endOffset, leo);
  if (local.epoch !== diverging.epoch) return min(local.startOffset, leo);
  return min(min(local.startOffset, diverging.endOffset), leo);
}

class LeaderFetcher {
  readonly partitions = new Map<string, Followed>();
  private stopped = false;
  private client: RpcClient | undefined;
  /** Set by `wake`: the partition set changed, so the next round starts now, not after a wait. */
  private woken = false;
  private cutSleepShort: (() => void) | undefined;
  private inFlight = false;

  constructor(
    readonly leaderId: number,
    private readonly options: FollowerFetcherOptions,
    private readonly paused: () => boolean,
  ) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.client?.close();
    this.cutSleepShort?.();
  }

  /**
   * A partition (or a new epoch of one) was added: fetch it now. A fetch parked at the leader
   * would hold it back up to replica.fetch.wait.max.ms (and the leader answers a connection in
   * order), so that connection is dropped and the round starts again on a new one; a backoff
   * sleep is cut short.
   */
  wake(): void {
    this.woken = true;
    if (this.inFlight) {
      this.client?.close();
      this.client = undefined;
    }
    this.cutSleepShort?.();
  }

  private pause(ms: number): Promise<void> {
    if (this.woken || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.cutSleepShort = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.cutSleepShort = done;
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (this.paused()) {
        await sleep(this.options.backoffMs);
        continue;
      }
      this.woken = false;
      try {
        const fetched = await this.fetchOnce();
        if (!fetched) await this.pause(this.options.backoffMs);
      } catch (error) {
        if (!this.woken) this.options.logger.debug({ err: error, leaderId: this.leaderId }, 'replica fetch failed');
        this.client?.close();
        this.client = undefined;
        await this.pause(this.options.backoffMs);
      }
    }
  }

  /** One fetch round; false when there was nothing to fetch from (no endpoint, no partitions). */
  private async fetchOnce(): Promise<boolean> {
    const endpoint = this.options.image.broker(this.leaderId)?.endpoints.find((e) => e.name === this.options.listenerName);
    if (endpoint === undefined || this.partitions.size === 0) return false;
    if (this.client === undefined || this.client.host !== endpoint.host || this.client.port !== endpoint.port) {
      this.client?.close();
      this.client = new RpcClient(endpoint.host, endpoint.port, `sluice-replica-${this.options.nodeId}`);
    }
    const byTopic = new Map<string, Followed[]>();
    const sent = new Map<Followed, bigint>();
    for (const f of this.partitions.values()) {
      sent.set(f, f.hosted.log.logEndOffset);
      const list = byTopic.get(f.hosted.topicId) ?? [];
      list.push(f);
      byTopic.set(f.hosted.topicId, list);
    }
    const request = createFetchRequest({
      replicaState: { replicaId: this.options.nodeId, replicaEpoch: this.options.brokerEpoch() },
      maxWaitMs: this.options.maxWaitMs,
      minBytes: 1,
      maxBytes: this.options.maxBytes * Math.max(1, this.partitions.size),
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...byTopic].map(([topicId, list]) => ({
        topic: '',
        topicId,
        partitions: list.map((f) => ({
          partition: f.hosted.partition,
          currentLeaderEpoch: f.leaderEpoch,
          fetchOffset: sent.get(f)!,
          lastFetchedEpoch: f.hosted.log.epochs.latestEpoch(),
          logStartOffset: f.hosted.log.logStartOffset,
          partitionMaxBytes: this.options.maxBytes,
          replicaDirectoryId: ZERO_UUID,
        })),
      })),
      forgottenTopicsData: [],
      rackId: '',
    });
    this.inFlight = true;
    let response: FetchResponse;
    try {
      // A leader cut off by the network never answers (no RST): give up a few seconds past the long poll.
      response = await this.client.request(ApiKey.Fetch, REPLICA_FETCH_VERSION, FetchRequest, request, FetchResponse, this.options.maxWaitMs + FETCH_TIMEOUT_MARGIN_MS);
    } finally {
      this.inFlight = false;
    }
    let anyError = response.errorCode !== 0;
    for (const topic of response.responses) {
      for (const p of topic.partitions) {
        const followed = this.partitions.get(`${topic.topicId}:${p.partitionIndex}`);
        // Re-assigned or truncated while the fetch was out: its answer no longer lines up.
        if (followed === undefined || sent.get(followed) !== followed.hosted.log.logEndOffset || followed.hosted.leaderEpoch !== followed.leaderEpoch) continue;
        if (!(await this.handlePartition(followed, sent.get(followed)!, p))) anyError = true;
      }
    }
    return !anyError;
  }

  /** Applies one partition's answer; false on an error worth backing off for. */
  private async handlePartition(followed: Followed, fetchOffset: bigint, p: FetchResponsePartitionData): Promise<boolean> {
    const { hosted, leaderEpoch } = followed;
    const log = hosted.log;
    const writer = this.options.writer;
    if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      // Behind the leader's log start (retention or DeleteRecords there): start over at it.
      // Past its end (only after an unclean election): fall back to what it calls committed.
      if (p.logStartOffset >= 0n && fetchOffset < p.logStartOffset) await writer.restartReplicaAt(hosted, p.logStartOffset, leaderEpoch);
      else if (p.highWatermark >= log.logStartOffset && p.highWatermark < log.logEndOffset) await writer.truncateReplica(hosted, p.highWatermark, leaderEpoch);
      this.options.logger.info({ topic: hosted.topic, partition: hosted.partition, fetchOffset, leaderLogStart: String(p.logStartOffset) }, 'replica fetch offset out of range');
      return false;
    }
    if (p.errorCode !== 0) return false;
    if (p.divergingEpoch.epoch >= 0 || p.divergingEpoch.endOffset >= 0n) {
      const target = truncationOffset(log, p.divergingEpoch);
      this.options.logger.info(
        { topic: hosted.topic, partition: hosted.partition, logEndOffset: String(log.logEndOffset), divergingEpoch: p.divergingEpoch.epoch, leaderEndOffset: String(p.divergingEpoch.endOffset), truncateTo: String(target) },
        'truncating a diverged replica',
      );
      if (target < log.logStartOffset) await writer.restartReplicaAt(hosted, target, leaderEpoch);
      else await writer.truncateReplica(hosted, target, leaderEpoch);
      return true;
    }
    if (p.records !== null && p.records.length > 0 && !(await writer.appendReplicated(hosted, p.records, leaderEpoch))) return true;
    const end = log.logEndOffset;
    const hw = p.highWatermark < end ? p.highWatermark : end;
    if (hw > log.highWatermark) log.updateHighWatermark(hw);
    // Kafka's LeaderOffsetIncremented: the leader's log start (DeleteRecords, retention) moves this replica's too.
    if (p.logStartOffset > log.logStartOffset && p.logStartOffset <= log.highWatermark) await log.deleteRecordsBefore(p.logStartOffset);
    return true;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Keeps one LeaderFetcher per leader for the partitions this broker follows. */
export class FollowerFetcherManager {
  private readonly fetchers = new Map<number, LeaderFetcher>();
  private stopped = false;
  private paused = false;

  constructor(private readonly options: FollowerFetcherOptions) {}

  /**
   * Re-reads leadership from the hosted partitions (call after every applied metadata batch):
   * starts following new leaders, stops following partitions this broker now leads or lost.
   */
  async sync(): Promise<void> {
    if (this.stopped) return;
    const wanted = new Map<string, { hosted: HostedPartition; leaderId: number }>();
    for (const hosted of this.options.hostedPartitions()) {
      if (hosted.leaderId >= 0 && hosted.leaderId !== this.options.nodeId) wanted.set(partitionKey(hosted), { hosted, leaderId: hosted.leaderId });
    }
    for (const [leaderId, fetcher] of this.fetchers) {
      for (const [k, followed] of fetcher.partitions) {
        const want = wanted.get(k);
        if (want === undefined || want.leaderId !== leaderId || want.hosted !== followed.hosted) fetcher.partitions.delete(k);
      }
    }
    for (const [k, { hosted, leaderId }] of wanted) {
      let fetcher = this.fetchers.get(leaderId);
      const current = fetcher?.partitions.get(k);
      if (current !== undefined && current.leaderEpoch === hosted.leaderEpoch) continue;
      // A new leader or epoch: fetch on from the log end; the leader's DivergingEpoch says if and where to cut.
      if (fetcher === undefined) {
        fetcher = new LeaderFetcher(leaderId, this.options, () => this.paused);
        this.fetchers.set(leaderId, fetcher);
        fetcher.start();
      }
      fetcher.partitions.set(k, { hosted, leaderEpoch: hosted.leaderEpoch });
      fetcher.wake();
    }
    for (const [leaderId, fetcher] of this.fetchers) {
      if (fetcher.partitions.size === 0) {
        fetcher.stop();
        this.fetchers.delete(leaderId);
      }
    }
  }

  /**
   * Stops fetching without forgetting what is followed (a stalled follower, as tests need to
   * show the leader's lag rule); `resume` carries on from the log end.
   */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  stop(): void {
    this.stopped = true;
    for (const fetcher of this.fetchers.values()) fetcher.stop();
    this.fetchers.clear();
  }
}
