// Encode and decode rates of the generated codec on two shapes that dominate a broker's
// traffic: a Produce v9 request carrying 1 MiB of records (opaque bytes at this layer, so
// decode is a zero-copy view and encode one copy), and a Metadata v12 response describing
// 1,000 partitions (10 topics × 100 partitions × 3 replicas), which is all small fields.
// Run: npx tsx bench/codec/codec.bench.ts   (BENCH_SECONDS sets the measuring time per case)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeRequestFrame, encodeRequestFrame } from '../../protocol/frames.js';
import { MetadataResponse } from '../../protocol/generated/message/metadata-response.js';
import { ProduceRequest } from '../../protocol/generated/message/produce-request.js';
import { decode, encode, type MessageCodec } from '../../protocol/runtime/index.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const WARMUP_SECONDS = Math.min(1, SECONDS / 2);

function produceRequest(partitions: number, bytesPerPartition: number): ProduceRequest {
  let fill = 1;
  const records = (): Buffer => Buffer.alloc(bytesPerPartition, fill++ & 0xff);
  return {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30_000,
    topicData: [{ name: 'bench-topic', partitionData: Array.from({ length: partitions }, (_, index) => ({ index, records: records() })) }],
  };
}

function metadataResponse(topics: number, partitionsPerTopic: number, replicas: number): MetadataResponse {
  const brokers = Array.from({ length: replicas * 2 }, (_, i) => ({ nodeId: i, host: `broker-${i}.sluice.internal`, port: 9092, rack: `rack-${i % 3}` }));
  return {
    throttleTimeMs: 0,
    brokers,
    clusterId: 'sluice-bench-cluster-000000',
    controllerId: 0,
    topics: Array.from({ length: topics }, (_, t) => ({
      errorCode: 0,
      name: `topic-${t}`,
      topicId: Buffer.alloc(16, t + 1).toString('base64url'),
      isInternal: false,
      partitions: Array.from({ length: partitionsPerTopic }, (_, p) => {
        const nodes = Array.from({ length: replicas }, (_, r) => (p + r) % brokers.length);
        return { errorCode: 0, partitionIndex: p, leaderId: nodes[0]!, leaderEpoch: 7, replicaNodes: nodes, isrNodes: nodes, offlineReplicas: [] };
      }),
      topicAuthorizedOperations: -2147483648,
    })),
    clusterAuthorizedOperations: -2147483648,
  };
}

interface Result {
  case: string;
  op: 'encode' | 'decode';
  bytes: number;
  opsPerSec: number;
  mbPerSec: number;
  usPerOp: number;
  iterations: number;
}

/** Runs `fn` in batches until `seconds` of wall time have passed; returns ops/s. */
function timed(fn: () => unknown, seconds: number): { opsPerSec: number; iterations: number } {
  let sink = 0;
  let iterations = 0;
  let batch = 1;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < batch; i++) if (fn() === sink) sink++;
    iterations += batch;
    elapsed = process.hrtime.bigint() - start;
    // Grow batches so the clock is read rarely, without overshooting the budget by much.
    if (elapsed < budget / 20n) batch *= 2;
  }
  if (sink === -1) console.log('unreachable');
  return { opsPerSec: iterations / (Number(elapsed) / 1e9), iterations };
}

function bench<T>(name: string, codec: MessageCodec<T>, value: T, version: number, results: Result[]): Buffer {
  const bytes = encode(codec, value, version);
  const cases: [Result['op'], () => unknown][] = [
    ['encode', () => encode(codec, value, version)],
    ['decode', () => decode(codec, bytes, version)],
  ];
  for (const [op, fn] of cases) {
    timed(fn, WARMUP_SECONDS);
    const { opsPerSec, iterations } = timed(fn, SECONDS);
    results.push({ case: name, op, bytes: bytes.length, opsPerSec, mbPerSec: (opsPerSec * bytes.length) / 1e6, usPerOp: 1e6 / opsPerSec, iterations });
  }
  return bytes;
}

const results: Result[] = [];
bench('Produce v9, 1 partition × 1 MiB records', ProduceRequest, produceRequest(1, 1 << 20), 9, results);
bench('Produce v9, 16 partitions × 64 KiB records', ProduceRequest, produceRequest(16, 1 << 16), 9, results);
bench('Metadata v12 response, 10 topics × 100 partitions × 3 replicas', MetadataResponse, metadataResponse(10, 100, 3), 12, results);

// The whole request path of the server: header + body from one frame.
{
  const frame = encodeRequestFrame(0, 9, 1, 'bench', ProduceRequest, produceRequest(1, 1 << 20)).subarray(4);
  const fn = (): unknown => decodeRequestFrame(frame);
  timed(fn, WARMUP_SECONDS);
  const { opsPerSec, iterations } = timed(fn, SECONDS);
  results.push({ case: 'Produce v9 frame (decodeRequestFrame), 1 × 1 MiB', op: 'decode', bytes: frame.length, opsPerSec, mbPerSec: (opsPerSec * frame.length) / 1e6, usPerOp: 1e6 / opsPerSec, iterations });
}

const pad = (s: string, n: number): string => s.padEnd(n);
const num = (x: number, digits = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
console.log(`codec benchmark: node ${process.version}, ${SECONDS} s per case after ${WARMUP_SECONDS} s warm-up`);
console.log(`${pad('case', 66)} ${pad('op', 7)} ${'bytes'.padStart(9)} ${'ops/s'.padStart(11)} ${'MB/s'.padStart(10)} ${'µs/op'.padStart(10)}`);
for (const r of results) {
  console.log(`${pad(r.case, 66)} ${pad(r.op, 7)} ${num(r.bytes).padStart(9)} ${num(r.opsPerSec).padStart(11)} ${num(r.mbPerSec).padStart(10)} ${num(r.usPerOp, 2).padStart(10)}`);
}

const out = resolve(dirname(fileURLToPath(import.meta.url)), '../results/codec.json');
mkdirSync(dirname(out), { recursive: true });
const json = {
  bench: 'protocol-codec',
  node: process.version,
  secondsPerCase: SECONDS,
  date: new Date().toISOString(),
  results: results.map((r) => ({ ...r, opsPerSec: Math.round(r.opsPerSec), mbPerSec: Math.round(r.mbPerSec), usPerOp: +r.usPerOp.toFixed(3) })),
};
writeFileSync(out, JSON.stringify(json, null, 2) + '\n');
console.log(`wrote ${out}`);
