// Interfaces of the records layer: records as built and read, batch build options,
// and the results of produce-path validation.
import type { CompressionId } from './compression/types.js';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** One record as read from a batch. Key, value and header values are views into the batch bytes. */
export interface KafkaRecord {
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface RecordToWrite {
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: readonly RecordHeader[];
  /** Defaults to the batch's `timestamp` option. */
  timestamp?: bigint;
  /** Defaults to the record's index; set it to build batches with gaps (as compaction leaves). */
  offsetDelta?: number;
}

export type TimestampType = 'create-time' | 'log-append-time';

export interface BuildBatchOptions {
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  compression?: CompressionId;
  /** Kafka's compression.<codec>.level; default: the codec's default. */
  compressionLevel?: number;
  /** With 'log-append-time', `maxTimestamp` is set to `logAppendTime` (required then). */
  timestampType?: TimestampType;
  logAppendTime?: bigint;
  /** Timestamp for records that carry none; defaults to now. */
  timestamp?: bigint;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  /**
   * Keeps a batch's offset range when compaction removed its last records (Kafka keeps it
   * so producer state stays valid); must be at least the last record's delta. With it,
   * an empty record list builds the empty batch Kafka retains for producer state.
   */
  lastOffsetDelta?: number;
  /** CreateTime max timestamp to write instead of the records' maximum (compaction keeps the original). */
  maxTimestamp?: bigint;
  /**
   * KIP-534: marks the batch as having a delete horizon and stores it as the base
   * timestamp; record timestamp deltas are then relative to it.
   */
  deleteHorizonMs?: bigint;
}

/** Names of the Kafka errors record validation answers with (codes in validation-result.ts). */
export type RecordsErrorName =
  | 'CORRUPT_MESSAGE'
  | 'MESSAGE_TOO_LARGE'
  | 'INVALID_TIMESTAMP'
  | 'UNSUPPORTED_COMPRESSION_TYPE'
  | 'INVALID_RECORD';

export interface RecordsFailure {
  ok: false;
  error: RecordsErrorName;
  errorCode: number;
  message: string;
  /** Index of the offending batch (or legacy message), and its byte position. */
  batchIndex: number;
  position: number;
}

export interface ProducerInfo {
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  lastSequence: number;
}

export interface RecordsSummary {
  ok: true;
  magic: 0 | 1 | 2;
  batchCount: number;
  recordCount: number;
  sizeInBytes: number;
  /** Producer fields of the first and last batch (-1 values when not idempotent). */
  first: ProducerInfo;
  last: ProducerInfo;
  maxTimestamp: bigint;
  isTransactional: boolean;
  hasControlBatch: boolean;
  /** Compression of the last batch (magic 2) or wrapper message (magic 0/1). */
  compression: CompressionId;
}

export interface ValidateOptions {
  /** `max.message.bytes`: a larger batch fails with MESSAGE_TOO_LARGE. */
  maxBatchSize?: number;
  /**
   * 'client' (default) applies Kafka's produce rules: base offset 0, lastOffsetDelta =
   * count-1, a sequence for idempotent producers, no control batches. 'internal' (the
   * broker's own writers: txn markers, coordinators, raft) checks framing, CRC and codec only.
   */
  origin?: 'client' | 'internal';
  /** Apply ProduceRequest's version rules: v3+ needs exactly one magic 2 batch; zstd needs v7+. */
  produceVersion?: number;
}

export type RecordsValidation = RecordsFailure | RecordsSummary;
