// Request and response frames: the size-prefixed envelope around a header and a body.
// Pure: bytes in, objects out. The server owns sockets and decides what to do with failures.
import { Reader, Writer, DecodeError, type MessageCodec } from './runtime/index.js';
import { API_BY_KEY, type ApiDefinition, requestHeaderVersion, responseHeaderVersion } from './generated/api-keys.js';
import { RequestHeader } from './generated/message/request-header.js';
import { ResponseHeader } from './generated/message/response-header.js';

export interface DecodedRequest {
  readonly api: ApiDefinition;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly header: RequestHeader;
  readonly body: unknown;
  /** Bytes of the frame after the size prefix; bodies' byte fields are views into it. */
  readonly frameSize: number;
  /** Bytes after the last field this version defines; Kafka ignores them, and so do we. */
  readonly trailingBytes: number;
}

/** Why a well-formed frame cannot be served: the caller answers or disconnects as Kafka does. */
export interface UndecodableRequest {
  readonly problem: 'UNKNOWN_API_KEY' | 'UNSUPPORTED_VERSION';
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  /** The header, when it could be read (needed to answer ApiVersions with v0). */
  readonly header: RequestHeader | null;
}

export type RequestDecodeResult = { ok: true; request: DecodedRequest } | { ok: false; undecodable: UndecodableRequest };

/** The minimum a frame must hold before anything can be said about it: api key, version, correlation id. */
export const MIN_REQUEST_FRAME = 8;

/**
 * Decodes one request frame (without its 4-byte size prefix). Malformed bytes throw a
 * DecodeError; a valid frame for an API or version this build does not know comes back as
 * `undecodable`, never as an exception.
 */
export function decodeRequestFrame(frame: Buffer, isSupported: (apiKey: number, version: number) => boolean = defaultSupport): RequestDecodeResult {
  if (frame.length < MIN_REQUEST_FRAME) throw new DecodeError('TRUNCATED', `request frame of ${frame.length} bytes`, 0);
  const apiKey = frame.readInt16BE(0);
  const apiVersion = frame.readInt16BE(2);
  const correlationId = frame.readInt32BE(4);
  const api = API_BY_KEY.get(apiKey);
  if (api === undefined) return { ok: false, undecodable: { problem: 'UNKNOWN_API_KEY', apiKey, apiVersion, correlationId, header: null } };
  const reader = new Reader(frame);
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  if (!isSupported(apiKey, apiVersion)) {
    let header: RequestHeader | null;
    try {
      header = RequestHeader.read(reader, headerVersion);
    } catch {
      header = null;
    }
    return { ok: false, undecodable: { problem: 'UNSUPPORTED_VERSION', apiKey, apiVersion, correlationId, header } };
  }
  const header = RequestHeader.read(reader, headerVersion);
  const body = api.request.read(reader, apiVersion);
  // Kafka's request parser reads the fields it knows and never checks for leftovers, and real
  // clients rely on it: librdkafka 2.15 sends three extra bytes after a Metadata v12 body.
  return {
    ok: true,
    request: { api, apiKey, apiVersion, correlationId, clientId: header.clientId, header, body, frameSize: frame.length, trailingBytes: reader.remaining },
  };
}

function defaultSupport(apiKey: number, version: number): boolean {
  const api = API_BY_KEY.get(apiKey);
  return api !== undefined && version >= api.lowestVersion && version <= api.highestVersion;
}

/**
 * Encodes a whole response frame, size prefix included, into one buffer of the exact size.
 * `headerVersion` defaults to the API's rule (ApiVersions always answers with header v0).
 */
export function encodeResponseFrame<T>(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  codec: MessageCodec<T>,
  body: T,
  bodyVersion: number = apiVersion,
): Buffer {
  return responseFrameWriter(apiKey, apiVersion, correlationId, codec, body, bodyVersion, Infinity).buf;
}

/**
 * The same frame as buffers to write in order, byte fields of `spliceFrom` bytes or more
 * (a Fetch response's records) referenced rather than copied. `splicedBytes`, the total length
 * of those fields when the caller knows it, is left out of the frame buffer's allocation; a
 * count above the truth fails the encoding (EncodeError), one below only wastes room.
 */
export function encodeResponseFrameChunks<T>(apiKey: number, apiVersion: number, correlationId: number, codec: MessageCodec<T>, body: T, spliceFrom: number, splicedBytes = 0): Buffer[] {
  return responseFrameWriter(apiKey, apiVersion, correlationId, codec, body, apiVersion, spliceFrom, splicedBytes).chunks();
}

function responseFrameWriter<T>(apiKey: number, apiVersion: number, correlationId: number, codec: MessageCodec<T>, body: T, bodyVersion: number, spliceFrom: number, splicedBytes = 0): Writer {
  const headerVersion = responseHeaderVersion(apiKey, apiVersion);
  const header: ResponseHeader = { correlationId };
  const headerSize = ResponseHeader.size(header, headerVersion);
  const bodySize = codec.size(body, bodyVersion);
  const writer = new Writer(4 + headerSize + bodySize - splicedBytes).spliceLargeBytes(spliceFrom);
  writer.int32(headerSize + bodySize);
  ResponseHeader.write(writer, header, headerVersion);
  codec.write(writer, body, bodyVersion);
  return writer;
}

/** Encodes a request frame, size prefix included (used by tests, benchmarks and the broker's own clients). */
export function encodeRequestFrame<T>(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
  codec: MessageCodec<T>,
  body: T,
): Buffer {
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  const header: RequestHeader = { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId };
  const headerSize = RequestHeader.size(header, headerVersion);
  const bodySize = codec.size(body, apiVersion);
  const writer = new Writer(4 + headerSize + bodySize);
  writer.int32(headerSize + bodySize);
  RequestHeader.write(writer, header, headerVersion);
  codec.write(writer, body, apiVersion);
  return writer.buf;
}

/** Decodes a response frame (without size prefix); used by the broker's own clients and tests. */
export function decodeResponseFrame<T>(frame: Buffer, apiKey: number, apiVersion: number, codec: MessageCodec<T>): { correlationId: number; body: T } {
  const reader = new Reader(frame);
  const header = ResponseHeader.read(reader, responseHeaderVersion(apiKey, apiVersion));
  const body = codec.read(reader, apiVersion);
  reader.expectEnd(codec.name);
  return { correlationId: header.correlationId, body };
}
