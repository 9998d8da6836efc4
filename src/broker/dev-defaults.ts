// The properties a `sluice start` with no config file runs with: a combined broker+controller
// KRaft node whose internal topics fit one broker, and no initial rebalance delay (a dev broker
// should hand out partitions at once; Kafka's 3 s default is for large production groups).

export interface DevDefaultsOptions {
  readonly port: number;
  readonly controllerPort: number;
  readonly host: string;
  readonly advertisedHost: string;
  readonly dataDir: string;
  readonly nodeId: number;
}

export function devDefaultProperties(options: DevDefaultsOptions): Map<string, string> {
  const { port, controllerPort, host, advertisedHost, dataDir, nodeId } = options;
  return new Map([
    ['process.roles', 'broker,controller'],
    ['node.id', String(nodeId)],
    ['listeners', `PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`],
    ['advertised.listeners', `PLAINTEXT://${advertisedHost}:${port}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['controller.quorum.voters', `${nodeId}@${advertisedHost}:${controllerPort}`],
    ['listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT'],
    ['log.dirs', dataDir],
    ['num.partitions', '1'],
    ['default.replication.factor', '1'],
    ['offsets.topic.replication.factor', '1'],
    ['transaction.state.log.replication.factor', '1'],
    ['transaction.state.log.min.isr', '1'],
    ['group.initial.rebalance.delay.ms', '0'],
  ]);
}
