// Produce-path throughput on a 1 MiB partition payload: validate (framing + CRC-32C +
// v2 checks) then stamp offsets in place; also LogAppendTime stamping (CRC recompute) and
// the deep inspection compacted topics need. Prints MB/s and operations/s.
// Run: npx tsx bench/records/batch.bench.ts
import { randomBytes } from 'node:crypto';
import {
  assignOffsets,
  buildRecordBatch,
  CompressionType,
  crc32cImplementation,
  inspectRecords,
  stampLogAppendTime,
  validateRecords,
  type CompressionId,
  type RecordToWrite,
} from '../../src/records/index.js';

const PAYLOAD_BYTES = 1024 * 1024;
const VALUE_BYTES = 1000;

async function payload(compression: CompressionId): Promise<Buffer> {
  // Values half random, half repeated text, so compression has something to do.
  const records: RecordToWrite[] = [];
  for (let i = 0; i < PAYLOAD_BYTES / (VALUE_BYTES + 30); i++) {
    const value = Buffer.concat([randomBytes(VALUE_BYTES / 2), Buffer.alloc(VALUE_BYTES / 2, `event-${i % 17};`)]);
    records.push({ key: Buffer.from(`key-${i}`), value, timestamp: 1_700_000_000_000n + BigInt(i) });
  }
  return buildRecordBatch(records, { compression, producerId: 1n, producerEpoch: 0, baseSequence: 0 });
}

async function rate(fn: () => unknown, bytes: number): Promise<{ mbPerSec: number; opsPerSec: number }> {
  await fn();
  let rounds = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < 0.5 || rounds < 3) {
    await fn();
    rounds++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return { mbPerSec: Math.round((rounds * bytes) / elapsed / 1e6), opsPerSec: Math.round(rounds / elapsed) };
}

const results: Array<{ step: string; compression: string; bytes: number; mbPerSec: number; opsPerSec: number }> = [];
for (const [name, compression] of [['none', CompressionType.NONE], ['lz4', CompressionType.LZ4], ['zstd', CompressionType.ZSTD]] as const) {
  const buf = await payload(compression);
  let next = 0n;
  const steps: Array<[string, () => unknown]> = [
    ['validate+assignOffsets', () => {
      buf.writeBigInt64BE(0n, 0); // as a client sends it; the previous round stamped an offset
      const summary = validateRecords(buf, { produceVersion: 9, maxBatchSize: 2 * PAYLOAD_BYTES });
      if (!summary.ok) throw new Error(summary.message);
      next = assignOffsets(buf, next, 3);
    }],
    ['stampLogAppendTime', () => stampLogAppendTime(buf, 1_700_000_000_000n)],
    ['inspectRecords (keys)', () => inspectRecords(buf)],
  ];
  for (const [step, fn] of steps) {
    const r = await rate(fn, buf.length);
    results.push({ step, compression: name, bytes: buf.length, ...r });
    console.log(`${step.padEnd(24)} ${name.padEnd(5)} ${String(buf.length).padStart(8)} B  ${String(r.mbPerSec).padStart(6)} MB/s  ${String(r.opsPerSec).padStart(6)} ops/s`);
  }
}
console.log(JSON.stringify({ bench: 'records-batch', crc32c: crc32cImplementation, results }));
