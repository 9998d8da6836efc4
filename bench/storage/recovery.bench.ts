// How fast an unclean start rescans a log (framing + CRC-32C of every batch, index rebuild)
// versus a clean start (indexes trusted, tail scan only). Prints one JSON line per case.
// Run: npx tsx bench/storage/recovery.bench.ts
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32c } from '../../src/records/crc32c.js';
import { PartitionLog } from '../../src/storage/log.js';
import { NodeFileSystem } from '../../src/storage/node-fs.js';
import { logConfig } from '../../src/storage/types.js';

const TOTAL_BYTES = 64 * 1024 * 1024;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-recovery-bench-'));

function batchWithCrc(size: number): Buffer {
  const batch = Buffer.alloc(size, 1);
  batch.writeInt32BE(size - 12, 8);
  batch.writeInt8(2, 16);
  batch.writeInt16BE(0, 21);
  batch.writeInt32BE(0, 23);
  batch.writeUInt32BE(crc32c(batch, 21), 17);
  return batch;
}

for (const size of [1024, 16 * 1024]) {
  const logDir = path.join(dir, `r-${size}`);
  const config = logConfig({ segmentBytes: 16 * 1024 * 1024 });
  const writer = await PartitionLog.open({ fs: new NodeFileSystem(), dir: logDir, config, cleanShutdown: true });
  const batch = batchWithCrc(size);
  for (let i = 0; i < TOTAL_BYTES / size; i++) await writer.append(Buffer.from(batch), 0);
  await writer.close();
  const figures: Record<string, number> = {};
  for (const clean of [false, true]) {
    const t = process.hrtime.bigint();
    const log = await PartitionLog.open({ fs: new NodeFileSystem(), dir: logDir, config, cleanShutdown: clean, recoveryPoint: 0n });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    figures[clean ? 'cleanOpenMs' : 'uncleanOpenMs'] = Math.round(ms);
    if (!clean) figures.uncleanMBps = Math.round(TOTAL_BYTES / (1024 * 1024) / (ms / 1000));
    await log.close();
  }
  console.log(JSON.stringify({ bench: 'storage-recovery', batchBytes: size, totalBytes: TOTAL_BYTES, ...figures }));
}
fs.rmSync(dir, { recursive: true, force: true });
