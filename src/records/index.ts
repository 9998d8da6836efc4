// Public API of the records layer.
export * from './batch-header.js';
export { crc32c, crc32cImplementation } from './crc32c.js';
export * from './compression/index.js';
export {
  batchPositions,
  batchRecordsPayload,
  buildRecordBatch,
  buildUncompressedRecordBatch,
  encodeRecords,
  iterateRecordsPayload,
  readRecordBatch,
  writeBatchCrc,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
} from './record-batch.js';
export type * from './types.js';
export * from './control-record.js';
export {
  allRecordsHaveKeys,
  assignOffsets,
  incrementSequence,
  inspectRecords,
  stampLogAppendTime,
  validateRecords,
  type InspectOptions,
  type RecordsInspection,
} from './validate.js';
export * from './validation-result.js';
export {
  buildLegacyMessageSet,
  downConvertForFetch,
  downConvertRecords,
  readLegacyMessageSet,
  upConvertForProduce,
  upConvertMessageSet,
  validateLegacyMessageSet,
  type LegacyBuildOptions,
  type LegacyMagic,
  type LegacyMessage,
  type MessageToWrite,
  type UpConvertOptions,
} from './legacy.js';
export { needsRecompression, recompressRecords, storedCompression, type RecompressOptions } from './recompress.js';
export { RecordFormatError } from './varint.js';
