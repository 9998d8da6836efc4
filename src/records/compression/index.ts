// The codec registry: Kafka compression id → codec.
import { gzipCodec } from './gzip.js';
import { lz4Codec } from './lz4.js';
import { snappyCodec } from './snappy.js';
import { zstdCodec } from './zstd.js';
import {
  CompressionError,
  CompressionType,
  isCompressionId,
  UnsupportedCompressionError,
  type CompressionCodec,
  type CompressionId,
} from './types.js';

export const noneCodec: CompressionCodec = {
  id: CompressionType.NONE,
  name: 'none',
  compress: async (data) => data,
  decompress: async (data) => data,
};

const CODECS: readonly CompressionCodec[] = [noneCodec, gzipCodec, snappyCodec, lz4Codec, zstdCodec];

/** The codec for a Kafka compression id; throws `CompressionError` for ids 5–7. */
export function codecFor(id: number): CompressionCodec {
  const codec = isCompressionId(id) ? CODECS[id] : undefined;
  if (codec === undefined) throw new UnsupportedCompressionError('none', `unknown compression id ${id}`);
  return codec;
}

export function compress(id: CompressionId, data: Buffer, level?: number): Promise<Buffer> {
  return codecFor(id).compress(data, level);
}

export function decompress(id: CompressionId, data: Buffer): Promise<Buffer> {
  return codecFor(id).decompress(data);
}

export { CompressionError, CompressionType, isCompressionId, UnsupportedCompressionError, type CompressionCodec, type CompressionId };
export { gzipCodec, lz4Codec, snappyCodec, zstdCodec };
export { compressLz4LegacyFrame, decompressLz4Frames } from './lz4.js';
export { compressSnappyRaw } from './snappy.js';
export { zstdImplementation, ZSTD_DEFAULT_LEVEL } from './zstd.js';
