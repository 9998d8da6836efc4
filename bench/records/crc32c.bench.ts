// Compares CRC-32C implementations on 1 KiB and 1 MiB buffers and prints MB/s.
// Run: npx tsx bench/records/crc32c.bench.ts
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { crc32c } from '../../src/records/crc32c.js';

const require = createRequire(import.meta.url);
const nodeRs = require('@node-rs/crc32') as { crc32c(b: Uint8Array): number };
const sheetjs = require('crc-32/crc32c') as { buf(b: Uint8Array): number };

// The repository's first implementation, kept here only as a benchmark candidate.
const TABLES: Uint32Array[] = [];
{
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t0[n] = c >>> 0;
  }
  TABLES.push(t0);
  for (let t = 1; t < 8; t++) {
    const prev = TABLES[t - 1]!;
    const cur = new Uint32Array(256);
    for (let n = 0; n < 256; n++) cur[n] = (prev[n]! >>> 8) ^ t0[prev[n]! & 0xff]!;
    TABLES.push(cur);
  }
}
function slicingBy8(data: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [
    Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array,
  ];
  let crc = 0xffffffff;
  let i = 0;
  const end = data.length;
  while (end - i >= 8) {
    const a = crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    crc =
      t7[a & 0xff]! ^ t6[(a >>> 8) & 0xff]! ^ t5[(a >>> 16) & 0xff]! ^ t4[a >>> 24]! ^
      t3[data[i + 4]!]! ^ t2[data[i + 5]!]! ^ t1[data[i + 6]!]! ^ t0[data[i + 7]!]!;
    i += 8;
  }
  while (i < end) crc = t0[(crc ^ data[i++]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const candidates: Record<string, (b: Buffer) => number> = {
  'js slicing-by-8 (initial lead code)': slicingBy8,
  '@node-rs/crc32 crc32c (native)': (b) => nodeRs.crc32c(b) >>> 0,
  'crc-32/crc32c (sheetjs, JS)': (b) => sheetjs.buf(b) >>> 0,
  'crc32c() as exported (dispatch)': (b) => crc32c(b),
};

function measure(fn: (b: Buffer) => number, buf: Buffer, budgetBytes: number): number {
  for (let i = 0; i < 3; i++) fn(buf); // warm up
  const rounds = Math.max(1, Math.floor(budgetBytes / buf.length));
  const start = process.hrtime.bigint();
  let sink = 0;
  for (let i = 0; i < rounds; i++) sink ^= fn(buf);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (sink === 0.5) console.log('unreachable');
  return (rounds * buf.length) / seconds / 1e6;
}

const results: Array<{ impl: string; size: string; mbPerSec: number }> = [];
for (const [size, bytes] of [['64 B', 64], ['256 B', 256], ['1 KiB', 1024], ['1 MiB', 1024 * 1024]] as const) {
  const buf = randomBytes(bytes);
  const expected = slicingBy8(buf);
  for (const [name, fn] of Object.entries(candidates)) {
    if (fn(buf) !== expected) throw new Error(`${name} disagrees on ${size}`);
    const mbPerSec = measure(fn, buf, 64 * 1024 * 1024);
    results.push({ impl: name, size, mbPerSec: Math.round(mbPerSec) });
    console.log(`${size.padEnd(6)} ${name.padEnd(34)} ${mbPerSec.toFixed(0).padStart(7)} MB/s`);
  }
}
console.log(JSON.stringify({ bench: 'crc32c', results }));
