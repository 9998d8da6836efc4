// Test helper: a bare Kafka wire client over one loopback socket. It sends whole frames (or any
// bytes) and reads size-prefixed response frames, and tells a closed connection apart from a
// response, so tests can assert exactly what the broker answered to malformed input.
import { connect, type Socket } from 'node:net';
import { decodeResponseFrame, encodeRequestFrame } from '../../../protocol/frames.js';
import type { MessageCodec } from '../../../protocol/runtime/index.js';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { CreateTopicsRequest } from '../../../protocol/generated/message/create-topics-request.js';
import { CreateTopicsResponse } from '../../../protocol/generated/message/create-topics-response.js';
import { ProduceRequest } from '../../../protocol/generated/message/produce-request.js';
import { ProduceResponse } from '../../../protocol/generated/message/produce-response.js';
import { FetchRequest, type FetchRequestFetchTopic } from '../../../protocol/generated/message/fetch-request.js';
import { FetchResponse } from '../../../protocol/generated/message/fetch-response.js';
import { DescribeConfigsRequest } from '../../../protocol/generated/message/describe-configs-request.js';
import { DescribeConfigsResponse } from '../../../protocol/generated/message/describe-configs-response.js';
import { buildUncompressedRecordBatch } from '../../../src/records/record-batch.js';

export const CLOSED = Symbol('closed');

export class RawClient {
  private buffered = Buffer.alloc(0);
  private frames: Buffer[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;
  private correlation = 1;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4) {
        const size = this.buffered.readInt32BE(0);
        if (this.buffered.length < 4 + size) break;
        this.frames.push(this.buffered.subarray(4, 4 + size));
        this.buffered = this.buffered.subarray(4 + size);
      }
      this.wake();
    });
    const end = () => {
      this.ended = true;
      this.wake();
    };
    socket.on('close', end);
    socket.on('error', end);
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  nextCorrelationId(): number {
    return this.correlation++;
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next response frame (without its size prefix), or CLOSED once the broker hung up. */
  async next(timeoutMs = 5000): Promise<Buffer | typeof CLOSED> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.frames.shift();
      if (frame !== undefined) return frame;
      if (this.ended) return CLOSED;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no response within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Sends one request and decodes its response; throws if the broker closed the connection instead. */
  async request<Req, Res>(apiKey: number, version: number, reqCodec: MessageCodec<Req>, body: Req, resCodec: MessageCodec<Res>): Promise<Res> {
    const correlationId = this.nextCorrelationId();
    this.write(encodeRequestFrame(apiKey, version, correlationId, 'raw-test', reqCodec, body));
    const frame = await this.next();
    if (frame === CLOSED) throw new Error(`connection closed instead of answering API ${apiKey} v${version}`);
    const decoded = decodeResponseFrame(frame, apiKey, version, resCodec);
    if (decoded.correlationId !== correlationId) throw new Error(`correlation id ${decoded.correlationId}, expected ${correlationId}`);
    return decoded.body;
  }

  close(): void {
    this.socket.destroy();
  }
}

// ---- request shortcuts shared by the raw-frame tests ----

export async function createTopic(client: RawClient, name: string, numPartitions: number, configs: Record<string, string> = {}): Promise<{ errorCode: number; topicId: string }> {
  const body = CreateTopicsRequest.defaults();
  body.timeoutMs = 5000;
  body.topics = [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }];
  const res = await client.request(ApiKey.CreateTopics, 7, CreateTopicsRequest, body, CreateTopicsResponse);
  const topic = res.topics[0]!;
  return { errorCode: topic.errorCode, topicId: topic.topicId };
}

/** A v2 batch of plain string values. */
export function batch(values: readonly string[]): Buffer {
  return buildUncompressedRecordBatch(values.map((v) => ({ key: null, value: Buffer.from(v) })), { timestamp: 1_700_000_000_000n });
}

export async function produce(client: RawClient, topic: string, partition: number, records: Buffer | null, options: { acks?: number; version?: number } = {}) {
  const body = ProduceRequest.defaults();
  body.acks = options.acks ?? -1;
  body.timeoutMs = 5000;
  body.topicData = [{ name: topic, partitionData: [{ index: partition, records }] }];
  const res = await client.request(ApiKey.Produce, options.version ?? 8, ProduceRequest, body, ProduceResponse);
  return res.responses[0]!.partitionResponses[0]!;
}

export interface FetchOptions {
  version?: number;
  sessionId?: number;
  epoch?: number;
  forgotten?: { topic: string; topicId: string; partitions: number[] }[];
  maxWaitMs?: number;
}

export function fetchTopic(topic: string, partitions: readonly (readonly [number, bigint])[], topicId = 'AAAAAAAAAAAAAAAAAAAAAA'): FetchRequestFetchTopic {
  return {
    topic,
    topicId,
    partitions: partitions.map(([partition, fetchOffset]) => ({
      partition,
      currentLeaderEpoch: -1,
      fetchOffset,
      lastFetchedEpoch: -1,
      logStartOffset: -1n,
      partitionMaxBytes: 1 << 20,
      replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA',
    })),
  };
}

export async function fetch(client: RawClient, topics: FetchRequestFetchTopic[], options: FetchOptions = {}): Promise<FetchResponse> {
  const version = options.version ?? 12;
  const body = FetchRequest.defaults();
  body.replicaId = -1;
  body.maxWaitMs = options.maxWaitMs ?? 0;
  body.minBytes = 1;
  body.maxBytes = 1 << 24;
  body.sessionId = options.sessionId ?? 0;
  body.sessionEpoch = options.epoch ?? -1;
  body.topics = topics;
  body.forgottenTopicsData = options.forgotten ?? [];
  return client.request(ApiKey.Fetch, version, FetchRequest, body, FetchResponse);
}

/** The explicit (non-default) configs of a topic or broker, as DescribeConfigs reports them. */
export async function overridesOf(client: RawClient, resourceType: number, resourceName: string): Promise<Record<string, string | null>> {
  const body = DescribeConfigsRequest.defaults();
  body.resources = [{ resourceType, resourceName, configurationKeys: null }];
  const res = await client.request(ApiKey.DescribeConfigs, 4, DescribeConfigsRequest, body, DescribeConfigsResponse);
  const dynamic = new Set([1, 2, 3]);
  return Object.fromEntries(res.results[0]!.configs.filter((c) => dynamic.has(c.configSource)).map((c) => [c.name, c.value]));
}
