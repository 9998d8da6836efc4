// Metadata records as they travel through the quorum: a type id (the spec's apiKey), a schema
// version and the decoded data. On disk each is one record value framed as Kafka's metadata
// serde does: uvarint frame version (1), uvarint type, uvarint version, then the message.
import { Reader, Writer, sizeOfUVarint, DecodeError } from '../../protocol/runtime/index.js';
import { METADATA_RECORD_CODECS } from '../../protocol/generated/metadata-records.js';

export interface MetadataRecord {
  readonly type: number;
  readonly version: number;
  readonly data: unknown;
}

const FRAME_VERSION = 1;

export function encodeMetadataRecord(record: MetadataRecord): Buffer {
  const codec = METADATA_RECORD_CODECS.get(record.type);
  if (codec === undefined) throw new Error(`unknown metadata record type ${record.type}`);
  const bodySize = codec.size(record.data, record.version);
  const writer = new Writer(sizeOfUVarint(FRAME_VERSION) + sizeOfUVarint(record.type) + sizeOfUVarint(record.version) + bodySize);
  writer.uvarint(FRAME_VERSION);
  writer.uvarint(record.type);
  writer.uvarint(record.version);
  codec.write(writer, record.data, record.version);
  return writer.buf;
}

export function decodeMetadataRecord(bytes: Buffer): MetadataRecord {
  const reader = new Reader(bytes);
  const frameVersion = reader.uvarint();
  if (frameVersion !== FRAME_VERSION) throw new DecodeError('INVALID_VALUE', `metadata frame version ${frameVersion}`, 0);
  const type = reader.uvarint();
  const version = reader.uvarint();
  const codec = METADATA_RECORD_CODECS.get(type);
  if (codec === undefined) throw new DecodeError('INVALID_VALUE', `unknown metadata record type ${type}`, 1);
  const data = codec.read(reader, version);
  reader.expectEnd(codec.name);
  return { type, version, data };
}

/** Newest schema version of each record type, which the controller writes. */
export function latestVersion(type: number): number {
  const codec = METADATA_RECORD_CODECS.get(type);
  if (codec === undefined) throw new Error(`unknown metadata record type ${type}`);
  return codec.highestVersion;
}

export function metadataRecord<T>(type: number, data: T, version = latestVersion(type)): MetadataRecord {
  return { type, version, data };
}
