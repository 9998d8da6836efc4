// Result types of record validation, shared by the v2 walker (validate.ts) and the
// legacy message-set walker (legacy.ts).
import type { CompressionId } from './compression/types.js';

/** The Kafka error codes record validation can answer with. */
export const RecordsErrorCode = {
  CORRUPT_MESSAGE: 2,
  MESSAGE_TOO_LARGE: 10,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  INVALID_RECORD: 87,
} as const;
export type RecordsErrorName = keyof typeof RecordsErrorCode;

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
  /** Only the broker's own writers (txn markers, raft) may append control batches. */
  allowControlBatches?: boolean;
  /** Apply ProduceRequest's version rules: v3+ needs exactly one magic 2 batch; zstd needs v7+. */
  produceVersion?: number;
}

export type RecordsValidation = RecordsFailure | RecordsSummary;

export function recordsFailure(error: RecordsErrorName, message: string, batchIndex: number, position: number): RecordsFailure {
  return { ok: false, error, errorCode: RecordsErrorCode[error], message, batchIndex, position };
}
