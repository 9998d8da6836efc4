import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { startBroker } from '../index.js';
import { pino } from 'pino';
import { startLocalCluster } from '../metadata/raft-driver/local-cluster.js';

/** Parses `key=value` overrides given with --override. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function buildProgram(): Command {
  const program = new Command();
  program.name('sluice').description('A Kafka broker that stock Kafka clients use unchanged');
  program
    .command('start')
    .description('start a broker (a combined broker+controller KRaft node)')
    .addOption(new Option('-p, --port <port>', 'client listener port (0 picks a free one)').default('9092'))
    .option('--controller-port <port>', 'controller listener port (default: client port + 1, or 0 with --port 0)')
    .option('--host <host>', 'host to bind; localhost binds IPv4 and IPv6 loopback', 'localhost')
    .option('--advertised-host <host>', 'host clients are told to connect to', 'localhost')
    .option('-d, --data-dir <dir>', 'where logs and metadata live', './data')
    .option('--memory', 'keep everything in memory (nothing written to disk)', false)
    .option('-c, --config <file>', "a Kafka server.properties (Kafka's own key names)")
    .option('--override <key=value>', 'set any broker config key (repeatable)', collect, [])
    .option('--node-id <id>', 'node.id', '1')
    .option('--log-level <level>', 'pino log level', 'info')
    .option('--cluster-id <id>', "cluster id for a fresh data dir (as kafka-storage format -t sets it); every node of a multi-process cluster needs the same one")
    .option('--sasl-user <user:password>', 'development SASL user with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 credentials (repeatable); without --config the client listener becomes SASL_PLAINTEXT', collect, [])
    .option('--cluster <nodes>', 'start N combined nodes in this process: client ports PORT.., controller ports PORT+N.., data in DATA_DIR/node-<i>')
    .action(async (options: {
      port: string;
      controllerPort?: string;
      host: string;
      advertisedHost: string;
      dataDir: string;
      memory: boolean;
      config?: string;
      override: string[];
      nodeId: string;
      logLevel: string;
      cluster?: string;
      clusterId?: string;
      saslUser: string[];
    }) => {
      const overrides: Record<string, string> = {};
      for (const entry of options.override) {
        const at = entry.indexOf('=');
        if (at <= 0) throw new Error(`--override expects key=value, got ${entry}`);
        overrides[entry.slice(0, at)] = entry.slice(at + 1);
      }
      const saslUsers = options.saslUser.map((entry) => {
        const colon = entry.indexOf(':');
        if (colon <= 0) throw new Error('--sasl-user expects user:password');
        return { user: entry.slice(0, colon), password: entry.slice(colon + 1) };
      });
      const port = Number(options.port);
      if (options.cluster !== undefined) {
        // The cluster's inter-broker and controller connections are PLAINTEXT only for now.
        if (saslUsers.length > 0) throw new Error('--sasl-user is not supported with --cluster yet');
        const logger = pino({ level: options.logLevel });
        const cluster = await startLocalCluster({
          nodes: Number(options.cluster),
          basePort: port,
          host: options.host,
          advertisedHost: options.advertisedHost,
          dataDir: options.memory ? undefined : resolve(options.dataDir),
          overrides,
          logger,
          ...(options.clusterId !== undefined ? { clusterId: options.clusterId } : {}),
        });
        process.stdout.write(`sluice: listening on ${cluster.bootstrapServers} (cluster ${cluster.clusterId})\n`);
        const stopCluster = (): void => {
          cluster.stop().then(() => process.exit(0), () => process.exit(1));
        };
        process.once('SIGINT', stopCluster);
        process.once('SIGTERM', stopCluster);
        return;
      }
      const broker = await startBroker({
        port,
        controllerPort: options.controllerPort !== undefined ? Number(options.controllerPort) : port === 0 ? 0 : port + 1,
        host: options.host,
        advertisedHost: options.advertisedHost,
        dataDir: options.memory ? undefined : resolve(options.dataDir),
        configFile: options.config,
        nodeId: Number(options.nodeId),
        overrides,
        logLevel: options.logLevel,
        ...(options.clusterId !== undefined ? { clusterId: options.clusterId } : {}),
        ...(saslUsers.length > 0 ? { saslUsers } : {}),
      });
      // One machine-readable line, so scripts and the compat harness know where to connect.
      process.stdout.write(`sluice: listening on ${broker.bootstrapServers} (cluster ${broker.clusterId})\n`);
      let stopping = false;
      const shutdown = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        broker.logger.info({ signal }, 'shutting down');
        broker.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            broker.logger.error({ err: error }, 'unclean shutdown');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
    });
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
