import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  codecFor,
  CompressionError,
  CompressionType,
  compressLz4LegacyFrame,
  compressSnappyRaw,
  decompressLz4Frames,
  type CompressionId,
} from '../../../../src/records/compression/index.js';
import { decompressZstdPortable } from '../../../../src/records/compression/zstd.js';
import { xxhash32 } from '../../../../src/records/compression/xxhash32.js';

const TEXT = 'Sluice says hello to Kafka clients. Sluice says hello again.';
const hex = (h: string): Buffer => Buffer.from(h, 'hex');

// Produced by Debian's CLI tools: `gzip -9nc`, `lz4 -c`, `zstd -c` (from a pipe, so no content size).
const GZIP_VECTOR = hex(
  '1f8b08000000000002030bce29cd4c4e55284eac2c56c848cdc9c95728c957f04e4ccb4e5448cec94ccd2b29d65308c65093989e9899a70700ab61419f3c000000',
);
const LZ4_VECTOR = hex(
  '04224d186440a72f000000fe15536c7569636520736179732068656c6c6f20746f204b61666b6120636c69656e74732e20240060616761696e2e00000000a87187ad',
);
const ZSTD_VECTOR = hex(
  '28b52ffd0458950100a402536c7569636520736179732068656c6c6f20746f204b61666b6120636c69656e74732e20616761696e2e01003c9e7a02cad3989d',
);
// `lz4 -BX --content-size -c`: block checksums and a content size in the header.
const LZ4_CHECKSUMS_VECTOR = hex(
  '04224d187c403c00000000000000972f000000fe15536c7569636520736179732068656c6c6f20746f204b61666b6120636c69656e74732e20240060616761696e2ea8704be300000000a87187ad',
);
// `lz4 -BD -B4 -c`: linked (dependent) 64 KiB blocks over 140384 bytes of a repeated chunk.
const LZ4_LINKED_VECTOR = hex('04224d1844405eb7020000ffff9e3031343931363235333634393634383131303031323131343431363931393632323532353632383933323433363134303034343134383435323935373636323536373637323937383438343139303039363131303234313038393131353631323235313239363133363931343434313532313136303031363831313736343138343931393336323032353231313632323039323330343234303132353030323630313237303432383039323931363330323533313336333234393333363433343831333630303337323133383434333936393430393634323235343335363434383934363234343736313439303035303431353138343533323935343736353632353537373635393239363038343632343136343030363536313637323436383839373035363732323537333936373536393737343437393231383130303832383138343634383634393838333639303235393231363934303939363034393830313237323238343331363336383433313035323132363331343736313639313139303832313237323334383235373132373936333032333332353233343833333731363339353134313838ac01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff3b5030303434310a0100000fccffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe8503239363133d9010000f1123639313434343135323131363030313638313137363431383439313933363230321a00ffff78323230393233303432343031323530303236303132373034323830393239313633303235333133363332343933333634333438313336303033373231333834343339363934303936343232353433353634343839343632343437363134393030353034313531383435333239353437363536323535373736353932393630383436323431363430303635363136373234363838393730353637323235373339363735363937373434373932313831303038323831383436343836343938383336393032353932313639343039393630343938303132373232383433313633363834333130353231323633313437363136393131393038323132373233343832353731323739363330323333323532333438333337313633393531343138383031343931363235333634393634383131303031323131343431363931393632323532353632383933323433363134303034343134383435323935373636323536373637323937383438343139303039363131303234313038393131353631323235313239363133ac01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffbe50313431383800000000be59af23');
function linkedVectorPlain(): Buffer {
  let chunk = '';
  for (let i = 0; i < 120; i++) chunk += String((i * i) % 9973);
  return Buffer.from(chunk.repeat(Math.floor(140000 / chunk.length) + 1));
}

// Raw snappy of "hello", built by hand from the format: varint length 5, literal tag (5-1)<<2.
const SNAPPY_RAW_HELLO = hex('051068656c6c6f');
const SNAPPY_XERIAL_HELLO = Buffer.concat([
  hex('82534e4150505900'), hex('00000001'), hex('00000001'), hex('00000007'), SNAPPY_RAW_HELLO,
]);

const ALL_IDS: CompressionId[] = [0, 1, 2, 3, 4];

describe('codec registry', () => {
  it('maps every Kafka id to the codec of that name', () => {
    expect(ALL_IDS.map((id) => codecFor(id).name)).toEqual(['none', 'gzip', 'snappy', 'lz4', 'zstd']);
    expect(ALL_IDS.map((id) => codecFor(id).id)).toEqual(ALL_IDS);
  });

  it('rejects ids 5-7 with a CompressionError', () => {
    for (const id of [5, 6, 7, -1]) expect(() => codecFor(id)).toThrow(CompressionError);
  });
});

describe('fixed vectors from other implementations', () => {
  it('gzip', async () => {
    expect((await codecFor(CompressionType.GZIP).decompress(GZIP_VECTOR)).toString()).toBe(TEXT);
  });
  it('lz4 frame with content checksum', async () => {
    expect((await codecFor(CompressionType.LZ4).decompress(LZ4_VECTOR)).toString()).toBe(TEXT);
  });
  it('lz4 frame with block checksums and content size, native and JS readers', async () => {
    expect((await codecFor(CompressionType.LZ4).decompress(LZ4_CHECKSUMS_VECTOR)).toString()).toBe(TEXT);
    expect(decompressLz4Frames(LZ4_CHECKSUMS_VECTOR).toString()).toBe(TEXT);
    expect(decompressLz4Frames(Buffer.concat([LZ4_VECTOR, LZ4_CHECKSUMS_VECTOR])).toString()).toBe(TEXT + TEXT);
  });
  it('lz4 frame with linked blocks spanning several 64 KiB blocks', async () => {
    const out = await codecFor(CompressionType.LZ4).decompress(LZ4_LINKED_VECTOR);
    expect(out.equals(linkedVectorPlain())).toBe(true);
    expect(decompressLz4Frames(LZ4_LINKED_VECTOR).equals(linkedVectorPlain())).toBe(true);
  });
  it('zstd frame without content size, native and portable', async () => {
    expect((await codecFor(CompressionType.ZSTD).decompress(ZSTD_VECTOR)).toString()).toBe(TEXT);
    expect(decompressZstdPortable(ZSTD_VECTOR).toString()).toBe(TEXT);
  });
  it('snappy raw and xerial-framed', async () => {
    const snappy = codecFor(CompressionType.SNAPPY);
    expect((await snappy.decompress(SNAPPY_RAW_HELLO)).toString()).toBe('hello');
    expect((await snappy.decompress(SNAPPY_XERIAL_HELLO)).toString()).toBe('hello');
  });
});

describe('lz4 header checksum', () => {
  it('xxhash32 matches published values', () => {
    expect(xxhash32(Buffer.alloc(0))).toBe(0x02cc5d05);
    expect(xxhash32(Buffer.from('abc'))).toBe(0x32d153ff);
    expect(xxhash32(Buffer.from('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
  });

  it('accepts the legacy (pre-KIP-57) checksum that also covers the magic bytes', async () => {
    const legacy = await compressLz4LegacyFrame(Buffer.from(TEXT));
    const standard = await codecFor(CompressionType.LZ4).compress(Buffer.from(TEXT));
    expect(legacy.equals(standard)).toBe(false); // only the HC byte differs
    expect(decompressLz4Frames(legacy).toString()).toBe(TEXT);
    expect((await codecFor(CompressionType.LZ4).decompress(legacy)).toString()).toBe(TEXT);
  });

  it('rejects a frame whose checksum matches neither form', () => {
    const broken = Buffer.from(LZ4_VECTOR);
    broken[6] = broken[6]! ^ 0xff;
    expect(() => decompressLz4Frames(broken)).toThrow(CompressionError);
  });

  it('emits independent 64 KiB blocks, which the Java client requires', async () => {
    const frame = await codecFor(CompressionType.LZ4).compress(Buffer.from(TEXT));
    expect(frame.readUInt32LE(0)).toBe(0x184d2204);
    expect(frame[4]! & 0x20).toBe(0x20);
    expect((frame[5]! >> 4) & 7).toBe(4);
  });
});

describe('round trips', () => {
  it.each(ALL_IDS)('codec %i round-trips empty, small and multi-block payloads', async (id) => {
    const codec = codecFor(id);
    const big = Buffer.alloc(300_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 7)) & 0xff;
    for (const plain of [Buffer.alloc(0), Buffer.from(TEXT), big]) {
      const out = await codec.decompress(await codec.compress(plain));
      expect(out.equals(plain)).toBe(true);
    }
  });

  it('random payloads round-trip through every codec', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 5000 }), fc.constantFrom(...ALL_IDS), async (bytes, id) => {
        const plain = Buffer.from(bytes);
        const codec = codecFor(id);
        expect((await codec.decompress(await codec.compress(plain))).equals(plain)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('raw snappy from the library decodes', async () => {
    const raw = await compressSnappyRaw(Buffer.from(TEXT));
    expect((await codecFor(CompressionType.SNAPPY).decompress(raw)).toString()).toBe(TEXT);
  });
});

describe('corrupt input', () => {
  it.each([1, 2, 3, 4] as CompressionId[])('codec %i rejects garbage and truncation with CompressionError', async (id) => {
    const codec = codecFor(id);
    const good = await codec.compress(Buffer.from(TEXT.repeat(20)));
    await expect(codec.decompress(Buffer.from('definitely not compressed data'))).rejects.toBeInstanceOf(CompressionError);
    await expect(codec.decompress(good.subarray(0, good.length - 5))).rejects.toBeInstanceOf(CompressionError);
  });

  it('the JS lz4 reader round-trips random data compressed natively', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 40 }), async (bytes, repeat) => {
        const plain = Buffer.concat(Array.from({ length: repeat }, () => Buffer.from(bytes)));
        const frame = await codecFor(CompressionType.LZ4).compress(plain);
        expect(decompressLz4Frames(frame).equals(plain)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('every truncation of an lz4 frame fails cleanly', () => {
    for (let cut = 0; cut < LZ4_VECTOR.length; cut++) {
      expect(() => decompressLz4Frames(LZ4_VECTOR.subarray(0, cut))).toThrow(CompressionError);
    }
  });
});
