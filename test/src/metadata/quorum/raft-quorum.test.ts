// RaftQuorum over real loopback TCP: Kafka's quorum RPCs between in-process nodes, each
// with its own CONTROLLER listener and Kafka-format __cluster_metadata-0 log.
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { eventually } from '../../../helpers/eventually.js';
import { randomBytes } from 'node:crypto';
import { randomUuid } from '../../../../protocol/runtime/index.js';
import { MetadataRecordType } from '../../../../protocol/generated/metadata-records.js';
import { SocketServer } from '../../../../src/server/socket-server.js';
import { HandlerRegistry } from '../../../../src/handlers/registry.js';
import { KafkaDispatcher } from '../../../../src/handlers/dispatcher.js';
import type { BrokerServices } from '../../../../src/handlers/services.js';
import { createFetchHandler } from '../../../../src/handlers/01-fetch.js';
import { createVoteHandler } from '../../../../src/handlers/52-vote.js';
import { createBeginQuorumEpochHandler } from '../../../../src/handlers/53-begin-quorum-epoch.js';
import { createEndQuorumEpochHandler } from '../../../../src/handlers/54-end-quorum-epoch.js';
import { createDescribeQuorumHandler } from '../../../../src/handlers/55-describe-quorum.js';
import { createFetchSnapshotHandler } from '../../../../src/handlers/59-fetch-snapshot.js';
import { RaftQuorum, NotControllerError, type VoterAddress } from '../../../../src/metadata/quorum/raft-quorum.js';
import { metadataRecord, type MetadataRecord } from '../../../../src/metadata/records.js';
import { MemoryFileSystem } from '../../../../src/storage/memory-fs.js';
import { PartitionLog } from '../../../../src/storage/log.js';
import { DEFAULT_LOG_CONFIG } from '../../../../src/storage/types.js';
import { readTextFile } from '../../../../src/storage/checkpoint-file.js';
import { decodeBatches } from '../../../../src/metadata/raft-driver/kafka-raft-log.js';

const silent = pino({ level: 'silent' });
const CLUSTER_ID = 'q1T6bFhBR7KQDp2ZbU9XyA';
/** Short Raft timers so elections after a stop finish quickly. */
const FAST = { electionTimeoutMs: 300, fetchTimeoutMs: 600, electionBackoffMaxMs: 300, requestTimeoutMs: 500, fetchMaxWaitMs: 200 };

interface TestNode {
  id: number;
  fs: MemoryFileSystem;
  server: SocketServer;
  services: { raft?: RaftQuorum };
  port: number;
  quorum?: RaftQuorum;
  log?: PartitionLog;
  committed: { lastOffset: bigint; names: string[] }[];
}

const running: TestNode[] = [];

async function bindNode(id: number, fs = new MemoryFileSystem()): Promise<TestNode> {
  const services = { config: { controllerListenerNames: ['CONTROLLER'] } } as unknown as BrokerServices & { raft?: RaftQuorum };
  const registry = new HandlerRegistry()
    .register(createFetchHandler(services))
    .register(createVoteHandler(services))
    .register(createBeginQuorumEpochHandler(services))
    .register(createEndQuorumEpochHandler(services))
    .register(createDescribeQuorumHandler(services))
    .register(createFetchSnapshotHandler(services));
  const server = new SocketServer({
    listeners: [{ name: 'CONTROLLER', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }],
    dispatcher: new KafkaDispatcher(registry, silent),
    maxFrameBytes: 100 * 1024 * 1024,
    log: silent,
  });
  const [bound] = await server.start();
  const node: TestNode = { id, fs, server, services, port: bound!.boundPort, committed: [] };
  running.push(node);
  return node;
}

async function startQuorum(node: TestNode, voters: readonly VoterAddress[]): Promise<RaftQuorum> {
  const log = await PartitionLog.open({ fs: node.fs, dir: `/node-${node.id}/__cluster_metadata-0`, config: { ...DEFAULT_LOG_CONFIG }, cleanShutdown: true });
  const quorum = new RaftQuorum({ nodeId: node.id, voters, log, fs: node.fs, clusterId: CLUSTER_ID, logger: silent, config: FAST });
  node.committed = [];
  quorum.onCommit((records, lastOffset) => {
    node.committed.push({ lastOffset, names: records.map((r) => (r.data as { name: string }).name) });
  });
  node.services.raft = quorum;
  node.quorum = quorum;
  node.log = log;
  await quorum.start();
  return quorum;
}

async function stopNode(node: TestNode): Promise<void> {
  await node.quorum?.stop();
  await node.server.stop();
  await node.log?.close();
  node.quorum = undefined;
  node.log = undefined;
}

function topics(...names: string[]): MetadataRecord[] {
  return names.map((name) => metadataRecord(MetadataRecordType.Topic, { name, topicId: randomUuid(randomBytes) }));
}

/** The one node every live node agrees leads, once they agree. */
function agreedLeader(nodes: readonly TestNode[]): TestNode | undefined {
  const live = nodes.filter((n) => n.quorum !== undefined);
  const leaders = live.filter((n) => n.quorum!.isLeader);
  if (leaders.length !== 1) return undefined;
  const leader = leaders[0]!;
  return live.every((n) => n.quorum!.leaderId === leader.id && n.quorum!.leaderEpoch === leader.quorum!.leaderEpoch) ? leader : undefined;
}

const names = (node: TestNode): string[] => node.committed.flatMap((c) => c.names);

afterEach(async () => {
  for (const node of running.splice(0)) await stopNode(node);
});

describe('RaftQuorum', () => {
  it('a single voter elects itself inside start(), commits proposals and replays them after a restart', async () => {
    const node = await bindNode(1);
    const voters = [{ id: 1, host: '127.0.0.1', port: node.port }];
    const quorum = await startQuorum(node, voters);
    expect(quorum.isLeader).toBe(true);
    expect(quorum.leaderEpoch).toBe(1);
    const last = await quorum.propose(topics('a', 'b'));
    // Offset 0 is epoch 1's LeaderChange control record; the proposal is one batch at 1-2.
    expect(last).toBe(2n);
    expect(node.committed).toEqual([{ lastOffset: 2n, names: ['a', 'b'] }]);
    const state = JSON.parse(readTextFile(node.fs, '/node-1/__cluster_metadata-0/quorum-state')!);
    expect(state).toMatchObject({ leaderId: 1, leaderEpoch: 1, votedId: 1, currentVoters: [{ voterId: 1 }], data_version: 0 });

    // The log holds Kafka batches: a LeaderChange control batch, then the proposal as one batch.
    const { records } = node.log!.read(0n, { maxBytes: 1 << 20 });
    const batches = decodeBatches(records);
    expect(batches.map((b) => [b.batch.baseOffset, b.batch.lastOffset, b.batch.epoch, b.batch.control])).toEqual([
      [0n, 0n, 1, true],
      [1n, 2n, 1, false],
    ]);
    expect(batches[0]!.entries[0]!.control).toEqual({ type: 'LeaderChange', leaderId: 1, voters: [1], grantingVoters: [1] });

    await quorum.stop();
    await node.log!.close();
    const again = await startQuorum(node, voters);
    expect(again.isLeader).toBe(true);
    expect(again.leaderEpoch).toBe(2);
    expect(node.committed).toEqual([{ lastOffset: 2n, names: ['a', 'b'] }]);
    expect(await again.propose(topics('c'))).toBe(4n);
  });

  it('three voters over TCP elect one leader, replicate proposals, and survive the leader stopping', async () => {
    const nodes = [await bindNode(1), await bindNode(2), await bindNode(3)];
    const voters = nodes.map((n) => ({ id: n.id, host: '127.0.0.1', port: n.port }));
    await Promise.all(nodes.map((n) => startQuorum(n, voters)));
    const leader = await eventually('a leader all nodes agree on', () => agreedLeader(nodes));

    const follower = nodes.find((n) => n !== leader)!;
    await expect(follower.quorum!.propose(topics('x'))).rejects.toBeInstanceOf(NotControllerError);

    await leader.quorum!.propose(topics('t1', 't2'));
    await leader.quorum!.propose(topics('t3'));
    for (const node of nodes) await eventually(`node ${node.id} applies both batches`, () => (names(node).length === 3 ? true : undefined));
    for (const node of nodes) expect(names(node)).toEqual(['t1', 't2', 't3']);
    // Every node holds the same batch boundaries (the follower stored the leader's batches).
    const lastOffsets = nodes.map((n) => n.committed.map((c) => c.lastOffset));
    expect(lastOffsets[1]).toEqual(lastOffsets[0]);
    expect(lastOffsets[2]).toEqual(lastOffsets[0]);

    const oldEpoch = leader.quorum!.leaderEpoch;
    await stopNode(leader);
    const survivors = nodes.filter((n) => n !== leader);
    const next = await eventually('a new leader among the survivors', () => agreedLeader(survivors));
    expect(next.quorum!.leaderEpoch).toBeGreaterThan(oldEpoch);
    await next.quorum!.propose(topics('t4'));
    for (const node of survivors) await eventually(`node ${node.id} applies t4`, () => (names(node).includes('t4') ? true : undefined));
    for (const node of survivors) expect(names(node)).toEqual(['t1', 't2', 't3', 't4']);

    // The stopped node comes back on the same data, rejoins as a follower and catches up.
    const back = await bindNode(leader.id, leader.fs);
    voters[voters.findIndex((v) => v.id === back.id)] = { id: back.id, host: '127.0.0.1', port: back.port };
    // The others still dial the old port: restart them on the updated voter list too.
    for (const node of survivors) {
      await node.quorum!.stop();
      await node.log!.close();
    }
    await Promise.all([...survivors, back].map((n) => startQuorum(n, voters)));
    const all = [...survivors, back];
    const final = await eventually('a leader after the restart', () => agreedLeader(all));
    await final.quorum!.propose(topics('t5'));
    for (const node of all) await eventually(`node ${node.id} applies t5`, () => (names(node).includes('t5') ? true : undefined));
    for (const node of all) expect(names(node)).toEqual(['t1', 't2', 't3', 't4', 't5']);
  }, 60_000);
});
