import type { MetadataRecord } from '../records.js';

export type CommitListener = (records: readonly MetadataRecord[], lastOffset: bigint) => void | Promise<void>;

/**
 * The replicated metadata log as the controller and brokers see it. A single-node broker runs
 * a quorum of one voter; the clustered implementation is driven by the Raft state machine.
 */
export interface MetadataQuorum {
  /** Appends the records as one atomic batch; resolves with its last offset once committed and applied. */
  propose(records: readonly MetadataRecord[]): Promise<bigint>;
  /** Receives every committed batch in log order, starting with a replay of the existing log. */
  onCommit(listener: CommitListener): void;
  /** Replays the committed log to the listeners, then accepts proposals. */
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  /** Whether this node may propose (it is the active controller). */
  readonly isLeader: boolean;
}
