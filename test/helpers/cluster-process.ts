// A real multi-process Sluice cluster for tests: N `bin/sluice.js start` processes, each a
// combined broker+controller node (process.roles=broker,controller, node.id 1..N, the same
// controller.quorum.voters and cluster id), with its own data dir, client and CONTROLLER
// ports and log file. Nodes can be killed with SIGKILL (the crash kill -9 makes) and started
// again on the same ports and data dir. Metadata is read with raw Metadata v12 requests to a
// chosen node, so a test sees exactly what that node serves (no client-side cache).
//
// Runs bin/sluice.js → dist/, so build first. A node can be started behind a command prefix
// (`ip netns exec <ns>`) to live in a network namespace.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKey } from '../../protocol/generated/api-keys.js';
import { MetadataRequest, createMetadataRequest } from '../../protocol/generated/message/metadata-request.js';
import { MetadataResponse } from '../../protocol/generated/message/metadata-response.js';
import { ZERO_UUID, randomUuid } from '../../protocol/runtime/index.js';
import { RpcClient } from '../../src/metadata/raft-driver/rpc-client.js';
import { freePorts } from '../../src/metadata/raft-driver/local-cluster.js';
import { REPO_ROOT } from './broker-process.js';

const BIN = join(REPO_ROOT, 'bin/sluice.js');

/**
 * Timings for a test cluster (the ones `sluice start --cluster` uses, see local-cluster.ts):
 * a dead Raft leader is noticed within 800 ms and a new one elected within a few hundred more,
 * brokers are fenced 1.2 s after their last heartbeat, and followers retry a failed replica
 * fetch after 100 ms. Tests may override any of them.
 */
export { FAST_FAILOVER } from '../../src/metadata/raft-driver/local-cluster.js';

export interface ClusterNodeAddress {
  readonly id: number;
  /** Bind and advertised host. */
  readonly host: string;
  readonly clientPort: number;
  readonly controllerPort: number;
}

export interface ProcessClusterOptions {
  readonly nodes?: number;
  /** Broker config keys for every node (Kafka names). */
  readonly overrides?: Readonly<Record<string, string>>;
  /** Host of node `id` (bind and advertised); 127.0.0.1 by default. */
  readonly hostOf?: (id: number) => string;
  /** Fixed ports of node `id`; free loopback ports by default. */
  readonly portsOf?: (id: number) => { client: number; controller: number };
  /** Command prefix for node `id`, e.g. ['ip', 'netns', 'exec', 'ns1'] (must exec the node in place). */
  readonly commandPrefix?: (id: number) => readonly string[];
  readonly logLevel?: string;
  /** Per node start (until it prints its listening line: registered and unfenced). */
  readonly startTimeoutMs?: number;
}

export interface PartitionView {
  readonly topic: string;
  readonly partition: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly errorCode: number;
}

export interface MetadataView {
  /** The node that answered. */
  readonly from: number;
  readonly controllerId: number;
  /** Unfenced brokers (Metadata lists only those). */
  readonly brokers: readonly number[];
  readonly partitions: readonly PartitionView[];
}

interface NodeState {
  readonly address: ClusterNodeAddress;
  readonly dataDir: string;
  readonly logFile: string;
  child: ChildProcess | undefined;
  exited: Promise<void> | undefined;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export class ProcessCluster {
  readonly clusterId = randomUuid(randomBytes);
  private readonly nodes = new Map<number, NodeState>();
  private readonly root: string;
  private readonly clients = new Map<number, RpcClient>();
  /** Nodes the test has cut off the network: running, but neither asked nor expected in views. */
  private readonly cutOff = new Set<number>();

  private constructor(
    private readonly options: ProcessClusterOptions,
    addresses: readonly ClusterNodeAddress[],
  ) {
    this.root = mkdtempSync(join(tmpdir(), 'sluice-cluster-'));
    for (const address of addresses) {
      this.nodes.set(address.id, { address, dataDir: join(this.root, `node-${address.id}`), logFile: join(this.root, `node-${address.id}.log`), child: undefined, exited: undefined });
    }
  }

  /** Starts every node at once (a quorum needs a majority up before any node finishes starting). */
  static async start(options: ProcessClusterOptions = {}): Promise<ProcessCluster> {
    if (!existsSync(join(REPO_ROOT, 'dist/src/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
    const n = options.nodes ?? 3;
    const free = options.portsOf === undefined ? await freePorts(2 * n, '127.0.0.1') : [];
    const addresses = Array.from({ length: n }, (_, k): ClusterNodeAddress => {
      const id = k + 1;
      const fixed = options.portsOf?.(id);
      return { id, host: options.hostOf?.(id) ?? '127.0.0.1', clientPort: fixed?.client ?? free[k]!, controllerPort: fixed?.controller ?? free[n + k]! };
    });
    const cluster = new ProcessCluster(options, addresses);
    try {
      await Promise.all(addresses.map((a) => cluster.startNode(a.id)));
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
    return cluster;
  }

  get ids(): number[] {
    return [...this.nodes.keys()];
  }

  get dataRoot(): string {
    return this.root;
  }

  address(id: number): ClusterNodeAddress {
    return this.state(id).address;
  }

  bootstrap(id: number): string {
    const a = this.address(id);
    return `${a.host}:${a.clientPort}`;
  }

  /** Every node's client address. */
  get bootstrapServers(): string[] {
    return this.ids.map((id) => this.bootstrap(id));
  }

  isRunning(id: number): boolean {
    const child = this.state(id).child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  running(): number[] {
    return this.ids.filter((id) => this.isRunning(id));
  }

  /** Running nodes the test process can reach (not cut off). */
  reachable(): number[] {
    return this.running().filter((id) => !this.cutOff.has(id));
  }

  /** Marks a node as cut off the network (or back on it): views leave it out meanwhile. */
  setCutOff(id: number, cut: boolean): void {
    if (cut) this.cutOff.add(id);
    else this.cutOff.delete(id);
    this.clients.get(id)?.close();
    this.clients.delete(id);
  }

  pid(id: number): number | undefined {
    return this.state(id).child?.pid;
  }

  private state(id: number): NodeState {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  private voters(): string {
    return [...this.nodes.values()].map(({ address: a }) => `${a.id}@${a.host}:${a.controllerPort}`).join(',');
  }

  /** Spawns node `id` and resolves once it prints its listening line (it is registered and unfenced by then). */
  async startNode(id: number): Promise<void> {
    const node = this.state(id);
    if (this.isRunning(id)) throw new Error(`node ${id} is already running`);
    const a = node.address;
    const args = [
      BIN, 'start',
      '--node-id', String(id),
      '--port', String(a.clientPort),
      '--controller-port', String(a.controllerPort),
      '--host', a.host,
      '--advertised-host', a.host,
      '--data-dir', node.dataDir,
      '--cluster-id', this.clusterId,
      '--log-level', this.options.logLevel ?? 'info',
      '--override', `controller.quorum.voters=${this.voters()}`,
      ...Object.entries(this.options.overrides ?? {}).flatMap(([k, v]) => ['--override', `${k}=${v}`]),
    ];
    const prefix = this.options.commandPrefix?.(id) ?? [];
    const command = prefix.length > 0 ? prefix[0]! : process.execPath;
    const fullArgs = prefix.length > 0 ? [...prefix.slice(1), process.execPath, ...args] : args;
    // Output goes to a file (appended across restarts), so a dead test can show it and a
    // pipe never fills up and blocks the node.
    const fd = openSync(node.logFile, 'a');
    const child = spawn(command, fullArgs, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    node.child = child;
    // A test process that dies without destroy() must not leave nodes running behind it.
    const reap = (): void => void child.kill('SIGKILL');
    process.once('exit', reap);
    node.exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        process.off('exit', reap);
        resolve();
      }),
    );
    const startedAt = readFileSync(node.logFile).length;
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 60_000);
    for (;;) {
      const text = readFileSync(node.logFile, 'utf8').slice(startedAt);
      if (text.includes('sluice: listening on')) return;
      if (!this.isRunning(id)) throw new Error(`node ${id} exited during start:\n${this.tail(id, 40)}`);
      if (Date.now() > deadline) throw new Error(`node ${id} did not start in time:\n${this.tail(id, 40)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** kill -9 */
  async kill(id: number): Promise<void> {
    const node = this.state(id);
    this.clients.get(id)?.close();
    this.clients.delete(id);
    if (!this.isRunning(id)) return;
    node.child!.kill('SIGKILL');
    await node.exited;
  }

  /** SIGTERM and wait (controlled shutdown path). */
  async stopNode(id: number): Promise<void> {
    const node = this.state(id);
    this.clients.get(id)?.close();
    this.clients.delete(id);
    if (!this.isRunning(id)) return;
    node.child!.kill('SIGTERM');
    await withTimeout(node.exited!, 20_000, `node ${id} stop`).catch(async () => {
      node.child!.kill('SIGKILL');
      await node.exited;
    });
  }

  /** Kills every node and removes the data dirs (unless `keep`). */
  async destroy(keep = false): Promise<void> {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
    await Promise.all(this.ids.map((id) => this.kill(id)));
    if (!keep) rmSync(this.root, { recursive: true, force: true });
  }

  /** The last lines of a node's log. */
  tail(id: number, lines = 60): string {
    try {
      const text = readFileSync(this.state(id).logFile, 'utf8').trimEnd().split('\n');
      return text.slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Every node's log tail, for a failure message. */
  logs(lines = 60): string {
    return this.ids.map((id) => `----- node ${id} (${this.isRunning(id) ? 'running' : 'down'}) ${this.state(id).logFile} -----\n${this.tail(id, lines)}`).join('\n');
  }

  /** Raw Metadata v12 from node `id` (all topics when `topics` is omitted). */
  async metadata(id: number, topics?: readonly string[], timeoutMs = 3000): Promise<MetadataView> {
    let client = this.clients.get(id);
    if (client === undefined) {
      const a = this.address(id);
      client = new RpcClient(a.host, a.clientPort, 'sluice-cluster-test', 1000);
      this.clients.set(id, client);
    }
    const request = createMetadataRequest({ topics: topics === undefined ? null : topics.map((name) => ({ topicId: ZERO_UUID, name })), allowAutoTopicCreation: false });
    let response: MetadataResponse;
    try {
      response = await withTimeout(client.request(ApiKey.Metadata, 12, MetadataRequest, request, MetadataResponse), timeoutMs, `Metadata from node ${id}`);
    } catch (error) {
      client.close();
      this.clients.delete(id);
      throw error;
    }
    return {
      from: id,
      controllerId: response.controllerId,
      brokers: response.brokers.map((b) => b.nodeId).sort((x, y) => x - y),
      partitions: response.topics.flatMap((t) =>
        t.partitions.map((p) => ({ topic: t.name ?? '', partition: p.partitionIndex, leader: p.leaderId, leaderEpoch: p.leaderEpoch, replicas: p.replicaNodes, isr: p.isrNodes, errorCode: p.errorCode })),
      ),
    };
  }

  /** Metadata from every reachable node that answers. */
  async metadataFromAll(topics?: readonly string[]): Promise<MetadataView[]> {
    const answers = await Promise.allSettled(this.reachable().map((id) => this.metadata(id, topics)));
    return answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
  }

  /**
   * The partition's state as the newest view among the running nodes has it (highest leader
   * epoch), or undefined when no running node knows it.
   */
  async partition(topic: string, partition: number): Promise<PartitionView | undefined> {
    let best: PartitionView | undefined;
    for (const view of await this.metadataFromAll([topic])) {
      const p = view.partitions.find((x) => x.topic === topic && x.partition === partition);
      if (p !== undefined && p.errorCode === 0 && (best === undefined || p.leaderEpoch > best.leaderEpoch)) best = p;
    }
    return best;
  }

  /** Waits until every reachable node reports `ok` for its own Metadata; returns the views. */
  async waitFor(what: string, ok: (views: MetadataView[]) => boolean, timeoutMs = 30_000, topics?: readonly string[]): Promise<MetadataView[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const last = await this.metadataFromAll(topics);
      if (last.length === this.reachable().length && last.length > 0 && ok(last)) return last;
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; last views: ${JSON.stringify(last)}\n${this.logs(30)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Every reachable node lists exactly the reachable brokers as unfenced and names one of them controller. */
  waitHealthy(timeoutMs = 30_000): Promise<MetadataView[]> {
    const running = this.reachable();
    return this.waitFor(
      `brokers ${running.join(',')} registered and unfenced`,
      (views) => views.every((v) => JSON.stringify(v.brokers) === JSON.stringify(running) && running.includes(v.controllerId) && v.controllerId === views[0]!.controllerId),
      timeoutMs,
    );
  }

  /** Every reachable node sees every partition of `topics` with a reachable leader and every reachable replica in the ISR. */
  waitFullIsr(topics: readonly string[], timeoutMs = 30_000): Promise<MetadataView[]> {
    const running = new Set(this.reachable());
    return this.waitFor(
      `every partition of ${topics.join(',')} led by a running node with all running replicas in sync`,
      (views) =>
        views.every((v) =>
          v.partitions.length > 0 &&
          v.partitions.every((p) => p.errorCode === 0 && running.has(p.leader) && p.replicas.filter((r) => running.has(r)).every((r) => p.isr.includes(r))),
        ),
      timeoutMs,
      topics,
    );
  }
}
