import { randomBytes, randomUUID } from 'node:crypto';
import { statfsSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import { randomUuid } from '../../protocol/runtime/index.js';
import type { BrokerConfig, SecurityProtocol } from '../config/server-properties.js';
import { effectiveTopicConfig, validateTopicConfigs } from '../config/describe.js';
import { MemoryFileSystem } from '../storage/memory-fs.js';
import { NodeFileSystem } from '../storage/node-fs.js';
import { LogManager } from '../storage/log-manager.js';
import { readTextFile, parseProperties } from '../storage/checkpoint-file.js';
import { joinPath } from '../storage/file-names.js';
import type { FileSystem, LogConfig } from '../storage/types.js';
import { DEFAULT_LOG_CONFIG } from '../storage/types.js';
import { MetadataImage } from '../metadata/image/metadata-image.js';
import { ConfigResourceType } from '../metadata/image/types.js';
import { MetadataRecordType } from '../../protocol/generated/metadata-records.js';
import { RaftQuorum, raftConfigFrom } from '../metadata/quorum/raft-quorum.js';
import { BrokerHeartbeatManager } from '../metadata/raft-driver/broker-heartbeat-manager.js';
import { BrokerLifecycle, lifecycleSettings } from '../metadata/raft-driver/broker-lifecycle.js';
import { FollowerFetcherManager } from '../replication/follower-fetcher.js';
import { AlterPartitionSender, type ControllerTarget } from '../replication/alter-partition-sender.js';
import { QuorumController } from '../metadata/controller/controller.js';
import { ControllerForwarder } from '../metadata/controller/forwarding.js';
import { METADATA_TOPIC } from '../metadata/controller/topic-names.js';
import { ReplicaManager } from '../replication/replica-manager.js';
import { FetchSessionCache, fetchSessionCacheSlots } from '../replication/fetch-sessions.js';
import { toLogConfig } from '../replication/log-config.js';
import { SocketServer, type BoundListener } from '../server/socket-server.js';
import { HandlerRegistry } from '../handlers/registry.js';
import { KafkaDispatcher } from '../handlers/dispatcher.js';
import type { AdvertisedEndpoint, BrokerServices } from '../handlers/services.js';
import { registerAllHandlers } from '../handlers/all.js';
import { TransactionCoordinator } from '../coordinator/txn/transaction-coordinator.js';
import { groupOffsetSink } from '../coordinator/txn/group-offset-sink.js';
import { TxnRpc } from '../coordinator/txn/txn-rpc.js';
import { systemScheduler } from '../coordinator/group/scheduler.js';
import { GroupCoordinator } from '../coordinator/group/group-coordinator.js';
import { OFFSETS_TOPIC } from '../coordinator/group/partition-for.js';
import { TRANSACTION_STATE_TOPIC } from '../coordinator/txn/txn-metadata.js';
import { checkInternalListeners, isTlsListener, listenerSaslConfigs, listenerTlsOptions } from '../security/listener-config.js';
import { SaslAuthenticator } from '../security/sasl-authenticator.js';
import { SaslGate } from '../security/sasl-gate.js';
import { authorizerSettings, StandardAuthorizer } from '../security/authorizer.js';
import { scramUpsertion } from '../security/scram.js';
import { SCRAM_MECHANISMS, type ScramMechanismName } from '../security/types.js';

const SCRAM_MECHANISM_NAMES = Object.keys(SCRAM_MECHANISMS) as ScramMechanismName[];

/** Kafka's fixed topic id of __cluster_metadata (Uuid.METADATA_TOPIC_ID). */
const METADATA_TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

/** The metadata log is trimmed by snapshots, never by time or size retention. */
const METADATA_LOG_CONFIG: LogConfig = { ...DEFAULT_LOG_CONFIG, retentionMs: -1, retentionBytes: -1 };

const SECURITY_PROTOCOL_IDS: Record<SecurityProtocol, number> = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 };

export interface BrokerOptions {
  readonly config: BrokerConfig;
  /** Keep every log in memory (nothing touches the disk). */
  readonly inMemory?: boolean;
  readonly logger?: Logger;
  /** How often retention and checkpointing run; Kafka's log.retention.check.interval.ms by default. */
  readonly maintenanceIntervalMs?: number;
  /** The cluster id when the data dir has none yet (every node of a cluster must share it, as `kafka-storage format -t` sets). */
  readonly clusterId?: string;
  /**
   * Development users (`sluice start --sasl-user`): PLAIN users on every SASL listener that offers
   * PLAIN, and SCRAM-SHA-256/512 credentials committed to the metadata log once the broker is up.
   */
  readonly saslUsers?: readonly { readonly user: string; readonly password: string }[];
}

export interface RunningListener {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

/** Reads the cluster id a previous run stored in meta.properties, so a restart keeps it. */
function storedClusterId(fs: FileSystem, dataDir: string): string | undefined {
  const text = readTextFile(fs, joinPath(dataDir, 'meta.properties'));
  return text === null ? undefined : parseProperties(text).get('cluster.id');
}

/** One Sluice node: storage, the metadata quorum and controller, replicas, handlers and listeners. */
export class Broker {
  private maintenanceTimer: NodeJS.Timeout | undefined;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The transaction coordinator's connections to other brokers; set once at start. */
  txnRpc: TxnRpc | undefined;
  /** The transaction coordinator; set once at start, stopped before the logs close. */
  txnCoordinator: TransactionCoordinator | undefined;
  /** The active controller's broker sessions (registration, heartbeats, fencing); set once at start. */
  brokerHeartbeats: BrokerHeartbeatManager | undefined;
  /** This broker's registration and heartbeats to the active controller. */
  lifecycle: BrokerLifecycle | undefined;
  /** Replica fetchers for the partitions other brokers lead; set once at start. */
  followerFetchers: FollowerFetcherManager | undefined;
  /** Set once at start; stopped before the logs close. */
  groups: GroupCoordinator | undefined;
  /** Leaders' ISR changes on their way to the active controller; set once at start. */
  alterPartition: AlterPartitionSender | undefined;

  private constructor(
    readonly config: BrokerConfig,
    readonly log: Logger,
    readonly clusterId: string,
    readonly logManager: LogManager,
    readonly quorum: RaftQuorum,
    readonly image: MetadataImage,
    readonly controller: QuorumController,
    readonly replicas: ReplicaManager,
    readonly server: SocketServer,
    readonly listeners: readonly BoundListener[],
  ) {}

  static async start(options: BrokerOptions): Promise<Broker> {
    const config = options.config;
    const log = options.logger ?? pino({ level: 'info' });
    // Listener security first: a key store that cannot be read or a SASL listener nobody could
    // authenticate on stops start-up before anything is opened.
    checkInternalListeners(config);
    // An unknown authorizer class stops start-up: running without the authorization asked for would be worse.
    // Unauthenticated node-to-node traffic is exempt (see AuthorizerSettings.internalListeners); a
    // single node's inter-broker listener carries no other node's requests and is where its
    // clients connect, so there it is not: PLAINTEXT clients meet the ACLs, as in Kafka.
    const multiNode = config.controllerQuorumVoters.length > 1 || config.controllerQuorumBootstrapServers.length > 0;
    const internalListeners = [...config.controllerListenerNames, ...(multiNode ? [config.interBrokerListenerName] : [])];
    const authorizerSettingsOf = authorizerSettings(config.sources.staticConfig, internalListeners);
    const saslUsers = options.saslUsers ?? [];
    const saslListeners = listenerSaslConfigs(config, log, new Map(saslUsers.map((u) => [u.user, u.password])));
    const listenerConfigs = config.listeners.map((l) => ({
      name: l.name,
      host: l.host,
      port: l.port,
      securityProtocol: l.securityProtocol,
      ...(isTlsListener(l) ? { tls: listenerTlsOptions(config, l, log) } : {}),
      ...(saslListeners.has(l.name) ? { preAuthMaxFrameBytes: saslListeners.get(l.name)!.maxReceiveBytes } : {}),
    }));
    const fs: FileSystem = options.inMemory ? new MemoryFileSystem() : new NodeFileSystem();
    const dataDir = config.logDirs[0] ?? './data';
    const clusterId = (options.inMemory ? undefined : storedClusterId(fs, dataDir)) ?? options.clusterId ?? randomUuid(randomBytes);
    // Topics inherit the broker's settings: dynamic ones (committed ConfigRecords) over static.
    const topicConfig = (topic: string) =>
      effectiveTopicConfig(image.configs(ConfigResourceType.TOPIC, topic), {
        staticConfig: config.sources.staticConfig,
        dynamicBrokerConfig: image.configs(ConfigResourceType.BROKER, String(config.nodeId)),
        dynamicDefaultConfig: image.configs(ConfigResourceType.BROKER, ''),
      });
    const image = new MetadataImage(clusterId);
    const logManager = await LogManager.open({
      fs,
      dataDir,
      nodeId: config.nodeId,
      clusterId,
      configFor: (topic) => (topic === METADATA_TOPIC ? METADATA_LOG_CONFIG : image.topic(topic) ? toLogConfig(topicConfig(topic)) : { ...DEFAULT_LOG_CONFIG }),
    });
    const metadataLog =
      logManager.getLog(METADATA_TOPIC, 0) ?? (await logManager.createLog(METADATA_TOPIC, 0, METADATA_TOPIC_ID, METADATA_LOG_CONFIG));
    // DESIGN decision 4: one metadata path, a single node is a quorum of one voter.
    const quorum = new RaftQuorum({
      nodeId: config.nodeId,
      voters: config.controllerQuorumVoters,
      log: metadataLog,
      fs,
      clusterId,
      logger: log.child({ component: 'quorum' }),
      config: raftConfigFrom(config.sources.staticConfig),
    });
    // Filled in once the broker exists: its registration epoch goes into replica fetches and AlterPartition.
    const self: { broker?: Broker; groups?: GroupCoordinator; txn?: TransactionCoordinator } = {};
    const brokerEpoch = (): bigint => self.broker?.lifecycle?.epoch ?? -1n;
    // Leaders send ISR changes to the active controller: in process when that is this node.
    const alterPartition = new AlterPartitionSender({
      nodeId: config.nodeId,
      brokerEpoch,
      controller: (): ControllerTarget => {
        if (quorum.leaderId < 0) return undefined;
        if (quorum.leaderId === config.nodeId) return quorum.isLeader ? { kind: 'local' } : undefined;
        const voter = quorum.voters.find((v) => v.id === quorum.leaderId);
        return voter === undefined ? undefined : { kind: 'remote', host: voter.host, port: voter.port };
      },
      local: (request, version) => controller.alterPartition(request, version),
      retryBackoffMs: 100,
      logger: log.child({ component: 'alter-partition' }),
    });
    const replicas = new ReplicaManager({ nodeId: config.nodeId, logManager, metadata: image, topicConfig, log: log.child({ component: 'replicas' }), fs,
      alterPartition,
      replicaLagTimeMaxMs: config.replicaLagTimeMaxMs,
      // Coordinators move with their internal partitions' leaders (set once they exist; the
      // start-up replay comes before them and they load what this broker leads on their own).
      onLeadershipChange: (topic, partition, isLeader) => {
        if (topic === OFFSETS_TOPIC) {
          self.groups?.onPartitionLeadership(partition, isLeader);
          // Pending transactional offsets live with the partition's leader (markers come to it).
          self.txn?.onOffsetsPartitionLeadership(partition, isLeader);
        }
        else if (topic === TRANSACTION_STATE_TOPIC) self.txn?.onPartitionLeadership(partition, isLeader);
      },
      ...(config.sources.staticConfig.get('transaction.partition.verification.enable') === 'false'
        ? {}
        : {
            verifyTransaction: (producerId: bigint, producerEpoch: number, topic: string, partition: number, transactionalId: string | null): Promise<number> =>
              txnCoordinator.verifyProduce(producerId, producerEpoch, topic, partition, transactionalId),
          }),
    });
    quorum.onCommit(async (records, lastOffset) => {
      await replicas.applyDelta(image.applyBatch(records, lastOffset));
      // A dynamic broker config (the cluster default or a node's) feeds every topic without its own
      // override; it may have been changed through any node, so every node re-reads on commit.
      if (records.some((r) => r.type === MetadataRecordType.Config && (r.data as { resourceType: number }).resourceType === ConfigResourceType.BROKER)) {
        await replicas.refreshTopicConfigs();
      }
    });
    // Partitions another broker leads are fetched from it (replica fetchers follow leadership changes).
    const followerFetchers = new FollowerFetcherManager({
      nodeId: config.nodeId,
      image,
      listenerName: config.interBrokerListenerName,
      hostedPartitions: () => replicas.hostedPartitions(),
      writer: replicas,
      brokerEpoch,
      maxWaitMs: config.replicaFetchWaitMaxMs,
      backoffMs: config.replicaFetchBackoffMs,
      maxBytes: config.replicaFetchMaxBytes,
      logger: log.child({ component: 'replica-fetcher' }),
    });
    quorum.onCommit(() => followerFetchers.sync());
    await quorum.start();
    const controller = new QuorumController(
      quorum,
      image,
      {
        numPartitions: config.numPartitions,
        defaultReplicationFactor: config.defaultReplicationFactor,
        deleteTopicEnable: config.deleteTopicEnable,
        validateTopicConfigs: (overrides) => {
          const check = validateTopicConfigs(overrides, config.sources);
          return check.errorCode === 0 ? null : check.errorMessage;
        },
      },
      log.child({ component: 'controller' }),
      // Not the active controller: topic creation and producer id blocks go to the one that is.
      new ControllerForwarder({
        activeController: () => {
          const leaderId = quorum.leaderId;
          if (leaderId < 0 || leaderId === config.nodeId) return undefined;
          return quorum.voters.find((v) => v.id === leaderId);
        },
        clientId: `sluice-forward-${config.nodeId}`,
        timeoutMs: 30_000,
      }),
    );

    const groups = new GroupCoordinator({ nodeId: config.nodeId, config, metadata: image, controller, replicas, log: log.child({ component: 'groups' }) });
    const fetchSessions = new FetchSessionCache({ maxSlots: fetchSessionCacheSlots(config.sources.staticConfig) });
    const txnRpc = new TxnRpc({ nodeId: config.nodeId, metadata: image, listenerName: config.interBrokerListenerName });
    const txnCoordinator: TransactionCoordinator = new TransactionCoordinator({
      config: {
        ...config,
        abortTimedOutTransactionsIntervalMs: Number(config.sources.staticConfig.get('transaction.abort.timed.out.transaction.cleanup.interval.ms') ?? 10_000),
        removeExpiredTransactionalIdsIntervalMs: Number(config.sources.staticConfig.get('transaction.remove.expired.transaction.cleanup.interval.ms') ?? 3_600_000),
        producerIdExpirationCheckIntervalMs: Number(config.sources.staticConfig.get('producer.id.expiration.check.interval.ms') ?? 600_000),
      },
      metadata: image,
      produce: (topic, partition, records, produceOptions) => replicas.produce(topic, partition, records, produceOptions),
      hostedPartition: (topic, partition) => replicas.partition(topic, partition),
      createTopic: async (spec) => (await controller.createTopics([spec], false))[0]!,
      allocateProducerIds: () => controller.allocateProducerIds(config.nodeId, brokerEpoch()),
      scheduler: systemScheduler,
      log: log.child({ component: 'txn' }),
      // Committed transactional offsets land in the group coordinator (created below, used later).
      offsets: groupOffsetSink(() => groups, log.child({ component: 'txn' })),
      expireProducers: (nowMs, expirationMs) => replicas.expireProducers(nowMs, expirationMs),
      // Markers to other brokers' partitions and KIP-890 verification with other coordinators.
      cluster: { nodeId: config.nodeId, rpc: txnRpc },
    });
    const brokerHeartbeats = new BrokerHeartbeatManager({
      clusterId,
      quorum,
      controller,
      image,
      sessionTimeoutMs: lifecycleSettings(config.sources.staticConfig).sessionTimeoutMs,
      logger: log.child({ component: 'broker-heartbeats' }),
    });
    const registry = new HandlerRegistry();
    const sasl = new SaslAuthenticator({ listeners: saslListeners, scramCredentials: image.scramCredentials });
    const authorizer = authorizerSettingsOf === undefined ? undefined : new StandardAuthorizer(image.acls, authorizerSettingsOf);
    const services: BrokerServices = {
      nodeId: config.nodeId,
      clusterId,
      config,
      metadata: image,
      controller,
      replicas,
      registry,
      txnCoordinator,
      groups,
      brokerEndpoints: (listenerName) => brokerEndpoints(image, listenerName),
      controllerId: () => quorum.leaderId,
      topicConfig,
      fetchSessions,
      logDirVolume: () => (options.inMemory ? null : volumeOf(dataDir)),
      raft: quorum,
      brokerHeartbeats,
      sasl,
      scramCredentials: image.scramCredentials,
      ...(authorizer === undefined ? {} : { authorizer }),
    };
    registerAllHandlers(registry, services);
    // A closed connection's fetch sessions go with it.
    const dispatcher = new KafkaDispatcher(registry, log, (connectionId) => fetchSessions.connectionClosed(connectionId), (connection) => sasl.principal(connection) ?? connection.certificatePrincipal ?? null);
    const openClientListeners = dispatcher.holdUntilReady(config.controllerListenerNames);
    const server = new SocketServer({
      listeners: listenerConfigs,
      // On SASL listeners nothing but the SASL exchange reaches the handlers until it succeeds.
      dispatcher: saslListeners.size > 0 ? new SaslGate(dispatcher, sasl) : dispatcher,
      maxFrameBytes: config.socketRequestMaxBytes,
      log,
    });
    const bound = await server.start();
    const broker = new Broker(config, log, clusterId, logManager, quorum, image, controller, replicas, server, bound);
    self.broker = broker;
    self.groups = groups;
    self.txn = txnCoordinator;
    broker.alterPartition = alterPartition;
    broker.txnCoordinator = txnCoordinator;
    broker.txnRpc = txnRpc;
    txnCoordinator.start();
    broker.groups = groups;
    broker.brokerHeartbeats = brokerHeartbeats;
    broker.followerFetchers = followerFetchers;
    await broker.register();
    replicas.startIsrExpiration();
    groups.start();
    if (saslUsers.length > 0) await broker.upsertScramUsers(saslUsers);
    openClientListeners();
    broker.scheduleMaintenance(options.maintenanceIntervalMs ?? config.logRetentionCheckIntervalMs);
    return broker;
  }

  /** SCRAM-SHA-256 and -512 credentials for development users, through the controller like AlterUserScramCredentials. */
  private async upsertScramUsers(users: readonly { user: string; password: string }[]): Promise<void> {
    const results = await this.controller.alterUserScramCredentials({
      deletions: [],
      upsertions: users.flatMap(({ user, password }) => SCRAM_MECHANISM_NAMES.map((mechanism) => scramUpsertion(user, mechanism, password))),
    });
    for (const result of results) {
      // Never the password: only who got credentials, or why not.
      if (result.errorCode === 0) this.log.info({ user: result.user, mechanisms: ['PLAIN', ...SCRAM_MECHANISM_NAMES] }, 'development SASL user created');
      else this.log.error({ user: result.user, errorCode: result.errorCode, reason: result.errorMessage }, 'development SASL user not created');
    }
  }

  /** Registers this node with the controller, with the ports actually bound (port 0 becomes real). */
  private async register(): Promise<void> {
    const endpoints = this.config.advertisedListeners.map((advertised) => {
      const bound = this.listeners.find((l) => l.name === advertised.name);
      const port = advertised.port === 0 || (bound && advertised.port === bound.port) ? bound?.boundPort ?? advertised.port : advertised.port;
      return { name: advertised.name, host: advertised.host || 'localhost', port, securityProtocol: SECURITY_PROTOCOL_IDS[advertised.securityProtocol] };
    });
    // KIP-631: register with the active controller (this node or another) and heartbeat; start-up
    // finishes once the controller has unfenced this broker.
    const settings = lifecycleSettings(this.config.sources.staticConfig);
    const heartbeats = this.brokerHeartbeats!;
    heartbeats.start();
    this.lifecycle = new BrokerLifecycle({
      nodeId: this.config.nodeId,
      clusterId: this.clusterId,
      incarnationId: randomUuid(() => Buffer.from(randomUUID().replace(/-/g, ''), 'hex')),
      rack: this.config.brokerRack,
      listeners: () => endpoints,
      quorum: this.quorum,
      image: this.image,
      localController: heartbeats,
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      logger: this.log.child({ component: 'lifecycle' }),
    });
    await this.lifecycle.start(settings.registrationTimeoutMs);
  }

  private scheduleMaintenance(intervalMs: number): void {
    // Deleted topics' and segments' files go when file.delete.delay.ms passes, not at the next round.
    this.logManager.setRemovalsOnTimers(true);
    this.maintenanceTimer = setInterval(() => {
      this.logManager.maintenance().catch((error: unknown) => this.log.error({ err: error }, 'log maintenance failed'));
    }, Math.max(1000, intervalMs));
    this.maintenanceTimer.unref();
    // Kafka's log.flush.offset.checkpoint.interval.ms: recovery points reach disk every minute.
    this.checkpointTimer = setInterval(() => {
      this.logManager.writeCheckpoints().catch((error: unknown) => this.log.error({ err: error }, 'checkpoint write failed'));
    }, 60_000);
    this.checkpointTimer.unref();
  }

  /**
   * Kafka's controlled shutdown (controlled.shutdown.enable, on by default): before going away a
   * broker of a cluster asks the active controller to move its leaderships to other in-sync
   * replicas, so clients fail over at once instead of after the session timeout. Bounded by the
   * session timeout: a cluster without a controller just gets the uncontrolled shutdown.
   */
  private async controlledShutdown(): Promise<void> {
    if (this.config.sources.staticConfig.get('controlled.shutdown.enable') === 'false' || this.lifecycle === undefined) return;
    const others = [...this.image.brokers()].some((b) => b.id !== this.config.nodeId && !b.fenced);
    if (!others) return;
    const started = Date.now();
    const timeoutMs = Math.min(10_000, lifecycleSettings(this.config.sources.staticConfig).sessionTimeoutMs);
    // Without a quorum leader nobody can move anything (the whole cluster is going down, say): do not wait for one.
    let poll: NodeJS.Timeout | undefined;
    const leaderless = new Promise<boolean>((resolve) => {
      poll = setInterval(() => {
        if (this.quorum.leaderId < 0) resolve(false);
      }, 50);
    });
    const agreed = await Promise.race([this.lifecycle.controlledShutdown(timeoutMs), leaderless]);
    clearInterval(poll);
    this.log.info({ agreed, ms: Date.now() - started }, agreed ? 'controlled shutdown: leaderships moved' : 'controlled shutdown not completed; shutting down anyway');
  }

  /** Advertised address of a client listener. */
  endpoint(listenerName = this.config.advertisedListeners[0]?.name ?? 'PLAINTEXT'): RunningListener {
    const advertised = this.config.advertisedListeners.find((l) => l.name === listenerName);
    const bound = this.listeners.find((l) => l.name === listenerName);
    if (advertised === undefined || bound === undefined) throw new Error(`no listener ${listenerName}`);
    const port = advertised.port === 0 || advertised.port === bound.port ? bound.boundPort : advertised.port;
    return { name: listenerName, host: advertised.host || 'localhost', port };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.maintenanceTimer);
    clearInterval(this.checkpointTimer);
    this.logManager.setRemovalsOnTimers(false);
    await this.controlledShutdown();
    await this.server.stop();
    await this.txnCoordinator?.stop();
    this.txnRpc?.close();
    this.groups?.stop();
    this.followerFetchers?.stop();
    this.replicas.stopIsrExpiration();
    this.alterPartition?.stop();
    this.lifecycle?.stop();
    this.brokerHeartbeats?.stop();
    this.controller.close();
    await this.quorum.stop();
    await this.replicas.writeProducerSnapshots().catch((error: unknown) => this.log.warn({ err: error }, 'producer snapshots not written'));
    await this.logManager.shutdown();
    this.log.info('broker stopped');
  }
}

/** Total and available bytes of the volume holding `dir` (Kafka's totalBytes / usableBytes). */
function volumeOf(dir: string): { totalBytes: bigint; usableBytes: bigint } | null {
  try {
    const stats = statfsSync(dir, { bigint: true });
    return { totalBytes: stats.blocks * stats.bsize, usableBytes: stats.bavail * stats.bsize };
  } catch {
    return null;
  }
}

function brokerEndpoints(image: MetadataImage, listenerName: string): AdvertisedEndpoint[] {
  const out: AdvertisedEndpoint[] = [];
  for (const broker of image.brokers()) {
    if (broker.fenced) continue;
    const endpoint = broker.endpoints.find((e) => e.name === listenerName) ?? broker.endpoints[0];
    if (endpoint === undefined) continue;
    out.push({ nodeId: broker.id, host: endpoint.host, port: endpoint.port, rack: broker.rack });
  }
  return out.sort((a, b) => a.nodeId - b.nodeId);
}
