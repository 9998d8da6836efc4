// Broker-side recompression. A topic whose compression.type is a codec (not "producer")
// stores batches in that codec: when a producer used another one, Kafka's LogValidator
// decompresses the request and writes one new batch in the topic's codec. The new batch
// keeps the records (timestamps, keys, values, headers) and the first batch's producer
// fields; offsets are stamped later by assignOffsets.
import { BatchHeader } from './batch-header.js';
import { CompressionType, type CompressionId } from './compression/types.js';
import { batchPositions, batchRecordsPayload, buildRecordBatch, iterateRecordsPayload } from './record-batch.js';
import type { RecordToWrite } from './types.js';

const COMPRESSION_BY_NAME: Record<string, CompressionId> = {
  uncompressed: CompressionType.NONE,
  none: CompressionType.NONE,
  gzip: CompressionType.GZIP,
  snappy: CompressionType.SNAPPY,
  lz4: CompressionType.LZ4,
  zstd: CompressionType.ZSTD,
};

/**
 * The codec a batch is stored in, from the topic's `compression.type` ("producer",
 * "uncompressed", "gzip", "snappy", "lz4", "zstd") and the codec the producer used.
 */
export function storedCompression(topicCompressionType: string, producerCompression: CompressionId): CompressionId {
  if (topicCompressionType === 'producer') return producerCompression;
  const id = COMPRESSION_BY_NAME[topicCompressionType];
  if (id === undefined) throw new Error(`unknown compression.type ${topicCompressionType}`);
  return id;
}

/** Whether storing validated v2 `buf` under `target` needs recompression. */
export function needsRecompression(buf: Buffer, target: CompressionId): boolean {
  for (const pos of batchPositions(buf)) if (new BatchHeader(buf, pos).compression !== target) return true;
  return false;
}

export interface RecompressOptions {
  /** compression.<codec>.level of the topic; default: the codec's default. */
  level?: number;
}

/**
 * One v2 batch in codec `target` holding every record of the validated v2 `buf`.
 * Rejects with RecordFormatError / CompressionError when a source batch does not decode.
 */
export async function recompressRecords(buf: Buffer, target: CompressionId, options: RecompressOptions = {}): Promise<Buffer> {
  const records: RecordToWrite[] = [];
  const first = new BatchHeader(buf, 0);
  for (const pos of batchPositions(buf)) {
    const header = new BatchHeader(buf, pos);
    for (const record of iterateRecordsPayload(await batchRecordsPayload(buf, pos), header)) {
      records.push({ key: record.key, value: record.value, headers: record.headers, timestamp: record.timestamp });
    }
  }
  return buildRecordBatch(records, {
    compression: target,
    producerId: first.producerId,
    producerEpoch: first.producerEpoch,
    baseSequence: first.baseSequence,
    transactional: first.isTransactional,
    partitionLeaderEpoch: first.partitionLeaderEpoch,
    compressionLevel: options.level,
  });
}
