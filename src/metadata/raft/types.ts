// Interfaces of the KRaft-style consensus core. The state machine in raft-node.ts is
// pure: everything it touches from the outside world comes through these types, so the
// driver (sockets, timers, disk) and the tests (simulated network and clock) plug in the
// same way. Field names follow Kafka's RPC schemas (VoteRequest, BeginQuorumEpochRequest,
// EndQuorumEpochRequest, FetchRequest/Response, FetchSnapshotRequest/Response,
// DescribeQuorumResponse, QuorumStateData) so the driver maps them one to one.

/** Kafka error codes that the quorum RPCs use (values from Kafka's Errors table). */
export const RaftErrorCode = {
  NONE: 0,
  NOT_LEADER_OR_FOLLOWER: 6,
  BROKER_NOT_AVAILABLE: 8,
  INVALID_REQUEST: 42,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
  INCONSISTENT_VOTER_SET: 94,
  SNAPSHOT_NOT_FOUND: 98,
  POSITION_OUT_OF_RANGE: 99,
} as const;
export type RaftErrorCodeValue = (typeof RaftErrorCode)[keyof typeof RaftErrorCode];

/** Kafka's "no leader / no vote / unknown" sentinel for int32 ids and epochs. */
export const NO_ID = -1;

/** A snapshot is named by the offset after its last record and that record's epoch. */
export interface SnapshotId {
  endOffset: bigint;
  epoch: number;
}

/** Result of an epoch-cache lookup: the largest epoch <= the one asked for, and where it ends. */
export interface OffsetAndEpoch {
  offset: bigint;
  epoch: number;
}

/** The control record a new leader writes at the start of its epoch (Kafka's LeaderChangeMessage). */
export interface LeaderChangeControl {
  type: 'LeaderChange';
  leaderId: number;
  voters: number[];
  grantingVoters: number[];
}

/**
 * One record of `__cluster_metadata`. Payloads are opaque to the quorum; `control` marks
 * the leader's epoch-start record, which carries no application payload.
 */
export interface LogEntry {
  offset: bigint;
  epoch: number;
  payload: Uint8Array;
  control?: LeaderChangeControl;
}

/**
 * The replicated log as the quorum needs it: an append-only sequence with an epoch cache,
 * truncation, prefix deletion behind a snapshot, and snapshot storage. Calls are
 * synchronous; a disk-backed implementation buffers and makes changes durable when the
 * driver processes the matching effects (see README.md).
 */
export interface RaftLog {
  /** First offset still held (0, or the end offset of the snapshot the prefix was deleted behind). */
  startOffset(): bigint;
  /** Offset the next appended entry gets (log end offset). */
  endOffset(): bigint;
  /** Epoch of the last entry; the base snapshot's epoch when the log is empty behind one; else 0. */
  lastEpoch(): number;
  /** Entries [fromOffset, fromOffset + maxEntries) that exist; fromOffset must be >= startOffset(). */
  read(fromOffset: bigint, maxEntries: number): LogEntry[];
  entryAt(offset: bigint): LogEntry | undefined;
  /** Appends at endOffset(); offsets must be contiguous and epochs non-decreasing. */
  append(entries: readonly LogEntry[]): void;
  /** Removes every entry with offset >= `offset`. */
  truncateTo(offset: bigint): void;
  /**
   * The largest epoch <= `epoch` that the log (or its base snapshot) knows and the offset
   * where that epoch ends; { epoch: -1, offset: startOffset() } when there is none.
   */
  endOffsetForEpoch(epoch: number): OffsetAndEpoch;
  latestSnapshotId(): SnapshotId | undefined;
  /** The snapshot the log starts at (its prefix was deleted behind it), if any. */
  earliestSnapshotId(): SnapshotId | undefined;
  /** A chunk of a stored snapshot, or undefined when that snapshot is not held. */
  readSnapshot(id: SnapshotId, position: bigint, maxBytes: number): { size: bigint; bytes: Uint8Array } | undefined;
  /** Stores a snapshot the application produced; the log itself is unchanged. */
  writeSnapshot(id: SnapshotId, bytes: Uint8Array): void;
  /** Deletes the log prefix below id.endOffset, which must be a stored snapshot. */
  deleteBeforeSnapshot(id: SnapshotId): void;
  /** Replaces the whole log by a snapshot fetched from the leader: start = end = id.endOffset. */
  resetToSnapshot(id: SnapshotId, bytes: Uint8Array): void;
}

/** Persisted quorum state, shaped like Kafka's QuorumStateData (version 0 fields). */
export interface PersistedQuorumState {
  leaderId: number;
  leaderEpoch: number;
  votedId: number;
  appliedOffset: bigint;
  currentVoters: number[];
}

/** Source of randomness for election timeouts; tests inject a seeded one. */
export interface Rng {
  /** Uniform in [0, 1). */
  nextFloat(): number;
}

/** Timing and sizing knobs, named after Kafka's `controller.quorum.*` settings. */
export interface RaftConfig {
  /** controller.quorum.election.timeout.ms: base of the randomized election timeout. */
  electionTimeoutMs: number;
  /** controller.quorum.fetch.timeout.ms: a follower without a good fetch for this long starts an election. */
  fetchTimeoutMs: number;
  /** controller.quorum.election.backoff.max.ms: upper bound of a failed candidate's random backoff. */
  electionBackoffMaxMs: number;
  /** controller.quorum.request.timeout.ms: an unanswered request is sent again after this. */
  requestTimeoutMs: number;
  /** controller.quorum.retry.backoff.ms: pause after an error response before retrying. */
  retryBackoffMs: number;
  /** How long the leader parks a fetch that has nothing new (KRaft's fetch max wait). */
  fetchMaxWaitMs: number;
  /** Most entries one fetch response carries (the record-count stand-in for max bytes). */
  fetchMaxRecords: number;
  /** Most snapshot bytes one FetchSnapshot response carries. */
  snapshotChunkBytes: number;
}

export const DEFAULT_RAFT_CONFIG: Readonly<RaftConfig> = {
  electionTimeoutMs: 1000,
  fetchTimeoutMs: 2000,
  electionBackoffMaxMs: 1000,
  requestTimeoutMs: 2000,
  retryBackoffMs: 20,
  fetchMaxWaitMs: 500,
  fetchMaxRecords: 1000,
  snapshotChunkBytes: 1 << 20,
};

export interface LeaderIdAndEpoch {
  leaderId: number;
  leaderEpoch: number;
}

// ---- messages -------------------------------------------------------------------------
// One topic partition (__cluster_metadata-0) per request, so the TopicData/PartitionData
// nesting of the wire schemas is flattened away. `requestId` is not a Kafka field: the
// driver maps it to the correlation id of the request it sends and copies it into the
// response it hands back.

export interface VoteRequest {
  kind: 'VoteRequest';
  candidateEpoch: number;
  candidateId: number;
  lastOffsetEpoch: number;
  lastOffset: bigint;
}

export interface VoteResponse {
  kind: 'VoteResponse';
  errorCode: number;
  leaderId: number;
  leaderEpoch: number;
  voteGranted: boolean;
}

export interface BeginQuorumEpochRequest {
  kind: 'BeginQuorumEpochRequest';
  leaderId: number;
  leaderEpoch: number;
}

export interface BeginQuorumEpochResponse {
  kind: 'BeginQuorumEpochResponse';
  errorCode: number;
  leaderId: number;
  leaderEpoch: number;
}

export interface EndQuorumEpochRequest {
  kind: 'EndQuorumEpochRequest';
  leaderId: number;
  leaderEpoch: number;
  /** Voters ordered by how caught up they were; the first should stand for election first. */
  preferredSuccessors: number[];
}

export interface EndQuorumEpochResponse {
  kind: 'EndQuorumEpochResponse';
  errorCode: number;
  leaderId: number;
  leaderEpoch: number;
}

export interface FetchRequest {
  kind: 'FetchRequest';
  requestId: number;
  replicaId: number;
  currentLeaderEpoch: number;
  fetchOffset: bigint;
  lastFetchedEpoch: number;
  maxWaitMs: number;
}

export interface FetchResponse {
  kind: 'FetchResponse';
  requestId: number;
  errorCode: number;
  highWatermark: bigint;
  logStartOffset: bigint;
  currentLeader: LeaderIdAndEpoch;
  /** Set when the fetcher's log diverged: truncate to the end of this epoch and fetch again. */
  divergingEpoch?: { epoch: number; endOffset: bigint };
  /** Set when the fetch offset lies behind the log start: fetch this snapshot instead. */
  snapshotId?: SnapshotId;
  records: LogEntry[];
}

export interface FetchSnapshotRequest {
  kind: 'FetchSnapshotRequest';
  requestId: number;
  replicaId: number;
  currentLeaderEpoch: number;
  snapshotId: SnapshotId;
  position: bigint;
}

export interface FetchSnapshotResponse {
  kind: 'FetchSnapshotResponse';
  requestId: number;
  errorCode: number;
  currentLeader: LeaderIdAndEpoch;
  snapshotId: SnapshotId;
  size: bigint;
  position: bigint;
  unalignedRecords: Uint8Array;
}

export type RaftMessage =
  | VoteRequest
  | VoteResponse
  | BeginQuorumEpochRequest
  | BeginQuorumEpochResponse
  | EndQuorumEpochRequest
  | EndQuorumEpochResponse
  | FetchRequest
  | FetchResponse
  | FetchSnapshotRequest
  | FetchSnapshotResponse;

export interface OutboundMessage {
  to: number;
  message: RaftMessage;
}

// ---- effects --------------------------------------------------------------------------

export type RaftRole = 'unattached' | 'voted' | 'candidate' | 'leader' | 'follower' | 'resigned';

/**
 * What changed, in order. The driver makes each durable before it sends any of the
 * output's messages: a vote must not leave the node before the vote is on disk.
 */
export type RaftEffect =
  | { type: 'persist-quorum-state'; state: PersistedQuorumState }
  | { type: 'log-appended'; fromOffset: bigint; toOffset: bigint }
  | { type: 'log-truncated'; toOffset: bigint }
  | { type: 'log-start-advanced'; startOffset: bigint }
  /** The whole log was replaced by a snapshot from the leader: the application must reload it. */
  | { type: 'snapshot-installed'; snapshotId: SnapshotId }
  /** Entries below `offset` are committed and may be applied. */
  | { type: 'high-watermark'; offset: bigint }
  | { type: 'role-changed'; role: RaftRole; epoch: number; leaderId: number };

export interface RaftOutput {
  effects: RaftEffect[];
  messages: OutboundMessage[];
}

export type ProposeResult =
  | { accepted: true; epoch: number; baseOffset: bigint; lastOffset: bigint }
  | { accepted: false; errorCode: number; leaderId: number; leaderEpoch: number };

// ---- DescribeQuorum ------------------------------------------------------------------

export interface ReplicaStateDescription {
  replicaId: number;
  logEndOffset: bigint;
  lastFetchTimestamp: bigint;
  lastCaughtUpTimestamp: bigint;
}

export interface DescribeQuorumPartition {
  errorCode: number;
  leaderId: number;
  leaderEpoch: number;
  highWatermark: bigint;
  currentVoters: ReplicaStateDescription[];
  observers: ReplicaStateDescription[];
}
