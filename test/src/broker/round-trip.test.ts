// Issue 3, acceptance 1: real clients round-trip records through a real `sluice start`
// process over 8 partitions with every codec librdkafka has, and each key, value, header,
// timestamp and offset comes back exactly. ROUNDTRIP_RECORDS sets the total (default 1,000,000).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { startBrokerProcess, tempDataDir, type BrokerProcess } from '../../helpers/broker-process.js';
import { PROBES, requireClient } from '../../helpers/real-clients.js';

const TOTAL = Number(process.env.ROUNDTRIP_RECORDS ?? 1_000_000);
const PARTITIONS = 8;
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const KAFKAJS_SHARE = Math.floor(TOTAL / 5);
const PER_CODEC = Math.floor((TOTAL - KAFKAJS_SHARE) / CODECS.length);
const TOPIC = 'roundtrip';
// Skipped loudly without kcat locally; in CI a missing kcat fails the file.
const hasKcat = requireClient('kcat', PROBES.kcat);

interface Expected {
  value: string;
  headers: string;
  /** Exact timestamp, or a [min, max] window for client-stamped CreateTime. */
  timestamp: bigint | [bigint, bigint];
  partition?: number;
}

function valueFor(source: string, i: number): string {
  return `${source}-value-${i}-${'abcdefghij'.repeat(i % 7)}`;
}

describe.skipIf(!hasKcat)('round trip through a real broker process (kcat + kafkajs)', () => {
  let broker: BrokerProcess;
  const expected = new Map<string, Expected>();

  beforeAll(async () => {
    broker = await startBrokerProcess({ dataDir: tempDataDir() });
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it(`produces ${TOTAL} records and reads every one back`, { timeout: 600_000 }, async () => {
    const kafka = new kafkajs.Kafka({ brokers: [broker.bootstrapServers], logLevel: kafkajs.logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
    await admin.disconnect();

    // librdkafka producer, once per codec, keys partitioned by its own partitioner.
    const dir = tempDataDir('sluice-kcat-');
    for (const codec of CODECS) {
      const lines: string[] = [];
      for (let i = 0; i < PER_CODEC; i++) {
        const key = `kcat-${codec}-${i}`;
        lines.push(`${key}\t${valueFor(codec, i)}`);
      }
      const file = join(dir, `${codec}.txt`);
      writeFileSync(file, lines.join('\n') + '\n');
      const before = BigInt(Date.now());
      execFileSync('kcat', ['-b', broker.bootstrapServers, '-P', '-t', TOPIC, '-K', '\t', '-z', codec, '-H', 'source=kcat', '-H', `codec=${codec}`,
        '-X', 'linger.ms=20', '-X', 'batch.num.messages=10000', '-l', file], { stdio: 'pipe', timeout: 300_000 });
      const after = BigInt(Date.now());
      for (let i = 0; i < PER_CODEC; i++) {
        expected.set(`kcat-${codec}-${i}`, { value: valueFor(codec, i), headers: `source=kcat,codec=${codec}`, timestamp: [before, after] });
      }
    }

    // kafkajs producer: explicit partitions and timestamps.
    const producer = kafka.producer();
    await producer.connect();
    const base = 1_700_000_000_000;
    for (let start = 0; start < KAFKAJS_SHARE; start += 10_000) {
      const messages = [];
      for (let i = start; i < Math.min(start + 10_000, KAFKAJS_SHARE); i++) {
        const key = `kafkajs-${i}`;
        messages.push({ key, value: valueFor('kafkajs', i), partition: i % PARTITIONS, timestamp: String(base + i), headers: { source: 'kafkajs', idx: String(i) } });
        expected.set(key, { value: valueFor('kafkajs', i), headers: `source=kafkajs,idx=${i}`, timestamp: BigInt(base + i), partition: i % PARTITIONS });
      }
      await producer.send({ topic: TOPIC, messages });
    }
    await producer.disconnect();

    // librdkafka consumer with manual assignment, one partition at a time.
    let seen = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      const out = execFileSync('kcat', ['-b', broker.bootstrapServers, '-C', '-t', TOPIC, '-p', String(p), '-o', 'beginning', '-e', '-q',
        '-f', '%k\t%s\t%T\t%h\t%o\n'], { maxBuffer: 1 << 30, timeout: 300_000 }).toString();
      let nextOffset = 0n;
      for (const line of out.split('\n')) {
        if (line === '') continue;
        const [key, value, timestamp, headers, offset] = line.split('\t') as [string, string, string, string, string];
        const want = expected.get(key);
        if (want === undefined) throw new Error(`unexpected or duplicate key ${key} on partition ${p}`);
        expected.delete(key);
        expect(BigInt(offset)).toBe(nextOffset);
        nextOffset++;
        expect(value).toBe(want.value);
        expect(headers).toBe(want.headers);
        if (want.partition !== undefined) expect(p).toBe(want.partition);
        const ts = BigInt(timestamp);
        if (typeof want.timestamp === 'bigint') expect(ts).toBe(want.timestamp);
        else expect(ts >= want.timestamp[0] && ts <= want.timestamp[1]).toBe(true);
        seen++;
      }
    }
    expect(expected.size).toBe(0);
    expect(seen).toBe(PER_CODEC * CODECS.length + KAFKAJS_SHARE);
    console.log(`round trip: ${seen} records over ${PARTITIONS} partitions verified (kcat ${CODECS.join('/')} + kafkajs)`);
  });
});
