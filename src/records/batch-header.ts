// Field offsets of the record batch v2 header (61 bytes) and of legacy message-set entries.
// Both formats put the 8-byte offset first, a 4-byte length next, and the magic byte at 16,
// so one reader can tell them apart before parsing further.

export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORDS_COUNT_OFFSET = 57;
export const RECORD_BATCH_OVERHEAD = 61;
/** Bytes before `batchLength` starts counting (baseOffset + batchLength itself). */
export const LOG_OVERHEAD = 12;

export const ATTR_COMPRESSION_MASK = 0x07;
export const ATTR_TIMESTAMP_TYPE = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;
export const ATTR_DELETE_HORIZON = 0x40;

/** A zero-copy view over one batch header; reads straight from the buffer. */
export class BatchHeader {
  constructor(readonly buf: Buffer, readonly pos = 0) {}
  get baseOffset(): bigint { return this.buf.readBigInt64BE(this.pos + BASE_OFFSET_OFFSET); }
  get batchLength(): number { return this.buf.readInt32BE(this.pos + BATCH_LENGTH_OFFSET); }
  /** Whole batch size on disk: the 12 bytes of offset + length, plus batchLength. */
  get totalSize(): number { return LOG_OVERHEAD + this.batchLength; }
  get partitionLeaderEpoch(): number { return this.buf.readInt32BE(this.pos + PARTITION_LEADER_EPOCH_OFFSET); }
  get magic(): number { return this.buf.readInt8(this.pos + MAGIC_OFFSET); }
  get crc(): number { return this.buf.readUInt32BE(this.pos + CRC_OFFSET); }
  get attributes(): number { return this.buf.readInt16BE(this.pos + ATTRIBUTES_OFFSET); }
  get compression(): number { return this.attributes & ATTR_COMPRESSION_MASK; }
  get isTransactional(): boolean { return (this.attributes & ATTR_TRANSACTIONAL) !== 0; }
  get isControl(): boolean { return (this.attributes & ATTR_CONTROL) !== 0; }
  /** KIP-534: when set, baseTimestamp holds the delete horizon. */
  get hasDeleteHorizon(): boolean { return (this.attributes & ATTR_DELETE_HORIZON) !== 0; }
  get lastOffsetDelta(): number { return this.buf.readInt32BE(this.pos + LAST_OFFSET_DELTA_OFFSET); }
  get baseTimestamp(): bigint { return this.buf.readBigInt64BE(this.pos + BASE_TIMESTAMP_OFFSET); }
  get maxTimestamp(): bigint { return this.buf.readBigInt64BE(this.pos + MAX_TIMESTAMP_OFFSET); }
  get producerId(): bigint { return this.buf.readBigInt64BE(this.pos + PRODUCER_ID_OFFSET); }
  get producerEpoch(): number { return this.buf.readInt16BE(this.pos + PRODUCER_EPOCH_OFFSET); }
  get baseSequence(): number { return this.buf.readInt32BE(this.pos + BASE_SEQUENCE_OFFSET); }
  get recordsCount(): number { return this.buf.readInt32BE(this.pos + RECORDS_COUNT_OFFSET); }
  get lastOffset(): bigint { return this.baseOffset + BigInt(this.lastOffsetDelta); }
}
