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
  /**
   * SASL_PLAINTEXT makes the client listener a SASL one offering PLAIN and SCRAM (what
   * `--sasl-user` asks for). A single node never dials its inter-broker listener, so it may be SASL too.
   */
  readonly clientSecurityProtocol?: 'PLAINTEXT' | 'SASL_PLAINTEXT';
}

export function devDefaultProperties(options: DevDefaultsOptions): Map<string, string> {
  const { port, controllerPort, host, advertisedHost, dataDir, nodeId } = options;
  const client = options.clientSecurityProtocol ?? 'PLAINTEXT';
  const props = new Map([
    ['process.roles', 'broker,controller'],
    ['node.id', String(nodeId)],
    ['listeners', `${client}://${host}:${port},CONTROLLER://${host}:${controllerPort}`],
    ['advertised.listeners', `${client}://${advertisedHost}:${port}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', client],
    ['controller.quorum.voters', `${nodeId}@${advertisedHost}:${controllerPort}`],
    ['listener.security.protocol.map', `${client}:${client},CONTROLLER:PLAINTEXT`],
    ['log.dirs', dataDir],
    ['num.partitions', '1'],
    ['default.replication.factor', '1'],
    ['offsets.topic.replication.factor', '1'],
    ['transaction.state.log.replication.factor', '1'],
    ['transaction.state.log.min.isr', '1'],
    ['group.initial.rebalance.delay.ms', '0'],
  ]);
  if (client === 'SASL_PLAINTEXT') props.set('sasl.enabled.mechanisms', 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512');
  return props;
}
