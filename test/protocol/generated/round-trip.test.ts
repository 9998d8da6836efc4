// Property: for every spec and every valid version, a random valid value survives
// encode → decode unchanged, the bytes survive decode → encode unchanged, and `size` predicts
// the encoded length exactly. Targeted cases below pin the rules the properties rely on.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as generated from '../../../protocol/generated/index.js';
import { loadSpecs, type MessageSpec } from '../../../protocol/generator/spec.js';
import { DecodeError, EncodeError, Reader, Writer, decode, encode, type MessageCodec } from '../../../protocol/runtime/index.js';
import { defaultStruct, messageArb, versionsOf, type Value } from '../message-arbitrary.js';
import { HAVE_SPECS, SPEC_DIR, warnIfNoSpecs } from '../spec-dir.js';

// 50 runs per message × version keeps the file near 10 s on the shared 2-core box;
// CODEC_RUNS raises it for a deeper local soak.
const RUNS = Number(process.env.CODEC_RUNS ?? 50);
const SEED = Number(process.env.CODEC_SEED ?? 0x5eed);

const codecs = generated as unknown as Record<string, MessageCodec<Value>>;
function codecFor(name: string): MessageCodec<Value> {
  const codec = codecs[name];
  if (codec === undefined) throw new Error(`no generated codec ${name}`);
  return codec;
}

function hex(b: Buffer): string {
  return b.length > 256 ? `${b.subarray(0, 256).toString('hex')}… (${b.length} bytes)` : b.toString('hex');
}

function checkRoundTrip(codec: MessageCodec<Value>, value: Value, version: number): void {
  const bytes = encode(codec, value, version);
  expect(codec.size(value, version)).toBe(bytes.length);
  const decoded = decode(codec, bytes, version);
  expect(decoded).toStrictEqual(value);
  const again = encode(codec, decoded, version);
  if (!again.equals(bytes)) throw new Error(`re-encode differs at v${version}\n first: ${hex(bytes)}\nsecond: ${hex(again)}`);
}

const specs: MessageSpec[] = HAVE_SPECS ? loadSpecs(SPEC_DIR) : [];
let pairs = 0;
let runs = 0;

warnIfNoSpecs('round-trip');
describe.skipIf(!HAVE_SPECS)('generated codecs round-trip every spec at every version', () => {
  afterAll(() => {
    console.log(`round-trip: ${pairs} message×version pairs across ${specs.length} specs, ${runs} property runs (${RUNS}/pair, seed ${SEED})`);
  });
  for (const spec of specs) {
    it(`${spec.file} v${spec.validVersions.lo}-${spec.validVersions.hi}`, () => {
      const codec = codecFor(spec.name);
      for (const version of versionsOf(spec)) {
        fc.assert(
          fc.property(messageArb(spec, version), (value) => {
            checkRoundTrip(codec, value, version);
          }),
          { numRuns: RUNS, seed: SEED + version * 7919 + (spec.apiKey ?? 0) * 104729 },
        );
        pairs++;
        runs += RUNS;
      }
    });
  }
});

describe.skipIf(!HAVE_SPECS)('codec rules the round trip relies on', () => {
  it('the defaults() of every codec equal the defaults computed from the spec text', () => {
    for (const s of specs) expect(codecFor(s.name).defaults(), s.name).toStrictEqual(defaultStruct(s.root));
  });

  it('a tagged field holding its default is not written; a non-default one is', () => {
    const { ApiVersionsResponse } = generated;
    const base = ApiVersionsResponse.defaults();
    // v3: errorCode int16, apiKeys compact array (1), throttleTimeMs int32, tag count (1).
    expect(encode(ApiVersionsResponse, base, 3).toString('hex')).toBe('0000' + '01' + '00000000' + '00');
    expect(base.finalizedFeaturesEpoch).toBe(-1n);
    const withEpoch = encode(ApiVersionsResponse, { ...base, finalizedFeaturesEpoch: 5n }, 3);
    // one tagged field: tag 1, size 8, int64 5.
    expect(withEpoch.subarray(-11).toString('hex')).toBe('01' + '01' + '08' + '0000000000000005');
    expect(decode(ApiVersionsResponse, withEpoch, 3).finalizedFeaturesEpoch).toBe(5n);
    // PartitionChangeRecord.Leader defaults to -2: -2 stays off the wire, -1 does not.
    const { PartitionChangeRecord } = generated;
    const pcr = PartitionChangeRecord.defaults();
    expect(pcr.leader).toBe(-2);
    const plain = encode(PartitionChangeRecord, pcr, 0);
    expect(encode(PartitionChangeRecord, { ...pcr, leader: -1 }, 0).length).toBe(plain.length + 1 + 1 + 4);
  });

  it('a non-default value in a field absent at that version is refused unless the field is ignorable', () => {
    const { ProduceRequest, FetchRequest, MetadataRequest } = generated;
    // Produce.TransactionalId is versions 3+ and not ignorable.
    expect(() => encode(ProduceRequest, { ...ProduceRequest.defaults(), transactionalId: 'tx' }, 2)).toThrow(EncodeError);
    expect(() => encode(ProduceRequest, { ...ProduceRequest.defaults(), transactionalId: 'tx' }, 3)).not.toThrow();
    // At its default it is fine to "set" it at any version.
    expect(() => encode(ProduceRequest, ProduceRequest.defaults(), 2)).not.toThrow();
    // Metadata.AllowAutoTopicCreation (4+) is not ignorable: true is the default, false is refused at v3.
    expect(() => encode(MetadataRequest, { ...MetadataRequest.defaults(), allowAutoTopicCreation: false }, 3)).toThrow(EncodeError);
    // Fetch.IsolationLevel (4+) is ignorable: dropped silently below v4.
    const fetch = { ...FetchRequest.defaults(), isolationLevel: 1 };
    expect(decode(FetchRequest, encode(FetchRequest, fetch, 3), 3).isolationLevel).toBe(0);
    // Every non-ignorable field absent at some version, across all specs: refused there.
    let checked = 0;
    for (const s of specs) {
      const codec = codecFor(s.name);
      for (const f of s.root.fields) {
        if (f.ignorable || f.type.kind !== 'primitive' || f.type.name !== 'int32') continue;
        for (const v of versionsOf(s)) {
          if (v >= f.versions.lo && v <= f.versions.hi) continue;
          const value = { ...codec.defaults(), [f.name]: (codec.defaults()[f.name] as number) + 1 };
          expect(() => encode(codec, value, v), `${s.name}.${f.specName} v${v}`).toThrow(EncodeError);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('a null where the version cannot carry one is refused', () => {
    const { MetadataRequest } = generated;
    // Topics is nullable from v1; v0 has no way to say null.
    expect(() => encode(MetadataRequest, { ...MetadataRequest.defaults(), topics: null }, 0)).toThrow(EncodeError);
    expect(decode(MetadataRequest, encode(MetadataRequest, { ...MetadataRequest.defaults(), topics: null }, 1), 1).topics).toBeNull();
  });

  it('nullable structs are an int8 marker: -1 for null, 1 then the struct', () => {
    const { DescribeTopicPartitionsRequest } = generated;
    const base = { ...DescribeTopicPartitionsRequest.defaults(), topics: [], responsePartitionLimit: 0 };
    // topics compact array (01), limit int32, cursor marker, tag count.
    expect(encode(DescribeTopicPartitionsRequest, { ...base, cursor: null }, 0).toString('hex')).toBe('01' + '00000000' + 'ff' + '00');
    const withCursor = encode(DescribeTopicPartitionsRequest, { ...base, cursor: { topicName: 'a', partitionIndex: 7 } }, 0);
    expect(withCursor.toString('hex')).toBe('01' + '00000000' + '01' + '0261' + '00000007' + '00' + '00');
    expect(decode(DescribeTopicPartitionsRequest, withCursor, 0).cursor).toStrictEqual({ topicName: 'a', partitionIndex: 7 });
    // Any negative marker reads as null, as Kafka's readByte() < 0 does.
    expect(decode(DescribeTopicPartitionsRequest, Buffer.from('0100000000' + '80' + '00', 'hex'), 0).cursor).toBeNull();
  });

  it('unknown tagged fields survive a round trip, interleaved in tag order with known ones', () => {
    const { ApiVersionsResponse } = generated;
    const value = {
      ...ApiVersionsResponse.defaults(),
      finalizedFeaturesEpoch: 9n, // tag 1
      // Its known tags are 0-3; unknown ones must come back in order, byte for byte.
      unknownTaggedFields: [
        { tag: 4, data: Buffer.from('beef', 'hex') },
        { tag: 77, data: Buffer.alloc(0) },
        { tag: 0xffffffff, data: Buffer.from('01', 'hex') },
      ],
    };
    const bytes = encode(ApiVersionsResponse, value, 3);
    const decoded = decode(ApiVersionsResponse, bytes, 3);
    expect(decoded.unknownTaggedFields).toStrictEqual(value.unknownTaggedFields);
    expect(decoded.finalizedFeaturesEpoch).toBe(9n);
    expect(encode(ApiVersionsResponse, decoded, 3).equals(bytes)).toBe(true);
    // PartitionChangeRecord v1 knows tags 0-5 and 8; tags 6 and 7 only become known at v2, so at
    // v1 they are unknown data that must be written back *between* tag 5 and tag 8.
    const { PartitionChangeRecord } = generated;
    const pcr = {
      ...PartitionChangeRecord.defaults(),
      leaderRecoveryState: 1,
      directories: ['AAAAAAAAAAAAAAAAAAAAAQ'],
      unknownTaggedFields: [{ tag: 6, data: Buffer.from('aa', 'hex') }, { tag: 7, data: Buffer.from('bb', 'hex') }],
    };
    const pcrBytes = encode(PartitionChangeRecord, pcr, 1);
    const tagOrder: number[] = [];
    {
      const r = new Reader(pcrBytes, pcrBytes.length - (1 + 3 + 3 + 3 + 19));
      const count = r.uvarint();
      for (let i = 0; i < count; i++) {
        tagOrder.push(r.uvarint());
        r.sub(r.uvarint());
      }
      expect(r.remaining).toBe(0);
    }
    expect(tagOrder).toEqual([5, 6, 7, 8]);
    expect(decode(PartitionChangeRecord, pcrBytes, 1)).toStrictEqual(pcr);
    // In a message with no known tags, in the request header too.
    const { RequestHeader } = generated;
    const header = { requestApiKey: 18, requestApiVersion: 3, correlationId: 1, clientId: 'c', unknownTaggedFields: [{ tag: 5, data: Buffer.from('hi') }] };
    const hb = encode(RequestHeader, header, 2);
    expect(hb.subarray(-5).toString('hex')).toBe('01' + '05' + '02' + '6869');
    expect(decode(RequestHeader, hb, 2)).toStrictEqual(header);
    // A nested flexible struct keeps its own unknown fields.
    const { MetadataResponse } = generated;
    const meta = {
      ...MetadataResponse.defaults(),
      brokers: [{ nodeId: 1, host: 'h', port: 9092, rack: null, unknownTaggedFields: [{ tag: 3, data: Buffer.from('x') }] }],
    };
    expect(decode(MetadataResponse, encode(MetadataResponse, meta, 12), 12)).toStrictEqual(meta);
  });

  it('a known tagged field is decoded from its own sub-buffer: a body shorter than the field is TRUNCATED', () => {
    const { ApiVersionsResponse } = generated;
    // tag 1 (FinalizedFeaturesEpoch, int64) declared with a 4-byte body.
    const bytes = Buffer.from('0000' + '01' + '00000000' + '01' + '01' + '04' + '00000005', 'hex');
    const err = captureDecodeError(() => decode(ApiVersionsResponse, bytes, 3));
    expect(err.code).toBe('TRUNCATED');
  });

  it('encode fails at versions outside the codec range, and writer/reader agree on every codec default', () => {
    for (const s of specs) {
      const codec = codecFor(s.name);
      for (const v of versionsOf(s)) {
        const bytes = encode(codec, codec.defaults(), v);
        const r = new Reader(bytes);
        expect(codec.read(r, v), `${s.name} v${v}`).toStrictEqual(codec.defaults());
        expect(r.remaining).toBe(0);
      }
      expect(() => codec.size(codec.defaults(), s.validVersions.hi + 1)).toThrow(/does not support version/);
      expect(() => codec.write(new Writer(1024), codec.defaults(), s.validVersions.lo - 1)).toThrow(/does not support version/);
    }
  });
});

function captureDecodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('expected a DecodeError');
}
