// Acceptance 5: churn. 20 kafkajs members join and leave a classic group at random for 60 s
// (SLUICE_CHURN_MS shortens it locally; CI runs the full 60 s) while records flow. 16 run in
// this process and leave with LeaveGroup; 4 run as child processes that leave by SIGKILL, so
// their sessions must time out in the middle of the churn. Afterwards the
// group converges — one Stable generation, all 20 members each owning partitions, every
// partition assigned exactly once — every record is consumed, and UNKNOWN_MEMBER_ID answers,
// counted by the broker itself, stay few next to the number of joins.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { ErrorCode } from '../../../../protocol/generated/error-codes.js';
import { startBroker } from '../../../../src/index.js';
import { waitFor } from './group-scenario.js';

const CHURN_MS = process.env.CI ? 60_000 : Number(process.env.SLUICE_CHURN_MS ?? 60_000);
const MEMBERS = 20;
const PARTITIONS = 24;
const SESSION_TIMEOUT_MS = 10_000;
const CRASHING = 4;
const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'consumer-child.mjs');

interface Slot {
  readonly id: number;
  /** Child-process slots leave by SIGKILL; the others with LeaveGroup. */
  readonly crashes: boolean;
  consumer: kafkajs.Consumer | null;
  child: ChildProcess | null;
  busy: boolean;
  memberId: string | null;
  assigned: number[];
}

/** Bounds a client call: a churn test must end even if a client hangs. */
async function bounded<T>(what: string, promise: Promise<T>, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

describe('group churn', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it(`${MEMBERS} members joining and leaving at random for ${CHURN_MS / 1000} s converge, consume everything, and see few UNKNOWN_MEMBER_ID`, async () => {
    const broker = await startBroker();
    cleanups.push(() => broker.stop());
    const groups = broker.broker.groups!;
    const kafka = new kafkajs.Kafka({ brokers: [broker.bootstrapServers], logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const topic = 'churn';
    const group = 'churn-group';
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });

    const seen = new Set<string>();
    const slots: Slot[] = Array.from({ length: MEMBERS }, (_, id) => ({ id, crashes: id < CRASHING, consumer: null, child: null, busy: false, memberId: null, assigned: [] }));
    let joinsStarted = 0;
    let leaves = 0;
    let kills = 0;
    const active = (slot: Slot): boolean => slot.consumer !== null || slot.child !== null;
    const startChild = (slot: Slot): void => {
      const child = spawn(process.execPath, [CHILD, broker.bootstrapServers, group, topic, String(SESSION_TIMEOUT_MS)], { stdio: ['ignore', 'pipe', 'ignore'] });
      slot.child = child;
      let partial = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop()!;
        for (const line of lines) {
          const [kind, a, , value] = line.split(' ');
          if (slot.child !== child) return;
          if (kind === 'I') slot.memberId = a ?? null;
          else if (kind === 'F') slot.assigned = a ? a.split(',').map(Number).sort((x, y) => x - y) : [];
          else if (kind === 'M') seen.add(`${a}:${value}`);
        }
      });
    };
    const start = async (slot: Slot): Promise<void> => {
      joinsStarted++;
      if (slot.crashes) return startChild(slot);
      const consumer = kafka.consumer({ groupId: group, sessionTimeout: SESSION_TIMEOUT_MS, rebalanceTimeout: 30_000, heartbeatInterval: 500, maxWaitTimeInMs: 500 });
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        slot.memberId = e.payload.memberId;
        slot.assigned = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
      });
      slot.consumer = consumer;
      await bounded('connect', consumer.connect());
      await bounded('subscribe', consumer.subscribe({ topic, fromBeginning: true }));
      await bounded('run', consumer.run({ eachMessage: async ({ partition, message }) => void seen.add(`${partition}:${message.value!.toString()}`) }));
    };
    const stop = async (slot: Slot): Promise<void> => {
      if (slot.child !== null) {
        kills++;
        const child = slot.child;
        slot.child = null;
        slot.memberId = null;
        slot.assigned = [];
        child.kill('SIGKILL');
        return;
      }
      leaves++;
      const consumer = slot.consumer!;
      slot.consumer = null;
      slot.memberId = null;
      slot.assigned = [];
      await bounded('disconnect', consumer.disconnect());
    };
    cleanups.push(async () => {
      for (const s of slots) {
        s.child?.kill('SIGKILL');
        await s.consumer?.disconnect().catch(() => undefined);
      }
    });

    // Records flow all along: one producer, a few records a partition every 100 ms.
    const producer = kafka.producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    let produced = 0;
    let producing = true;
    const flow = (async () => {
      while (producing) {
        const base = produced;
        await producer.send({ topic, messages: Array.from({ length: 2 * PARTITIONS }, (_, i) => ({ partition: i % PARTITIONS, value: String(base + i) })) });
        produced += 2 * PARTITIONS;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const started = Date.now();
    await Promise.all(slots.slice(0, MEMBERS / 2).map(start));
    const operations: Promise<void>[] = [];
    const failures: string[] = [];
    const churnEnd = Date.now() + CHURN_MS;
    while (Date.now() < churnEnd) {
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 900));
      const free = slots.filter((s) => !s.busy);
      const slot = free[Math.floor(Math.random() * free.length)];
      if (slot === undefined) continue;
      slot.busy = true;
      operations.push(
        (active(slot) ? stop(slot) : start(slot))
          .catch((e: unknown) => void failures.push(`slot ${slot.id}: ${(e as Error).message}`))
          .finally(() => (slot.busy = false)),
      );
    }
    await Promise.all(operations);
    const churnMs = Date.now() - started;

    // Everyone back in: the group must settle on one generation with all 20.
    const settleStart = Date.now();
    await Promise.all(slots.filter((s) => !active(s)).map(start));
    let described: kafkajs.GroupDescription | undefined;
    await waitFor(
      'the group to converge: Stable, 20 members, each partition once, every member owning some',
      async () => {
        [described] = (await admin.describeGroups([group])).groups;
        if (described?.state !== 'Stable' || described.members.length !== MEMBERS) return false;
        const owners = new Array<number>(PARTITIONS).fill(0);
        for (const m of described.members) {
          const assignment = kafkajs.AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
          const mine = assignment?.assignment[topic] ?? [];
          if (mine.length === 0) return false;
          for (const p of mine) owners[p]!++;
        }
        // And each client heard of the generation the broker settled on.
        const ids = new Set(described.members.map((m) => m.memberId));
        return owners.every((n) => n === 1) && slots.every((s) => s.memberId !== null && ids.has(s.memberId) && s.assigned.length > 0);
      },
      90_000 + SESSION_TIMEOUT_MS,
    );
    const settleMs = Date.now() - settleStart;
    producing = false;
    await flow;
    await waitFor('every record consumed', () => seen.size === produced, 60_000);

    const counts = groups.answerCounts();
    const count = (api: string, code: number): number => counts.find((c) => c.api === api && c.errorCode === code)?.count ?? 0;
    const unknownMember = counts.filter((c) => c.errorCode === ErrorCode.UNKNOWN_MEMBER_ID).reduce((n, c) => n + c.count, 0);
    const joins = count('JoinGroup', ErrorCode.NONE);
    const summary = counts.filter((c) => c.errorCode !== ErrorCode.NONE).map((c) => `${c.api} ${c.errorCode}×${c.count}`).join(', ');
    console.log(
      `churn: ${joinsStarted} consumer starts, ${leaves} leaves and ${kills} SIGKILLs in ${churnMs} ms, ${joins} successful JoinGroups; converged in ${settleMs} ms on ${described!.members.length} members; ` +
        `${produced} records all consumed; UNKNOWN_MEMBER_ID answered ${unknownMember} times; errors answered: ${summary}; client-side failures ${failures.length}`,
    );
    expect(failures).toEqual([]);
    // A storm would be many per join; a few come from leaves racing heartbeats and commits.
    expect(unknownMember).toBeLessThanOrEqual(Math.max(10, joins * 0.1));
  }, CHURN_MS + 240_000);
});
