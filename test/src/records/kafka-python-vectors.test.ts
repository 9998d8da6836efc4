import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  BatchHeader,
  buildRecordBatch,
  downConvertRecords,
  readLegacyMessageSet,
  readRecordBatch,
  upConvertMessageSet,
  validateRecords,
  type CompressionId,
} from '../../../src/records/index.js';
import { DEBIAN_PYTHON, PROBES, requireClient } from '../../helpers/real-clients.js';

// Batches and message sets written by kafka-python 2.0.2 (Debian python3-kafka, with
// python3-snappy / python3-lz4 / python3-zstandard) — an independent implementation:
//   DefaultRecordBatchBuilder(magic=2, compression_type=c) for v2_<c>, and
//   LegacyRecordBatchBuilder(magic=m, compression_type=c) for m<m>_<c>,
// each holding (key-0, "value-0"x5, ts 1700000000000, header h=x) and (null, "value-1"x5, ts +7).
// kafka-python frames snappy the xerial way and writes magic 0 lz4 with the pre-KIP-57 checksum.
const VECTORS: Record<string, string> = {
  v2_0:
    '00000000000000000000008e0000000002b8df4ec90000000000010000018bcfe568000000018bcfe56807ffffffffffffffffffffffffffff00000002640000000a6b65792d304676616c75652d3076616c75652d3076616c75652d3076616c75652d3076616c75652d30020268027852000e02014676616c75652d3176616c75652d3176616c75652d3176616c75652d3176616c75652d3100',
  v2_1:
    '0000000000000000000000680000000002a3bc68a00001000000010000018bcfe568000000018bcfe56807ffffffffffffffffffffffffffff000000021f8b0800e161026b02ff4b616060e0ca4eadd435702b4bcc294dd535c04731316530550431f0313142551be2a318000b568f325d000000',
  v2_2:
    '0000000000000000000000720000000002f2ad87370002000000010000018bcfe568000000018bcfe56807ffffffffffffffffffffffffffff0000000282534e415050590000000001000000010000002d5d44640000000a6b65792d304676616c75652d306e070024020268027852000e02010d2e0031092e5607000000',
  v2_3:
    '0000000000000000000000790000000002aaa016510003000000010000018bcfe568000000018bcfe56807ffffffffffffffffffffffffffff0000000204224d1868405d000000000000003131000000ff03640000000a6b65792d304676616c75652d30070009a3020268027852000e02012e0012312e000e07005075652d310000000000',
  v2_4:
    '000000000000000000000065000000000221989ba30004000000010000018bcfe568000000018bcfe56807ffffffffffffffffffffffffffff0000000228b52ffd205d5d0100f8640000000a6b65792d304676616c75652d30020268027852000e0201463100040040011857a9c11353c2',
  m0_0:
    '0000000000000000000000364399d5cc0000000000056b65792d300000002376616c75652d3076616c75652d3076616c75652d3076616c75652d3076616c75652d300000000000000001000000312ba4b7960000ffffffff0000002376616c75652d3176616c75652d3176616c75652d3176616c75652d3176616c75652d31',
  m0_1:
    '00000000000000000000005195aac66b0001ffffffff000000431f8b0800e161026b02ff6360800333e79957cf8059acd9a995ba0640867259624e69aaae013e0aaa9b11880db5976c9fc6c0f01f08109a0df151009479c6ae7f000000',
  m0_2:
    '0000000000000000000000622f1449b00002ffffffff0000005482534e41505059000000000100000001000000407f0000190110364399d5cc050f40056b65792d300000002376616c75652d306e0700053240000001000000312ba4b7960000ffffffff193d0431760544560700',
  m0_3:
    '0000000000000000000000645e4ab6bb0003ffffffff0000005604224d1860401a470000001600010051364399d5cc0f00ff02056b65792d300000002376616c75652d30070009013200f602000001000000312ba4b7960000ffffffff3d0012313d000d0700506c75652d3100000000',
  m1_0:
    '00000000000000000000003e4d9619ee01000000018bcfe56800000000056b65792d300000002376616c75652d3076616c75652d3076616c75652d3076616c75652d3076616c75652d30000000000000000100000039473208fb01000000018bcfe56807ffffffff0000002376616c75652d3176616c75652d3176616c75652d3176616c75652d3176616c75652d31',
  m1_1:
    '000000000000000000000062774f53d001010000000000000000ffffffff0000004c1f8b0800e161026b02ff636080033bdf6992ef18810cc6eef34f334022acd9a995ba0640867259624e69aaae013e0a6a0ac8004b77238edf7093d8ff0301c210437c1400138a8ed08f000000',
  m1_2:
    '0000000000000000000000767e35a26d01020000000000000000ffffffff0000006082534e415050590000000001000000010000004c8f0100001901343e4d9619ee01000000018bcfe568011840056b65792d300000002376616c75652d306e07000131013d1c00000039473208fb0109054a1007ffffffff194500310945560700',
  m1_3:
    '00000000000000000000007eea764de801030000000000000000ffffffff0000006804224d1868408f000000000000001d5100000016000100e03e4d9619ee01000000018bcfe5681800ff02056b65792d300000002376616c75652d30070009003100003d008500000039473208fb4a005607ffffffff4500123145000d0700506c75652d3100000000',
};

const vector = (name: string): Buffer => Buffer.from(VECTORS[name]!, 'hex');
const VALUE_0 = 'value-0'.repeat(5);
const VALUE_1 = 'value-1'.repeat(5);

describe('kafka-python vectors', () => {
  it.each([0, 1, 2, 3, 4])('v2 batch with codec %i validates and reads back', async (codec) => {
    const batch = vector(`v2_${codec}`);
    expect(new BatchHeader(batch).compression).toBe(codec);
    expect(validateRecords(batch, { produceVersion: 9 })).toMatchObject({ ok: true, recordCount: 2, maxTimestamp: 1700000000007n });
    const records = await readRecordBatch(batch);
    expect(records.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString()])).toEqual([
      [0n, 1700000000000n, 'key-0', VALUE_0],
      [1n, 1700000000007n, null, VALUE_1],
    ]);
    expect(records[0]!.headers).toEqual([{ key: 'h', value: Buffer.from('x') }]);
  });

  it.each([
    [0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1], [1, 2], [1, 3],
  ])('magic %i message set with codec %i validates, reads and up-converts', async (magic, codec) => {
    const set = vector(`m${magic}_${codec}`);
    expect(validateRecords(set, { produceVersion: 2 })).toMatchObject({ ok: true, magic });
    const expectedTimestamps = magic === 1 ? [1700000000000n, 1700000000007n] : [-1n, -1n];
    const messages = await readLegacyMessageSet(set);
    // Offsets are left out: a producer's wrapper offset is arbitrary (kafka-python writes 0
    // where Java writes n-1), and the broker assigns offsets anyway.
    expect(messages.map((m) => [m.timestamp, m.key?.toString() ?? null, m.value?.toString()])).toEqual([
      [expectedTimestamps[0], 'key-0', VALUE_0],
      [expectedTimestamps[1], null, VALUE_1],
    ]);
    const batch = await upConvertMessageSet(set);
    expect(new BatchHeader(batch).compression).toBe(codec);
    const records = await readRecordBatch(batch);
    expect(records.map((r) => [r.offset, r.timestamp, r.value?.toString()])).toEqual([
      [0n, expectedTimestamps[0], VALUE_0],
      [1n, expectedTimestamps[1], VALUE_1],
    ]);
  });
});

// The other direction: kafka-python reads what we write. Needs Debian's python3-kafka (and
// python3-snappy / -lz4 / -zstandard): skipped loudly without them locally, a failure in CI.
const PYTHON = DEBIAN_PYTHON;
const hasKafkaPython = requireClient('kafka-python with its codecs', PROBES.kafkaPythonCodecs);

const PYTHON_READER = `
import json, sys
from kafka.record.memory_records import MemoryRecords
out = {}
for name, h in json.load(sys.stdin).items():
    records = MemoryRecords(bytes.fromhex(h))
    rows = []
    while True:
        batch = records.next_batch()
        if batch is None:
            break
        if hasattr(batch, 'validate_crc'):
            assert batch.validate_crc(), name
        for r in batch:
            rows.append([r.offset, r.timestamp, r.key.decode() if r.key is not None else None, r.value.decode()])
    out[name] = rows
print(json.dumps(out))
`;

describe.skipIf(!hasKafkaPython)('kafka-python reads our output', () => {
  it('v2 batches with every codec and down-converted magic 0/1 sets with every legacy codec', async () => {
    const records = [
      { key: Buffer.from('key-0'), value: Buffer.from(VALUE_0), timestamp: 1700000000000n, headers: [{ key: 'h', value: Buffer.from('x') }] },
      { key: null, value: Buffer.from(VALUE_1), timestamp: 1700000000007n },
    ];
    const written: Record<string, string> = {};
    for (const codec of [0, 1, 2, 3, 4] as CompressionId[]) {
      written[`v2_${codec}`] = (await buildRecordBatch(records, { compression: codec, baseOffset: 10n })).toString('hex');
    }
    for (const magic of [0, 1] as const) {
      for (const codec of [0, 1, 2, 3] as CompressionId[]) {
        const batch = await buildRecordBatch(records, { compression: codec, baseOffset: 10n });
        written[`m${magic}_${codec}`] = (await downConvertRecords(batch, magic)).toString('hex');
      }
    }
    const run = spawnSync(PYTHON, ['-c', PYTHON_READER], { input: JSON.stringify(written), encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const read = JSON.parse(run.stdout) as Record<string, unknown[]>;
    for (const name of Object.keys(written)) {
      const timestamps = name.startsWith('m0') ? [null, null] : [1700000000000, 1700000000007];
      expect(read[name], name).toEqual([
        [10, timestamps[0], 'key-0', VALUE_0],
        [11, timestamps[1], null, VALUE_1],
      ]);
    }
  });
});
