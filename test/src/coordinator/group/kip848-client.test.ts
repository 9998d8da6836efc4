// Acceptance 4: a real KIP-848 client (group.protocol=consumer) — @confluentinc/kafka-javascript
// 1.2.0 / librdkafka 2.8.0, the last releases whose ConsumerGroupHeartbeat is v0, the version of
// Kafka 3.9's specs (see src/coordinator/group/README.md) — joins, gets its assignment from the
// broker, and the group rebalances when a member leaves cleanly and when one is killed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { startBroker } from '../../../../src/index.js';
import { clientAvailable, Member, waitFor } from './group-scenario.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CLIENT = join(HERE, '../../../clients/kip848/node_modules/@confluentinc/kafka-javascript/build/Release/confluent-kafka-javascript.node');
const hasClient = clientAvailable('@confluentinc/kafka-javascript 1.2.0 in test/clients/kip848 (scripts/install-compat-clients.sh builds it)', () => existsSync(CLIENT));
const SESSION_TIMEOUT_MS = 6000;
const PARTITIONS = 6;

describe('KIP-848 consumer group with a real client', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** A broker serving KIP-848 groups, a topic, a producer and a way to start real members. */
  async function kip848Setup(topic: string, group: string) {
    const broker = await startBroker({
      overrides: {
        'group.coordinator.rebalance.protocols': 'classic,consumer',
        'group.consumer.heartbeat.interval.ms': '500',
        'group.consumer.min.heartbeat.interval.ms': '500',
        'group.consumer.session.timeout.ms': String(SESSION_TIMEOUT_MS),
        'group.consumer.min.session.timeout.ms': String(SESSION_TIMEOUT_MS),
      },
    });
    cleanups.push(() => broker.stop());
    const groups = broker.broker.groups!;
    const kafka = new kafkajs.Kafka({ brokers: [broker.bootstrapServers], logLevel: kafkajs.logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
    const producer = kafka.producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const next = new Array<number>(PARTITIONS).fill(0);
    const state = { produced: 0 };
    const produce = async (n: number): Promise<void> => {
      await producer.send({ topic, messages: Array.from({ length: n }, (_, i) => ({ partition: i % PARTITIONS, value: `${i % PARTITIONS}:${next[i % PARTITIONS]!++}` })) });
      state.produced += n;
    };
    const seen = new Set<string>();
    const members: Member[] = [];
    const launch = (name: string, instanceId?: string): Member => {
      const args = [join(HERE, 'kip848-member.mjs'), broker.bootstrapServers, group, topic, ...(instanceId !== undefined ? [instanceId] : [])];
      const m = new Member(name, spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }), (_m, p, _o, seq) => void seen.add(`${p}:${seq}`));
      members.push(m);
      cleanups.push(() => m.kill());
      return m;
    };
    const settled = (live: Member[]): boolean => {
      const owners = new Array<number>(PARTITIONS).fill(0);
      for (const m of live) for (const p of m.owned) owners[p]!++;
      return owners.every((n) => n === 1) && live.every((m) => m.owned.size > 0);
    };
    const fail = (what: string) => (e: unknown) => {
      throw new Error(`${(e as Error).message} (${what})\n${members.map((m) => `--- ${m.name}: owns ${[...m.owned].join(',')}\n${m.output}`).join('\n')}`);
    };
    return { broker, groups, admin, produce, state, seen, members, launch, settled, fail, describeGroup: () => groups.consumerGroupDescribe(group) };
  }

  it.runIf(hasClient)('joins with group.protocol=consumer, gets a server-side assignment, and rebalances when members leave or die', async () => {
    const topic = 'kip848';
    const group = 'kip848-group';
    const { admin, produce, state, seen, members, launch, settled, fail, describeGroup } = await kip848Setup(topic, group);
    await produce(600);
    const a = launch('a');
    await waitFor('the first member to own every partition', () => a.owned.size === PARTITIONS, 30_000).catch(fail('join'));
    await waitFor('the first records', () => seen.size === state.produced, 30_000).catch(fail('consume'));
    const alone = await describeGroup();
    expect(alone).toMatchObject({ errorCode: 0, groupState: 'Stable' });
    expect(alone.members).toHaveLength(1);

    // A second member: the broker's uniform assignor splits the partitions, a revokes first.
    const b = launch('b');
    const joinedAt = Date.now();
    await waitFor('two members sharing the partitions', () => settled([a, b]), 30_000).catch(fail('second join'));
    const splitMs = Date.now() - joinedAt;
    await produce(600);
    await waitFor('records after the split', () => seen.size === state.produced, 30_000).catch(fail('consume after split'));
    const two = await describeGroup();
    expect(two.groupState).toBe('Stable');
    expect(two.members.map((m) => m.assignment.topicPartitions.flatMap((t) => t.partitions).length).sort()).toEqual([3, 3]);
    const epochTwo = two.groupEpoch;
    const listed = await admin.listGroups();
    expect(listed.groups.find((g) => g.groupId === group)?.protocolType).toBe('consumer');

    // b leaves cleanly (a heartbeat with member epoch -1): a gets everything back.
    b.child.kill('SIGTERM');
    const leftAt = Date.now();
    await waitFor('the member that stayed to own every partition again', () => a.owned.size === PARTITIONS, 30_000).catch(fail('leave'));
    const leaveMs = Date.now() - leftAt;
    await b.exited;
    const one = await describeGroup();
    expect(one.members).toHaveLength(1);
    expect(one.groupEpoch).toBeGreaterThan(epochTwo);

    // A third member that dies without a word: only its session timeout frees its partitions.
    const c = launch('c');
    await waitFor('two members again', () => settled([a, c]), 30_000).catch(fail('third join'));
    c.kill();
    await c.exited;
    const killedAt = Date.now();
    await waitFor('the killed member\'s partitions back with the survivor', () => a.owned.size === PARTITIONS, SESSION_TIMEOUT_MS + 20_000).catch(fail('kill'));
    const killMoveMs = Date.now() - killedAt;
    await produce(600);
    await waitFor('every record consumed', () => seen.size === state.produced, 30_000).catch(fail('consume at the end'));
    const end = await describeGroup();
    console.log(
      `KIP-848 (librdkafka 2.8.0, ConsumerGroupHeartbeat v0): split between 2 members in ${splitMs} ms, back to 1 after a clean leave in ${leaveMs} ms, ` +
        `after a SIGKILL in ${killMoveMs} ms (group.consumer.session.timeout.ms ${SESSION_TIMEOUT_MS}); ${seen.size}/${state.produced} records consumed; group epoch ${end.groupEpoch}, ${end.members.length} member`,
    );
    expect(end.members).toHaveLength(1);
    expect(end.members[0]!.assignment.topicPartitions.flatMap((t) => t.partitions).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(killMoveMs).toBeLessThan(SESSION_TIMEOUT_MS + 15_000);
    for (const m of members) expect(m.violations).toEqual([]);
  }, 150_000);

  it.runIf(hasClient)('a static member (group.instance.id) that closes and comes back within the session timeout keeps its partitions, no new group epoch', async () => {
    const { produce, state, seen, launch, settled, fail, describeGroup } = await kip848Setup('kip848-static', 'kip848-static-group');
    await produce(600);
    const a = launch('a', 'instance-a');
    const s = launch('s', 'instance-s');
    await waitFor('two static members sharing the partitions', () => settled([a, s]), 30_000).catch(fail('join'));
    await waitFor('the first records', () => seen.size === state.produced, 30_000).catch(fail('consume'));
    await new Promise((r) => setTimeout(r, 1500));
    const before = await describeGroup();
    expect(before.groupState).toBe('Stable');
    const aOwned = [...a.owned].sort();
    const sOwned = [...s.owned].sort();
    const aEvents = a.rebalances;

    // A clean close of a static member sends member epoch -2: it stays in the group, away.
    s.child.kill('SIGTERM');
    await s.exited;
    const away = await describeGroup();
    const sAway = away.members.find((m) => m.instanceId === 'instance-s');
    expect(sAway?.memberEpoch).toBe(-2);
    const restartedAt = Date.now();
    const s2 = launch('s2', 'instance-s');
    await waitFor('the restarted static member to get its partitions back', () => s2.owned.size === sOwned.length, SESSION_TIMEOUT_MS).catch(fail('static rejoin'));
    const backMs = Date.now() - restartedAt;
    await produce(600);
    await waitFor('records after the restart', () => seen.size === state.produced, 30_000).catch(fail('consume after restart'));
    const after = await describeGroup();
    console.log(
      `KIP-848 static member: closed with epoch -2 and restarted; partitions ${[...s2.owned].sort().join(',')} back after ${backMs} ms; group epoch ${before.groupEpoch} → ${after.groupEpoch}; the other member kept ${[...a.owned].sort().join(',')}`,
    );
    expect([...s2.owned].sort()).toEqual(sOwned);
    expect([...a.owned].sort()).toEqual(aOwned);
    expect(a.rebalances).toBe(aEvents);
    expect(after.groupEpoch).toBe(before.groupEpoch);
    expect(after.groupState).toBe('Stable');
    expect(after.members.map((m) => m.instanceId).sort()).toEqual(['instance-a', 'instance-s']);
    expect(after.members.find((m) => m.instanceId === 'instance-s')?.memberId).not.toBe(sAway?.memberId);
  }, 150_000);
});
