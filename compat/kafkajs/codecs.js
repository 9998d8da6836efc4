// kafkajs ships only gzip; these register snappy, lz4 and zstd with pure-JS
// or WASM libraries so the compat install needs no native build.
import kafkajs from 'kafkajs';
import SnappyJS from 'snappyjs';
import lz4 from 'lz4js';
import { init as zstdInit, compress as zstdCompress, decompress as zstdDecompress } from '@bokuweb/zstd-wasm';

const { CompressionTypes, CompressionCodecs } = kafkajs;

// Java producers frame snappy the xerial way: magic, two version ints, then
// (length, raw block) pairs. Plain raw snappy is accepted on both sides.
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

function snappyDecompress(buf) {
  if (buf.length < 16 || !buf.subarray(0, 8).equals(XERIAL_MAGIC)) return Buffer.from(SnappyJS.uncompress(buf));
  const parts = [];
  for (let pos = 16; pos < buf.length; ) {
    const len = buf.readUInt32BE(pos);
    parts.push(Buffer.from(SnappyJS.uncompress(buf.subarray(pos + 4, pos + 4 + len))));
    pos += 4 + len;
  }
  return Buffer.concat(parts);
}

export async function registerCodecs() {
  await zstdInit();
  CompressionCodecs[CompressionTypes.Snappy] = () => ({
    compress: async (encoder) => Buffer.from(SnappyJS.compress(encoder.buffer)),
    decompress: async (buf) => snappyDecompress(buf),
  });
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    compress: async (encoder) => Buffer.from(lz4.compress(encoder.buffer)),
    decompress: async (buf) => Buffer.from(lz4.decompress(buf)),
  });
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: async (encoder) => Buffer.from(zstdCompress(encoder.buffer, 3)),
    decompress: async (buf) => Buffer.from(zstdDecompress(buf)),
  });
}
