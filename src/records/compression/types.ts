// One interface for Kafka's record compression codecs. Ids are the values of the
// low three bits of a record batch's attributes (and of a legacy message's attributes).

export const CompressionType = {
  NONE: 0,
  GZIP: 1,
  SNAPPY: 2,
  LZ4: 3,
  ZSTD: 4,
} as const;

export type CompressionId = (typeof CompressionType)[keyof typeof CompressionType];

export interface CompressionCodec {
  readonly id: CompressionId;
  /** The name Kafka uses in `compression.type`. */
  readonly name: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  /**
   * `level` follows Kafka's compression.<codec>.level (KIP-390); undefined means the codec
   * default (gzip also reads -1 that way, as Kafka does). Codecs without levels (snappy,
   * and lz4 here) ignore it.
   */
  compress(data: Buffer, level?: number): Promise<Buffer>;
  /** Rejects with `CompressionError` when `data` is not a valid stream for this codec. */
  decompress(data: Buffer): Promise<Buffer>;
}

/** Compressed data that cannot be decoded, or a codec that cannot run here. */
export class CompressionError extends Error {
  constructor(
    readonly codec: CompressionCodec['name'],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${codec}: ${message}`, options);
    this.name = 'CompressionError';
  }
}

export function isCompressionId(id: number): id is CompressionId {
  return Number.isInteger(id) && id >= 0 && id <= 4;
}

/** A codec id or combination Kafka answers with UNSUPPORTED_COMPRESSION_TYPE. */
export class UnsupportedCompressionError extends CompressionError {
  constructor(codec: CompressionCodec['name'], message: string) {
    super(codec, message);
    this.name = 'UnsupportedCompressionError';
  }
}
