import { describe, expect, it } from 'vitest';
import { BatchHeader, MAX_TIMESTAMP_OFFSET } from '../../../src/records/batch-header.js';
import { buildRecordBatch, readRecordBatch, writeBatchCrc } from '../../../src/records/record-batch.js';
import { repairMaxTimestamps, validateRecords } from '../../../src/records/validate.js';

/** A batch as sarama sends it: records with timestamps, but maxTimestamp left at 0. */
async function batchWithUnsetMax(compression: 0 | 1): Promise<Buffer> {
  const buf = await buildRecordBatch(
    [1_700_000_000_300n, 1_700_000_000_100n, 1_700_000_000_900n, 1_700_000_000_500n].map((timestamp, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from('v'), timestamp })),
    { compression },
  );
  buf.writeBigInt64BE(0n, MAX_TIMESTAMP_OFFSET);
  writeBatchCrc(buf, 0);
  return buf;
}

describe('repairMaxTimestamps', () => {
  it.each([0, 1] as const)('recomputes an unset maxTimestamp from the records (compression %i) and keeps the CRC valid', async (compression) => {
    const buf = await batchWithUnsetMax(compression);
    expect(await repairMaxTimestamps(buf)).toBe(1);
    expect(new BatchHeader(buf).maxTimestamp).toBe(1_700_000_000_900n);
    expect(validateRecords(buf).ok).toBe(true);
    expect((await readRecordBatch(buf)).map((r) => r.key?.toString())).toEqual(['k0', 'k1', 'k2', 'k3']);
  });

  it('leaves a correct batch untouched', async () => {
    const buf = await buildRecordBatch([{ key: null, value: Buffer.from('x'), timestamp: 5n }, { value: Buffer.from('y'), timestamp: 9n }]);
    const before = Buffer.from(buf);
    expect(await repairMaxTimestamps(buf)).toBe(0);
    expect(buf.equals(before)).toBe(true);
  });
});
