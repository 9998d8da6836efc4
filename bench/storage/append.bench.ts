// Sync vs async node:fs for the log's hot path: appending batches of 1 KiB..1 MiB and
// reading them back by position. Prints one JSON line per case (MB/s), so the choice in
// src/storage/types.ts can be checked on any machine. Run: npx tsx bench/storage/append.bench.ts
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from '../../src/storage/node-fs.js';

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

for (const size of SIZES) {
  const sync = syncCase(size);
  const async_ = await asyncCase(size);
  console.log(JSON.stringify({ bench: 'storage-append', batchBytes: size, totalBytes: TOTAL_BYTES,
    syncAppendMBps: sync.append, asyncAppendMBps: async_.append, syncReadMBps: sync.read, asyncReadMBps: async_.read }));
}
fs.rmSync(dir, { recursive: true, force: true });
