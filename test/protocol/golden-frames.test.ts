// Request frames recorded from real clients (test/fixtures/golden/capture.ts) decode to the
// values the capture scenario sent, and re-encode to the very same bytes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRequestFrame } from '../../protocol/frames.js';
import { Writer } from '../../protocol/runtime/index.js';
import { requestHeaderVersion } from '../../protocol/generated/api-keys.js';
import { RequestHeader } from '../../protocol/generated/message/request-header.js';
import { readRecordBatch } from '../../src/records/record-batch.js';
import { batchPositions } from '../../src/records/index.js';

interface GoldenFrame {
  client: string;
  api: string;
  apiKey: number;
  apiVersion: number;
  request: string;
}

const frames = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/golden/frames.json'), 'utf8')) as GoldenFrame[];
const TOPIC = 'golden-topic';

/** What each capture scenario sent, checked against the decoded body (bodies of many message types). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const expectations: Record<string, (body: any, frame: GoldenFrame) => Promise<void> | void> = {
  ApiVersions(body, frame) {
    if (frame.apiVersion >= 3) {
      expect(body.clientSoftwareName).toMatch(frame.client === 'kcat' ? /^librdkafka$/ : /./);
      expect(body.clientSoftwareVersion).toMatch(/^\d+\.\d+\.\d+/);
    }
  },
  Metadata(body, frame) {
    // The first Metadata each client sends: librdkafka asks for brokers only (an empty topic
    // list); kafkajs's admin asks for every topic (null).
    if (frame.client === 'kcat') expect(body.topics).toEqual([]);
    else expect(body.topics).toBeNull();
  },
  CreateTopics(body) {
    expect(body.topics).toHaveLength(1);
    expect(body.topics[0].name).toBe(TOPIC);
    expect(body.topics[0].numPartitions).toBe(3);
  },
  async Produce(body, frame) {
    expect(body.topicData[0].name).toBe(TOPIC);
    const partition = body.topicData[0].partitionData[0];
    expect(partition.index).toBe(0);
    const records = [];
    for (const pos of batchPositions(partition.records)) records.push(...(await readRecordBatch(partition.records, pos)));
    expect(records.map((r) => r.key?.toString())).toEqual(
      frame.client === 'kcat' ? ['golden-key-0', 'golden-key-1'] : ['golden-key-0', 'golden-key-1', 'golden-key-2'],
    );
    expect(records.map((r) => r.value?.toString())).toEqual(records.map((_, i) => `golden-value-${i}`));
    if (frame.client === 'kafkajs') {
      expect(records.map((r) => r.timestamp)).toEqual([1_700_000_000_000n, 1_700_000_000_001n, 1_700_000_000_002n]);
      expect(records.map((r) => r.headers[0]?.value?.toString())).toEqual(['golden-header-0', 'golden-header-1', 'golden-header-2']);
    }
  },
  ListOffsets(body) {
    expect(body.topics[0].name).toBe(TOPIC);
    for (const p of body.topics[0].partitions) expect([-1n, -2n]).toContain(p.timestamp);
  },
  FindCoordinator(body, frame) {
    const keys: string[] = frame.apiVersion >= 4 ? body.coordinatorKeys : [body.key];
    expect(keys).toContain('golden-group');
  },
  JoinGroup(body) {
    expect(body.groupId).toBe('golden-group');
    expect(body.protocolType).toBe('consumer');
    expect(body.protocols.length).toBeGreaterThan(0);
  },
  SyncGroup(body) {
    expect(body.groupId).toBe('golden-group');
    expect(body.generationId).toBeGreaterThanOrEqual(0);
  },
  Heartbeat(body) {
    expect(body.groupId).toBe('golden-group');
  },
  OffsetCommit(body) {
    expect(body.groupId).toBe('golden-group');
    expect(body.topics[0].name).toBe(TOPIC);
  },
  OffsetFetch(body, frame) {
    const groupId = frame.apiVersion >= 8 ? body.groups[0].groupId : body.groupId;
    expect(groupId).toBe('golden-group');
  },
  InitProducerId(body) {
    expect(body.transactionalId).toBeNull();
  },
  Fetch(body, frame) {
    const topic = body.topics[0];
    if (frame.apiVersion < 13) expect(topic.topic).toBe(TOPIC);
    expect(topic.partitions[0].fetchOffset).toBeGreaterThanOrEqual(0n);
    expect(body.replicaId).toBe(-1);
  },
};

describe('golden frames from real clients', () => {
  it('has frames from both kafkajs and librdkafka (kcat)', () => {
    expect(frames.length).toBeGreaterThanOrEqual(20);
    expect(frames.filter((f) => f.client === 'kafkajs').length).toBeGreaterThanOrEqual(5);
    expect(frames.filter((f) => f.client === 'kcat').length).toBeGreaterThanOrEqual(5);
  });

  for (const frame of frames) {
    it(`${frame.client} ${frame.api} v${frame.apiVersion}: decodes to what was sent and re-encodes byte-identically`, async () => {
      const bytes = Buffer.from(frame.request, 'hex');
      const result = decodeRequestFrame(bytes);
      if (!result.ok) throw new Error(`undecodable: ${result.undecodable.problem}`);
      const { header, body, api } = result.request;
      expect(header.requestApiKey).toBe(frame.apiKey);
      expect(header.requestApiVersion).toBe(frame.apiVersion);
      expect(header.clientId).toBe(frame.client === 'kcat' ? 'golden-kcat' : 'golden-kafkajs');
      const check = expectations[frame.api];
      if (check !== undefined) await check(body, frame);
      const headerVersion = requestHeaderVersion(frame.apiKey, frame.apiVersion);
      const writer = new Writer(RequestHeader.size(header, headerVersion) + api.request.size(body, frame.apiVersion));
      RequestHeader.write(writer, header, headerVersion);
      api.request.write(writer, body, frame.apiVersion);
      expect(writer.buf.toString('hex')).toBe(frame.request);
    });
  }
});
