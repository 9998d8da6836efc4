// Sync vs async node:fs for the log's hot path: appending batches of 1 KiB..1 MiB and
// reading them back by position. Prints one JSON line per case (MB/s), so the choice in
// src/storage/types.ts can be checked on any machine. Run: npx tsx bench/storage/append.bench.ts
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PartitionLog } from '../../src/storage/log.js';
import { NodeFileSystem } from '../../src/storage/node-fs.js';
import { logConfig } from '../../src/storage/types.js';

const TOTAL_BYTES = 32 * 1024 * 1024;
const SIZES = [1024, 16 * 1024, 256 * 1024, 1024 * 1024];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-append-bench-'));

function mbPerSecond(bytes: number, startNs: bigint): number {
  const seconds = Number(process.hrtime.bigint() - startNs) / 1e9;
  return Math.round((bytes / (1024 * 1024) / seconds) * 10) / 10;
}

function syncCase(size: number): { append: number; read: number } {
  const file = path.join(dir, `sync-${size}.log`);
  const handle = new NodeFileSystem().open(file, true);
  const batch = Buffer.alloc(size, 7);
  const count = TOTAL_BYTES / size;
  let t = process.hrtime.bigint();
  for (let i = 0; i < count; i++) handle.append(batch);
  const append = mbPerSecond(TOTAL_BYTES, t);
  t = process.hrtime.bigint();
  for (let i = 0; i < count; i++) handle.read(i * size, size);
  const read = mbPerSecond(TOTAL_BYTES, t);
  handle.close();
  fs.rmSync(file);
  return { append, read };
}

async function asyncCase(size: number): Promise<{ append: number; read: number }> {
  const file = path.join(dir, `async-${size}.log`);
  const handle = await fs.promises.open(file, 'w+');
  const batch = Buffer.alloc(size, 7);
  const count = TOTAL_BYTES / size;
  let t = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await handle.write(batch, 0, size, i * size);
  const append = mbPerSecond(TOTAL_BYTES, t);
  t = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await handle.read(Buffer.allocUnsafe(size), 0, size, i * size);
  const read = mbPerSecond(TOTAL_BYTES, t);
  await handle.close();
  fs.rmSync(file);
  return { append, read };
}

/** A stamped-looking v2 batch of `size` bytes: one record whose value fills the rest. */
function fakeBatch(size: number): Buffer {
  const batch = Buffer.alloc(size);
  batch.writeInt32BE(size - 12, 8);
  batch.writeInt8(2, 16);
  batch.writeInt32BE(0, 23);
  batch.writeBigInt64BE(BigInt(Date.now()), 35);
  return batch;
}

/** The whole PartitionLog path on real files: stamping, indexing, segment rolls, index-driven reads. */
async function logCase(size: number): Promise<{ append: number; read: number }> {
  const fs = new NodeFileSystem();
  const log = await PartitionLog.open({ fs, dir: path.join(dir, `log-${size}`), config: logConfig({ segmentBytes: 8 * 1024 * 1024 }), cleanShutdown: true });
  const count = TOTAL_BYTES / size;
  const batches = Array.from({ length: 64 }, () => fakeBatch(size));
  let t = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await log.append(batches[i % 64]!, 0);
  const append = mbPerSecond(TOTAL_BYTES, t);
  t = process.hrtime.bigint();
  let bytes = 0;
  for (let offset = 0n; offset < log.logEndOffset; ) {
    const { records } = log.read(offset, { maxBytes: 1024 * 1024 });
    bytes += records.length;
    offset += BigInt(records.length / size);
  }
  const read = mbPerSecond(bytes, t);
  await log.close();
  return { append, read };
}

for (const size of SIZES) {
  const log = await logCase(size);
  console.log(JSON.stringify({ bench: 'storage-partition-log', batchBytes: size, totalBytes: TOTAL_BYTES, appendMBps: log.append, fetch1MiBMBps: log.read }));
}

for (const size of SIZES) {
  const sync = syncCase(size);
  const async_ = await asyncCase(size);
  console.log(JSON.stringify({ bench: 'storage-append', batchBytes: size, totalBytes: TOTAL_BYTES,
    syncAppendMBps: sync.append, asyncAppendMBps: async_.append, syncReadMBps: sync.read, asyncReadMBps: async_.read }));
}
fs.rmSync(dir, { recursive: true, force: true });
