import { Reader } from './reader.js';
import { Writer } from './writer.js';

/** What the generator emits for every message, header and record schema. */
export interface MessageCodec<T> {
  readonly name: string;
  /** API key (requests, responses) or record type id (metadata records), when the spec has one. */
  readonly apiKey?: number;
  readonly lowestVersion: number;
  readonly highestVersion: number;
  /** First flexible version, or -1 when no version is flexible. */
  readonly firstFlexibleVersion: number;
  read(reader: Reader, version: number): T;
  write(writer: Writer, value: T, version: number): void;
  size(value: T, version: number): number;
  /** A value with every field at its spec default, for building messages in code. */
  defaults(): T;
}

export function encode<T>(codec: MessageCodec<T>, value: T, version: number): Buffer {
  const writer = new Writer(codec.size(value, version));
  codec.write(writer, value, version);
  return writer.buf;
}

/** Decodes a whole buffer, refusing trailing bytes. */
export function decode<T>(codec: MessageCodec<T>, bytes: Buffer, version: number): T {
  const reader = new Reader(bytes);
  const value = codec.read(reader, version);
  reader.expectEnd(codec.name);
  return value;
}
