// The limit for the rows driven by an unmodified Kafka client (the librdkafka generator): the least
// a server must do for that client to produce into a file or consume a file. On this machine the
// client shares the two cores with the server, so a bare frame sender against the bare server of
// limit-server.ts measures a different workload (no client work at all); this server lets the same
// client, with the same settings, run against a server that does nothing Sluice could skip.
//
//   tsx bench/limit/kafka-limit-server.ts produce <file>         Produce requests: each partition's
//       record batches appended to <file> with one write, answered with a counter for the base
//       offset. No validation, no index, no offsets. Topic `<name>-p<N>` has N partitions
//       (any other name has 1), all led by this server.
//   tsx bench/limit/kafka-limit-server.ts fetch <file> [<file>…]  one partition (any topic name)
//       whose log is these segment files: Fetch answers the whole batches from the fetch offset up
//       to the partition's max bytes with one pread, referenced (not copied) into the response.
//
// Both answer ApiVersions, Metadata, FindCoordinator and ListOffsets (librdkafka asks for them),
// over the same version ranges as Sluice, through the project's generated codec: the control
// plane is not what is measured. Prints `limit: listening on 127.0.0.1:<port>`; stops on SIGTERM
// or when its parent closes stdin.
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { readIntoReusedBuffer } from '../../src/server/reused-read-buffer.js';
import { listenUntilStopped } from './listen.js';
import { decodeRequestFrame, encodeResponseFrame, encodeResponseFrameChunks } from '../../protocol/frames.js';
import { ApiKey, API_BY_KEY } from '../../protocol/generated/api-keys.js';
import {
  ApiVersionsResponse,
  FetchResponse,
  FindCoordinatorResponse,
  ListOffsetsResponse,
  MetadataResponse,
  ProduceResponse,
  createApiVersionsResponse,
  createFetchResponse,
  createFetchResponseFetchableTopicResponse,
  createFetchResponsePartitionData,
  createFindCoordinatorResponse,
  createFindCoordinatorResponseCoordinator,
  createListOffsetsResponse,
  createListOffsetsResponseListOffsetsPartitionResponse,
  createListOffsetsResponseListOffsetsTopicResponse,
  createMetadataResponse,
  createMetadataResponseMetadataResponseBroker,
  createMetadataResponseMetadataResponsePartition,
  createMetadataResponseMetadataResponseTopic,
  createProduceResponse,
  createProduceResponsePartitionProduceResponse,
  createProduceResponseTopicProduceResponse,
  type FetchRequest,
  type FindCoordinatorRequest,
  type ListOffsetsRequest,
  type MetadataRequest,
  type ProduceRequest,
} from '../../protocol/generated/index.js';

const [mode, ...files] = process.argv.slice(2);
if ((mode !== 'produce' && mode !== 'fetch') || files.length === 0) {
  process.stderr.write('usage: kafka-limit-server.ts produce <file> | fetch <file>...\n');
  process.exit(2);
}

const SERVED = [ApiKey.Produce, ApiKey.Fetch, ApiKey.ListOffsets, ApiKey.Metadata, ApiKey.FindCoordinator, ApiKey.ApiVersions];
const TOPIC_ID = 'c2x1aWNlLWxpbWl0LXRvcA'; // any fixed non-zero id: one topic id for every topic name is enough here
let port = 0;

// ---------- produce: append each partition's batches ----------

const appendFd = mode === 'produce' ? openSync(files[0]!, 'a') : -1;
const nextOffset = new Map<string, bigint>();

function produce(body: ProduceRequest): ProduceResponse | null {
  const response = createProduceResponse();
  for (const topic of body.topicData) {
    const answered = createProduceResponseTopicProduceResponse({ name: topic.name });
    for (const partition of topic.partitionData) {
      const records = partition.records;
      let baseOffset = 0n;
      if (records && records.length > 0) {
        writeSync(appendFd, records);
        const key = `${topic.name}/${partition.index}`;
        baseOffset = nextOffset.get(key) ?? 0n;
        // The record count of the batch (int32 at byte 57) keeps offsets plausible for the client.
        nextOffset.set(key, baseOffset + BigInt(records.length >= 61 ? records.readInt32BE(57) : 1));
      }
      answered.partitionResponses.push(createProduceResponsePartitionProduceResponse({ index: partition.index, baseOffset, logAppendTimeMs: -1n, logStartOffset: 0n }));
    }
    response.responses.push(answered);
  }
  return body.acks === 0 ? null : response;
}

// ---------- fetch: whole batches from the segment files ----------

interface BatchSpan {
  fd: number;
  position: number;
  bytes: number;
  baseOffset: bigint;
  lastOffset: bigint;
}
const batches: BatchSpan[] = [];
if (mode === 'fetch') {
  const header = Buffer.alloc(27);
  for (const file of files) {
    const fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    for (let position = 0; position + 27 <= size; ) {
      readSync(fd, header, 0, 27, position);
      const bytes = 12 + header.readInt32BE(8);
      if (bytes < 61 || position + bytes > size) break;
      const baseOffset = header.readBigInt64BE(0);
      batches.push({ fd, position, bytes, baseOffset, lastOffset: baseOffset + BigInt(header.readInt32BE(23)) });
      position += bytes;
    }
  }
}
const logEndOffset = batches.length > 0 ? batches.at(-1)!.lastOffset + 1n : 0n;
const logStartOffset = batches[0]?.baseOffset ?? 0n;

/** Index of the batch holding `offset`, or -1 past the end. */
function batchAt(offset: bigint): number {
  let low = 0;
  let high = batches.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const batch = batches[middle]!;
    if (batch.lastOffset < offset) low = middle + 1;
    else if (batch.baseOffset > offset && middle > 0) high = middle - 1;
    else return middle;
  }
  return -1;
}

// Read buffers are reused once the socket has written them (as Sluice's fetch path reuses its
// own): a fresh megabyte per Fetch made GC a large share of this server's time.
const spareReadBuffers: Buffer[] = [];
const READ_BUFFER_BYTES = 1 << 20;

/** Whole batches from `offset`, at least one, at most `maxBytes` otherwise, from one file. */
function readFrom(offset: bigint, maxBytes: number, used: Buffer[]): Buffer | null {
  const first = batchAt(offset);
  if (first < 0) return null;
  const start = batches[first]!;
  let bytes = start.bytes;
  for (let i = first + 1; i < batches.length; i++) {
    const next = batches[i]!;
    if (next.fd !== start.fd || bytes + next.bytes > maxBytes) break;
    bytes += next.bytes;
  }
  const spare = spareReadBuffers.pop();
  const backing = spare && spare.length >= bytes ? spare : Buffer.allocUnsafeSlow(Math.max(bytes, READ_BUFFER_BYTES));
  used.push(backing);
  const data = backing.subarray(0, bytes);
  readSync(start.fd, data, 0, bytes, start.position);
  return data;
}

/** Records fields of this size or more are referenced by the response frame, not copied into it. */
const SPLICE_FROM = 16 << 10;

interface FetchAnswer {
  response: FetchResponse;
  /** Bytes of the records fields that are referenced (SPLICE_FROM or more each). */
  spliced: number;
  /** Read buffers to reuse once the response is written. */
  used: Buffer[];
}

/** The Fetch answer, or null when there is nothing to send yet (the caller waits maxWaitMs). */
function fetch(body: FetchRequest): FetchAnswer | null {
  const response = createFetchResponse();
  const used: Buffer[] = [];
  let bytes = 0;
  let spliced = 0;
  for (const topic of body.topics) {
    const answered = createFetchResponseFetchableTopicResponse({ topic: topic.topic, topicId: topic.topicId });
    for (const partition of topic.partitions) {
      const records = readFrom(partition.fetchOffset, Math.min(partition.partitionMaxBytes, body.maxBytes), used);
      bytes += records?.length ?? 0;
      if (records && records.length >= SPLICE_FROM) spliced += records.length;
      answered.partitions.push(
        createFetchResponsePartitionData({ partitionIndex: partition.partition, highWatermark: logEndOffset, lastStableOffset: logEndOffset, logStartOffset, abortedTransactions: null, records: records ?? Buffer.alloc(0) }),
      );
    }
    response.responses.push(answered);
  }
  return bytes > 0 ? { response, spliced, used } : null;
}

// ---------- the control plane librdkafka asks for ----------

function partitionsOf(topic: string): number {
  if (mode === 'fetch') return 1;
  const match = /-p(\d+)$/.exec(topic);
  return match ? Number(match[1]) : 1;
}

function metadata(body: MetadataRequest): MetadataResponse {
  return createMetadataResponse({
    brokers: [createMetadataResponseMetadataResponseBroker({ nodeId: 0, host: '127.0.0.1', port })],
    clusterId: 'limit',
    controllerId: 0,
    topics: (body.topics ?? []).map((requested) =>
      createMetadataResponseMetadataResponseTopic({
        name: requested.name,
        topicId: TOPIC_ID,
        partitions: Array.from({ length: partitionsOf(requested.name ?? '') }, (_, partitionIndex) =>
          createMetadataResponseMetadataResponsePartition({ partitionIndex, leaderId: 0, leaderEpoch: 0, replicaNodes: [0], isrNodes: [0] }),
        ),
      }),
    ),
  });
}

function listOffsets(body: ListOffsetsRequest, version: number): ListOffsetsResponse {
  return createListOffsetsResponse({
    topics: body.topics.map((topic) =>
      createListOffsetsResponseListOffsetsTopicResponse({
        name: topic.name,
        partitions: topic.partitions.map((partition) => {
          const offset = partition.timestamp === -2n ? logStartOffset : logEndOffset;
          // Version 0 answers in a list of offsets; later versions in one offset with its timestamp.
          return createListOffsetsResponseListOffsetsPartitionResponse(
            version === 0 ? { partitionIndex: partition.partitionIndex, oldStyleOffsets: [offset] } : { partitionIndex: partition.partitionIndex, timestamp: -1n, offset, leaderEpoch: version >= 4 ? 0 : -1 },
          );
        }),
      }),
    ),
  });
}

function findCoordinator(body: FindCoordinatorRequest, version: number): FindCoordinatorResponse {
  // Versions before 4 name one coordinator in the body; later ones a list, one per key.
  if (version < 4) return createFindCoordinatorResponse({ nodeId: 0, host: '127.0.0.1', port });
  return createFindCoordinatorResponse({ coordinators: body.coordinatorKeys.map((key) => createFindCoordinatorResponseCoordinator({ key, nodeId: 0, host: '127.0.0.1', port })) });
}

function apiVersions(): ApiVersionsResponse {
  return createApiVersionsResponse({
    apiKeys: SERVED.map((apiKey) => {
      const api = API_BY_KEY.get(apiKey)!;
      return { apiKey, minVersion: api.lowestVersion, maxVersion: api.highestVersion };
    }),
  });
}

// ---------- connections ----------

// Reads land in one reused buffer (src/server/reused-read-buffer.ts, as in Sluice and the bare
// append server); a frame that spans reads is assembled in one reused buffer per connection, and
// one that fits in a read is decoded where it lies. Nothing decoded outlives the call.
function serve(paused: Socket): void {
  let frame = Buffer.allocUnsafeSlow(1 << 20);
  const header = Buffer.alloc(4);
  let headerBytes = 0;
  let frameSize = -1; // -1: reading a length prefix
  let frameBytes = 0;
  const answer = (request: Buffer): void => {
    const decoded = decodeRequestFrame(request);
    if (!decoded.ok) {
      process.stderr.write(`limit: unsupported request ${decoded.undecodable.apiKey} v${decoded.undecodable.apiVersion}; closing\n`);
      socket.destroy();
      return;
    }
    const { apiKey, apiVersion, correlationId, body, api } = decoded.request;
    const reply = <T>(response: T): void => void socket.write(encodeResponseFrame(apiKey, apiVersion, correlationId, api.response, response));
    switch (apiKey) {
      case ApiKey.Produce: {
        const response = produce(body as ProduceRequest);
        if (response) reply(response);
        return;
      }
      case ApiKey.Fetch: {
        const fetchRequest = body as FetchRequest;
        // One writev for the frame; its read buffers go back to the pool once written.
        const send = (ready: FetchAnswer): void => {
          const chunks = encodeResponseFrameChunks(apiKey, apiVersion, correlationId, FetchResponse, ready.response, SPLICE_FROM, ready.spliced);
          socket.cork();
          chunks.forEach((chunk, i) => socket.write(chunk, i === chunks.length - 1 ? () => spareReadBuffers.push(...ready.used) : undefined));
          socket.uncork();
        };
        const ready = fetch(fetchRequest);
        if (ready) send(ready);
        // Past the end: the client's long poll, answered empty when it expires (as a broker does).
        else setTimeout(() => socket.destroyed || send({ response: emptyFetch(fetchRequest), spliced: 0, used: [] }), fetchRequest.maxWaitMs);
        return;
      }
      case ApiKey.Metadata:
        return reply(metadata(body as MetadataRequest));
      case ApiKey.ListOffsets:
        return reply(listOffsets(body as ListOffsetsRequest, apiVersion));
      case ApiKey.FindCoordinator:
        return reply(findCoordinator(body as FindCoordinatorRequest, apiVersion));
      case ApiKey.ApiVersions:
        return reply(apiVersions());
      default:
        process.stderr.write(`limit: request ${apiKey} v${apiVersion} is not served; closing\n`);
        socket.destroy();
    }
  };
  const socket = readIntoReusedBuffer(paused, (chunk) => {
    try {
      let at = 0;
      while (at < chunk.length && !socket.destroyed) {
        if (frameSize < 0) {
          const take = Math.min(4 - headerBytes, chunk.length - at);
          chunk.copy(header, headerBytes, at, at + take);
          headerBytes += take;
          at += take;
          if (headerBytes < 4) return;
          headerBytes = 0;
          frameSize = header.readInt32BE(0);
          frameBytes = 0;
          if (frameSize > frame.length) frame = Buffer.allocUnsafeSlow(frameSize);
          if (chunk.length - at >= frameSize) {
            // The whole frame is in this read: decode it in place.
            const whole = chunk.subarray(at, at + frameSize);
            at += frameSize;
            frameSize = -1;
            answer(whole);
          }
          continue;
        }
        const take = Math.min(frameSize - frameBytes, chunk.length - at);
        chunk.copy(frame, frameBytes, at, at + take);
        frameBytes += take;
        at += take;
        if (frameBytes === frameSize) {
          const whole = frame.subarray(0, frameSize);
          frameSize = -1;
          answer(whole);
        }
      }
    } catch (error) {
      process.stderr.write(`limit: ${(error as Error).message}; closing\n`);
      socket.destroy();
    }
  });
  if (socket === paused) throw new Error('limit: could not read the accepted socket into a reused buffer');
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  socket.resume();
}

function emptyFetch(request: FetchRequest): FetchResponse {
  return createFetchResponse({
    responses: request.topics.map((topic) =>
      createFetchResponseFetchableTopicResponse({
        topic: topic.topic,
        topicId: topic.topicId,
        partitions: topic.partitions.map((partition) =>
          createFetchResponsePartitionData({ partitionIndex: partition.partition, highWatermark: logEndOffset, lastStableOffset: logEndOffset, logStartOffset, abortedTransactions: null, records: Buffer.alloc(0) }),
        ),
      }),
    ),
  });
}

listenUntilStopped(
  createServer({ pauseOnConnect: true }, serve),
  () => appendFd >= 0 && closeSync(appendFd),
  (bound) => (port = bound),
);
