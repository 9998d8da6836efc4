// Shared by the replication tests: an in-process 3-node cluster with Raft, heartbeat and
// replica-fetch timings cut down so failovers and ISR changes take a second or two.
import { pino, type Logger } from 'pino';
import { startLocalCluster, type LocalCluster } from '../../../src/metadata/raft-driver/local-cluster.js';
import type { Broker } from '../../../src/broker/broker.js';
import { buildUncompressedRecordBatch } from '../../../src/records/record-batch.js';

export const FAST_CLUSTER = {
  'controller.quorum.election.timeout.ms': '300',
  'controller.quorum.fetch.timeout.ms': '600',
  'controller.quorum.election.backoff.max.ms': '300',
  'controller.quorum.request.timeout.ms': '500',
  'broker.heartbeat.interval.ms': '200',
  'broker.session.timeout.ms': '1500',
  'replica.fetch.wait.max.ms': '200',
  'replica.fetch.backoff.ms': '100',
} as const;

export function startFastCluster(overrides: Record<string, string> = {}, logger: Logger = pino({ level: process.env.CLUSTER_LOG ?? 'silent' })): Promise<LocalCluster> {
  return startLocalCluster({ nodes: 3, basePort: 0, host: '127.0.0.1', advertisedHost: '127.0.0.1', overrides: { ...FAST_CLUSTER, ...overrides }, logger });
}

export const node = (brokers: readonly Broker[], id: number): Broker => brokers.find((b) => b.config.nodeId === id)!;

export const batchOf = (...values: string[]): Buffer => buildUncompressedRecordBatch(values.map((v) => ({ key: null, value: Buffer.from(v) })));

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
