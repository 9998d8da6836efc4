// The embeddable API: start a real broker inside a test suite.
//   const broker = await startBroker();           // in memory, free port
//   new Kafka({ brokers: [broker.bootstrapServers] })
//   await broker.stop();
import { pino, type Logger } from 'pino';
import { loadBrokerConfig, parseProperties } from './config/server-properties.js';
import { readFileSync } from 'node:fs';
import { Broker } from './broker/broker.js';
import { devDefaultProperties } from './broker/dev-defaults.js';

export interface StartBrokerOptions {
  /** Client port; 0 (the default) picks a free one. */
  port?: number;
  /** Controller listener port; 0 (the default) picks a free one. */
  controllerPort?: number;
  host?: string;
  advertisedHost?: string;
  /** Directory for the logs; without it everything stays in memory. */
  dataDir?: string;
  /** A Kafka server.properties file; its keys win over Sluice's dev defaults. */
  configFile?: string;
  /** Broker config keys (Kafka's names), applied last. */
  overrides?: Record<string, string>;
  nodeId?: number;
  /** pino level; 'silent' by default when embedded. */
  logLevel?: string;
  logger?: Logger;
  /** Cluster id for a fresh data dir (a stored one wins); every node of a cluster shares it. */
  clusterId?: string;
  /**
   * Development SASL users: each gets PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 credentials. Without
   * a config file or a `listeners` override the client listener becomes SASL_PLAINTEXT.
   */
  saslUsers?: { user: string; password: string }[];
}

export interface RunningBroker {
  /** `host:port` for a client's bootstrap servers. */
  readonly bootstrapServers: string;
  readonly port: number;
  /** The port the client listener is bound to (differs from `port` when advertised.listeners points elsewhere). */
  readonly boundPort: number;
  readonly clusterId: string;
  readonly logger: Logger;
  readonly broker: Broker;
  stop(): Promise<void>;
}

export async function startBroker(options: StartBrokerOptions = {}): Promise<RunningBroker> {
  const logger = options.logger ?? pino({ level: options.logLevel ?? 'silent' });
  const props = devDefaultProperties({
    port: options.port ?? 0,
    controllerPort: options.controllerPort ?? 0,
    host: options.host ?? 'localhost',
    advertisedHost: options.advertisedHost ?? 'localhost',
    dataDir: options.dataDir ?? './data',
    nodeId: options.nodeId ?? 1,
    clientSecurityProtocol: (options.saslUsers?.length ?? 0) > 0 && options.configFile === undefined && options.overrides?.listeners === undefined ? 'SASL_PLAINTEXT' : 'PLAINTEXT',
  });
  if (options.configFile !== undefined) {
    for (const [key, value] of parseProperties(readFileSync(options.configFile, 'utf8'))) props.set(key, value);
  }
  for (const [key, value] of Object.entries(options.overrides ?? {})) props.set(key, value);
  const config = loadBrokerConfig(props);
  const broker = await Broker.start({ config, inMemory: options.dataDir === undefined && options.configFile === undefined, logger,
    ...(options.clusterId !== undefined ? { clusterId: options.clusterId } : {}),
    ...(options.saslUsers !== undefined ? { saslUsers: options.saslUsers } : {}) });
  const endpoint = broker.endpoint();
  return {
    bootstrapServers: `${endpoint.host}:${endpoint.port}`,
    port: endpoint.port,
    boundPort: broker.listeners.find((l) => l.name === endpoint.name)?.boundPort ?? endpoint.port,
    clusterId: broker.clusterId,
    logger,
    broker,
    stop: () => broker.stop(),
  };
}

export { Broker } from './broker/broker.js';
