// The consumer-group acceptance scenario, shared by the kafkajs and librdkafka tests: real
// client processes consume a topic whose values carry a per-partition sequence; one member is
// SIGKILLed mid-stream and its partitions must move; the rest are SIGKILLed mid-stream too, the
// broker restarts on the same data dir, and new members must resume exactly at the commits.
//
// Members speak a line protocol on stdout (kcat's rebalance lines are translated):
//   F p,p,...  whole assignment (eager)   A p,p,...  added   R p,p,...  revoked
//   M p offset value                      one record, value "<partition>:<sequence>"
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import kafkajs from 'kafkajs';
import { startBrokerProcess, tempDataDir, type BrokerProcess } from '../../../helpers/broker-process.js';

/**
 * Whether a real client is installed. CI installs every client (.ci/run), so there a missing
 * one fails the test; locally the test is skipped, loudly.
 */
export function clientAvailable(name: string, probe: () => boolean): boolean {
  let ok: boolean;
  try {
    ok = probe();
  } catch {
    ok = false;
  }
  if (ok) return true;
  if (process.env.CI) throw new Error(`${name} is not installed, and CI must run this test (bash .ci/run installs it)`);
  console.warn(`\n!!! ${name} is not installed: SKIPPING its group test (CI installs it and runs it)\n`);
  return false;
}

export const hasCommand = (command: string, args: string[]): boolean => spawnSync(command, args, { stdio: 'ignore', timeout: 10_000 }).status === 0;

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}

const KCAT_REBALANCE = /rebalanced: (?:incremental )?(assignment|assigned|revoke|revoked)\b[^:]*:(?:[^:]*\):)?(.*)$/;

/** One member process, and what it reported. */
export class Member {
  readonly owned = new Set<number>();
  /** Partitions (re)assigned since the member's last record of them: the next record starts a new run. */
  private readonly newSession = new Set<number>();
  private readonly last = new Map<number, { offset: number; seq: number }>();
  readonly violations: string[] = [];
  readonly exited: Promise<void>;
  records = 0;
  rebalances = 0;
  /** Records for partitions it did not report owning (informational). */
  unowned = 0;
  readonly stats: Record<string, unknown>[] = [];
  output = '';

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    private readonly onRecord: (member: Member, partition: number, offset: number, seq: number) => void,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    // Whole lines only: a SIGKILL can cut the last write short, and that fragment is no record.
    let partial = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) this.line(line);
    });
    child.stderr?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-4000)));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private line(line: string): void {
    const kind = line[0];
    if (kind === 'M') {
      const [, p, o, value] = line.split(' ');
      this.record(Number(p), Number(o), value ?? '');
      return;
    }
    if (kind === 'S') {
      this.stats.push(JSON.parse(line.slice(2)) as Record<string, unknown>);
      return;
    }
    const kcat = KCAT_REBALANCE.exec(line);
    if (kcat !== null) {
      const partitions = [...kcat[2]!.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
      return this.assignment(kcat[1]!.startsWith('assign') ? 'A' : 'R', partitions);
    }
    if (kind === 'F' || kind === 'A' || kind === 'R') {
      const list = line.slice(2).trim();
      return this.assignment(kind, list === '' ? [] : list.split(',').map(Number));
    }
    this.output = (this.output + line + '\n').slice(-4000);
  }

  private assignment(kind: 'F' | 'A' | 'R', partitions: number[]): void {
    this.rebalances++;
    if (kind === 'F') this.owned.clear();
    for (const p of partitions) {
      if (kind === 'R') {
        this.owned.delete(p);
      } else {
        this.owned.add(p);
        this.newSession.add(p);
      }
    }
  }

  private record(partition: number, offset: number, value: string): void {
    this.records++;
    const [vp, vs] = value.split(':');
    const seq = Number(vs);
    if (Number(vp) !== partition || seq !== offset) this.violations.push(`${this.name}: partition ${partition} offset ${offset} holds ${value}`);
    if (!this.owned.has(partition)) this.unowned++;
    const last = this.last.get(partition);
    if (last !== undefined && !this.newSession.has(partition) && (offset !== last.offset + 1 || seq !== last.seq + 1)) {
      this.violations.push(`${this.name}: partition ${partition} went from offset ${last.offset} (seq ${last.seq}) to ${offset} (seq ${seq}) within one assignment`);
    }
    this.newSession.delete(partition);
    this.last.set(partition, { offset, seq });
    this.onRecord(this, partition, offset, seq);
  }

  kill(): void {
    if (this.alive) this.child.kill('SIGKILL');
  }
}

/** SLUICE_GROUP_BROKER_LOG=info shows the broker's group log in a failure's output. */
const brokerArgs = process.env.SLUICE_GROUP_BROKER_LOG ? ['--log-level', process.env.SLUICE_GROUP_BROKER_LOG] : [];

export type Launch = (bootstrap: string, group: string, topic: string) => ChildProcess;

export interface ScenarioOptions {
  label: string;
  records: number;
  partitions: number;
  members: number;
  sessionTimeoutMs: number;
  launch: Launch;
  /** Extra time allowed for consuming everything (slow clients, loaded machine). */
  consumeTimeoutMs?: number;
  /** Whether members outlive a broker restart (kcat exits once all brokers are down). */
  survivesBrokerRestart?: boolean;
}

export interface ScenarioFigures {
  label: string;
  produced: number;
  consumed: number;
  redelivered: number;
  /** Redeliveries counted at each step, cumulative. */
  redeliveredBy: string;
  moveMs: number;
  orphaned: number[];
  uncommittedTail: number;
  /** Partitions whose commit was past the last record any member wrote out: records lost to the ledger. */
  committedAhead: number[];
  committed: number[];
  /** Where members must resume after the restart: the commit, or the log start where none was made. */
  resumeAt: number[];
  firstAfterRestart: number[];
  /** The restart under live members: records produced after it, records consumed twice, time until all were consumed. */
  liveRestart: { records: number; redelivered: number; resumeMs: number };
  violations: string[];
  durationMs: number;
}

/** Runs the whole scenario; returns the figures (the caller asserts and prints them). */
export async function runGroupScenario(o: ScenarioOptions): Promise<ScenarioFigures> {
  const started = Date.now();
  const topic = 'orders';
  const group = `${o.label}-group`;
  const P = o.partitions;
  const dataDir = tempDataDir('sluice-group-scenario-');
  const members: Member[] = [];
  let broker: BrokerProcess | null = null;
  const clients: { disconnect(): Promise<void> }[] = [];
  // Which sequences were consumed, by anyone.
  const capacity = Math.ceil(o.records / P) + 100;
  const seen = Array.from({ length: P }, () => new Uint8Array(capacity));
  const coverage = (): { seen: number; firstMissing: number }[] =>
    seen.map((bits) => ({ seen: bits.reduce((n, b) => n + b, 0), firstMissing: bits.indexOf(0) }));
  try {
    broker = await startBrokerProcess({ dataDir, args: brokerArgs });
    const kafka = (b: BrokerProcess): kafkajs.Kafka =>
      new kafkajs.Kafka({ clientId: `${o.label}-driver`, brokers: [b.bootstrapServers], logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
    let admin = kafka(broker).admin();
    await admin.connect();
    clients.push(admin);
    await admin.createTopics({ topics: [{ topic, numPartitions: P }] });
    const producer = kafka(broker).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    clients.push(producer);

    // Sequence per partition: value "<p>:<seq>"; one idempotent producer, so seq == offset.
    const next = new Array<number>(P).fill(0);
    let produced = 0;
    const produce = async (count: number, onto: kafkajs.Producer = producer): Promise<void> => {
      for (let sent = 0; sent < count; ) {
        const n = Math.min(1000, count - sent);
        const messages = Array.from({ length: n }, (_, i) => {
          const p = (produced + i) % P;
          return { partition: p, value: `${p}:${next[p]!++}` };
        });
        await onto.send({ topic, messages, acks: -1 });
        produced += n;
        sent += n;
      }
    };

    // What the members consumed after the restart.
    let unique = 0;
    let total = 0;
    const maxBefore = new Array<number>(P).fill(-1);
    let restarted = false;
    const checkpoints: [string, number][] = [];
    const firstAfterRestart = new Array<number>(P).fill(-1);
    const onRecord = (_m: Member, p: number, offset: number, seq: number): void => {
      total++;
      const bits = seen[p]!;
      if (seq >= 0 && seq < capacity && bits[seq] === 0) {
        bits[seq] = 1;
        unique++;
      }
      if (!restarted) maxBefore[p] = Math.max(maxBefore[p]!, offset);
      else if (firstAfterRestart[p] === -1) firstAfterRestart[p] = offset;
    };
    const launch = (b: BrokerProcess, name: string): Member => {
      const m = new Member(name, o.launch(b.bootstrapServers, group, topic), onRecord);
      members.push(m);
      return m;
    };
    /** Live members own every partition, each exactly once. */
    const settled = (live: Member[]): boolean => {
      const owners = new Array<number>(P).fill(0);
      for (const m of live) for (const p of m.owned) owners[p]!++;
      return owners.every((n) => n === 1);
    };
    const consumeTimeout = o.consumeTimeoutMs ?? 60_000;

    const third = Math.floor(o.records / 3);
    await produce(third);
    const first = Array.from({ length: o.members }, (_, i) => launch(broker!, `${o.label}-m${i}`));
    await waitFor(`${o.members} members sharing the ${P} partitions`, () => first.every((m) => m.owned.size > 0 && m.alive) && settled(first), 60_000);

    // Mid-stream: records keep coming while one member dies without a LeaveGroup.
    const phaseB = produce(third);
    const victim = first.find((m) => m.records > 0) ?? first[0]!;
    await waitFor('the victim to consume', () => victim.records > 0, 30_000);
    const orphaned = [...victim.owned].sort((a, b) => a - b);
    checkpoints.push(['settled', total - unique]);
    victim.kill();
    await victim.exited;
    const killedAt = Date.now();
    const survivors = first.filter((m) => m !== victim);
    await waitFor("the killed member's partitions to move to the survivors", () => settled(survivors), o.sessionTimeoutMs + 30_000);
    const moveMs = Date.now() - killedAt;
    checkpoints.push(['moved', total - unique]);
    await phaseB;
    await waitFor('every record so far consumed', () => unique === produced, consumeTimeout);
    checkpoints.push(['caught up', total - unique]);

    // Mid-stream again: kill every member while they consume, leaving an uncommitted tail.
    // The last records (phase D, 20 a partition) are produced after the restarts.
    const phaseD = 20 * P;
    // Phase D is produced twice: after the restart, and after the restart under live members.
    const countC = o.records - 2 * third - 2 * phaseD;
    const target = produced + Math.floor(countC / 3);
    const phaseC = produce(countC);
    await waitFor('the survivors to be mid-stream', () => unique >= target, consumeTimeout);
    for (const m of survivors) m.kill();
    await Promise.all(survivors.map((m) => m.exited));
    await phaseC;
    const committedOf = async (a: kafkajs.Admin): Promise<number[]> => {
      const [t] = await a.fetchOffsets({ groupId: group, topics: [topic] });
      const out = new Array<number>(P).fill(-1);
      for (const p of t!.partitions) out[p.partition] = Number(p.offset);
      return out;
    };
    const committed = await committedOf(admin);

    // Restart on the same data dir: the commits come back from __consumer_offsets.
    await producer.disconnect();
    await admin.disconnect();
    clients.length = 0;
    const code = await broker.stop();
    if (code !== 0) throw new Error(`broker exited with ${code} on SIGTERM:\n${broker.output()}`);
    broker = await startBrokerProcess({ dataDir, args: brokerArgs });
    admin = kafka(broker).admin();
    await admin.connect();
    clients.push(admin);
    const reloaded = await committedOf(admin);
    if (reloaded.join() !== committed.join()) throw new Error(`committed offsets changed across the restart: ${committed.join()} → ${reloaded.join()}`);
    restarted = true;
    checkpoints.push(['restart', total - unique]);
    const producer2 = kafka(broker).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer2.connect();
    clients.push(producer2);
    // A few records on every partition, so every partition has something past its commit.
    await produce(phaseD, producer2);
    const second = Array.from({ length: Math.max(o.members - 1, 1) }, (_, i) => launch(broker!, `${o.label}-r${i}`));
    await waitFor('every record consumed after the restart', () => unique === produced && firstAfterRestart.every((f) => f >= 0), consumeTimeout + o.sessionTimeoutMs);
    const consumedBeforeLive = total;
    let liveResumeMs = -1;
    if (o.survivesBrokerRestart ?? true) {
      // Another restart, now under live members: they reconnect to the same port, stay in their
      // group (loaded from __consumer_offsets) and consume what comes after.
      await producer2.disconnect();
      await admin.disconnect();
      clients.length = 0;
      const port = broker.port;
      const liveCode = await broker.stop();
      if (liveCode !== 0) throw new Error(`broker exited with ${liveCode} on SIGTERM:\n${broker.output()}`);
      const liveRestartAt = Date.now();
      broker = await startBrokerProcess({ dataDir, port, args: brokerArgs });
      const producer3 = kafka(broker).producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer3.connect();
      clients.push(producer3);
      await produce(phaseD, producer3);
      await waitFor('the live members to consume the records produced after the second restart', () => unique === produced, consumeTimeout + o.sessionTimeoutMs);
      liveResumeMs = Date.now() - liveRestartAt;
      if (second.some((m) => !m.alive)) throw new Error('a member died across the broker restart');
    } else {
      await produce(phaseD, producer2);
      await waitFor('the last records', () => unique === produced, consumeTimeout);
    }
    for (const m of second) m.kill();

    return {
      label: o.label,
      produced,
      consumed: total,
      redelivered: total - unique,
      redeliveredBy: checkpoints.map(([at, n]) => `${at} ${n}`).join(', '),
      moveMs,
      orphaned,
      uncommittedTail: maxBefore.reduce((sum, max, p) => sum + Math.max(0, max + 1 - committed[p]!), 0),
      committedAhead: committed.flatMap((c, p) => (c > maxBefore[p]! + 1 ? [p] : [])),
      liveRestart: { records: phaseD, redelivered: total - consumedBeforeLive - phaseD, resumeMs: liveResumeMs },
      committed,
      resumeAt: committed.map((c) => (c >= 0 ? c : 0)),
      firstAfterRestart,
      violations: members.flatMap((m) => m.violations),
      durationMs: Date.now() - started,
    };
  } catch (error) {
    // Per partition: how many sequences were seen, and the first one missing.
    const gaps = coverage().map((c, p) => `p${p}: ${c.seen} seen, first missing ${c.firstMissing}`).join('; ');
    const tails = members.map((m) => `--- ${m.name} (alive ${m.alive}, ${m.records} records, owns ${[...m.owned].join(',')})\n${m.output}`).join('\n');
    if (process.env.SLUICE_GROUP_BROKER_LOG) writeFileSync(`/tmp/${o.label}-broker.log`, broker?.output() ?? '');
    throw new Error(`${(error as Error).message}\n${gaps}\n${tails}\n--- broker\n${broker?.output().slice(-3000) ?? ''}`, { cause: error });
  } finally {
    for (const m of members) m.kill();
    for (const c of clients) await c.disconnect().catch(() => undefined);
    await broker?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Spawns a child whose stdout and stderr arrive as one ordered stream (for kcat's rebalance lines). */
export function spawnMerged(command: string, args: string[]): ChildProcess {
  const quoted = [command, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return spawn('/bin/sh', ['-c', `exec ${quoted} 2>&1`], { stdio: ['ignore', 'pipe', 'ignore'] });
}
