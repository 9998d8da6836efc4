// Deterministic cluster simulator for RaftNode: seeded RNG, simulated clock (time jumps
// from event to event), and a simulated network that loses, duplicates, delays and
// reorders messages and can be partitioned. Nodes crash and restart, keeping only their
// persisted quorum state and their log. Safety is checked on every change; liveness
// once faults stop. A failure throws a SimulationFailure carrying the seed.
import { InMemoryRaftLog } from '../../../../src/metadata/raft/memory-log.js';
import { RaftNode } from '../../../../src/metadata/raft/raft-node.js';
import { SeededRng } from '../../../../src/metadata/raft/seeded-rng.js';
import {
  DEFAULT_RAFT_CONFIG,
  type PersistedQuorumState,
  type RaftConfig,
  type RaftMessage,
  type RaftOutput,
  type SnapshotId,
} from '../../../../src/metadata/raft/types.js';

export class SimulationFailure extends Error {
  constructor(
    readonly seed: number,
    message: string,
  ) {
    super(`seed ${seed}: ${message}`);
  }
}

export interface SimulationStats {
  events: number;
  elections: number;
  leaders: number;
  committed: number;
  truncations: number;
  snapshotsTaken: number;
  snapshotsInstalled: number;
  restarts: number;
  partitions: number;
  resignations: number;
  messagesLost: number;
  messagesDuplicated: number;
  /** Simulated ms from healing the network to a proposal committed on every node. */
  recoveryMs: number;
}

/** Upper bound on recovery after faults stop; election/fetch timeouts are 1-2 s each. */
export const LIVENESS_BOUND_MS = 10_000;
const MAX_EVENTS = 200_000;

// A snapshot is the committed entries in order: [epoch int32][payload length u8][payload].
export function encodeSnapshot(entries: readonly { epoch: number; payload: Uint8Array }[]): Uint8Array {
  let size = 0;
  for (const entry of entries) size += 5 + entry.payload.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const entry of entries) {
    view.setInt32(at, entry.epoch);
    out[at + 4] = entry.payload.length;
    out.set(entry.payload, at + 5);
    at += 5 + entry.payload.length;
  }
  return out;
}

export function decodeSnapshot(bytes: Uint8Array): { epoch: number; payload: Uint8Array }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: { epoch: number; payload: Uint8Array }[] = [];
  let at = 0;
  while (at < bytes.length) {
    const length = bytes[at + 4]!;
    entries.push({ epoch: view.getInt32(at), payload: bytes.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return entries;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameEntry(a: { epoch: number; payload: Uint8Array }, b: { epoch: number; payload: Uint8Array }): boolean {
  return a.epoch === b.epoch && sameBytes(a.payload, b.payload);
}

/** Min-heap of events ordered by time, then by scheduling order (keeps runs deterministic). */
class EventQueue<T> {
  private heap: { time: number; seq: number; item: T }[] = [];
  private seq = 0;

  push(time: number, item: T): void {
    const heap = this.heap;
    heap.push({ time, seq: this.seq++, item });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  pop(): { time: number; item: T } | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (!top) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && this.before(heap[left]!, heap[smallest]!)) smallest = left;
        if (right < heap.length && this.before(heap[right]!, heap[smallest]!)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
        i = smallest;
      }
    }
    return top;
  }

  private before(a: { time: number; seq: number }, b: { time: number; seq: number }): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }
}

type SimEvent =
  | { type: 'deliver'; from: number; to: number; message: RaftMessage }
  | { type: 'wake'; node: number; incarnation: number }
  | { type: 'propose' }
  | { type: 'crash' }
  | { type: 'restart'; node: number }
  | { type: 'partition' }
  | { type: 'heal-partition' }
  | { type: 'snapshot' }
  | { type: 'resign' }
  | { type: 'heal-all' }
  | { type: 'liveness-probe' };

/** The log a simulated node keeps across restarts; it reports truncations to the checker. */
class CheckedLog extends InMemoryRaftLog {
  constructor(private readonly onTruncate: (log: CheckedLog, toOffset: bigint) => void) {
    super();
  }

  override truncateTo(offset: bigint): void {
    this.onTruncate(this, offset);
    super.truncateTo(offset);
  }
}

interface SimNode {
  id: number;
  isVoter: boolean;
  log: CheckedLog;
  persisted: PersistedQuorumState | undefined;
  raft: RaftNode | undefined;
  incarnation: number;
  scheduledWakeAt: number;
  /** Highest high watermark this incarnation reported (it must only grow). */
  incarnationHighWatermark: bigint;
  /** Log prefix already compared with the committed entries. */
  verifiedTo: bigint;
}

export interface SimulationOptions {
  trace?: (line: string) => void;
}

export function runSimulation(seed: number, options: SimulationOptions = {}): SimulationStats {
  return new Simulation(seed, options.trace).run();
}

class Simulation {
  private readonly rng: SeededRng;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly nodes: SimNode[] = [];
  private readonly voterIds: number[] = [];
  private readonly config: RaftConfig;
  private now = 0;
  private nextPayloadId = 1;
  /** Every committed entry, by offset: what all nodes must agree on forever. */
  private readonly committed: { epoch: number; payload: Uint8Array }[] = [];
  /** The epoch in which each committed offset was first known to be committed. */
  private readonly commitEpoch: number[] = [];
  private readonly leaderOfEpoch = new Map<number, number>();
  private readonly group = new Map<number, number>();

  // fault model, drawn per run
  private readonly lossRate: number;
  private readonly duplicateRate: number;
  private readonly maxDelayMs: number;
  private readonly faultPhaseMs: number;
  private healed = false;
  private healedAt = 0;
  private livenessMarkers: { offset: bigint; epoch: number; payload: Uint8Array }[] = [];
  private live = false;

  readonly stats: SimulationStats = {
    events: 0,
    elections: 0,
    leaders: 0,
    committed: 0,
    truncations: 0,
    snapshotsTaken: 0,
    snapshotsInstalled: 0,
    restarts: 0,
    partitions: 0,
    resignations: 0,
    messagesLost: 0,
    messagesDuplicated: 0,
    recoveryMs: 0,
  };

  constructor(
    private readonly seed: number,
    private readonly trace: ((line: string) => void) | undefined,
  ) {
    this.rng = new SeededRng(seed);
    const voterCount = this.rng.nextFloat() < 0.7 ? 3 : 5;
    const observerCount = this.rng.nextFloat() < 0.3 ? 1 : 0;
    this.lossRate = this.rng.nextFloat() * 0.2;
    this.duplicateRate = this.rng.nextFloat() * 0.1;
    this.maxDelayMs = 2 + this.rng.nextInt(60);
    this.faultPhaseMs = 2000 + this.rng.nextInt(6000);
    // Kafka's timeouts; a shorter request timeout than Kafka's so a lost request is
    // retried before the fetch timeout turns every loss into an election.
    // Small fetch responses leave followers holding an old epoch's tail without the new
    // leader's LeaderChange record, the window the current-epoch commit rule guards.
    const fetchMaxRecords = this.rng.nextFloat() < 0.5 ? 1 : 1 + this.rng.nextInt(8);
    this.config = { ...DEFAULT_RAFT_CONFIG, requestTimeoutMs: 600, fetchMaxRecords, snapshotChunkBytes: 48 };
    for (let i = 0; i < voterCount + observerCount; i++) {
      const id = i + 1;
      const isVoter = i < voterCount;
      if (isVoter) this.voterIds.push(id);
      this.nodes.push({
        id,
        isVoter,
        log: new CheckedLog((log, to) => this.checkTruncation(id, log, to)),
        persisted: undefined,
        raft: undefined,
        incarnation: 0,
        scheduledWakeAt: Number.POSITIVE_INFINITY,
        incarnationHighWatermark: -1n,
        verifiedTo: 0n,
      });
    }
  }

  run(): SimulationStats {
    for (const node of this.nodes) this.boot(node);
    this.scheduleRandom('propose', 20, 250);
    this.scheduleRandom('crash', 300, 2500);
    this.scheduleRandom('partition', 200, 2000);
    this.scheduleRandom('snapshot', 200, 1500);
    this.scheduleRandom('resign', 500, 4000);
    this.queue.push(this.faultPhaseMs, { type: 'heal-all' });
    for (;;) {
      const next = this.queue.pop();
      if (!next) this.fail('event queue ran dry');
      if (next.time < this.now) this.fail('time went backwards');
      this.now = next.time;
      this.stats.events++;
      if (this.stats.events > MAX_EVENTS) this.fail('event budget exhausted (a timer loop?)');
      try {
        this.handle(next.item);
      } catch (error) {
        if (error instanceof SimulationFailure) throw error;
        // An exception inside a node (an invariant it asserts) is a failure of this seed too.
        this.fail(`exception: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
      if (this.live) return this.stats;
      if (this.healed && this.now > this.healedAt + LIVENESS_BOUND_MS) {
        this.fail(`no proposal committed on every node within ${LIVENESS_BOUND_MS} ms of the network healing`);
      }
    }
  }

  private fail(message: string): never {
    throw new SimulationFailure(this.seed, `t=${this.now}: ${message}`);
  }

  private log(line: string): void {
    this.trace?.(`${this.now} ${line}`);
  }

  private scheduleRandom(type: 'propose' | 'crash' | 'partition' | 'snapshot' | 'resign', minMs: number, maxMs: number): void {
    this.queue.push(this.now + minMs + this.rng.nextInt(maxMs - minMs), { type });
  }

  // ---- node lifecycle ----------------------------------------------------------------

  private boot(node: SimNode): void {
    node.incarnation++;
    node.incarnationHighWatermark = -1n;
    node.scheduledWakeAt = Number.POSITIVE_INFINITY;
    node.raft = new RaftNode({
      nodeId: node.id,
      voters: this.voterIds,
      config: this.config,
      log: node.log,
      persisted: node.persisted,
      rng: new SeededRng(this.rng.nextInt(2 ** 31)),
    });
    this.log(`node ${node.id} boots (incarnation ${node.incarnation})`);
    this.apply(node, node.raft.start(this.now));
  }

  private crash(node: SimNode): void {
    this.log(`node ${node.id} crashes`);
    node.raft = undefined;
    this.stats.restarts++;
  }

  // ---- events --------------------------------------------------------------------------

  private handle(event: SimEvent): void {
    switch (event.type) {
      case 'deliver': {
        const node = this.nodes[event.to - 1]!;
        if (!node.raft || this.group.get(event.from) !== this.group.get(event.to)) return;
        this.log(`${event.from} -> ${event.to} ${describe(event.message)}`);
        this.apply(node, node.raft.handleMessage(event.from, event.message, this.now));
        return;
      }
      case 'wake': {
        const node = this.nodes[event.node - 1]!;
        if (!node.raft || node.incarnation !== event.incarnation || node.scheduledWakeAt !== this.now) return;
        node.scheduledWakeAt = Number.POSITIVE_INFINITY;
        this.apply(node, node.raft.tick(this.now));
        return;
      }
      case 'propose':
        this.proposeSomewhere();
        this.scheduleRandom('propose', 20, 250);
        return;
      case 'crash': {
        if (this.healed) return;
        const node = this.pick(this.nodes.filter((n) => n.raft));
        if (node) {
          this.crash(node);
          this.queue.push(this.now + this.rng.nextInt(2000), { type: 'restart', node: node.id });
        }
        this.scheduleRandom('crash', 300, 2500);
        return;
      }
      case 'restart': {
        const node = this.nodes[event.node - 1]!;
        if (!node.raft) this.boot(node);
        return;
      }
      case 'partition': {
        if (this.healed) return;
        this.stats.partitions++;
        for (const node of this.nodes) this.group.set(node.id, this.rng.nextInt(2));
        this.log(`partition ${[...this.group].map(([id, g]) => `${id}:${g}`).join(' ')}`);
        this.queue.push(this.now + 200 + this.rng.nextInt(2500), { type: 'heal-partition' });
        this.scheduleRandom('partition', 1000, 4000);
        return;
      }
      case 'heal-partition':
        this.group.clear();
        return;
      case 'snapshot':
        this.takeSnapshot();
        if (!this.healed) this.scheduleRandom('snapshot', 200, 1500);
        return;
      case 'resign': {
        if (this.healed) return;
        const leader = this.nodes.find((n) => n.raft?.role === 'leader');
        if (leader?.raft) {
          this.stats.resignations++;
          this.log(`node ${leader.id} resigns`);
          this.apply(leader, leader.raft.resign(this.now));
        }
        this.scheduleRandom('resign', 500, 4000);
        return;
      }
      case 'heal-all':
        this.healed = true;
        this.healedAt = this.now;
        this.group.clear();
        this.log('faults stop');
        for (const node of this.nodes) if (!node.raft) this.boot(node);
        this.queue.push(this.now + 100, { type: 'liveness-probe' });
        return;
      case 'liveness-probe':
        if (this.livenessReached()) {
          this.live = true;
          this.stats.recoveryMs = this.now - this.healedAt;
          return;
        }
        this.queue.push(this.now + 100, { type: 'liveness-probe' });
        return;
    }
  }

  private pick<T>(items: T[]): T | undefined {
    return items[this.rng.nextInt(items.length)];
  }

  private newPayload(): Uint8Array {
    const id = this.nextPayloadId++;
    return new Uint8Array([id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255]);
  }

  /** A client sends a few records to a random live node; only a leader accepts. */
  private proposeSomewhere(): void {
    const node = this.healed ? this.nodes.find((n) => n.raft?.role === 'leader') : this.pick(this.nodes.filter((n) => n.raft));
    if (!node?.raft) return;
    const payloads = Array.from({ length: 1 + this.rng.nextInt(3) }, () => this.newPayload());
    const { result, output } = node.raft.propose(payloads, this.now);
    if (result.accepted) {
      this.log(`node ${node.id} accepts ${payloads.length} records at ${result.baseOffset}`);
      if (this.healed) this.livenessMarkers.push({ offset: result.lastOffset, epoch: result.epoch, payload: payloads[payloads.length - 1]! });
    }
    this.apply(node, output);
  }

  /** The application on a random node snapshots its committed state at its high watermark. */
  private takeSnapshot(): void {
    const node = this.pick(this.nodes.filter((n) => n.raft));
    const hw = node?.raft?.currentHighWatermark;
    if (!node?.raft || hw === undefined || hw <= node.log.startOffset()) return;
    const entries = this.appliedState(node, hw);
    for (let i = 0; i < entries.length; i++) {
      const committed = this.committed[i];
      if (!committed || !sameEntry(entries[i]!, committed)) this.fail(`node ${node.id} snapshot differs from the committed log at ${i}`);
    }
    const last = node.log.entryAt(hw - 1n)!;
    const id: SnapshotId = { endOffset: hw, epoch: last.epoch };
    this.stats.snapshotsTaken++;
    this.log(`node ${node.id} snapshots at ${hw}`);
    this.apply(node, node.raft.snapshotTaken(id, encodeSnapshot(entries)));
  }

  /** The node's committed state below `upTo`: its base snapshot's content, then its log. */
  private appliedState(node: SimNode, upTo: bigint): { epoch: number; payload: Uint8Array }[] {
    const base = node.log.earliestSnapshotId();
    const entries = base ? decodeSnapshot(node.log.readSnapshot(base, 0n, Number.MAX_SAFE_INTEGER)!.bytes) : [];
    for (const entry of node.log.read(node.log.startOffset(), Number(upTo - node.log.startOffset()))) entries.push(entry);
    return entries;
  }

  // ---- outputs and safety checks ----------------------------------------------------------

  private apply(node: SimNode, output: RaftOutput): void {
    const raft = node.raft!;
    for (const effect of output.effects) {
      switch (effect.type) {
        case 'persist-quorum-state':
          node.persisted = { ...effect.state, currentVoters: [...effect.state.currentVoters] };
          break;
        case 'role-changed':
          this.log(`node ${node.id} is ${effect.role} in epoch ${effect.epoch} (leader ${effect.leaderId})`);
          if (effect.role === 'candidate') this.stats.elections++;
          if (effect.role === 'leader') this.checkNewLeader(node, effect.epoch);
          break;
        case 'high-watermark':
          this.checkHighWatermark(node, effect.offset);
          break;
        case 'snapshot-installed':
          this.checkInstalledSnapshot(node, effect.snapshotId);
          break;
        case 'log-truncated':
          this.stats.truncations++;
          break;
        case 'log-appended':
        case 'log-start-advanced':
          break;
      }
    }
    const hw = raft.currentHighWatermark;
    if (hw !== undefined && hw > node.log.endOffset()) this.fail(`node ${node.id} high watermark ${hw} is past its log end`);
    for (const { to, message } of output.messages) this.send(node.id, to, message);
    this.scheduleWake(node);
  }

  private scheduleWake(node: SimNode): void {
    const raft = node.raft;
    if (!raft) return;
    const at = Math.max(this.now, raft.nextWakeupMs());
    if (at === Number.POSITIVE_INFINITY || at >= node.scheduledWakeAt) return;
    node.scheduledWakeAt = at;
    this.queue.push(at, { type: 'wake', node: node.id, incarnation: node.incarnation });
  }

  private send(from: number, to: number, message: RaftMessage): void {
    const faulty = !this.healed;
    if (faulty && this.rng.nextFloat() < this.lossRate) {
      this.stats.messagesLost++;
      return;
    }
    const copies = faulty && this.rng.nextFloat() < this.duplicateRate ? 2 : 1;
    if (copies === 2) this.stats.messagesDuplicated++;
    for (let i = 0; i < copies; i++) {
      const delay = 1 + this.rng.nextInt(faulty ? this.maxDelayMs : 5);
      this.queue.push(this.now + delay, { type: 'deliver', from, to, message });
    }
  }

  /**
   * At most one leader per epoch, and it holds every entry committed in an earlier epoch
   * (Raft's leader completeness; a stale leader of a lower epoch may legitimately lack
   * entries a later epoch committed, and it can never commit itself).
   */
  private checkNewLeader(node: SimNode, epoch: number): void {
    this.stats.leaders++;
    const existing = this.leaderOfEpoch.get(epoch);
    if (existing !== undefined && existing !== node.id) this.fail(`epoch ${epoch} has two leaders: ${existing} and ${node.id}`);
    this.leaderOfEpoch.set(epoch, node.id);
    const log = node.log;
    for (let offset = log.startOffset(); offset < BigInt(this.committed.length); offset++) {
      if (this.commitEpoch[Number(offset)]! >= epoch) continue;
      const entry = log.entryAt(offset);
      if (!entry || !sameEntry(entry, this.committed[Number(offset)]!)) {
        this.fail(`new leader ${node.id} of epoch ${epoch} lacks committed offset ${offset}`);
      }
    }
  }

  /** A high watermark only grows, and everything below it is the one committed history. */
  private checkHighWatermark(node: SimNode, offset: bigint): void {
    if (offset <= node.incarnationHighWatermark) this.fail(`node ${node.id} high watermark went from ${node.incarnationHighWatermark} to ${offset}`);
    node.incarnationHighWatermark = offset;
    const start = node.log.startOffset();
    for (let o = node.verifiedTo > start ? node.verifiedTo : start; o < offset; o++) {
      const entry = node.log.entryAt(o);
      if (!entry) this.fail(`node ${node.id} high watermark ${offset} covers missing offset ${o}`);
      const index = Number(o);
      if (index < this.committed.length) {
        if (!sameEntry(entry, this.committed[index]!)) this.fail(`node ${node.id} committed a different entry at ${o}`);
      } else if (index === this.committed.length) {
        this.committed.push(entry);
        this.commitEpoch.push(node.raft!.currentEpoch);
        this.stats.committed++;
      } else {
        this.fail(`node ${node.id} commits ${o} with a gap in the committed log`);
      }
    }
    if (offset > node.verifiedTo) node.verifiedTo = offset;
  }

  /** Truncation may only drop entries that were never committed. */
  private checkTruncation(nodeId: number, log: CheckedLog, toOffset: bigint): void {
    const end = log.endOffset();
    const committedEnd = BigInt(this.committed.length);
    for (let o = toOffset; o < end && o < committedEnd; o++) {
      const entry = log.entryAt(o);
      if (entry && sameEntry(entry, this.committed[Number(o)]!)) this.fail(`node ${nodeId} truncates committed offset ${o}`);
    }
  }

  private checkInstalledSnapshot(node: SimNode, id: SnapshotId): void {
    this.stats.snapshotsInstalled++;
    const entries = decodeSnapshot(node.log.readSnapshot(id, 0n, Number.MAX_SAFE_INTEGER)!.bytes);
    if (BigInt(entries.length) !== id.endOffset) this.fail(`snapshot ${id.endOffset} holds ${entries.length} entries`);
    entries.forEach((entry, i) => {
      const committed = this.committed[i];
      if (!committed || !sameEntry(entry, committed)) this.fail(`node ${node.id} installed a snapshot that differs at ${i}`);
    });
    node.verifiedTo = id.endOffset;
  }

  /** Liveness: some proposal made after healing is committed on every node, voters and observers. */
  private livenessReached(): boolean {
    return this.livenessMarkers.some((marker) => {
      const index = Number(marker.offset);
      const committed = this.committed[index];
      if (!committed || !sameEntry(committed, marker)) return false;
      return this.nodes.every((n) => {
        const hw = n.raft?.currentHighWatermark;
        return hw !== undefined && hw > marker.offset;
      });
    });
  }
}

function describe(message: RaftMessage): string {
  switch (message.kind) {
    case 'VoteRequest':
      return `Vote(epoch ${message.candidateEpoch}, last ${message.lastOffsetEpoch}/${message.lastOffset})`;
    case 'VoteResponse':
      return `VoteResp(epoch ${message.leaderEpoch}, granted ${message.voteGranted}, err ${message.errorCode})`;
    case 'FetchRequest':
      return `Fetch#${message.requestId}(epoch ${message.currentLeaderEpoch}, ${message.fetchOffset}/${message.lastFetchedEpoch})`;
    case 'FetchResponse':
      return `FetchResp#${message.requestId}(err ${message.errorCode}, hw ${message.highWatermark}, ${message.records.length} recs${
        message.divergingEpoch ? `, diverging ${message.divergingEpoch.epoch}/${message.divergingEpoch.endOffset}` : ''
      }${message.snapshotId ? `, snapshot ${message.snapshotId.endOffset}` : ''})`;
    default:
      return `${message.kind}(${JSON.stringify(message, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))})`;
  }
}
