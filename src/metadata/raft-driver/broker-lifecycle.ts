// The broker's side of liveness (Kafka's BrokerLifecycleManager): register with the active
// controller, then heartbeat every broker.heartbeat.interval.ms with the metadata offset
// this broker has applied. The controller unfences it once caught up and fences it when the
// heartbeats stop. When this node itself is the active controller the same requests go to
// its BrokerHeartbeatManager in process (a voter's CONTROLLER port may be 0 in config).
import type { Logger } from 'pino';
import { ApiKey } from '../../../protocol/generated/api-keys.js';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import {
  BrokerRegistrationRequest,
  createBrokerRegistrationRequest,
  type BrokerRegistrationRequestListener,
} from '../../../protocol/generated/message/broker-registration-request.js';
import { BrokerRegistrationResponse } from '../../../protocol/generated/message/broker-registration-response.js';
import { BrokerHeartbeatRequest, createBrokerHeartbeatRequest } from '../../../protocol/generated/message/broker-heartbeat-request.js';
import { BrokerHeartbeatResponse } from '../../../protocol/generated/message/broker-heartbeat-response.js';
import type { MetadataView } from '../image/types.js';
import type { RaftQuorum } from '../quorum/raft-quorum.js';
import type { BrokerHeartbeatManager } from './broker-heartbeat-manager.js';
import { RpcClient } from './rpc-client.js';

export interface BrokerLifecycleOptions {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly incarnationId: string;
  readonly rack: string | null;
  readonly listeners: () => BrokerRegistrationRequestListener[];
  readonly quorum: RaftQuorum;
  readonly image: MetadataView;
  /** This node's controller side, used when this node is the active controller. */
  readonly localController: BrokerHeartbeatManager;
  /** broker.heartbeat.interval.ms */
  readonly heartbeatIntervalMs: number;
  readonly logger: Logger;
}

/** metadata.version range this broker supports (3.9-IV0 is level 21). */
const METADATA_VERSION_RANGE = { name: 'metadata.version', minSupportedVersion: 1, maxSupportedVersion: 21 };
/** While fenced or unregistered, retry sooner than the heartbeat interval (Kafka's initial backoff). */
const FAST_RETRY_MS = 100;

export class BrokerLifecycle {
  private brokerEpoch = -1n;
  private fenced = true;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private client: RpcClient | undefined;
  private readonly unfencedWaiters: (() => void)[] = [];
  /** Controlled shutdown asked for: heartbeats carry wantShutDown until the controller agrees. */
  private wantShutDown = false;
  private readonly shutdownWaiters: (() => void)[] = [];

  constructor(private readonly options: BrokerLifecycleOptions) {}

  get isFenced(): boolean {
    return this.fenced;
  }

  get epoch(): bigint {
    return this.brokerEpoch;
  }

  /** Starts registering and heartbeating; resolves once the controller has unfenced this broker. */
  start(timeoutMs: number): Promise<void> {
    const unfenced = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`broker ${this.options.nodeId} not unfenced by the controller within ${timeoutMs} ms`)), timeoutMs);
      this.unfencedWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.schedule(0);
    return unfenced;
  }

  /**
   * Kafka's controlled shutdown: heartbeats ask to shut down, the controller moves this broker's
   * leaderships to other ISR members and answers shouldShutDown once it leads nothing. Resolves
   * true then, false when not registered/unfenced or when `timeoutMs` passes first.
   */
  controlledShutdown(timeoutMs: number): Promise<boolean> {
    if (this.stopped || this.brokerEpoch < 0n || this.fenced) return Promise.resolve(false);
    this.wantShutDown = true;
    const agreed = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.shutdownWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    clearTimeout(this.timer);
    this.schedule(0);
    return agreed;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.client?.close();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.beat().then(
        () => this.schedule(this.brokerEpoch >= 0n && !this.fenced && !this.wantShutDown ? this.options.heartbeatIntervalMs : FAST_RETRY_MS),
        (error: unknown) => {
          this.options.logger.debug({ err: error }, 'controller request failed');
          this.schedule(FAST_RETRY_MS * 5);
        },
      );
    }, delayMs);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    if (this.brokerEpoch < 0n) {
      const response = await this.register();
      if (response.errorCode !== 0) return;
      this.brokerEpoch = response.brokerEpoch;
      this.options.logger.info({ brokerEpoch: String(response.brokerEpoch) }, 'registered with the controller');
    }
    const request = createBrokerHeartbeatRequest({
      brokerId: this.options.nodeId,
      brokerEpoch: this.brokerEpoch,
      currentMetadataOffset: this.options.image.offset,
      wantFence: false,
      wantShutDown: this.wantShutDown,
    });
    const response = await this.send((local) => local.handleHeartbeat(request), (client) =>
      client.request(ApiKey.BrokerHeartbeat, 1, BrokerHeartbeatRequest, request, BrokerHeartbeatResponse),
    );
    if (response === undefined) return;
    if (response.errorCode === ErrorCode.STALE_BROKER_EPOCH || response.errorCode === ErrorCode.BROKER_ID_NOT_REGISTERED) {
      this.brokerEpoch = -1n; // the controller forgot us (or we restarted): register again
      return;
    }
    if (response.errorCode !== 0) return;
    if (this.fenced !== response.isFenced) this.options.logger.info({ fenced: response.isFenced }, 'broker fencing changed');
    this.fenced = response.isFenced;
    if (!this.fenced) for (const wake of this.unfencedWaiters.splice(0)) wake();
    if (this.wantShutDown && response.shouldShutDown) for (const wake of this.shutdownWaiters.splice(0)) wake();
  }

  private async register(): Promise<{ errorCode: number; brokerEpoch: bigint }> {
    const request = createBrokerRegistrationRequest({
      brokerId: this.options.nodeId,
      clusterId: this.options.clusterId,
      incarnationId: this.options.incarnationId,
      listeners: this.options.listeners(),
      features: [METADATA_VERSION_RANGE],
      rack: this.options.rack,
      previousBrokerEpoch: -1n,
    });
    const response = await this.send((local) => local.handleRegistration(request), (client) =>
      client.request(ApiKey.BrokerRegistration, 3, BrokerRegistrationRequest, request, BrokerRegistrationResponse),
    );
    return response ?? { errorCode: ErrorCode.NOT_CONTROLLER, brokerEpoch: -1n };
  }

  /** Sends to the active controller: in process when that is us, else over its CONTROLLER listener. */
  private async send<T>(local: (manager: BrokerHeartbeatManager) => Promise<T>, remote: (client: RpcClient) => Promise<T>): Promise<T | undefined> {
    const quorum = this.options.quorum;
    const leaderId = quorum.leaderId;
    if (leaderId < 0) return undefined;
    if (leaderId === this.options.nodeId) return quorum.isLeader ? local(this.options.localController) : undefined;
    const voter = quorum.voters.find((v) => v.id === leaderId);
    if (voter === undefined) return undefined;
    if (this.client === undefined || this.client.host !== voter.host || this.client.port !== voter.port) {
      this.client?.close();
      // A controller cut off by a network partition never answers: a heartbeat stuck on it
      // would stop this broker from heartbeating to the next controller, which would fence it.
      const requestTimeoutMs = Math.max(1000, 2 * this.options.heartbeatIntervalMs);
      this.client = new RpcClient(voter.host, voter.port, `sluice-broker-${this.options.nodeId}`, 2000, requestTimeoutMs);
    }
    return remote(this.client);
  }
}

/** broker.heartbeat.interval.ms, broker.session.timeout.ms, initial.broker.registration.timeout.ms with Kafka's defaults. */
export function lifecycleSettings(settings: ReadonlyMap<string, string>): { heartbeatIntervalMs: number; sessionTimeoutMs: number; registrationTimeoutMs: number } {
  const num = (key: string, fallback: number): number => {
    const value = Number(settings.get(key));
    return settings.has(key) && Number.isFinite(value) ? value : fallback;
  };
  return {
    heartbeatIntervalMs: num('broker.heartbeat.interval.ms', 2000),
    sessionTimeoutMs: num('broker.session.timeout.ms', 9000),
    registrationTimeoutMs: num('initial.broker.registration.timeout.ms', 60_000),
  };
}
