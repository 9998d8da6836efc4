/** Per-partition answers of the replica manager, in Kafka's vocabulary. */

export interface ProduceOutcome {
  errorCode: number;
  errorMessage: string | null;
  baseOffset: bigint;
  logAppendTime: bigint;
  logStartOffset: bigint;
  recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[];
}

export interface FetchPartitionRequest {
  readonly topic: string;
  readonly partition: number;
  readonly fetchOffset: bigint;
  readonly currentLeaderEpoch: number;
  readonly maxBytes: number;
  /** Fetch v12+: the epoch of the fetcher's last batch; -1 or absent skips the divergence check. */
  readonly lastFetchedEpoch?: number;
}

export interface FetchPartitionOutcome {
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  records: Buffer;
  /** read_committed only: aborted transactions overlapping `records`, for the consumer to skip. */
  abortedTransactions?: { producerId: bigint; firstOffset: bigint }[];
  /** The fetcher's log diverges from the leader's: where its last fetched epoch ends here (Fetch v12+). */
  divergingEpoch?: { epoch: number; endOffset: bigint };
}

export interface ListOffsetOutcome {
  errorCode: number;
  timestamp: bigint;
  offset: bigint;
  leaderEpoch: number;
}

export const IsolationLevel = { READ_UNCOMMITTED: 0, READ_COMMITTED: 1 } as const;

/** ListOffsets special timestamps. */
export const OffsetSpec = {
  LATEST: -1n,
  EARLIEST: -2n,
  MAX_TIMESTAMP: -3n,
  EARLIEST_LOCAL: -4n,
  LATEST_TIERED: -5n,
} as const;
