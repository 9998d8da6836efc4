// Compress / decompress throughput of codec candidates on a 1 MiB payload of JSON-ish
// records (compressible like typical Kafka values). Prints MB/s of uncompressed data.
// Run: npx tsx bench/records/codecs.bench.ts   (optional: ZSTD_NAPI_PATH=/path/to/zstd-napi)
import { createRequire } from 'node:module';
import { codecFor, CompressionType, decompressLz4Frames } from '../../src/records/compression/index.js';
import { decompressZstdPortable } from '../../src/records/compression/zstd.js';

const require = createRequire(import.meta.url);
const nodeLz4 = require('lz4') as { encode(b: Buffer): Buffer; decode(b: Buffer): Buffer };
const lz4Napi = require('lz4-napi') as {
  compressFrame(b: Buffer): Promise<Buffer>;
  decompressFrame(b: Buffer): Promise<Buffer>;
};

function payload(size: number): Buffer {
  const parts: string[] = [];
  let total = 0;
  for (let i = 0; total < size; i++) {
    const line = JSON.stringify({ id: i, user: `user-${(i * 7919) % 10007}`, action: ['view', 'click', 'buy'][i % 3], amount: (i * 37) % 1000, ts: 1700000000000 + i * 13 });
    parts.push(line);
    total += line.length;
  }
  return Buffer.from(parts.join('\n')).subarray(0, size);
}

async function rate(fn: () => unknown | Promise<unknown>, bytes: number): Promise<number> {
  await fn();
  let rounds = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < 0.5 || rounds < 3) {
    await fn();
    rounds++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return (rounds * bytes) / elapsed / 1e6;
}

const plain = payload(1024 * 1024);
const results: Array<{ candidate: string; ratio: number; compressMBs: number | null; decompressMBs: number }> = [];

async function run(name: string, comp: ((b: Buffer) => Buffer | Promise<Buffer>) | null, decomp: (b: Buffer) => Buffer | Promise<Buffer>, compressedInput?: Buffer): Promise<void> {
  const compressed = compressedInput ?? (await comp!(plain));
  const back = await decomp(compressed);
  if (!back.equals(plain)) throw new Error(`${name} did not round-trip`);
  const compressMBs = comp ? await rate(() => comp(plain), plain.length) : null;
  const decompressMBs = await rate(() => decomp(compressed), plain.length);
  const ratio = plain.length / compressed.length;
  results.push({ candidate: name, ratio: +ratio.toFixed(2), compressMBs: compressMBs && Math.round(compressMBs), decompressMBs: Math.round(decompressMBs) });
  console.log(`${name.padEnd(44)} ratio ${ratio.toFixed(2).padStart(6)}  compress ${compressMBs ? compressMBs.toFixed(0).padStart(6) : '     -'} MB/s  decompress ${decompressMBs.toFixed(0).padStart(6)} MB/s`);
}

const gzip = codecFor(CompressionType.GZIP);
const snappy = codecFor(CompressionType.SNAPPY);
const lz4 = codecFor(CompressionType.LZ4);
const zstd = codecFor(CompressionType.ZSTD);

await run('gzip (node:zlib, async)', gzip.compress, gzip.decompress);
await run('snappy (snappy pkg, xerial framing)', snappy.compress, snappy.decompress);
await run('lz4: sluice codec (lz4-napi, native-first decode)', lz4.compress, lz4.decompress);
await run('lz4: sluice JS frame reader alone', null, decompressLz4Frames, await lz4.compress(plain));
await run('lz4: lz4-napi frame + lz4-napi decompressFrame', lz4Napi.compressFrame, lz4Napi.decompressFrame);
await run('lz4: lz4 pkg (node-lz4) encode/decode', nodeLz4.encode, nodeLz4.decode);
await run('zstd: @mongodb-js/zstd level 3', zstd.compress, zstd.decompress);
await run('zstd: fzstd (JS, decode only)', null, decompressZstdPortable, await zstd.compress(plain));
const zstdNapiPath = process.env['ZSTD_NAPI_PATH'];
if (zstdNapiPath) {
  const zstdNapi = require(zstdNapiPath) as { compress(b: Buffer, p?: object): Buffer; decompress(b: Buffer): Buffer };
  await run('zstd: zstd-napi (sync, compiled at install)', (b) => zstdNapi.compress(b, { compressionLevel: 3 }), zstdNapi.decompress);
}
console.log(JSON.stringify({ bench: 'codecs', payloadBytes: plain.length, results }));
