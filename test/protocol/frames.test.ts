// The frame envelope: well-formed frames decode, malformed ones give a typed DecodeError, and
// frames for an API or version this build cannot serve come back as `undecodable` with enough
// of the header to answer (ApiVersions) or log.
import { describe, expect, it } from 'vitest';
import { decodeRequestFrame, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame, type RequestDecodeResult } from '../../protocol/frames.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { ApiVersionsRequest } from '../../protocol/generated/message/api-versions-request.js';
import { ApiVersionsResponse } from '../../protocol/generated/message/api-versions-response.js';
import { MetadataRequest } from '../../protocol/generated/message/metadata-request.js';
import { MetadataResponse } from '../../protocol/generated/message/metadata-response.js';
import { ProduceRequest } from '../../protocol/generated/message/produce-request.js';
import { RequestHeader } from '../../protocol/generated/message/request-header.js';
import { ControlledShutdownRequest } from '../../protocol/generated/message/controlled-shutdown-request.js';
import { DecodeError, UnsupportedVersionError, encode, type DecodeErrorCode } from '../../protocol/runtime/index.js';

/** A request frame as the server sees it: without the 4-byte size prefix. */
function requestFrame<T>(apiKey: number, version: number, codec: Parameters<typeof encodeRequestFrame<T>>[4], body: T, clientId: string | null = 'client-1', correlationId = 42): Buffer {
  const full = encodeRequestFrame(apiKey, version, correlationId, clientId, codec, body);
  expect(full.readInt32BE(0)).toBe(full.length - 4);
  return full.subarray(4);
}

/** A header in the given header version followed by raw body bytes (for versions no codec can write). */
function rawFrame(apiKey: number, apiVersion: number, headerVersion: number, body: string, clientId: string | null = 'cli'): Buffer {
  const header = encode(RequestHeader, { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId: 7, clientId }, headerVersion);
  return Buffer.concat([header, Buffer.from(body, 'hex')]);
}

type Outcome =
  | { throws: 'DecodeError'; code: DecodeErrorCode }
  | { throws: 'UnsupportedVersionError' }
  | { undecodable: 'UNKNOWN_API_KEY' | 'UNSUPPORTED_VERSION'; apiKey: number; apiVersion: number; correlationId: number; headerClientId?: string | null }
  | { ok: true; apiKey: number; apiVersion: number; trailingBytes?: number };

function outcome(frame: Buffer): Outcome {
  let result: RequestDecodeResult;
  try {
    result = decodeRequestFrame(frame);
  } catch (e) {
    if (e instanceof DecodeError) return { throws: 'DecodeError', code: e.code };
    if (e instanceof UnsupportedVersionError) return { throws: 'UnsupportedVersionError' };
    throw e;
  }
  if (result.ok) {
    const ok = { ok: true as const, apiKey: result.request.apiKey, apiVersion: result.request.apiVersion };
    return result.request.trailingBytes === 0 ? ok : { ...ok, trailingBytes: result.request.trailingBytes };
  }
  const u = result.undecodable;
  const base = { undecodable: u.problem, apiKey: u.apiKey, apiVersion: u.apiVersion, correlationId: u.correlationId };
  return u.header === null ? base : { ...base, headerClientId: u.header.clientId };
}

const metadataV1 = requestFrame(ApiKey.Metadata, 1, MetadataRequest, { ...MetadataRequest.defaults(), topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'orders' }] });
const produceV9 = requestFrame(ApiKey.Produce, 9, ProduceRequest, {
  ...ProduceRequest.defaults(),
  acks: -1,
  timeoutMs: 30000,
  topicData: [{ name: 't', partitionData: [{ index: 0, records: Buffer.from('0102030405', 'hex') }] }],
});

const MALFORMED: [string, Buffer, Outcome][] = [
  ['empty frame', Buffer.alloc(0), { throws: 'DecodeError', code: 'TRUNCATED' }],
  ['7 bytes: no room for key, version and correlation id', Buffer.from('00120003000000', 'hex'), { throws: 'DecodeError', code: 'TRUNCATED' }],
  ['unknown API key 999', Buffer.from('03e7' + '0000' + '00000063' + '0000', 'hex'), { undecodable: 'UNKNOWN_API_KEY', apiKey: 999, apiVersion: 0, correlationId: 99 }],
  ['negative API key', Buffer.from('ffff' + '0000' + '00000001', 'hex'), { undecodable: 'UNKNOWN_API_KEY', apiKey: -1, apiVersion: 0, correlationId: 1 }],
  ['Produce v12 (above the highest, 11)', rawFrame(ApiKey.Produce, 12, 2, '00'), { undecodable: 'UNSUPPORTED_VERSION', apiKey: 0, apiVersion: 12, correlationId: 7, headerClientId: 'cli' }],
  ['Produce v-1', rawFrame(ApiKey.Produce, -1, 1, ''), { undecodable: 'UNSUPPORTED_VERSION', apiKey: 0, apiVersion: -1, correlationId: 7, headerClientId: 'cli' }],
  // A client probing with a future ApiVersions sends a flexible (v2) header; the broker needs it to answer v0.
  ['ApiVersions v99', rawFrame(ApiKey.ApiVersions, 99, 2, '0a6a6176612d6b61666b6103332e3900'), { undecodable: 'UNSUPPORTED_VERSION', apiKey: 18, apiVersion: 99, correlationId: 7, headerClientId: 'cli' }],
  ['ApiVersions v99 whose header itself is cut', Buffer.from('0012' + '0063' + '00000005' + '00', 'hex'), { undecodable: 'UNSUPPORTED_VERSION', apiKey: 18, apiVersion: 99, correlationId: 5 }],
  ['Metadata v1 cut inside the topic name', metadataV1.subarray(0, metadataV1.length - 2), { throws: 'DecodeError', code: 'LENGTH_TOO_LARGE' }],
  ['Metadata v1 cut inside the topic count', metadataV1.subarray(0, 8 + 2 + 8 + 2), { throws: 'DecodeError', code: 'TRUNCATED' }],
  ['Produce v9 cut inside timeoutMs', produceV9.subarray(0, 8 + 2 + 8 + 1 + 1 + 2 + 2), { throws: 'DecodeError', code: 'TRUNCATED' }],
  ['Produce v9 with its header only', produceV9.subarray(0, 8 + 2 + 8 + 1), { throws: 'DecodeError', code: 'TRUNCATED' }],
  // Kafka ignores bytes after the last field of a request (librdkafka 2.15 sends some after Metadata v12).
  ['Metadata v1 with a trailing byte', Buffer.concat([metadataV1, Buffer.from([0])]), { ok: true, apiKey: 3, apiVersion: 1, trailingBytes: 1 }],
  ['Produce v9 with trailing bytes', Buffer.concat([produceV9, Buffer.from('deadbeef', 'hex')]), { ok: true, apiKey: 0, apiVersion: 9, trailingBytes: 4 }],
  ['librdkafka 2.15 Metadata v12: null topics, then 3 bytes Kafka never reads',
    Buffer.from('0003000c00000003000772646b61666b610000000000010000', 'hex'), { ok: true, apiKey: 3, apiVersion: 12, trailingBytes: 3 }],
  ['Metadata v1 with topic count -2', rawFrame(ApiKey.Metadata, 1, 1, 'fffffffe'), { throws: 'DecodeError', code: 'NEGATIVE_LENGTH' }],
  ['Metadata v0 with a null topic array (nullable only from v1)', rawFrame(ApiKey.Metadata, 0, 1, 'ffffffff'), { throws: 'DecodeError', code: 'INVALID_VALUE' }],
  ['Metadata v1 with topic count 2^31-1', rawFrame(ApiKey.Metadata, 1, 1, '7fffffff0000'), { throws: 'DecodeError', code: 'LENGTH_TOO_LARGE' }],
  ['Metadata v1 with client id length -2', Buffer.from('0003' + '0001' + '00000001' + 'fffe' + '00000000', 'hex'), { throws: 'DecodeError', code: 'NEGATIVE_LENGTH' }],
  ['Metadata v1 with client id length 0x7fff', Buffer.from('0003' + '0001' + '00000001' + '7fff' + '000000', 'hex'), { throws: 'DecodeError', code: 'LENGTH_TOO_LARGE' }],
  ['Produce v9 with a 6-byte tag-count varint in the header', Buffer.concat([rawFrame(ApiKey.Produce, 9, 1, ''), Buffer.from('808080808000', 'hex')]), { throws: 'DecodeError', code: 'VARINT_TOO_LONG' }],
  ['Metadata v1 well formed', metadataV1, { ok: true, apiKey: 3, apiVersion: 1 }],
  ['Produce v9 well formed', produceV9, { ok: true, apiKey: 0, apiVersion: 9 }],
];

describe('decodeRequestFrame on malformed and unservable frames', () => {
  it.each(MALFORMED)('%s', (_name, frame, expected) => {
    expect(outcome(frame)).toStrictEqual(expected);
  });

  it('an isSupported policy narrower than the codec turns a valid frame into UNSUPPORTED_VERSION with its header', () => {
    const result = decodeRequestFrame(metadataV1, (key, v) => key === ApiKey.Metadata && v >= 4);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.undecodable.problem).toBe('UNSUPPORTED_VERSION');
      expect(result.undecodable.header).toStrictEqual({ requestApiKey: 3, requestApiVersion: 1, correlationId: 42, clientId: 'client-1' });
    }
  });
});

describe('request and response frames round-trip', () => {
  it('decodes what encodeRequestFrame wrote, with header v0, v1 and v2', () => {
    const cs = decodeRequestFrame(requestFrame(ApiKey.ControlledShutdown, 0, ControlledShutdownRequest, { ...ControlledShutdownRequest.defaults(), brokerId: 3 }, null));
    // v0 header: no client id on the wire at all.
    expect(cs.ok && cs.request.header).toStrictEqual({ requestApiKey: 7, requestApiVersion: 0, correlationId: 42, clientId: '' });
    const meta = decodeRequestFrame(metadataV1);
    expect(meta.ok && meta.request.body).toStrictEqual({ ...MetadataRequest.defaults(), topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'orders' }] });
    expect(meta.ok && meta.request.clientId).toBe('client-1');
    const produce = decodeRequestFrame(produceV9);
    expect(produce.ok && produce.request.frameSize).toBe(produceV9.length);
    const body = produce.ok ? (produce.request.body as ProduceRequest) : null;
    const records = body?.topicData[0]?.partitionData[0]?.records;
    expect(records?.toString('hex')).toBe('0102030405');
    // Records are a view into the frame: no copy on the produce path.
    expect(records?.buffer).toBe(produceV9.buffer);
    const av = decodeRequestFrame(requestFrame(ApiKey.ApiVersions, 3, ApiVersionsRequest, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }, null));
    expect(av.ok && av.request.clientId).toBeNull();
  });

  it('ApiVersions responses use header v0 even when the body is flexible; others v1 when flexible', () => {
    const body = { ...ApiVersionsResponse.defaults(), apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }] };
    const frame = encodeResponseFrame(ApiKey.ApiVersions, 3, 9, ApiVersionsResponse, body);
    // size, correlation id, then directly the body's error code: no tagged-field byte in the header.
    expect(frame.subarray(0, 10).toString('hex')).toBe((frame.length - 4).toString(16).padStart(8, '0') + '00000009' + '0000');
    expect(decodeResponseFrame(frame.subarray(4), ApiKey.ApiVersions, 3, ApiVersionsResponse)).toStrictEqual({ correlationId: 9, body });
    // Metadata v9+ is flexible: the header carries an empty tag section.
    const meta = encodeResponseFrame(ApiKey.Metadata, 12, 5, MetadataResponse, MetadataResponse.defaults());
    expect(meta.subarray(4, 9).toString('hex')).toBe('00000005' + '00');
    expect(decodeResponseFrame(meta.subarray(4), ApiKey.Metadata, 12, MetadataResponse).body).toStrictEqual(MetadataResponse.defaults());
    const metaV8 = encodeResponseFrame(ApiKey.Metadata, 8, 5, MetadataResponse, MetadataResponse.defaults());
    expect(decodeResponseFrame(metaV8.subarray(4), ApiKey.Metadata, 8, MetadataResponse)).toStrictEqual({ correlationId: 5, body: MetadataResponse.defaults() });
    expect(() => decodeResponseFrame(Buffer.concat([meta.subarray(4), Buffer.from([0])]), ApiKey.Metadata, 12, MetadataResponse)).toThrow(/TRAILING_BYTES/);
  });
});
