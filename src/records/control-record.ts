// Control records: the single record of a control batch. Key = int16 version (0) + int16
// type; for transaction markers the value = int16 version (0) + int32 coordinator epoch.
// KRaft's own control types (leader change, snapshot header/footer, voters) carry other
// values; `buildControlBatch` takes those as opaque bytes.
import { buildUncompressedRecordBatch } from './record-batch.js';
import type { BuildBatchOptions } from './types.js';

export const ControlRecordType = {
  ABORT: 0,
  COMMIT: 1,
  LEADER_CHANGE: 2,
  SNAPSHOT_HEADER: 3,
  SNAPSHOT_FOOTER: 4,
  KRAFT_VERSION: 5,
  KRAFT_VOTERS: 6,
} as const;

const CONTROL_KEY_VERSION = 0;
const END_TXN_MARKER_VERSION = 0;
const CONTROL_KEY_SIZE = 4;
const END_TXN_MARKER_SIZE = 6;

export function encodeControlKey(type: number): Buffer {
  const key = Buffer.allocUnsafe(CONTROL_KEY_SIZE);
  key.writeInt16BE(CONTROL_KEY_VERSION, 0);
  key.writeInt16BE(type, 2);
  return key;
}

/** The control type in a control record key, or undefined when the key is malformed. */
export function decodeControlType(key: Buffer | null): number | undefined {
  if (key === null || key.length < CONTROL_KEY_SIZE) return undefined;
  return key.readInt16BE(2);
}

export interface EndTxnMarker {
  committed: boolean;
  coordinatorEpoch: number;
}

/** Reads a COMMIT/ABORT marker; undefined for other control types or malformed bytes. */
export function decodeEndTxnMarker(key: Buffer | null, value: Buffer | null): EndTxnMarker | undefined {
  const type = decodeControlType(key);
  if (type !== ControlRecordType.ABORT && type !== ControlRecordType.COMMIT) return undefined;
  if (value === null || value.length < END_TXN_MARKER_SIZE) return undefined;
  return { committed: type === ControlRecordType.COMMIT, coordinatorEpoch: value.readInt32BE(2) };
}

export interface ControlBatchOptions
  extends Pick<BuildBatchOptions, 'baseOffset' | 'partitionLeaderEpoch' | 'producerId' | 'producerEpoch' | 'timestamp'> {
  /** Transaction markers are transactional; KRaft control batches are not. */
  transactional?: boolean;
}

/** A control batch holding one control record of `type` with `value`. */
export function buildControlBatch(type: number, value: Buffer, options: ControlBatchOptions = {}): Buffer {
  return buildUncompressedRecordBatch([{ key: encodeControlKey(type), value }], { ...options, control: true });
}

export interface EndTxnMarkerOptions extends Omit<ControlBatchOptions, 'transactional'> {
  producerId: bigint;
  producerEpoch: number;
  coordinatorEpoch: number;
  committed: boolean;
}

/** The COMMIT or ABORT marker batch the transaction coordinator writes to each partition. */
export function buildEndTxnMarkerBatch(options: EndTxnMarkerOptions): Buffer {
  const value = Buffer.allocUnsafe(END_TXN_MARKER_SIZE);
  value.writeInt16BE(END_TXN_MARKER_VERSION, 0);
  value.writeInt32BE(options.coordinatorEpoch, 2);
  const type = options.committed ? ControlRecordType.COMMIT : ControlRecordType.ABORT;
  return buildControlBatch(type, value, {
    baseOffset: options.baseOffset,
    partitionLeaderEpoch: options.partitionLeaderEpoch,
    producerId: options.producerId,
    producerEpoch: options.producerEpoch,
    timestamp: options.timestamp,
    transactional: true,
  });
}
