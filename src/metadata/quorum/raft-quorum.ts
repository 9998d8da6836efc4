// The metadata quorum driven by the KRaft state machine (src/metadata/raft): a real clock
// (one timer at nextWakeupMs), `quorum-state` and the Kafka-format `__cluster_metadata-0`
// log made durable before any message of the same output leaves, and Kafka's own quorum
// RPCs to the other voters' CONTROLLER listeners. A single-node broker runs this with one
// voter, which elects itself inside start() (no election timeout to wait out).
//
// One owner: every call into the RaftNode runs on `queue`. Committed batches are handed to
// the listeners on a second queue, so a listener that proposes cannot deadlock the node.
import type { Logger } from 'pino';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import type { PartitionLog } from '../../storage/log.js';
import { SerialQueue } from '../../storage/serial-queue.js';
import type { FileSystem } from '../../storage/types.js';
import { RaftNode } from '../raft/raft-node.js';
import { SeededRng } from '../raft/seeded-rng.js';
import { DEFAULT_RAFT_CONFIG, type DescribeQuorumPartition, type RaftConfig, type RaftMessage, type RaftOutput, type Rng } from '../raft/types.js';
import { decodeMetadataRecord, encodeMetadataRecord, type MetadataRecord } from '../records.js';
import { KafkaRaftLog } from '../raft-driver/kafka-raft-log.js';
import { QuorumStateFile } from '../raft-driver/quorum-state-file.js';
import {
  errorResponse,
  isRaftRequest,
  responseKindOf,
  wireRequest,
  wireResponse,
  type InboundRequest,
  type RaftRequest,
  type RaftResponse,
} from '../raft-driver/raft-codec.js';
import { RpcClient } from '../raft-driver/rpc-client.js';
import type { CommitListener, MetadataQuorum } from './types.js';

export interface VoterAddress {
  readonly id: number;
  readonly host: string;
  readonly port: number;
}

export interface RaftQuorumOptions {
  readonly nodeId: number;
  /** controller.quorum.voters */
  readonly voters: readonly VoterAddress[];
  /** `__cluster_metadata-0` */
  readonly log: PartitionLog;
  readonly fs: FileSystem;
  readonly clusterId: string;
  readonly logger: Logger;
  readonly config?: Partial<RaftConfig>;
  readonly rng?: Rng;
  /** Largest fetch response a follower asks for. */
  readonly fetchMaxBytes?: number;
}

/** A proposal on a node that is not the active controller; Kafka answers NOT_CONTROLLER. */
export class NotControllerError extends Error {
  override readonly name = 'NotControllerError';
  readonly errorCode = ErrorCode.NOT_CONTROLLER;
  constructor(readonly leaderId: number) {
    super(`this node is not the active controller (leader ${leaderId})`);
  }
}

/** What the quorum RPC handlers call (Vote, BeginQuorumEpoch, EndQuorumEpoch, Fetch, FetchSnapshot, DescribeQuorum). */
export interface QuorumRpcServer {
  readonly clusterId: string;
  readonly voters: readonly VoterAddress[];
  /** Runs an inbound quorum request through the node; resolves with the wire response body. */
  serve(request: InboundRequest, clusterId: string | null, apiVersion: number): Promise<unknown>;
  describeQuorum(): DescribeQuorumPartition;
}

interface InboundPending {
  request: RaftRequest;
  from: number;
  resolve: (response: RaftResponse) => void;
  timer: NodeJS.Timeout;
}

interface CommitWaiter {
  lastOffset: bigint;
  resolve: (offset: bigint) => void;
  reject: (error: Error) => void;
}

/** The config keys of Kafka's controller.quorum.* settings that RaftNode uses. */
export function raftConfigFrom(settings: ReadonlyMap<string, string>): Partial<RaftConfig> {
  const num = (key: string): number | undefined => {
    const raw = settings.get(key);
    return raw === undefined ? undefined : Number(raw);
  };
  const out: Partial<RaftConfig> = {};
  const set = (field: keyof RaftConfig, key: string): void => {
    const value = num(key);
    if (value !== undefined && Number.isFinite(value)) out[field] = value;
  };
  set('electionTimeoutMs', 'controller.quorum.election.timeout.ms');
  set('fetchTimeoutMs', 'controller.quorum.fetch.timeout.ms');
  set('electionBackoffMaxMs', 'controller.quorum.election.backoff.max.ms');
  set('requestTimeoutMs', 'controller.quorum.request.timeout.ms');
  set('retryBackoffMs', 'controller.quorum.retry.backoff.ms');
  return out;
}

export class RaftQuorum implements MetadataQuorum, QuorumRpcServer {
  private readonly listeners: CommitListener[] = [];
  private readonly queue = new SerialQueue();
  private readonly applyQueue = new SerialQueue();
  private readonly stateFile: QuorumStateFile;
  private readonly config: RaftConfig;
  private readonly clients = new Map<number, RpcClient>();
  private readonly log: Logger;
  private raftLog: KafkaRaftLog | undefined;
  private node: RaftNode | undefined;
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;
  /** Inbound Fetch/FetchSnapshot waiting for the node's answer, by the request id we gave them. */
  private readonly inboundById = new Map<number, InboundPending>();
  /** Inbound Vote/BeginQuorumEpoch/EndQuorumEpoch: the node answers them in the same output. */
  private readonly inboundSync: InboundPending[] = [];
  private nextInboundId = 1;
  /** Next offset to hand to the listeners, and the committed end the node last reported. */
  private nextApply = 0n;
  private highWatermark = 0n;
  private waiters: CommitWaiter[] = [];
  /** Offset after this leader's LeaderChange record: applied up to here, the image is current. */
  private leaderReadyOffset = 0n;
  private readonly leaderWaiters: (() => void)[] = [];

  constructor(private readonly options: RaftQuorumOptions) {
    this.stateFile = new QuorumStateFile(options.fs, options.log.dir);
    const config = { ...DEFAULT_RAFT_CONFIG, ...options.config };
    // A parked fetch must be answered before the follower gives the request up (request
    // timeout) or the leader (fetch timeout): KRaft's 500 ms wait is shortened when those are short.
    config.fetchMaxWaitMs = Math.min(config.fetchMaxWaitMs, Math.floor(config.requestTimeoutMs / 2), Math.floor(config.fetchTimeoutMs / 2));
    this.config = config;
    this.log = options.logger;
  }

  get clusterId(): string {
    return this.options.clusterId;
  }

  get voters(): readonly VoterAddress[] {
    return this.options.voters;
  }

  get leaderId(): number {
    return this.node?.currentLeaderId ?? -1;
  }

  get leaderEpoch(): number {
    return this.node?.currentEpoch ?? -1;
  }

  /**
   * Leader of the quorum with every committed record of earlier epochs applied, so the
   * controller validates against a current image (KRaft's controller likewise waits until
   * it has replayed up to its own epoch's start before it acts).
   */
  get isLeader(): boolean {
    return this.started && !this.stopped && this.node?.role === 'leader' && this.nextApply >= this.leaderReadyOffset;
  }

  onCommit(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  async start(): Promise<void> {
    const persisted = this.stateFile.read();
    const raftLog = KafkaRaftLog.load(this.options.log);
    this.raftLog = raftLog;
    this.nextApply = raftLog.startOffset();
    const node = new RaftNode({
      nodeId: this.options.nodeId,
      voters: this.options.voters.map((v) => v.id),
      config: this.config,
      log: raftLog,
      persisted,
      rng: this.options.rng ?? new SeededRng((Date.now() ^ (this.options.nodeId * 0x9e3779b1)) >>> 0),
    });
    this.node = node;
    await this.queue.run(() => this.step((now) => node.start(now)));
    this.started = true;
    // A sole voter is leader and has committed its whole log by now: replay it before returning.
    await this.applyQueue.idle();
  }

  /** Resolves once some node leads the quorum (this one or another), or rejects after `timeoutMs`. */
  waitForLeader(timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (this.leaderId >= 0) {
          clearTimeout(timer);
          resolve(this.leaderId);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => reject(new Error(`no quorum leader after ${timeoutMs} ms`)), timeoutMs);
      if (!check()) this.leaderWaiters.push(() => void check());
    });
  }

  propose(records: readonly MetadataRecord[]): Promise<bigint> {
    if (records.length === 0) return Promise.resolve(this.nextApply - 1n);
    return new Promise<bigint>((resolve, reject) => {
      this.queue
        .run(async () => {
          const payloads = records.map((r) => encodeMetadataRecord(r));
          const node = this.node;
          if (!this.started || this.stopped || node === undefined) throw new Error('metadata quorum is not running');
          // A new leader still replaying earlier epochs must not act on a stale image.
          if (node.role === 'leader' && this.nextApply < this.leaderReadyOffset) throw new NotControllerError(-1);
          const { result, output } = node.propose(payloads, Date.now());
          if (!result.accepted) {
            await this.process(output);
            throw new NotControllerError(result.leaderId);
          }
          // Registered before the output is processed: a sole voter commits within it.
          this.waiters.push({ lastOffset: result.lastOffset, resolve, reject });
          await this.process(output);
        })
        .catch(reject);
    });
  }

  serve(request: InboundRequest, clusterId: string | null, apiVersion: number): Promise<unknown> {
    const records = this.requireLog();
    if (clusterId !== null && clusterId !== this.options.clusterId) {
      const body = wireResponse(errorResponse(request.message, ErrorCode.INCONSISTENT_CLUSTER_ID, this.leaderId, this.leaderEpoch), records, apiVersion) as {
        errorCode: number;
      };
      body.errorCode = ErrorCode.INCONSISTENT_CLUSTER_ID;
      return Promise.resolve(body);
    }
    return this.handleInbound(request).then((response) => wireResponse(response, records, apiVersion));
  }

  describeQuorum(): DescribeQuorumPartition {
    const node = this.node;
    if (node === undefined) {
      return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, leaderId: -1, leaderEpoch: -1, highWatermark: -1n, currentVoters: [], observers: [] };
    }
    return node.describeQuorum(Date.now());
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    const sends: Promise<unknown>[] = [];
    await this.queue.run(async () => {
      const node = this.node;
      if (node !== undefined && this.started && node.role === 'leader') {
        // Graceful hand-over: EndQuorumEpoch lets the most caught-up voter stand at once.
        const out = node.resign(Date.now());
        await this.persistEffects(out);
        for (const { to, message } of out.messages) if (isRaftRequest(message)) sends.push(this.send(to, message));
      }
      this.stopped = true;
      clearTimeout(this.timer);
    });
    await Promise.race([Promise.allSettled(sends), new Promise((resolve) => setTimeout(resolve, 500).unref())]);
    for (const client of this.clients.values()) client.close();
    for (const pending of [...this.inboundById.values(), ...this.inboundSync]) this.answerWithError(pending, ErrorCode.BROKER_NOT_AVAILABLE);
    this.inboundById.clear();
    this.inboundSync.length = 0;
    for (const waiter of this.waiters.splice(0)) waiter.reject(new Error('metadata quorum stopped'));
    await this.applyQueue.idle();
  }

  // ---- driving the node ----------------------------------------------------------------

  private requireLog(): KafkaRaftLog {
    if (this.raftLog === undefined) throw new Error('metadata quorum is not started');
    return this.raftLog;
  }

  /** Runs one input through the node; must run on `queue`. */
  private async step(input: (nowMs: number) => RaftOutput): Promise<void> {
    if (this.stopped || this.node === undefined) return;
    await this.process(input(Date.now()));
  }

  private handleInbound(inbound: InboundRequest): Promise<RaftResponse> {
    return new Promise<RaftResponse>((resolve) => {
      void this.queue.run(async () => {
        const node = this.node;
        let request = inbound.message;
        const byId = request.kind === 'FetchRequest' || request.kind === 'FetchSnapshotRequest';
        if (request.kind === 'FetchRequest' || request.kind === 'FetchSnapshotRequest') request = { ...request, requestId: this.nextInboundId++ };
        // A node that does not answer (stopped, or a parked fetch it dropped on a state change)
        // must not hold the connection forever: answer with a retriable error after a while.
        const waitMs = (request.kind === 'FetchRequest' ? request.maxWaitMs : 0) + this.config.requestTimeoutMs;
        const pending: InboundPending = {
          request,
          from: inbound.from,
          resolve,
          timer: setTimeout(() => {
            if (byId) this.inboundById.delete((request as { requestId: number }).requestId);
            else this.inboundSync.splice(this.inboundSync.indexOf(pending) >>> 0, 1);
            this.answerWithError(pending, ErrorCode.REQUEST_TIMED_OUT);
          }, waitMs),
        };
        pending.timer.unref();
        if (this.stopped || node === undefined || !this.started) {
          this.answerWithError(pending, ErrorCode.BROKER_NOT_AVAILABLE);
          return;
        }
        if (byId) {
          // The node holds one parked fetch per replica: a newer one replaces the older.
          for (const [id, other] of this.inboundById) {
            if (other.from === inbound.from && other.request.kind === request.kind) {
              this.inboundById.delete(id);
              this.answerWithError(other, ErrorCode.REQUEST_TIMED_OUT);
            }
          }
          this.inboundById.set((request as { requestId: number }).requestId, pending);
        } else {
          this.inboundSync.push(pending);
        }
        await this.process(node.handleMessage(inbound.from, request, Date.now()));
      });
    });
  }

  private answerWithError(pending: InboundPending, errorCode: number): void {
    clearTimeout(pending.timer);
    pending.resolve(errorResponse(pending.request, errorCode, this.leaderId, this.leaderEpoch));
  }

  /** Makes the output's effects durable, then sends its messages and answers; must run on `queue`. */
  private async process(output: RaftOutput): Promise<void> {
    const highWatermark = await this.persistEffects(output);
    for (const { to, message } of output.messages) {
      if (isRaftRequest(message)) void this.send(to, message);
      else this.answerInbound(to, message as RaftResponse);
    }
    if (highWatermark !== undefined && highWatermark > this.highWatermark) {
      this.highWatermark = highWatermark;
      void this.applyQueue.run(() => this.applyCommitted());
    }
    if (this.leaderId >= 0) for (const wake of this.leaderWaiters.splice(0)) wake();
    this.reschedule();
  }

  /** Processes effects in order; returns the last high watermark they reported. */
  private async persistEffects(output: RaftOutput): Promise<bigint | undefined> {
    const raftLog = this.requireLog();
    let highWatermark: bigint | undefined;
    for (const effect of output.effects) {
      switch (effect.type) {
        case 'persist-quorum-state':
          await this.stateFile.write(effect.state);
          break;
        case 'log-appended':
        case 'log-start-advanced':
        case 'snapshot-installed':
          await raftLog.sync();
          break;
        case 'log-truncated':
          await raftLog.sync();
          // Proposals at or past the cut will never commit in this form.
          this.waiters = this.waiters.filter((w) => {
            if (w.lastOffset < effect.toOffset) return true;
            w.reject(new NotControllerError(this.leaderId));
            return false;
          });
          break;
        case 'high-watermark':
          highWatermark = effect.offset;
          break;
        case 'role-changed':
          // The LeaderChange record is already in the log when the node reports the new role.
          if (effect.role === 'leader') this.leaderReadyOffset = raftLog.endOffset();
          this.log.info({ role: effect.role, epoch: effect.epoch, leaderId: effect.leaderId }, 'metadata quorum role changed');
          break;
      }
    }
    return highWatermark;
  }

  private answerInbound(to: number, response: RaftResponse): void {
    if (response.kind === 'FetchResponse' || response.kind === 'FetchSnapshotResponse') {
      const pending = this.inboundById.get(response.requestId);
      if (pending === undefined) return; // superseded or timed out: the fetcher gave up on it
      this.inboundById.delete(response.requestId);
      clearTimeout(pending.timer);
      pending.resolve(response);
      return;
    }
    const index = this.inboundSync.findIndex((p) => p.from === to && responseKindOf(p.request.kind) === response.kind);
    if (index < 0) return;
    const [pending] = this.inboundSync.splice(index, 1);
    clearTimeout(pending!.timer);
    pending!.resolve(response);
  }

  /** Sends a request to a voter; its answer goes back into the node. Lost requests are resent by the node. */
  private async send(to: number, message: RaftRequest): Promise<void> {
    const voter = this.options.voters.find((v) => v.id === to);
    if (voter === undefined) return;
    let client = this.clients.get(to);
    if (client === undefined) {
      client = new RpcClient(voter.host, voter.port, `sluice-raft-${this.options.nodeId}`);
      this.clients.set(to, client);
    }
    const wire = wireRequest(message, this.options.clusterId, this.requireLog(), this.options.fetchMaxBytes ?? 8 * 1024 * 1024);
    let answer: RaftMessage;
    try {
      // controller.quorum.request.timeout.ms (plus a fetch's long poll): a voter behind a
      // network partition never answers, and the node's resends must not queue behind it.
      const timeoutMs = this.config.requestTimeoutMs + (message.kind === 'FetchRequest' ? message.maxWaitMs : 0);
      answer = wire.toMessage(await client.request(wire.apiKey, wire.apiVersion, wire.codec, wire.body, wire.responseCodec, timeoutMs));
    } catch (error) {
      this.log.debug({ to, kind: message.kind, err: error }, 'quorum request failed');
      return;
    }
    await this.queue.run(() => this.step((now) => this.node!.handleMessage(to, answer, now)));
  }

  private reschedule(): void {
    clearTimeout(this.timer);
    const node = this.node;
    if (this.stopped || node === undefined) return;
    const wake = node.nextWakeupMs();
    if (!Number.isFinite(wake)) return;
    const delay = Math.min(Math.max(0, wake - Date.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => void this.queue.run(() => this.step((now) => node.tick(now))), delay);
    this.timer.unref();
  }

  /** Hands committed batches to the listeners in order; runs on `applyQueue`. */
  private async applyCommitted(): Promise<void> {
    const raftLog = this.requireLog();
    for (const { batch, entries } of raftLog.committedBatches(this.nextApply, this.highWatermark)) {
      if (!batch.control) {
        const records = entries.map((e) => decodeMetadataRecord(Buffer.from(e.payload.buffer, e.payload.byteOffset, e.payload.byteLength)));
        for (const listener of this.listeners) await listener(records, batch.lastOffset);
      }
      this.nextApply = batch.lastOffset + 1n;
      this.waiters = this.waiters.filter((w) => {
        if (w.lastOffset > batch.lastOffset) return true;
        w.resolve(w.lastOffset);
        return false;
      });
    }
  }
}
