// Acceptance 3: static membership (KIP-345) with a real librdkafka client
// (confluent-kafka-python). A member that restarts with the same group.instance.id within its
// session timeout causes no rebalance: the generation stays, the other member is not disturbed
// (librdkafka's own rebalance count stays), and the restarted member gets its partitions back.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { startBroker, type RunningBroker } from '../../../../src/index.js';
import { clientAvailable, hasCommand, Member, waitFor } from './group-scenario.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SESSION_TIMEOUT_MS = 15_000;
const hasPython = clientAvailable('confluent-kafka-python (/usr/bin/python3, Debian python3-confluent-kafka)', () => hasCommand('/usr/bin/python3', ['-c', 'import confluent_kafka']));

function staticMember(broker: RunningBroker, group: string, topic: string, instanceId: string, name: string): Member {
  const child = spawn(
    '/usr/bin/python3',
    [join(HERE, 'python-member.py'), broker.bootstrapServers, group, topic, `group.instance.id=${instanceId}`, `session.timeout.ms=${SESSION_TIMEOUT_MS}`, 'statistics.interval.ms=200', ...(process.env.DEBUG_STATIC ? ['debug=cgrp'] : [])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Member(name, child, () => undefined);
}

/** The rebalance count librdkafka reported last (its consumer-group statistics). */
const rebalanceCount = (m: Member): number => Number(m.stats.at(-1)?.rebalance_cnt ?? -1);

describe('static membership', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it.runIf(hasPython)('a member restarting with its group.instance.id within the session timeout causes no rebalance and gets its partitions back', async () => {
    const broker = await startBroker();
    cleanups.push(() => broker.stop());
    const groups = broker.broker.groups!;
    const kafka = new kafkajs.Kafka({ brokers: [broker.bootstrapServers], logLevel: kafkajs.logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const topic = 'static';
    const group = 'static-group';
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] });

    const first = staticMember(broker, group, topic, 'instance-a', 'a');
    const second = staticMember(broker, group, topic, 'instance-b', 'b');
    cleanups.push(() => first.kill(), () => second.kill());
    await waitFor('both static members with two partitions each', () => first.owned.size === 2 && second.owned.size === 2, 60_000);
    // Let the statistics catch up with the last rebalance.
    await waitFor('statistics from both', () => first.stats.length > 2 && second.stats.length > 2, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    const before = await groups.generation(group);
    expect(before?.state).toBe('Stable');
    // Restart the leader: the harder case (a leader that rejoined must not be asked to assign).
    const leaderInstance = before!.leaderId!.startsWith('instance-a-') ? 'instance-a' : 'instance-b';
    const [b, a] = leaderInstance === 'instance-a' ? [first, second] : [second, first];
    const aOwned = [...a.owned].sort();
    const bOwned = [...b.owned].sort();
    const aRebalances = rebalanceCount(a);
    const aEvents = a.rebalances;
    const bMemberId = before!.leaderId;

    // SIGKILL (a static member would not send LeaveGroup anyway), then the same instance id.
    b.kill();
    await b.exited;
    const restartedAt = Date.now();
    const b2 = staticMember(broker, group, topic, leaderInstance, 'restarted');
    cleanups.push(() => b2.kill());
    await waitFor('the restarted member to get its partitions', () => b2.owned.size > 0, SESSION_TIMEOUT_MS).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n--- restarted member ${JSON.stringify(b2.stats.at(-1))}\n${b2.output}`);
    });
    const backAfterMs = Date.now() - restartedAt;
    // Give a rebalance, if one were coming, the time to show in the other member's statistics.
    await new Promise((r) => setTimeout(r, 2000));
    const after = await groups.generation(group);
    const [described] = (await admin.describeGroups([group])).groups;
    const b2MemberId = described!.members.find((m) => m.memberId.startsWith(`${leaderInstance}-`))?.memberId;
    console.log(
      `static leader restart: generation ${before?.generationId} → ${after?.generationId}, state ${after?.state}; it had ${bOwned.join(',')} and got ${[...b2.owned].sort().join(',')} back ` +
        `${backAfterMs} ms after the restart; the other member kept ${[...a.owned].sort().join(',')}, its librdkafka rebalance count ${aRebalances} → ${rebalanceCount(a)}; member id ${bMemberId} → ${b2MemberId}`,
    );
    expect({ generationId: after?.generationId, state: after?.state, members: after?.members }).toEqual({ generationId: before!.generationId, state: 'Stable', members: 2 });
    expect([...b2.owned].sort()).toEqual(bOwned);
    expect([...a.owned].sort()).toEqual(aOwned);
    expect(a.rebalances).toBe(aEvents);
    expect(rebalanceCount(a)).toBe(aRebalances);
    expect(described!.state).toBe('Stable');
    expect(described!.members).toHaveLength(2);
    // The restarted member is a new member id for the same instance (the old one is fenced), and leads.
    expect(b2MemberId).toBeDefined();
    expect(b2MemberId).not.toBe(bMemberId);
    expect(after?.leaderId).toBe(b2MemberId);
  }, 120_000);
});
