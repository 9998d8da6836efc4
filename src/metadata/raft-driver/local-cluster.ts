// A local cluster of combined broker+controller nodes in one process (`sluice start
// --cluster N`): node i gets client port base+i-1 and CONTROLLER port base+N+i-1, its own
// data dir `<dataDir>/node-<i>`, and all nodes share one cluster id and the static voter
// set of all N controllers. Nodes start together: each waits for a quorum leader and for
// the controller to unfence it, which needs a majority of them up.
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { randomUuid } from '../../../protocol/runtime/index.js';
import { loadBrokerConfig, parseProperties } from '../../config/server-properties.js';
import { Broker } from '../../broker/broker.js';
import { devDefaultProperties } from '../../broker/dev-defaults.js';

/**
 * Failover timings for a development cluster, shorter than Kafka's production defaults
 * (election 1 s, fetch timeout 2 s, broker heartbeat 2 s, session 9 s, replica fetch backoff
 * 1 s): on one machine a node that stops answering has crashed, and a developer should see
 * leadership move in about two seconds rather than ten. Any of them can be overridden.
 */
export const FAST_FAILOVER: Readonly<Record<string, string>> = {
  'controller.quorum.election.timeout.ms': '300',
  'controller.quorum.fetch.timeout.ms': '800',
  'controller.quorum.election.backoff.max.ms': '300',
  'controller.quorum.request.timeout.ms': '800',
  'broker.heartbeat.interval.ms': '200',
  'broker.session.timeout.ms': '1200',
  'replica.fetch.backoff.ms': '100',
};

export interface LocalClusterOptions {
  readonly nodes: number;
  /** First client port; 0 picks free ports. */
  readonly basePort: number;
  readonly host: string;
  readonly advertisedHost: string;
  /** Parent of the node data dirs; without it every node stays in memory. */
  readonly dataDir?: string;
  /** Broker config keys applied to every node. */
  readonly overrides?: Readonly<Record<string, string>>;
  readonly logger: Logger;
  /** Cluster id for fresh data dirs (one stored by an earlier run wins). */
  readonly clusterId?: string;
}

export interface LocalCluster {
  readonly clusterId: string;
  readonly brokers: readonly Broker[];
  readonly bootstrapServers: string;
  stop(): Promise<void>;
}

/** Free loopback ports, found by binding port 0 (then released for the nodes to take). */
export async function freePorts(count: number, host: string): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<import('node:net').Server>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, host === 'localhost' ? '127.0.0.1' : host, () => resolve(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** The cluster id node 1 was formatted with, if its data dir exists. */
function existingClusterId(dataDir: string | undefined): string | undefined {
  if (dataDir === undefined) return undefined;
  try {
    return parseProperties(readFileSync(join(dataDir, 'node-1', 'meta.properties'), 'utf8')).get('cluster.id');
  } catch {
    return undefined;
  }
}

export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const n = options.nodes;
  if (!Number.isInteger(n) || n < 1) throw new Error(`--cluster needs a positive node count, got ${n}`);
  const ports = options.basePort === 0 ? await freePorts(2 * n, options.host) : Array.from({ length: 2 * n }, (_, i) => options.basePort + i);
  const clientPort = (i: number): number => ports[i - 1]!;
  const controllerPort = (i: number): number => ports[n + i - 1]!;
  const voters = Array.from({ length: n }, (_, k) => `${k + 1}@${options.advertisedHost}:${controllerPort(k + 1)}`).join(',');
  const clusterId = existingClusterId(options.dataDir) ?? options.clusterId ?? randomUuid(randomBytes);
  const starts = Array.from({ length: n }, (_, k) => {
    const id = k + 1;
    const props = devDefaultProperties({
      port: clientPort(id),
      controllerPort: controllerPort(id),
      host: options.host,
      advertisedHost: options.advertisedHost,
      dataDir: options.dataDir === undefined ? `./data/node-${id}` : join(options.dataDir, `node-${id}`),
      nodeId: id,
    });
    props.set('controller.quorum.voters', voters);
    // Internal topics replicated over the cluster (Kafka's defaults, capped by the node count), so
    // the group and transaction coordinators move with their partitions' leaders when a node goes.
    props.set('offsets.topic.replication.factor', String(Math.min(3, n)));
    props.set('transaction.state.log.replication.factor', String(Math.min(3, n)));
    props.set('transaction.state.log.min.isr', String(Math.min(2, n)));
    for (const [key, value] of Object.entries(FAST_FAILOVER)) props.set(key, value);
    for (const [key, value] of Object.entries(options.overrides ?? {})) props.set(key, value);
    return Broker.start({ config: loadBrokerConfig(props), inMemory: options.dataDir === undefined, clusterId, logger: options.logger.child({ node: id }) });
  });
  let brokers: Broker[];
  try {
    brokers = await Promise.all(starts);
  } catch (error) {
    // One node failed (a port in use, say): fail at once; the others stop as their starts settle.
    for (const start of starts) start.then((b) => b.stop(), () => undefined).catch(() => undefined);
    throw error;
  }
  return {
    clusterId,
    brokers,
    bootstrapServers: brokers.map((b) => `${b.endpoint().host}:${b.endpoint().port}`).join(','),
    stop: async () => {
      await Promise.all(brokers.map((b) => b.stop()));
    },
  };
}
