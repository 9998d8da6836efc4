// A node that is not the active controller forwards topic creation (CreateTopics v7) and
// producer id blocks (AllocateProducerIds) to the one that is, as a KRaft broker does.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ControllerForwarder } from '../../../../src/metadata/controller/forwarding.js';
import { eventually } from '../../../helpers/eventually.js';
import type { LocalCluster } from '../../../../src/metadata/raft-driver/local-cluster.js';
import { ErrorCode } from '../../../../protocol/generated/error-codes.js';
import { sleep, startFastCluster } from '../../replication/fast-cluster.js';
import type { Broker } from '../../../../src/broker/broker.js';
import { RpcClient } from '../../../../src/metadata/raft-driver/rpc-client.js';
import { ApiKey } from '../../../../protocol/generated/api-keys.js';
import { ZERO_UUID } from '../../../../protocol/runtime/index.js';
import { ConfigResourceType } from '../../../../src/metadata/image/types.js';
import { CreatePartitionsRequest, createCreatePartitionsRequest } from '../../../../protocol/generated/message/create-partitions-request.js';
import { CreatePartitionsResponse } from '../../../../protocol/generated/message/create-partitions-response.js';
import { IncrementalAlterConfigsRequest, createIncrementalAlterConfigsRequest } from '../../../../protocol/generated/message/incremental-alter-configs-request.js';
import { IncrementalAlterConfigsResponse } from '../../../../protocol/generated/message/incremental-alter-configs-response.js';
import { AlterConfigsRequest, createAlterConfigsRequest } from '../../../../protocol/generated/message/alter-configs-request.js';
import { AlterConfigsResponse } from '../../../../protocol/generated/message/alter-configs-response.js';
import { DescribeConfigsRequest, createDescribeConfigsRequest } from '../../../../protocol/generated/message/describe-configs-request.js';
import { DescribeConfigsResponse } from '../../../../protocol/generated/message/describe-configs-response.js';
import { DeleteTopicsRequest, createDeleteTopicsRequest } from '../../../../protocol/generated/message/delete-topics-request.js';
import { DeleteTopicsResponse } from '../../../../protocol/generated/message/delete-topics-response.js';

let cluster: LocalCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('controller forwarding', () => {
  it('creates topics and hands out producer id blocks from any node', async () => {
    cluster = await startFastCluster();
    const brokers = cluster.brokers;
    const follower = brokers.find((b) => !b.quorum.isLeader)!;
    const spec = { name: 'forwarded', numPartitions: 2, replicationFactor: 3, assignments: new Map(), configs: new Map([['retention.ms', '60000']]) };
    const [outcome] = await follower.controller.createTopics([spec], false);
    expect(outcome).toMatchObject({ name: 'forwarded', errorCode: 0, numPartitions: 2, replicationFactor: 3 });
    expect(outcome!.topicId).not.toBe('');
    for (const b of brokers) await eventually(`node ${b.config.nodeId} knows the topic`, () => b.image.topic('forwarded'));
    expect(brokers[0]!.image.topic('forwarded')!.topicId).toBe(outcome!.topicId);
    // The controller's own validation answers through the forwarding node.
    const [again] = await follower.controller.createTopics([spec], false);
    expect(again!.errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);

    const a = await follower.controller.allocateProducerIds(follower.config.nodeId, follower.lifecycle!.epoch);
    const b = await follower.controller.allocateProducerIds(follower.config.nodeId, follower.lifecycle!.epoch);
    expect(a.length).toBeGreaterThan(0);
    expect(b.start).toBe(a.start + BigInt(a.length));
    // A stale broker epoch is refused by the controller.
    await expect(follower.controller.allocateProducerIds(follower.config.nodeId, 123_456n)).rejects.toThrow(/error 77/);
  }, 60_000);
});

// The admin APIs that change metadata, sent to a node that is not the active controller: the
// effect is visible on every node and the answers (and error codes) are the controller's.
describe('admin requests forwarded to the active controller', () => {
  const TOPIC = ConfigResourceType.TOPIC;
  const BROKER = ConfigResourceType.BROKER;

  it('DeleteTopics, CreatePartitions, AlterConfigs and IncrementalAlterConfigs work from a non-controller node, every version', async () => {
    const started = Date.now();
    cluster = await startFastCluster();
    const brokers = cluster.brokers;
    const leader = () => brokers.find((b) => b.quorum.isLeader);
    await eventually('a controller is elected', () => leader());
    const [follower, other] = brokers.filter((b) => !b.quorum.isLeader) as [Broker, Broker];
    const { host, port } = follower.endpoint();
    const client = new RpcClient(host, port, 'forwarding-admin');
    const otherEndpoint = other.endpoint();
    const otherClient = new RpcClient(otherEndpoint.host, otherEndpoint.port, 'forwarding-admin-describe');
    try {
      const onAll = (what: string, check: (b: Broker) => boolean) =>
        eventually(what, () => brokers.every(check) || undefined);
      for (const name of ['grow', 'gone-v0', 'gone-v6', 'gone-id']) {
        const [created] = await follower.controller.createTopics([{ name, numPartitions: 1, replicationFactor: 3, assignments: new Map(), configs: new Map([['retention.ms', '60000']]) }], false);
        expect(created!.errorCode).toBe(0);
      }
      await onAll('every node knows the topics', (b) => b.image.topic('gone-id') !== undefined);

      // CreatePartitions, v0-3.
      const createPartitions = (version: number, topics: { name: string; count: number }[], validateOnly: boolean) =>
        client.request(ApiKey.CreatePartitions, version, CreatePartitionsRequest,
          createCreatePartitionsRequest({ topics: topics.map((t) => ({ ...t, assignments: null })), timeoutMs: 5000, validateOnly }), CreatePartitionsResponse);
      for (let version = 0; version <= 3; version++) {
        const r = await createPartitions(version, [{ name: 'grow', count: 3 + version }, { name: 'no-such-topic', count: 2 }, { name: 'grow-bad', count: 1 }], true);
        expect(r.results.map((x) => [x.name, x.errorCode])).toEqual([['grow', 0], ['no-such-topic', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], ['grow-bad', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
      }
      expect(leader()!.image.topic('grow')!.partitions.size).toBe(1); // validateOnly changed nothing
      const shrink = await createPartitions(3, [{ name: 'grow', count: 1 }], false);
      expect(shrink.results[0]!.errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
      const grown = await createPartitions(3, [{ name: 'grow', count: 4 }], false);
      expect(grown.results[0]!.errorCode).toBe(0);
      await onAll('every node sees 4 partitions', (b) => b.image.topic('grow')?.partitions.size === 4);

      // IncrementalAlterConfigs, v0-1.
      const incremental = (version: number, resources: { resourceType: number; resourceName: string; configs: { name: string; configOperation: number; value: string | null }[] }[], validateOnly: boolean) =>
        client.request(ApiKey.IncrementalAlterConfigs, version, IncrementalAlterConfigsRequest, createIncrementalAlterConfigsRequest({ resources, validateOnly }), IncrementalAlterConfigsResponse);
      const otherId = String(other.config.nodeId);
      for (let version = 0; version <= 1; version++) {
        const r = await incremental(version, [
          { resourceType: TOPIC, resourceName: 'grow', configs: [{ name: 'retention.ms', configOperation: 0, value: '120000' }] },
          { resourceType: TOPIC, resourceName: 'no-such-topic', configs: [{ name: 'retention.ms', configOperation: 0, value: '1' }] },
          { resourceType: TOPIC, resourceName: 'gone-v0', configs: [{ name: 'retention.ms', configOperation: 0, value: 'soon' }] },
          { resourceType: BROKER, resourceName: otherId, configs: [{ name: 'log.cleaner.threads', configOperation: 0, value: '2' }] },
        ], true);
        expect(r.responses.map((x) => x.errorCode)).toEqual([0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_CONFIG, ErrorCode.INVALID_REQUEST]);
      }
      await sleep(300);
      expect(brokers.map((b) => b.image.configs(TOPIC, 'grow').get('retention.ms'))).toEqual(['60000', '60000', '60000']);
      const followerId = String(follower.config.nodeId);
      const applied = await incremental(1, [
        { resourceType: TOPIC, resourceName: 'grow', configs: [{ name: 'retention.ms', configOperation: 0, value: '120000' }, { name: 'cleanup.policy', configOperation: 2, value: 'compact' }] },
        { resourceType: BROKER, resourceName: followerId, configs: [{ name: 'log.cleaner.threads', configOperation: 0, value: '2' }] },
        { resourceType: BROKER, resourceName: '', configs: [{ name: 'log.retention.ms', configOperation: 0, value: '3600000' }] },
      ], false);
      expect(applied.responses.map((x) => x.errorCode)).toEqual([0, 0, 0]);
      await onAll('every node has the new configs', (b) =>
        b.image.configs(TOPIC, 'grow').get('retention.ms') === '120000' && b.image.configs(TOPIC, 'grow').get('cleanup.policy') === 'delete,compact' &&
        b.image.configs(BROKER, followerId).get('log.cleaner.threads') === '2' && b.image.configs(BROKER, '').get('log.retention.ms') === '3600000');
      // DescribeConfigs on the third node (neither the one altered through nor the controller).
      const described = await otherClient.request(ApiKey.DescribeConfigs, 4, DescribeConfigsRequest,
        createDescribeConfigsRequest({ resources: [{ resourceType: TOPIC, resourceName: 'grow', configurationKeys: ['retention.ms', 'cleanup.policy'] }] }), DescribeConfigsResponse);
      expect(described.results[0]!.configs.map((c) => [c.name, c.value, c.configSource]).sort()).toEqual([['cleanup.policy', 'delete,compact', 1], ['retention.ms', '120000', 1]]);

      // AlterConfigs, v0-2: replaces the topic's overrides.
      const alter = (version: number, name: string, configs: { name: string; value: string | null }[], validateOnly: boolean) =>
        client.request(ApiKey.AlterConfigs, version, AlterConfigsRequest, createAlterConfigsRequest({ resources: [{ resourceType: TOPIC, resourceName: name, configs }], validateOnly }), AlterConfigsResponse);
      for (let version = 0; version <= 2; version++) {
        expect((await alter(version, 'grow', [{ name: 'retention.ms', value: '-5' }], false)).responses[0]!.errorCode).toBe(ErrorCode.INVALID_CONFIG);
        expect((await alter(version, 'no-such-topic', [], false)).responses[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        expect((await alter(version, 'grow', [{ name: 'segment.ms', value: '100000' }], true)).responses[0]!.errorCode).toBe(0);
      }
      await sleep(300);
      expect(brokers.every((b) => b.image.configs(TOPIC, 'grow').get('retention.ms') === '120000')).toBe(true);
      expect((await alter(2, 'grow', [{ name: 'segment.ms', value: '100000' }], false)).responses[0]!.errorCode).toBe(0);
      await onAll('every node has only segment.ms', (b) => [...b.image.configs(TOPIC, 'grow')].join() === 'segment.ms,100000');
      // grow has no retention.ms override now: a cluster-wide default changed through the follower
      // (a BROKER '' ConfigRecord, which names no topic) reaches its hosted partitions on every node.
      const newDefault = await incremental(1, [{ resourceType: BROKER, resourceName: '', configs: [{ name: 'log.retention.ms', configOperation: 0, value: '7200000' }] }], false);
      expect(newDefault.responses[0]!.errorCode).toBe(0);
      await onAll('every node applies the log.retention.ms default to grow', (b) => {
        const hosted = [...b.replicas.hostedPartitions()].filter((p) => p.topic === 'grow');
        return hosted.length > 0 && hosted.every((p) => p.config.retentionMs === 7200000);
      });

      // DeleteTopics: v0-5 by name, v6 by name or id.
      const deleteTopics = (version: number, topics: { name: string | null; topicId: string }[]) =>
        client.request(ApiKey.DeleteTopics, version, DeleteTopicsRequest,
          createDeleteTopicsRequest(version >= 6 ? { topics, timeoutMs: 5000 } : { topicNames: topics.map((t) => t.name ?? ''), timeoutMs: 5000 }), DeleteTopicsResponse);
      const goneId = brokers[0]!.image.topic('gone-id')!.topicId;
      for (let version = 0; version <= 5; version++) {
        const r = await deleteTopics(version, [{ name: 'no-such-topic', topicId: ZERO_UUID }]);
        expect(r.responses.map((x) => x.errorCode)).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
      }
      const v0 = await deleteTopics(0, [{ name: 'gone-v0', topicId: ZERO_UUID }]);
      expect(v0.responses.map((x) => [x.name, x.errorCode])).toEqual([['gone-v0', 0]]);
      const v6 = await deleteTopics(6, [{ name: 'gone-v6', topicId: ZERO_UUID }, { name: null, topicId: goneId }, { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' }]);
      expect(v6.responses.map((x) => [x.name, x.errorCode])).toEqual([['gone-v6', 0], ['gone-id', 0], [null, ErrorCode.UNKNOWN_TOPIC_ID]]);
      expect(v6.responses[1]!.topicId).toBe(goneId);
      await onAll('every node forgot the deleted topics', (b) => ['gone-v0', 'gone-v6', 'gone-id'].every((t) => b.image.topic(t) === undefined));
      console.log(`forwarded admin requests: ${Date.now() - started} ms including cluster start`);
    } finally {
      client.close();
      otherClient.close();
    }
  }, 30_000);
});

describe('forwarding while the controller moves', () => {
  it('a forwarded change sent right after the active controller stops is retried with the next one', async () => {
    cluster = await startFastCluster();
    const brokers = cluster.brokers;
    const oldLeader = await eventually('a controller is elected', () => brokers.find((b) => b.quorum.isLeader));
    const follower = brokers.find((b) => !b.quorum.isLeader)!;
    const [created] = await follower.controller.createTopics([{ name: 'moving', numPartitions: 1, replicationFactor: 2, assignments: new Map(), configs: new Map() }], false);
    expect(created!.errorCode).toBe(0);
    await eventually('the follower knows the topic', () => follower.image.topic('moving'));
    await oldLeader.stop();
    // Sent before the survivors notice: the first forward fails (connection refused or NOT_CONTROLLER).
    // Replication factor 2, since the stopped node is fenced and Kafka places new replicas on live brokers only.
    const forwards = vi.spyOn(ControllerForwarder.prototype, 'createPartitions');
    const started = Date.now();
    const [grown] = await follower.controller.createPartitions([{ name: 'moving', count: 2, assignments: null }], false);
    const ms = Date.now() - started;
    console.log(`CreatePartitions across a controller move answered in ${ms} ms after ${forwards.mock.calls.length} forward(s); the follower ${follower.quorum.isLeader ? 'is' : 'is not'} the new controller`);
    forwards.mockRestore();
    expect(grown!.errorCode).toBe(0);
    const survivors = brokers.filter((b) => b !== oldLeader);
    await eventually('both survivors see 2 partitions', () => survivors.every((b) => b.image.topic('moving')?.partitions.size === 2) || undefined);
    expect(survivors.some((b) => b.quorum.isLeader)).toBe(true);
  }, 30_000);
});
