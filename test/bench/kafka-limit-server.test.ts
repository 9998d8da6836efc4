// The Kafka-speaking limit server (bench/limit/kafka-limit-server.ts) sets the ratio of the
// client rows of `npm run bench`: if it answered wrongly, a client could skip work against it
// and the limit would be meaningless. A real client (kafkajs) must produce through it, and a
// fetcher must get back exactly the batches of the segment file it serves.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeResponseFrame, encodeRequestFrame } from '../../protocol/frames.js';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { FetchRequest, FetchResponse, ListOffsetsRequest, ListOffsetsResponse, MetadataRequest, MetadataResponse, createFetchRequest } from '../../protocol/generated/index.js';
import { buildRecordBatch } from '../../src/records/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function startLimit(args: string[]): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/limit/kafka-limit-server.ts'), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((res, rej) => {
    const onData = (d: Buffer): void => {
      out += d.toString();
      const match = /listening on [^\s]*:(\d+)/.exec(out);
      if (match) res(Number(match[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => rej(new Error(`limit server exited with ${code}: ${out}`)));
  });
}

/** Batches of a log file: [baseOffset, record count] each, read from their headers. */
function batchesOf(bytes: Buffer): Array<[bigint, number]> {
  const batches: Array<[bigint, number]> = [];
  for (let at = 0; at + 61 <= bytes.length; ) {
    const size = 12 + bytes.readInt32BE(at + 8);
    batches.push([bytes.readBigInt64BE(at), bytes.readInt32BE(at + 57)]);
    at += size;
  }
  return batches;
}

/** One request at a time over a plain socket, with the project's codec. */
async function client(port: number): Promise<{ call<T>(apiKey: number, version: number, codec: { name: string }, body: unknown, responseCodec: unknown): Promise<T>; close(): void }> {
  const socket: Socket = connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  let pending = Buffer.alloc(0);
  let correlationId = 0;
  return {
    call<T>(apiKey: number, version: number, codec: { name: string }, body: unknown, responseCodec: unknown): Promise<T> {
      const id = ++correlationId;
      socket.write(encodeRequestFrame(apiKey, version, id, 'limit-test', codec as never, body as never));
      return new Promise((res) => {
        const onData = (chunk: Buffer): void => {
          pending = Buffer.concat([pending, chunk]);
          if (pending.length < 4 || pending.length < 4 + pending.readInt32BE(0)) return;
          const size = pending.readInt32BE(0);
          const frame = pending.subarray(4, 4 + size);
          pending = pending.subarray(4 + size);
          socket.off('data', onData);
          const decoded = decodeResponseFrame(frame, apiKey, version, responseCodec as never);
          expect(decoded.correlationId).toBe(id);
          res(decoded.body as T);
        };
        socket.on('data', onData);
      });
    },
    close: () => socket.destroy(),
  };
}

describe('the Kafka-speaking limit server', () => {
  it('takes a real client\'s Produce requests into its file, each partition of a "-p<N>" topic acknowledged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'limit-'));
    dirs.push(dir);
    const file = join(dir, 'append.bin');
    const port = await startLimit(['produce', file]);
    const kafka = new Kafka({ clientId: 'limit-test', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const answers = await producer.send({ topic: 'limit-p3', acks: 1, messages: Array.from({ length: 90 }, (_, i) => ({ partition: i % 3, value: `record-${i}` })) });
    await producer.disconnect();
    expect(answers.map((a) => a.partition).sort()).toEqual([0, 1, 2]);
    expect(answers.every((a) => a.errorCode === 0)).toBe(true);
    // One batch per partition, 30 records each, appended as the client sent them.
    const batches = batchesOf(readFileSync(file));
    expect(batches.map(([, count]) => count)).toEqual([30, 30, 30]);
  });

  it('serves a segment file by fetch offset: whole batches within the max bytes, the batch holding the offset, nothing past the end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'limit-'));
    dirs.push(dir);
    const file = join(dir, '00000000000000000000.log');
    const batches: Buffer[] = [];
    for (let b = 0; b < 5; b++) batches.push(await buildRecordBatch(Array.from({ length: 10 }, (_, i) => ({ value: Buffer.alloc(100, b * 10 + i) })), { baseOffset: BigInt(b * 10) }));
    writeFileSync(file, Buffer.concat(batches));
    const port = await startLimit(['fetch', file]);
    const kafka = await client(port);
    try {
      const metadata = await kafka.call<MetadataResponse>(ApiKey.Metadata, 12, MetadataRequest, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'any' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }, MetadataResponse);
      expect(metadata.topics[0]!.partitions.map((p) => [p.partitionIndex, p.leaderId])).toEqual([[0, 0]]);
      const offsets = await kafka.call<ListOffsetsResponse>(ApiKey.ListOffsets, 7, ListOffsetsRequest, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'any', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }] }, ListOffsetsResponse);
      expect(offsets.topics[0]!.partitions[0]!.offset).toBe(50n);
      for (const version of [4, 11, 12]) {
        const fetch = (offset: bigint, maxBytes: number): Promise<FetchResponse> =>
          kafka.call<FetchResponse>(ApiKey.Fetch, version, FetchRequest, createFetchRequest({ replicaId: -1, maxWaitMs: 50, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, topics: [{ topic: 'any', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: maxBytes, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }] }), FetchResponse);
        const all = (await fetch(0n, 1 << 20)).responses[0]!.partitions[0]!;
        expect(all.highWatermark).toBe(50n);
        expect(Buffer.from(all.records!).equals(Buffer.concat(batches))).toBe(true);
        // Offset 25 is inside the third batch; room for two batches only.
        const middle = (await fetch(25n, batches[2]!.length + batches[3]!.length + 10)).responses[0]!.partitions[0]!;
        expect(Buffer.from(middle.records!).equals(Buffer.concat([batches[2]!, batches[3]!]))).toBe(true);
        // Less room than one batch still gets that batch, as Kafka answers (KIP-74).
        const one = (await fetch(40n, 10)).responses[0]!.partitions[0]!;
        expect(Buffer.from(one.records!).equals(batches[4]!)).toBe(true);
        const end = (await fetch(50n, 1 << 20)).responses[0]!.partitions[0]!;
        expect(end.records?.length ?? 0).toBe(0);
      }
    } finally {
      kafka.close();
    }
  });
});
