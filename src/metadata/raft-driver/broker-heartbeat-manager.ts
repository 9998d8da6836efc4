// The active controller's side of broker liveness (KIP-631): BrokerRegistration (62) writes a
// fenced RegisterBrokerRecord; BrokerHeartbeat (63) unfences a broker once its metadata has
// caught up to its registration; a broker without a heartbeat for broker.session.timeout.ms
// is fenced again (BrokerRegistrationChangeRecord, as Kafka 3.9 writes with metadata.version
// 21). Only the quorum leader answers; others say NOT_CONTROLLER, as a KRaft controller does.
import type { Logger } from 'pino';
import { ErrorCode } from '../../../protocol/generated/error-codes.js';
import { MetadataRecordType } from '../../../protocol/generated/metadata-records.js';
import type { BrokerRegistrationRequest } from '../../../protocol/generated/message/broker-registration-request.js';
import { createBrokerRegistrationResponse, type BrokerRegistrationResponse } from '../../../protocol/generated/message/broker-registration-response.js';
import type { BrokerHeartbeatRequest } from '../../../protocol/generated/message/broker-heartbeat-request.js';
import { createBrokerHeartbeatResponse, type BrokerHeartbeatResponse } from '../../../protocol/generated/message/broker-heartbeat-response.js';
import type { QuorumController } from '../controller/controller.js';
import type { MetadataView } from '../image/types.js';
import type { MetadataQuorum } from '../quorum/types.js';
import { metadataRecord } from '../records.js';
import { partitionChangesOnFence, partitionChangesOnUnfence } from './partition-leadership.js';

export interface BrokerHeartbeatManagerOptions {
  readonly clusterId: string;
  readonly quorum: MetadataQuorum;
  readonly controller: QuorumController;
  readonly image: MetadataView;
  /** broker.session.timeout.ms */
  readonly sessionTimeoutMs: number;
  readonly logger: Logger;
}

/** BrokerRegistrationChangeRecord's fenced field: -1 unfence, 1 fence. */
const UNFENCE = -1;
const FENCE = 1;

export class BrokerHeartbeatManager {
  /** Last heartbeat per broker id, as seen by this node while it leads. */
  private readonly lastContact = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private wasLeader = false;
  /** Fence/unfence proposals in flight, so a burst of heartbeats proposes once. */
  private readonly changing = new Set<number>();

  constructor(private readonly options: BrokerHeartbeatManagerOptions) {}

  start(): void {
    // Kafka's controller fences a broker when its session ends; a coarse check would add up
    // to its interval to every failover, so look often (the check is a scan of the brokers).
    const every = Math.min(500, Math.max(50, Math.floor(this.options.sessionTimeoutMs / 10)));
    this.timer = setInterval(() => this.expireSessions(), every);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async handleRegistration(request: BrokerRegistrationRequest): Promise<BrokerRegistrationResponse> {
    if (request.clusterId !== this.options.clusterId) return createBrokerRegistrationResponse({ errorCode: ErrorCode.INCONSISTENT_CLUSTER_ID });
    if (!this.options.quorum.isLeader) return createBrokerRegistrationResponse({ errorCode: ErrorCode.NOT_CONTROLLER });
    try {
      const brokerEpoch = await this.options.controller.registerBroker({
        brokerId: request.brokerId,
        incarnationId: request.incarnationId,
        endpoints: request.listeners.map((l) => ({ name: l.name, host: l.host, port: l.port, securityProtocol: l.securityProtocol })),
        rack: request.rack,
        // Fenced until a heartbeat shows the broker has caught up with the metadata log.
        fenced: true,
      });
      this.lastContact.set(request.brokerId, Date.now());
      return createBrokerRegistrationResponse({ errorCode: 0, brokerEpoch });
    } catch (error) {
      this.options.logger.warn({ err: error, brokerId: request.brokerId }, 'broker registration failed');
      return createBrokerRegistrationResponse({ errorCode: ErrorCode.NOT_CONTROLLER });
    }
  }

  async handleHeartbeat(request: BrokerHeartbeatRequest): Promise<BrokerHeartbeatResponse> {
    if (!this.options.quorum.isLeader) return createBrokerHeartbeatResponse({ errorCode: ErrorCode.NOT_CONTROLLER, isFenced: true });
    const broker = this.options.image.broker(request.brokerId);
    if (broker === undefined) return createBrokerHeartbeatResponse({ errorCode: ErrorCode.BROKER_ID_NOT_REGISTERED, isFenced: true });
    if (broker.epoch !== request.brokerEpoch) return createBrokerHeartbeatResponse({ errorCode: ErrorCode.STALE_BROKER_EPOCH, isFenced: true });
    this.lastContact.set(request.brokerId, Date.now());
    // The broker epoch is the registration's offset: past it, the broker has seen its own registration.
    const isCaughtUp = request.currentMetadataOffset >= broker.epoch;
    let fenced = broker.fenced;
    if (fenced && isCaughtUp && !request.wantFence && !request.wantShutDown) {
      fenced = !(await this.changeFencing(request.brokerId, broker.epoch, UNFENCE));
    } else if (!fenced && request.wantFence) {
      fenced = await this.changeFencing(request.brokerId, broker.epoch, FENCE);
    }
    let shouldShutDown = request.wantShutDown;
    if (request.wantShutDown && !fenced) shouldShutDown = await this.controlledShutdown(request.brokerId, broker.epoch, broker.inControlledShutdown);
    return createBrokerHeartbeatResponse({ errorCode: 0, isCaughtUp, isFenced: fenced, shouldShutDown });
  }

  /**
   * Kafka's controlled shutdown: the broker is marked in controlled shutdown and leaves every ISR,
   * its leaderships going to the next live ISR member (the sole ISR member's partition goes
   * leaderless, as when fenced); it may shut down once it leads no partition.
   */
  private async controlledShutdown(brokerId: number, brokerEpoch: bigint, already: boolean): Promise<boolean> {
    const leadsNothing = (): boolean => {
      for (const topic of this.options.image.topics()) for (const p of topic.partitions.values()) if (p.leader === brokerId) return false;
      return true;
    };
    if (!already || !leadsNothing()) {
      if (this.changing.has(brokerId)) return false;
      this.changing.add(brokerId);
      try {
        await this.options.controller.proposeExclusive(() => [
          ...(already ? [] : [metadataRecord(MetadataRecordType.BrokerRegistrationChange, { brokerId, brokerEpoch, fenced: 0, inControlledShutdown: 1, logDirs: [] })]),
          ...partitionChangesOnFence(this.options.image, brokerId),
        ]);
        this.options.logger.info({ brokerId }, 'broker in controlled shutdown: leaderships moved');
      } catch (error) {
        this.options.logger.warn({ err: error, brokerId }, 'controlled shutdown change not committed');
        return false;
      } finally {
        this.changing.delete(brokerId);
      }
    }
    return leadsNothing();
  }

  /** Proposes a fencing change; resolves whether it was committed. */
  private async changeFencing(brokerId: number, brokerEpoch: bigint, fenced: number): Promise<boolean> {
    if (this.changing.has(brokerId)) return false;
    this.changing.add(brokerId);
    try {
      const image = this.options.image;
      // In the controller's queue: the ISR changes are computed from the image as it stands after
      // every AlterPartition before them, so neither overwrites the other's ISR.
      await this.options.controller.proposeExclusive(() => [
        metadataRecord(MetadataRecordType.BrokerRegistrationChange, { brokerId, brokerEpoch, fenced, inControlledShutdown: 0, logDirs: [] }),
        ...(fenced === FENCE ? partitionChangesOnFence(image, brokerId) : partitionChangesOnUnfence(image, brokerId)),
      ]);
      this.options.logger.info({ brokerId, fenced: fenced === FENCE }, fenced === FENCE ? 'broker fenced' : 'broker unfenced');
      return true;
    } catch (error) {
      this.options.logger.warn({ err: error, brokerId }, 'broker fencing change not committed');
      return false;
    } finally {
      this.changing.delete(brokerId);
    }
  }

  /** Fences unfenced brokers whose session expired; runs only while this node leads. */
  private expireSessions(): void {
    const leading = this.options.quorum.isLeader;
    const now = Date.now();
    if (leading && !this.wasLeader) {
      // A new controller gives every broker a full session before judging it (as Kafka does).
      this.lastContact.clear();
      for (const broker of this.options.image.brokers()) this.lastContact.set(broker.id, now);
    }
    this.wasLeader = leading;
    if (!leading) return;
    for (const broker of this.options.image.brokers()) {
      if (broker.fenced) continue;
      const last = this.lastContact.get(broker.id) ?? now;
      if (!this.lastContact.has(broker.id)) this.lastContact.set(broker.id, now);
      if (now - last > this.options.sessionTimeoutMs) {
        this.options.logger.warn({ brokerId: broker.id, silentMs: now - last }, 'broker session expired');
        void this.changeFencing(broker.id, broker.epoch, FENCE);
      }
    }
  }
}
