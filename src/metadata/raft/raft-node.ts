// The KRaft-style consensus core (KIP-595) as a pure state machine: no timers, sockets
// or files. Inputs are inbound messages, `tick(nowMs)`, proposals, snapshot notices and
// graceful resignation; every input returns the effects and outbound messages it caused.
// README.md in this folder is the driver's contract.
import {
  NO_ID,
  RaftErrorCode,
  type BeginQuorumEpochRequest,
  type DescribeQuorumPartition,
  type EndQuorumEpochRequest,
  type FetchRequest,
  type FetchResponse,
  type FetchSnapshotRequest,
  type FetchSnapshotResponse,
  type LeaderIdAndEpoch,
  type LogEntry,
  type PersistedQuorumState,
  type ProposeResult,
  type RaftConfig,
  type RaftLog,
  type RaftMessage,
  type RaftOutput,
  type RaftRole,
  type ReplicaStateDescription,
  type Rng,
  type SnapshotId,
  type VoteRequest,
  type VoteResponse,
} from './types.js';

export interface RaftNodeOptions {
  nodeId: number;
  /** The static voter set (no KIP-853 reconfiguration). A node not in it is an observer. */
  voters: readonly number[];
  config: RaftConfig;
  log: RaftLog;
  /** What the last run persisted, or undefined on first start. */
  persisted: PersistedQuorumState | undefined;
  rng: Rng;
}

/** What the leader knows about one replica that fetches from it. */
interface ReplicaProgress {
  /** Fetch offset of its last valid fetch in this epoch: everything below matches our log. */
  endOffset: bigint | undefined;
  lastFetchMs: number;
  lastCaughtUpMs: number;
  /** Our log end offset when it last fetched, for the caught-up timestamp rule. */
  leaderEndOffsetAtLastFetch: bigint;
  /** For check-quorum: last time it sent us anything in this epoch. */
  lastContactMs: number;
  /** The high watermark our last records response to it carried (-1 before any). */
  highWatermarkSent: bigint;
}

interface ParkedFetch {
  requestId: number;
  fetchOffset: bigint;
  deadlineMs: number;
}

interface InFlightRequest {
  requestId: number;
  sentAtMs: number;
  /** For a Fetch: where the records in its response must start. */
  fetchOffset: bigint;
}

interface SnapshotDownload {
  snapshotId: SnapshotId;
  chunks: Uint8Array[];
  position: bigint;
}

/** Follower (and leader-seeking observer) fetch loop. */
interface Fetcher {
  inFlight: InFlightRequest | undefined;
  nextSendAtMs: number;
  download: SnapshotDownload | undefined;
}

type QuorumState =
  | { kind: 'unattached'; electionDeadlineMs: number; discovery: Fetcher | undefined; discoveryTarget: number }
  | { kind: 'voted'; votedId: number; electionDeadlineMs: number }
  | {
      kind: 'candidate';
      granted: Set<number>;
      rejected: Set<number>;
      electionDeadlineMs: number;
      backoffUntilMs: number | undefined;
      lastVoteSendMs: number;
    }
  | { kind: 'follower'; leaderId: number; fetchDeadlineMs: number; fetcher: Fetcher }
  | {
      kind: 'leader';
      epochStartOffset: bigint;
      grantingVoters: number[];
      voters: Map<number, ReplicaProgress>;
      observers: Map<number, ReplicaProgress>;
      unackedBeginEpoch: Set<number>;
      lastBeginEpochSendMs: number;
      parked: Map<number, ParkedFetch>;
    }
  | {
      kind: 'resigned';
      electionDeadlineMs: number;
      preferredSuccessors: number[];
      unackedEndEpoch: Set<number>;
      lastEndEpochSendMs: number;
    };

const NEVER = Number.POSITIVE_INFINITY;

export class RaftNode {
  readonly nodeId: number;
  private readonly voters: readonly number[];
  private readonly isVoter: boolean;
  private readonly config: RaftConfig;
  private readonly log: RaftLog;
  private readonly rng: Rng;
  private readonly persistedAtStart: PersistedQuorumState | undefined;

  private epoch = 0;
  private leaderId = NO_ID;
  private votedId = NO_ID;
  private state: QuorumState;
  /** Committed prefix end; undefined until learned (a new leader does not know it yet). */
  private highWatermark: bigint | undefined;
  private nextRequestId: number;
  private started = false;
  private output: RaftOutput = { effects: [], messages: [] };

  constructor(options: RaftNodeOptions) {
    this.nodeId = options.nodeId;
    this.voters = [...options.voters];
    this.isVoter = this.voters.includes(options.nodeId);
    this.config = options.config;
    this.log = options.log;
    this.rng = options.rng;
    this.persistedAtStart = options.persisted;
    this.state = { kind: 'unattached', electionDeadlineMs: NEVER, discovery: undefined, discoveryTarget: NO_ID };
    // Responses to a previous incarnation's requests must not match new ones: start the
    // request ids somewhere random.
    this.nextRequestId = Math.floor(this.rng.nextFloat() * 2 ** 40);
  }

  // ---- public inputs -------------------------------------------------------------------

  /** First call: resumes from the persisted quorum state, as KRaft does on restart. */
  start(nowMs: number): RaftOutput {
    if (this.started) throw new Error('RaftNode.start called twice');
    this.started = true;
    const saved = this.persistedAtStart;
    if (saved) {
      this.epoch = saved.leaderEpoch < 0 ? 0 : saved.leaderEpoch;
      if (saved.leaderId === this.nodeId) {
        // A leader that restarted cannot trust it knows its in-memory state: give up the epoch.
        this.leaderId = this.nodeId;
        this.enterResigned(nowMs, []);
      } else if (saved.leaderId !== NO_ID) {
        this.enterFollower(saved.leaderId, nowMs, false);
      } else if (saved.votedId === this.nodeId && this.isVoter) {
        this.votedId = this.nodeId;
        this.enterCandidateState(nowMs);
      } else if (saved.votedId !== NO_ID) {
        this.votedId = saved.votedId;
        this.state = { kind: 'voted', votedId: saved.votedId, electionDeadlineMs: nowMs + this.randomElectionTimeout() };
        this.emitRole();
      } else {
        this.enterUnattached(nowMs, false);
      }
    } else {
      this.enterUnattached(nowMs, true);
    }
    if (this.isSoleVoter() && this.state.kind !== 'leader') this.startElection(nowMs);
    this.onTimers(nowMs);
    return this.drain();
  }

  handleMessage(from: number, message: RaftMessage, nowMs: number): RaftOutput {
    this.requireStarted();
    switch (message.kind) {
      case 'VoteRequest':
        this.onVoteRequest(from, message, nowMs);
        break;
      case 'VoteResponse':
        this.onVoteResponse(from, message, nowMs);
        break;
      case 'BeginQuorumEpochRequest':
        this.onBeginQuorumEpoch(from, message, nowMs);
        break;
      case 'BeginQuorumEpochResponse':
        this.observeLeader(message.leaderEpoch, message.leaderId, nowMs);
        if (this.state.kind === 'leader' && message.leaderEpoch === this.epoch) this.state.unackedBeginEpoch.delete(from);
        break;
      case 'EndQuorumEpochRequest':
        this.onEndQuorumEpoch(from, message, nowMs);
        break;
      case 'EndQuorumEpochResponse':
        this.observeLeader(message.leaderEpoch, message.leaderId, nowMs);
        if (this.state.kind === 'resigned' && message.leaderEpoch === this.epoch) this.state.unackedEndEpoch.delete(from);
        break;
      case 'FetchRequest':
        this.onFetchRequest(from, message, nowMs);
        break;
      case 'FetchResponse':
        this.onFetchResponse(message, nowMs);
        break;
      case 'FetchSnapshotRequest':
        this.onFetchSnapshotRequest(from, message, nowMs);
        break;
      case 'FetchSnapshotResponse':
        this.onFetchSnapshotResponse(message, nowMs);
        break;
    }
    this.onTimers(nowMs);
    return this.drain();
  }

  /** Drives every timer; call at nextWakeupMs() (calling more often is harmless). */
  tick(nowMs: number): RaftOutput {
    this.requireStarted();
    this.onTimers(nowMs);
    return this.drain();
  }

  /** Appends a batch of opaque payloads; only the leader accepts. */
  propose(payloads: readonly Uint8Array[], nowMs: number): { result: ProposeResult; output: RaftOutput } {
    this.requireStarted();
    if (this.state.kind !== 'leader' || payloads.length === 0) {
      const errorCode = this.state.kind === 'leader' ? RaftErrorCode.INVALID_REQUEST : RaftErrorCode.NOT_LEADER_OR_FOLLOWER;
      return { result: { accepted: false, errorCode, leaderId: this.leaderId, leaderEpoch: this.epoch }, output: this.drain() };
    }
    const baseOffset = this.log.endOffset();
    const entries: LogEntry[] = payloads.map((payload, i) => ({ offset: baseOffset + BigInt(i), epoch: this.epoch, payload }));
    this.appendAsLeader(entries, nowMs);
    const result: ProposeResult = { accepted: true, epoch: this.epoch, baseOffset, lastOffset: baseOffset + BigInt(payloads.length - 1) };
    return { result, output: this.drain() };
  }

  /**
   * The application wrote a snapshot of the committed state below id.endOffset. The log
   * keeps it for lagging fetchers and deletes the prefix it covers.
   */
  snapshotTaken(id: SnapshotId, bytes: Uint8Array): RaftOutput {
    this.requireStarted();
    const hw = this.highWatermark ?? 0n;
    if (id.endOffset > hw) throw new RangeError(`snapshot end ${id.endOffset} is past the high watermark ${hw}`);
    if (id.endOffset <= this.log.startOffset()) return this.drain();
    const last = this.log.entryAt(id.endOffset - 1n);
    if (!last || last.epoch !== id.epoch) throw new RangeError(`snapshot epoch ${id.epoch} does not match the log at ${id.endOffset - 1n}`);
    this.log.writeSnapshot(id, bytes);
    this.log.deleteBeforeSnapshot(id);
    this.output.effects.push({ type: 'log-start-advanced', startOffset: this.log.startOffset() });
    return this.drain();
  }

  /** Graceful shutdown of a leader: hand over to the most caught-up voters (EndQuorumEpoch). */
  resign(nowMs: number): RaftOutput {
    this.requireStarted();
    if (this.state.kind === 'leader' && !this.isSoleVoter()) this.enterResigned(nowMs, this.successorsByProgress(this.state.voters));
    return this.drain();
  }

  /** When tick() next has something to do. */
  nextWakeupMs(): number {
    const s = this.state;
    switch (s.kind) {
      case 'unattached':
        return Math.min(s.electionDeadlineMs, s.discovery ? this.fetcherWakeup(s.discovery) : NEVER);
      case 'voted':
        return s.electionDeadlineMs;
      case 'candidate':
        return Math.min(s.backoffUntilMs ?? s.electionDeadlineMs, s.lastVoteSendMs + this.config.requestTimeoutMs);
      case 'follower':
        return Math.min(s.fetchDeadlineMs, this.fetcherWakeup(s.fetcher));
      case 'resigned':
        return Math.min(s.electionDeadlineMs, s.unackedEndEpoch.size > 0 ? s.lastEndEpochSendMs + this.config.requestTimeoutMs : NEVER);
      case 'leader': {
        let wake = s.unackedBeginEpoch.size > 0 ? s.lastBeginEpochSendMs + this.beginEpochResendMs() : NEVER;
        for (const parked of s.parked.values()) wake = Math.min(wake, parked.deadlineMs);
        return Math.min(wake, this.checkQuorumExpiryMs(s.voters));
      }
    }
  }

  // ---- read-only views -------------------------------------------------------------------

  get role(): RaftRole {
    return this.state.kind;
  }

  get currentEpoch(): number {
    return this.epoch;
  }

  get currentLeaderId(): number {
    return this.leaderId;
  }

  get currentHighWatermark(): bigint | undefined {
    return this.highWatermark;
  }

  /** DescribeQuorum for the one metadata partition; only the leader has the replica details. */
  describeQuorum(nowMs: number): DescribeQuorumPartition {
    const s = this.state;
    if (s.kind !== 'leader') {
      return {
        errorCode: RaftErrorCode.NOT_LEADER_OR_FOLLOWER,
        leaderId: this.leaderId,
        leaderEpoch: this.epoch,
        highWatermark: this.highWatermark ?? -1n,
        currentVoters: [],
        observers: [],
      };
    }
    const describe = (replicaId: number, progress: ReplicaProgress): ReplicaStateDescription =>
      replicaId === this.nodeId
        ? { replicaId, logEndOffset: this.log.endOffset(), lastFetchTimestamp: BigInt(nowMs), lastCaughtUpTimestamp: BigInt(nowMs) }
        : {
            replicaId,
            logEndOffset: progress.endOffset ?? -1n,
            lastFetchTimestamp: progress.lastFetchMs < 0 ? -1n : BigInt(progress.lastFetchMs),
            lastCaughtUpTimestamp: progress.lastCaughtUpMs < 0 ? -1n : BigInt(progress.lastCaughtUpMs),
          };
    return {
      errorCode: RaftErrorCode.NONE,
      leaderId: this.nodeId,
      leaderEpoch: this.epoch,
      highWatermark: this.highWatermark ?? -1n,
      currentVoters: [...s.voters].map(([id, progress]) => describe(id, progress)),
      observers: [...s.observers].map(([id, progress]) => describe(id, progress)),
    };
  }

  // ---- transitions -----------------------------------------------------------------------

  private persist(): void {
    this.output.effects.push({
      type: 'persist-quorum-state',
      state: {
        leaderId: this.leaderId,
        leaderEpoch: this.epoch,
        votedId: this.votedId,
        appliedOffset: 0n,
        currentVoters: [...this.voters],
      },
    });
  }

  private emitRole(): void {
    this.output.effects.push({ type: 'role-changed', role: this.state.kind, epoch: this.epoch, leaderId: this.leaderId });
  }

  /** Moves to a new epoch with no leader and no vote (Unattached). */
  private enterUnattachedEpoch(epoch: number, nowMs: number): void {
    if (epoch <= this.epoch) {
      // Only a higher epoch ends the current state; a lower one would break the epoch order.
      throw new Error(`unattached transition to epoch ${epoch} from ${this.epoch}`);
    }
    // As KRaft does, a node still waiting for a leader keeps its running election timer:
    // restarting it on every new epoch would let a candidate with a stale log (which can
    // never win) hold everyone else back from standing forever.
    const s = this.state;
    const keptDeadline = s.kind === 'unattached' || s.kind === 'voted' || s.kind === 'candidate' ? s.electionDeadlineMs : undefined;
    this.epoch = epoch;
    this.enterUnattached(nowMs, true, keptDeadline);
  }

  private enterUnattached(nowMs: number, persist: boolean, electionDeadlineMs?: number): void {
    this.leaderId = NO_ID;
    this.votedId = NO_ID;
    this.state = {
      kind: 'unattached',
      electionDeadlineMs: this.isVoter ? (electionDeadlineMs ?? nowMs + this.randomElectionTimeout()) : NEVER,
      discovery: this.isVoter ? undefined : this.newFetcher(nowMs),
      discoveryTarget: NO_ID,
    };
    if (persist) this.persist();
    this.emitRole();
  }

  private enterFollower(leaderId: number, nowMs: number, persist: boolean): void {
    this.leaderId = leaderId;
    this.state = { kind: 'follower', leaderId, fetchDeadlineMs: nowMs + this.config.fetchTimeoutMs, fetcher: this.newFetcher(nowMs) };
    if (persist) this.persist();
    this.emitRole();
  }

  private startElection(nowMs: number): void {
    this.epoch += 1;
    this.leaderId = NO_ID;
    this.votedId = this.nodeId;
    this.enterCandidateState(nowMs);
  }

  private enterCandidateState(nowMs: number): void {
    this.state = {
      kind: 'candidate',
      granted: new Set([this.nodeId]),
      rejected: new Set(),
      electionDeadlineMs: nowMs + this.randomElectionTimeout(),
      backoffUntilMs: undefined,
      lastVoteSendMs: nowMs,
    };
    this.persist();
    this.emitRole();
    if (this.hasMajority(this.state.granted)) {
      this.enterLeader(nowMs);
      return;
    }
    this.sendVoteRequests(this.state.granted, this.state.rejected);
  }

  private sendVoteRequests(granted: Set<number>, rejected: Set<number>): void {
    const request: VoteRequest = {
      kind: 'VoteRequest',
      candidateEpoch: this.epoch,
      candidateId: this.nodeId,
      lastOffsetEpoch: this.log.lastEpoch(),
      lastOffset: this.log.endOffset(),
    };
    for (const voter of this.voters) {
      if (!granted.has(voter) && !rejected.has(voter)) this.send(voter, request);
    }
  }

  private enterLeader(nowMs: number): void {
    if (this.state.kind !== 'candidate') throw new Error('only a candidate becomes leader');
    const grantingVoters = [...this.state.granted].sort((a, b) => a - b);
    this.leaderId = this.nodeId;
    const progress = (): ReplicaProgress => ({
      endOffset: undefined,
      lastFetchMs: -1,
      lastCaughtUpMs: -1,
      leaderEndOffsetAtLastFetch: -1n,
      lastContactMs: nowMs,
      highWatermarkSent: -1n,
    });
    const voters = new Map<number, ReplicaProgress>(this.voters.map((id) => [id, progress()]));
    const epochStartOffset = this.log.endOffset();
    this.state = {
      kind: 'leader',
      epochStartOffset,
      grantingVoters,
      voters,
      observers: new Map(),
      unackedBeginEpoch: new Set(this.voters.filter((id) => id !== this.nodeId)),
      lastBeginEpochSendMs: nowMs,
      parked: new Map(),
    };
    this.persist();
    this.emitRole();
    // The epoch's first record: once it is committed, everything before it is too.
    const leaderChange: LogEntry = {
      offset: epochStartOffset,
      epoch: this.epoch,
      payload: new Uint8Array(0),
      control: { type: 'LeaderChange', leaderId: this.nodeId, voters: [...this.voters], grantingVoters },
    };
    this.sendBeginQuorumEpoch(this.state.unackedBeginEpoch);
    this.appendAsLeader([leaderChange], nowMs);
  }

  private sendBeginQuorumEpoch(targets: Iterable<number>): void {
    const request: BeginQuorumEpochRequest = { kind: 'BeginQuorumEpochRequest', leaderId: this.nodeId, leaderEpoch: this.epoch };
    for (const voter of targets) this.send(voter, request);
  }

  private enterResigned(nowMs: number, preferredSuccessors: number[]): void {
    this.state = {
      kind: 'resigned',
      electionDeadlineMs: nowMs + this.randomElectionTimeout(),
      preferredSuccessors,
      unackedEndEpoch: new Set(this.voters.filter((id) => id !== this.nodeId)),
      lastEndEpochSendMs: nowMs,
    };
    this.emitRole();
    this.sendEndQuorumEpoch(this.state.unackedEndEpoch, preferredSuccessors);
  }

  private sendEndQuorumEpoch(targets: Iterable<number>, preferredSuccessors: number[]): void {
    const request: EndQuorumEpochRequest = {
      kind: 'EndQuorumEpochRequest',
      leaderId: this.nodeId,
      leaderEpoch: this.epoch,
      preferredSuccessors,
    };
    for (const voter of targets) this.send(voter, request);
  }

  /** Voters other than us, most caught up first: the order they should stand for election. */
  private successorsByProgress(progress: Map<number, ReplicaProgress>): number[] {
    return [...progress]
      .filter(([id]) => id !== this.nodeId)
      .sort(([idA, a], [idB, b]) => {
        const offsetA = a.endOffset ?? -1n;
        const offsetB = b.endOffset ?? -1n;
        return offsetA === offsetB ? idA - idB : offsetA > offsetB ? -1 : 1;
      })
      .map(([id]) => id);
  }

  /**
   * Applies what a message says about the quorum: a higher epoch always wins; in our own
   * epoch a named leader ends an election or an unattached wait.
   */
  private observeLeader(epoch: number, leaderId: number, nowMs: number): void {
    if (epoch > this.epoch) {
      if (leaderId !== NO_ID && leaderId !== this.nodeId) {
        this.epoch = epoch;
        this.votedId = NO_ID;
        this.enterFollower(leaderId, nowMs, true);
      } else {
        this.enterUnattachedEpoch(epoch, nowMs);
      }
      return;
    }
    if (epoch < this.epoch || leaderId === NO_ID || leaderId === this.nodeId) return;
    const kind = this.state.kind;
    if (kind === 'unattached' || kind === 'voted' || kind === 'candidate') {
      this.enterFollower(leaderId, nowMs, true);
    } else if (this.leaderId !== leaderId) {
      // Follower, leader or resigned already know this epoch's leader: one per epoch.
      throw new Error(`node ${this.nodeId}: epoch ${epoch} has two leaders, ${this.leaderId} and ${leaderId}`);
    }
  }

  // ---- Vote -------------------------------------------------------------------------------

  private onVoteRequest(from: number, request: VoteRequest, nowMs: number): void {
    if (request.candidateEpoch > this.epoch) this.enterUnattachedEpoch(request.candidateEpoch, nowMs);
    const reply = (errorCode: number, voteGranted: boolean): void =>
      this.send(from, { kind: 'VoteResponse', errorCode, leaderId: this.leaderId, leaderEpoch: this.epoch, voteGranted });
    if (request.candidateEpoch < this.epoch) return reply(RaftErrorCode.FENCED_LEADER_EPOCH, false);
    if (!this.isVoter || !this.voters.includes(request.candidateId)) return reply(RaftErrorCode.INCONSISTENT_VOTER_SET, false);
    const s = this.state;
    let granted = false;
    if (s.kind === 'voted') {
      granted = s.votedId === request.candidateId;
    } else if (s.kind === 'unattached') {
      granted = this.candidateLogIsUpToDate(request);
      if (granted) {
        this.votedId = request.candidateId;
        this.state = { kind: 'voted', votedId: request.candidateId, electionDeadlineMs: nowMs + this.randomElectionTimeout() };
        this.persist();
        this.emitRole();
      }
    } else if (s.kind === 'candidate') {
      granted = request.candidateId === this.nodeId;
    }
    reply(RaftErrorCode.NONE, granted);
  }

  /** Raft's election restriction: the candidate's log ends at a (lastEpoch, endOffset) >= ours. */
  private candidateLogIsUpToDate(request: VoteRequest): boolean {
    const ourEpoch = this.log.lastEpoch();
    if (request.lastOffsetEpoch !== ourEpoch) return request.lastOffsetEpoch > ourEpoch;
    return request.lastOffset >= this.log.endOffset();
  }

  private onVoteResponse(from: number, response: VoteResponse, nowMs: number): void {
    this.observeLeader(response.leaderEpoch, response.leaderId, nowMs);
    const s = this.state;
    if (s.kind !== 'candidate' || response.leaderEpoch !== this.epoch || !this.voters.includes(from)) return;
    if (response.errorCode !== RaftErrorCode.NONE) return;
    if (response.voteGranted) {
      s.granted.add(from);
      if (this.hasMajority(s.granted)) this.enterLeader(nowMs);
    } else {
      s.rejected.add(from);
      // Lost for sure: back off now rather than wait out the election timeout.
      if (this.voters.length - s.rejected.size < this.majority() && s.backoffUntilMs === undefined) {
        s.backoffUntilMs = nowMs + this.randomBackoff();
      }
    }
  }

  // ---- BeginQuorumEpoch / EndQuorumEpoch -------------------------------------------------------

  private onBeginQuorumEpoch(from: number, request: BeginQuorumEpochRequest, nowMs: number): void {
    if (request.leaderEpoch >= this.epoch) this.observeLeader(request.leaderEpoch, request.leaderId, nowMs);
    const errorCode = request.leaderEpoch < this.epoch ? RaftErrorCode.FENCED_LEADER_EPOCH : RaftErrorCode.NONE;
    this.send(from, { kind: 'BeginQuorumEpochResponse', errorCode, leaderId: this.leaderId, leaderEpoch: this.epoch });
  }

  private onEndQuorumEpoch(from: number, request: EndQuorumEpochRequest, nowMs: number): void {
    if (request.leaderEpoch >= this.epoch) this.observeLeader(request.leaderEpoch, request.leaderId, nowMs);
    const fenced = request.leaderEpoch < this.epoch;
    const s = this.state;
    if (!fenced && s.kind === 'follower' && s.leaderId === request.leaderId && this.isVoter) {
      // The most caught-up successor stands at once; the others wait longer the further
      // down the list they are, so the first one usually wins without a split vote.
      const position = request.preferredSuccessors.indexOf(this.nodeId);
      const delay =
        position === 0
          ? 0
          : position > 0
            ? Math.min(this.config.electionBackoffMaxMs, this.config.retryBackoffMs * 2 ** position) + this.randomBackoff() / 4
            : this.randomElectionTimeout();
      s.fetchDeadlineMs = Math.min(s.fetchDeadlineMs, nowMs + delay);
    }
    this.send(from, {
      kind: 'EndQuorumEpochResponse',
      errorCode: fenced ? RaftErrorCode.FENCED_LEADER_EPOCH : RaftErrorCode.NONE,
      leaderId: this.leaderId,
      leaderEpoch: this.epoch,
    });
  }

  // ---- Fetch (leader side) -------------------------------------------------------------------

  /** Epoch checks shared by Fetch and FetchSnapshot; returns an error code or NONE. */
  private leaderOnlyRequestError(currentLeaderEpoch: number): number {
    if (currentLeaderEpoch < this.epoch) return RaftErrorCode.FENCED_LEADER_EPOCH;
    if (currentLeaderEpoch > this.epoch) return RaftErrorCode.UNKNOWN_LEADER_EPOCH;
    if (this.state.kind !== 'leader') return RaftErrorCode.NOT_LEADER_OR_FOLLOWER;
    return RaftErrorCode.NONE;
  }

  private currentLeader(): LeaderIdAndEpoch {
    return { leaderId: this.leaderId, leaderEpoch: this.epoch };
  }

  private fetchResponse(requestId: number, errorCode: number, extra: Partial<FetchResponse> = {}): FetchResponse {
    return {
      kind: 'FetchResponse',
      requestId,
      errorCode,
      highWatermark: this.highWatermark ?? -1n,
      logStartOffset: this.log.startOffset(),
      currentLeader: this.currentLeader(),
      records: [],
      ...extra,
    };
  }

  private onFetchRequest(from: number, request: FetchRequest, nowMs: number): void {
    const errorCode = this.leaderOnlyRequestError(request.currentLeaderEpoch);
    const s = this.state;
    if (errorCode !== RaftErrorCode.NONE || s.kind !== 'leader') {
      this.send(from, this.fetchResponse(request.requestId, errorCode));
      return;
    }
    const isVoter = this.voters.includes(request.replicaId);
    const progressMap = isVoter ? s.voters : s.observers;
    let progress = progressMap.get(request.replicaId);
    if (!progress) {
      progress = { endOffset: undefined, lastFetchMs: -1, lastCaughtUpMs: -1, leaderEndOffsetAtLastFetch: -1n, lastContactMs: nowMs, highWatermarkSent: -1n };
      progressMap.set(request.replicaId, progress);
    }
    progress.lastContactMs = nowMs;
    s.unackedBeginEpoch.delete(request.replicaId);

    const snapshotId = this.snapshotNeededFor(request.fetchOffset, request.lastFetchedEpoch);
    if (snapshotId) {
      this.send(from, this.fetchResponse(request.requestId, RaftErrorCode.NONE, { snapshotId }));
      return;
    }
    const divergence = this.divergenceOf(request.fetchOffset, request.lastFetchedEpoch);
    if (divergence) {
      this.send(from, this.fetchResponse(request.requestId, RaftErrorCode.NONE, { divergingEpoch: divergence }));
      return;
    }
    this.recordValidFetch(progress, request.fetchOffset, nowMs);
    if (isVoter) this.maybeAdvanceHighWatermark(nowMs);
    // A replica that has not yet heard of our current high watermark is answered at once (as
    // Kafka 4's leader does with the follower's HighWatermark field): parked, it would learn
    // a commit only when the next append or the wait ends — with a fencing change committed
    // by this very fetch, that is a whole fetch wait of failover for nothing.
    const highWatermarkNews = this.highWatermark !== undefined && progress.highWatermarkSent !== this.highWatermark;
    if (request.fetchOffset < this.log.endOffset() || request.maxWaitMs <= 0 || highWatermarkNews) {
      this.send(from, this.recordsResponse(request.requestId, request.fetchOffset, progress));
    } else {
      // Nothing new: hold the fetch until we append, the high watermark moves, or it times out.
      s.parked.set(from, { requestId: request.requestId, fetchOffset: request.fetchOffset, deadlineMs: nowMs + request.maxWaitMs });
    }
  }

  private recordsResponse(requestId: number, fetchOffset: bigint, progress: ReplicaProgress | undefined): FetchResponse {
    const response = this.fetchResponse(requestId, RaftErrorCode.NONE, { records: this.log.read(fetchOffset, this.config.fetchMaxRecords) });
    if (progress !== undefined) progress.highWatermarkSent = response.highWatermark;
    return response;
  }

  /**
   * KRaft's rule: a fetch position behind our log start, or one whose epoch cannot match
   * the snapshot our log starts at, can only be served by the latest snapshot.
   */
  private snapshotNeededFor(fetchOffset: bigint, lastFetchedEpoch: number): SnapshotId | undefined {
    const base = this.log.earliestSnapshotId();
    if (!base) return undefined;
    const start = this.log.startOffset();
    if (fetchOffset < start || (fetchOffset === start && lastFetchedEpoch !== base.epoch) || lastFetchedEpoch < base.epoch) {
      return this.log.latestSnapshotId();
    }
    return undefined;
  }

  /** Where the fetcher's log stops matching ours, or undefined when it matches up to fetchOffset. */
  private divergenceOf(fetchOffset: bigint, lastFetchedEpoch: number): { epoch: number; endOffset: bigint } | undefined {
    if (fetchOffset === 0n && this.log.startOffset() === 0n) return undefined;
    const end = this.log.endOffsetForEpoch(lastFetchedEpoch);
    if (end.epoch !== lastFetchedEpoch || fetchOffset > end.offset) return { epoch: end.epoch, endOffset: end.offset };
    return undefined;
  }

  private recordValidFetch(progress: ReplicaProgress, fetchOffset: bigint, nowMs: number): void {
    const leaderEnd = this.log.endOffset();
    if (fetchOffset >= leaderEnd) {
      progress.lastCaughtUpMs = Math.max(progress.lastCaughtUpMs, nowMs);
    } else if (progress.leaderEndOffsetAtLastFetch > 0n && fetchOffset >= progress.leaderEndOffsetAtLastFetch) {
      progress.lastCaughtUpMs = Math.max(progress.lastCaughtUpMs, progress.lastFetchMs);
    }
    progress.leaderEndOffsetAtLastFetch = leaderEnd;
    progress.lastFetchMs = nowMs;
    // A duplicated old request must not move a replica backwards.
    if (progress.endOffset === undefined || fetchOffset > progress.endOffset) progress.endOffset = fetchOffset;
  }

  /**
   * The high watermark is the offset a majority of voters have reached, and it only moves
   * once that offset is inside our own epoch (past the LeaderChange record): an entry
   * from an older epoch is committed only indirectly, as in Raft.
   */
  private maybeAdvanceHighWatermark(nowMs: number): void {
    const s = this.state;
    if (s.kind !== 'leader') return;
    const offsets: bigint[] = [];
    for (const [id, progress] of s.voters) {
      if (id === this.nodeId) offsets.push(this.log.endOffset());
      else if (progress.endOffset !== undefined) offsets.push(progress.endOffset);
    }
    if (offsets.length < this.majority()) return;
    offsets.sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
    const majorityOffset = offsets[this.majority() - 1]!;
    if (majorityOffset <= s.epochStartOffset) return;
    if (this.highWatermark !== undefined && majorityOffset <= this.highWatermark) return;
    this.highWatermark = majorityOffset;
    this.output.effects.push({ type: 'high-watermark', offset: majorityOffset });
    this.completeParkedFetches(nowMs, true);
  }

  private completeParkedFetches(nowMs: number, all: boolean): void {
    const s = this.state;
    if (s.kind !== 'leader') return;
    for (const [replicaId, parked] of s.parked) {
      if (!all && parked.deadlineMs > nowMs) continue;
      s.parked.delete(replicaId);
      this.send(replicaId, this.recordsResponse(parked.requestId, parked.fetchOffset, s.voters.get(replicaId) ?? s.observers.get(replicaId)));
    }
  }

  private appendAsLeader(entries: LogEntry[], nowMs: number): void {
    const fromOffset = this.log.endOffset();
    this.log.append(entries);
    this.output.effects.push({ type: 'log-appended', fromOffset, toOffset: this.log.endOffset() });
    this.maybeAdvanceHighWatermark(nowMs);
    this.completeParkedFetches(nowMs, true);
  }

  // ---- FetchSnapshot (leader side) -------------------------------------------------------------

  private onFetchSnapshotRequest(from: number, request: FetchSnapshotRequest, nowMs: number): void {
    let errorCode = this.leaderOnlyRequestError(request.currentLeaderEpoch);
    let size = -1n;
    let bytes: Uint8Array = new Uint8Array(0);
    if (errorCode === RaftErrorCode.NONE) {
      const s = this.state;
      if (s.kind === 'leader') {
        const progress = (this.voters.includes(request.replicaId) ? s.voters : s.observers).get(request.replicaId);
        if (progress) progress.lastContactMs = nowMs;
      }
      const chunk = this.log.readSnapshot(request.snapshotId, request.position, this.config.snapshotChunkBytes);
      if (!chunk) errorCode = RaftErrorCode.SNAPSHOT_NOT_FOUND;
      else if (request.position < 0n || request.position > chunk.size) errorCode = RaftErrorCode.POSITION_OUT_OF_RANGE;
      else {
        size = chunk.size;
        bytes = chunk.bytes;
      }
    }
    const response: FetchSnapshotResponse = {
      kind: 'FetchSnapshotResponse',
      requestId: request.requestId,
      errorCode,
      currentLeader: this.currentLeader(),
      snapshotId: request.snapshotId,
      size,
      position: request.position,
      unalignedRecords: bytes,
    };
    this.send(from, response);
  }

  // ---- Fetch (follower side) -------------------------------------------------------------------

  private newFetcher(nowMs: number): Fetcher {
    return { inFlight: undefined, nextSendAtMs: nowMs, download: undefined };
  }

  private fetcherWakeup(fetcher: Fetcher): number {
    return fetcher.inFlight ? fetcher.inFlight.sentAtMs + this.config.requestTimeoutMs : fetcher.nextSendAtMs;
  }

  private activeFetcher(): Fetcher | undefined {
    const s = this.state;
    if (s.kind === 'follower') return s.fetcher;
    if (s.kind === 'unattached') return s.discovery;
    return undefined;
  }

  /** Sends the next Fetch or FetchSnapshot when it is due. */
  private pollFetcher(fetcher: Fetcher, nowMs: number): void {
    if (this.fetcherWakeup(fetcher) > nowMs) return;
    const s = this.state;
    let target: number;
    if (s.kind === 'follower') {
      target = s.leaderId;
    } else if (s.kind === 'unattached') {
      // An observer that knows no leader asks a random voter; the answer names the leader.
      target = this.voters[Math.floor(this.rng.nextFloat() * this.voters.length)] ?? NO_ID;
      s.discoveryTarget = target;
    } else {
      return;
    }
    const requestId = this.nextRequestId++;
    const fetchOffset = this.log.endOffset();
    fetcher.inFlight = { requestId, sentAtMs: nowMs, fetchOffset };
    if (fetcher.download) {
      this.send(target, {
        kind: 'FetchSnapshotRequest',
        requestId,
        replicaId: this.nodeId,
        currentLeaderEpoch: this.epoch,
        snapshotId: fetcher.download.snapshotId,
        position: fetcher.download.position,
      });
    } else {
      this.send(target, {
        kind: 'FetchRequest',
        requestId,
        replicaId: this.nodeId,
        currentLeaderEpoch: this.epoch,
        fetchOffset,
        lastFetchedEpoch: this.log.lastEpoch(),
        maxWaitMs: this.config.fetchMaxWaitMs,
      });
    }
  }

  /** Takes the in-flight request if `requestId` answers it; stale and duplicate responses get undefined. */
  private claimResponse(requestId: number): { fetcher: Fetcher; request: InFlightRequest } | undefined {
    const fetcher = this.activeFetcher();
    const request = fetcher?.inFlight;
    if (!fetcher || !request || request.requestId !== requestId) return undefined;
    fetcher.inFlight = undefined;
    return { fetcher, request };
  }

  /** Handles an error answer to a fetch: learn the leader if it names one, and retry after a pause. */
  private onFetchError(fetcher: Fetcher, leader: LeaderIdAndEpoch, nowMs: number): void {
    fetcher.nextSendAtMs = nowMs + this.config.retryBackoffMs;
    this.observeLeader(leader.leaderEpoch, leader.leaderId, nowMs);
  }

  private onFetchResponse(response: FetchResponse, nowMs: number): void {
    const claimed = this.claimResponse(response.requestId);
    if (!claimed) return;
    const { fetcher, request } = claimed;
    if (response.errorCode !== RaftErrorCode.NONE || this.state.kind !== 'follower') {
      this.onFetchError(fetcher, response.currentLeader, nowMs);
      return;
    }
    if (response.currentLeader.leaderEpoch !== this.epoch || response.currentLeader.leaderId !== this.leaderId) {
      this.onFetchError(fetcher, response.currentLeader, nowMs);
      return;
    }
    this.state.fetchDeadlineMs = nowMs + this.config.fetchTimeoutMs;
    fetcher.nextSendAtMs = nowMs;
    if (response.divergingEpoch) {
      this.truncateToDivergence(response.divergingEpoch);
    } else if (response.snapshotId) {
      fetcher.download = { snapshotId: response.snapshotId, chunks: [], position: 0n };
    } else {
      const records = response.records;
      if (records.length > 0) {
        if (records[0]!.offset !== request.fetchOffset || request.fetchOffset !== this.log.endOffset()) return;
        this.log.append(records);
        this.output.effects.push({ type: 'log-appended', fromOffset: request.fetchOffset, toOffset: this.log.endOffset() });
      }
      this.followerHighWatermark(response.highWatermark);
    }
    this.pollFetcher(fetcher, nowMs);
  }

  /** KRaft's truncateToEndOffset: cut back to where our copy of the leader's epoch ends. */
  private truncateToDivergence(divergence: { epoch: number; endOffset: bigint }): void {
    const local = this.log.endOffsetForEpoch(divergence.epoch);
    const truncationOffset =
      local.epoch === divergence.epoch && divergence.endOffset < local.offset ? divergence.endOffset : local.offset;
    if (this.highWatermark !== undefined && truncationOffset < this.highWatermark) {
      throw new Error(`node ${this.nodeId}: leader asked to truncate to ${truncationOffset}, below high watermark ${this.highWatermark}`);
    }
    if (truncationOffset < this.log.endOffset()) {
      this.log.truncateTo(truncationOffset);
      this.output.effects.push({ type: 'log-truncated', toOffset: truncationOffset });
    }
  }

  /** A follower's high watermark is the leader's, capped by what it holds; it never moves back. */
  private followerHighWatermark(leaderHighWatermark: bigint): void {
    if (leaderHighWatermark < 0n) return;
    const end = this.log.endOffset();
    const candidate = leaderHighWatermark < end ? leaderHighWatermark : end;
    if (this.highWatermark !== undefined && candidate <= this.highWatermark) return;
    this.highWatermark = candidate;
    this.output.effects.push({ type: 'high-watermark', offset: candidate });
  }

  private onFetchSnapshotResponse(response: FetchSnapshotResponse, nowMs: number): void {
    const claimed = this.claimResponse(response.requestId);
    if (!claimed) return;
    const { fetcher } = claimed;
    const download = fetcher.download;
    if (response.errorCode === RaftErrorCode.SNAPSHOT_NOT_FOUND || response.errorCode === RaftErrorCode.POSITION_OUT_OF_RANGE) {
      // The leader moved on to a newer snapshot: a plain fetch will name it.
      fetcher.download = undefined;
      fetcher.nextSendAtMs = nowMs;
      this.pollFetcher(fetcher, nowMs);
      return;
    }
    if (response.errorCode !== RaftErrorCode.NONE || this.state.kind !== 'follower' || !download) {
      this.onFetchError(fetcher, response.currentLeader, nowMs);
      return;
    }
    if (response.currentLeader.leaderEpoch !== this.epoch || response.position !== download.position) {
      this.onFetchError(fetcher, response.currentLeader, nowMs);
      return;
    }
    this.state.fetchDeadlineMs = nowMs + this.config.fetchTimeoutMs;
    fetcher.nextSendAtMs = nowMs;
    download.chunks.push(response.unalignedRecords);
    download.position += BigInt(response.unalignedRecords.length);
    if (download.position >= response.size) {
      this.installSnapshot(download);
      fetcher.download = undefined;
    }
    this.pollFetcher(fetcher, nowMs);
  }

  private installSnapshot(download: SnapshotDownload): void {
    const size = download.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const chunk of download.chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    const id = download.snapshotId;
    this.log.resetToSnapshot(id, bytes);
    this.output.effects.push({ type: 'snapshot-installed', snapshotId: id });
    // A snapshot only ever holds committed records.
    if (this.highWatermark === undefined || this.highWatermark < id.endOffset) {
      this.highWatermark = id.endOffset;
      this.output.effects.push({ type: 'high-watermark', offset: id.endOffset });
    }
  }

  // ---- timers ---------------------------------------------------------------------------

  private onTimers(nowMs: number): void {
    const s = this.state;
    switch (s.kind) {
      case 'unattached':
        if (s.electionDeadlineMs <= nowMs) this.startElection(nowMs);
        else if (s.discovery) this.pollFetcher(s.discovery, nowMs);
        return;
      case 'voted':
        if (s.electionDeadlineMs <= nowMs) this.startElection(nowMs);
        return;
      case 'candidate':
        if (s.backoffUntilMs !== undefined) {
          if (s.backoffUntilMs <= nowMs) this.startElection(nowMs);
        } else if (s.electionDeadlineMs <= nowMs) {
          s.backoffUntilMs = nowMs + this.randomBackoff();
        }
        if (this.state === s && s.lastVoteSendMs + this.config.requestTimeoutMs <= nowMs) {
          s.lastVoteSendMs = nowMs;
          this.sendVoteRequests(s.granted, s.rejected);
        }
        return;
      case 'follower':
        if (s.fetchDeadlineMs <= nowMs) {
          if (this.isVoter) this.startElection(nowMs);
          else this.enterUnattached(nowMs, true);
          return;
        }
        this.pollFetcher(s.fetcher, nowMs);
        return;
      case 'resigned':
        if (s.electionDeadlineMs <= nowMs) {
          this.startElection(nowMs);
          return;
        }
        if (s.unackedEndEpoch.size > 0 && s.lastEndEpochSendMs + this.config.requestTimeoutMs <= nowMs) {
          s.lastEndEpochSendMs = nowMs;
          this.sendEndQuorumEpoch(s.unackedEndEpoch, s.preferredSuccessors);
        }
        return;
      case 'leader':
        if (this.checkQuorumExpiryMs(s.voters) <= nowMs) {
          // Check-quorum: a leader a majority no longer fetches from steps down.
          this.enterResigned(nowMs, this.successorsByProgress(s.voters));
          return;
        }
        this.completeParkedFetches(nowMs, false);
        if (s.unackedBeginEpoch.size > 0 && s.lastBeginEpochSendMs + this.beginEpochResendMs() <= nowMs) {
          s.lastBeginEpochSendMs = nowMs;
          this.sendBeginQuorumEpoch(s.unackedBeginEpoch);
        }
        return;
    }
  }

  /** When the leader will have gone 1.5 fetch timeouts without hearing from a majority. */
  private checkQuorumExpiryMs(voters: Map<number, ReplicaProgress>): number {
    if (this.isSoleVoter()) return NEVER;
    const contacts: number[] = [];
    for (const [id, progress] of voters) if (id !== this.nodeId) contacts.push(progress.lastContactMs);
    contacts.sort((a, b) => b - a);
    // We count for ourselves, so majority - 1 others must have been in touch.
    const needed = contacts[this.majority() - 2] ?? NEVER;
    return needed + this.config.fetchTimeoutMs * 1.5;
  }

  private beginEpochResendMs(): number {
    return this.config.fetchTimeoutMs / 2;
  }

  // ---- helpers ----------------------------------------------------------------------------

  private majority(): number {
    return Math.floor(this.voters.length / 2) + 1;
  }

  private hasMajority(granted: Set<number>): boolean {
    let count = 0;
    for (const id of granted) if (this.voters.includes(id)) count++;
    return count >= this.majority();
  }

  private isSoleVoter(): boolean {
    return this.voters.length === 1 && this.voters[0] === this.nodeId;
  }

  private randomElectionTimeout(): number {
    return this.config.electionTimeoutMs + Math.floor(this.rng.nextFloat() * this.config.electionTimeoutMs);
  }

  private randomBackoff(): number {
    return Math.floor(this.rng.nextFloat() * this.config.electionBackoffMaxMs);
  }

  private send(to: number, message: RaftMessage): void {
    if (to === this.nodeId || to === NO_ID) return;
    this.output.messages.push({ to, message });
  }

  private requireStarted(): void {
    if (!this.started) throw new Error('RaftNode.start must be called first');
  }

  private drain(): RaftOutput {
    const out = this.output;
    this.output = { effects: [], messages: [] };
    return out;
  }
}
