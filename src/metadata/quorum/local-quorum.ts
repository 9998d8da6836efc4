import { BatchHeader, RECORD_BATCH_OVERHEAD } from '../../records/batch-header.js';
import { buildUncompressedRecordBatch, iterateRecordsPayload } from '../../records/record-batch.js';
import { SerialQueue } from '../../storage/serial-queue.js';
import type { PartitionLog } from '../../storage/log.js';
import { decodeMetadataRecord, encodeMetadataRecord, type MetadataRecord } from '../records.js';
import type { CommitListener, MetadataQuorum } from './types.js';

/** How much of the metadata log one replay read asks for. */
const REPLAY_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * The quorum of one voter: this node is always the leader of epoch 1, and a batch is committed
 * once it is appended and fsynced to `__cluster_metadata-0`, a Kafka-format log.
 */
export class LocalQuorum implements MetadataQuorum {
  private readonly listeners: CommitListener[] = [];
  private readonly queue = new SerialQueue();
  private started = false;
  readonly leaderEpoch = 1;

  constructor(
    private readonly log: PartitionLog,
    readonly leaderId: number,
  ) {}

  get isLeader(): boolean {
    return this.started;
  }

  onCommit(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  async start(): Promise<void> {
    let offset = this.log.logStartOffset;
    while (offset < this.log.logEndOffset) {
      const { records } = this.log.read(offset, { maxBytes: REPLAY_CHUNK_BYTES });
      if (records.length === 0) break;
      for (let pos = 0; pos < records.length; ) {
        const header = new BatchHeader(records, pos);
        const batch: MetadataRecord[] = [];
        if (!header.isControl) {
          const payload = records.subarray(pos + RECORD_BATCH_OVERHEAD, pos + header.totalSize);
          for (const record of iterateRecordsPayload(payload, header)) {
            if (record.value !== null) batch.push(decodeMetadataRecord(record.value));
          }
        }
        if (batch.length > 0) await this.publish(batch, header.lastOffset);
        offset = header.lastOffset + 1n;
        pos += header.totalSize;
      }
    }
    this.log.updateHighWatermark(this.log.logEndOffset);
    this.started = true;
  }

  propose(records: readonly MetadataRecord[]): Promise<bigint> {
    if (records.length === 0) return Promise.resolve(this.log.logEndOffset - 1n);
    return this.queue.run(async () => {
      if (!this.started) throw new Error('metadata quorum is not started');
      const batch = buildUncompressedRecordBatch(
        records.map((r) => ({ key: null, value: encodeMetadataRecord(r) })),
        { partitionLeaderEpoch: this.leaderEpoch },
      );
      const result = await this.log.append(batch, this.leaderEpoch);
      await this.log.flush();
      this.log.updateHighWatermark(result.lastOffset + 1n);
      await this.publish(records, result.lastOffset);
      return result.lastOffset;
    });
  }

  /** Hands a committed batch to each listener in turn, waiting for each (the image, then the replicas). */
  private async publish(records: readonly MetadataRecord[], lastOffset: bigint): Promise<void> {
    for (const listener of this.listeners) await listener(records, lastOffset);
  }

  async stop(): Promise<void> {
    await this.queue.run(async () => {
      this.started = false;
    });
  }
}
