// Follower side of partition replication: for every hosted partition another broker leads,
// one fetch loop per leader sends replica Fetch requests (ReplicaId = this broker) from the
// log end offset, appends what comes back with the leader's offsets and epochs, and takes
// the leader's high watermark (capped by its own log end). The leader counts the fetch
// offset as this replica's log end for its high watermark.
//
// Simplifications (see the report of issue 6): on becoming a follower of a new leader epoch
// the log is truncated to its high watermark (Kafka's pre-KIP-101 rule) instead of asking the
// leader for the epoch's end offset; ISR shrink/expand (AlterPartition) and acks=all waiting
// are not done here.
import type { Logger } from 'pino';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { FetchRequest, createFetchRequest } from '../../protocol/generated/message/fetch-request.js';
import { FetchResponse } from '../../protocol/generated/message/fetch-response.js';
import { ZERO_UUID } from '../../protocol/runtime/index.js';
import type { MetadataView } from '../metadata/image/types.js';
import { RpcClient } from '../metadata/raft-driver/rpc-client.js';
import type { HostedPartition } from './hosted-partition.js';

export interface FollowerFetcherOptions {
  readonly nodeId: number;
  readonly image: MetadataView;
  /** inter.broker.listener.name: which of the leader's endpoints to dial. */
  readonly listenerName: string;
  readonly hostedPartitions: () => Iterable<HostedPartition>;
  /** replica.fetch.wait.max.ms */
  readonly maxWaitMs: number;
  /** replica.fetch.backoff.ms */
  readonly backoffMs: number;
  /** replica.fetch.max.bytes (per partition) */
  readonly maxBytes: number;
  readonly logger: Logger;
}

/** Fetch v12: topic names, top-level ReplicaId, LastFetchedEpoch; no session. */
const REPLICA_FETCH_VERSION = 12;

interface Followed {
  hosted: HostedPartition;
  leaderEpoch: number;
}

const partitionKey = (h: HostedPartition): string => `${h.topic}\u0000${h.partition}`;

class LeaderFetcher {
  readonly partitions = new Map<string, Followed>();
  private stopped = false;
  private client: RpcClient | undefined;

  constructor(
    readonly leaderId: number,
    private readonly options: FollowerFetcherOptions,
  ) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.client?.close();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const fetched = await this.fetchOnce();
        if (!fetched) await sleep(this.options.backoffMs);
      } catch (error) {
        this.options.logger.debug({ err: error, leaderId: this.leaderId }, 'replica fetch failed');
        this.client?.close();
        this.client = undefined;
        await sleep(this.options.backoffMs);
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
      const list = byTopic.get(f.hosted.topic) ?? [];
      list.push(f);
      byTopic.set(f.hosted.topic, list);
    }
    const request = createFetchRequest({
      replicaId: this.options.nodeId,
      maxWaitMs: this.options.maxWaitMs,
      minBytes: 1,
      maxBytes: this.options.maxBytes * Math.max(1, this.partitions.size),
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...byTopic].map(([topic, list]) => ({
        topic,
        topicId: ZERO_UUID,
        partitions: list.map((f) => ({
          partition: f.hosted.partition,
          currentLeaderEpoch: f.leaderEpoch,
          fetchOffset: sent.get(f)!,
          lastFetchedEpoch: -1,
          logStartOffset: f.hosted.log.logStartOffset,
          partitionMaxBytes: this.options.maxBytes,
          replicaDirectoryId: ZERO_UUID,
        })),
      })),
      forgottenTopicsData: [],
      rackId: '',
    });
    const response = await this.client.request(ApiKey.Fetch, REPLICA_FETCH_VERSION, FetchRequest, request, FetchResponse);
    let anyError = response.errorCode !== 0;
    for (const topic of response.responses) {
      for (const p of topic.partitions) {
        const followed = this.partitions.get(`${topic.topic}\u0000${p.partitionIndex}`);
        // Re-assigned or truncated while the fetch was out: its answer no longer lines up.
        if (followed === undefined || sent.get(followed) !== followed.hosted.log.logEndOffset) continue;
        if (p.errorCode !== 0) {
          anyError = true;
          continue;
        }
        const log = followed.hosted.log;
        if (p.records !== null && p.records.length > 0) await log.appendAsFollower(p.records);
        const end = log.logEndOffset;
        const hw = p.highWatermark < end ? p.highWatermark : end;
        if (hw > log.highWatermark) log.updateHighWatermark(hw);
      }
    }
    return !anyError;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Keeps one LeaderFetcher per leader for the partitions this broker follows. */
export class FollowerFetcherManager {
  private readonly fetchers = new Map<number, LeaderFetcher>();
  private stopped = false;

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
      // A new leader or epoch: drop anything past what is known committed, then fetch from there.
      if (hosted.log.logEndOffset > hosted.log.highWatermark) await hosted.log.truncateTo(hosted.log.highWatermark);
      if (fetcher === undefined) {
        fetcher = new LeaderFetcher(leaderId, this.options);
        this.fetchers.set(leaderId, fetcher);
        fetcher.start();
      }
      fetcher.partitions.set(k, { hosted, leaderEpoch: hosted.leaderEpoch });
    }
    for (const [leaderId, fetcher] of this.fetchers) {
      if (fetcher.partitions.size === 0) {
        fetcher.stop();
        this.fetchers.delete(leaderId);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    for (const fetcher of this.fetchers.values()) fetcher.stop();
    this.fetchers.clear();
  }
}
