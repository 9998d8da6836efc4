import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { DeleteTopicsRequest } from '../../../protocol/generated/message/delete-topics-request.js';
import { DeleteTopicsResponse } from '../../../protocol/generated/message/delete-topics-response.js';
import { ZERO_UUID } from '../../../protocol/runtime/index.js';
import { startBroker, type RunningBroker } from '../../../src/index.js';
import { batch, createTopic, produce, RawClient } from '../broker/raw-client.js';

function deleteRequest(version: number, targets: { name: string | null; topicId?: string }[]): DeleteTopicsRequest {
  const body = DeleteTopicsRequest.defaults();
  body.timeoutMs = 5000;
  if (version >= 6) body.topics = targets.map((t) => ({ name: t.name, topicId: t.topicId ?? ZERO_UUID }));
  else body.topicNames = targets.map((t) => t.name!);
  return body;
}

describe('DeleteTopics', () => {
  let broker: RunningBroker;
  let client: RawClient;
  beforeAll(async () => {
    broker = await startBroker();
    client = await RawClient.connect(broker.port);
  });
  afterAll(async () => {
    client?.close();
    await broker?.stop();
  });

  it('deletes with kafkajs admin; the topic and its data are gone', async () => {
    await createTopic(client, 'gone', 2);
    expect((await produce(client, 'gone', 0, batch(['v']))).errorCode).toBe(0);
    const admin = new kafkajs.Kafka({ brokers: [broker.bootstrapServers], logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: ['gone'], timeout: 5000 });
      expect(await admin.listTopics()).not.toContain('gone');
    } finally {
      await admin.disconnect();
    }
    expect((await produce(client, 'gone', 0, batch(['v']))).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('deletes by id at v6 and reports unknown names and ids with their own codes', async () => {
    const { topicId } = await createTopic(client, 'by-id', 1);
    const res = await client.request(
      ApiKey.DeleteTopics,
      6,
      DeleteTopicsRequest,
      deleteRequest(6, [{ name: null, topicId }, { name: 'no-such-topic' }, { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAg' }]),
      DeleteTopicsResponse,
    );
    expect(res.responses.map((r) => [r.name, r.topicId, r.errorCode])).toEqual([
      ['by-id', topicId, 0],
      ['no-such-topic', ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      [null, 'AAAAAAAAAAAAAAAAAAAAAg', ErrorCode.UNKNOWN_TOPIC_ID],
    ]);
  });

  it('rejects duplicates and entries naming both name and id with INVALID_REQUEST, and deletes the rest', async () => {
    const { topicId } = await createTopic(client, 'dup', 1);
    await createTopic(client, 'single', 1);
    const res = await client.request(
      ApiKey.DeleteTopics,
      6,
      DeleteTopicsRequest,
      deleteRequest(6, [{ name: 'dup' }, { name: 'dup' }, { name: 'single', topicId }, { name: 'single' }]),
      DeleteTopicsResponse,
    );
    expect(res.responses.map((r) => [r.name, r.errorCode])).toEqual([
      ['dup', ErrorCode.INVALID_REQUEST],
      ['single', ErrorCode.INVALID_REQUEST],
      ['single', 0],
    ]);
  });

  it('speaks v0 (names only, no error message field)', async () => {
    await createTopic(client, 'old', 1);
    const res = await client.request(ApiKey.DeleteTopics, 0, DeleteTopicsRequest, deleteRequest(0, [{ name: 'old' }]), DeleteTopicsResponse);
    expect(res.responses.map((r) => [r.name, r.errorCode])).toEqual([['old', 0]]);
  });
});

describe('DeleteTopics on a data directory', () => {
  it('removes the topic\'s files when its file.delete.delay.ms passes, not at the next maintenance round', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-delete-'));
    const broker = await startBroker({ dataDir, port: 0 });
    const client = await RawClient.connect(broker.port);
    try {
      expect((await createTopic(client, 'soon-gone', 2, { 'file.delete.delay.ms': '200' })).errorCode).toBe(0);
      expect((await produce(client, 'soon-gone', 0, batch(['v']))).errorCode).toBe(0);
      const dirs = (): string[] => readdirSync(dataDir).filter((name) => name.startsWith('soon-gone-'));
      expect(dirs()).toEqual(['soon-gone-0', 'soon-gone-1']);
      const res = await client.request(ApiKey.DeleteTopics, 4, DeleteTopicsRequest, deleteRequest(4, [{ name: 'soon-gone' }]), DeleteTopicsResponse);
      expect(res.responses.map((r) => r.errorCode)).toEqual([0]);
      // Renamed to <dir>.<uuid>-delete at once, removed 200 ms later (maintenance runs every 5 minutes).
      await expect.poll(() => dirs().length > 0 && dirs().every((name) => name.endsWith('-delete')), { timeout: 5_000, interval: 20 }).toBe(true);
      await expect.poll(() => dirs(), { timeout: 5_000, interval: 50 }).toEqual([]);
    } finally {
      client.close();
      await broker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
